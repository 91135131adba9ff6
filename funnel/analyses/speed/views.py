"""Speed to lead, the views of the response times: buckets, percentiles, curves, heat map.

* qualified and win rates per response bucket (``0-1h`` … ``3d+``, ``never``) with
  Wilson intervals (:func:`bucket_table`), and by finer bins (:func:`rate_by_hours`);
* medians and percentiles with 95% intervals, overall and by owner, source or arrival
  weekday or hour (:func:`response_percentiles`), from a Kaplan–Meier "still waiting"
  curve (:func:`still_waiting`) in which never-touched leads are censored at the
  export's end;
* arrival weekday × hour (:func:`arrival_heatmap`) and a log-spaced histogram
  (:func:`response_histogram`).

Every function takes a lead table or :class:`~funnel.analyses.speed.times.ResponseTimes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.times import (
    BUCKET_EDGES,
    BUCKETS,
    UNKNOWN,
    WEEKDAYS,
    Leads,
    group_key,
    outcomes,
    response_lf,
    within_sla,
)
from funnel.stats.intervals import wilson_exprs
from funnel.stats.survival import km_medians, km_table

__all__ = [
    "HISTOGRAM_EDGES",
    "arrival_heatmap",
    "bucket_table",
    "rate_by_hours",
    "response_histogram",
    "response_percentiles",
    "still_waiting",
]


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
    >>> from funnel.sample import load_sample
    >>> t = bucket_table(load_sample().leads)
    >>> t["bucket"].to_list()
    ['0-1h', '1-4h', '4-24h', '1-3d', '3d+', 'never']
    >>> int(t["leads"].sum()) == load_sample().leads.height
    True
    """
    lf = response_lf(leads, clock=clock, end=now)
    won, qual, has_out, has_stage = outcomes(lf)
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
    >>> from funnel.sample import load_sample
    >>> t = response_percentiles(load_sample().leads, by="owner")
    >>> {"owner", "leads", "p50", "p50_low", "p50_high"} <= set(t.columns)
    True
    """
    lf = response_lf(leads, clock=clock, end=now)
    groups: list[str] = []
    if by is not None:
        lf = lf.with_columns(group_key(lf, by))
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
        out = out.with_columns(pl.col("weekday").cast(pl.Enum(WEEKDAYS))).sort("weekday")
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
    >>> from funnel.sample import load_sample
    >>> c = still_waiting(load_sample().leads)
    >>> float(c["still_waiting"][0])
    1.0
    """
    lf = response_lf(leads, clock=clock, end=now)
    groups: list[str] = []
    if by is not None:
        lf = lf.with_columns(group_key(lf, by))
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
    >>> from funnel.sample import load_sample
    >>> h = arrival_heatmap(load_sample().leads, sla_hours=4)
    >>> h.height <= 168 and int(h["leads"].sum()) == load_sample().leads.height
    True
    """
    lf = response_lf(leads, clock=clock, end=now).filter(pl.col("created_at").is_not_null())
    lf = lf.with_columns(group_key(lf, "weekday"), group_key(lf, "hour")).cache()
    within = within_sla(sla_hours)
    counts = lf.group_by("weekday", "hour").agg(
        pl.len().cast(pl.Int64).alias("leads"),
        pl.col("_touched").mean().alias("touched_share"),
        within.sum().cast(pl.Int64).alias("within_sla"),
    ).collect()
    med = km_medians(lf, duration="_wait", event="_touched", by=["weekday", "hour"]).rename(
        {"median": "median_hours", "ci_low": "median_low", "ci_high": "median_high"})
    out = counts.join(med.drop("n", "events"), on=["weekday", "hour"], how="left")
    return out.with_columns(
        pl.col("weekday").cast(pl.Enum(WEEKDAYS)),
        (pl.col("within_sla") / pl.col("leads")).alias("within_sla_share"),
    ).select("weekday", "hour", "leads", "touched_share", "median_hours", "median_low",
             "median_high", "within_sla", "within_sla_share").sort("weekday", "hour")



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
    >>> from funnel.sample import load_sample
    >>> h = response_histogram(load_sample().leads)
    >>> h["label"].to_list()[-1], int(h["leads"].sum()) == load_sample().leads.height
    ('never', True)
    """
    lf = response_lf(leads, clock=clock, end=now)
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
    >>> from funnel.sample import load_sample
    >>> rate_by_hours(load_sample().leads, bins=10).height
    10
    """
    lf = response_lf(leads, clock=clock, end=now).filter(pl.col("_touched"))
    won, qual, _, _ = outcomes(lf)
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

