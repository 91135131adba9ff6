"""Stage-list exports: one file per funnel stage, listing what reached it, with no id.

A marketing-ops workbook saved as CSVs (*Leads*, *MQLs*, *Pipeline Opportunities*,
*Closed-Won Bookings*) lists the records that reached each stage in the period; the
lists share no id, so no lead can be followed from one to the next. What they support
is counts and amounts per stage, channel and month, and stage-to-stage *period* ratios
(this period's MQLs over this period's leads, not the share of these leads that became
MQLs). :func:`stage_of_file` reads a list's stage from its file name,
:func:`read_stage_list` its rows (stage, channel, month, amount), and
:func:`stage_totals` the ``stage_totals`` and ``stage_totals_by_month`` of the CLI JSON.
The *Leads* list is also loaded as the leads, so the usual analyses (sources, cost per
lead with the spend file matched by loose channel name) run on it.
"""

from __future__ import annotations

import re

import polars as pl

from funnel.dataset.schema import STAGES, normalise_header
from funnel.ingest.parsing import (
    detect_date_style,
    detect_decimal_comma,
    null_placeholders,
    parse_dates,
    parse_numbers,
)
from funnel.ingest.readers import RawTable

_STAGE_NAMES = (  # checked in this order: "Closed-Won Bookings" is won, not a lead list
    ("won", r"closed\s*won|\bwon\b|booking|customer"),
    ("opportunity", r"opportunit|\bopps?\b|pipeline"),
    ("sql", r"\bsqls?\b|sales qualified"),
    ("mql", r"\bmqls?\b|marketing qualified"),
    ("lead", r"\bleads?\b|sign\s*ups?|inquir|enquir"),
)
_CHANNEL = ("utm medium", "channel", "medium", "lead source", "source", "utm source",
            "original source")
_AMOUNT = ("amount", "value", "revenue", "booking", "arr", "acv")

STAGE_LIST_NOTE = (
    "These files each list the records that reached one stage, with no common id: they "
    "support counts, amounts and period ratios per stage, channel and month, not "
    "lead-by-lead conversion.")
"""What a stage-list export can show, as the CLI JSON (``stage_list_note``) says it."""

STAGE_LIST_LINE = ("These lists are not joinable by id: counts, amounts and period ratios "
                   "per channel and month.")
"""What the Data page says of a stage-list export (the period funnel is on the Sources
page)."""

PERIOD_NOTE = ("period ratio: this period's count at the stage over this period's count at "
               "the stage before (the lists share no id, so no lead is followed)")
"""How the stage-to-stage ratios of stage lists are labelled."""


def stage_of_file(name: str) -> str | None:
    """The funnel stage a list's file name says it holds, or ``None``.

    Examples
    --------
    >>> [stage_of_file(n) for n in ("Funnel - Leads.csv", "MQLs.csv",
    ...  "Pipeline Opportunities.csv", "Closed-Won Bookings.csv", "Spend.csv")]
    ['lead', 'mql', 'opportunity', 'won', None]
    """
    stem = re.sub(r"\.[a-z0-9]+$", "", name.lower()).replace("_", " ").replace("-", " ")
    for stage, pattern in _STAGE_NAMES:
        if re.search(pattern, stem):
            return stage
    return None


def stage_list_set(names: list[str], roles: list[str | None]) -> dict[int, str]:
    """The files (by index) that form a stage-list export, with their stages: at least two
    files guessed as leads or deals whose names say two different stages, one of them
    the leads. Empty when the files are not one.

    Examples
    --------
    >>> stage_list_set(["Leads.csv", "MQLs.csv", "Spend.csv"], ["leads", "leads", "spend"])
    {0: 'lead', 1: 'mql'}
    """
    found = {i: stage_of_file(n) for i, n in enumerate(names)
             if roles[i] in ("leads", "deals")}
    found = {i: s for i, s in found.items() if s is not None}
    stages = set(found.values())
    if len(stages) < 2 or "lead" not in stages or len(found) != len(stages):
        return {}
    return found


def _column(raw: RawTable, words: tuple[str, ...], *, contains: bool = False) -> str | None:
    heads = {c: normalise_header(c) for c in raw.columns}
    for w in words:
        for c, h in heads.items():
            if (w in h) if contains else (h == w):
                return c
    return None


