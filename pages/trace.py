"""Lead trace: one lead's path, from creation to outcome (``?lead=<id>``)."""

import dataclasses

import polars as pl
import streamlit as st

from funnel.analyses.trace import lead_profile, lead_trace
from funnel.dataset.errors import InputError
from funnel.dataset.format import header
from funnel.dataset.privacy import mask_personal, name_words, personal_columns
from funnel.dataset.schema import FIELDS
from ui.format import grid
from ui.frame import require_frame
from ui.state import can_reveal_personal, current_dataset

require_frame()  # run inside app.py even on a fresh server (see ui/frame.py)

st.title("Lead trace")
ds = current_dataset()
wanted = st.query_params.get("lead")
if wanted and st.session_state.get("trace:param") != wanted:  # opened from a link
    st.session_state["trace:param"] = wanted
    st.session_state["trace:id"] = wanted


def _picked() -> None:
    if st.session_state["trace:pick"]:
        st.session_state["trace:id"] = st.session_state["trace:pick"]


c = st.columns(2)
c[0].text_input("Lead id", key="trace:id", placeholder="paste a lead id")
c[1].selectbox("…or pick one of the first 200 leads",
               ["", *ds.leads["lead_id"].head(200).to_list()], key="trace:pick",
               on_change=_picked)


def main() -> None:
    """The page body; returns early (not ``st.stop``) so the app frame still runs."""
    lead_id = (st.session_state.get("trace:id") or "").strip()
    if not lead_id:
        st.info("Choose a lead to see its path: open one from any drill-down list "
                "(Funnel & leakage, Sources & cost), paste its id, or pick one above.")
        return
    st.query_params["lead"] = lead_id  # the address of this trace can be shared

    try:
        events = lead_trace(ds, lead_id)
    except InputError as exc:
        st.error(str(exc))
        return
    row = ds.leads.filter(pl.col("lead_id") == lead_id).head(1)
    personal = personal_columns(row)
    reveal = False
    if personal and can_reveal_personal():  # not shared, not restored (pseudonyms only)
        reveal = st.toggle("Show personal fields", value=False, key="trace:reveal",
                           help="Names, e-mails and phone numbers are masked by default.")
    if not reveal:
        people = [c for c, kind in personal.items() if kind == "person"]
        events = mask_personal(events, names=name_words([row], [people]))  # "Called Ann Doe"
        row = mask_personal(row, columns=personal)

    c = st.columns(3)
    c[0].metric("Lead", lead_id)
    c[1].metric("Outcome", (row["outcome"][0] if "outcome" in row.columns else None) or "unknown")
    c[2].metric("Events", f"{events.height:,}")
    grid(events, hide_index=True, column_config={
        "at": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm")})
    with st.expander("All fields of this lead"):
        fields = lead_profile(dataclasses.replace(ds, leads=row), lead_id)
        # canonical fields under plain-language names; the client's own columns as they are
        plain = {c: header(c) for c in FIELDS["leads"]}
        grid(fields.with_columns(pl.col("field").replace(plain)), hide_index=True)


main()
