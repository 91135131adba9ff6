"""The canonical model's words: file roles, funnel stages, fields, and mapping files.

Every export is mapped onto these: a file plays one of ``ROLES``; each role has the
canonical ``FIELDS`` (with the kind of value each holds), and a row missing one of its
``REQUIRED`` fields is rejected; a lead moves through ``STAGES`` (the middle ones dated by
``STAGE_DATES``) and ends in one of ``OUTCOMES``. A :class:`Mapping` records which export
column feeds each field (the ``*.mapping.json`` of the contract), and
:func:`normalise_header` is how headers are compared.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl

from funnel.dataset.errors import InputError

ROLES = ("leads", "deals", "activities", "spend")
"""The roles a file can play; every analysis needs a ``leads`` file."""

STAGES = ("lead", "mql", "sal", "sql", "opportunity", "won")
"""The funnel stages, in order."""

STAGE_DATES = {"mql": "mql_at", "sal": "sal_at", "sql": "sql_at", "opportunity": "opportunity_at"}
"""The lead field dating each middle stage."""

OUTCOMES = ("won", "lost", "open")
"""How a lead or deal can end (``open``: not yet)."""

FIELDS: dict[str, dict[str, str]] = {
    "leads": {
        "lead_id": "id", "created_at": "datetime", "source": "text", "campaign": "text",
        "owner": "text", "assigned_at": "datetime", "first_response_at": "datetime",
        "mql_at": "datetime", "sal_at": "datetime", "sql_at": "datetime",
        "opportunity_at": "datetime", "stage": "stage", "outcome": "outcome",
        "closed_at": "datetime", "won_at": "datetime", "lost_at": "datetime",
        "amount": "number", "lost_reason": "text", "score": "number", "deal_id": "id",
    },
    "deals": {
        "deal_id": "id", "lead_id": "id", "created_at": "datetime", "stage": "stage",
        "amount": "number", "closed_at": "datetime", "won_at": "datetime",
        "lost_at": "datetime", "outcome": "outcome", "lost_reason": "text", "owner": "text",
    },
    "activities": {"lead_id": "id", "at": "datetime", "kind": "text", "owner": "text"},
    "spend": {"source": "text", "campaign": "text", "month": "month", "cost": "number"},
}
"""Each role's canonical fields and their kind: id, text, datetime, number, outcome, stage
or month."""

REQUIRED = {"leads": ("lead_id", "created_at"), "deals": ("deal_id",),
            "activities": ("lead_id", "at"), "spend": ("month", "cost")}
"""The fields of each role a row cannot be kept without, when they are mapped."""


def normalise_header(header: str) -> str:
    """Fold a header to lower-case ASCII words.

    Examples
    --------
    >>> normalise_header("Créé le")
    'cree le'
    >>> normalise_header("ConvertedOpportunityId")
    'converted opportunity id'
    >>> normalise_header("Deal - Won time")
    'deal won time'
    """
    s = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    s = re.sub(r"[^a-z0-9]+", " ", s.lower())
    return s.strip()


@dataclass
class Mapping:
    """Which export column feeds each canonical field, per role, plus value maps.

    Serialises to the ``*.mapping.json`` format of the contract.

    Examples
    --------
    >>> m = Mapping(leads={"lead_id": "Prospect ID"}, values={"outcome": {"Closed Won": "won"}})
    >>> Mapping.from_json(m.to_json()) == m
    True
    """

    leads: dict[str, str] = field(default_factory=dict)
    deals: dict[str, str] = field(default_factory=dict)
    activities: dict[str, str] = field(default_factory=dict)
    spend: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def for_role(self, role: str) -> dict[str, str]:
        """The field → column map of one role."""
        return getattr(self, role)

    @property
    def attributes(self) -> dict[str, str]:
        """The profile attributes the mapping names: ``{name: column}`` for every leads
        key that is not a canonical field (``"company_size": "Number of Employees"``);
        the column is renamed to the key, and ``values`` may map its labels.

        Examples
        --------
        >>> Mapping(leads={"lead_id": "ID", "company_size": "Employees"}).attributes
        {'company_size': 'Employees'}
        """
        return {k: v for k, v in self.leads.items() if k not in FIELDS["leads"] and v}

    def to_dict(self) -> dict:
        """The contract's JSON shape, leaving out empty parts."""
        out = {r: dict(self.for_role(r)) for r in ROLES if self.for_role(r)}
        if self.values:
            out["values"] = {k: dict(v) for k, v in self.values.items()}
        return out

    def to_json(self) -> str:
        """Serialise as ``*.mapping.json`` text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        """Build from the contract's JSON shape; unknown sections, and keys of the other
        roles that are no field, are an error (a leads key that is no field names a
        profile attribute); ``null`` and ``""`` mean "not in this export"."""
        if not isinstance(data, dict):
            raise InputError("The mapping file must hold a JSON object.")
        unknown = set(data) - set(ROLES) - {"values"}
        if unknown:
            raise InputError(
                f"The mapping file has unknown sections: {', '.join(sorted(unknown))}."
            )
        kw: dict = {}
        for role in ROLES:
            part = data.get(role)
            part = {} if part is None else part
            if not isinstance(part, dict) or not all(
                isinstance(k, str) and isinstance(v, str | None) for k, v in part.items()
            ):
                raise InputError(
                    f"The mapping file's {role!r} must map field names to column names."
                )
            bad = set(part) - set(FIELDS[role])
            if bad and role != "leads":  # a leads key that is no field names an attribute
                raise InputError(
                    f"The mapping file names fields that {role} do not have: "
                    f"{', '.join(sorted(bad))}."
                )
            kw[role] = {k: v or "" for k, v in part.items()}
        values = data.get("values")
        values = {} if values is None else values
        if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
            raise InputError("The mapping file's 'values' must map fields to {raw: canonical}.")
        kw["values"] = {k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()}
        return cls(**kw)

    @classmethod
    def from_json(cls, text: str | bytes) -> Mapping:
        """Parse ``*.mapping.json`` text."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"The mapping file is not valid JSON ({exc}).") from exc
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        """Read a ``*.mapping.json`` file; errors name the file."""
        path = Path(path)
        try:
            return cls.from_json(path.read_bytes())
        except InputError as exc:
            raise InputError(str(exc).replace("The mapping file", f"The mapping file {path.name}",
                                              1)) from exc

    def save(self, path: str | Path) -> None:
        """Write a ``*.mapping.json`` file."""
        Path(path).write_text(self.to_json(), encoding="utf-8")


