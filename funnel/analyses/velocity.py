"""Velocity: time between stages and the sales cycle, with censored medians.

A lead still open at the export's end has not yet moved on: its time so far is a
*censored* observation (it took at least that long), not dropped and not counted as
lost. Medians and their 95% intervals come from the Kaplan–Meier estimator
(:mod:`funnel.stats.survival`).

Leads that were lost before moving on answered the question ("no"): they are left out
of that step's timing and counted in ``lost``, so the median is the time it takes the
leads that keep going. Durations below zero (a later stage dated before an earlier one)
are left out and counted in ``bad_dates``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from funnel.analyses.deals import with_unlinked_deals
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.schema import STAGE_DATES, STAGES, as_text
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.survival import km_medians

CYCLE = "created → won"
"""The step name of the whole sales cycle."""

_DAY = 86400.0


def _stage_date(stage: str, cols: list[str]) -> pl.Expr | None:
    if stage == "lead":
        return pl.col("created_at") if "created_at" in cols else None
    if stage == "won":
        if "closed_at" not in cols or "outcome" not in cols:
            return None
        return pl.when(pl.col("outcome") == "won").then(pl.col("closed_at"))
    col = STAGE_DATES[stage]
    return pl.col(col) if col in cols else None


def dated_stages(leads: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """The stages whose date the lead table has (``lead`` = creation, ``won`` = close).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> dated_stages(load_sample().leads)
    ['lead', 'mql', 'sal', 'sql', 'opportunity', 'won']
    """
    schema = leads.collect_schema()
    cols = schema.names()
    out = []
    for s in STAGES:
        if _stage_date(s, cols) is None:
            continue
        col = {"lead": "created_at", "won": "closed_at"}.get(s, STAGE_DATES.get(s))
        if isinstance(leads, pl.DataFrame) and leads[col].null_count() == leads.height:
            continue
        out.append(s)
    return out


def step_durations(
    leads: pl.DataFrame | pl.LazyFrame, *, now: dt.datetime, by: str | None = None,
    cycle: bool = True,
) -> pl.LazyFrame:
    """One row per lead and step: ``step, [by,] days, event, status``.

    Steps are consecutive dated stages (``lead → mql``, …, ``opportunity → won``) and,
    with ``cycle``, the whole sales cycle ``created → won``. A lead enters a step when
    it has the first stage's date. ``status`` is ``"moved"`` (event: it reached the next
    stage), ``"open"`` (censored at ``now``), ``"lost"`` (lost before moving on) or
    ``"bad_dates"`` (negative duration); only the first two carry a duration.
    """
    lf = leads.lazy()
    cols = lf.collect_schema().names()
    stages = dated_stages(leads)
    pairs = list(zip(stages, stages[1:], strict=False))
    if cycle and len(stages) > 2 and stages[0] == "lead" and stages[-1] == "won":
        pairs.append(("lead", "won"))
    lost = (pl.col("outcome") == "lost").fill_null(False) if "outcome" in cols else pl.lit(False)
    parts = []
    for a, b in pairs:
        start, end = _stage_date(a, cols), _stage_date(b, cols)
        name = CYCLE if (a, b) == ("lead", "won") and len(stages) > 2 else f"{a} → {b}"
        moved = end.is_not_null()
        raw = pl.when(moved).then(end - start).otherwise(pl.lit(now) - start)
        days = raw.dt.total_seconds() / _DAY
        status = (pl.when(moved & (days >= 0)).then(pl.lit("moved"))
                  .when(moved).then(pl.lit("bad_dates"))
                  .when(lost).then(pl.lit("lost"))
                  .when(days < 0).then(pl.lit("bad_dates"))
                  .otherwise(pl.lit("open")))
        keep = [pl.col(by).cast(pl.String).fill_null(NONE_LABEL).alias(by)] if by else []
        parts.append(lf.filter(start.is_not_null()).select(
            pl.lit(name).alias("step"), *keep,
            pl.when(status.is_in(["moved", "open"])).then(days).alias("days"),
            (status == "moved").alias("event"), status.alias("status")))
    if not parts:
        schema = {"step": pl.String, **({by: pl.String} if by else {}), "days": pl.Float64,
                  "event": pl.Boolean, "status": pl.String}
        return pl.LazyFrame(schema=schema)
    return pl.concat(parts, how="vertical")


def velocity_table(
    leads: pl.DataFrame, *, now: dt.datetime, by: str | None = None, cycle: bool = False,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Median days per step (and per ``by`` group), censored at ``now``, with intervals.

    With ``cycle`` the whole ``created → won`` step over all leads is added (its
    median is often not reached: most leads never win; see :func:`sales_cycle` for
    the cycle of opportunities). Returns ``step, [by,] entered, moved, open, lost,
    bad_dates, median_days, ci_low, ci_high``. ``entered`` leads had the step's first
    stage; ``moved`` reached the next one (events); ``open`` are censored at
    ``now``; ``median_days`` is null when fewer than half of the leads still in the
    race have moved on by the export's end (not reached yet: no median can be claimed).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.dataset.tables import export_end
    >>> ds = load_sample()
    >>> v = velocity_table(ds.leads, now=export_end(ds))
    >>> v["step"].to_list()[:2]
    ['lead → mql', 'mql → sal']
    """
    # collected once: the counts and the medians both read every lead's steps
    steps = step_durations(leads, now=now, by=by, cycle=cycle).collect()
    keys = ["step"] + ([by] if by else [])
    counts = steps.group_by(keys).agg(
        pl.len().alias("entered"),
        *[(pl.col("status") == s).sum().cast(pl.Int64).alias(s)
          for s in ("moved", "open", "lost", "bad_dates")],
    )
    timed = steps.filter(pl.col("days").is_not_null())
    med = km_medians(timed, duration="days", event="event", by=keys, alpha=alpha)
    med = not_degenerate(med.select(*keys, pl.col("median").alias("median_days"), "ci_low",
                                    "ci_high"))
    idx = {s: i for i, s in enumerate(STAGES)}
    rank = {f"{a} → {b}": 10 * idx[a] + idx[b] for a in STAGES for b in STAGES}
    rank[CYCLE] = 999
    out = counts.join(med, on=keys, how="left").with_columns(
        pl.col("entered").cast(pl.Int64))
    sort_key = pl.col("step").replace_strict(rank, default=500, return_dtype=pl.Int64)
    return out.sort([sort_key, *keys[1:]] if by else [sort_key]).select(
        *keys, "entered", "moved", "open", "lost", "bad_dates", "median_days", "ci_low",
        "ci_high")


