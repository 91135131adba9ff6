"""Funnel & leakage: the funnel, then one view at a time (where and why leads stop, side
by side, by cohort, leads left behind, velocity). Filters in the sidebar apply to all."""

import streamlit as st

from ui.frame import require_frame
from ui.sections import funnel as ui
from ui.state import current_dataset, keep_widget_values
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

    # stateful tabs: only the open view is computed and drawn, so a filter change redraws
    # the funnel and that view (``?view=`` keeps it in links); closed views keep choices
    keep_widget_values(ui.VIEW_WIDGETS)
    bodies = (lambda: ui.stops_section(sub),
              lambda: ui.breakdown_section(ds, sub),
              lambda: ui.cohort_section(ds, sub),
              lambda: ui.left_behind_section(ds, sub),
              lambda: (ui.velocity_section(ds, sub),
                       ui.deals_section(ds, sub)))  # deal-level: every deal kept
    tabs = st.tabs(ui.VIEWS, key="view", bind="query-params")
    for tab, body in zip(tabs, bodies, strict=True):
        if tab.open is not False:
            with tab:
                body()


main()
