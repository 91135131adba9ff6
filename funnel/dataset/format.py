"""Numbers for people and for JSON: one definition each, used by the UI, the report and the CLI.

* single values: :func:`percent`, :func:`ci_text`, :func:`share_text`, :func:`amount_text`
  (counts and amounts, in the data's currency: :func:`currency_of`), :func:`duration_text`;
* tables: :func:`header` (plain-language column names), :func:`column_kind` (what a
  column holds: a percent, a count, an amount, hours…), :func:`cell_text` and
  :func:`readable_table` (a table as text, each rate with its interval), and
  :func:`whole_counts` (counts shown as whole numbers);
* JSON: :func:`json_safe`.

Amounts carry a currency symbol only when the data names its currency (a ``currency``
column with one value, e.g. a CRM's ``Deal - Currency``); otherwise they are plain
numbers, never a made-up ``$``.

Examples
--------
>>> percent(0.1315), percent(None), ci_text(0.1, 0.125)
('13.2%', '—', '95% CI 10.0%–12.5%')
>>> json_safe({"rate": float("nan"), "n": [1, 2.5]})
{'rate': None, 'n': [1, 2.5]}
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from funnel.dataset.schema import is_text

MISSING_TEXT = "—"
"""What a missing number reads as on screen."""

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "BRL": "R$", "INR": "₹",
                    "CNY": "¥", "KRW": "₩", "RUB": "₽"}
"""ISO 4217 codes written with a symbol; any other code is written before the amount
(``CHF 1,200``)."""

_SYMBOL_CODES = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "R$": "BRL", "₹": "INR",
                 "₩": "KRW", "₽": "RUB"}


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _pct(x: float, digits: int = 1) -> str:
    """``x`` as a percent with ``digits`` decimals, more (up to 3) when a non-zero share
    would otherwise read as 0 (``<0.001%`` below that)."""
    v = abs(x) * 100
    if x and round(v, digits) == 0:
        if round(v, 3) == 0:
            return "<0.001%" if x > 0 else ">-0.001%"
        digits = min(3, max(digits, -math.floor(math.log10(v))))
    return f"{x:.{digits}%}"


def percent(x: float | None, *, digits: int = 1) -> str:
    """``x`` (a share, 0–1) as a percent with ``digits`` decimals; ``—`` when missing.

    A non-zero share too small for ``digits`` gets the decimals it needs (up to 3), so
    it never reads as 0.

    Examples
    --------
    >>> percent(0.1315), percent(0.000845), percent(0.0004), percent(float("nan"))
    ('13.2%', '0.1%', '0.04%', '—')
    """
    return MISSING_TEXT if _missing(x) else _pct(x, digits)


def ci_text(low: float | None, high: float | None) -> str:
    """A 95% interval of a share as ``95% CI a%–b%``; empty when either bound is missing.

    Examples
    --------
    >>> ci_text(0.0, 0.0004), ci_text(None, 0.2)
    ('95% CI 0.0%–0.04%', '')
    """
    return "" if _missing(low) or _missing(high) else f"95% CI {_pct(low)}–{_pct(high)}"


def share_text(x: float | None, ci: tuple | None = None) -> str:
    """``12.3%``, with its interval as ``12.3% (10.1%–14.6%)`` when given; ``—`` when missing.

    Examples
    --------
    >>> share_text(0.123, (0.101, 0.146))
    '12.3% (10.1%–14.6%)'
    """
    if _missing(x):
        return MISSING_TEXT
    out = _pct(x)
    if ci and not _missing(ci[0]) and not _missing(ci[1]):
        out += f" ({_pct(ci[0])}–{_pct(ci[1])})"
    return out


def currency_of(*frames: pl.DataFrame | None) -> str | None:
    """The currency the data names for its amounts, or ``None``.

    Looks at every column whose name holds "currency" (``Deal - Currency``,
    ``currency_code``…) in ``frames`` (``None`` skipped): when all their values are one
    ISO code (``USD``) or one symbol (``$`` → ``USD``), that is the currency; a column of
    the converted amount's currency (``Amount (converted) Currency``) decides alone. No
    such column, or several currencies, gives ``None``: amounts are then shown without a
    symbol.

    Examples
    --------
    >>> currency_of(pl.DataFrame({"Deal - Currency": ["usd", "USD", None]}))
    'USD'
    >>> currency_of(pl.DataFrame({"currency": ["USD", "EUR"]})), currency_of(None)
    (None, None)
    """
    seen: set[str] = set()
    converted: set[str] = set()  # a converted amount's currency (one for every deal)
    for frame in frames:
        if frame is None:
            continue
        for name, dtype in frame.schema.items():
            if "currency" not in name.lower() or not is_text(dtype):
                continue
            values = frame[name].cast(pl.String).drop_nulls().str.strip_chars().unique()
            found = {v.upper() if v.isascii() else v for v in values.to_list() if v}
            (converted if "converted" in name.lower() else seen).update(found)
    seen = converted or seen
    if len(seen) != 1:
        return None
    code = _SYMBOL_CODES.get(next(iter(seen)), next(iter(seen)))
    return code if re.fullmatch(r"[A-Z]{3}", code) else None


def currency_prefix(currency: str | None) -> str:
    """What goes before an amount in ``currency``: ``$``, ``€``, ``CHF `` or nothing.

    Examples
    --------
    >>> currency_prefix("USD"), currency_prefix("CHF"), currency_prefix(None)
    ('$', 'CHF ', '')
    """
    if not currency:
        return ""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")


def amount_text(x: float | None, ci: tuple | list | None = None, *, money: bool = False,
                currency: str | None = None, signed: bool = False) -> str:
    """A count or an amount, rounded to a unit: ``4,244`` (``$22,287,500`` with ``money``
    and ``currency="USD"``, ``22,287,500`` with ``money`` and no currency, ``+5,111`` with
    ``signed``), with its interval as ``4,244 (95% CI 4,101–4,390)`` when given; ``—``
    when missing.

    Examples
    --------
    >>> amount_text(9353.2, (9114.8, 9591.7)), amount_text(-465.5, money=True, signed=True)
    ('9,353 (95% CI 9,115–9,592)', '−466')
    >>> amount_text(-465.5, money=True, currency="USD"), amount_text(1200, money=True,
    ...                                                              currency="CHF")
    ('−$466', 'CHF 1,200')
    >>> amount_text(0.0, signed=True), amount_text(None)
    ('0', '—')
    """
    if _missing(x):
        return MISSING_TEXT
    unit = currency_prefix(currency) if money else ""

    def one(v: float, sign: bool) -> str:
        r = round(v)
        head = ("+" if r > 0 else "−" if r < 0 else "") if sign else ("−" if r < 0 else "")
        return f"{head}{unit}{abs(r):,.0f}"

    out = one(x, signed)
    if ci and not _missing(ci[0]) and not _missing(ci[1]):
        out += f" (95% CI {one(ci[0], False)}–{one(ci[1], False)})"
    return out


def duration_text(hours: float | None) -> str:
    """``35 min``, ``4.1 h`` or ``2.3 days``; ``—`` when missing.

    Examples
    --------
    >>> duration_text(0.5), duration_text(30), duration_text(60)
    ('30 min', '30.0 h', '2.5 days')
    """
    if _missing(hours):
        return MISSING_TEXT
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


# ---------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------

HEADERS: dict[str, str] = {
    # funnel, stops, velocity
    "count": "reached", "previous": "at previous stage",
    "rate_from_previous": "step conversion", "rate_from_first": "share of all leads",
    "first_ci_low": "share of all leads 95% CI low",
    "first_ci_high": "share of all leads 95% CI high",
    "ci_low": "95% CI low", "ci_high": "95% CI high", "stop_rate": "stop rate",
    "bad_dates": "bad dates", "median_days": "median days", "mature_days": "mature after days",
    # sources and cost
    "qualified_rate": "qualified rate", "shrunk_rate": "shrunk win rate (ranking)",
    "avg_deal": "average deal", "average_deal": "average deal",
    "cost_per_lead": "cost per lead", "cost_per_qualified": "cost per qualified lead",
    "cac": "CAC (cost per win)", "roas": "return on spend", "spend_label": "spend label",
    "score": "score",
    # speed to lead
    "load_share": "share of leads", "leads_per_week": "leads per week",
    "median_hours": "median hours", "median_low": "median hours 95% CI low",
    "median_high": "median hours 95% CI high", "within_sla": "within SLA",
    "within_sla_share": "share within SLA", "never": "never touched", "not_yet_due": "not yet due",
    "qualified_adj": "qualified rate, adjusted", "q_adj_low": "qualified adjusted 95% CI low",
    "q_adj_high": "qualified adjusted 95% CI high", "won_adj": "win rate, adjusted",
    "w_adj_low": "won adjusted 95% CI low", "w_adj_high": "won adjusted 95% CI high",
    "q_ci_low": "qualified 95% CI low", "q_ci_high": "qualified 95% CI high",
    "adjusted_rate": "adjusted rate", "adj_ci_low": "adjusted 95% CI low",
    "adj_ci_high": "adjusted 95% CI high",
    "p50": "p50 hours", "p75": "p75 hours", "p90": "p90 hours",
    "median_touched": "median hours (touched leads)", "touched_share": "share touched",
    "with_time": "with an assignment time", "p90_hours": "p90 hours", "over_1h": "over 1 h",
    "over_1h_share": "share over 1 h", "reassigned_share": "share reassigned",
    "owner_changes": "owner changes", "first_by_other": "first touched by another rep",
    "first_by_other_share": "share first touched by another rep",
    "single_touch_share": "share touched once",
    "touches_to_contact": "touches to contact (median)", "given_up": "given up",
    "touches_to_give_up": "touches before giving up (median)",
    "abandoned_1": "given up after 1 touch", "abandoned_2": "given up after ≤ 2 touches",
    "ab1_low": "given up after 1 touch 95% CI low",
    "ab1_high": "given up after 1 touch 95% CI high",
    # lead fields
    "lead_id": "lead id", "deal_id": "deal id", "created_at": "created",
    "assigned_at": "assigned", "first_response_at": "first sales touch",
    "mql_at": "became MQL", "sal_at": "became SAL", "sql_at": "became SQL",
    "opportunity_at": "became opportunity", "closed_at": "closed", "won_at": "won on",
    "lost_at": "lost on", "lost_reason": "loss reason", "__row": "row in file",
    "__file": "file",
}
"""Plain-language headers for the column names the analyses use; any other name has its
underscores read as spaces (:func:`header`)."""

_WORDS = {"sla": "SLA", "cac": "CAC", "mql": "MQL", "sal": "SAL", "sql": "SQL", "ci": "CI",
          "roas": "return on spend", "adj": "adjusted", "avg": "average", "pct": "%"}


def header(name: str) -> str:
    """A column name in plain language: ``stop_rate`` → ``stop rate``, ``q_ci_low`` →
    ``qualified 95% CI low``; a name with no underscore (a client's ``First Name``) is
    kept as it is.

    Examples
    --------
    >>> header("stop_rate"), header("q_ci_low"), header("within_sla_share")
    ('stop rate', 'qualified 95% CI low', 'share within SLA')
    >>> header("First Name"), header("sla_misses")
    ('First Name', 'SLA misses')
    """
    if name in HEADERS:
        return HEADERS[name]
    if "_" not in name.strip("_"):
        return name.strip("_") or name
    words = [w for w in name.split("_") if w]
    if words[-1] in ("low", "high") and len(words) > 1:
        base = [w for w in words[:-1] if w != "ci"]
        return f"{header('_'.join(base)) + ' ' if base else ''}95% CI {words[-1]}"
    return " ".join(_WORDS.get(w.lower(), w) for w in words)


KINDS = ("percent", "count", "money", "hours", "days", "ratio", "number", "plain", "text")
"""What a column can hold, for formatting (:func:`column_kind`): ``plain`` is a number
written as it is (a year, an hour of the day, a row number, an id)."""

_PLAIN_WORDS = {"year", "month", "week", "weekday", "day", "hour", "row", "__row", "rank", "id"}

SHOWN_DECIMALS = {"percent": 3, "hours": 2, "days": 1, "ratio": 2, "number": 1}
"""Decimals a table shows of each kind (a percent's are those of the share: 0.1%; hours
get two, so a two-minute wait reads 0.03 h, not 0.0)."""


_COUNT_WORDS = {"leads", "count", "won", "wins", "qualified", "observed", "expected", "lost",
                "successes", "stopped", "reached", "open", "entered", "moved", "touched",
                "contacted", "given_up", "worked", "reassigned", "n", "misses", "missed"}
_MONEY_WORDS = {"revenue", "avg_deal", "average_deal", "cost", "cac", "amount", "spend",
                "cost_per_lead", "cost_per_qualified", "deal_value"}
_BOUND_BASES = {"ci": "rate", "q_ci": "qualified_rate", "first_ci": "rate_from_first",
                "adj_ci": "adjusted_rate", "q_adj": "qualified_adj", "w_adj": "won_adj",
                "ab1": "abandoned_1", "median": "median_hours", "yours": "ratio"}


def column_kind(name: str, dtype: pl.DataType | None = None) -> str:
    """What column ``name`` (of type ``dtype``) holds, one of :data:`KINDS`, read from
    the names the analyses use: shares and rates (and their 95% bounds) are percents,
    ``*_hours`` / ``p50`` hours, ``*_days`` days, revenue and cost amounts, ``roas`` and
    ``effect`` ratios; other whole or count-named numbers are counts.

    Examples
    --------
    >>> [column_kind(c) for c in ("stop_rate", "q_ci_low", "cac", "p50_high", "roas")]
    ['percent', 'percent', 'money', 'hours', 'ratio']
    >>> column_kind("expected", pl.Float64), column_kind("leads_per_week", pl.Float64)
    ('count', 'number')
    >>> column_kind("source", pl.String), column_kind("entered", pl.Int64), column_kind("year")
    ('text', 'count', 'plain')
    """
    if dtype is not None and not dtype.is_numeric():
        return "text"
    base = name.lower()
    if base in _PLAIN_WORDS or base.endswith("_id"):
        return "plain"
    for end in ("_low", "_high"):
        if base.endswith(end) and base != end.strip("_"):
            stem = base[: -len(end)]
            return column_kind(_BOUND_BASES.get(stem, stem), dtype)
    if (base.endswith(("rate", "share", "_adj")) or base.startswith(("rate_", "abandoned"))
            or base == "coverage"):
        return "percent"
    if base in _MONEY_WORDS or base.startswith(("cost_", "revenue")) or base.endswith("_value"):
        return "money"
    if base.endswith("_hours") or base in ("p50", "p75", "p90", "median_touched", "hours"):
        return "hours"
    if base.endswith("_days"):
        return "days"
    if base in ("roas", "effect", "ratio", "severity"):
        return "ratio"
    if base in _COUNT_WORDS or base.endswith("_at_stake"):
        return "count"
    if dtype is not None and dtype.is_integer():
        return "count"
    return "number"


def cell_text(value: Any, *, kind: str, currency: str | None = None) -> str:
    """One table cell as text, by the column's ``kind`` (:func:`column_kind`): percents
    with sensible decimals, counts and amounts with thousands separators (amounts in
    ``currency``, cents only below 100), days with one decimal, hours and ratios with two
    (:data:`SHOWN_DECIMALS`).

    Examples
    --------
    >>> cell_text(0.000845, kind="percent"), cell_text(4266.7709, kind="count")
    ('0.1%', '4,267')
    >>> cell_text(4442000.0, kind="money", currency="USD"), cell_text(31.84, kind="money")
    ('$4,442,000', '31.84')
    >>> cell_text(0.0333, kind="hours"), cell_text(2.345, kind="ratio"), cell_text(None, kind="x")
    ('0.03', '2.35', '—')
    """
    if _missing(value):
        return MISSING_TEXT
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, int | float) or kind == "plain":
        return str(value)
    if kind == "percent":
        return _pct(value)
    if kind == "money":
        if abs(value) < 100 and value != round(value):
            return f"{'−' if value < 0 else ''}{currency_prefix(currency)}{abs(value):,.2f}"
        return amount_text(value, money=True, currency=currency)
    if kind == "count" or (kind == "text" and isinstance(value, int)):
        return amount_text(value)
    if isinstance(value, int) and kind not in ("ratio", "hours"):
        return f"{value:,}"
    return f"{value:,.{SHOWN_DECIMALS.get(kind, 1)}f}"


def interval_pairs(columns: list[str] | Mapping[str, pl.DataType]
                   ) -> dict[str, tuple[str, str]]:
    """Which value each 95% interval in ``columns`` (names, or a schema) belongs to:
    ``X_low``/``X_high`` to ``X``; ``ci_low``/``ci_high`` (and ``*_ci_low``…) to the
    nearest column on their left that is neither a bound, nor a count, nor (given a
    schema) text.

    Examples
    --------
    >>> interval_pairs(["stage", "count", "rate_from_previous", "ci_low", "ci_high"])
    {'rate_from_previous': ('ci_low', 'ci_high')}
    >>> interval_pairs(["p50", "p50_low", "p50_high", "effect", "ci_low", "ci_high"])
    {'p50': ('p50_low', 'p50_high'), 'effect': ('ci_low', 'ci_high')}
    """
    schema = dict(columns) if isinstance(columns, Mapping) else dict.fromkeys(columns)
    names = list(schema)
    out: dict[str, tuple[str, str]] = {}
    for i, low in enumerate(names):
        high = low[:-4] + "_high"
        if not low.endswith("_low") or high not in schema:
            continue
        if low[:-4] in schema:
            out[low[:-4]] = (low, high)
            continue
        left = [c for c in names[:i] if not c.endswith(("_low", "_high")) and c not in out
                and column_kind(c, schema[c]) not in ("count", "text")]
        if left:
            out[left[-1]] = (low, high)
    return out


def column_kinds(schema: Mapping[str, pl.DataType], *,
                 kinds: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every column's kind (:func:`column_kind`, or ``kinds``); the bounds of an interval
    take the kind of the value they belong to (:func:`interval_pairs`), so the interval
    of a median in days is in days.

    Examples
    --------
    >>> column_kinds({"median_days": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64})
    {'median_days': 'days', 'ci_low': 'days', 'ci_high': 'days'}
    """
    kinds = dict(kinds or {})
    out = {c: kinds.get(c) or column_kind(c, t) for c, t in schema.items()}
    for value, pair in interval_pairs(schema).items():
        for bound in pair:
            if bound not in kinds and out[bound] != "text":
                out[bound] = out[value]
    return out


def readable_table(frame: pl.DataFrame, *, currency: str | None = None,
                   kinds: Mapping[str, str] | None = None,
                   labels: Mapping[str, str] | None = None,
                   intervals: Mapping[str, tuple[str, str]] | None = None) -> pl.DataFrame:
    """``frame`` as text for a static table (the report): plain-language headers, every
    cell formatted by its column's kind, and each value with a 95% interval shown with
    it, ``1.9% (1.7%–2.2%)`` under ``win rate (95% CI)``.

    ``kinds`` and ``labels`` override :func:`column_kind` and :func:`header` per column;
    ``intervals`` (value → (low, high)) overrides :func:`interval_pairs`.

    Examples
    --------
    >>> t = pl.DataFrame({"source": ["Ads"], "won": [12], "rate": [0.0192],
    ...                   "ci_low": [0.0167], "ci_high": [0.0221], "revenue": [4442000.0]})
    >>> r = readable_table(t, currency="USD", labels={"rate": "win rate"})
    >>> r.columns
    ['source', 'won', 'win rate (95% CI)', 'revenue']
    >>> r.row(0)
    ('Ads', '12', '1.9% (1.7%–2.2%)', '$4,442,000')
    """
    labels = dict(labels or {})
    pairs = dict(intervals) if intervals is not None else interval_pairs(frame.schema)
    bounds = {c for pair in pairs.values() for c in pair}
    kind = column_kinds(frame.schema, kinds=kinds)
    out: dict[str, list[str]] = {}
    for c in frame.columns:
        if c in bounds:
            continue
        name = labels.get(c) or header(c)
        texts = [cell_text(v, kind=kind[c], currency=currency) for v in frame[c].to_list()]
        if c in pairs:
            low, high = pairs[c]
            name += " (95% CI)"
            texts = [t if _missing(lo) or _missing(hi) else
                     f"{t} ({cell_text(lo, kind=kind[c], currency=currency)}–"
                     f"{cell_text(hi, kind=kind[c], currency=currency)})"
                     for t, lo, hi in zip(texts, frame[low].to_list(), frame[high].to_list(),
                                          strict=True)]
        out[name] = texts
    return pl.DataFrame(out, schema=dict.fromkeys(out, pl.String))


def plain_headers(columns: list[str], *,
                  labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each column's plain-language header (:func:`header`, or ``labels``), kept unique
    (a clash keeps the original name).

    Examples
    --------
    >>> plain_headers(["stage", "stop_rate", "ci_low"])
    {'stage': 'stage', 'stop_rate': 'stop rate', 'ci_low': '95% CI low'}
    >>> plain_headers(["count", "reached"])
    {'count': 'count', 'reached': 'reached'}
    """
    labels = labels or {}
    out: dict[str, str] = {}
    taken = set(columns)
    for c in columns:
        name = labels.get(c) or header(c)
        if name != c and (name in taken or name in out.values()):
            name = c
        out[c] = name
        taken.add(name)
    return out


def whole_counts(frame: pl.DataFrame, *, kinds: Mapping[str, str] | None = None
                 ) -> pl.DataFrame:
    """``frame`` with its count columns held as fractions (an expected 4,266.77 qualified
    leads) rounded to whole numbers, for showing; other columns unchanged.

    Examples
    --------
    >>> whole_counts(pl.DataFrame({"expected": [4266.77], "rate": [0.13]})).rows()
    [(4267, 0.13)]
    """
    kind = column_kinds(frame.schema, kinds=kinds)
    fix = [pl.col(c).round(0).cast(pl.Int64) for c, t in frame.schema.items()
           if t.is_float() and kind[c] == "count"]
    return frame.with_columns(fix) if fix else frame


def money_decimals(values: pl.Series) -> int:
    """Decimals an amount column shows: cents only when every amount is below 100.

    Examples
    --------
    >>> money_decimals(pl.Series([31.84, 66.13])), money_decimals(pl.Series([1656.1, 31.8]))
    (2, 0)
    """
    big = values.drop_nulls().abs().max()
    return 2 if big is not None and big < 100 else 0


def percent_decimals(values: pl.Series) -> int:
    """Decimals of the share a percent column shows: 3 (a percent's one decimal, 0.1%),
    more (up to 5: 0.001%) when a non-zero share would read 0.0%, as :func:`percent`
    does for one number (an interval's upper bound of 0.05% over 8,000 leads is not 0).

    Examples
    --------
    >>> percent_decimals(pl.Series([0.25, 0.0])), percent_decimals(pl.Series([0.0, 0.00048]))
    (3, 4)
    >>> percent_decimals(pl.Series([0.000004, None]))
    5
    """
    shares = values.drop_nulls().abs()
    small = shares.filter(shares > 0).min()
    for digits in (3, 4):
        if small is None or round(small, digits) > 0:
            return digits
    return 5


def rounded_to_shown(frame: pl.DataFrame, *, kinds: Mapping[str, str] | None = None
                     ) -> pl.DataFrame:
    """``frame`` with each number column rounded to the decimals its kind shows
    (:data:`SHOWN_DECIMALS`, :func:`money_decimals`, :func:`percent_decimals`), counts as
    whole numbers
    (:func:`whole_counts`): what a table on screen holds, so a viewer that cuts digits
    instead of rounding them shows the right ones.

    Examples
    --------
    >>> t = pl.DataFrame({"rate": [0.250833], "median_hours": [13.888], "expected": [4266.8]})
    >>> rounded_to_shown(t).rows()
    [(0.251, 13.89, 4267)]
    """
    kind = column_kinds(frame.schema, kinds=kinds)
    fix = []
    for c, t in frame.schema.items():
        if not t.is_float():
            continue
        digits = (money_decimals(frame[c]) if kind[c] == "money"
                  else percent_decimals(frame[c]) if kind[c] == "percent"
                  else SHOWN_DECIMALS.get(kind[c]))
        if digits is not None:
            fix.append(pl.col(c).round(digits))
    out = whole_counts(frame, kinds=kinds)
    return out.with_columns(fix) if fix else out


def json_safe(value: Any) -> Any:
    """``value`` made JSON-friendly: numpy scalars as Python numbers, NaN/inf as null,
    dates and times as ISO text, tuples as lists, keys as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
