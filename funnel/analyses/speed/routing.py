"""Routing and persistence: who gets the lead, how fast, and how hard they try.

The lead appears in the CRM, is recorded as handled, and waits for the wrong person.
This module measures

* time to assign (``assigned_at - created_at``) per owner;
* reassignments: changes of owner between a lead's consecutive activities, and leads
  first worked by someone other than their (current) owner;
* unassigned leads (no owner) and what happens to them;
* each owner's load against their speed and their conversion on *comparable* leads
  (rates standardised to the overall source mix, so a rep who gets the good sources
  does not look better for it);
* persistence: touches before contact (a lead counts as contacted when it reached
  ``sal`` or later — accepted by sales after a conversation) or before giving up, and
  the share of leads abandoned after one or two attempts.

Pure functions over a :class:`~funnel.dataset.tables.Dataset` or its lead table.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from funnel.analyses.speed.clock import BusinessClock, hours_between
from funnel.analyses.speed.curve import standardised
from funnel.analyses.speed.times import Leads, outcomes, response_lf, within_sla
from funnel.analyses.speed.views import response_percentiles
from funnel.analyses.velocity import settling_columns
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.stages import reached_exprs
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.intervals import wilson_exprs

__all__ = [
    "assignment_times",
    "owner_scorecard",
    "persistence",
    "reassignments",
    "unassigned_summary",
]



def _owner(leads: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    if "owner" not in leads.lazy().collect_schema().names():
        raise ValueError("no owner column: routing cannot be analysed")
    return pl.col("owner").cast(pl.String).fill_null(NONE_LABEL).alias("owner")


def assignment_times(
    leads: pl.DataFrame | pl.LazyFrame, *, clock: BusinessClock | None = None
) -> pl.DataFrame:
    """Hours from creation to assignment (``assigned_at``), per owner.

    A lead assigned before it was created counts as 0 h. For a reassigned lead the
    CRM's assignment date is usually the hand-over, so a slow owner here may be one who
    receives leads late from others.

    Returns
    -------
    polars.DataFrame
        ``owner, leads, with_time, median_hours, p90_hours, over_1h, over_1h_share``
        (``over_1h`` = assigned one hour or more after creation), sorted by leads.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = assignment_times(load_sample().leads)
    >>> t.filter(t["owner"] == "Priya Shah")["median_hours"][0] > 10
    True
    """
    lf = leads.lazy()
    cols = lf.collect_schema().names()
    if "assigned_at" not in cols or "created_at" not in cols:
        raise ValueError("no assignment time (assigned_at): time to assign is unknown")
    hours = hours_between(pl.col("created_at"), pl.col("assigned_at"), clock=clock,
                          ).clip(lower_bound=0.0)
    return (lf.with_columns(_owner(lf), hours.alias("_h"))
            .group_by("owner")
            .agg(pl.len().cast(pl.Int64).alias("leads"),
                 pl.col("_h").is_not_null().sum().cast(pl.Int64).alias("with_time"),
                 pl.col("_h").median().alias("median_hours"),
                 pl.col("_h").quantile(0.9, "nearest").alias("p90_hours"),
                 (pl.col("_h") >= 1).sum().cast(pl.Int64).alias("over_1h"))
            .with_columns(pl.when(pl.col("with_time") > 0)
                          .then(pl.col("over_1h") / pl.col("with_time")).alias("over_1h_share"))
            .sort(["leads", "owner"], descending=[True, False]).collect())


def reassignments(ds: Dataset) -> pl.DataFrame:
    """Owner changes in the activities and leads first worked by someone else, per owner.

    An owner change is two consecutive activities of one lead (in time order) done by
    different people (activities without an owner are skipped). ``first_by_other``
    counts leads whose first activity was done by someone other than the lead's owner.

    Returns
    -------
    polars.DataFrame
        ``owner, leads, worked, reassigned, reassigned_share, owner_changes,
        first_by_other, first_by_other_share, ci_low, ci_high`` (shares of ``worked``
        leads, i.e. with at least one activity; interval for ``first_by_other_share``).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = reassignments(load_sample())
    >>> float(t.filter(t["owner"] == "Priya Shah")["first_by_other_share"][0]) > 0.15
    True
    """
    if ds.activities is None or "owner" not in ds.activities.columns:
        raise ValueError("no activities with an owner: reassignments cannot be seen")
    acts = (ds.activities.lazy()
            .filter(pl.col("owner").is_not_null() & pl.col("at").is_not_null())
            .select("lead_id", "at", pl.col("owner").cast(pl.String).alias("_by"))
            .sort("lead_id", "at"))
    # elementwise on the sorted frame (fast), then plain sums per lead
    same_lead = pl.col("lead_id") == pl.col("lead_id").shift(1)
    per_lead = (acts.with_columns(
        (same_lead & (pl.col("_by") != pl.col("_by").shift(1))).fill_null(False).alias("_chg"))
        .group_by("lead_id")
        .agg(pl.col("_chg").sum().cast(pl.Int64).alias("_changes"),
             pl.col("_by").first().alias("_first_by")))
    leads = ds.leads.lazy().select("lead_id", _owner(ds.leads))
    j = leads.join(per_lead, on="lead_id", how="left")
    worked = pl.col("_first_by").is_not_null()
    return (j.group_by("owner")
            .agg(pl.len().cast(pl.Int64).alias("leads"),
                 worked.sum().cast(pl.Int64).alias("worked"),
                 (pl.col("_changes") > 0).sum().cast(pl.Int64).alias("reassigned"),
                 pl.col("_changes").sum().cast(pl.Int64).alias("owner_changes"),
                 (worked & (pl.col("_first_by") != pl.col("owner"))).sum().cast(pl.Int64)
                 .alias("first_by_other"))
            # an unassigned lead has no owner to be "another" rep than
            .with_columns(pl.when(pl.col("owner") != NONE_LABEL).then(pl.col("first_by_other"))
                          .alias("first_by_other"))
            .with_columns((pl.col("reassigned") / pl.col("worked")).alias("reassigned_share"),
                          (pl.col("first_by_other") / pl.col("worked"))
                          .alias("first_by_other_share"),
                          *wilson_exprs("first_by_other", "worked"))
            .select("owner", "leads", "worked", "reassigned", "reassigned_share",
                    "owner_changes", "first_by_other", "first_by_other_share", "ci_low",
                    "ci_high")
            .sort(["leads", "owner"], descending=[True, False]).collect())


def unassigned_summary(
    leads: pl.DataFrame, *, now: dt.datetime | None = None
) -> dict:
    """Leads without an owner: how many, and how many of them were ever touched.

    Returns
    -------
    dict
        ``leads, unassigned, unassigned_share, ci_low, ci_high, touched, touched_share``
        (``touched*`` null without touch times).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> round(unassigned_summary(load_sample().leads)["unassigned_share"], 3)
    0.04
    """
    if "owner" not in leads.columns:
        raise ValueError("no owner column: unassigned leads cannot be told")
    n = leads.height
    un = leads.filter(pl.col("owner").is_null())
    k = un.height
    touched = None
    if "first_response_at" in leads.columns and "created_at" in leads.columns and k:
        touched = int(response_lf(un, clock=None, end=export_end(leads, now=now))
                      .select(pl.col("_touched").sum()).collect().item())
    low, high = pl.DataFrame({"k": [k], "n": [n]}).select(wilson_exprs("k", "n")).row(0)
    return {"leads": n, "unassigned": k, "unassigned_share": k / n if n else None,
            "ci_low": low, "ci_high": high, "touched": touched,
            "touched_share": (touched / k) if touched is not None and k else None}


def owner_scorecard(
    leads: Leads,
    *,
    sla_hours: float,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Each owner's load against speed and conversion on comparable leads.

    ``qualified_adj``/``won_adj`` are the owner's rates standardised to the overall
    source mix (direct standardisation, as in
    :class:`funnel.analyses.speed.curve.ResponseCurve`), with Wilson intervals on the
    effective sample size; raw rates sit next to them.

    Returns
    -------
    polars.DataFrame
        ``owner, leads, load_share, leads_per_week, median_hours, median_low,
        median_high, within_sla_share, qualified_rate, qualified_adj, q_adj_low,
        q_adj_high, rate, won_adj, w_adj_low, w_adj_high, young_share, not_settled``
        (rates null where the data lacks stages or outcomes; ``not_settled`` marks a rep
        most of whose leads are younger than the data's own cycle to a win, see
        :func:`funnel.analyses.velocity.settling_columns`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = owner_scorecard(load_sample().leads, sla_hours=4)
    >>> t.filter(t["owner"] == "Lena Park")["median_hours"][0] < 1
    True
    """
    lf = response_lf(leads, clock=clock, end=now)
    won, qual, has_out, has_stage = outcomes(lf)
    cols = lf.collect_schema().names()
    src = (pl.col("source").cast(pl.String).fill_null(NONE_LABEL) if "source" in cols
           else pl.lit("all"))
    lf = lf.with_columns(_owner(lf), src.alias("_stratum"))
    span = lf.select(pl.col("created_at").min().alias("a"), pl.col("created_at").max()
                     .alias("b")).collect().row(0)
    weeks = max(((span[1] - span[0]).total_seconds() / 604800) if span[0] else 0.0, 1.0)
    base = (lf.group_by("owner")
            .agg(pl.len().cast(pl.Int64).alias("leads"),
                 within_sla(sla_hours).mean().alias("within_sla_share"),
                 qual.mean().alias("qualified_rate"), won.mean().alias("rate"))
            .collect())
    total = base["leads"].sum()
    base = base.with_columns((pl.col("leads") / total).alias("load_share"),
                             (pl.col("leads") / weeks).alias("leads_per_week"))
    med = response_percentiles(leads, by="owner", clock=clock, now=now, percentiles=(0.5,))
    # (``leads`` may be prepared response times: they are reused, not recomputed)
    base = base.join(med.select("owner", pl.col("p50").alias("median_hours"),
                                pl.col("p50_low").alias("median_low"),
                                pl.col("p50_high").alias("median_high")), on="owner", how="left")
    for flag, expr, name, pre in ((has_stage, qual, "qualified_adj", "q_adj"),
                                  (has_out, won, "won_adj", "w_adj")):
        if flag:
            cells = (lf.group_by("owner", "_stratum")
                     .agg(pl.len().alias("n"), expr.sum().alias("k")).collect())
            adj = standardised(cells, group="owner").select(
                "owner", pl.col("rate").alias(name), pl.col("ci_low").alias(f"{pre}_low"),
                pl.col("ci_high").alias(f"{pre}_high"))
            base = base.join(adj, on="owner", how="left")
        else:
            base = base.with_columns(pl.lit(None, pl.Float64).alias(c)
                                     for c in (name, f"{pre}_low", f"{pre}_high"))
    dated = lf.select([c for c in ("owner", "created_at", "closed_at", "outcome")
                       if c in lf.collect_schema().names()]).collect()
    base = settling_columns(dated, base, by="owner", end=export_end(dated, now=now))
    return base.select(
        "owner", "leads", "load_share", "leads_per_week", "median_hours", "median_low",
        "median_high", "within_sla_share", "qualified_rate", "qualified_adj", "q_adj_low",
        "q_adj_high", "rate", "won_adj", "w_adj_low", "w_adj_high", "young_share",
        "not_settled",
    ).sort(["leads", "owner"], descending=[True, False])


