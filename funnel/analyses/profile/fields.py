"""Profile fields: which lead column a criterion reads, the column coded once, the match.

A criterion names a field; :func:`resolve_field` finds the lead column (exact name, the
export's own name of a canonical field, or the same name in other case/spacing). A
:class:`Field` codes that column once (text and yes/no as integer codes into its distinct
values, numbers and dates as float arrays), so that :func:`match_criterion` turns any
criterion on it into one boolean array per lead (a :class:`Match`) in a step or two.
Round bin edges (:func:`nice_edges`, :func:`date_edges`) serve the sent-vs-wanted charts
and the learned profile.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from funnel.analyses.profile.criteria import Criterion, Scalar, fmt_num
from funnel.dataset.schema import Mapping, normalise_header
from funnel.stats.codes import first_seen_codes

TRUE_TEXTS = frozenset({"yes", "true", "1", "y"})
"""Texts a yes/no criterion reads as yes."""
FALSE_TEXTS = frozenset({"no", "false", "0", "n"})
"""Texts a yes/no criterion reads as no."""
MISSING = "(missing)"
"""The label of leads without a value (distributions, learned values)."""


# --------------------------------------------------------------------------------------
# which column a criterion reads, and what kind of column it is
# --------------------------------------------------------------------------------------


def resolve_field(name: str, columns: list[str], mapping: Mapping | None = None) -> str | None:
    """The lead-table column a profile ``field`` names, or ``None`` when the data lacks it.

    Exact column names first; then the export's own column name of a canonical field
    (``Lead Source`` → ``source``); then the same name in other case/spacing
    (``company_size`` finds ``Company Size``).

    Examples
    --------
    >>> resolve_field("industry", ["lead_id", "Industry"])
    'Industry'
    >>> resolve_field("Lead Source", ["source"], Mapping(leads={"source": "Lead Source"}))
    'source'
    """
    if name in columns:
        return name
    if f"{name} (raw)" in columns:  # an export column named like an unmapped canonical field
        return f"{name} (raw)"
    exported = {col: canon for canon, col in (mapping.leads.items() if mapping else ())
                if canon in columns and col}
    if name in exported:
        return exported[name]
    key = normalise_header(name).replace(" ", "")
    for col in columns:
        if normalise_header(col).replace(" ", "") == key:
            return col
    for col, canon in exported.items():
        if normalise_header(col).replace(" ", "") == key:
            return canon
    return None


def field_kind(dtype: pl.DataType) -> str:
    """``"bool"``, ``"number"``, ``"date"`` or ``"text"`` for a column type."""
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_numeric():
        return "number"
    if dtype.is_temporal():
        return "date"
    return "text"


def _as_bool(v: Scalar) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return {1: True, 0: False}.get(v)
    t = str(v).strip().lower()
    return True if t in TRUE_TEXTS else False if t in FALSE_TEXTS else None


def _as_float(v: Scalar) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v).replace(",", "").strip())
    except ValueError:
        return None


def _norm_text(v: Scalar) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip().lower()


# --------------------------------------------------------------------------------------
# a column coded once
# --------------------------------------------------------------------------------------


class Codes:
    """A text or yes/no column as integer codes into its distinct (normalised) values.

    ``keys`` are the distinct normalised values (most frequent first), ``labels`` how
    each is shown (its commonest spelling, the first seen of equally common ones),
    ``counts`` the leads per key with the missing ones last. ``codes`` holds
    ``len(keys)`` for a missing value, so a lookup table with one more (false) entry
    turns any set of wanted values into a match array in one step.
    """

    def __init__(self, series: pl.Series, *, normalise: bool = True):
        kind = field_kind(series.dtype)
        # the distinct raw values first (a few dozen at a million leads), normalised there;
        # yes/no as "true"/"false"
        texts, seen = first_seen_codes(series)
        per_text = np.bincount(seen, minlength=texts.len() + 1)
        dist = pl.DataFrame({"r": texts.extend_constant(None, 1),
                             "c": pl.Series(per_text, dtype=pl.UInt32)}).with_row_index(
            "o").filter(pl.col("r").is_not_null() | (pl.col("c") > 0)).with_columns(
                _norm_shown(kind, normalise))
        # each key shown as its commonest spelling; of equally common ones, the first seen
        keys = (dist.drop_nulls("k").group_by("k", "s").agg(pl.col("c").sum(), pl.col("o").min())
                .with_columns(pl.col("c").sum().over("k").alias("n"))
                .sort(["c", "o"], descending=[True, False])
                .group_by("k", maintain_order=True).first()
                .select("k", "n", "s").sort(["n", "k"], descending=[True, False]))
        self.keys: list[str] = keys["k"].to_list()
        self.labels: list[str] = keys["s"].to_list()
        idx = dist.drop_nulls("r").join(
            keys.select("k", pl.int_range(pl.len(), dtype=pl.Int32).alias("i")), on="k",
            how="left").select("r", "i")
        key_of_text = (pl.DataFrame({"r": texts})
                       .join(idx, on="r", how="left", maintain_order="left")["i"]
                       .extend_constant(None, 1).fill_null(len(self.keys)).to_numpy())
        self.codes: np.ndarray = key_of_text[seen]
        self.counts: np.ndarray = np.bincount(self.codes, minlength=len(self.keys) + 1)
        self.kind = kind

    def lookup(self, wanted: set[str]) -> np.ndarray:
        """Per key (and a last false entry for missing): whether it is in ``wanted``."""
        lut = np.zeros(len(self.keys) + 1, dtype=bool)
        for i, k in enumerate(self.keys):
            if k in wanted:
                lut[i] = True
        return lut


def _norm_shown(kind: str, normalise: bool) -> list[pl.Expr]:
    """Of a text column ``r``: the key a value is matched by (``k``) and how it is shown
    (``s``); yes/no as ``yes``/``no``."""
    r = pl.col("r")
    if kind == "bool":
        norm = r.str.to_lowercase()  # "true"/"false"
        return [norm.alias("k"), norm.replace({"true": "yes", "false": "no"}).alias("s")]
    if not normalise:
        return [r.alias("k"), r.alias("s")]
    return [r.str.strip_chars().str.to_lowercase().alias("k"), r.str.strip_chars().alias("s")]


@dataclass(eq=False)
class Field:
    """One lead column coded once for matching (see :func:`code_field`).

    ``codes`` for text and yes/no columns; ``numbers`` (float64, NaN = missing) for
    numbers, dates (epoch microseconds) and yes/no (1/0), read from a text column only
    when a range asks for it (:meth:`as_numbers`); ``missing`` per lead; ``base_edges``
    and ``integer`` the round bins of its values, once (:meth:`base_bins`).
    """

    column: str
    kind: str
    series: pl.Series = field(repr=False)
    missing: np.ndarray = field(repr=False)
    codes: Codes | None = None
    numbers: np.ndarray | None = field(default=None, repr=False)
    base_edges: Any = None
    integer: bool = False

    def as_numbers(self) -> np.ndarray:
        """The values as float64 (NaN = missing); a text column's numbers are read once."""
        if self.numbers is None:  # a range on a text column: read the numbers it holds
            s = self.series.cast(pl.String).str.replace_all(",", "").str.strip_chars()
            self.numbers = s.cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy()
        return self.numbers

    def base_bins(self) -> tuple[Any, bool]:
        """Round bin edges of the values (a date's: month edges and labels) and whether
        the values are whole numbers; computed once per field."""
        if self.base_edges is None:
            x = self.as_numbers()
            ok = x[~np.isnan(x)]
            self.integer = bool(np.all(np.mod(ok, 1) == 0))
            self.base_edges = date_edges(ok) if self.kind == "date" else nice_edges(ok)
        return self.base_edges, self.integer


