"""TODO docstring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from funnel.dataset.labels import OTHER, group_expr, unify_labels
from funnel.dataset.schema import STAGE_DATES, STAGES
from funnel.dataset.stages import funnel_stages, reached_exprs, reached_rank, with_stage_rank
from funnel.stats.intervals import wilson_exprs


def stage_funnel(leads: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Counts per stage reached, with step and cumulative conversion and 95% intervals.

    Returns columns ``stage, count, rate_from_previous, rate_from_first, ci_low,
    ci_high`` (the interval is for ``rate_from_previous``).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> stage_funnel(load_sample().leads)["stage"].to_list()[0]
    'lead'
    """
    frame = leads.collect() if isinstance(leads, pl.LazyFrame) else leads
    stages = funnel_stages(frame)
    reached = reached_exprs(frame)
    counts = frame.select([reached[s].sum().alias(s) if s != "lead" else pl.len().alias(s)
                           for s in stages]).row(0)
    out = pl.DataFrame({"stage": stages, "count": [int(c) for c in counts]})
    first = pl.col("count").first()
    prev = pl.col("count").shift(1)
    return out.with_columns(
        pl.when(prev.is_null()).then(1.0).otherwise(pl.col("count") / prev)
        .alias("rate_from_previous"),
        (pl.col("count") / first).alias("rate_from_first"),
        *wilson_exprs("count", prev),
    )



def funnel_table(leads: pl.DataFrame) -> pl.DataFrame:
    """The stage funnel with intervals for both step and cumulative conversion.

    ``stage, count, rate_from_previous, rate_from_first, ci_low, ci_high`` (interval of
    the step rate, as :func:`funnel.analyses.funnel.stage_funnel`) plus ``first_ci_low,
    first_ci_high`` (interval of the cumulative rate) and ``previous`` (the count the
    step rate is out of).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = funnel_table(load_sample().leads)
    >>> t.select("stage", "count").row(0)
    ('lead', 30000)
    """
    stages = funnel_stages(leads)
    counts = with_stage_rank(leads).select(
        [reached_rank(s).sum().alias(s) for s in stages]
    ).collect().row(0)
    out = pl.DataFrame({"stage": stages, "count": [int(c) for c in counts]})
    prev = pl.col("count").shift(1)
    return out.with_columns(
        pl.when(prev.is_null()).then(1.0).otherwise(pl.col("count") / prev)
        .alias("rate_from_previous"),
        (pl.col("count") / pl.col("count").first()).alias("rate_from_first"),
        *wilson_exprs("count", prev, prefix="ci"),
    ).with_columns(
        prev.alias("previous"),
        *wilson_exprs("count", pl.col("count").first(), prefix="first_ci"),
    )


def funnel_by(leads: pl.DataFrame, *, by: str, top: int = 12, merge_case: bool = True
              ) -> pl.DataFrame:
    """The funnel of each group of ``by``, in long form, side by side.

    The ``top`` largest groups are shown; the rest are summed into ``"(other)"`` (never
    dropped). Returns ``group, leads, stage, count, previous, rate_from_previous,
    rate_from_first, ci_low, ci_high, first_ci_low, first_ci_high`` (intervals as in
    :func:`funnel_table`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = funnel_by(load_sample().leads, by="source")
    >>> int(t.filter(pl.col("stage") == "lead")["count"].sum())
    30000
    """
    stages = funnel_stages(leads)  # the labels merged below do not change the stages
    if merge_case and by in ("source", "campaign", "owner"):
        leads = unify_labels(leads, columns=[by])
    numeric = leads.schema[by].is_numeric() if by in leads.columns else False
    wide = (with_stage_rank(leads)
            .group_by(group_expr(leads, by).alias("group"))
            .agg(pl.len().alias("leads"), *[reached_rank(s).sum().alias(s) for s in stages],
                 (pl.col(by).min() if numeric else pl.lit(0)).alias("_min"))
            .collect())
    # ranges of a number in their order (missing last); labels by size
    wide = (wide.sort("_min", nulls_last=True) if numeric
            else wide.sort(["leads", "group"], descending=[True, False])).drop("_min")
    if wide.height > top:
        head, rest = wide.head(top - 1), wide.slice(top - 1)
        other = rest.select(pl.lit(f"{OTHER} {rest.height} groups").alias("group"),
                            *[pl.col(s).sum() for s in ["leads", *stages]])
        wide = pl.concat([head, other], how="vertical_relaxed")
    long = wide.unpivot(index=["group", "leads"], on=stages, variable_name="stage",
                        value_name="count")
    order = {s: i for i, s in enumerate(stages)}
    long = long.with_columns(pl.col("stage").replace_strict(order).alias("_o")).sort(
        [pl.col("group").replace_strict({g: i for i, g in enumerate(wide["group"])}), "_o"])
    prev = pl.col("count").shift(1).over("group")
    return long.with_columns(
        prev.alias("previous"),
        pl.when(prev.is_null()).then(1.0).otherwise(pl.col("count") / prev)
        .alias("rate_from_previous"),
        (pl.col("count") / pl.col("leads")).alias("rate_from_first"),
        *wilson_exprs("count", prev, prefix="ci"),
        *wilson_exprs("count", "leads", prefix="first_ci"),
    ).drop("_o").with_columns(pl.col("count").cast(pl.Int64), pl.col("leads").cast(pl.Int64))


