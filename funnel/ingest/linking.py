"""Link deals and activities to the leads, and give each lead its outcome.

Deals find their lead by the column whose values match (the deal's lead id, an
association column, or the lead's deal id; see :mod:`funnel.ingest.keys`); several
leads converted into one deal each take its outcome and share its amount. Each deal's
outcome comes from its own outcome, stage or won/lost dates, a won flag read with its
closed flag; each lead's from its deals when it has any, else its own fields. A close
date on an open deal is a forecast, not an event. Deals whose lead is not in this export
are kept (without a lead); activities whose lead is not among the leads are rejected.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.schema import is_text, normalise_header
from funnel.dataset.tables import Warning_
from funnel.ingest.columns import FILE, reject
from funnel.ingest.crm import association_ids, id_key
from funnel.ingest.keys import (
    Link,
    email_lead_ids,
    find_link,
    has_cells,
    no_link_text,
    person_id_keys,
)
from funnel.ingest.parsing import bool_expr
from funnel.ingest.readers import ROW
from funnel.ingest.readers_base import file_row_ids
from funnel.ingest.touches import drop_marketing


def link_deals(
    deals: pl.DataFrame, leads: pl.DataFrame, *, deals_file: str, headers: dict[str, str],
    warnings: list[Warning_],
) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """The deals with their outcomes and lead, the same deals one row per (deal, lead)
    link for :func:`lead_outcomes` (with ``_share``, the part of the deal's amount each
    of its leads takes, so a deal shared by several leads counts once), and the
    sentence saying which column linked them.

    The link is found by the values of the candidate columns
    (:func:`funnel.ingest.keys.find_link`). Deals whose lead is not in this export are
    kept, with an empty ``lead_id``, and counted in a warning; warnings (row ids, deals
    shared by several leads, duplicate deal ids, nothing linked) are appended to
    ``warnings``.
    """
    if "deal_id" not in deals.columns:
        deals = deals.with_columns(
            file_row_ids().alias("deal_id"))
        warnings.append(Warning_("row_ids_deals", "No id column among the deals: each deal "
                                 "is identified by its file and row.", deals.height, "info"))
    link, seen = find_link(deals, leads, headers=headers)
    if link is None and not seen:
        raise InputError(
            f"{deals_file} has no column linking deals to leads, and the "
            "leads have no deal id; map the link in the mapping screen."
        )
    pairs = link.pairs if link is not None else pl.DataFrame(
        schema={"deal_id": deals.schema["deal_id"], "lead_id": leads.schema["lead_id"]})
    first = pairs.unique("deal_id", keep="first", maintain_order=True)
    deals = deal_outcomes(deals.drop("lead_id", strict=False).join(
        first, on="deal_id", how="left", maintain_order="left"))
    text = _link_warnings(deals, pairs, link, seen, leads, warnings)
    dup = deals["deal_id"].is_duplicated().sum()
    if dup:
        warnings.append(Warning_("duplicate_deal_ids", f"{dup} deals share an id with "
                                 "another deal; each is kept.", int(dup)))
    shares = pairs.with_columns((1.0 / pl.len().over("deal_id")).alias("_share"))
    per_lead = deals.drop("lead_id").unique("deal_id", keep="first", maintain_order=True).join(
        shares, on="deal_id", how="inner")
    return deals, per_lead, text


def _link_warnings(
    deals: pl.DataFrame, pairs: pl.DataFrame, link: Link | None, seen: list[str],
    leads: pl.DataFrame, warnings: list[Warning_],
) -> str:
    """Warn about deals without a lead, shared deals and no link; the link sentence."""
    if link is None:
        text = no_link_text(seen, leads, deals)
        warnings.append(Warning_("no_link", text, deals.height))
        return text
    without = int(deals["lead_id"].null_count())
    if without:
        warnings.append(Warning_(
            "deals_without_lead", f"{without:,} deal{'s have' if without > 1 else ' has'} no "
            "lead in this export: kept for the deal-level views and counted apart, left out "
            "of the lead funnel.", without, "info"))
    n = int(pairs.filter(pl.col("deal_id").is_duplicated())["deal_id"].n_unique())
    if n:
        warnings.append(Warning_(
            "shared_deals", f"{n:,} deal{'s are' if n > 1 else ' is'} linked to several "
            "leads; each of those leads takes the deal's outcome.", n, "info"))
    return link.text(deals.height, deals.height - without)


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
    flag = closed_flag(deals)
    if flag is not None:  # a won flag says nothing of the others: the closed flag does
        outcome = (pl.when(outcome == "won").then(pl.lit("won"))
                   .when(flag).then(pl.lit("lost"))
                   .when(~flag).then(pl.lit("open"))
                   .otherwise(outcome))
    deals = deals.with_columns(outcome.alias("outcome"))
    closed = [pl.col(c) for c in ("closed_at",) if c in cols]
    closed.append(pl.when(pl.col("outcome") == "won").then(pl.col("won_at")) if "won_at" in cols
                  else pl.lit(None, dtype=pl.Datetime("us")))
    closed.append(pl.when(pl.col("outcome") == "lost").then(pl.col("lost_at"))
                  if "lost_at" in cols else pl.lit(None, dtype=pl.Datetime("us")))
    return without_forecast(deals.with_columns(pl.coalesce(closed).alias("closed_at")))


CLOSED_FLAGS = ("closed", "is closed", "isclosed", "hs is closed", "deal is closed")
"""Headers of a yes/no column saying a deal is closed (Salesforce's IsClosed, label
*Closed*; HubSpot's *Is Closed*), read with the won flag: closed and not won is lost."""


def closed_flag(frame: pl.DataFrame) -> pl.Expr | None:
    """A boolean expression of the frame's closed flag column, or ``None`` without one.

    Examples
    --------
    >>> f = pl.DataFrame({"Closed": ["TRUE", "false", None]})
    >>> f.select(closed_flag(f)).to_series().to_list()
    [True, False, None]
    >>> f = pl.DataFrame({"Is Closed": [1.0, 0.0, None]})
    >>> f.select(closed_flag(f)).to_series().to_list()
    [True, False, None]
    """
    for c in frame.columns:
        if normalise_header(c) not in CLOSED_FLAGS:
            continue
        if is_text(frame.schema[c]) or frame.schema[c] == pl.Boolean:
            return bool_expr(pl.col(c).cast(pl.String))
        if frame.schema[c].is_numeric():  # a report's 0/1, typed as a number on a lead file
            return pl.col(c) != 0
    return None


def without_forecast(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` whose open records' close date is moved to ``close_forecast`` (a date):
    on an open opportunity the close date is a forecast, not an event, so it is never an
    event date nor the end of the export.

    Examples
    --------
    >>> import datetime as dt
    >>> f = pl.DataFrame({"outcome": ["open", "won"],
    ...                   "closed_at": [dt.datetime(2030, 1, 1), dt.datetime(2024, 1, 1)]})
    >>> without_forecast(f)["closed_at"].to_list()
    [None, datetime.datetime(2024, 1, 1, 0, 0)]
    """
    if "closed_at" not in frame.columns or "outcome" not in frame.columns:
        return frame
    is_open = (pl.col("outcome") == "open").fill_null(False)
    if not frame.select((is_open & pl.col("closed_at").is_not_null()).any()).item():
        return frame
    return frame.with_columns(
        pl.when(is_open).then(pl.col("closed_at").dt.date()).alias("close_forecast"),
        pl.when(is_open).then(None).otherwise(pl.col("closed_at")).alias("closed_at"))


_PROBE = 2_000  # activities whose link is tried before choosing it


def _by_email(activities: pl.DataFrame, leads: pl.DataFrame, *, files: list[str],
              rejects: list[pl.DataFrame], warnings: list[Warning_],
              lead_header: str) -> pl.DataFrame:
    """The activities with their lead found by e-mail when they name it so (see
    :func:`link_activities`); those whose e-mail no lead has are rejected. The lead
    column, when it holds the e-mails, is named ``lead_header`` in the messages."""
    known = 0
    if "lead_id" in activities.columns:
        head = activities["lead_id"].drop_nulls().head(_PROBE)
        known = int(head.is_in(leads["lead_id"].implode()).sum())
        if known >= 0.5 * head.len():  # the lead ids link them
            return activities
    found = email_lead_ids(activities, leads)
    if found is None:
        return activities
    ids, col, other = found
    col = lead_header if col == "lead_id" else col
    if int(ids.head(_PROBE).is_not_null().sum()) <= known:
        return activities
    activities = activities.with_columns(ids.alias("lead_id"))
    orphan = activities["lead_id"].is_null()
    if orphan.any():
        rejects.append(reject(activities, orphan, "no lead has the activity's e-mail "
                              f"({col})"))
        activities = activities.filter(~orphan)
    warnings.append(Warning_(
        "activities_by_email", f"{', '.join(files)}: activities linked to the leads by "
        f"e-mail (the activities' {col}, the leads' {other}).", activities.height, "info"))
    return activities


def _association_cells(activities: pl.DataFrame, *, files: list[str],
                       warnings: list[Warning_]) -> pl.DataFrame:
    """Activities whose lead column holds association cells (HubSpot's *Associated
    Contact* = ``Jane Doe (101)``, *Associated Contact IDs* = ``101;102``) with one row
    per lead named: a call with two contacts touches both (an ``activities_for_several``
    note counts them). Other lead columns are left as they are."""
    if "lead_id" not in activities.columns or not has_cells(activities["lead_id"]):
        return activities
    ids = association_ids(activities["lead_id"])
    several = int((ids.list.len() > 1).sum())
    if several:
        warnings.append(Warning_(
            "activities_for_several", f"{', '.join(files)}: {several:,} activities name "
            "several contacts; each of their leads counts the touch.", several, "info"))
    return activities.with_columns(ids.alias("lead_id")).explode("lead_id")


def _by_id_key(activities: pl.DataFrame, leads: pl.DataFrame, raw: pl.Series, *,
               files: list[str], warnings: list[Warning_]) -> pl.DataFrame:
    """The activities whose lead id is not among the leads as written, linked by the id
    compared as :func:`~funnel.ingest.crm.id_key` (a Salesforce id in its other form,
    15 or 18 characters, another case), else as the contact a lead was converted into:
    Salesforce moves a converted lead's tasks and events to its contact (``WhoId`` = the
    lead's ``ConvertedContactId``). A key several leads share links none of them (the
    activity stays without a lead). ``raw``: the distinct unknown ids, the ones keyed."""
    ids = activities["lead_id"]
    table = pl.DataFrame({"_raw": raw, "_k": id_key(raw)})
    lookups: list[tuple[str | None, pl.DataFrame]] = []
    if (table["_k"] != table["_raw"]).any():  # ids that another form could match
        lookups.append((None, pl.DataFrame({"lead_id": leads["lead_id"],
                                            "_k": id_key(leads["lead_id"])}).drop_nulls()))
    lookups += person_id_keys(leads)
    found: list[pl.DataFrame] = []
    for col, keys in lookups:
        one = keys.unique().filter(pl.len().over("_k") == 1)  # the key of one lead only
        hit = table.join(one, on="_k", how="inner").select("_raw", pl.col("lead_id").alias("_via"))
        table = table.filter(~pl.col("_raw").is_in(hit["_raw"].implode()))
        if not hit.height:
            continue
        found.append(hit)
        n = int(ids.is_in(hit["_raw"].implode()).sum())
        how = ("by their lead's id written in another form (a Salesforce id of 15 or 18 "
               "characters, another case)" if col is None else
               f"by the contact a lead was converted into (the leads' {col}: Salesforce "
               "moves a converted lead's activities to its contact)")
        warnings.append(Warning_("activities_by_contact" if col else "activities_by_id_form",
                                 f"{', '.join(files)}: {n:,} activities linked {how}.", n, "info"))
    if not found:
        return activities
    via = (activities.select("lead_id").join(pl.concat(found), left_on="lead_id",
                                            right_on="_raw", how="left",
                                            maintain_order="left")["_via"])
    return activities.with_columns(pl.coalesce(via, pl.col("lead_id")).alias("lead_id"))


def _ensure(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with every column of ``schema`` it lacks, empty."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def lead_outcomes(leads: pl.DataFrame, deals: pl.DataFrame | None, *,
                  warnings: list[Warning_] | None = None) -> pl.DataFrame:
    """Each lead's outcome: from its deals when it has any (won if any is won, open if
    any is open, else lost); otherwise its own outcome, or lost when it has a loss
    reason, or open. A lead whose stage in the leads file is won (HubSpot's *Customer*)
    or that has a won date stays won whatever its deals say, as the funnel counts it
    (its amount then stays unknown); how many such leads none of whose deals is won is
    said in ``warnings``. An outcome column (a status) does not override lost deals."""
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
        return without_forecast(leads.with_columns(
            pl.coalesce("closed_at", pl.when(pl.col("outcome") == "won").then("won_at"),
                        pl.when(pl.col("outcome") == "lost").then("lost_at")).alias("closed_at")
        ))
    leads = leads.join(_per_lead(deals), on="lead_id", how="left", maintain_order="left")
    has_deal = pl.col("deals").fill_null(0) > 0
    # A lead with deals takes its outcome from them (a Salesforce "converted" lead whose
    # opportunity was lost is lost); without deals, its own outcome or loss reason. A
    # lead its own file says was won stays won (its won deal may be in another pipeline).
    own_won = ((pl.col("stage") == "won") | pl.col("won_at").is_not_null()).fill_null(False)
    if warnings is not None:
        n = int(leads.select((own_won & has_deal & ~pl.col("_any_won").fill_null(False))
                             .sum()).item())
        if n:
            warnings.append(Warning_(
                "won_without_won_deal", f"{n:,} lead{'s are' if n > 1 else ' is'} won by "
                "their stage or won date in the leads file while none of their deals is won: "
                "they count as won (their won deal may be in a pipeline or period not "
                "exported).", n, "info"))
    from_deals = (
        pl.when(pl.col("_any_won") | own_won).then(pl.lit("won"))
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
            pl.when(pl.col("outcome") == "won").then(pl.when("_any_won").then("_won_amount"))
            .otherwise("_all_amount"),
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
    dates, loss reason, first deal, owner), in helper columns named ``_…``; a deal
    shared by several leads gives each its ``_share`` of the amount."""
    dtt = pl.Datetime("us")
    d = _ensure(deals, {"amount": pl.Float64, "created_at": dtt, "lost_reason": pl.String,
                        "owner": pl.String, "_share": pl.Float64}).with_columns(
        pl.col("_share").fill_null(1.0))
    return d.sort("closed_at", nulls_last=True).group_by("lead_id").agg(
        pl.len().alias("deals"),
        (pl.col("outcome") == "won").any().alias("_any_won"),
        (pl.col("outcome") == "open").any().alias("_any_open"),
        (pl.col("amount") * pl.col("_share")).filter(pl.col("outcome") == "won").sum()
        .alias("_won_amount"),
        (pl.col("amount") * pl.col("_share")).sum().alias("_all_amount"),
        pl.col("closed_at").filter(pl.col("outcome") == "won").min().alias("_won_closed"),
        pl.col("closed_at").filter(pl.col("outcome") == "lost").max().alias("_lost_closed"),
        pl.col("lost_reason").filter(pl.col("outcome") == "lost").drop_nulls().last()
        .alias("_deal_reason"),
        pl.col("created_at").min().alias("_first_deal"),
        pl.col("owner").drop_nulls().first().alias("_deal_owner"),
    )


def _first_touch(activities: pl.DataFrame) -> pl.DataFrame:
    """Per lead id of the activities: the first activity's time and how many."""
    return activities.group_by("lead_id").agg(
        pl.col("at").min().alias("_first"), pl.len().alias("touches"))


DEAL_HEADERS = ("deal id", "opportunity id", "what id", "related to id")
"""Headers of an activity's deal (Pipedrive's *Deal - ID*, Salesforce's ``WhatId``)."""


def deal_column(frame: pl.DataFrame, *, besides: str | None = None) -> str | None:
    """The activities' column naming the deal each was logged on (:data:`DEAL_HEADERS`),
    other than ``besides`` (the lead column), or ``None``.

    Examples
    --------
    >>> deal_column(pl.DataFrame({"Person - ID": ["1"], "Deal - ID": ["7"]}))
    'Deal - ID'
    """
    return next((c for c in frame.columns
                 if c != besides and normalise_header(c) in DEAL_HEADERS), None)


def _by_deal(activities: pl.DataFrame, deals: pl.DataFrame | None, *,
             rejects: list[pl.DataFrame], warnings: list[Warning_],
             lead_header: str) -> pl.DataFrame:
    """Activities without a lead that name a deal take the deal's lead (a call logged on
    the deal only); those still without a lead are rejected, as typing rejects a
    missing required field."""
    if "lead_id" not in activities.columns:
        return activities
    empty = activities["lead_id"].is_null()
    if not empty.any():
        return activities
    col = deal_column(activities)
    if col is not None and deals is not None and "lead_id" in deals.columns:
        # a deal several leads converted into says no one lead: left out
        # keyed as ids are everywhere (a Salesforce id in its 15 or 18 characters)
        with_lead = deals.drop_nulls("lead_id")
        one = (with_lead.with_columns(id_key(with_lead["deal_id"]).alias("_deal"))
               .group_by("_deal").agg(pl.col("lead_id").unique().alias("_via"))
               .filter(pl.col("_via").list.len() == 1)
               .select("_deal", pl.col("_via").list.first()))
        activities = (activities
                      .with_columns(id_key(activities[col]).alias("_deal"))
                      .join(one, on="_deal", how="left", maintain_order="left")
                      .with_columns(pl.coalesce("lead_id", "_via").alias("lead_id"))
                      .drop("_deal", "_via"))
        n = int(empty.sum()) - activities["lead_id"].null_count()
        if n:
            warnings.append(Warning_(
                "activities_by_deal", f"{n:,} activit{'ies have' if n > 1 else 'y has'} no "
                f"{lead_header} but name{'' if n > 1 else 's'} a deal ({col}): linked to "
                "the deal's lead.", n, "info"))
    empty = activities["lead_id"].is_null()
    if empty.any():
        rejects.append(reject(activities, empty, "lead_id is empty"))
        activities = activities.filter(~empty)
    return activities


def link_activities(
    activities: pl.DataFrame, leads: pl.DataFrame, *, files: list[str],
    rejects: list[pl.DataFrame], warnings: list[Warning_] | None = None,
    lead_header: str = "lead id", deals: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The activities of known leads, and the leads with ``first_response_at`` (the
    earliest activity, else their own) and ``touches`` (how many activities).

    Activities of leads not among ``leads`` are added to ``rejects``. Activities that
    name their person by e-mail (no lead id column, or one that links fewer than half of
    the first activities when their e-mail links more, as when they come from another
    CRM) are linked by the leads' e-mails, with a note in ``warnings``; so are those
    naming the contact a lead was converted into (the leads' ``Converted Contact ID``).
    Activities not done yet were rejected when their file was typed
    (:func:`~funnel.ingest.touches.drop_not_done`): a planned call is not a touch, nor is
    a marketing or system step (Marketo's *Open Email*, *Visit Webpage*, *Change
    Score*…; :func:`~funnel.ingest.touches.drop_marketing`). An activity without a lead
    that names a deal (:func:`deal_column`) takes the lead of that deal among ``deals``.
    ``lead_header``: the export's name of the lead column, for the messages.
    """
    warnings = warnings if warnings is not None else []
    activities = drop_marketing(activities, rejects=rejects)
    activities = _association_cells(activities, files=files, warnings=warnings)
    activities = _by_email(activities, leads, files=files, rejects=rejects,
                           warnings=warnings, lead_header=lead_header)
    activities = _by_deal(activities, deals, rejects=rejects, warnings=warnings,
                          lead_header=lead_header)
    for need, what in (("lead_id", "which lead each activity belongs to"),
                       ("at", "when each activity happened (a date/time column)")):
        if need not in activities.columns:
            raise InputError(
                f"{', '.join(files)}: no readable column says {what}; "
                "map it in the mapping screen or leave the activities out.")
    first = _first_touch(activities)
    # orphans are looked up among the distinct lead ids, not every activity
    unknown = first.filter(~pl.col("lead_id").is_in(leads["lead_id"].implode()))["lead_id"]
    if unknown.drop_nulls().len():  # another form of the id, the converted contact
        linked = _by_id_key(activities, leads, unknown.drop_nulls(), files=files,
                            warnings=warnings)
        if linked is not activities:
            activities, first = linked, _first_touch(linked)
            unknown = first.filter(~pl.col("lead_id").is_in(leads["lead_id"].implode())
                                   )["lead_id"]
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