def code_field(series: pl.Series) -> Field:
    """Code one lead column for matching (its name is the field's ``column``).

    Examples
    --------
    >>> f = code_field(pl.Series("Industry", ["Software ", "software", "Software", "Retail", None]))
    >>> f.kind, f.codes.labels, f.codes.counts.tolist()
    ('text', ['Software', 'Retail'], [3, 1, 1])
    """
    kind = field_kind(series.dtype)
    f = Field(series.name, kind, series, missing=series.is_null().to_numpy())
    if kind in ("text", "bool"):
        f.codes = Codes(series)
    if kind in ("number", "bool"):  # a range on yes/no reads yes as 1, no as 0
        f.numbers = series.cast(pl.Float64).fill_null(float("nan")).to_numpy()
    elif kind == "date":
        f.numbers = (series.dt.epoch("us").cast(pl.Float64)
                     .fill_null(float("nan")).to_numpy())
    return f


@dataclass
class Match:
    """How one criterion meets the data: which leads meet it, and any problem."""

    criterion: Criterion
    column: str | None
    kind: str | None
    meets: np.ndarray | None  # bool per lead; None when the criterion cannot be checked
    missing: int = 0  # leads with no value for the field
    problem: str | None = None  # why it cannot be checked, or what part matches nothing
    lut: np.ndarray | None = None  # per distinct value (text, yes/no): wanted or not

    @property
    def checked(self) -> bool:
        """Whether the criterion was applied."""
        return self.meets is not None


