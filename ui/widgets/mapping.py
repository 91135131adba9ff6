"""Editors of the column mapping and of outcome/stage labels, shown on the Data page."""

from __future__ import annotations

import polars as pl
import streamlit as st

from funnel import FIELDS, Mapping, RawTable, map_values
from funnel.dataset.format import MISSING_TEXT
from funnel.dataset.schema import OUTCOMES, REQUIRED, STAGES, as_text
from funnel.ingest.mapping import NO_MEANING

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
        placeholder=MISSING_TEXT,
        column_config={"column": st.column_config.SelectboxColumn(options=options, required=True)},
    )
    return {r["field"]: ("" if r["column"] == NOT_IN_EXPORT else r["column"])
            for r in _records(edited)}


NOT_RECOGNISED = "? not recognised"
"""What the labels editor shows for a label nobody has said the meaning of yet."""


def label_questions(field: str, table: RawTable, column: str, mapping: Mapping) -> dict[str, int]:
    """The labels of ``column`` not recognised as a ``field`` value (nor answered in the
    mapping's ``values``), with their row counts: the questions the mapping screen asks."""
    kind = "outcome" if field == "outcome" else "stage"
    _, unknown = map_values(table.column(column), kind, overrides=mapping.values.get(field))
    return unknown


def values_editor(field: str, table: RawTable, column: str, mapping: Mapping, *, key: str) -> dict:
    """Let the user say what each raw outcome/stage label means: the labels not
    recognised first (marked, with their counts), then the others by count. A label left
    "not recognised" stays empty (never *won* or *lost*) and is asked again; any answer,
    :data:`NO_MEANING` ("none": says nothing) included, is kept in the mapping's
    ``values``."""
    kind = "outcome" if field == "outcome" else "stage"
    unknown = label_questions(field, table, column, mapping)
    counts = (as_text(table.frame[column].drop_nulls().value_counts()).rename({column: "label"})
              .with_columns(pl.col("label").is_in(list(unknown)).alias("_q"))
              .sort(["_q", "count", "label"], descending=[True, True, False]).head(50))
    mapped, _ = map_values(counts["label"], kind, overrides=mapping.values.get(field))
    means = [NOT_RECOGNISED if q else m or NO_MEANING
             for m, q in zip(mapped, counts["_q"], strict=True)]
    allowed = [NOT_RECOGNISED, NO_MEANING, *(OUTCOMES if kind == "outcome" else STAGES)]
    frame = pl.DataFrame({"label": counts["label"], "rows": counts["count"],
                          "recognised": ["no: what does it mean?" if q else "yes"
                                         for q in counts["_q"]],
                          "means": means})
    edited = st.data_editor(frame, hide_index=True, key=key,
                            disabled=["label", "rows", "recognised"],
                            column_config={"means": st.column_config.SelectboxColumn(
                                options=allowed, required=True)})
    return {r["label"]: r["means"] for r in _records(edited) if r["means"] != NOT_RECOGNISED}


def _records(frame) -> list[dict]:
    """Rows of what ``st.data_editor`` returned (polars for polars input, else pandas)."""
    return frame.to_dicts() if hasattr(frame, "to_dicts") else frame.to_dict("records")
