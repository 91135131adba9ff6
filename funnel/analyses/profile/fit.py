"""Closable-lead profiles: the lead sales can close, marketing's stated ICP, and the overlap.

A :class:`Profile` is a named list of :class:`Criterion` (contract §3, ``*.profile.json``).
A lead is **in profile** when it meets every criterion: ``in`` compares text
case-insensitively after trimming and matches yes/no, true/false, 1/0 values against
``true``/``false``; ``min``/``max`` are inclusive; a missing value never meets a criterion.
A criterion on a field the data lacks cannot be checked: it is reported (``checked`` is
false, with the reason) and left out of the match, never silently ignored.

:class:`ProfileFit` answers the workshop's questions for one profile: the share of leads
sent that meet it (overall, by source, campaign, month and owner), how many leads fail
each criterion and how many fail *only* it, and whether the profile separates winners
from the rest. It keeps one boolean match array per criterion, so refitting after one
criterion changes recomputes that criterion only and combines the rest (milliseconds at
a million leads; see ``bench/bench_profile.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.schema import Mapping, normalise_header
from funnel.dataset.stages import reached_exprs, stages_present
from funnel.dataset.tables import Dataset
from funnel.stats.intervals import rate_ratio, wilson, wilson_exprs

TRUE_TEXTS = frozenset({"yes", "true", "1", "y"})
FALSE_TEXTS = frozenset({"no", "false", "0", "n"})
MISSING = "(missing)"
OTHER = "(other)"
NONE_LABEL = "(none)"
BREAKDOWNS = ("source", "campaign", "month", "owner")
"""The dimensions :class:`ProfileFit` breaks the overlap down by (when present)."""

Scalar = str | int | float | bool


# --------------------------------------------------------------------------------------
# the profile model and its file
# --------------------------------------------------------------------------------------


def _check_scalar(v: Any, where: str) -> Scalar:
    if isinstance(v, bool | int | float | str) and not (isinstance(v, float) and math.isnan(v)):
        return v
    raise InputError(f"{where}: {v!r} is not a text, number or true/false value.")


def _check_bound(v: Any, where: str) -> float | str | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise InputError(f"{where} must be a number (or an ISO date), not {v!r}.")
    if isinstance(v, float) and math.isnan(v):
        raise InputError(f"{where} must be a number, not NaN.")
    if isinstance(v, str):
        try:
            return float(v.replace(",", "").strip())
        except ValueError:
            try:
                dt.datetime.fromisoformat(v.strip())
            except ValueError:
                raise InputError(f"{where} must be a number or an ISO date, not {v!r}.") from None
            return v.strip()
    return v


def _fmt_num(v: float | str) -> str:
    if isinstance(v, str):
        return v
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"


def _fmt_value(v: Scalar) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v) if not isinstance(v, float) else _fmt_num(v)


@dataclass(frozen=True)
class Criterion:
    """One demand of a profile: a field's value among ``values`` and/or within ``min``–``max``.

    Hashable, so a fitted match can be kept per criterion. ``extra`` keeps keys of the
    file this version does not know (as JSON text) so that a load/save round trip
    loses nothing.

    Examples
    --------
    >>> c = Criterion("Number of Employees", min=50, max=1000)
    >>> c.describe()
    'Number of Employees 50–1,000'
    >>> Criterion.from_dict({"field": "Budget Confirmed", "in": [True]}).describe()
    'Budget Confirmed: yes'
    """

    field: str
    values: tuple[Scalar, ...] | None = None
    min: float | str | None = None
    max: float | str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field.strip():
            raise InputError("A profile criterion needs a 'field' naming an attribute.")
        where = f"criterion on {self.field!r}"
        if self.values is not None:
            if isinstance(self.values, str | bytes) or not hasattr(self.values, "__iter__"):
                raise InputError(f"{where}: 'in' must be a list of values.")
            object.__setattr__(self, "values",
                               tuple(_check_scalar(v, where) for v in self.values))
        object.__setattr__(self, "min", _check_bound(self.min, f"{where}: 'min'"))
        object.__setattr__(self, "max", _check_bound(self.max, f"{where}: 'max'"))
        if self.values is None and self.min is None and self.max is None:
            raise InputError(f"{where} has neither 'in' nor 'min'/'max': it demands nothing.")
        lo, hi = self.min, self.max
        if (isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi) or (
                isinstance(lo, str) and isinstance(hi, str) and lo > hi):
            raise InputError(f"{where}: 'min' ({lo}) is above 'max' ({hi}).")

    @property
    def is_range(self) -> bool:
        """Whether the criterion has a ``min`` or ``max``."""
        return self.min is not None or self.max is not None

    def to_dict(self) -> dict:
        """The contract's JSON shape (``field``, ``in``, ``min``, ``max``; extra keys kept)."""
        out: dict[str, Any] = {"field": self.field}
        if self.values is not None:
            out["in"] = list(self.values)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        out.update({k: json.loads(v) for k, v in self.extra})
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Criterion:
        """Read one criterion of a profile file; :class:`InputError` on a malformed one."""
        if not isinstance(data, dict):
            raise InputError(f"A profile criterion must be an object, not {data!r}.")
        known = {"field", "in", "min", "max"}
        extra = tuple(sorted((k, json.dumps(v)) for k, v in data.items() if k not in known))
        values = data.get("in")
        if values is not None and not isinstance(values, list):
            raise InputError(f"criterion on {data.get('field')!r}: 'in' must be a list.")
        return cls(field=data.get("field"), values=tuple(values) if values is not None else None,
                   min=data.get("min"), max=data.get("max"), extra=extra)

    def describe(self) -> str:
        """A short plain-language reading, e.g. ``Industry: Software or Retail``."""
        parts = []
        if self.values is not None:
            shown = [_fmt_value(v) for v in self.values]
            parts.append(": " + (" or ".join(shown) if len(shown) <= 3
                                 else ", ".join(shown[:-1]) + " or " + shown[-1])
                         if shown else ": (nothing chosen)")
        if self.min is not None and self.max is not None:
            parts.append(f" {_fmt_num(self.min)}–{_fmt_num(self.max)}")
        elif self.min is not None:
            parts.append(f" ≥ {_fmt_num(self.min)}")
        elif self.max is not None:
            parts.append(f" ≤ {_fmt_num(self.max)}")
        return self.field + "".join(parts)