def sales_cycle(ds: Dataset, *, now: dt.datetime | None = None, by: str | None = None
                ) -> pl.DataFrame:
    """The created → won cycle, censored at the export's end, overall or per group.

    The population is the leads that became opportunities when the data dates them
    (sales cycle in the usual sense), else all leads; deals whose lead is not in the
    export are included from their own creation
    (:func:`funnel.analyses.deals.with_unlinked_deals`). Returns ``[by,] entered, moved,
    open, lost, bad_dates, median_days, ci_low, ci_high, population``; raises
    ``ValueError`` when no lead of the view is dated (a filter that leaves none).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> c = sales_cycle(load_sample())
    >>> c["population"][0]
    'leads that became opportunities'
    """

    now = now or export_end(ds)
    leads, unlinked = with_unlinked_deals(ds)  # deals without a lead count here too
    cols = leads.columns
    population = "all leads"
    if "opportunity_at" in cols and leads["opportunity_at"].null_count() < leads.height:
        leads = leads.filter(pl.col("opportunity_at").is_not_null())
        population = "leads that became opportunities"
    if unlinked:
        population += f" and {unlinked:,} deals without a lead (from the deal's creation)"
    if not {"created_at", "closed_at", "outcome"} <= set(cols):
        raise ValueError("a sales cycle needs creation dates, close dates and outcomes")
    if by and by not in cols:
        raise KeyError(f"no column {by!r} among the leads")
    # reuse the step machinery on a two-stage view: lead → won
    view = leads.select("created_at", "closed_at", "outcome", *([by] if by else []))
    steps = step_durations(view, now=now, by=by, cycle=False).with_columns(
        pl.lit(CYCLE).alias("step")).collect()  # once, for the counts and the medians
    if steps.height == 0:
        raise ValueError("no lead in this view has a creation date")
    keys = ["step"] + ([by] if by else [])
    counts = steps.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("entered"),
        *[(pl.col("status") == s).sum().cast(pl.Int64).alias(s)
          for s in ("moved", "open", "lost", "bad_dates")])
    med = km_medians(steps.filter(pl.col("days").is_not_null()), duration="days",
                     event="event", by=keys).select(
        *keys, pl.col("median").alias("median_days"), "ci_low", "ci_high")
    med = not_degenerate(med)
    out = counts.join(med, on=keys, how="left").drop("step")
    return out.with_columns(pl.lit(population).alias("population")).sort(
        by or "entered", descending=not by)