def maturity_days(leads: pl.DataFrame, *, q: float = 0.8) -> dict[str, float]:
    """Per stage, the days by which a share ``q`` of the leads that reached it had reached
    it (from creation). A cohort younger than this is still maturing for that stage.

    Uses the stage's date column (``closed_at`` for ``won``); a stage without dates is
    left out.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> round(maturity_days(load_sample().leads)["won"])
    69
    """
    if "created_at" not in leads.columns:
        return {}
    cols = dict(STAGE_DATES)
    out: dict[str, float] = {}
    exprs = {}
    for stage in STAGES[1:]:
        col = "closed_at" if stage == "won" else cols.get(stage)
        if col is None or col not in leads.columns:
            continue
        days = (pl.col(col) - pl.col("created_at")).dt.total_seconds() / 86400
        if stage == "won":
            days = days.filter(pl.col("outcome") == "won") if "outcome" in leads.columns \
                else days.filter(pl.lit(False))
        exprs[stage] = days.filter(days >= 0).quantile(q).alias(stage)
    if not exprs:
        return {}
    row = leads.select(list(exprs.values())).row(0, named=True)
    for stage, v in row.items():
        if v is not None:
            out[stage] = float(v)
    return out


def cohort_trend(
    leads: pl.DataFrame, *, now: dt.datetime | None = None, every: str = "1mo",
    mature: Mapping[str, float] | None = None, q: float = 0.8,
) -> pl.DataFrame:
    """Conversion by entry cohort (creation month), with recent cohorts flagged.

    Returns ``cohort, leads, stage, count, rate, ci_low, ci_high, age_days,
    mature_days, maturing`` per cohort and stage after ``lead``. ``age_days`` is the
    age of the cohort's youngest possible lead at ``now`` (default: the latest
    creation date); ``maturing`` is true while that age is below ``mature_days`` (see
    :func:`maturity_days`; null when the stage has no dates to judge by).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = cohort_trend(load_sample().leads)
    >>> t.filter(pl.col("stage") == "won").sort("cohort")["maturing"].to_list()[-2:]
    [True, True]
    """
    if "created_at" not in leads.columns:
        raise ValueError("a cohort trend needs creation dates")
    stages = funnel_stages(leads)[1:]
    now = now or leads["created_at"].max()
    mature = dict(mature) if mature is not None else maturity_days(leads, q=q)
    wide = (with_stage_rank(leads).filter(pl.col("created_at").is_not_null())
            .group_by(pl.col("created_at").dt.truncate(every).alias("cohort"))
            .agg(pl.len().alias("leads"), *[reached_rank(s).sum().alias(s) for s in stages])
            .collect().sort("cohort"))
    long = wide.unpivot(index=["cohort", "leads"], on=stages, variable_name="stage",
                        value_name="count")
    end = pl.col("cohort").dt.offset_by(every)
    age = (pl.lit(now) - end).dt.total_seconds() / 86400
    mature_days = pl.col("stage").replace_strict(mature, default=None, return_dtype=pl.Float64)
    return long.with_columns(
        pl.col("count").cast(pl.Int64), pl.col("leads").cast(pl.Int64),
        (pl.col("count") / pl.col("leads")).alias("rate"),
        *wilson_exprs("count", "leads", prefix="ci"),
        age.clip(lower_bound=0).alias("age_days"),
        mature_days.alias("mature_days"),
    ).with_columns(
        (pl.col("age_days") < pl.col("mature_days")).alias("maturing")
    ).sort("stage", "cohort")