def _date_column(raw: RawTable) -> str | None:
    day_first = raw.delimiter == ";"
    ranked = sorted(raw.columns, key=lambda c: not any(
        w in normalise_header(c) for w in ("date", "created", "close", "time")))
    for c in ranked:
        sample = null_placeholders(raw.text(200)[c]).drop_nulls()
        if sample.len() and detect_date_style(sample, day_first=day_first) is not None:
            return c
    return None


def read_stage_list(raw: RawTable, stage: str) -> pl.DataFrame:
    """One stage list as ``stage, source, month, amount`` (one row per record; ``month``
    ``YYYY-MM`` or null, ``amount`` null when the list has none).

    Examples
    --------
    >>> from funnel.ingest.readers import ROW
    >>> raw = RawTable("Won.csv", "csv", pl.DataFrame({"Close Date": ["25/02/2025"],
    ...     "UTM_Medium": ["Paid Search"], "Booking Amount": ["R$ 100.000"], ROW: [2]}), 1,
    ...     delimiter=";")
    >>> read_stage_list(raw, "won").row(0)
    ('won', 'Paid Search', '2025-02', 100000.0)
    """
    n = raw.frame.height
    source = _column(raw, _CHANNEL)
    src = (null_placeholders(raw.column(source)).str.strip_chars() if source
           else pl.Series([None] * n, dtype=pl.String))
    date = _date_column(raw)
    if date is not None:
        values = null_placeholders(raw.column(date))
        style = detect_date_style(values.drop_nulls(), day_first=raw.delimiter == ";")
        month = parse_dates(values, style).dt.strftime("%Y-%m")
    else:
        month = pl.Series([None] * n, dtype=pl.String)
    amount_col = _column(raw, _AMOUNT, contains=True)
    if amount_col is not None:
        values = null_placeholders(raw.column(amount_col))
        amount = parse_numbers(values, decimal_comma=detect_decimal_comma(
            values.drop_nulls(), default=raw.delimiter == ";"))
    else:
        amount = pl.Series([None] * n, dtype=pl.Float64)
    return pl.DataFrame({"stage": [stage] * n, "source": src, "month": month,
                         "amount": amount.cast(pl.Float64)})


def _totals(rows: pl.DataFrame, by: list[str]) -> list[dict]:
    order = {s: i for i, s in enumerate(STAGES)}
    out = (rows.group_by(by).agg(
        pl.len().alias("count"),
        pl.when(pl.col("amount").is_not_null().any()).then(pl.col("amount").sum())
        .alias("amount"))
        .with_columns(pl.col("stage").replace_strict(order, return_dtype=pl.Int64)
                      .alias("_o"))
        .sort(["_o", *[c for c in by if c != "stage"]], nulls_last=True).drop("_o"))
    return out.to_dicts()


def stage_totals(lists: list[pl.DataFrame]) -> dict:
    """Counts and amounts per stage and channel over the whole period
    (``stage_totals``), per month too (``stage_totals_by_month``), and the period ratios
    between consecutive stages (``stage_ratios``, labelled :data:`PERIOD_NOTE`), with
    :data:`STAGE_LIST_NOTE` (``stage_list_note``).

    Examples
    --------
    >>> lists = [pl.DataFrame({"stage": ["lead"] * 2, "source": ["Ads", "SEO"],
    ...                        "month": ["2025-01"] * 2, "amount": [None, None]}),
    ...          pl.DataFrame({"stage": ["won"], "source": ["Ads"], "month": ["2025-02"],
    ...                        "amount": [5.0]})]
    >>> stage_totals(lists)["stage_totals"][2]
    {'stage': 'won', 'source': 'Ads', 'count': 1, 'amount': 5.0}
    """
    schema = {"stage": pl.String, "source": pl.String, "month": pl.String,
              "amount": pl.Float64}
    rows = pl.concat([pl.DataFrame(schema=schema), *[x.cast(schema) for x in lists]],
                     how="vertical")
    per_stage = rows.group_by("stage").len("count")
    counts = dict(per_stage.iter_rows())
    present = [s for s in STAGES if s in counts]
    ratios = [{"from": a, "to": b, "ratio": counts[b] / counts[a], "note": PERIOD_NOTE}
              for a, b in zip(present, present[1:], strict=False) if counts[a]]
    return {"stage_totals": _totals(rows, ["stage", "source"]),
            "stage_totals_by_month": _totals(rows, ["stage", "source", "month"]),
            "stage_ratios": ratios, "stage_list_note": STAGE_LIST_NOTE}
