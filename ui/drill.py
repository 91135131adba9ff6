"""Drill-down: the leads behind a number, personal fields masked by default."""

from __future__ import annotations

import polars as pl
import streamlit as st

from funnel.dataset.format import header
from funnel.dataset.privacy import mask_personal, personal_columns
from funnel.dataset.schema import FIELDS
from ui.format import grid, md_escape
from ui.memo import memo_frame
from ui.state import can_reveal_personal

TRACE_PAGE = "pages/trace.py"


def lead_list(
    leads: pl.DataFrame,
    *,
    key: str,
    title: str = "Leads behind this number",
    limit: int = 1000,
    ask: bool = True,
) -> None:
    """Show the leads behind a number and link a selected one to its trace.

    Shows the count and, with ``ask`` (lists shown unasked, under a number), a "Show the
    leads" switch. Switched on (it stays on for this list until switched off), or without
    ``ask``: the first ``limit`` rows with internal columns hidden, personal fields (names,
    e-mails, phones) replaced by stable pseudonyms unless the uploader ticks "Show personal
    fields" (never offered in a shared view or a restored upload: they hold pseudonyms
    only), and, for a selected row, a link to the lead trace page. Rows are prepared only
    when asked for, so a live edit does not wait for lists nobody opened.
    """
    n = leads.height
    st.markdown(f"**{md_escape(title)}** · {n:,} lead{'s' if n != 1 else ''}")
    if n == 0:
        st.caption("No leads here.")
        return
    if ask and not st.toggle("Show the leads", key=f"{key}:show", value=False):
        return
    if n > limit:
        st.caption(f"The first {limit:,} of {n:,} are listed.")
    shown = leads.head(limit).select([c for c in leads.columns if not c.startswith("__")])
    personal = memo_frame("personal", personal_columns, shown)
    reveal = False
    if personal and can_reveal_personal():  # not shared, not restored (pseudonyms only)
        reveal = st.toggle("Show personal fields", key=f"{key}:reveal", value=False,
                           help="Names, e-mails and phone numbers are masked by default.")
    if not reveal:
        shown = memo_frame("masked", lambda f, p: mask_personal(f, columns=dict(p)), shown,
                           tuple(personal.items()))
    order = ["lead_id"] + [c for c in shown.columns if c != "lead_id"]
    # canonical fields under plain-language headers; the client's own columns as they are
    labels = {c: st.column_config.Column(header(c)) for c in shown.columns
              if c in FIELDS["leads"] and header(c) not in shown.columns}
    event = grid(shown, key=f"{key}:table", hide_index=True, column_order=order,
                 column_config=labels, on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    if rows and "lead_id" in shown.columns:
        lead_id = str(shown["lead_id"][rows[0]])
        st.page_link(TRACE_PAGE, label=f"Open the lead trace of {md_escape(lead_id)}",
                     icon=":material/timeline:", query_params={"lead": lead_id})
    else:
        st.caption("Select a row to open its lead trace.")
