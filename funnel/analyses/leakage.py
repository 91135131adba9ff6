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

from funnel.dataset.labels import group_expr
from funnel.dataset.schema import STAGE_DATES, STAGES, is_text
from funnel.dataset.stages import STAGE_RANK, funnel_stages, furthest_stage_expr, with_stage_rank
from funnel.dataset.tables import (
    Dataset,
    export_end,  # the export's end, one definition
)
from funnel.ingest.checks import ACTIVITY_EXPORT
from funnel.stats.intervals import wilson_exprs

NO_REASON = "(no reason recorded)"
RECYCLE_PATTERN = (r"(?i)\b(bad timing|nurtur\w*|recycl\w*|not ready|not now|later|future|"
                   r"long[- ]term|re-?engag\w*|back to marketing|timing)\b")
"""Status labels read as "sent back to marketing" (case-insensitive)."""


# ---------------------------------------------------------------------------------------
# small shared steps
# ---------------------------------------------------------------------------------------




# ---------------------------------------------------------------------------------------
# 1. the funnel, side by side, and by entry cohort
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# 2. where and why they stop
# ---------------------------------------------------------------------------------------


def _status_expr(cols: Sequence[str]) -> pl.Expr:
    if "outcome" not in cols:
        return pl.lit("unknown")
    return pl.col("outcome").fill_null("unknown")


