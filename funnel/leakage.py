"""Where leads leak: the funnel side by side by any attribute, entry cohorts, where and
why leads stop, and leads left behind (never followed up, stalled, recycled).

Pure functions over the canonical lead table (polars). Every count comes with the
number of leads it is out of; every rate with a 95% Wilson interval.

Decisions (documented in docs/leakage.md):

* **Near-duplicate labels** such as ``Google``/``google`` (X Education) are merged when
  they are equal after trimming, collapsing inner spaces and ignoring case; the merged
  group is shown under its most frequent spelling, and :func:`near_duplicate_labels`
  lists every merge so the user sees it. Labels that differ otherwise (``paid_search``
  vs ``Paid Search``) are left apart: that is a different spelling, not a typo of case.
* **Maturing cohorts**: a cohort is *maturing* for a stage while its youngest leads are
  younger than the time by which 80% of the leads that reached that stage had reached
  it (the 80th percentile of the time-to-stage distribution among those that got there,
  i.e. where the survival curve of time-to-stage among converters crosses 20%).
* **Recycled to marketing**: a lead whose status column (any text column named like
  ``status``) says nurture/bad timing/recycled/not now, or whose current ``stage`` is
  earlier than a stage it has a date for (a stage going backwards).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence

import polars as pl

from funnel.mapping import STAGES
from funnel.model import STAGE_DATES, Dataset
from funnel.response import export_end  # the export's end, one definition
from funnel.stats import wilson_exprs
from funnel.summary import stages_present

OTHER = "(other)"
NONE_LABEL = "(none)"
NO_REASON = "(no reason recorded)"
STILL_OPEN = "(still open)"
UNKNOWN = "(outcome unknown)"
RECYCLE_PATTERN = (r"(?i)\b(bad timing|nurtur\w*|recycl\w*|not ready|not now|later|future|"
                   r"long[- ]term|re-?engag\w*|back to marketing|timing)\b")
"""Status labels read as "sent back to marketing" (case-insensitive)."""


# ---------------------------------------------------------------------------------------
# small shared steps
# ---------------------------------------------------------------------------------------

def label_key(expr: pl.Expr) -> pl.Expr:
    """The comparison key of a label: trimmed, inner spaces collapsed, lower case."""
    return expr.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def near_duplicate_labels(leads: pl.DataFrame, *, column: str) -> pl.DataFrame:
    """Labels of ``column`` that differ only by case or spacing, and what they merge into.

    Returns ``label, merged_into, leads`` for every spelling in a group of two or more
    (the spelling with most leads is kept; ties go to the alphabetically first).

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"source": ["Google", "Google", "google", "Bing"]})
    >>> near_duplicate_labels(leads, column="source").rows()
    [('Google', 'Google', 2), ('google', 'Google', 1)]
    """
    schema = {"label": pl.String, "merged_into": pl.String, "leads": pl.UInt32}
    if column not in leads.columns or leads.schema[column] != pl.String:
        return pl.DataFrame(schema=schema)
    counts = (leads.lazy().select(pl.col(column).alias("label")).drop_nulls()
              .group_by("label").agg(pl.len().alias("leads"))
              .with_columns(label_key(pl.col("label")).alias("_k")))
    groups = (counts.sort(["leads", "label"], descending=[True, False])
              .group_by("_k", maintain_order=True)
              .agg(pl.col("label").first().alias("merged_into"), pl.len().alias("_n")))
    return (counts.join(groups.filter(pl.col("_n") > 1), on="_k", how="inner")
            .select("label", "merged_into", pl.col("leads").cast(pl.UInt32))
            .sort(["merged_into", "leads", "label"], descending=[False, True, False])
            .collect())


def unify_labels(leads: pl.DataFrame, *, columns: Sequence[str] = ("source", "campaign")
                 ) -> pl.DataFrame:
    """``leads`` with near-duplicate labels (case/spacing only) merged into one spelling.

    See :func:`near_duplicate_labels` for the merges made.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"source": ["Google", "Google", "google "]})
    >>> unify_labels(leads)["source"].to_list()
    ['Google', 'Google', 'Google']
    """
    out = leads
    for c in columns:
        merges = near_duplicate_labels(leads, column=c).filter(
            pl.col("label") != pl.col("merged_into"))
        if merges.height:
            out = out.with_columns(pl.col(c).replace(merges["label"], merges["merged_into"]))
    return out


def group_expr(leads: pl.DataFrame | pl.LazyFrame, by: str, *, bins: int = 5) -> pl.Expr:
    """A text grouping key for ``by``: labels as they are (missing → ``"(none)"``),
    yes/no as ``"yes"``/``"no"``, numbers in up to ``bins`` quantile ranges, dates by month.
    """
    schema = leads.collect_schema()
    if by not in schema:
        raise KeyError(f"no column {by!r} among the leads")
    dtype = schema[by]
    col = pl.col(by)
    if dtype == pl.Boolean:
        key = pl.when(col).then(pl.lit("yes")).when(~col).then(pl.lit("no"))
    elif isinstance(dtype, pl.Datetime | pl.Date):
        key = col.dt.strftime("%Y-%m")
    elif dtype.is_numeric():
        frame = leads.collect() if isinstance(leads, pl.LazyFrame) else leads
        values = frame[by].drop_nulls()
        qs = sorted({float(values.quantile(i / bins)) for i in range(1, bins)}
                    ) if values.len() else []
        key = col.cast(pl.String) if values.n_unique() <= bins else _ranges(col, qs)
    else:
        key = col.cast(pl.String)
    return key.fill_null(NONE_LABEL)


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2g}"


def _ranges(col: pl.Expr, cuts: Sequence[float]) -> pl.Expr:
    """Text ranges ``"< a"``, ``"a – b"``, ``"≥ z"`` (left-closed) for numeric values."""
    if not cuts:
        return col.cast(pl.String)
    expr = pl.when(col < cuts[0]).then(pl.lit(f"< {_num(cuts[0])}"))
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        expr = expr.when(col < hi).then(pl.lit(f"{_num(lo)} – {_num(hi)}"))
    return expr.when(col.is_not_null()).then(pl.lit(f"≥ {_num(cuts[-1])}"))


_RANK = {s: i for i, s in enumerate(STAGES)}


def stage_rank_expr(leads: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """The index in ``STAGES`` of the furthest stage each lead reached (0 = ``lead``).

    The same evidence as :func:`funnel.summary.reached_exprs` (a stage date, the
    current-stage column, a won outcome), in one pass: a lead reached stage ``s`` exactly
    when its rank is at least ``STAGES.index(s)``.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"sql_at": [None, 1], "stage": ["mql", None],
    ...                       "outcome": ["open", "won"]})
    >>> leads.select(stage_rank_expr(leads))[:, 0].to_list()
    [1, 5]
    """
    cols = leads.collect_schema().names()
    parts: list[pl.Expr] = [pl.lit(0, dtype=pl.Int8)]
    for stage, col in STAGE_DATES.items():
        if col in cols:
            parts.append(pl.when(pl.col(col).is_not_null()).then(pl.lit(_RANK[stage],
                                                                        dtype=pl.Int8)))
    if "stage" in cols:
        parts.append(pl.col("stage").replace_strict(_RANK, default=None, return_dtype=pl.Int8))
    if "outcome" in cols:
        parts.append(pl.when(pl.col("outcome") == "won").then(pl.lit(_RANK["won"],
                                                                     dtype=pl.Int8)))
    return pl.max_horizontal(parts).alias("_rank")


def _ranked(leads: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """``leads`` (lazy) with the ``_rank`` column of :func:`stage_rank_expr`."""
    return leads.lazy().with_columns(stage_rank_expr(leads))


def _reached(stage: str) -> pl.Expr:
    return pl.col("_rank") >= _RANK[stage]


def _rates(count: str | pl.Expr, n: str | pl.Expr, prefix: str) -> list[pl.Expr]:
    return wilson_exprs(count, n, prefix=prefix)


# ---------------------------------------------------------------------------------------
# 1. the funnel, side by side, and by entry cohort
# ---------------------------------------------------------------------------------------

def funnel_table(leads: pl.DataFrame) -> pl.DataFrame:
    """The stage funnel with intervals for both step and cumulative conversion.

    ``stage, count, rate_from_previous, rate_from_first, ci_low, ci_high`` (interval of
    the step rate, as :func:`funnel.summary.stage_funnel`) plus ``first_ci_low,
    first_ci_high`` (interval of the cumulative rate) and ``previous`` (the count the
    step rate is out of).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = funnel_table(load_sample().leads)
    >>> t.select("stage", "count").row(0)
    ('lead', 30000)
    """
    stages = stages_present(leads)
    counts = _ranked(leads).select(
        [pl.len().alias("lead")] + [_reached(s).sum().alias(s) for s in stages[1:]]
    ).collect().row(0)
    out = pl.DataFrame({"stage": stages, "count": [int(c) for c in counts]})
    prev = pl.col("count").shift(1)
    return out.with_columns(
        pl.when(prev.is_null()).then(1.0).otherwise(pl.col("count") / prev)
        .alias("rate_from_previous"),
        (pl.col("count") / pl.col("count").first()).alias("rate_from_first"),
        *_rates("count", prev, "ci"),
    ).with_columns(
        prev.alias("previous"),
        *_rates("count", pl.col("count").first(), "first_ci"),
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
    if merge_case and by in ("source", "campaign", "owner"):
        leads = unify_labels(leads, columns=[by])
    stages = stages_present(leads)
    numeric = leads.schema[by].is_numeric() if by in leads.columns else False
    wide = (_ranked(leads)
            .group_by(group_expr(leads, by).alias("group"))
            .agg(pl.len().alias("lead"), *[_reached(s).sum().alias(s) for s in stages[1:]],
                 (pl.col(by).min() if numeric else pl.lit(0)).alias("_min"))
            .collect())
    # ranges of a number in their order (missing last); labels by size
    wide = (wide.sort("_min", nulls_last=True) if numeric
            else wide.sort(["lead", "group"], descending=[True, False])).drop("_min")
    if wide.height > top:
        head, rest = wide.head(top - 1), wide.slice(top - 1)
        other = rest.select(pl.lit(f"{OTHER} {rest.height} groups").alias("group"),
                            *[pl.col(s).sum() for s in stages])
        wide = pl.concat([head, other], how="vertical_relaxed")
    long = (wide.with_columns(pl.col("lead").alias("leads"))
            .unpivot(index=["group", "leads"], on=stages, variable_name="stage",
                     value_name="count"))
    order = {s: i for i, s in enumerate(stages)}
    long = long.with_columns(pl.col("stage").replace_strict(order).alias("_o")).sort(
        [pl.col("group").replace_strict({g: i for i, g in enumerate(wide["group"])}), "_o"])
    prev = pl.col("count").shift(1).over("group")
    return long.with_columns(
        prev.alias("previous"),
        pl.when(prev.is_null()).then(1.0).otherwise(pl.col("count") / prev)
        .alias("rate_from_previous"),
        (pl.col("count") / pl.col("leads")).alias("rate_from_first"),
        *_rates("count", prev, "ci"),
        *_rates("count", "leads", "first_ci"),
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
    stages = stages_present(leads)[1:]
    now = now or leads["created_at"].max()
    mature = dict(mature) if mature is not None else maturity_days(leads, q=q)
    wide = (_ranked(leads).filter(pl.col("created_at").is_not_null())
            .group_by(pl.col("created_at").dt.truncate(every).alias("cohort"))
            .agg(pl.len().alias("leads"), *[_reached(s).sum().alias(s) for s in stages])
            .collect().sort("cohort"))
    long = wide.unpivot(index=["cohort", "leads"], on=stages, variable_name="stage",
                        value_name="count")
    end = pl.col("cohort").dt.offset_by(every)
    age = (pl.lit(now) - end).dt.total_seconds() / 86400
    mature_days = pl.col("stage").replace_strict(mature, default=None, return_dtype=pl.Float64)
    return long.with_columns(
        pl.col("count").cast(pl.Int64), pl.col("leads").cast(pl.Int64),
        (pl.col("count") / pl.col("leads")).alias("rate"),
        *_rates("count", "leads", "ci"),
        age.clip(lower_bound=0).alias("age_days"),
        mature_days.alias("mature_days"),
    ).with_columns(
        (pl.col("age_days") < pl.col("mature_days")).alias("maturing")
    ).sort("stage", "cohort")


# ---------------------------------------------------------------------------------------
# 2. where and why they stop
# ---------------------------------------------------------------------------------------

def furthest_stage_expr(leads: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """The furthest stage each lead reached, among the stages the data has (its name;
    see :func:`stage_rank_expr`)."""
    names = {i: s for s, i in _RANK.items()}
    return stage_rank_expr(leads).replace_strict(names, return_dtype=pl.String)


def _status_expr(cols: Sequence[str]) -> pl.Expr:
    if "outcome" not in cols:
        return pl.lit("unknown")
    return pl.col("outcome").fill_null("unknown")


def stage_exits(leads: pl.DataFrame) -> pl.DataFrame:
    """How many leads stopped at each stage, split by how they ended.

    A lead stopped at the furthest stage it reached (won leads do not stop). Returns
    ``stage, reached, stopped, lost, open, unknown, stop_rate, ci_low, ci_high``
    (``stop_rate = stopped / reached``, with its interval).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = stage_exits(load_sample().leads)
    >>> int(t["stopped"].sum()) + 899 == 30000
    True
    """
    stages = stages_present(leads)
    # one pass: leads per (furthest stage, outcome); reaching a stage is having a
    # furthest stage at or beyond it (reached_exprs never increases down the funnel)
    counts = (leads.lazy()
              .group_by(furthest_stage_expr(leads).alias("stage"),
                        _status_expr(leads.columns).alias("status"))
              .agg(pl.len().alias("n")).collect())
    n = {(r["stage"], r["status"]): int(r["n"]) for r in counts.iter_rows(named=True)}
    rows = []
    for i, s_ in enumerate(stages):
        if s_ == "won":
            continue
        lost, open_, unknown = (n.get((s_, k), 0) for k in ("lost", "open", "unknown"))
        reached = sum(v for (st_, _), v in n.items() if st_ in stages[i:])
        rows.append({"stage": s_, "reached": reached, "stopped": lost + open_ + unknown,
                     "lost": lost, "open": open_, "unknown": unknown})
    schema = {"stage": pl.String, "reached": pl.Int64, "stopped": pl.Int64,
              "lost": pl.Int64, "open": pl.Int64, "unknown": pl.Int64}
    return pl.DataFrame(rows, schema=schema).with_columns(
        (pl.col("stopped") / pl.col("reached")).alias("stop_rate"),
        *_rates("stopped", "reached", "ci"))


def reason_labels(leads: pl.DataFrame) -> pl.DataFrame:
    """Every loss reason with its lead count (the input of a category editor).

    Returns ``reason, leads`` sorted by count; missing reasons are not listed.
    """
    if "lost_reason" not in leads.columns:
        return pl.DataFrame(schema={"reason": pl.String, "leads": pl.UInt32})
    return (leads.lazy().select(pl.col("lost_reason").alias("reason")).drop_nulls()
            .group_by("reason").agg(pl.len().alias("leads"))
            .sort(["leads", "reason"], descending=[True, False]).collect())


def stop_reasons(
    leads: pl.DataFrame, *, categories: Mapping[str, str] | None = None,
    by: str | None = None,
) -> pl.DataFrame:
    """Why leads stopped, per stage where they stopped (and per ``by`` group).

    ``categories`` maps raw ``lost_reason`` labels to a category chosen by the user;
    labels it does not name stay as they are. Lost leads without a reason count as
    ``"(no reason recorded)"``, leads still open as ``"(still open)"``, so the counts
    add up to all leads that stopped. Returns ``stage, [by,] reason, leads, stopped,
    share`` (``share = leads / stopped`` of that stage and group).

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"lead_id": ["a", "b", "c"], "outcome": ["lost", "lost", "open"],
    ...                       "lost_reason": ["Price", "Budget", None]})
    >>> t = stop_reasons(leads, categories={"Price": "Money", "Budget": "Money"})
    >>> t.select("stage", "reason", "leads", "stopped").rows()
    [('lead', 'Money', 2, 3), ('lead', '(still open)', 1, 3)]
    """
    cols = leads.columns
    status = _status_expr(cols)
    raw = pl.col("lost_reason") if "lost_reason" in cols else pl.lit(None, pl.String)
    if categories:
        raw = raw.replace(list(categories), list(categories.values()))
    reason = (pl.when(status == "open").then(pl.lit(STILL_OPEN))
              .when(status == "unknown").then(pl.lit(UNKNOWN))
              .otherwise(raw.fill_null(NO_REASON)))
    keys = ["stage"] + ([by] if by else [])
    # count by the raw fields first (cheap), then name stages and reasons on the counts
    frame = _ranked(leads).filter(pl.col("_rank") != _RANK["won"])
    if by:
        frame = frame.with_columns(group_expr(leads, by).alias(by))
    lost_reason = pl.col("lost_reason") if "lost_reason" in cols else pl.lit(None, pl.String)
    counts = frame.group_by("_rank", *keys[1:], status.alias("_status"),
                            lost_reason.alias("lost_reason")).agg(pl.len().alias("leads"))
    names = {i: s for s, i in _RANK.items()}
    counts = counts.with_columns(
        pl.col("_rank").replace_strict(names, return_dtype=pl.String).alias("stage"),
        pl.col("_status").alias("outcome"))
    order = {s: i for i, s in enumerate(STAGES)}
    return (counts.group_by(*keys, reason.alias("reason")).agg(pl.col("leads").sum())
            .with_columns(pl.col("leads").sum().over(keys).alias("stopped"))
            .with_columns((pl.col("leads") / pl.col("stopped")).alias("share"))
            .with_columns(pl.col("leads").cast(pl.Int64), pl.col("stopped").cast(pl.Int64))
            .sort([pl.col("stage").replace_strict(order), *keys[1:], "leads", "reason"],
                  descending=[False] * len(keys) + [True, False])
            .collect())


def stopped_leads(
    leads: pl.DataFrame, *, stage: str, reason: str | None = None,
    categories: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The leads that stopped at ``stage`` (and, if given, for ``reason`` as
    :func:`stop_reasons` names it, categories applied): the rows behind a number there.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"lead_id": ["a", "b", "c"], "outcome": ["lost", "lost", "open"],
    ...                       "lost_reason": ["Price", "Budget", None]})
    >>> stopped_leads(leads, stage="lead", reason="Money",
    ...               categories={"Price": "Money", "Budget": "Money"})["lead_id"].to_list()
    ['a', 'b']
    """
    cols = leads.columns
    status = _status_expr(cols)
    raw = pl.col("lost_reason") if "lost_reason" in cols else pl.lit(None, pl.String)
    if categories:
        raw = raw.replace(list(categories), list(categories.values()))
    named = (pl.when(status == "open").then(pl.lit(STILL_OPEN))
             .when(status == "unknown").then(pl.lit(UNKNOWN))
             .otherwise(raw.fill_null(NO_REASON)))
    keep = furthest_stage_expr(leads) == stage
    if reason is not None:
        keep = keep & (named == reason)
    return leads.filter(keep)


