"""Link deals and activities to the leads, and give each lead its outcome.

Deals find their lead by the deal's lead id or, failing that, by the lead's deal id
(several leads converted into one deal each take its outcome). Each deal's outcome
comes from its own outcome, stage or won/lost dates; each lead's from its deals when
it has any, else its own fields. Activities give each lead its first response and
touch count. Deals and activities whose lead is not among the leads are rejected.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.tables import Warning_
from funnel.ingest.columns import FILE, reject
from funnel.ingest.readers import ROW


def link_deals(
    deals: pl.DataFrame, leads: pl.DataFrame, *, deals_file: str,
    warnings: list[Warning_], rejects: list[pl.DataFrame],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The deals linked to ``leads``, with their outcomes, and the same deals one row
    per (deal, lead) link for :func:`lead_outcomes`.

    Deals without a lead among ``leads`` are added to ``rejects``; warnings (row ids,
    deals shared by several leads, duplicate deal ids) are appended to ``warnings``.
    """
    links = None  # deal -> every lead that converted into it, when several did
    if "deal_id" not in deals.columns:
        deals = deals.with_columns(
            (pl.col(FILE) + ":" + pl.col(ROW).cast(pl.String)).alias("deal_id"))
        warnings.append(Warning_("row_ids_deals", "No id column among the deals: each deal "
                                 "is identified by its file and row.", deals.height, "info"))
    if "lead_id" not in deals.columns:
        deals, links = _deals_from_leads(deals, leads, deals_file=deals_file,
                                         warnings=warnings)
    known = leads["lead_id"].unique().implode()
    orphan = deals["lead_id"].is_null() | ~deals["lead_id"].is_in(known)
    if orphan.any():
        rejects.append(reject(deals, orphan, pl.when(pl.col("lead_id").is_null())
                              .then(pl.lit("the deal is not linked to any lead"))
                              .otherwise(pl.lit("the deal's lead ") + pl.col("lead_id")
                                         + pl.lit(" is not among the leads"))))
        deals = deals.filter(~orphan)
    deals = deal_outcomes(deals)
    dup = deals["deal_id"].is_duplicated().sum()
    if dup:
        warnings.append(Warning_("duplicate_deal_ids", f"{dup} deals share an id with "
                                 "another deal; each is kept.", int(dup)))
    if links is None:
        return deals, deals
    return deals, deals.drop("lead_id").join(links, on="deal_id", how="inner")