def not_degenerate(table: pl.DataFrame, low: str = "ci_low", high: str = "ci_high"
                   ) -> pl.DataFrame:
    """``table`` with an interval of no width (``low == high``: one observation, or all
    alike) set to null, so it is never shown as if it were an interval.

    Examples
    --------
    >>> not_degenerate(pl.DataFrame({"ci_low": [2812.0, 1.0], "ci_high": [2812.0, 3.0]})).rows()
    [(None, None), (1.0, 3.0)]
    """
    same = (pl.col(low) == pl.col(high)).fill_null(False)
    return table.with_columns(pl.when(~same).then(pl.col(c)).alias(c) for c in (low, high))


def won_cycle_days(leads: pl.DataFrame, *, q: float = 0.9) -> float | None:
    """The data's own time to close: the ``q`` quantile of days from creation to a win
    (``None`` with fewer than 10 dated wins). A lead younger than this at the export's
    end may still win; its group's rate is not settled yet.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> 30 < won_cycle_days(load_sample().leads) < 365
    True
    """
    if not {"created_at", "closed_at", "outcome"} <= set(leads.columns):
        return None
    days = (leads.filter(pl.col("outcome") == "won")
            .select(((pl.col("closed_at") - pl.col("created_at")).dt.total_seconds() / _DAY)
                    .alias("d")).filter(pl.col("d") >= 0)["d"].drop_nulls())
    return float(days.quantile(q)) if days.len() >= 10 else None


def young_expr(leads: pl.DataFrame, *, end: dt.datetime | None, days: float | None
               ) -> pl.Expr:
    """Per lead: created less than ``days`` before ``end`` (False when either is unknown),
    i.e. not old enough for its outcome to have settled."""
    dtype = leads.schema.get("created_at")
    if end is None or days is None or not isinstance(dtype, pl.Datetime):
        return pl.lit(False)
    cutoff = pl.lit(end - dt.timedelta(days=days)).cast(pl.Datetime("us"))
    if dtype.time_zone:
        cutoff = cutoff.dt.replace_time_zone(dtype.time_zone)
    return (pl.col("created_at") > cutoff).fill_null(False)


def settling_columns(leads: pl.DataFrame, table: pl.DataFrame, *, by: str,
                     end: dt.datetime | None) -> pl.DataFrame:
    """``table`` (one row per ``by`` group of ``leads``) with ``young_share`` (its leads
    created less than the data's own cycle, :func:`won_cycle_days`, before ``end``) and
    ``not_settled`` (most of them are: its rate will still rise, do not rank it yet).
    Both null when the cycle cannot be told.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.closed_loop import closed_loop
    >>> t = closed_loop(load_sample())
    >>> t["not_settled"].to_list().count(True)
    0
    """
    days = won_cycle_days(leads)
    if days is None or "created_at" not in leads.columns:
        return table.with_columns(pl.lit(None, pl.Float64).alias("young_share"),
                                  pl.lit(None, pl.Boolean).alias("not_settled"))
    key = pl.col(by).fill_null(NONE_LABEL) if by in leads.columns else pl.lit(NONE_LABEL)
    young = as_text(leads.group_by(key.alias(by)).agg(
        young_expr(leads, end=end, days=days).mean().alias("young_share")))
    return table.join(young, on=by, how="left").with_columns(
        (pl.col("young_share") > 0.5).alias("not_settled"))
