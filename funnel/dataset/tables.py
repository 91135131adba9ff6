"""The tables of one analysis: :class:`Dataset` and its data-health report.

A :class:`Dataset` holds the canonical lead table (and the deals, activities and spend
it was linked with), the mapping that built it, and a :class:`Health` report: per-file
row accounting (:class:`FileReport`), the rejected rows, :class:`Warning_` on kept rows,
and which analyses the data supports (:class:`Capability`). :func:`export_end` is the
moment the export was taken, where analyses stop the clock on open leads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from funnel.dataset.schema import Mapping


@dataclass
class FileReport:
    """What happened to one file: rows read, kept and rejected, the columns mapped, notes,
    the CRM object ``model`` it was recognised as and (deals) the ``link`` to the leads."""

    name: str
    role: str
    format: str
    rows_read: int
    rows_kept: int
    rows_rejected: int
    columns: dict[str, str]
    notes: list[str] = field(default_factory=list)
    model: str = ""  # the CRM object model recognised ("Salesforce leads report"), if any
    link: str = ""  # for a deals file: which column linked it to the leads, and how well


@dataclass
class Warning_:
    """Something true of kept rows that a user should know (they were not dropped)."""

    code: str
    message: str
    count: int
    level: str = "warning"  # "warning" or "info"


CAPABILITY_STATUSES = ("available", "partial", "unavailable")
"""What a :class:`Capability` can say about an analysis."""


@dataclass
class Capability:
    """Whether an analysis can run on this data, and why (not).

    ``status`` is ``available``, ``partial`` (it runs on the leads that have the field:
    ``reason`` says how many and which) or ``unavailable``; ``available`` is true unless
    unavailable. ``outcome_dependent`` marks a field recorded mostly (or only) for one
    outcome, e.g. an owner known only for won leads: comparing groups of it cannot
    explain winning. Built from ``available`` alone (older saved workspaces), the
    status is ``available`` or ``unavailable``.

    Examples
    --------
    >>> Capability("Revenue", False, "no amount or deal value").status
    'unavailable'
    """

    analysis: str
    available: bool
    reason: str
    status: str = ""
    outcome_dependent: bool = False

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "available" if self.available else "unavailable"
        if self.status not in CAPABILITY_STATUSES:
            raise ValueError(f"status must be one of {CAPABILITY_STATUSES}, not {self.status!r}")
        self.available = self.status != "unavailable"


REJECTED_SCHEMA = {"file": pl.String, "row": pl.Int64, "reason": pl.String}
"""The columns of :attr:`Health.rejected`: each rejected row's file, row and reason."""


@dataclass
class Health:
    """The data-health report: row accounting, rejections, warnings, capabilities."""

    files: list[FileReport]
    rejected: pl.DataFrame
    warnings: list[Warning_]
    capabilities: list[Capability]

    def capability(self, analysis: str) -> Capability | None:
        """The capability named ``analysis`` (``None`` when not listed).

        Examples
        --------
        >>> from funnel.sample import load_sample
        >>> load_sample().health.capability("Owners and routing").status
        'available'
        """
        return next((c for c in self.capabilities if c.analysis == analysis), None)

    @property
    def rows_read(self) -> int:
        """All data rows read from every file."""
        return sum(f.rows_read for f in self.files)

    @property
    def rows_kept(self) -> int:
        """Rows kept, over all files."""
        return sum(f.rows_kept for f in self.files)

    @property
    def rows_rejected(self) -> int:
        """Rows rejected, over all files."""
        return self.rejected.height


@dataclass
class Dataset:
    """The canonical tables of one analysis, with their health report.

    ``leads`` has one row per lead with the canonical fields present plus ``outcome``
    (``won``/``lost``/``open`` or missing), ``first_response_at`` and ``touches`` when
    activities are given, and the profile attributes listed in ``attributes``.
    """

    leads: pl.DataFrame
    deals: pl.DataFrame | None
    activities: pl.DataFrame | None
    spend: pl.DataFrame | None
    attributes: list[str]
    mapping: Mapping
    health: Health
    label: str = ""

    def has(self, name: str) -> bool:
        """Whether the lead table has a canonical field with at least one value."""
        return name in self.leads.columns and self.leads[name].null_count() < self.leads.height


def export_end(
    ds: Dataset | pl.DataFrame, *, now: dt.datetime | None = None
) -> dt.datetime | None:
    """The moment the export was taken: ``now`` if given, else the latest timestamp.

    The latest timestamp is the maximum over every datetime column of the leads, deals
    and activities (of a dataset; of the table when given a lead table), so a
    never-touched lead is censored, and an open lead counted as open, at the last moment
    anything was recorded. Only events count: the close dates of open leads and deals
    (:data:`FORECAST_DATES`, e.g. a Salesforce opportunity's expected Close Date) are
    forecasts, not moments that happened, and are left out.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> export_end(load_sample()) <= __import__("datetime").datetime(2026, 11, 1)
    True
    """
    if now is not None:
        return now
    if not isinstance(ds, Dataset | pl.DataFrame):  # prepared response times carry their end
        return ds.end
    frames = (ds.leads, ds.deals, ds.activities) if isinstance(ds, Dataset) else (ds,)
    cands = []
    for frame in frames:
        cols = [c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)] \
            if frame is not None else []
        if cols:
            cands.append(frame.select(pl.max_horizontal([_event(frame, c).max() for c in cols]))
                         .item())
    cands = [_naive(c) for c in cands if c is not None]
    return max(cands) if cands else None


FORECAST_DATES = ("closed_at", "won_at", "lost_at")
"""Date fields that are a forecast, not an event, on a record whose outcome is open."""


def _event(frame: pl.DataFrame, col: str) -> pl.Expr:
    """Column ``col`` of ``frame`` as moments that happened (an open record's close date
    left out)."""
    if col in FORECAST_DATES and "outcome" in frame.columns:
        return pl.when((pl.col("outcome") != "open").fill_null(True)).then(pl.col(col))
    return pl.col(col)


def _naive(t: dt.datetime) -> dt.datetime:
    """``t`` without its time zone (other values as they are)."""
    return t.replace(tzinfo=None) if isinstance(t, dt.datetime) and t.tzinfo else t


def has_duplicates(values: pl.Series) -> bool:
    """Whether two non-empty ``values`` are equal.

    The 64-bit hashes are counted first (a few times faster than grouping the values,
    and a fraction of its memory at a million ids); only when two hashes meet, which a
    collision could also cause, are the values themselves compared.

    Examples
    --------
    >>> has_duplicates(pl.Series(["a", "b", None, None])), has_duplicates(pl.Series([1, 2, 1]))
    (False, True)
    """
    present = values.drop_nulls()
    if present.hash().n_unique() == present.len():
        return False
    return bool(present.is_duplicated().any())
