"""Why each column was read as the field it feeds: one line per pick, for the mapping
screen ("created_at ← 'Create Date': the header names a creation date and 100% of values
are dates").

A pick comes from the mapping (the user's or a mapping file's), from the header (its
name is one of the field's synonyms, see :func:`funnel.ingest.mapping.header_score`), or
from the CRM model recognised (a Salesforce leads report's *Lead Status* is its outcome,
an opportunity export's *opportunity_id* its id); the values then say how well it fits.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.format import percent
from funnel.dataset.schema import FIELDS, as_text
from funnel.ingest.mapping import header_score, map_values
from funnel.ingest.parsing import (
    detect_date_style,
    detect_decimal_comma,
    null_placeholders,
    parse_dates,
    parse_numbers,
)

FIELD_MEANINGS = {
    "lead_id": "an id", "deal_id": "a deal or opportunity id", "created_at": "a creation date",
    "source": "a source or channel", "campaign": "a campaign", "owner": "an owner",
    "assigned_at": "an assignment date", "first_response_at": "a first response",
    "mql_at": "the MQL date", "sal_at": "the SAL date", "sql_at": "the SQL date",
    "opportunity_at": "the opportunity date", "stage": "a stage", "outcome": "an outcome",
    "closed_at": "a close date", "won_at": "a won date", "lost_at": "a lost date",
    "amount": "an amount", "lost_reason": "a loss reason", "score": "a score",
    "at": "an activity time", "kind": "an activity type", "month": "a month",
    "cost": "a cost",
}
"""What each canonical field is, as the mapping screen's explanations say it."""

_SAMPLE = 5000


def _values_text(values: pl.Series, kind: str, *, day_first: bool) -> str:
    """What the column's values (a sample of them) say about the field."""
    clean = null_placeholders(as_text(values.head(_SAMPLE))).drop_nulls()
    if clean.len() == 0:
        return "the column is empty"
    if kind in ("datetime", "month"):
        style = detect_date_style(clean, day_first=day_first)
        if style is None and kind == "month":
            clean, style = clean + "-01", detect_date_style(clean + "-01")
        share = 0.0 if style is None else parse_dates(clean, style).is_not_null().mean()
        return f"{percent(share, digits=0)} of values are dates"
    if kind == "number":
        nums = parse_numbers(clean, decimal_comma=detect_decimal_comma(clean))
        return f"{percent(nums.is_not_null().mean(), digits=0)} of values are numbers"
    if kind in ("outcome", "stage"):
        labels = clean.unique()
        mapped, _ = map_values(labels, kind)
        return (f"{int(mapped.is_not_null().sum())} of {labels.len()} labels are known "
                f"{kind} labels")
    distinct = clean.n_unique()
    if kind == "id":
        return ("every value is distinct" if distinct == clean.len()
                else f"it holds {distinct:,} distinct values in {clean.len():,} rows")
    return f"it holds {distinct:,} distinct value{'s' if distinct != 1 else ''}"


def explain_columns(
    frame: pl.DataFrame,
    role: str,
    columns: dict[str, str],
    *,
    given: dict[str, str] | None = None,
    model: str = "",
    day_first: bool = False,
) -> list[dict]:
    """One row per field read from a column: ``field``, ``column``, ``how`` (``"mapping"``,
    ``"header"`` or ``"model"``) and ``why``, the pick explained in one line.

    Parameters
    ----------
    frame
        The file's text columns.
    role
        ``"leads"``, ``"deals"``, ``"activities"`` or ``"spend"``.
    columns
        ``{field: column}`` as used (a file report's ``columns``).
    given
        The choices the user or a mapping file made; they are said to come from the
        mapping.
    model
        The CRM model recognised (a file report's ``model``), named when a pick comes
        from it rather than from its header.
    day_first
        How ambiguous dates are read (as the file was).

    Returns
    -------
    list of dict
        In the order of the role's fields.

    Examples
    --------
    >>> import polars as pl
    >>> f = pl.DataFrame({"Record ID": ["1", "2"], "Create Date": ["2024-01-02", "2024-01-03"]})
    >>> rows = explain_columns(f, "leads", {"lead_id": "Record ID", "created_at": "Create Date"})
    >>> rows[1]["why"]
    "created_at ← 'Create Date': the header names a creation date and 100% of values are dates"
    """
    given = {k: v for k, v in (given or {}).items() if v}
    kinds = FIELDS[role]
    rows = []
    for field, column in columns.items():
        if not column or column not in frame.columns or field not in kinds:
            continue
        if given.get(field) == column:
            how, said = "mapping", "chosen in the mapping"
        elif header_score(column, field, role) > 0:
            how, said = "header", f"the header names {FIELD_MEANINGS.get(field, field)}"
        else:
            how, said = "model", f"the CRM model ({model.split(':')[0] or 'recognised'}) says so"
        values = _values_text(frame[column], kinds[field], day_first=day_first)
        rows.append({"field": field, "column": column, "how": how,
                     "why": f"{field} ← {column!r}: {said} and {values}"})
    order = list(kinds)
    return sorted(rows, key=lambda r: order.index(r["field"]))