def is_text(dtype: pl.DataType) -> bool:
    """Whether a column of ``dtype`` holds text (``String``, or kept compactly as
    ``Categorical``).

    Examples
    --------
    >>> is_text(pl.String), is_text(pl.Categorical()), is_text(pl.Int64)
    (True, True, False)
    """
    return dtype == pl.String or isinstance(dtype, pl.Categorical)


Text = TypeVar("Text", pl.Series, pl.DataFrame, pl.LazyFrame)


def as_text(values: Text) -> Text:
    """``values`` with its compactly kept text (``Categorical``) as ``String``; anything
    else unchanged.

    Examples
    --------
    >>> s = pl.Series("source", ["Web", "Ads", None], dtype=pl.Categorical)
    >>> as_text(s).dtype, as_text(s).to_list()
    (String, ['Web', 'Ads', None])
    >>> as_text(pl.DataFrame({"a": s, "n": [1, 2, 3]})).schema
    Schema([('a', String), ('n', Int64)])
    """
    if isinstance(values, pl.Series):
        return values.cast(pl.String) if isinstance(values.dtype, pl.Categorical) else values
    if isinstance(values, pl.LazyFrame):
        return values.with_columns(pl.col(pl.Categorical).cast(pl.String))
    cats = [c for c, t in values.schema.items() if isinstance(t, pl.Categorical)]
    return values.with_columns(pl.col(cats).cast(pl.String)) if cats else values
