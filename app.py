"""Funnel Diagnostic: the router and frame. Pages live in pages/, analysis in funnel/."""

import streamlit as st

from ui.panels import sidebar_badge
from ui.state import current_dataset, is_sample

st.set_page_config(page_title="Funnel Diagnostic", page_icon=":material/filter_alt:",
                   layout="wide")

nav = st.navigation([
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", url_path="data",
            default=True),
])
nav.run()
# after the page, so the badge reflects an upload made on this run
sidebar_badge(current_dataset(), sample=is_sample())
