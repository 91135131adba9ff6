"""Filters that apply to every view of a page: creation-date range, source, owner, campaign.

Pure functions: a :class:`~funnel.dataset.tables.Dataset` in, a filtered ``Dataset`` out. Deals and
activities follow their leads; spend follows the date range (by month) and the sources or
campaigns chosen. An empty filter returns the dataset object itself, so callers can key
memos on its identity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.labels import NONE_LABEL, match_label
from funnel.dataset.tables import Dataset, has_duplicates

"""How a missing source, owner or campaign is offered in a filter."""

_FIELDS = ("source", "owner", "campaign")


@dataclasses.dataclass(frozen=True)
class Filters:
    """A filter on leads: creation dates (inclusive, by day) and chosen labels.

    ``None`` or an empty tuple means "no restriction" for that part. Hashable, so it
    can key a memo.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    source: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    campaign: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether the filter keeps every lead."""
        return self.start is None and self.end is None and not (
            self.source or self.owner or self.campaign)

    def describe(self) -> str:
        """A short human sentence of what is filtered (``"all leads"`` when nothing)."""
        parts = []
        if self.start or self.end:
            parts.append(f"created {self.start or '…'} to {self.end or '…'}")
        for f in _FIELDS:
            chosen = getattr(self, f)
            if chosen:
                parts.append(f"{f} in {', '.join(chosen)}")
        return "; ".join(parts) if parts else "all leads"


def filter_options(leads: pl.DataFrame, *, limit: int = 500) -> dict:
    """What a filter can choose from: the creation-date range and the labels per field.

    Labels are sorted by lead count (most first), missing values offered as
    ``"(none)"``; at most ``limit`` labels per field.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> opts = filter_options(load_sample().leads)
    >>> opts["start"] < opts["end"], "Paid Social" in opts["source"]
    (True, True)
    """
    out: dict = {"start": None, "end": None}
    if "created_at" in leads.columns and leads["created_at"].null_count() < leads.height:
        lo, hi = leads.select(pl.col("created_at").min().alias("lo"),
                               pl.col("created_at").max().alias("hi")).row(0)
        out["start"], out["end"] = lo.date(), hi.date()
    for f in _FIELDS:
        if f in leads.columns and leads[f].null_count() < leads.height:
            counts = (leads.lazy().group_by(pl.col(f).fill_null(NONE_LABEL)).len()
                      .sort(["len", f], descending=[True, False]).head(limit).collect())
            out[f] = counts[f].to_list()
        else:
            out[f] = []
    return out


def _label_expr(col: str, chosen: Sequence[str]) -> pl.Expr:
    values = [v for v in chosen if v != NONE_LABEL]
    expr = pl.col(col).is_in(values)
    if NONE_LABEL in chosen:
        expr = expr | pl.col(col).is_null()
    return expr.fill_null(False)


def lead_filter_expr(filters: Filters, *, columns: Sequence[str]) -> pl.Expr:
    """The polars predicate of ``filters`` over a lead table with ``columns``.

    Raises :class:`~funnel.dataset.errors.InputError` when a filter names a field the leads
    do not have.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"source": ["a", "b", None]})
    >>> leads.filter(lead_filter_expr(Filters(source=("a", "(none)")), columns=leads.columns))
    shape: (2, 1)
    ┌────────┐
    │ source │
    │ ---    │
    │ str    │
    ╞════════╡
    │ a      │
    │ null   │
    └────────┘
    """
    expr = pl.lit(True)
    if filters.start is not None or filters.end is not None:
        if "created_at" not in columns:
            raise InputError("A date filter needs creation dates, and these leads have none.")
        if filters.start is not None:
            expr = expr & (pl.col("created_at") >= dt.datetime.combine(filters.start, dt.time()))
        if filters.end is not None:
            after = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time())
            expr = expr & (pl.col("created_at") < after)
    for f in _FIELDS:
        chosen = getattr(filters, f)
        if chosen:
            if f not in columns:
                raise InputError(f"A {f} filter needs a {f} column, and these leads have none.")
            expr = expr & _label_expr(f, chosen)
    return expr.fill_null(False)


def spend_note(spend: pl.DataFrame | None, filters: Filters) -> str | None:
    """Why spend cannot follow ``filters`` (``None`` when it can): spend has no owner, and
    a spend file without a source (campaign) column cannot be narrowed to sources
    (campaigns)."""
    if spend is None:
        return None
    if filters.owner:
        return "spend is not recorded per owner, so cost figures are left out under an " \
               "owner filter"
    for f in ("source", "campaign"):
        if getattr(filters, f) and f not in spend.columns:
            return f"the spend file has no {f} column, so cost figures are left out under " \
                   f"a {f} filter"
    return None


def _filter_spend(ds: Dataset, filters: Filters) -> pl.DataFrame | None:
    spend = ds.spend
    if spend is None or spend_note(spend, filters) is not None:
        return None
    expr = pl.lit(True)
    if "month" in spend.columns:
        if filters.start is not None:
            first = dt.datetime(filters.start.year, filters.start.month, 1)
            expr = expr & (pl.col("month").dt.truncate("1mo") >= first)
        if filters.end is not None:
            last = dt.datetime(filters.end.year, filters.end.month, 1)
            expr = expr & (pl.col("month").dt.truncate("1mo") <= last)

    for f in ("source", "campaign"):
        chosen = set(getattr(filters, f))
        if not chosen:
            continue
        labels = ds.leads[f].drop_nulls().unique().to_list()
        keep = [lab for lab in spend[f].drop_nulls().unique().to_list()
                if match_label(lab, labels)[0] in chosen]
        expr = expr & pl.col(f).is_in(keep)
    return spend.filter(expr.fill_null(False))


@dataclasses.dataclass(frozen=True)
class LeadIndex:
    """For each activity and deal, the row of its lead in ``ds.leads`` (built once per
    dataset with :func:`lead_index`), so a filter picks their rows by position instead
    of matching millions of text ids again."""

    activities: pl.Series | None
    deals: pl.Series | None


def lead_index(ds: Dataset) -> LeadIndex | None:
    """The :class:`LeadIndex` of ``ds``; ``None`` when lead ids repeat (a filter then
    matches ids, which keeps every lead sharing an id right).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ix = lead_index(load_sample())
    >>> ix.activities.len() == load_sample().activities.height
    True
    """
    if has_duplicates(ds.leads["lead_id"]):
        return None
    rows = ds.leads.select("lead_id", pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"))

    def index(frame: pl.DataFrame | None) -> pl.Series | None:
        if frame is None or "lead_id" not in frame.columns:
            return None
        return frame.select("lead_id").join(rows, on="lead_id", how="left",
                                            maintain_order="left")["_r"]

    return LeadIndex(index(ds.activities), index(ds.deals))


def apply_filters(ds: Dataset, filters: Filters, *, index: LeadIndex | None = None,
                  related: bool = True) -> Dataset:
    """The dataset restricted to the leads ``filters`` keeps.

    Deals and activities keep the rows of kept leads; spend keeps the months the date
    range touches (whole months: spend is monthly) and the rows whose source or campaign
    matches a chosen one (loosely, as :func:`funnel.dataset.labels.match_label`); spend is
    left out (``None``) when it cannot follow the filter (see :func:`spend_note`). The
    health report is the original's (it describes the files). An empty filter returns
    ``ds`` itself.
    ``index`` (from :func:`lead_index` of this ``ds``) makes large filters faster.
    ``related=False`` leaves deals and activities out (``None``) for views that read
    only the lead table (what the leads say about them — ``first_response_at``,
    ``touches``, ``deals``, ``latest_activity_at`` — is kept on each lead); it saves
    filtering millions of activity rows on every change.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = load_sample()
    >>> paid = apply_filters(ds, Filters(source=("Paid Search",)))
    >>> paid.leads["source"].unique().to_list()
    ['Paid Search']
    >>> apply_filters(ds, Filters()) is ds
    True
    """
    if filters.empty:
        return ds
    keep = ds.leads.select(lead_filter_expr(filters, columns=ds.leads.columns)).to_series()
    leads = ds.leads.filter(keep)
    if not related:
        return dataclasses.replace(ds, leads=leads, deals=None, activities=None,
                                   spend=_filter_spend(ds, filters))
    ids = leads.select("lead_id").unique() if index is None else None

    def follow(frame: pl.DataFrame | None, rows: pl.Series | None) -> pl.DataFrame | None:
        if frame is None or "lead_id" not in frame.columns:
            return frame
        if rows is not None:  # by position: the kept flag of each row's lead
            return frame.filter(keep.gather(rows).fill_null(False))
        return frame.join(ids, on="lead_id", how="semi", maintain_order="left")

    return dataclasses.replace(
        ds, leads=leads,
        deals=follow(ds.deals, index.deals if index else None),
        activities=follow(ds.activities, index.activities if index else None),
        spend=_filter_spend(ds, filters))
