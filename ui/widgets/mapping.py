"""Editors of the column mapping and of outcome/stage labels, shown on the Data page."""

from __future__ import annotations

import polars as pl
import streamlit as st

from funnel import FIELDS, Mapping, RawTable, map_values
from funnel.dataset.schema import REQUIRED

NOT_IN_EXPORT = "— not in this export —"


def _examples(table: RawTable, column: str | None) -> str:
    if not column or column not in table.frame.columns:
        return ""
    first = table.frame[column].head(2000).drop_nulls()  # cheap on every rerun
    vals = first.unique(maintain_order=True).head(3).to_list()
    return ", ".join(str(v)[:30] for v in vals)


def mapping_editor(role: str, table: RawTable, current: dict[str, str], *, key: str) -> dict:
    """An editable field → column table for one file; returns the user's choices."""
    options = [NOT_IN_EXPORT, *table.columns]
    rows = [{"field": f, "required": "yes" if f in REQUIRED[role] else "",
             "column": current.get(f) or NOT_IN_EXPORT,
             "examples": _examples(table, current.get(f))}
            for f in FIELDS[role]]
    edited = st.data_editor(
        pl.DataFrame(rows), hide_index=True, key=key, disabled=["field", "required", "examples"],
        column_config={"column": st.column_config.SelectboxColumn(options=options, required=True)},
    )
    return {r["field"]: ("" if r["column"] == NOT_IN_EXPORT else r["column"])
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


def _records(frame) -> list[dict]:
    """Rows of what ``st.data_editor`` returned (polars for polars input, else pandas)."""
    return frame.to_dicts() if hasattr(frame, "to_dicts") else frame.to_dict("records")
