"""Funnel Diagnostic: the router and frame. Pages live in pages/, analysis in funnel/."""

import streamlit as st

from ui.frame import base_style, framed, navigation, sidebar_badge
from ui.share import open_shared_link, share_panel
from ui.state import current_dataset, is_sample

st.set_page_config(page_title="Funnel Diagnostic", page_icon=":material/filter_alt:",
                   layout="wide")

nav = navigation()  # the pages, titles and URLs: ui/frame.py
base_style()
if not open_shared_link():  # a link to a workspace that does not exist: say so, nothing else
    st.stop()
with framed():
    nav.run()
# after the page, so the badge reflects an upload made on this run
sidebar_badge(current_dataset(), sample=is_sample())
share_panel(current_dataset(), sample=is_sample())