# --------------------------------------------------------------------------------------
# matching one criterion
# --------------------------------------------------------------------------------------


def match_criterion(c: Criterion, f: Field | None) -> Match:
    """Which leads meet criterion ``c`` on its coded field ``f`` (``None``: the data
    lacks the field, so the criterion cannot be checked).

    Examples
    --------
    >>> f = code_field(pl.Series("Budget", [True, False, None]))
    >>> match_criterion(Criterion("Budget", values=("yes",)), f).meets.tolist()
    [True, False, False]
    """
    if f is None:
        return Match(c, None, None, None, problem=f"the data has no field {c.field!r}")
    meets = ~f.missing
    problems: list[str] = []
    lut = None
    if c.values is not None:
        if f.codes is not None:
            lut = f.codes.lookup(_wanted_keys(f, c.values, problems))
            meets = meets & lut[f.codes.codes]
        else:
            meets = meets & _in_numbers(f, c.values, problems)
    if c.is_range:
        meets = meets & _range_mask(f, c, problems)
    return Match(c, f.column, f.kind, meets, int(f.missing.sum()),
                 "; ".join(problems) or None, lut)


def _wanted_keys(f: Field, values: tuple, problems: list[str]) -> set[str]:
    """The normalised keys of a text or yes/no column that ``values`` accept."""
    if f.kind == "bool":
        bad = [v for v in values if _as_bool(v) is None]
        if bad:
            problems.append(f"{', '.join(map(repr, bad))} is not a yes/no value")
        return {str(_as_bool(v)).lower() for v in values if _as_bool(v) is not None}
    wanted: set[str] = set()
    for v in values:
        if v is True:
            wanted |= TRUE_TEXTS
        elif v is False:
            wanted |= FALSE_TEXTS
        else:
            wanted.add(_norm_text(v))
    if values and not (wanted & set(f.codes.keys)):
        problems.append("no lead has any of the values asked for")
    return wanted


def _in_numbers(f: Field, values: tuple, problems: list[str]) -> np.ndarray:
    nums = [_as_float(v) for v in values]
    bad = [v for v, x in zip(values, nums, strict=True) if x is None]
    if bad:
        problems.append(f"{', '.join(map(repr, bad))} is not a number")
    return np.isin(f.as_numbers(), [x for x in nums if x is not None])


def _range_mask(f: Field, c: Criterion, problems: list[str]) -> np.ndarray:
    def bound(v):
        if v is None:
            return None
        if f.kind == "date":
            if isinstance(v, str):
                d = dt.datetime.fromisoformat(v)
                return (d.replace(tzinfo=None) - dt.datetime(1970, 1, 1)) / dt.timedelta(
                    microseconds=1)
            problems.append(f"{f.column!r} holds dates: give min/max as ISO dates")
            return math.nan
        if isinstance(v, str):
            problems.append(f"{f.column!r} holds numbers: {v!r} is not one")
            return math.nan
        return float(v)

    x = f.as_numbers()
    lo, hi = bound(c.min), bound(c.max)
    if f.kind == "date" and isinstance(c.max, str) and len(c.max.strip()) == 10:
        hi = hi + 86_400e6 - 1  # a max date includes that whole day
    out = np.ones(len(x), dtype=bool) & ~np.isnan(x)
    if f.kind == "text" and not out.any():
        problems.append(f"{f.column!r} holds no numbers")
    with np.errstate(invalid="ignore"):
        if lo is not None:
            out &= x >= lo
        if hi is not None:
            out &= x <= hi
    return out


