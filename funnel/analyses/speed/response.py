"""Speed to lead: time to first touch, conversion by response time, SLA compliance.

The window in which a web lead is receptive is measured in hours. This module turns
the lead table's ``created_at`` and ``first_response_at`` (the first activity when
activities are loaded) into

* the time to first touch per lead, in wall-clock or business hours
  (:class:`funnel.analyses.speed.clock.BusinessClock`);
* a Kaplan–Meier "still waiting" curve in which leads never touched are **censored at
  the export's end** (the latest timestamp in the data, or a given ``now``) instead of
  being dropped or treated as answered;
* medians and percentiles with 95% intervals, overall and by owner, source or
  arrival weekday × hour;
* qualified and win rates per response bucket (``0-1h``, ``1-4h``, ``4-24h``, ``1-3d``,
  ``3d+``, ``never``; lower bound inclusive, upper exclusive) with Wilson intervals,
  raw and adjusted for source and profile mix (:class:`ResponseCurve`);
* SLA compliance and a labelled *estimate* of the qualified leads and revenue lost to
  responses slower than the SLA.

Definitions (contract §4)
-------------------------
* response hours = ``first_response_at - created_at``; a first touch recorded before
  the lead's creation counts as 0 h (the data-health panel warns about those);
* ``never`` = no touch by the export's end; a touch after a given ``now`` is "not yet";
* ``within_sla_share`` = leads touched less than ``sla_hours`` after creation / all
  leads (never-touched leads count as misses);
* qualified = reached ``sql`` or later (:func:`funnel.dataset.stages.reached_exprs`); null
  when the data has no stage information (no ``sql_at``/``opportunity_at``/``stage``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from funnel.analyses.speed.clock import (
    BusinessClock,
    business_hours_between,
    hours_between,
    to_local,
)
from funnel.dataset.stages import reached_exprs
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.intervals import Z95, wilson_exprs
from funnel.stats.survival import KaplanMeier, km_medians, km_table

__all__ = [
    "BENCHMARKS",
    "BUCKETS",
    "BUCKET_EDGES",
    "ResponseCurve",
    "ResponseTimes",
    "arrival_heatmap",
    "benchmark_comparison",
    "bucket_table",
    "export_end",
    "has_stage_info",
    "has_touch_times",
    "prepare_response",
    "rate_by_hours",
    "response_histogram",
    "response_percentiles",
    "response_summary",
    "response_times",
    "sla_compliance",
    "sla_loss_estimate",
    "still_waiting",
]

BUCKETS: tuple[str, ...] = ("0-1h", "1-4h", "4-24h", "1-3d", "3d+", "never")
"""Response buckets of the contract, in order."""

BUCKET_EDGES: tuple[float, ...] = (0.0, 1.0, 4.0, 24.0, 72.0)
"""Lower bounds (hours, inclusive) of the touched buckets; each upper bound is exclusive."""

UNKNOWN = "unknown"
"""Bucket of leads without a creation time (only listed when there are any)."""

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

BENCHMARKS: tuple[dict, ...] = (
    {"key": "1h_vs_next", "ratio": 7.0,
     "label": "HBR 2011: tried within 1 h vs 1 h later — ~7× as likely to qualify",
     "measured": "chance of qualifying the lead (not of closing it); 1.25 million web leads "
                 "at 42 US firms (Oldroyd, McElheran & Elkington, HBR 2011)",
     "yours": ("0-1h", ("1-4h",))},
    {"key": "1h_vs_24h", "ratio": 60.0,
     "label": "HBR 2011: within 1 h vs 24 h or later — ~60× as likely to qualify",
     "measured": "chance of qualifying the lead (not of closing it); same 1.25 million leads",
     "yours": ("0-1h", ("1-3d", "3d+"))},
    {"key": "never_share", "share": 0.23,
     "label": "Audit of 2,241 US firms: 23% never responded to a web lead",
     "measured": "share of firms (not of leads) that never answered a test inquiry",
     "yours": ("never", ())},
)
"""Published speed-to-lead figures, each with what it measured."""


# ------------------------------------------------------------------ helpers

def has_touch_times(leads: pl.DataFrame | pl.LazyFrame) -> bool:
    """Whether the leads have creation and first-touch times (any first touch at all).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
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

    Made by :func:`prepare_response`; every function here accepts it in place of the
    lead table (``clock`` and ``now`` may be omitted; given, they must match), so an app computing
    several views of a million leads converts times and counts business hours once.
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
    >>> from funnel.sample.generator import load_sample
    >>> rt = prepare_response(load_sample().leads)
    >>> bucket_table(rt).equals(bucket_table(load_sample().leads))
    True
    """
    frame = leads.collect() if isinstance(leads, pl.LazyFrame) else leads
    end = export_end(frame, now=now)
    return ResponseTimes(_response_lf(frame, clock=clock, end=end).collect(), clock, end)


def _response_lf(
    leads: Leads,
    *,
    clock: BusinessClock | None,
    end: dt.datetime | None,
) -> pl.LazyFrame:
    """Adds ``_touched``, ``_hours`` (response), ``_wait`` (KM duration), ``_bucket``."""
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


def _outcomes(lf: pl.LazyFrame) -> tuple[pl.Expr, pl.Expr, bool, bool]:
    """(won expr, qualified expr, outcome known, stage info known)."""
    has_out = _has_outcome(lf)
    has_stage = has_stage_info(lf)
    reached = reached_exprs(lf)
    won = (pl.col("outcome") == "won").fill_null(False) if has_out else pl.lit(None, pl.Boolean)
    qual = reached["sql"] if has_stage else pl.lit(None, pl.Boolean)
    return won, qual, has_out, has_stage


# ------------------------------------------------------------------ public analyses

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
    >>> from funnel.sample.generator import load_sample
    >>> t = response_times(load_sample().leads)
    >>> t.columns
    ['lead_id', 'touched', 'response_hours', 'wait_hours', 'bucket']
    """
    lf = _response_lf(leads, clock=clock, end=now)
    return lf.select(
        "lead_id", pl.col("_touched").alias("touched"), pl.col("_hours").alias("response_hours"),
        pl.col("_wait").alias("wait_hours"), pl.col("_bucket").alias("bucket"),
    ).collect()