def reason_categories(reasons: Sequence[str], *, edits: Mapping[str, str] | None = None
                      ) -> dict[str, str]:
    """A reason → category map: each label its own category unless ``edits`` names one.

    Labels that differ only in case or spacing share the most common spelling's
    category. Blank edits are ignored.

    Examples
    --------
    >>> reason_categories(["Price too high", "No budget"], edits={"No budget": "Money"})
    {'Price too high': 'Price too high', 'No budget': 'Money'}
    """
    edits = {k: v.strip() for k, v in (edits or {}).items() if v and v.strip()}
    out: dict[str, str] = {}
    for r in reasons:
        out[r] = edits.get(r, r)
    return out


# ---------------------------------------------------------------------------------------
# leads left behind: never followed up, stalled, recycled
# ---------------------------------------------------------------------------------------

def recycle_rule(leads: pl.DataFrame) -> tuple[pl.Expr | None, str]:
    """How "recycled to marketing" is read from these leads, and a sentence saying so.

    A text column named like ``status`` whose labels match :data:`RECYCLE_PATTERN`
    (e.g. HubSpot's ``Lead Status = Bad Timing``), and/or a current ``stage`` earlier
    than a stage the lead has a date for. ``(None, reason)`` when the data has neither.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> recycle_rule(load_sample().leads)[1]
    "Lead Status is 'Bad Timing'"
    """
    parts: list[pl.Expr] = []
    said: list[str] = []
    pat = re.compile(RECYCLE_PATTERN)
    for c, t in leads.schema.items():
        if t == pl.String and "status" in c.lower() and c not in ("outcome", "stage"):
            labels = [v for v in leads[c].drop_nulls().unique().sort().to_list()
                      if pat.search(v)]
            if labels:
                parts.append(pl.col(c).is_in(labels).fill_null(False))
                said.append(f"{c} is " + " or ".join(repr(v) for v in labels))
    if "stage" in leads.columns:
        rank = {s: i for i, s in enumerate(STAGES)}
        # only stages the stage column uses: HubSpot has no SAL lifecycle stage, so a
        # lead at "mql" with a SAL date has not gone backwards
        used = set(leads["stage"].drop_nulls().unique().to_list())
        dated = [(rank[s], c) for s, c in STAGE_DATES.items()
                 if c in leads.columns and s in used]
        if dated:
            cur = pl.col("stage").replace_strict(rank, default=None, return_dtype=pl.Int64)
            top = pl.max_horizontal([pl.when(pl.col(c).is_not_null()).then(pl.lit(r))
                                     for r, c in dated])
            back = (cur < top).fill_null(False)
            if leads.select(back.any()).item():
                parts.append(back)
                said.append("the current stage is earlier than a stage it has a date for")
    if not parts:
        return None, ("no status column with nurture/bad-timing labels and no stage going "
                      "backwards: recycling cannot be seen in this data")
    return pl.any_horizontal(parts), "; or ".join(said)