def stage_exits(leads: pl.DataFrame) -> pl.DataFrame:
    """How many leads stopped at each stage, and how many are still there.

    A lead *stopped* at a stage when it was lost there: closed without reaching the
    next stage (its furthest stage). Leads whose furthest stage this is and that are
    still open (``open``), or whose outcome is unknown (``unknown``), have not stopped
    and are counted apart; won leads do not stop. Returns ``stage, reached, stopped,
    lost, open, unknown, stop_rate, ci_low, ci_high`` (``stopped`` equals ``lost``;
    ``stop_rate = stopped / reached``, with its interval).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = stage_exits(load_sample().leads)
    >>> t.select("stage", "reached", "stopped", "open").row(0)
    ('lead', 30000, 4403, 8314)
    """
    stages = funnel_stages(leads)
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
        rows.append({"stage": s_, "reached": reached, "stopped": lost,
                     "lost": lost, "open": open_, "unknown": unknown})
    schema = {"stage": pl.String, "reached": pl.Int64, "stopped": pl.Int64,
              "lost": pl.Int64, "open": pl.Int64, "unknown": pl.Int64}
    return pl.DataFrame(rows, schema=schema).with_columns(
        (pl.col("stopped") / pl.col("reached")).alias("stop_rate"),
        *wilson_exprs("stopped", "reached", prefix="ci"))


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

    Only leads that stopped count, as in :func:`stage_exits`: lost at their furthest
    stage (leads still open, or of unknown outcome, have not stopped).
    ``categories`` maps raw ``lost_reason`` labels to a category chosen by the user;
    labels it does not name stay as they are. Lost leads without a reason count as
    ``"(no reason recorded)"``, so the counts add up to all leads that stopped. Returns
    ``stage, [by,] reason, leads, stopped, share`` (``share = leads / stopped`` of that
    stage and group).

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"lead_id": ["a", "b", "c"], "outcome": ["lost", "lost", "open"],
    ...                       "lost_reason": ["Price", "Budget", None]})
    >>> t = stop_reasons(leads, categories={"Price": "Money", "Budget": "Money"})
    >>> t.select("stage", "reason", "leads", "stopped").rows()
    [('lead', 'Money', 2, 2)]
    """
    cols = leads.columns
    status = _status_expr(cols)
    raw = pl.col("lost_reason") if "lost_reason" in cols else pl.lit(None, pl.String)
    if categories:
        raw = raw.replace(list(categories), list(categories.values()))
    reason = raw.fill_null(NO_REASON)
    keys = ["stage"] + ([by] if by else [])
    # count by the raw fields first (cheap), then name stages and reasons on the counts
    frame = with_stage_rank(leads).filter((pl.col("_rank") != STAGE_RANK["won"])
                                          & (status == "lost"))
    if by:
        frame = frame.with_columns(group_expr(leads, by).alias(by))
    lost_reason = pl.col("lost_reason") if "lost_reason" in cols else pl.lit(None, pl.String)
    counts = frame.group_by("_rank", *keys[1:], lost_reason.alias("lost_reason")
                            ).agg(pl.len().alias("leads"))
    names = {i: s for s, i in STAGE_RANK.items()}
    counts = counts.with_columns(
        pl.col("_rank").replace_strict(names, return_dtype=pl.String).alias("stage"))
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
    """The leads that stopped at ``stage`` (lost there; and, if given, for ``reason`` as
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
    keep = (furthest_stage_expr(leads) == stage) & (status == "lost")
    if reason is not None:
        keep = keep & (raw.fill_null(NO_REASON) == reason)
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
        if is_text(t) and "status" in c.lower() and c not in ("outcome", "stage"):
            labels = [v for v in leads[c].cast(pl.String).drop_nulls().unique().sort().to_list()
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
    recycle: tuple[pl.Expr | None, str] | None = None,
) -> pl.DataFrame:
    """Per lead: never followed up, stalled and recycled flags, and the last activity.

    * ``never_touched``: no sales touch at all by the export's end (no first response
      and no activity); null when the data has no touch information.
    * ``stalled``: still open (or outcome unknown) and nothing happened for more than
      ``stalled_days`` days before ``now`` (default: :func:`export_end`). "Something
      happened" is the latest of creation, assignment, stage dates, first response and
      any activity. Null without dated activities (idle time cannot be seen from stage
      dates alone) or without any date; :func:`unavailable_flags` says why.
    * ``recycled``: see :func:`recycle_rule`; null when the data cannot show it.
      ``recycle`` is that rule when the caller has it already (of these same leads).

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
    acts = _dated_activities(ds)
    if LATEST_ACTIVITY in cols:
        pass  # already on the leads (with_latest_activity)
    elif acts:
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
    recycled, _ = recycle if recycle is not None else recycle_rule(leads)
    stalled = (open_ & (idle > stalled_days)) if acts and now is not None \
        else pl.lit(None, pl.Boolean)
    out = frame.select(
        "lead_id", last_at.alias("last_activity_at"), idle.alias("idle_days"),
        never.alias("never_touched"), stalled.alias("stalled"),
    ).collect()
    rec = leads.select(recycled.alias("recycled")) if recycled is not None else \
        pl.DataFrame({"recycled": pl.repeat(None, leads.height, dtype=pl.Boolean, eager=True)})
    return out.with_columns(rec["recycled"])


def _dated_activities(ds: Dataset) -> bool:
    """Whether ``ds`` has activities with a time (or their latest time on the leads)."""
    if LATEST_ACTIVITY in ds.leads.columns:
        return True
    acts = ds.activities
    return acts is not None and "at" in acts.columns and acts["at"].null_count() < acts.height


def unavailable_flags(ds: Dataset, *, recycle: tuple[pl.Expr | None, str] | None = None
                      ) -> dict[str, str]:
    """The :func:`leak_flags` this data cannot show, each with why and what would enable
    it (flags it can show are not listed). ``recycle`` is :func:`recycle_rule` of these
    leads when the caller has it already.

    Examples
    --------
    >>> import polars as pl
    >>> from funnel.dataset.schema import Mapping
    >>> from funnel.dataset.tables import Dataset, Health
    >>> leads = pl.DataFrame({"lead_id": ["a"], "outcome": ["open"]})
    >>> ds = Dataset(leads, None, None, None, [], Mapping(), Health([], leads, [], []))
    >>> sorted(unavailable_flags(ds))
    ['never_touched', 'recycled', 'stalled']
    >>> from funnel.sample import load_sample
    >>> unavailable_flags(load_sample())
    {}
    """
    out = {}
    cols = ds.leads.columns
    if "first_response_at" not in cols and ds.activities is None:
        out["never_touched"] = ("needs sales activities or a first-response date; load "
                                + ACTIVITY_EXPORT)
    if not _dated_activities(ds):
        out["stalled"] = ("needs sales activities with dates, as idle time cannot be seen "
                          f"from stage dates alone; load {ACTIVITY_EXPORT}")
    elif export_end(ds) is None:
        out["stalled"] = "no dates in this data: idle time cannot be measured"
    rule, why = recycle if recycle is not None else recycle_rule(ds.leads)
    if rule is None:
        out["recycled"] = why
    return out


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
                  *wilson_exprs(f, "leads", prefix=f"{f}_ci")]
    return (out.with_columns(pl.col("leads").cast(pl.Int64),
                             *[pl.col(f).cast(pl.Int64) for f in
                               ("never_touched", "stalled", "recycled")])
            .with_columns(extra).sort(["leads", "group"], descending=[True, False]))
