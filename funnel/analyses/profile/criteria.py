"""Closable-lead profiles: the lead sales can close, marketing's stated ICP, and their file.

A :class:`Profile` is a named list of :class:`Criterion` (contract §3, ``*.profile.json``).
A lead is **in profile** when it meets every criterion: ``in`` compares text
case-insensitively after trimming and matches yes/no, true/false, 1/0 values against
``true``/``false``; ``min``/``max`` are inclusive; a missing value never meets a criterion.
A criterion on a field the data lacks cannot be checked: it is reported (``checked`` is
false, with the reason) and left out of the match, never silently ignored. Matching lives
in :mod:`funnel.analyses.profile.fields`, the fit in :mod:`funnel.analyses.profile.fit`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funnel.dataset.errors import InputError

Scalar = str | int | float | bool
"""A value a criterion's ``in`` list may hold."""


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


def fmt_num(v: float | str) -> str:
    """A bound or bin edge as shown: ``1,000``, ``2.5``; an ISO date as given."""
    if isinstance(v, str):
        return v
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"


def _fmt_value(v: Scalar) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v) if not isinstance(v, float) else fmt_num(v)


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
            parts.append(f" {fmt_num(self.min)}–{fmt_num(self.max)}")
        elif self.min is not None:
            parts.append(f" ≥ {fmt_num(self.min)}")
        elif self.max is not None:
            parts.append(f" ≤ {fmt_num(self.max)}")
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
