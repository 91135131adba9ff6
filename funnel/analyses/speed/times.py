"""Speed to lead: what every view starts from — each lead's time to first touch.

The window in which a web lead is receptive is measured in hours. This module turns
the lead table's ``created_at`` and ``first_response_at`` (the first activity when
activities are loaded) into the time to first touch per lead, in wall-clock or business
hours (:class:`funnel.analyses.speed.clock.BusinessClock`), its response bucket and its
"still waiting" duration: leads never touched are **censored at the export's end** (the
latest timestamp in the data, or a given ``now``) instead of being dropped or treated as
answered. :func:`prepare_response` computes that once; the views
(:mod:`~funnel.analyses.speed.views`), the response curve
(:mod:`~funnel.analyses.speed.curve`), the SLA (:mod:`~funnel.analyses.speed.sla`) and
routing all start from it.

Definitions (contract §4)
-------------------------
* response hours = ``first_response_at - created_at``; a first touch recorded before
  the lead's creation counts as 0 h (the data-health panel warns about those);
* response buckets ``0-1h``, ``1-4h``, ``4-24h``, ``1-3d``, ``3d+``, ``never`` (lower
  bound inclusive, upper exclusive);
* ``never`` = no touch by the export's end; a touch after a given ``now`` is "not yet";
* ``within_sla_share`` = leads touched less than ``sla_hours`` after creation / all
  leads (never-touched leads count as misses);
* qualified = reached ``sql`` or later (:func:`funnel.dataset.stages.reached_exprs`); null
  when the data has no stage information (no ``sql_at``/``opportunity_at``/``stage``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from funnel.analyses.speed.clock import (
    BusinessClock,
    business_hours_between,
    hours_between,
    to_local,
)
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.stages import reached_exprs
from funnel.dataset.tables import export_end

__all__ = [
    "BUCKETS",
    "BUCKET_EDGES",
    "UNKNOWN",
    "WEEKDAYS",
    "Leads",
    "ResponseTimes",
    "group_key",
    "has_stage_info",
    "has_touch_times",
    "outcomes",
    "prepare_response",
    "response_lf",
    "response_times",
    "within_sla",
]

BUCKETS: tuple[str, ...] = ("0-1h", "1-4h", "4-24h", "1-3d", "3d+", "never")
"""Response buckets of the contract, in order."""

BUCKET_EDGES: tuple[float, ...] = (0.0, 1.0, 4.0, 24.0, 72.0)
"""Lower bounds (hours, inclusive) of the touched buckets; each upper bound is exclusive."""

UNKNOWN = "unknown"
"""Bucket of leads without a creation time (only listed when there are any)."""

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Arrival weekdays, in order (the ``weekday`` grouping key's categories)."""


# ------------------------------------------------------------------ helpers

def has_touch_times(leads: pl.DataFrame | pl.LazyFrame) -> bool:
    """Whether the leads have creation and first-touch times (any first touch at all).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> has_touch_times(load_sample().leads)
    True
    """
    lf = leads.lazy()
    cols = lf.collect_schema().names()
    if not {"created_at", "first_response_at"} <= set(cols):
        return False
    return bool(lf.select(pl.col("first_response_at").is_not_null().any()).collect().item())



def has_stage_info(leads: pl.DataFrame | pl.LazyFrame) -> bool:
    """Whether "qualified" (reached ``sql`` or later) can be told from the data.

    True when ``sql_at`` or ``opportunity_at`` or the furthest-stage column ``stage``
    holds at least one value; outcomes alone do not tell who was qualified.

    Examples
    --------
    >>> import polars as pl
    >>> has_stage_info(pl.DataFrame({"outcome": ["won"]}))
    False
    """
    lf = leads.lazy()
    cols = [c for c in ("sql_at", "opportunity_at", "stage") if c in lf.collect_schema().names()]
    if not cols:
        return False
    return bool(lf.select(pl.any_horizontal([pl.col(c).is_not_null().any() for c in cols]))
                .collect().item())



def _has_outcome(lf: pl.LazyFrame) -> bool:
    if "outcome" not in lf.collect_schema().names():
        return False
    return bool(lf.select(pl.col("outcome").is_not_null().any()).collect().item())



def _end_lit(end: dt.datetime, schema) -> pl.Expr:
    dtype = schema.get("created_at")
    lit = pl.lit(end, dtype=pl.Datetime("us"))
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        lit = lit.dt.replace_time_zone(dtype.time_zone)
    return lit



def _bucket_expr(hours: pl.Expr) -> pl.Expr:
    """Touched bucket of a non-negative number of hours (lower bound inclusive)."""
    e = BUCKET_EDGES
    return (pl.when(hours < e[1]).then(pl.lit(BUCKETS[0]))
            .when(hours < e[2]).then(pl.lit(BUCKETS[1]))
            .when(hours < e[3]).then(pl.lit(BUCKETS[2]))
            .when(hours < e[4]).then(pl.lit(BUCKETS[3]))
            .otherwise(pl.lit(BUCKETS[4])))



@dataclass(frozen=True, eq=False)
class ResponseTimes:
    """A lead table with its response times computed once, for repeated analyses.

    Made by :func:`prepare_response`; every analysis of :mod:`funnel.analyses.speed`
    accepts it in place of the lead table (``clock`` and ``now`` may be omitted; given,
    they must match), so an app computing several views of a million leads converts
    times and counts business hours once.
    The added columns (``_touched``, ``_hours``, ``_wait``, ``_bucket``, ``_arrival``)
    share the lead table's memory for every other column.
    """

    frame: pl.DataFrame
    clock: BusinessClock | None
    end: dt.datetime | None

    @property
    def height(self) -> int:
        """Number of leads."""
        return self.frame.height