def bucket_table(
    leads: Leads,
    *,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Leads, wins and qualified leads per response bucket, with 95% Wilson intervals.

    Every lead is in exactly one bucket (an ``unknown`` row is added only for leads
    without a creation time). ``won``/``rate`` are null without outcomes; ``qualified``
    and ``qualified_rate`` are null without stage information.

    Returns
    -------
    polars.DataFrame
        ``bucket, leads, won, rate, ci_low, ci_high, qualified, qualified_rate,
        q_ci_low, q_ci_high``, buckets in order (all six, empty ones with 0 leads).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> t = bucket_table(load_sample().leads)
    >>> t["bucket"].to_list()
    ['0-1h', '1-4h', '4-24h', '1-3d', '3d+', 'never']
    >>> int(t["leads"].sum()) == load_sample().leads.height
    True
    """
    lf = _response_lf(leads, clock=clock, end=now)
    won, qual, has_out, has_stage = _outcomes(lf)
    agg = (lf.group_by(pl.col("_bucket").alias("bucket"))
           .agg(pl.len().cast(pl.Int64).alias("leads"),
                won.sum().cast(pl.Int64).alias("won"),
                qual.sum().cast(pl.Int64).alias("qualified"))
           .collect())
    names = list(BUCKETS) + ([UNKNOWN] if UNKNOWN in agg["bucket"].to_list() else [])
    frame = pl.DataFrame({"bucket": names}).join(agg, on="bucket", how="left",
                                                 maintain_order="left")
    frame = frame.with_columns(pl.col("leads").fill_null(0))
    frame = frame.with_columns(
        (pl.col("won").fill_null(0) if has_out else pl.lit(None, pl.Int64)).alias("won"),
        (pl.col("qualified").fill_null(0) if has_stage else pl.lit(None, pl.Int64))
        .alias("qualified"),
    )
    return frame.with_columns(
        pl.when(pl.col("leads") > 0).then(pl.col("won") / pl.col("leads")).alias("rate"),
        *wilson_exprs("won", "leads"),
        pl.when(pl.col("leads") > 0).then(pl.col("qualified") / pl.col("leads"))
        .alias("qualified_rate"),
        *wilson_exprs("qualified", "leads", prefix="q_ci"),
    ).select("bucket", "leads", "won", "rate", "ci_low", "ci_high", "qualified",
             "qualified_rate", "q_ci_low", "q_ci_high")


def _group_key(lf: pl.LazyFrame, by: str) -> pl.Expr:
    """A text grouping key; missing values become ``(none)``; ``weekday`` and ``hour``
    are of arrival (on the team's local clock when a business clock is used)."""
    if by == "weekday":
        return pl.col("_arrival").dt.weekday().sub(1).replace_strict(
            dict(enumerate(_WEEKDAYS)), return_dtype=pl.String).alias("weekday")
    if by == "hour":
        return pl.col("_arrival").dt.hour().cast(pl.Int64).alias("hour")
    if by not in lf.collect_schema().names():
        raise ValueError(f"no column {by!r} to group by")
    return pl.col(by).cast(pl.String).fill_null("(none)").alias(by)


def response_percentiles(
    leads: Leads,
    *,
    by: str | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
    percentiles: Sequence[float] = (0.5, 0.75, 0.9),
) -> pl.DataFrame:
    """Kaplan–Meier percentiles of the time to first touch, with 95% intervals.

    Never-touched leads are censored at the export's end. ``p50`` is the median: the
    hours by which half the leads had been touched; a percentile is null when fewer
    leads than that were ever touched (the curve never gets that low).

    Parameters
    ----------
    by
        ``None`` (one row), a lead column (``owner``, ``source``, …), ``weekday`` or
        ``hour`` (of arrival).

    Returns
    -------
    polars.DataFrame
        ``[by], leads, touched, touched_share, p50, p50_low, p50_high, p75, …``
        plus ``median_touched`` (plain median among touched leads).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> t = response_percentiles(load_sample().leads, by="owner")
    >>> {"owner", "leads", "p50", "p50_low", "p50_high"} <= set(t.columns)
    True
    """
    lf = _response_lf(leads, clock=clock, end=now)
    groups: list[str] = []
    if by is not None:
        lf = lf.with_columns(_group_key(lf, by))
        groups = [by]
    lf = lf.filter(pl.col("_wait").is_not_null())
    table = km_table(lf, duration="_wait", event="_touched", by=groups or None)
    aggs = [pl.col("at_risk").first().alias("leads"), pl.col("events").sum().alias("touched")]
    for p in percentiles:  # as km_medians: first time the curve (or its band) is <= 1 - p
        tag, q = f"p{round(p * 100)}", 1 - p
        aggs += [pl.col("time").filter(pl.col("survival") <= q).min().alias(tag),
                 pl.col("time").filter(pl.col("ci_low") <= q).min().alias(f"{tag}_low"),
                 pl.col("time").filter(pl.col("ci_high") <= q).min().alias(f"{tag}_high")]
    out = table.group_by(groups).agg(aggs) if groups else table.select(aggs)
    if not groups and table.height == 0:
        out = out.with_columns(pl.lit(0).alias("leads"), pl.lit(0).alias("touched"))
    plain = lf.group_by(groups or pl.lit(0).alias("_g")).agg(
        pl.col("_hours").filter(pl.col("_touched")).median().alias("median_touched")).collect()
    if groups:
        out = out.join(plain, on=groups, how="left")
    else:
        out = out.with_columns(pl.lit(plain["median_touched"][0], pl.Float64)
                               .alias("median_touched"))
    out = out.with_columns(pl.col("leads").cast(pl.Int64), pl.col("touched").cast(pl.Int64))
    out = out.with_columns((pl.col("touched") / pl.col("leads")).alias("touched_share"))
    if by == "weekday":
        out = out.with_columns(pl.col("weekday").cast(pl.Enum(_WEEKDAYS))).sort("weekday")
    elif groups:
        out = out.sort("leads", descending=True)
    return out


def still_waiting(
    leads: Leads,
    *,
    by: str | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
    max_hours: float = 24.0 * 14,
    points: int = 400,
) -> pl.DataFrame:
    """The Kaplan–Meier "still waiting" curve on a time grid (small enough for a chart).

    The step function is evaluated at ``points`` times from 0 to ``max_hours`` (denser
    at short times: a square-root grid) and at every hour boundary of the buckets, so
    the chart gets a few hundred rows per group however many leads there are.

    Returns
    -------
    polars.DataFrame
        ``[by], hours, still_waiting, ci_low, ci_high, at_risk`` (the share of leads not
        yet touched after ``hours``; never-touched leads censored at the export's end).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> c = still_waiting(load_sample().leads)
    >>> float(c["still_waiting"][0])
    1.0
    """
    lf = _response_lf(leads, clock=clock, end=now)
    groups: list[str] = []
    if by is not None:
        lf = lf.with_columns(_group_key(lf, by))
        groups = [by]
    table = km_table(lf, duration="_wait", event="_touched", by=groups or None)
    grid = sorted({round(max_hours * (i / points) ** 2, 4) for i in range(points + 1)}
                  | {e for e in BUCKET_EDGES if e <= max_hours} | {max_hours})
    grid_df = pl.DataFrame({"hours": grid}, schema={"hours": pl.Float64})
    if groups:
        keys = table.select(groups).unique().sort(groups)
        grid_df = keys.join(grid_df, how="cross")
        n0 = table.group_by(groups).agg(pl.col("at_risk").first().alias("_n0"))
    joined = grid_df.sort([*groups, "hours"]).join_asof(
        table.sort([*groups, "time"]), left_on="hours", right_on="time", by=groups or None,
        strategy="backward", check_sortedness=False)
    # before the first event time, nothing has happened yet: S = 1, all at risk
    first_n = (pl.col("_n0") if groups else pl.lit(int(table["at_risk"].first() or 0)))
    if groups:
        joined = joined.join(n0, on=groups, how="left")
    rows_after = pl.col("at_risk") - pl.col("events") - pl.col("censored")
    return joined.select(
        *groups, "hours",
        pl.col("survival").fill_null(1.0).alias("still_waiting"),
        pl.col("ci_low").fill_null(1.0), pl.col("ci_high").fill_null(1.0),
        pl.when(pl.col("time").is_null()).then(first_n).otherwise(rows_after)
        .cast(pl.Int64).alias("at_risk"),
    )


def arrival_heatmap(
    leads: Leads,
    *,
    sla_hours: float | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Arrival weekday × hour: leads, share touched, KM median wait, share within SLA.

    Returns
    -------
    polars.DataFrame
        168 rows at most (``weekday`` Mon…Sun as an ordered category, ``hour`` 0–23):
        ``leads, touched_share, median_hours, median_low, median_high, within_sla,
        within_sla_share`` (the SLA columns are null without ``sla_hours``).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> h = arrival_heatmap(load_sample().leads, sla_hours=4)
    >>> h.height <= 168 and int(h["leads"].sum()) == load_sample().leads.height
    True
    """
    lf = _response_lf(leads, clock=clock, end=now).filter(pl.col("created_at").is_not_null())
    lf = lf.with_columns(_group_key(lf, "weekday"), _group_key(lf, "hour")).cache()
    within = _within(sla_hours)
    counts = lf.group_by("weekday", "hour").agg(
        pl.len().cast(pl.Int64).alias("leads"),
        pl.col("_touched").mean().alias("touched_share"),
        within.sum().cast(pl.Int64).alias("within_sla"),
    ).collect()
    med = km_medians(lf, duration="_wait", event="_touched", by=["weekday", "hour"]).rename(
        {"median": "median_hours", "ci_low": "median_low", "ci_high": "median_high"})
    out = counts.join(med.drop("n", "events"), on=["weekday", "hour"], how="left")
    return out.with_columns(
        pl.col("weekday").cast(pl.Enum(_WEEKDAYS)),
        (pl.col("within_sla") / pl.col("leads")).alias("within_sla_share"),
    ).select("weekday", "hour", "leads", "touched_share", "median_hours", "median_low",
             "median_high", "within_sla", "within_sla_share").sort("weekday", "hour")


def _within(sla_hours: float | None) -> pl.Expr:
    if sla_hours is None:
        return pl.lit(None, pl.Boolean)
    return (pl.col("_touched") & (pl.col("_hours") < sla_hours)).fill_null(False)


def sla_compliance(
    leads: Leads,
    *,
    sla_hours: float,
    by: str | Sequence[str] | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Share of leads first touched less than ``sla_hours`` after creation, with 95% CI.

    Never-touched leads count as misses (contract §4). ``not_yet_due`` counts leads
    created less than ``sla_hours`` before the export's end and not touched yet: they
    count as misses too but may still be answered in time.

    Parameters
    ----------
    by
        ``None``, a lead column (``owner``, ``source``), ``weekday`` or ``hour`` of
        arrival, or a list of them (``["weekday", "hour"]`` gives the heat map's cells).

    Returns
    -------
    polars.DataFrame
        ``[by], leads, within_sla, within_sla_share, ci_low, ci_high, never, not_yet_due``.

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> t = sla_compliance(load_sample().leads, sla_hours=1, by="owner")
    >>> bool(t["within_sla_share"].is_between(0, 1).all())
    True
    """
    if sla_hours is None or not sla_hours > 0:
        raise ValueError(f"sla_hours must be a positive number of hours, got {sla_hours!r}")
    lf = _response_lf(leads, clock=clock, end=now)
    keys = [by] if isinstance(by, str) else list(by or [])
    groups = [_group_key(lf, k) for k in keys]
    out = (lf.group_by(groups or pl.lit(0).alias("_g"))
           .agg(pl.len().cast(pl.Int64).alias("leads"),
                _within(sla_hours).sum().cast(pl.Int64).alias("within_sla"),
                (~pl.col("_touched")).sum().cast(pl.Int64).alias("never"),
                (~pl.col("_touched") & (pl.col("_wait") < sla_hours)).sum().cast(pl.Int64)
                .alias("not_yet_due"))
           .with_columns((pl.col("within_sla") / pl.col("leads")).alias("within_sla_share"),
                         *wilson_exprs("within_sla", "leads"))
           .collect())
    cols = ["leads", "within_sla", "within_sla_share", "ci_low", "ci_high", "never", "not_yet_due"]
    if not keys:
        return out.select(cols)
    out = out.select(*keys, *cols)
    if "weekday" in keys:
        out = out.with_columns(pl.col("weekday").cast(pl.Enum(_WEEKDAYS)))
    if keys == ["weekday"] or len(keys) > 1:
        return out.sort(keys)
    return out.sort(["leads", *keys], descending=[True, False])


HISTOGRAM_EDGES: tuple[float, ...] = (0.0, 5 / 60, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0,
                                       72.0, 168.0, 336.0)
"""Lower bounds (hours) of the response-time histogram's bins (the last is open-ended)."""


def _hist_label(lo: float, hi: float | None) -> str:
    def f(h: float) -> str:
        if h < 1:
            return f"{round(h * 60)}m"
        if h < 48:
            return f"{h:g}h"
        return f"{h / 24:g}d"
    return f"{f(lo)}+" if hi is None else f"{f(lo)}–{f(hi)}"


def response_histogram(
    leads: Leads,
    *,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Touched leads per response-time bin (log-spaced), plus a ``never`` row.

    Returns
    -------
    polars.DataFrame
        ``bin, label, hours_low, hours_high, leads, share, cumulative`` (``share`` of
        all leads; ``cumulative`` = share touched by the bin's upper bound, an ECDF on
        the bin edges that counts never-touched leads in the denominator).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> h = response_histogram(load_sample().leads)
    >>> h["label"].to_list()[-1], int(h["leads"].sum()) == load_sample().leads.height
    ('never', True)
    """
    lf = _response_lf(leads, clock=clock, end=now)
    edges = list(HISTOGRAM_EDGES)
    idx = pl.lit(0, pl.Int64)
    for i, e in enumerate(edges[1:], start=1):
        idx = pl.when(pl.col("_hours") >= e).then(pl.lit(i, pl.Int64)).otherwise(idx)
    idx = pl.when(pl.col("_touched")).then(idx).otherwise(pl.lit(len(edges), pl.Int64))
    counts = lf.group_by(idx.alias("bin")).agg(pl.len().cast(pl.Int64).alias("leads")).collect()
    his = [*edges[1:], None]
    frame = pl.DataFrame({
        "bin": list(range(len(edges) + 1)),
        "label": [_hist_label(lo, hi) for lo, hi in zip(edges, his, strict=True)] + ["never"],
        "hours_low": [*edges, None], "hours_high": [*his, None],
    }, schema_overrides={"hours_low": pl.Float64, "hours_high": pl.Float64})
    frame = frame.join(counts, on="bin", how="left").with_columns(pl.col("leads").fill_null(0))
    total = frame["leads"].sum()
    return frame.with_columns(
        (pl.col("leads") / total).alias("share") if total else pl.lit(None, pl.Float64)
        .alias("share"),
    ).with_columns(
        pl.when(pl.col("label") != "never").then(pl.col("share").cum_sum()).alias("cumulative"),
    ).sort("bin")


def rate_by_hours(
    leads: Leads,
    *,
    bins: int = 20,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Qualified and win rate by finer response-time bins (equal-count quantile bins of
    touched leads), for drawing a smooth curve through the buckets.

    Returns
    -------
    polars.DataFrame
        ``bin, hours (median in the bin), hours_low, hours_high, leads, qualified,
        qualified_rate, won, rate`` (touched leads only).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> rate_by_hours(load_sample().leads, bins=10).height
    10
    """
    lf = _response_lf(leads, clock=clock, end=now).filter(pl.col("_touched"))
    won, qual, _, _ = _outcomes(lf)
    n = lf.select(pl.len()).collect().item()
    if n == 0:
        return pl.DataFrame(schema={"bin": pl.Int64, "hours": pl.Float64})
    ranked = lf.with_columns(
        ((pl.col("_hours").rank("ordinal") - 1) * bins // n).cast(pl.Int64).alias("bin"))
    return (ranked.group_by("bin")
            .agg(pl.col("_hours").median().alias("hours"),
                 pl.col("_hours").min().alias("hours_low"),
                 pl.col("_hours").max().alias("hours_high"),
                 pl.len().cast(pl.Int64).alias("leads"),
                 qual.sum().cast(pl.Int64).alias("qualified"),
                 won.sum().cast(pl.Int64).alias("won"))
            .with_columns((pl.col("qualified") / pl.col("leads")).alias("qualified_rate"),
                          (pl.col("won") / pl.col("leads")).alias("rate"))
            .sort("bin").collect())


# ------------------------------------------------------------------ standardisation

def _strata_key(lf: pl.LazyFrame, strata: Sequence[str], profile: str | None) -> pl.Expr:
    cols = lf.collect_schema().names()
    parts: list[pl.Expr] = []
    for s in strata:
        if s not in cols:
            raise ValueError(f"cannot adjust for {s!r}: no such column")
        parts.append(pl.col(s).cast(pl.String).fill_null("(none)"))
    if profile is not None:
        if profile not in cols:
            raise ValueError(f"no profile-fit column {profile!r}")
        parts.append(pl.col(profile).cast(pl.Boolean).cast(pl.String).fill_null("(unknown)"))
    if not parts:
        return pl.lit("all").alias("_stratum")
    return pl.concat_str(parts, separator="\x1f").alias("_stratum")


def _standardised(cells: pl.DataFrame, *, group: str, z: float = Z95) -> pl.DataFrame:
    """Direct standardisation: per ``group``, Σ w_s·r_gs over the strata seen in the group,
    weights = stratum share of all leads renormalised over those strata.

    ``cells`` has ``group, _stratum, n, k``. The interval is Wilson's on the effective
    sample size ``1 / Σ (w_s² / n_gs)`` (the size a simple sample with the same variance
    under equal rates would have).
    """
    total = cells["n"].sum()
    w = cells.group_by("_stratum").agg((pl.col("n").sum() / total).alias("_w"))
    c = cells.join(w, on="_stratum").filter(pl.col("n") > 0)
    g = c.group_by(group).agg(
        pl.col("n").sum().alias("leads"),
        pl.col("k").sum().alias("successes"),
        pl.col("_w").sum().alias("coverage"),
        ((pl.col("_w") * pl.col("k") / pl.col("n")).sum() / pl.col("_w").sum()).alias("rate"),
        (1.0 / ((pl.col("_w") / pl.col("_w").sum()) ** 2 / pl.col("n")).sum()).alias("n_eff"),
    )
    return g.with_columns(
        *wilson_exprs(pl.col("rate") * pl.col("n_eff"), "n_eff", z=z),
        (pl.col("rate") * (1 - pl.col("rate")) / pl.col("n_eff")).alias("_var"),
    )


def _log_ratio(r1, v1, r2, v2, z: float = Z95) -> tuple[float | None, float | None, float | None]:
    """Ratio r1/r2 with a delta-method log interval (Katz's for raw proportions)."""
    if not r1 or not r2 or r1 <= 0 or r2 <= 0 or v1 is None or v2 is None:
        return None, None, None
    se = math.sqrt(v1 / r1**2 + v2 / r2**2)
    ratio = r1 / r2
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


class ResponseCurve:
    """Conversion rate per response bucket, raw and adjusted for source and profile mix.

    Fast responders often also get the better sources (or the better-fitting leads), so
    a raw "speed pays" curve may be partly a mix effect. The adjusted curve uses
    **direct stratified standardisation**: within each stratum (source × profile-fit
    flag) the bucket's rate is computed, then averaged with the weights of the strata in
    *all* leads (renormalised over the strata present in the bucket; ``coverage`` says
    how much of the standard population that is). Shaped like lifelines: ``fit``
    returns self, fitted results end in ``_``; charts live in
    :mod:`funnel.charts.response`.

    Parameters
    ----------
    target
        ``"qualified"`` (reached sql or later; needs stage information) or ``"won"``.
    strata
        Lead columns to adjust for (default: ``source``).
    profile
        Optional name of a boolean column: the lead fits the closable-lead profile.
    clock, now
        Business-hours clock (``None`` = wall-clock hours) and the export's end.
    fast, slow
        The buckets compared in the sentence (default: within 1 h vs 24 h or later).

    Attributes
    ----------
    table_ : polars.DataFrame
        ``bucket, leads, successes, rate, ci_low, ci_high, adjusted_rate, adj_ci_low,
        adj_ci_high, coverage``.
    ratio_raw_, ratio_adjusted_ : tuple
        ``(ratio, low, high)`` of the fast over the slow group's rate (None if undefined).
    story_changed_ : bool
        Whether the adjustment changes the story (see :attr:`story_`).
    story_ : str
        One sentence saying what the adjustment does to the fast-vs-slow gap.
    strata_ : list of str
        The adjustment variables used. ``n_`` leads used.

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> rc = ResponseCurve().fit(load_sample().leads)
    >>> rc.table_["bucket"].to_list()[:2], rc.ratio_raw_[0] > 1
    (['0-1h', '1-4h'], True)
    """

    def __init__(
        self,
        *,
        target: str = "qualified",
        strata: Sequence[str] = ("source",),
        profile: str | None = None,
        clock: BusinessClock | None = None,
        now: dt.datetime | None = None,
        fast: Sequence[str] = ("0-1h",),
        slow: Sequence[str] = ("1-3d", "3d+"),
    ) -> None:
        if target not in ("qualified", "won"):
            raise ValueError(f"target must be 'qualified' or 'won', got {target!r}")
        self.target = target
        self.strata = tuple(strata)
        self.profile = profile
        self.clock = clock
        self.now = now
        self.fast = tuple(fast)
        self.slow = tuple(slow)

    def fit(self, leads: Leads) -> ResponseCurve:
        """Fit on a lead table; returns ``self``.

        Raises
        ------
        ValueError
            When the target cannot be told from the data (no stage information for
            ``qualified``, no outcomes for ``won``) or an adjustment column is missing.
        """
        lf = _response_lf(leads, clock=self.clock, end=self.now)
        won, qual, has_out, has_stage = _outcomes(lf)
        if self.target == "qualified" and not has_stage:
            raise ValueError("no stage information (sql_at, opportunity_at or stage): "
                             "qualified leads cannot be counted; use target='won'")
        if self.target == "won" and not has_out:
            raise ValueError("no outcomes: wins cannot be counted")
        success = qual if self.target == "qualified" else won
        cols = lf.collect_schema().names()
        self.strata_ = [s for s in self.strata if s in cols]
        missing = [s for s in self.strata if s not in cols]
        if missing:
            raise ValueError(f"cannot adjust for {', '.join(missing)}: no such column")
        if self.profile is not None:
            self.strata_.append(self.profile)
        lf = lf.with_columns(_strata_key(lf, self.strata, self.profile), success.alias("_k"))
        compare = (pl.when(pl.col("_bucket").is_in(self.fast)).then(pl.lit("fast"))
                   .when(pl.col("_bucket").is_in(self.slow)).then(pl.lit("slow"))
                   .otherwise(pl.lit("other")).alias("_cmp"))
        cells = (lf.with_columns(compare)
                 .group_by("_bucket", "_cmp", "_stratum")
                 .agg(pl.len().alias("n"), pl.col("_k").sum().alias("k"))
                 .collect())
        self.n_ = int(cells["n"].sum())
        by_bucket = cells.group_by("_bucket", "_stratum").agg(pl.col("n", "k").sum())
        adj = _standardised(by_bucket, group="_bucket")
        raw = by_bucket.group_by("_bucket").agg(pl.col("n").sum().alias("leads"),
                                                pl.col("k").sum().alias("successes"))
        names = [b for b in (*BUCKETS, UNKNOWN) if b in raw["_bucket"].to_list()
                 or b in BUCKETS]
        table = (pl.DataFrame({"bucket": names})
                 .join(raw.rename({"_bucket": "bucket"}), on="bucket", how="left",
                       maintain_order="left")
                 .join(adj.select(pl.col("_bucket").alias("bucket"),
                                  pl.col("rate").alias("adjusted_rate"),
                                  pl.col("ci_low").alias("adj_ci_low"),
                                  pl.col("ci_high").alias("adj_ci_high"), "coverage"),
                       on="bucket", how="left", maintain_order="left")
                 .with_columns(pl.col("leads").fill_null(0).cast(pl.Int64),
                               pl.col("successes").fill_null(0).cast(pl.Int64)))
        self.table_ = table.with_columns(
            pl.when(pl.col("leads") > 0).then(pl.col("successes") / pl.col("leads"))
            .alias("rate"), *wilson_exprs("successes", "leads"),
        ).select("bucket", "leads", "successes", "rate", "ci_low", "ci_high",
                 "adjusted_rate", "adj_ci_low", "adj_ci_high", "coverage")

        by_cmp = cells.group_by("_cmp", "_stratum").agg(pl.col("n", "k").sum())
        adj_c = {r["_cmp"]: r for r in _standardised(by_cmp, group="_cmp").to_dicts()}
        raw_c = {r["_cmp"]: r for r in by_cmp.group_by("_cmp").agg(pl.col("n", "k").sum())
                 .to_dicts()}

        def raw_rv(g):
            r = raw_c.get(g)
            if not r or r["n"] == 0:
                return None, None
            p = r["k"] / r["n"]
            return p, p * (1 - p) / r["n"]

        self.ratio_raw_ = _log_ratio(*raw_rv("fast"), *raw_rv("slow"))
        a_f, a_s = adj_c.get("fast"), adj_c.get("slow")
        self.ratio_adjusted_ = (_log_ratio(a_f["rate"], a_f["_var"], a_s["rate"], a_s["_var"])
                                if a_f and a_s else (None, None, None))
        self.story_changed_, self.story_ = self._story()
        return self

    def _story(self) -> tuple[bool, str]:
        what = "qualify" if self.target == "qualified" else "be won"
        mix = " and ".join([*(s for s in self.strata), *(["profile fit"] if self.profile else [])])
        mix = mix or "nothing"
        fast = "/".join(self.fast)
        slow = "/".join(self.slow)
        r, rl, rh = self.ratio_raw_
        a, al, ah = self.ratio_adjusted_
        if r is None or a is None:
            return False, (f"Too few leads (or no {self.target} leads) in {fast} or {slow} to "
                           "compare fast and slow responses.")
        raw_sig = rl > 1 or rh < 1
        adj_sig = al > 1 or ah < 1
        flipped = (r > 1) != (a > 1) and adj_sig
        shrunk = abs(math.log(a)) < 0.5 * abs(math.log(r))
        head = (f"Leads touched within {fast} {what} {r:.1f}× as often as those touched "
                f"{slow} (raw)")
        if flipped:
            return True, (f"{head}, but after adjusting for {mix} the direction reverses "
                          f"({a:.2f}×, 95% CI {al:.2f}–{ah:.2f}): the raw gap is a mix effect.")
        if raw_sig and not adj_sig:
            return True, (f"{head}; adjusted for {mix} the gap is {a:.1f}× and no longer "
                          f"distinguishable from none (95% CI {al:.2f}–{ah:.2f}): the raw gap "
                          "is largely a mix effect.")
        if shrunk:
            return True, (f"{head}; adjusted for {mix} the gap shrinks to {a:.1f}× (95% CI "
                          f"{al:.1f}–{ah:.1f}): much of the raw gap comes from who gets the "
                          "fast responses.")
        return False, (f"{head}; adjusted for {mix} it is still {a:.1f}× (95% CI {al:.1f}–"
                       f"{ah:.1f}): the speed effect is not explained by the mix.")


def sla_loss_estimate(
    leads: Leads,
    *,
    sla_hours: float,
    strata: Sequence[str] = ("source",),
    profile: str | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """ESTIMATE of the qualified leads, wins and revenue lost to missing the SLA.

    Leads that missed the SLA (touched at or after ``sla_hours``, or never) and whose
    deadline had passed by the export's end are compared, stratum by stratum (source ×
    profile fit), with the leads of the same stratum answered within the SLA: had they
    converted at that rate, they would have given ``expected`` qualified leads (wins);
    ``lost = expected - observed``. Strata with no lead answered in time use the
    standardised within-SLA rate. Revenue = lost wins × the average won amount. This is
    an estimate built on the adjusted curve, not a measurement: it assumes nothing but
    speed and the adjusted mix differs between the groups.

    Returns
    -------
    dict
        ``label, sla_hours, missed, within, qualified: {observed, expected, lost, low,
        high}, won: {…}, revenue: {lost, low, high, average_deal}`` (null parts where the
        data lacks stages, outcomes or amounts).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> est = sla_loss_estimate(load_sample().leads, sla_hours=1)
    >>> est["qualified"]["lost"] > 0
    True
    """
    lf = _response_lf(leads, clock=clock, end=now)
    won, qual, has_out, has_stage = _outcomes(lf)
    cols = lf.collect_schema().names()
    use = [s for s in strata if s in cols]
    lf = lf.with_columns(_strata_key(lf, use, profile if profile in cols else None))
    within = _within(sla_hours)
    group = (pl.when(within).then(pl.lit("within"))
             .when(pl.col("_wait") >= sla_hours).then(pl.lit("missed"))
             .otherwise(pl.lit("not_due")).alias("_g"))
    amount = pl.col("amount") if "amount" in cols else pl.lit(None, pl.Float64)
    cells = (lf.with_columns(group)
             .group_by("_g", "_stratum")
             .agg(pl.len().alias("n"), qual.sum().alias("kq"), won.sum().alias("kw"))
             .collect())
    avg_deal = None
    if has_out and "amount" in cols:
        avg_deal = lf.select(amount.filter(won).mean()).collect().item()
    n_missed = int(cells.filter(pl.col("_g") == "missed")["n"].sum())
    n_within = int(cells.filter(pl.col("_g") == "within")["n"].sum())
    out = {
        "label": "Estimate (not a measurement): leads that missed the SLA, had they "
                 "converted like same-source leads answered within it",
        "sla_hours": sla_hours, "missed": n_missed, "within": n_within,
        "not_yet_due": int(cells.filter(pl.col("_g") == "not_due")["n"].sum()),
        "adjusted_for": use + (["profile fit"] if profile in cols else []),
        "qualified": _lost(cells, "kq") if has_stage else None,
        "won": _lost(cells, "kw") if has_out else None,
        "revenue": None,
    }
    if out["won"] is not None and avg_deal is not None:
        w = out["won"]
        out["revenue"] = {"lost": w["lost"] * avg_deal, "low": w["low"] * avg_deal,
                          "high": w["high"] * avg_deal, "average_deal": avg_deal}
    return out


def _lost(cells: pl.DataFrame, k: str) -> dict:
    w = cells.filter(pl.col("_g") == "within").select("_stratum", "n", pl.col(k).alias("k"))
    m = cells.filter(pl.col("_g") == "missed").select("_stratum", pl.col("n").alias("nm"),
                                                      pl.col(k).alias("km"))
    observed = int(m["km"].sum())
    if w["n"].sum() == 0 or m["nm"].sum() == 0:
        return {"observed": observed, "expected": None, "lost": None, "low": None, "high": None}
    std = _standardised(w.with_columns(pl.lit("w").alias("_x")), group="_x").row(0, named=True)
    j = m.join(w, on="_stratum", how="left").with_columns(
        pl.when(pl.col("n") > 0).then(pl.col("k") / pl.col("n")).otherwise(std["rate"])
        .alias("_r"),
        pl.when(pl.col("n") > 0).then(pl.col("n")).otherwise(std["n_eff"]).alias("_n"),
    )
    expected = float(j.select((pl.col("nm") * pl.col("_r")).sum()).item())
    var = float(j.select((pl.col("nm") ** 2 * pl.col("_r") * (1 - pl.col("_r"))
                          / pl.col("_n")).sum()).item())
    lost = expected - observed
    half = Z95 * math.sqrt(var)
    return {"observed": observed, "expected": expected, "lost": lost,
            "low": lost - half, "high": lost + half}


def benchmark_comparison(table: pl.DataFrame, *, target: str = "qualified") -> pl.DataFrame:
    """Your ratios next to the published figures, each labelled with what it measured.

    ``table`` is :func:`bucket_table`'s output. Ratios compare the ``0-1h`` bucket's
    qualified (or win) rate with the later buckets', with Katz 95% intervals; the
    never-touched share is compared with the audit's share of firms that never replied.

    Returns
    -------
    polars.DataFrame
        ``key, what, published, published_label, measured, yours, yours_low, yours_high,
        yours_label``.

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> b = benchmark_comparison(bucket_table(load_sample().leads))
    >>> b["key"].to_list()
    ['1h_vs_next', '1h_vs_24h', 'never_share']
    """
    k = "qualified" if target == "qualified" else "won"
    rows = {r["bucket"]: r for r in table.to_dicts()}
    total = sum(r["leads"] for r in rows.values())
    out = []
    for b in BENCHMARKS:
        fast, slow = b["yours"]
        if "ratio" in b:
            f = rows.get(fast, {})
            kf, nf = f.get(k), f.get("leads", 0)
            ks = sum((rows.get(s, {}).get(k) or 0) for s in slow)
            ns = sum(rows.get(s, {}).get("leads", 0) for s in slow)
            if kf is None or not nf or not ns:
                ratio = lo = hi = None
            else:
                pf, ps = kf / nf, ks / ns
                ratio, lo, hi = _log_ratio(pf, pf * (1 - pf) / nf, ps, ps * (1 - ps) / ns)
            out.append({"key": b["key"], "what": "ratio", "published": b["ratio"],
                        "published_label": b["label"], "measured": b["measured"],
                        "yours": ratio, "yours_low": lo, "yours_high": hi,
                        "yours_label": f"yours: {k} rate {fast} vs {' + '.join(slow)}"})
        else:
            nv = rows.get("never", {}).get("leads", 0)
            share = nv / total if total else None
            out.append({"key": b["key"], "what": "share", "published": b["share"],
                        "published_label": b["label"], "measured": b["measured"],
                        "yours": share, "yours_low": None, "yours_high": None,
                        "yours_label": "yours: share of leads never touched"})
    return pl.DataFrame(out, schema={"key": pl.String, "what": pl.String,
                                     "published": pl.Float64, "published_label": pl.String,
                                     "measured": pl.String, "yours": pl.Float64,
                                     "yours_low": pl.Float64, "yours_high": pl.Float64,
                                     "yours_label": pl.String})


def response_summary(
    ds: Dataset,
    *,
    sla_hours: float | None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
    prepared: ResponseTimes | None = None,
) -> dict:
    """The contract's ``response`` key of ``funnel diagnose --json`` (extended).

    ``prepared`` (optional) is :func:`prepare_response` of ``ds.leads`` with the same
    clock, to reuse computed response times.

    Contract fields: ``contacted_share`` (leads touched by the export's end / all
    leads), ``median_hours`` (median hours to first touch among touched leads),
    ``sla_hours``, ``within_sla_share`` (touched less than ``sla_hours`` after creation
    / all leads; null without ``sla_hours``), ``by_bucket`` (``bucket, leads, won, rate,
    ci_low, ci_high, qualified, qualified_rate``). Extensions: ``median_hours_km``
    (Kaplan–Meier median with never-touched leads censored) with ``median_ci``,
    ``export_end``, ``clock``, and per bucket ``q_ci_low``/``q_ci_high``. Every value
    is null where the data has no touch times.

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> r = response_summary(load_sample(), sla_hours=1)
    >>> [b["bucket"] for b in r["by_bucket"]][-1], 0 < r["within_sla_share"] < 1
    ('never', True)
    """
    leads = ds.leads
    base = {"contacted_share": None, "median_hours": None, "sla_hours": sla_hours,
            "within_sla_share": None, "by_bucket": None, "median_hours_km": None,
            "median_ci": None, "export_end": None,
            "clock": clock.describe() if clock else "wall-clock hours"}
    if leads.height == 0 or "created_at" not in leads.columns \
            or "first_response_at" not in leads.columns:
        return base
    end = export_end(prepared if prepared is not None else ds, now=now)
    source = prepared if prepared is not None else leads
    lf = _response_lf(source, clock=clock, end=end)
    stats = lf.select(
        pl.col("_touched").mean().alias("contacted"),
        pl.col("_hours").filter(pl.col("_touched")).median().alias("median"),
        _within(sla_hours).mean().alias("within"),
    ).collect().row(0, named=True)
    km = KaplanMeier().fit(lf.select("_wait").collect()["_wait"].drop_nulls(),
                           lf.filter(pl.col("_wait").is_not_null())
                           .select("_touched").collect()["_touched"])
    table = bucket_table(source, clock=clock, now=end)
    return {**base,
            "contacted_share": stats["contacted"],
            "median_hours": stats["median"],
            "within_sla_share": stats["within"] if sla_hours is not None else None,
            "by_bucket": table.to_dicts(),
            "median_hours_km": km.median_,
            "median_ci": list(km.median_ci_),
            "export_end": end.isoformat(sep=" ") if end else None}