LATEST_ACTIVITY = "latest_activity_at"
"""Column :func:`with_latest_activity` adds: each lead's latest activity time."""


def with_latest_activity(ds: Dataset) -> Dataset:
    """``ds`` with ``latest_activity_at`` on each lead (its latest activity; empty without
    one), so :func:`leak_flags` need not scan the activities again after every filter.

    A lead's activities do not change under a lead filter, so this can be computed once
    per dataset, before filtering. Without activities, ``ds`` itself.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = with_latest_activity(load_sample())
    >>> int(ds.leads["latest_activity_at"].is_not_null().sum())
    25460
    """
    if ds.activities is None or "at" not in ds.activities.columns \
            or LATEST_ACTIVITY in ds.leads.columns:
        return ds
    last = ds.activities.group_by("lead_id").agg(pl.col("at").max().alias(LATEST_ACTIVITY))
    leads = ds.leads.join(last, on="lead_id", how="left", maintain_order="left")
    return dataclasses.replace(ds, leads=leads)


def leak_flags(
    ds: Dataset, *, now: dt.datetime | None = None, stalled_days: float = 30,
) -> pl.DataFrame:
    """Per lead: never followed up, stalled and recycled flags, and the last activity.

    * ``never_touched``: no sales touch at all by the export's end (no first response
      and no activity); null when the data has no touch information.
    * ``stalled``: still open (or outcome unknown) and nothing happened for more than
      ``stalled_days`` days before ``now`` (default: :func:`export_end`). "Something
      happened" is the latest of creation, assignment, stage dates, first response and
      any activity.
    * ``recycled``: see :func:`recycle_rule`; null when the data cannot show it.

    Returns ``lead_id, last_activity_at, idle_days, never_touched, stalled, recycled``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> f = leak_flags(load_sample())
    >>> round(f["never_touched"].mean(), 3)
    0.151
    """
    leads = ds.leads
    cols = leads.columns
    now = now or export_end(ds)
    dated = [c for c in ("created_at", "assigned_at", *STAGE_DATES.values(), "closed_at",
                         "first_response_at", LATEST_ACTIVITY) if c in cols]
    frame = leads.lazy().select("lead_id", *dated, *[c for c in ("outcome", "touches")
                                                       if c in cols])
    if LATEST_ACTIVITY in cols:
        pass  # already on the leads (with_latest_activity)
    elif ds.activities is not None and "at" in ds.activities.columns:
        last = ds.activities.lazy().group_by("lead_id").agg(pl.col("at").max().alias("_act"))
        frame = frame.join(last, on="lead_id", how="left", maintain_order="left")
        dated.append("_act")
    last_at = pl.max_horizontal([pl.col(c) for c in dated]) if dated else pl.lit(None,
                                                                                  pl.Datetime)
    if "first_response_at" in cols or ds.activities is not None:
        touched = pl.lit(False)
        if "first_response_at" in cols:
            touched = touched | pl.col("first_response_at").is_not_null()
        if "touches" in cols:
            touched = touched | (pl.col("touches").fill_null(0) > 0)
        never = ~touched
    else:
        never = pl.lit(None, pl.Boolean)
    open_ = (pl.col("outcome").fill_null("open") == "open") if "outcome" in cols \
        else pl.lit(True)
    idle = ((pl.lit(now) - last_at).dt.total_seconds() / 86400) if now is not None \
        else pl.lit(None, pl.Float64)
    recycled, _ = recycle_rule(leads)
    out = frame.select(
        "lead_id", last_at.alias("last_activity_at"), idle.alias("idle_days"),
        never.alias("never_touched"),
        (open_ & (idle > stalled_days)).alias("stalled"),
    ).collect()
    rec = leads.select(recycled.alias("recycled")) if recycled is not None else \
        pl.DataFrame({"recycled": pl.repeat(None, leads.height, dtype=pl.Boolean, eager=True)})
    return out.with_columns(rec["recycled"])