Leads = pl.DataFrame | pl.LazyFrame | ResponseTimes
"""What the analyses accept: a lead table (eager or lazy) or prepared response times."""



def prepare_response(
    leads: pl.DataFrame | pl.LazyFrame,
    *,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> ResponseTimes:
    """Compute every lead's response time once (see :class:`ResponseTimes`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.views import bucket_table
    >>> rt = prepare_response(load_sample().leads)
    >>> bucket_table(rt).equals(bucket_table(load_sample().leads))
    True
    """
    frame = leads.collect() if isinstance(leads, pl.LazyFrame) else leads
    end = export_end(frame, now=now)
    return ResponseTimes(response_lf(frame, clock=clock, end=end).collect(), clock, end)



def response_lf(
    leads: Leads,
    *,
    clock: BusinessClock | None,
    end: dt.datetime | None,
) -> pl.LazyFrame:
    """The leads, lazily, with ``_touched``, ``_hours``, ``_wait``, ``_bucket``, ``_arrival``."""
    if isinstance(leads, ResponseTimes):
        if (clock is not None and clock != leads.clock) or (end is not None and end != leads.end):
            raise ValueError("these response times were prepared with another clock or "
                             "export end; prepare them again with the same settings")
        return leads.frame.lazy()
    lf = leads.lazy()
    schema = lf.collect_schema()
    if "created_at" not in schema:
        raise ValueError("response times need created_at (when the lead arrived)")
    if "first_response_at" not in schema:
        lf = lf.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("first_response_at"))
        schema = lf.collect_schema()
    if end is None:
        end = export_end(lf.collect() if isinstance(leads, pl.LazyFrame) else leads)
    end_lit = _end_lit(end, schema) if end is not None else pl.lit(None, pl.Datetime("us"))
    touch = pl.col("first_response_at")
    touched = (touch.is_not_null() & (touch <= end_lit).fill_null(True)
               & pl.col("created_at").is_not_null())
    if clock is not None:  # on the team's local clock (aware or UTC times converted)
        dtype = schema["created_at"]
        start = to_local(pl.col("created_at"), dtype=dtype, clock=clock)
        resp = business_hours_between(
            start, to_local(touch, dtype=schema["first_response_at"], clock=clock), clock=clock)
        to_end = business_hours_between(start, to_local(end_lit, dtype=dtype, clock=clock),
                                        clock=clock)
    else:
        resp = hours_between(pl.col("created_at"), touch)
        to_end = hours_between(pl.col("created_at"), end_lit)
    resp = pl.when(touched).then(resp.clip(lower_bound=0.0))
    arrival = (to_local(pl.col("created_at"), dtype=schema["created_at"], clock=clock)
               if clock is not None else pl.col("created_at"))
    return lf.with_columns(
        touched.alias("_touched"),
        resp.alias("_hours"),
        arrival.alias("_arrival"),
    ).with_columns(
        pl.when(pl.col("_touched")).then(pl.col("_hours"))
        .otherwise(to_end.clip(lower_bound=0.0)).alias("_wait"),
        pl.when(pl.col("created_at").is_null()).then(pl.lit(UNKNOWN))
        .when(pl.col("_touched")).then(_bucket_expr(pl.col("_hours")))
        .otherwise(pl.lit(BUCKETS[-1])).alias("_bucket"),
    )



def outcomes(lf: pl.LazyFrame) -> tuple[pl.Expr, pl.Expr, bool, bool]:
    """The outcome flags: (won expr, qualified expr, outcome known, stage info known)."""
    has_out = _has_outcome(lf)
    has_stage = has_stage_info(lf)
    reached = reached_exprs(lf)
    won = (pl.col("outcome") == "won").fill_null(False) if has_out else pl.lit(None, pl.Boolean)
    qual = reached["sql"] if has_stage else pl.lit(None, pl.Boolean)
    return won, qual, has_out, has_stage



def within_sla(sla_hours: float | None) -> pl.Expr:
    """Touched less than ``sla_hours`` after creation (null literal without an SLA)."""
    if sla_hours is None:
        return pl.lit(None, pl.Boolean)
    return (pl.col("_touched") & (pl.col("_hours") < sla_hours)).fill_null(False)



def group_key(lf: pl.LazyFrame, by: str) -> pl.Expr:
    """A text grouping key (``(none)`` for missing); ``weekday``/``hour`` are of arrival.

    Arrival is on the team's local clock when a business clock is used.
    """
    if by == "weekday":
        return pl.col("_arrival").dt.weekday().sub(1).replace_strict(
            dict(enumerate(WEEKDAYS)), return_dtype=pl.String).alias("weekday")
    if by == "hour":
        return pl.col("_arrival").dt.hour().cast(pl.Int64).alias("hour")
    if by not in lf.collect_schema().names():
        raise ValueError(f"no column {by!r} to group by")
    return pl.col(by).cast(pl.String).fill_null(NONE_LABEL).alias(by)



def response_times(
    leads: Leads,
    *,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """One row per lead: its time to first touch and response bucket.

    Returns
    -------
    polars.DataFrame
        ``lead_id, touched, response_hours, wait_hours, bucket``: ``response_hours`` is
        null when never touched by the export's end; ``wait_hours`` is the response
        time, or for a lead never touched the time from creation to the end (censored).
        Hours are business hours when ``clock`` is given.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = response_times(load_sample().leads)
    >>> t.columns
    ['lead_id', 'touched', 'response_hours', 'wait_hours', 'bucket']
    """
    lf = response_lf(leads, clock=clock, end=now)
    return lf.select(
        "lead_id", pl.col("_touched").alias("touched"), pl.col("_hours").alias("response_hours"),
        pl.col("_wait").alias("wait_hours"), pl.col("_bucket").alias("bucket"),
    ).collect()

