"""Sources & cost: the closed loop by source and campaign (leads → qualified → won →
revenue), cost per lead, CAC and return on spend, comparisons with intervals."""

import streamlit as st

from funnel.dataset.labels import near_duplicate_labels
from ui.frame import require_frame
from ui.memo import memo
from ui.sections import sources as ui
from ui.sections.data import stage_lists_of
from ui.state import current_dataset
from ui.widgets.filters import filtered_view

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Sources & cost")


def main() -> None:
    """The page body; returns early (not ``st.stop``) so the app frame still runs."""
    ds = current_dataset()
    sub = filtered_view(ds)
    if sub is None:
        return

    totals = stage_lists_of(ds)
    if totals is not None:  # a stage-list export: what its lists support
        st.header("Period funnel (stage lists)")
        ui.period_section(ds, totals)
        st.header("The lead list, closed loop")

    choices = [c for c in ("source", "campaign") if c in sub.leads.columns]
    if not choices:
        st.info("These leads have no source or campaign: nothing to close the loop on. "
                "Map a source or campaign column on the Data page.")
        return
    by = st.radio("Closed loop by", choices, horizontal=True, key="leak:loop_by")

    merged = memo("dups_loop", lambda d, b: near_duplicate_labels(d.leads, column=b), sub, by)
    if merged.height:
        st.info("Labels that differ only in case or spacing are counted as one "
                f"{by}: " + ", ".join(f"{r['label']!r} ({r['leads']:,}) → {r['merged_into']!r}"
                                      for r in merged.iter_rows(named=True)))

    table = ui.closed_loop_section(sub, by)

    st.subheader("Compare two " + by + "s")
    ui.compare_section(table, by)

    st.subheader("Drill down")
    ui.group_drill(sub, table, by)


main()