def leak_summary(leads: pl.DataFrame, flags: pl.DataFrame, *, by: str | None = None
                 ) -> pl.DataFrame:
    """Counts and shares (with intervals) of never-touched, stalled and recycled leads.

    ``flags`` is :func:`leak_flags` of the same leads (row for row). Returns, per
    ``by`` group (or one row ``"all"``): ``group, leads`` and for each flag ``<flag>``,
    ``<flag>_share``, ``<flag>_ci_low``, ``<flag>_ci_high`` (null where unknown).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = load_sample()
    >>> s = leak_summary(ds.leads, leak_flags(ds))
    >>> s.select("leads", "recycled").row(0)
    (30000, 3983)
    """
    frame = flags.select("never_touched", "stalled", "recycled")
    key = group_expr(leads, by) if by else pl.repeat("all", leads.height)
    frame = frame.with_columns(leads.select(key.alias("group"))["group"])
    aggs = []
    for f in ("never_touched", "stalled", "recycled"):
        known = pl.col(f).is_not_null().any()
        aggs.append(pl.when(known).then(pl.col(f).sum()).alias(f))
    out = frame.group_by("group").agg(pl.len().alias("leads"), *aggs)
    extra = []
    for f in ("never_touched", "stalled", "recycled"):
        extra += [(pl.col(f) / pl.col("leads")).alias(f"{f}_share"),
                  *_rates(f, "leads", f"{f}_ci")]
    return (out.with_columns(pl.col("leads").cast(pl.Int64),
                             *[pl.col(f).cast(pl.Int64) for f in
                               ("never_touched", "stalled", "recycled")])
            .with_columns(extra).sort(["leads", "group"], descending=[True, False]))