def persistence(
    ds: Dataset, *, now: dt.datetime | None = None, quiet_days: float = 14.0
) -> pl.DataFrame:
    """Touches before contact or giving up, per owner and overall (``owner = "All"``).

    A lead is *contacted* when it reached ``sal`` or later; its contact time is the
    first of ``sal_at``, ``sql_at``, ``opportunity_at`` (or, without dates, its last
    touch). Touches before contact count the activities up to and including that time.
    A touched lead that was never contacted and had no touch in the last ``quiet_days``
    before the export's end was *given up*; ``abandoned_1``/``abandoned_2`` are the
    shares of given-up leads that got exactly one / at most two attempts.
    ``single_touch_share`` is the share of all touched leads with exactly one touch.

    Returns
    -------
    polars.DataFrame
        ``owner, touched, single_touch_share, contacted, touches_to_contact (median),
        given_up, touches_to_give_up (median), abandoned_1, abandoned_2, ab1_low,
        ab1_high`` (contact columns null without stage information).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = persistence(load_sample())
    >>> t.filter(t["owner"] == "Marcus Reed")["single_touch_share"][0] > 0.4
    True
    """
    if ds.activities is None:
        raise ValueError("no activities: touches and persistence cannot be counted")
    end = export_end(ds, now=now)
    leads = ds.leads.lazy()
    cols = leads.collect_schema().names()
    _, _, _, has_stage = outcomes(leads)
    has_stage = has_stage or "sal_at" in cols
    contacted = reached_exprs(leads)["sal"] if has_stage else pl.lit(None, pl.Boolean)
    dates = [pl.col(c) for c in ("sal_at", "sql_at", "opportunity_at") if c in cols]
    contact_at = pl.min_horizontal(dates) if dates else pl.lit(None, pl.Datetime("us"))
    acts = ds.activities.lazy().filter(pl.col("at").is_not_null()).select("lead_id", "at")
    lead_part = leads.select("lead_id", _owner(leads), contacted.alias("_contacted"),
                             contact_at.alias("_contact_at"))
    per = (acts.join(lead_part.select("lead_id", "_contact_at"), on="lead_id", how="inner")
           .group_by("lead_id")
           .agg(pl.len().cast(pl.Int64).alias("_touches"),
                pl.col("at").max().alias("_last"),
                (pl.col("at") <= pl.col("_contact_at")).sum().cast(pl.Int64).alias("_before")))
    j = lead_part.join(per, on="lead_id", how="inner")  # touched leads only
    quiet = pl.lit(end - dt.timedelta(days=quiet_days)) if end else pl.lit(None)
    j = j.with_columns(
        pl.when(pl.col("_contacted")).then(
            pl.when(pl.col("_contact_at").is_not_null()).then(pl.col("_before").clip(1))
            .otherwise(pl.col("_touches"))).alias("_to_contact"),
        (pl.col("_contacted").not_() & (pl.col("_last") < quiet)).alias("_gave_up"),
    ).collect()  # once: both the per-owner and the overall figures read it
    gu = pl.col("_gave_up").fill_null(False)
    aggs = [
        pl.len().cast(pl.Int64).alias("touched"),
        (pl.col("_touches") == 1).mean().alias("single_touch_share"),
        pl.col("_contacted").sum().cast(pl.Int64).alias("contacted"),
        pl.col("_to_contact").median().alias("touches_to_contact"),
        gu.sum().cast(pl.Int64).alias("given_up"),
        pl.col("_touches").filter(gu).median().alias("touches_to_give_up"),
        (gu & (pl.col("_touches") == 1)).sum().cast(pl.Int64).alias("_ab1"),
        (gu & (pl.col("_touches") <= 2)).sum().cast(pl.Int64).alias("_ab2"),
    ]
    by_owner = j.group_by("owner").agg(aggs)
    overall = j.select(aggs).with_columns(pl.lit("All").alias("owner"))
    out = pl.concat([overall.select(by_owner.columns), by_owner.sort("touched", descending=True)])
    if not has_stage:
        out = out.with_columns(pl.lit(None, pl.Int64).alias(c) for c in
                               ("contacted", "given_up", "_ab1", "_ab2"))
    return out.with_columns(
        (pl.col("_ab1") / pl.col("given_up")).alias("abandoned_1"),
        (pl.col("_ab2") / pl.col("given_up")).alias("abandoned_2"),
        *wilson_exprs("_ab1", "given_up", prefix="ab1"),
    ).select("owner", "touched", "single_touch_share", "contacted", "touches_to_contact",
             "given_up", "touches_to_give_up", "abandoned_1", "abandoned_2", "ab1_low",
             "ab1_high")
