"""Check the linked lead table: is it usable, what is odd about it, what can it support.

Rows that cannot be used were rejected while typing and linking; what is checked here
stays in the data. Whether anything usable is left (else an :class:`InputError`),
health warnings on kept leads (shared ids, responses or wins before creation, dates
in the future, missing outcomes), and which analyses the data can support and why
not.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.schema import STAGE_DATES
from funnel.dataset.tables import Capability, Warning_
from funnel.ingest.columns import EXAMPLES


def _leads(n: int) -> str:
    return f"{n:,} lead" if n == 1 else f"{n:,} leads"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _they(n: int) -> str:
    return "it was" if n == 1 else "they were"


def check_usable(
    leads: pl.DataFrame, rejected: pl.DataFrame, *, leads_file: str, outcome_info: bool
) -> list[Warning_]:
    """Raise :class:`InputError` when no lead was kept, or the leads have neither a
    creation date nor anything telling which were won; warn when there is no creation
    date."""
    if leads.height == 0:
        first = rejected["reason"].head(1).to_list()
        raise InputError(
            "No lead could be kept: every row was rejected"
            + (f" (first reason: {first[0]})." if first else ".")
        )
    if "created_at" not in leads.columns and not outcome_info:
        raise InputError(
            f"{leads_file} has no column that can be a creation date and nothing "
            "that tells which leads were won; map the columns in the mapping screen."
        )
    if "created_at" not in leads.columns:
        return [Warning_("no_created_at", "No creation date: leads are analysed without "
                         "time (no trends, response time or velocity).", leads.height, "info")]
    return []


def lead_warnings(
    leads: pl.DataFrame, *, now: dt.datetime, outcome_info: bool
) -> list[Warning_]:
    """Warnings about kept leads: shared ids, a first response or a win before the lead
    was created, dates after ``now`` (plus a day), and leads without an outcome."""
    out: list[Warning_] = []
    dup = leads.filter(pl.col("lead_id").is_duplicated())
    if dup.height:
        ids = dup["lead_id"].unique().head(EXAMPLES).to_list()
        out.append(Warning_("duplicate_ids", f"{dup.height:,} leads share an id with another lead "
                            f"(e.g. {', '.join(map(repr, ids))}); they are kept and counted "
                            "separately.", dup.height))
    cols = leads.columns
    if "first_response_at" in cols and "created_at" in cols:
        n = leads.filter(pl.col("first_response_at") < pl.col("created_at")).height
        if n:
            out.append(Warning_(
                "response_before_created",
                f"{_leads(n)} {_have(n)} a first response before {_they(n)} created.", n))
    if "closed_at" in cols and "created_at" in cols:
        n = leads.filter((pl.col("outcome") == "won")
                         & (pl.col("closed_at") < pl.col("created_at"))).height
        if n:
            was = "was" if n == 1 else "were"
            out.append(Warning_(
                "won_before_created", f"{_leads(n)} {was} won before {_they(n)} created.", n))
    date_cols = [c for c, t in leads.schema.items() if isinstance(t, pl.Datetime)]
    if date_cols:
        limit = now + dt.timedelta(days=1)
        future = leads.filter(pl.any_horizontal([pl.col(c) > limit for c in date_cols]))
        if future.height:
            which = [c for c in date_cols if (leads[c] > limit).any()]
            k = future.height
            out.append(Warning_(
                "future_dates",
                f"{_leads(k)} {_have(k)} dates in the future (in {', '.join(which)}).", k))
    if outcome_info:
        n = leads["outcome"].null_count()
        if n:
            counts = "it counts" if n == 1 else "they count"
            out.append(Warning_(
                "missing_outcome", f"{_leads(n)} {_have(n)} no outcome; {counts} as not won.", n))
    return out


def capabilities(
    leads: pl.DataFrame, *, deals, activities, spend, attributes
) -> list[Capability]:
    """Whether each analysis can run on these tables, and why (not)."""
    def has(c: str) -> bool:
        return c in leads.columns and leads[c].null_count() < leads.height

    caps = []
    stages = [s for s, c in STAGE_DATES.items() if has(c)]
    if has("stage"):
        stages.append("current stage")
    caps.append(Capability(
        "Funnel by stage", bool(stages) or has("outcome"),
        f"stages from {', '.join(stages)}" if stages else (
            "only lead → won: no stage dates or stage column" if has("outcome")
            else "no stage, stage dates or outcome")))
    caps.append(Capability(
        "Win rate and conversion", has("outcome"),
        "outcome known" if has("outcome") else "no outcome, deal or won column"))
    speed = has("first_response_at") and has("created_at")
    caps.append(Capability(
        "Response time (speed to lead)", speed,
        "first sales touch known" if speed else (
            "no first-response time: response-time analysis unavailable (load activities "
            "with dates, or map a first-touch date)" if has("created_at")
            else "no creation date: response-time analysis unavailable")))
    caps.append(Capability(
        "Trends by month and cohorts", has("created_at"),
        "creation dates known" if has("created_at")
        else "no creation date: trends, cohorts and velocity unavailable"))
    dated = [c for c in ("created_at", *STAGE_DATES.values(), "closed_at") if has(c)]
    caps.append(Capability(
        "Velocity (time between stages)", len(dated) >= 2,
        f"dates for {', '.join(dated)}" if len(dated) >= 2
        else "fewer than two dated stages"))
    caps.append(Capability("Revenue", has("amount"),
                           "deal amounts known" if has("amount") else "no amount or deal value"))
    caps.append(Capability(
        "Cost per lead, CAC and return on spend", spend is not None,
        "spend file loaded" if spend is not None else "no spend file"))
    caps.append(Capability(
        "Owners and routing", has("owner"),
        ("owners known" + ("" if has("assigned_at") else "; no assignment time, so no time to "
                           "assign")) if has("owner") else "no owner column"))
    caps.append(Capability("Loss reasons", has("lost_reason"),
                           "reasons known" if has("lost_reason") else "no loss reason column"))
    caps.append(Capability("Lead score check", has("score"),
                           "score known" if has("score") else "no lead score column"))
    caps.append(Capability(
        "Follow-up and touches", activities is not None,
        "activities loaded" if activities is not None
        else "no activities file: touch counts and follow-up unavailable"))
    caps.append(Capability(
        "Profile fit", bool(attributes),
        f"{len(attributes)} profile attributes" if attributes else "no profile attributes"))
    return caps
