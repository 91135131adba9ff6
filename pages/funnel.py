"""Funnel & leakage: the funnel, side by side, by cohort; where and why leads stop;
leads left behind; velocity; deals by owner. Filters in the sidebar apply to every view."""

import streamlit as st

from ui.frame import require_frame
from ui.sections import funnel as ui
from ui.state import current_dataset
from ui.widgets.filters import filtered_view

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Funnel & leakage")


def main() -> None:
    """The page body; returns early (not ``st.stop``) so the app frame still runs."""
    ds = current_dataset()
    sub = filtered_view(ds)
    if sub is None:
        return

    st.header("The funnel")
    ui.funnel_section(sub)

    st.header("Side by side")
    ui.breakdown_section(ds, sub)

    st.header("By month of entry")
    ui.cohort_section(ds, sub)

    st.header("Where and why leads stop")
    ui.stops_section(sub)

    st.header("Leads left behind")
    ui.left_behind_section(ds, sub)

    st.header("Velocity")
    ui.velocity_section(ds, sub)
    ui.deals_section(ds, sub)  # deal-level: every deal kept, with or without its lead


main()