def _deals_from_leads(
    deals: pl.DataFrame, leads: pl.DataFrame, *, deals_file: str, warnings: list[Warning_],
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Deals given the lead whose deal id they carry, and every (deal, lead) link when
    several leads converted into one deal (else ``None``)."""
    if "deal_id" not in leads.columns:
        raise InputError(
            f"{deals_file} has no column linking deals to leads, and the "
            "leads have no deal id; map the link in the mapping screen."
        )
    link = leads.select("deal_id", "lead_id").drop_nulls().unique(maintain_order=True)
    deals = deals.join(link.unique("deal_id", keep="first", maintain_order=True),
                       on="deal_id", how="left", maintain_order="left")
    shared = link.filter(pl.col("deal_id").is_duplicated())
    if not shared.height:
        return deals, None
    # several leads converted into one deal: each takes the deal's outcome
    n = shared["deal_id"].n_unique()
    warnings.append(Warning_(
        "shared_deals", f"{n:,} deal{'s are' if n > 1 else ' is'} linked to several "
        "leads; each of those leads takes the deal's outcome.", n, "info"))
    return deals, link


def deal_outcomes(deals: pl.DataFrame) -> pl.DataFrame:
    """Deals with ``outcome`` (their own, else won/lost from stage and dates, else open)
    and ``closed_at`` (their own, else the won or lost date that matches the outcome)."""
    cols = deals.columns
    stage_won = pl.col("stage") == "won" if "stage" in cols else pl.lit(False)
    won_at = pl.col("won_at").is_not_null() if "won_at" in cols else pl.lit(False)
    lost_at = pl.col("lost_at").is_not_null() if "lost_at" in cols else pl.lit(False)
    derived = (
        pl.when(won_at | stage_won).then(pl.lit("won"))
        .when(lost_at).then(pl.lit("lost"))
        .otherwise(pl.lit("open"))
    )
    outcome = pl.coalesce(pl.col("outcome"), derived) if "outcome" in cols else derived
    deals = deals.with_columns(outcome.alias("outcome"))
    closed = [pl.col(c) for c in ("closed_at",) if c in cols]
    closed.append(pl.when(pl.col("outcome") == "won").then(pl.col("won_at")) if "won_at" in cols
                  else pl.lit(None, dtype=pl.Datetime("us")))
    closed.append(pl.when(pl.col("outcome") == "lost").then(pl.col("lost_at"))
                  if "lost_at" in cols else pl.lit(None, dtype=pl.Datetime("us")))
    return deals.with_columns(pl.coalesce(closed).alias("closed_at"))


def _ensure(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with every column of ``schema`` it lacks, empty."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def lead_outcomes(leads: pl.DataFrame, deals: pl.DataFrame | None) -> pl.DataFrame:
    """Each lead's outcome: from its deals when it has any (won if any is won, open if
    any is open, else lost); otherwise its own outcome, or lost when it has a loss
    reason, or open."""
    dtt = pl.Datetime("us")
    leads = _ensure(leads, {
        "outcome": pl.String, "won_at": dtt, "lost_at": dtt, "stage": pl.String,
        "lost_reason": pl.String, "closed_at": dtt, "amount": pl.Float64,
        "opportunity_at": dtt, "owner": pl.String,
    })
    own = (
        pl.when(pl.col("outcome").is_not_null()).then(pl.col("outcome"))
        .when(pl.col("won_at").is_not_null() | (pl.col("stage") == "won")).then(pl.lit("won"))
        .when(pl.col("lost_at").is_not_null()).then(pl.lit("lost"))
    )
    leads = leads.with_columns(own.alias("outcome"))
    if deals is None:
        return leads.with_columns(
            pl.coalesce("closed_at", pl.when(pl.col("outcome") == "won").then("won_at"),
                        pl.when(pl.col("outcome") == "lost").then("lost_at")).alias("closed_at")
        )
    leads = leads.join(_per_lead(deals), on="lead_id", how="left", maintain_order="left")
    has_deal = pl.col("deals").fill_null(0) > 0
    # A lead with deals takes its outcome from them (a Salesforce "converted" lead whose
    # opportunity was lost is lost); without deals, its own outcome or loss reason.
    from_deals = (
        pl.when(pl.col("_any_won")).then(pl.lit("won"))
        .when(pl.col("_any_open")).then(pl.lit("open"))
        .otherwise(pl.lit("lost"))
    )
    outcome = (
        pl.when(has_deal).then(from_deals)
        .when(pl.col("outcome").is_not_null()).then(pl.col("outcome"))
        .when(pl.col("lost_reason").is_not_null()).then(pl.lit("lost"))
        .otherwise(pl.lit("open"))
    )
    leads = leads.with_columns(outcome.alias("outcome")).with_columns(
        pl.coalesce(
            "closed_at",
            pl.when(pl.col("outcome") == "won").then(pl.coalesce("_won_closed", "won_at")),
            pl.when(pl.col("outcome") == "lost").then(pl.coalesce("_lost_closed", "lost_at")),
        ).alias("closed_at"),
        pl.coalesce(
            "amount",
            pl.when(pl.col("outcome") == "won").then("_won_amount").otherwise("_all_amount"),
        ).alias("amount") if "amount" in deals.columns else pl.col("amount"),
        pl.coalesce("lost_reason", "_deal_reason").alias("lost_reason"),
        pl.coalesce("opportunity_at", "_first_deal").alias("opportunity_at"),
        pl.coalesce("owner", "_deal_owner").alias("owner"),
        pl.col("deals").fill_null(0).cast(pl.Int64),
    )
    # drop the helper columns above, keeping the row bookkeeping (FILE, ROW)
    return leads.drop([c for c in leads.columns if c.startswith("_") and c not in (FILE, ROW)])


def _per_lead(deals: pl.DataFrame) -> pl.DataFrame:
    """One row per lead summing up its deals (count, any won or open, amounts, close
    dates, loss reason, first deal, owner), in helper columns named ``_…``."""
    dtt = pl.Datetime("us")
    d = _ensure(deals, {"amount": pl.Float64, "created_at": dtt, "lost_reason": pl.String,
                        "owner": pl.String})
    return d.sort("closed_at", nulls_last=True).group_by("lead_id").agg(
        pl.len().alias("deals"),
        (pl.col("outcome") == "won").any().alias("_any_won"),
        (pl.col("outcome") == "open").any().alias("_any_open"),
        pl.col("amount").filter(pl.col("outcome") == "won").sum().alias("_won_amount"),
        pl.col("amount").sum().alias("_all_amount"),
        pl.col("closed_at").filter(pl.col("outcome") == "won").min().alias("_won_closed"),
        pl.col("closed_at").filter(pl.col("outcome") == "lost").max().alias("_lost_closed"),
        pl.col("lost_reason").filter(pl.col("outcome") == "lost").drop_nulls().last()
        .alias("_deal_reason"),
        pl.col("created_at").min().alias("_first_deal"),
        pl.col("owner").drop_nulls().first().alias("_deal_owner"),
    )


def link_activities(
    activities: pl.DataFrame, leads: pl.DataFrame, *, files: list[str],
    rejects: list[pl.DataFrame],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The activities of known leads, and the leads with ``first_response_at`` (the
    earliest activity, else their own) and ``touches`` (how many activities).

    Activities of leads not among ``leads`` are added to ``rejects``.
    """
    for need, what in (("lead_id", "which lead each activity belongs to"),
                       ("at", "when each activity happened (a date/time column)")):
        if need not in activities.columns:
            raise InputError(
                f"{', '.join(files)}: no readable column says {what}; "
                "map it in the mapping screen or leave the activities out.")
    first = activities.group_by("lead_id").agg(
        pl.col("at").min().alias("_first"), pl.len().alias("touches"))
    # orphans are looked up among the distinct lead ids, not every activity
    unknown = first.filter(~pl.col("lead_id").is_in(leads["lead_id"].implode()))["lead_id"]
    if unknown.len():
        orphan = activities["lead_id"].is_in(unknown.implode())
        rejects.append(reject(activities, orphan, pl.lit("the activity's lead ")
                              + pl.col("lead_id") + pl.lit(" is not among the leads")))
        activities = activities.filter(~orphan)
        first = first.filter(~pl.col("lead_id").is_in(unknown.implode()))
    leads = leads.join(first, on="lead_id", how="left", maintain_order="left")
    leads = leads.with_columns(
        (pl.coalesce("_first", "first_response_at") if "first_response_at" in leads.columns
         else pl.col("_first")).alias("first_response_at"),
        pl.col("touches").fill_null(0).cast(pl.Int64),
    ).drop("_first")
    return activities, leads
