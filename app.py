"""Funnel Diagnostic: the router and frame. Pages live in pages/, analysis in funnel/."""

import streamlit as st

from ui.frame import framed, navigation, sidebar_badge, sidebar_profile
from ui.share import keep_session, open_session_link, open_shared_link, share_panel
from ui.state import current_dataset, is_sample

st.set_page_config(page_title="Funnel Diagnostic", page_icon="📊",  # inline: no font host
                   layout="wide")

nav = navigation()  # the pages, titles and URLs: ui/frame.py
if not open_shared_link():  # a link to a workspace that does not exist: say so, nothing else
    st.stop()
open_session_link()  # after a browser reload: this session's own upload and profiles back
keep_session()  # ?session= in every page's URL; "Clear my data" deletes the kept copy
with framed():
    nav.run()
keep_session()  # profiles edited on this run are kept for a reload too
# after the page, so the badge reflects an upload made on this run
sidebar_badge(current_dataset(), sample=is_sample())
sidebar_profile(current_dataset())
share_panel(current_dataset(), sample=is_sample())