# --------------------------------------------------------------------------------------
# round bin edges
# --------------------------------------------------------------------------------------


def _nice_step(span: float, bins: int) -> float:
    raw = span / max(bins, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def nice_edges(values: np.ndarray, *, bins: int = 8, lo: float | None = None,
               hi: float | None = None) -> np.ndarray:
    """Round bin edges for a numeric attribute (bins are ``[edge_i, edge_i+1)``).

    Counts spread over orders of magnitude (company size, revenue) get 1-2-5 steps
    (1, 10, 50, 100, 500, 1,000, …); others equal round steps. ``lo``/``hi`` (the lowest
    and highest value a criterion accepts) become edges, so a bin never straddles a
    criterion's bound. The last edge lies above the largest value.

    Examples
    --------
    >>> nice_edges(np.array([3, 20, 300, 4000.0])).tolist()
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0]
    >>> nice_edges(np.array([3, 20, 300, 4000.0]), lo=50, hi=1000).tolist()[-4:]
    [1000.0, 1001.0, 2000.0, 5000.0]
    """
    v = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    if len(v) == 0:
        return np.array([0.0, 1.0])
    vmin, vmax = float(v.min()), float(v.max())
    p5, p95 = (float(q) for q in np.quantile(v, [0.05, 0.95]))
    if vmin > 0 and p95 / max(p5, 1e-12) >= 50:
        lo10, hi10 = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax)) + 1
        steps = (1, 2, 5) if hi10 - lo10 <= bins else (1,)
        grid = [m * 10.0 ** k for k in range(lo10, hi10 + 1) for m in steps]
        edges = [x for x in grid if x <= vmax] + [min(x for x in grid if x > vmax)]
    else:
        step = _nice_step(p95 - p5 or (vmax - vmin) or 1.0, bins)
        first = math.floor(vmin / step) * step
        n = int(math.floor((vmax - first) / step)) + 2
        edges = [first + i * step for i in range(max(n, 2))]
    integer = bool(np.all(np.mod(v, 1) == 0))
    return with_bounds(np.array(edges, dtype=float), lo=lo, hi=hi, integer=integer)


def with_bounds(edges: np.ndarray, *, lo: float | None, hi: float | None,
                integer: bool) -> np.ndarray:
    """``edges`` with a criterion's inclusive bounds added as edges: ``lo``, and just
    above ``hi`` (``hi + 1`` for whole numbers).

    Examples
    --------
    >>> with_bounds(np.array([1.0, 10, 100]), lo=5, hi=50, integer=True).tolist()
    [1.0, 5.0, 10.0, 51.0, 100.0]
    """
    out = list(edges)
    if lo is not None:
        out.append(math.ceil(lo) if integer else float(lo))
    if hi is not None:
        out.append(math.floor(hi) + 1.0 if integer else float(np.nextafter(hi, math.inf)))
    return np.array(sorted(set(float(x) for x in out)))


def bin_labels(edges: np.ndarray, *, integer: bool) -> list[str]:
    """Labels of the bins ``[edge_i, edge_i+1)``: ``50–99`` for integers, else ``50–<100``."""
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if integer:
            top = math.ceil(b) - 1
            out.append(fmt_num(a) if top <= a else f"{fmt_num(a)}–{fmt_num(top)}")
        else:
            out.append(f"{fmt_num(a)}–<{fmt_num(b)}")
    return out


def date_edges(epoch_us: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Month edges (epoch microseconds) and ``YYYY-MM`` labels covering the values."""
    if len(epoch_us) == 0:
        return np.array([0.0, 1.0]), ["(none)"]
    s = pl.Series(epoch_us.astype(np.int64)).cast(pl.Datetime("us"))
    first, last = s.min().replace(day=1, hour=0, minute=0, second=0, microsecond=0), s.max()
    months = pl.datetime_range(first, last + dt.timedelta(days=32), "1mo", eager=True)
    edges = months.dt.epoch("us").cast(pl.Float64).to_numpy()
    return edges, months.dt.strftime("%Y-%m").to_list()[:-1]

