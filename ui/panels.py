"""Panels that render a dataset's health and let the user review the mapping."""

from __future__ import annotations

import polars as pl
import streamlit as st

from funnel import FIELDS, Dataset, Mapping, RawTable, map_values
from funnel.dataset.schema import REQUIRED

NONE = "— not in this export —"


def sidebar_badge(ds: Dataset, *, sample: bool) -> None:
    """Say in the sidebar which data every page is showing."""
    with st.sidebar:
        if sample:
            st.info(f"**Sample data** · {ds.leads.height:,} leads (generated, not a client's)",
                    icon=":material/science:")
        else:
            st.success(f"**{ds.label or 'Uploaded data'}** · {ds.leads.height:,} leads",
                       icon=":material/database:")


def health_panel(ds: Dataset) -> None:
    """Row accounting per file, warnings, rejected rows and what the data supports."""
    h = ds.health
    c = st.columns(5)
    c[0].metric("Rows read", f"{h.rows_read:,}", help="Data rows in all files")
    c[1].metric("Rows kept", f"{h.rows_kept:,}")
    c[2].metric("Rows rejected", f"{h.rows_rejected:,}", help="Listed below with reasons")
    c[3].metric("Leads", f"{ds.leads.height:,}")
    won = int((ds.leads["outcome"] == "won").sum()) if "outcome" in ds.leads.columns else None
    c[4].metric("Won", f"{won:,}" if won is not None else "—",
                help="Leads won (any won deal, or a won outcome on the lead)")
    st.dataframe(
        pl.DataFrame([{"file": f.name, "holds": f.role, "format": f.format, "read": f.rows_read,
                       "kept": f.rows_kept, "rejected": f.rows_rejected,
                       "notes": " ".join(f.notes)} for f in h.files]),
        hide_index=True,
    )
    for w in h.warnings:
        (st.warning if w.level == "warning" else st.info)(w.message)
    if h.rows_rejected:
        with st.expander(f"Rejected rows ({h.rows_rejected:,}) and why", expanded=True):
            reasons = h.rejected.group_by("reason").len("rows").sort("rows", descending=True)
            st.dataframe(reasons.head(50), hide_index=True)
            st.dataframe(h.rejected.head(1000), hide_index=True)
            st.download_button("Download all rejected rows (CSV)",
                               lambda: h.rejected.write_csv().encode(),  # built on click only
                               "rejected_rows.csv", "text/csv")
    st.markdown("**What this data can show**")
    st.dataframe(
        pl.DataFrame([{"available": cap.available, "analysis": cap.analysis,
                       "because": cap.reason} for cap in h.capabilities]),
        hide_index=True,
        column_config={"available": st.column_config.CheckboxColumn(width="small"),
                       "because": st.column_config.TextColumn(width="large")},
    )


def _records(frame) -> list[dict]:
    """Rows of what ``st.data_editor`` returned (polars for polars input, else pandas)."""
    return frame.to_dicts() if hasattr(frame, "to_dicts") else frame.to_dict("records")


def _examples(table: RawTable, column: str | None) -> str:
    if not column or column not in table.frame.columns:
        return ""
    first = table.frame[column].head(2000).drop_nulls()  # cheap on every rerun
    vals = first.unique(maintain_order=True).head(3).to_list()
    return ", ".join(str(v)[:30] for v in vals)


def mapping_editor(role: str, table: RawTable, current: dict[str, str], *, key: str) -> dict:
    """An editable field → column table for one file; returns the user's choices."""
    options = [NONE, *table.columns]
    rows = [{"field": f, "required": "yes" if f in REQUIRED[role] else "",
             "column": current.get(f) or NONE, "examples": _examples(table, current.get(f))}
            for f in FIELDS[role]]
    edited = st.data_editor(
        pl.DataFrame(rows), hide_index=True, key=key, disabled=["field", "required", "examples"],
        column_config={"column": st.column_config.SelectboxColumn(options=options, required=True)},
    )
    return {r["field"]: ("" if r["column"] == NONE else r["column"])
            for r in _records(edited)}


def values_editor(field: str, table: RawTable, column: str, mapping: Mapping, *, key: str) -> dict:
    """Let the user say what each raw outcome/stage label means."""
    raw = table.frame[column].drop_nulls()
    counts = raw.value_counts(sort=True).head(30)
    kind = "outcome" if field == "outcome" else "stage"
    mapped, _ = map_values(counts[column], kind, overrides=mapping.values.get(field))
    allowed = ["(missing)", *(("won", "lost", "open") if kind == "outcome" else
                              ("lead", "mql", "sal", "sql", "opportunity", "won"))]
    frame = pl.DataFrame({"label": counts[column], "rows": counts["count"],
                          "means": mapped.fill_null("(missing)")})
    edited = st.data_editor(frame, hide_index=True, key=key, disabled=["label", "rows"],
                            column_config={"means": st.column_config.SelectboxColumn(
                                options=allowed, required=True)})
    return {r["label"]: r["means"] for r in _records(edited) if r["means"] in allowed[1:]}