@dataclass(frozen=True)
class Profile:
    """A named closable-lead profile (or a stated ICP): every criterion must be met.

    Examples
    --------
    >>> p = Profile("Sales", (Criterion("Industry", values=("Software",)),))
    >>> Profile.from_json(p.to_json()) == p
    True
    >>> p.to_dict()
    {'name': 'Sales', 'criteria': [{'field': 'Industry', 'in': ['Software']}]}
    """

    name: str = "Profile"
    criteria: tuple[Criterion, ...] = ()
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))

    def to_dict(self) -> dict:
        """The contract's JSON shape."""
        out = {"name": self.name, "criteria": [c.to_dict() for c in self.criteria]}
        out.update({k: json.loads(v) for k, v in self.extra})
        return out

    def to_json(self) -> str:
        """Serialise as ``*.profile.json`` text."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the profile") -> Profile:
        """Read a profile from the file's JSON object; :class:`InputError` on a bad one."""
        if not isinstance(data, dict) or not isinstance(data.get("criteria"), list):
            raise InputError(f"{source} is not a profile file: it needs a 'criteria' list.")
        name = data.get("name", "Profile")
        if not isinstance(name, str):
            raise InputError(f"{source}: 'name' must be text.")
        extra = tuple(sorted((k, json.dumps(v)) for k, v in data.items()
                             if k not in ("name", "criteria")))
        try:
            criteria = tuple(Criterion.from_dict(c) for c in data["criteria"])
        except InputError as exc:
            raise InputError(f"{source}: {exc}") from None
        return cls(name.strip() or "Profile", criteria, extra)

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "the profile") -> Profile:
        """Read ``*.profile.json`` text."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{source} is not valid JSON ({exc}).") from None
        return cls.from_dict(data, source=source)

    def with_criterion(self, criterion: Criterion, *, index: int | None = None) -> Profile:
        """A copy with ``criterion`` replacing the one at ``index`` (or appended)."""
        crit = list(self.criteria)
        if index is None:
            crit.append(criterion)
        else:
            crit[index] = criterion
        return Profile(self.name, tuple(crit), self.extra)

    def without(self, index: int) -> Profile:
        """A copy without the criterion at ``index``."""
        return Profile(self.name, self.criteria[:index] + self.criteria[index + 1:], self.extra)

    def renamed(self, name: str) -> Profile:
        """A copy with another name."""
        return Profile(name, self.criteria, self.extra)


def load_profile(source: str | os.PathLike | bytes) -> Profile:
    """Read a ``*.profile.json`` file (a path, or the file's bytes).

    Examples
    --------
    >>> load_profile(b'{"name": "S", "criteria": [{"field": "Industry", "in": ["Software"]}]}').name
    'S'
    """
    if isinstance(source, bytes):
        return Profile.from_json(source, source="The profile file")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Notepad) is fine
    except OSError as exc:
        raise InputError(f"{path}: the profile file could not be read ({exc.strerror}).") from exc
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a profile file (it is not UTF-8 text).") from None
    return Profile.from_json(text, source=str(path))


def save_profile(profile: Profile, path: str | os.PathLike) -> Path:
    """Write ``profile`` as ``*.profile.json`` (the suffix is added when missing)."""
    path = Path(path)
    if not path.name.endswith(".profile.json"):
        path = path.with_name(path.name.removesuffix(".json") + ".profile.json")
    path.write_text(profile.to_json() + "\n", encoding="utf-8")
    return path


SAMPLE_SALES_PROFILE = Profile("Sales: closable lead", (
    Criterion("Industry", values=("Software", "Financial Services")),
    Criterion("Number of Employees", min=50, max=1000),
    Criterion("Budget Confirmed", values=(True,)),
    Criterion("Job Title", values=("CFO", "Head of Finance", "VP Finance", "Finance Director",
                                   "Controller")),
))
"""The sales profile planted in the bundled sample (sample_data/README.md)."""


# --------------------------------------------------------------------------------------
# fields: which column a criterion reads, and what kind of column it is
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


class _Codes:
    """A text or yes/no column as integer codes into its distinct (normalised) values.

    ``codes`` holds ``len(keys)`` for a missing value, so a lookup table with one more
    (false) entry turns any set of wanted values into a match array in one step.
    """

    def __init__(self, series: pl.Series, *, normalise: bool = True):
        kind = field_kind(series.dtype)
        if kind == "bool":
            norm = series.cast(pl.String).str.to_lowercase()  # "true"/"false"
            shown = norm.replace({"true": "yes", "false": "no"})
        else:
            text = series.cast(pl.String)
            norm = text.str.strip_chars().str.to_lowercase() if normalise else text
            shown = text.str.strip_chars() if normalise else text
        frame = pl.DataFrame({"k": norm, "s": shown})
        keys = (frame.drop_nulls("k").group_by("k")
                .agg(pl.len().alias("n"), pl.col("s").mode().first().alias("s"))
                .sort(["n", "k"], descending=[True, False]))
        self.keys: list[str] = keys["k"].to_list()
        self.labels: list[str] = keys["s"].to_list()
        idx = pl.DataFrame({"k": keys["k"], "i": pl.arange(0, keys.height, eager=True,
                                                            dtype=pl.Int32)})
        codes = frame.select("k").join(idx, on="k", how="left", maintain_order="left")["i"]
        self.codes: np.ndarray = codes.fill_null(len(self.keys)).to_numpy()
        self.counts: np.ndarray = np.bincount(self.codes, minlength=len(self.keys) + 1)
        self.kind = kind

    def lookup(self, wanted: set[str]) -> np.ndarray:
        lut = np.zeros(len(self.keys) + 1, dtype=bool)
        for i, k in enumerate(self.keys):
            if k in wanted:
                lut[i] = True
        return lut



@dataclass
class _Field:
    column: str
    kind: str
    codes: _Codes | None = None
    numbers: np.ndarray | None = None  # float64, NaN = missing
    missing: np.ndarray | None = None
    base_edges: Any = None  # round bin edges of the values (distribution charts)
    integer: bool = False


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


def _has_values(leads: pl.DataFrame, col: str) -> bool:
    return col in leads.columns and leads[col].null_count() < leads.height


def _dims(leads: pl.DataFrame) -> dict[str, tuple[np.ndarray, list[str]]]:
    out = {}
    for dim in BREAKDOWNS:
        if dim == "month":
            if not _has_values(leads, "created_at"):
                continue
            s = leads["created_at"].dt.truncate("1mo").dt.strftime("%Y-%m")
        elif _has_values(leads, dim):
            s = leads[dim].cast(pl.String)
            if dim in ("source", "campaign"):  # Google/google as one, as everywhere else
                from funnel.dataset.labels import unify_labels

                s = unify_labels(leads.select(s.alias(dim)), columns=[dim])[dim]
        else:
            continue
        c = _Codes(s, normalise=False)
        out[dim] = (c.codes, [*c.labels, NONE_LABEL])
    return out


class ProfileFit:
    """The overlap of one profile with the leads sent, and whether it predicts winning.

    Build once per lead table (``ProfileFit(ds)``); ``fit(profile)`` as often as the
    profile changes. Each criterion's match is kept (up to ``memory`` criteria), so a
    refit after one change recomputes only that criterion.

    Fitted results:

    * ``profile_``, ``in_profile_`` (numpy bool per lead), ``n_``, ``in_n_``,
      ``share_`` and ``share_ci_`` (95% Wilson);
    * ``criteria_``: per criterion ``index, criterion, field, column, checked, problem,
      meets, fails, missing, fails_only`` (``fails_only``: leads meeting every other
      criterion but this one — who would join if it were dropped);
    * ``outcomes_``: in vs out of profile, ``group, leads, won, win_rate, ci_low,
      ci_high, qualified, qualified_rate, q_ci_low, q_ci_high`` (win columns null without
      outcomes; qualified = reached ``sql`` or later, null without stage data);
    * ``rate_ratio_``: (ratio, low, high) of the win rate in vs out of profile;
    * ``by_source_``, ``by_campaign_``, ``by_month_``, ``by_owner_``: per value
      ``leads, in_profile, in_profile_share, ci_low, ci_high, won, in_profile_won``
      (``None`` when the data lacks the field);
    * ``unchecked_``: descriptions of criteria that could not be applied, with why.

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> fit = ProfileFit(load_sample()).fit(SAMPLE_SALES_PROFILE)
    >>> round(fit.share_, 3), fit.in_n_ > 0
    (0.058, True)
    """

    def __init__(self, data: Dataset | pl.DataFrame, *, mapping: Mapping | None = None,
                 memory: int = 64):
        leads = data.leads if isinstance(data, Dataset) else data
        self.mapping = mapping if mapping is not None else (
            data.mapping if isinstance(data, Dataset) else None)
        self.leads = leads
        self.n = leads.height
        cols = leads.columns
        self.has_outcome = "outcome" in cols and leads["outcome"].null_count() < self.n
        self.has_stages = bool({"sql", "opportunity"} & set(stages_present(leads)))
        reached = reached_exprs(leads)
        flags = leads.with_columns(  # with_columns: a literal flag spans every lead
            reached["won"].alias("__won"), reached["sql"].alias("__q"))
        self.won = flags["__won"].to_numpy().astype(bool)
        self.qualified = flags["__q"].to_numpy().astype(bool)
        self.dims = _dims(leads)
        self._fields: dict[str, _Field] = {}
        self._matches: OrderedDict[Criterion, Match] = OrderedDict()
        self._memory = memory
        self._packs: dict[str, np.ndarray] = {}
        self._dists: OrderedDict[tuple, pl.DataFrame | None] = OrderedDict()

    def sibling(self) -> ProfileFit:
        """Another fit over the same leads sharing this one's prepared columns and kept
        matches (to fit a second profile side by side without preparing twice)."""
        other = object.__new__(ProfileFit)
        for k in ("mapping", "leads", "n", "has_outcome", "has_stages", "won", "qualified",
                  "dims", "_fields", "_matches", "_memory", "_packs", "_dists"):
            setattr(other, k, getattr(self, k))
        return other

    # -- fields and per-criterion matches ------------------------------------------------

    def column_for(self, name: str) -> str | None:
        """The lead column a profile field reads (see :func:`resolve_field`)."""
        return resolve_field(name, self.leads.columns, self.mapping)

    def _field(self, column: str) -> _Field:
        f = self._fields.get(column)
        if f is None:
            s = self.leads[column]
            kind = field_kind(s.dtype)
            f = _Field(column, kind, missing=s.is_null().to_numpy())
            if kind in ("text", "bool"):
                f.codes = _Codes(s)
            if kind in ("number", "bool"):  # a range on yes/no reads yes as 1, no as 0
                f.numbers = s.cast(pl.Float64).fill_null(float("nan")).to_numpy()
            elif kind == "date":
                f.numbers = (s.dt.epoch("us").cast(pl.Float64)
                             .fill_null(float("nan")).to_numpy())
            self._fields[column] = f
        return f

    def _numbers(self, f: _Field) -> np.ndarray:
        if f.numbers is None:  # a range on a text column: read the numbers it holds
            s = self.leads[f.column].cast(pl.String).str.replace_all(",", "").str.strip_chars()
            f.numbers = s.cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy()
        return f.numbers

    def match(self, criterion: Criterion) -> Match:
        """Which leads meet one criterion (memoised per criterion)."""
        m = self._matches.get(criterion)
        if m is not None:
            self._matches.move_to_end(criterion)
            return m
        m = self._compute(criterion)
        self._matches[criterion] = m
        while len(self._matches) > self._memory:
            self._matches.popitem(last=False)
        return m

    def _compute(self, c: Criterion) -> Match:
        column = self.column_for(c.field)
        if column is None:
            return Match(c, None, None, None, problem=f"the data has no field {c.field!r}")
        f = self._field(column)
        meets = ~f.missing
        problems: list[str] = []
        lut = None
        if c.values is not None:
            if f.codes is not None:
                lut = f.codes.lookup(self._wanted_keys(f, c.values, problems))
                meets = meets & lut[f.codes.codes]
            else:
                meets = meets & self._in_numbers(f, c.values, problems)
        if c.is_range:
            meets = meets & self._range_mask(f, c, problems)
        return Match(c, column, f.kind, meets, int(f.missing.sum()),
                     "; ".join(problems) or None, lut)

    @staticmethod
    def _wanted_keys(f: _Field, values: tuple, problems: list[str]) -> set[str]:
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

    def _in_numbers(self, f: _Field, values: tuple, problems: list[str]) -> np.ndarray:
        nums = [_as_float(v) for v in values]
        bad = [v for v, x in zip(values, nums, strict=True) if x is None]
        if bad:
            problems.append(f"{', '.join(map(repr, bad))} is not a number")
        return np.isin(self._numbers(f), [x for x in nums if x is not None])

    def _range_mask(self, f: _Field, c: Criterion, problems: list[str]) -> np.ndarray:
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

        x = self._numbers(f)
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

    # -- the fit ---------------------------------------------------------------------------

    def fit(self, profile: Profile) -> ProfileFit:
        """Match ``profile`` against the leads; see the class docstring for results."""
        self.profile_ = profile
        self.matches_ = [self.match(c) for c in profile.criteria]
        checked = [m for m in self.matches_ if m.checked]
        n = self.n
        inside = np.ones(n, dtype=bool)
        fails = np.zeros(n, dtype=np.int16)
        for m in checked:
            inside &= m.meets
            fails += ~m.meets
        self.in_profile_ = inside
        self.n_ = n
        self.in_n_ = int(inside.sum())
        self.share_ = self.in_n_ / n if n else None
        self.share_ci_ = wilson(self.in_n_, n)
        one = fails == 1
        rows = []
        for i, m in enumerate(self.matches_):
            meets = int(m.meets.sum()) if m.checked else None
            rows.append({
                "index": i, "criterion": m.criterion.describe(), "field": m.criterion.field,
                "column": m.column, "checked": m.checked, "problem": m.problem,
                "meets": meets, "fails": n - meets if m.checked else None,
                "missing": m.missing if m.checked else None,
                "fails_only": int((one & ~m.meets).sum()) if m.checked else None,
            })
        self.criteria_ = pl.DataFrame(rows, schema={
            "index": pl.Int64, "criterion": pl.String, "field": pl.String, "column": pl.String,
            "checked": pl.Boolean, "problem": pl.String, "meets": pl.Int64, "fails": pl.Int64,
            "missing": pl.Int64, "fails_only": pl.Int64})
        self.unchecked_ = [f"{m.criterion.describe()} — {m.problem}"
                           for m in self.matches_ if not m.checked]
        self.outcomes_ = self._outcomes(inside)
        won_in = int((self.won & inside).sum())
        won_out = int((self.won & ~inside).sum())
        self.rate_ratio_ = (rate_ratio(won_in, self.in_n_, won_out, n - self.in_n_)
                            if self.has_outcome else (None, None, None))
        self.by_ = {dim: self._breakdown(dim, inside) for dim in BREAKDOWNS}
        self.by_source_, self.by_campaign_, self.by_month_, self.by_owner_ = (
            self.by_[d] for d in BREAKDOWNS)
        return self

    def _outcomes(self, inside: np.ndarray) -> pl.DataFrame:
        rows = []
        for name, sel in (("in profile", inside), ("out of profile", ~inside)):
            leads = int(sel.sum())
            won = int((self.won & sel).sum()) if self.has_outcome else None
            q = int((self.qualified & sel).sum()) if self.has_stages else None
            rows.append({"group": name, "leads": leads, "won": won, "qualified": q})
        frame = pl.DataFrame(rows, schema={"group": pl.String, "leads": pl.Int64,
                                           "won": pl.Int64, "qualified": pl.Int64})
        return frame.with_columns(
            pl.when(pl.col("leads") > 0).then(pl.col("won") / pl.col("leads")).alias("win_rate"),
            *wilson_exprs("won", "leads"),
            pl.when(pl.col("leads") > 0).then(pl.col("qualified") / pl.col("leads"))
            .alias("qualified_rate"),
            *wilson_exprs("qualified", "leads", prefix="q_ci"),
        ).select("group", "leads", "won", "win_rate", "ci_low", "ci_high", "qualified",
                 "qualified_rate", "q_ci_low", "q_ci_high")

    def _packed(self, dim: str) -> np.ndarray:
        """Per lead ``4·group + 2·won``: adding the in-profile flag gives one code per
        (group, won, in profile) cell, so one ``bincount`` counts a whole breakdown."""
        packed = self._packs.get(dim)
        if packed is None:
            codes, _ = self.dims[dim]
            packed = codes.astype(np.int32) * 4 + self.won.astype(np.int32) * 2
            self._packs[dim] = packed
        return packed

    def _breakdown(self, dim: str, inside: np.ndarray) -> pl.DataFrame | None:
        if dim not in self.dims:
            return None
        _, labels = self.dims[dim]
        k = len(labels)
        cells = np.bincount(self._packed(dim) + inside, minlength=4 * k).reshape(k, 4)
        # columns: (lost, out), (lost, in), (won, out), (won, in)
        leads = cells.sum(axis=1)
        frame = pl.DataFrame({dim: labels, "leads": leads.astype(np.int64),
                              "in_profile": (cells[:, 1] + cells[:, 3]).astype(np.int64)})
        if self.has_outcome:
            frame = frame.with_columns(
                pl.Series("won", (cells[:, 2] + cells[:, 3]).astype(np.int64)),
                pl.Series("in_profile_won", cells[:, 3].astype(np.int64)))
        else:
            frame = frame.with_columns(pl.lit(None, pl.Int64).alias("won"),
                                       pl.lit(None, pl.Int64).alias("in_profile_won"))
        frame = frame.filter(pl.col("leads") > 0).with_columns(
            (pl.col("in_profile") / pl.col("leads")).alias("in_profile_share"),
            *wilson_exprs("in_profile", "leads"))
        frame = frame.select(dim, "leads", "in_profile", "in_profile_share", "ci_low", "ci_high",
                             "won", "in_profile_won")
        return frame.sort(dim) if dim == "month" else frame.sort(
            ["leads", dim], descending=[True, False])

    # -- drill-down and distributions ------------------------------------------------------

    def leads_in_profile(self, *, inside: bool | None = True, by: str | None = None,
                         value: str | None = None) -> pl.DataFrame:
        """The leads in (``inside=True``) or out of profile (``False``) or both (``None``)
        as of the last fit; with ``by``/``value`` only those of one breakdown row (e.g.
        ``by="source", value="Referrals"``; ``"(none)"`` for a missing value)."""
        sel = np.ones(self.n, dtype=bool) if inside is None else (
            self.in_profile_ if inside else ~self.in_profile_)
        if by is not None:
            if by not in self.dims:
                raise ValueError(f"No breakdown by {by!r} in this data.")
            codes, labels = self.dims[by]
            idx = [i for i, label in enumerate(labels) if label == value]
            if value == NONE_LABEL:
                idx = [len(labels) - 1]
            sel = sel & (np.isin(codes, idx) if idx else np.zeros(self.n, dtype=bool))
        return self.leads.filter(pl.Series(sel))

    def leads_failing(self, index: int, *, only: bool = False) -> pl.DataFrame:
        """The leads failing criterion ``index`` (``only``: failing it and nothing else)."""
        m = self.matches_[index]
        if not m.checked:
            return self.leads.clear()
        sel = ~m.meets
        if only:
            others = np.ones(self.n, dtype=bool)
            for j, o in enumerate(self.matches_):
                if j != index and o.checked:
                    others &= o.meets
            sel = sel & others
        return self.leads.filter(pl.Series(sel))

    def distribution(self, index: int, *, top: int = 12) -> pl.DataFrame | None:
        """Leads sent vs the values criterion ``index`` wants, for a chart.

        Columns ``value, order, leads, share, won, won_share, wanted``: ``share`` of all
        leads sent, ``won_share`` of the won leads; ``wanted`` whether the criterion
        accepts the value (``None`` for the missing-value row). Text and yes/no fields
        list their ``top`` values (every wanted value kept) and the rest as ``(other)``;
        numbers and dates are binned on round edges aligned with ``min``/``max``.
        ``None`` when the criterion cannot be checked.
        """
        m = self.matches_[index]
        key = (m.criterion, top)
        if key not in self._dists:
            self._dists[key] = self._distribution(m, top=top)
            while len(self._dists) > self._memory:
                self._dists.popitem(last=False)
        return self._dists[key]

    def _distribution(self, m: Match, *, top: int) -> pl.DataFrame | None:
        if not m.checked:
            return None
        f = self._field(m.column)
        total_won = max(int(self.won.sum()), 1) if self.has_outcome else None
        if f.codes is not None and m.lut is not None and not m.criterion.is_range:
            return self._categorical_distribution(f, m, top=top, total_won=total_won)
        return self._binned_distribution(f, m, total_won=total_won)

    def _categorical_distribution(self, f: _Field, m: Match, *, top: int,
                                  total_won: int | None) -> pl.DataFrame:
        codes = f.codes
        k = len(codes.keys)
        wanted_lut = m.lut if m.lut is not None else np.zeros(k + 1, dtype=bool)
        won = np.bincount(codes.codes, weights=self.won, minlength=k + 1)
        keep = [i for i in range(k) if i < top or wanted_lut[i]]
        rest = [i for i in range(k) if i not in set(keep)]
        rows = [{"value": codes.labels[i], "leads": int(codes.counts[i]), "won": int(won[i]),
                 "wanted": bool(wanted_lut[i])} for i in keep]
        if rest:
            rows.append({"value": OTHER, "leads": int(codes.counts[rest].sum()),
                         "won": int(won[rest].sum()), "wanted": False})
        if codes.counts[k]:
            rows.append({"value": MISSING, "leads": int(codes.counts[k]), "won": int(won[k]),
                         "wanted": None})
        return self._finish(rows, total_won)

    def _binned_distribution(self, f: _Field, m: Match, *, total_won: int | None):
        x = self._numbers(f)
        c = m.criterion
        if f.base_edges is None:  # once per field: round edges, integer or not
            ok = x[~np.isnan(x)]
            f.integer = bool(np.all(np.mod(ok, 1) == 0))
            f.base_edges = date_edges(ok) if f.kind == "date" else nice_edges(ok)
        if f.kind == "date":
            edges, labels = f.base_edges
        else:
            lo = c.min if isinstance(c.min, int | float) else None
            hi = c.max if isinstance(c.max, int | float) else None
            edges = with_bounds(f.base_edges, lo=lo, hi=hi, integer=f.integer)
            labels = bin_labels(edges, integer=f.integer)
        nb = len(labels)
        # bins 0..nb-1; a missing value (NaN sorts last) lands in bin nb
        idx = np.minimum(np.searchsorted(edges, x, side="right") - 1, nb)
        idx = np.maximum(idx, 0)
        if f.kind == "date":
            idx = np.where(np.isnan(x), nb, np.minimum(idx, nb - 1))
        cells = np.bincount(idx * 4 + self.won * 2 + m.meets, minlength=4 * (nb + 1))
        cells = cells.reshape(nb + 1, 4)
        counts, won, meets = cells.sum(axis=1), cells[:, 2] + cells[:, 3], cells[:, 1] + cells[:, 3]
        rows = [{"value": labels[i], "leads": int(counts[i]), "won": int(won[i]),
                 "wanted": bool(counts[i] and meets[i] >= counts[i] / 2)}
                for i in range(nb) if counts[i]]
        if counts[nb]:
            rows.append({"value": MISSING, "leads": int(counts[nb]), "won": int(won[nb]),
                         "wanted": None})
        return self._finish(rows, total_won)

    def _finish(self, rows: list[dict], total_won: int | None) -> pl.DataFrame:
        frame = pl.DataFrame(rows, schema={"value": pl.String, "leads": pl.Int64,
                                           "won": pl.Int64, "wanted": pl.Boolean})
        return frame.with_columns(
            pl.int_range(pl.len()).alias("order"),
            (pl.col("leads") / max(self.n, 1)).alias("share"),
            (pl.col("won") / total_won).alias("won_share") if total_won
            else pl.lit(None, pl.Float64).alias("won_share"),
            pl.col("won") if total_won else pl.lit(None, pl.Int64).alias("won"),
        ).select("value", "order", "leads", "share", "won", "won_share", "wanted")


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
            out.append(_fmt_num(a) if top <= a else f"{_fmt_num(a)}–{_fmt_num(top)}")
        else:
            out.append(f"{_fmt_num(a)}–<{_fmt_num(b)}")
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


# --------------------------------------------------------------------------------------
# the CLI / JSON summary
# --------------------------------------------------------------------------------------


def _records(frame: pl.DataFrame | None, dim: str) -> list[dict] | None:
    if frame is None:
        return None
    return frame.rename({dim: dim}).to_dicts()


def profile_summary(ds: Dataset, profile: Profile, *, fit: ProfileFit | None = None) -> dict:
    """The ``profile`` key of ``funnel diagnose --json`` (contract §4), extended.

    Contract keys: ``name, in_profile_share, in_profile_rate, out_of_profile_rate,
    by_source [{source, leads, in_profile_share}], by_campaign [{campaign, leads,
    in_profile_share}]``. Extensions: ``leads, in_profile, ci_low, ci_high`` (of the
    share), ``in_profile_won, out_of_profile_won, in_profile_ci, out_of_profile_ci``,
    ``rate_ratio {ratio, ci_low, ci_high}``, ``in/out_of_profile_qualified_rate``,
    ``criteria [{criterion, field, column, checked, problem, meets, fails, missing,
    fails_only}]``, ``unchecked`` (criteria that could not be applied, with why),
    ``by_month``, ``by_owner``; each breakdown row also has ``in_profile, ci_low,
    ci_high, won, in_profile_won``. A rate that cannot be computed is ``None``.

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> out = profile_summary(load_sample(), SAMPLE_SALES_PROFILE)
    >>> round(out["in_profile_rate"], 3), round(out["out_of_profile_rate"], 3)
    (0.117, 0.025)
    """
    fit = fit or ProfileFit(ds).fit(profile)
    if fit.profile_ != profile:
        fit.fit(profile)
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    i, x = o["in profile"], o["out of profile"]
    ratio, lo, hi = fit.rate_ratio_
    return {
        "name": profile.name,
        "leads": fit.n_,
        "in_profile": fit.in_n_,
        "in_profile_share": fit.share_,
        "ci_low": fit.share_ci_[0],
        "ci_high": fit.share_ci_[1],
        "in_profile_rate": i["win_rate"],
        "out_of_profile_rate": x["win_rate"],
        "in_profile_won": i["won"],
        "out_of_profile_won": x["won"],
        "in_profile_ci": [i["ci_low"], i["ci_high"]],
        "out_of_profile_ci": [x["ci_low"], x["ci_high"]],
        "rate_ratio": {"ratio": ratio, "ci_low": lo, "ci_high": hi},
        "in_profile_qualified_rate": i["qualified_rate"],
        "out_of_profile_qualified_rate": x["qualified_rate"],
        "criteria": fit.criteria_.drop("index").to_dicts(),
        "unchecked": fit.unchecked_,
        **{f"by_{d}": _records(fit.by_[d], d) for d in BREAKDOWNS},
    }


def profile_verdict(fit: ProfileFit) -> str:
    """One plain sentence: does the profile separate winners from the rest?

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> profile_verdict(ProfileFit(load_sample()).fit(SAMPLE_SALES_PROFILE))[:30]
    'Leads in this profile win 4.8×'
    """
    if not fit.has_outcome:
        return "The data has no outcomes, so it cannot tell whether the profile predicts winning."
    if not fit.profile_.criteria or fit.in_n_ in (0, fit.n_):
        return ("Every lead is in this profile." if fit.in_n_ == fit.n_
                else "No lead meets this profile, so it cannot be tested against outcomes.")
    ratio, lo, hi = fit.rate_ratio_
    if lo is not None and lo > 1:
        return (f"Leads in this profile win {ratio:.1f}× as often as the rest "
                f"(95% interval {lo:.1f}–{hi:.1f}×): the profile separates winners.")
    if hi is not None and hi < 1:
        return (f"Leads in this profile win less often than the rest ({ratio:.2f}×, 95% "
                f"interval {lo:.2f}–{hi:.2f}×): the profile points away from winners.")
    return (f"The profile does not separate winners from the rest: in-profile leads win "
            f"{ratio:.2f}× as often (95% interval {lo:.2f}–{hi:.2f}×, which includes 1). "
            "That is a finding too.")
