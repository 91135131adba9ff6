"""Check the linked lead table: is it usable, what is odd about it, what can it support.

Rows that cannot be used were rejected while typing and linking; what is checked here
stays in the data. Whether anything usable is left (else an :class:`InputError`),
health warnings on kept leads (shared ids, responses or wins before creation, dates
in the future, missing outcomes), and which analyses the data can support and why
not.

An analysis resting on one field is *partial* when that field is known for fewer than
:data:`PARTIAL_BELOW` of the leads it applies to, or when whether it is known depends on
the outcome (:func:`field_coverage`); an owner known only for won leads cannot explain
who wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.format import header, percent
from funnel.dataset.schema import FIELDS, STAGE_DATES
from funnel.dataset.tables import Capability, Warning_, has_duplicates
from funnel.ingest.columns import EXAMPLES
from funnel.ingest.parsing import (
    detect_date_style,
    detect_decimal_comma,
    null_placeholders,
    parse_dates,
    parse_numbers,
)
from funnel.ingest.placeholders import placeholder_note
from funnel.ingest.readers import RawTable


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


def unused_field_warnings(raw: RawTable, role: str, colmap: dict[str, str]) -> list[Warning_]:
    """A warning per column named exactly like a number or date field that was not used
    as that field because too many of its values cannot be read (it stays as text): how
    many values could not be read, with examples, so an amount column is never left out
    of revenue silently."""
    out: list[Warning_] = []
    used = set(colmap.values())
    for col in raw.columns:
        kind = FIELDS[role].get(col)
        if col in used or col in colmap or kind not in ("number", "datetime"):
            continue
        values = null_placeholders(raw.column(col)).drop_nulls()
        if values.len() == 0:
            continue
        if kind == "number":
            read = parse_numbers(values, decimal_comma=detect_decimal_comma(values))
        else:
            style = detect_date_style(values)
            read = parse_dates(values, style) if style else values.clear(values.len()).cast(
                pl.Datetime("us"))
        bad = values.filter(read.is_null())
        if bad.len() == 0:
            continue
        what = "numbers" if kind == "number" else "dates"
        shown = ", ".join(repr(v) for v in bad.unique(maintain_order=True).head(EXAMPLES))
        out.append(Warning_(
            "unreadable_values",
            f"{raw.name}: {col}: {bad.len():,} of {values.len():,} values could not be read "
            f"as {what} (e.g. {shown}){placeholder_note(bad)}, so the column is kept as "
            f"text, not used as {col}; map it in the mapping screen to use it.", bad.len()))
    return out


def lead_warnings(
    leads: pl.DataFrame, *, now: dt.datetime, outcome_info: bool
) -> list[Warning_]:
    """Warnings about kept leads: shared ids, a first response or a win before the lead
    was created, dates after ``now`` (plus a day), and leads without an outcome."""
    out: list[Warning_] = []
    dup = (leads.filter(pl.col("lead_id").is_duplicated() & pl.col("lead_id").is_not_null())
           if has_duplicates(leads["lead_id"]) else leads.clear())
    if dup.height:
        ids = dup["lead_id"].unique().head(EXAMPLES).to_list()
        rounded = (dup["lead_id"].cast(pl.String).str.contains(SCIENTIFIC).mean() or 0) >= 0.5
        out.append(Warning_("duplicate_ids", f"{dup.height:,} leads share an id with another lead "
                            f"(e.g. {', '.join(map(repr, ids))}); they are kept and counted "
                            "separately." + (ROUNDED_IDS if rounded else ""), dup.height))
    cols = leads.columns
    if "first_response_at" in cols and "created_at" in cols:
        n = leads.filter(pl.col("first_response_at") < pl.col("created_at")).height
        if n:
            out.append(Warning_(
                "response_before_created",
                f"{_leads(n)} {_have(n)} a first response before {_they(n)} created.", n))
        if by_day := responses_by_day(leads):
            out.append(by_day)
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


PARTIAL_BELOW = 0.9
"""A field known for fewer than this share of the leads it applies to is partial."""

OUTCOME_GAP = 0.1
OUTCOME_RATIO = 2.0
"""Coverage depends on the outcome when the share of won leads with the field and the
share of the other leads with it differ by at least :data:`OUTCOME_GAP` and one is at
least :data:`OUTCOME_RATIO` times the other (or zero)."""

SCIENTIFIC = r"^\d\.\d+E\+\d+$"
"""An id a spreadsheet rounded into scientific notation (``5.12346E+10``)."""
ROUNDED_IDS = (" These ids were rounded by a spreadsheet (scientific notation), so leads that "
               "share one cannot be told apart and deals or activities cannot link to them: "
               "export the file again without opening and saving it in Excel.")

OWNERS = "Owners and routing"
WIN_RATE = "Win rate and conversion"
FOLLOW_UP = "Follow-up and touches"
ACTIVITY_EXPORT = "the CRM's activity export (calls, emails, meetings, one dated row each)"
"""The file that enables follow-up, touches and stalled leads, as the app names it."""


@dataclass(frozen=True)
class Coverage:
    """How many leads have a field, and whether that depends on the outcome.

    ``known`` of ``leads`` (the leads the field applies to: all, or the won or lost
    ones), ``name`` (how the text names the field), ``status``
    (``available``/``partial``/``unavailable``), ``outcome_dependent`` and ``text``, the
    sentence the Data page shows.
    """

    field: str
    name: str
    known: int
    leads: int
    status: str
    outcome_dependent: bool
    text: str


BY_DAY_SHARE = 0.9
"""Least share of first responses at midnight for the ``responses_by_day`` warning."""


def responses_by_day(leads: pl.DataFrame) -> Warning_ | None:
    """A warning when (nearly) every first response, or every creation time, is a date
    without a time of day (midnight: Salesforce's Task ``ActivityDate``, a report's
    *Create Date*) while the other has one: response times are then known to the day
    only (the *speed* place then compares days, not hours).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> responses_by_day(load_sample().leads) is None  # the sample's times have hours
    True
    """
    at_midnight = [(pl.col(c).dt.time() == dt.time(0)) & pl.col(c).is_not_null()
                   for c in ("first_response_at", "created_at")]
    both = pl.col("first_response_at").is_not_null() & pl.col("created_at").is_not_null()
    n, m_resp, m_made = leads.select(
        both.sum().alias("n"), (at_midnight[0] & both).sum().alias("resp"),
        (at_midnight[1] & both).sum().alias("made")).row(0)
    if n < 10:
        return None
    later = ("; a lead answered later on the day it arrived counts as answered at once "
             "(or, before the hour it arrived, as answered before it was created)")
    if m_resp >= BY_DAY_SHARE * n and m_made < 0.5 * n:
        what, count, fix = (f"The first responses of {m_resp:,} of {_leads(n)} carry a date "
                            "but no time of day", m_resp, "a column with the time of each "
                            "activity (Salesforce: CompletedDateTime)")
    elif m_made >= BY_DAY_SHARE * n and m_resp < 0.5 * n:
        what, count, fix = (f"The creation dates of {m_made:,} of {_leads(n)} with a first "
                            "response carry no time of day", m_made,
                            "a creation column with its time (Salesforce: Created Date, "
                            "shown with its time in the report)")
        later = ("; each is measured from midnight of the day the lead arrived, so up to a "
                 "day too long")
    elif m_resp >= BY_DAY_SHARE * n and m_made >= BY_DAY_SHARE * n:
        what, count, fix = (f"The creation dates and first responses of {m_resp:,} of "
                            f"{_leads(n)} carry no time of day", m_resp,
                            "columns with their times")
        later = ("; a lead answered on the day it arrived counts as answered at once")
    else:
        return None
    return Warning_(
        "responses_by_day", f"{what}, so their response times are known to the day only"
        f"{later}, and the hour buckets (under 1 h, 1–4 h) are not measured. Map {fix} if "
        "the export has one.", count)


def _by_outcome(leads: pl.DataFrame, field: str) -> tuple[bool, str]:
    """Whether ``field`` is known far more often for one outcome, and who has it."""
    if "outcome" not in leads.columns:
        return False, ""
    won = (pl.col("outcome") == "won").fill_null(False)
    known = pl.col(field).is_not_null()
    kw, nw, ko, no = leads.select(
        (known & won).sum().alias("kw"), won.sum().alias("nw"),
        (known & ~won).sum().alias("ko"), (~won).sum().alias("no")).row(0)
    if not nw or not no or not (kw + ko):
        return False, ""
    cw, co = kw / nw, ko / no
    hi, lo = max(cw, co), min(cw, co)
    if hi - lo < OUTCOME_GAP or (lo and hi / lo < OUTCOME_RATIO):
        return False, ""
    if not ko:
        return True, "all of them won" if kw > 1 else "a won lead"
    if not kw:
        return True, "none of them won"
    return True, (f"{percent(cw)} of won leads ({kw:,} of {nw:,}) but {percent(co)} of the "
                  f"others ({ko:,} of {no:,})")


def _counted(leads: pl.DataFrame, field: str, among: str | None) -> tuple[int, int]:
    """The leads (the ``among`` ones, when given) and those of them with ``field``,
    counted without copying the rows."""
    if among is None or "outcome" not in leads.columns:
        n = leads.height
        return n, (n - leads[field].null_count() if field in leads.columns else 0)
    these = (pl.col("outcome") == among).fill_null(False)
    known = these & pl.col(field).is_not_null() if field in leads.columns else pl.lit(False)
    n, k = leads.select(these.sum(), known.sum().alias("k")).row(0)
    return int(n), int(k)


def field_coverage(
    leads: pl.DataFrame, field: str, *, among: str | None = None, name: str | None = None,
) -> Coverage:
    """How many leads have ``field`` (of all leads, or of the ``among`` = ``"won"`` or
    ``"lost"`` ones), and whether having it depends on the outcome.

    Unavailable when no lead has it; partial when fewer than :data:`PARTIAL_BELOW` of
    the leads have it or (over all leads) it is known mostly for one outcome; else
    available. ``name`` is how the text names the field (default: ``field``).

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"lead_id": list("abcd"), "outcome": ["won", "lost", "open", "lost"],
    ...                       "owner": ["Ann", None, None, None]})
    >>> c = field_coverage(leads, "owner")
    >>> c.status, c.outcome_dependent, c.text
    ('partial', True, 'owner known for 1 of 4 leads (25.0%), a won lead')
    >>> field_coverage(leads.with_columns(owner=pl.lit("Ann")), "owner").text
    'owner known for all 4 leads'
    """
    name = name or field
    noun = "leads" if among is None else f"{among} leads"
    n, k = _counted(leads, field, among)
    if field not in leads.columns:
        return Coverage(field, name, 0, n, "unavailable", False, f"no {name} column")
    if not k:
        return Coverage(field, name, 0, n, "unavailable", False,
                        f"no {name} recorded" + (f" for the {noun}" if among else "")
                        if n else f"no {noun}")
    dependent, who = (_by_outcome(leads, field) if among is None and field != "outcome"
                      else (False, ""))
    text = (f"{name} known for all {n:,} {noun}" if k == n
            else f"{name} known for {k:,} of {n:,} {noun} ({percent(k / n)})")
    if dependent:
        text += f", {who}"
    status = "partial" if dependent or k < PARTIAL_BELOW * n else "available"
    return Coverage(field, name, k, n, status, dependent, text)


def _cap(analysis: str, cov: Coverage, *, note: str = "") -> Capability:
    """A capability resting on one field's coverage; ``note`` adds to the reason."""
    why = cov.text
    if cov.outcome_dependent:
        why += f": a split by {cov.name} cannot explain who wins"
    return Capability(analysis, cov.status != "unavailable", why + note, cov.status,
                      cov.outcome_dependent)


def capabilities(
    leads: pl.DataFrame, *, deals: pl.DataFrame | None, activities: pl.DataFrame | None,
    spend: pl.DataFrame | None, attributes: list[str], wins_unknown: str | None = None,
) -> list[Capability]:
    """Whether each analysis can run on these tables, partly or fully, and why (not).

    Analyses resting on one field (outcome, creation date, amount, owner, loss reason,
    score) take its :func:`field_coverage`; follow-up needs activities (with dates for
    stalled leads). ``wins_unknown``: why no lead can show as won in these files (a
    Salesforce leads report without its opportunities), which makes the win rate
    unavailable.

    Examples
    --------
    >>> import polars as pl
    >>> leads = pl.DataFrame({"lead_id": list("abcd"), "outcome": ["won", "lost", "open", "lost"],
    ...                       "owner": ["Ann", None, None, None]})
    >>> caps = capabilities(leads, deals=None, activities=None, spend=None, attributes=[])
    >>> owners = next(c for c in caps if c.analysis == OWNERS)
    >>> owners.status, owners.outcome_dependent
    ('partial', True)
    >>> owners.reason
    'owner known for 1 of 4 leads (25.0%), a won lead: a split by owner cannot explain who wins'
    """
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
    outcome = field_coverage(leads, "outcome")
    caps.append(Capability(WIN_RATE, False, wins_unknown) if wins_unknown
                else _cap(WIN_RATE, outcome, note="" if outcome.status !=
                          "partial" else "; the others count as not won") if has("outcome")
                else Capability(WIN_RATE, False, "no outcome, deal or won column"))
    speed = has("first_response_at") and has("created_at")
    caps.append(Capability(
        "Response time (speed to lead)", speed,
        "first sales touch known" if speed else (
            "no first-response time: response-time analysis unavailable (load activities "
            "with dates, or map a first-touch date)" if has("created_at")
            else "no creation date: response-time analysis unavailable")))
    caps.append(_cap("Trends by month and cohorts", field_coverage(
        leads, "created_at", name="creation date")) if has("created_at") else Capability(
        "Trends by month and cohorts", False,
        "no creation date: trends, cohorts and velocity unavailable"))
    dated = [c for c in ("created_at", *STAGE_DATES.values(), "closed_at") if has(c)]
    caps.append(Capability(
        "Velocity (time between stages)", len(dated) >= 2,
        f"dates for {', '.join(header(c) for c in dated)}" if len(dated) >= 2
        else "fewer than two dated stages"))
    caps.append(_cap("Revenue", field_coverage(leads, "amount", among="won",
                                               name="deal amount")) if has("amount")
                else Capability("Revenue", False, "no amount or deal value"))
    caps.append(Capability(
        "Cost per lead, CAC and return on spend", spend is not None,
        "spend file loaded" if spend is not None else "no spend file"))
    owners = field_coverage(leads, "owner")
    moot = owners.status == "unavailable" or owners.outcome_dependent
    caps.append(_cap(OWNERS, owners, note="" if has("assigned_at") or moot
                     else "; no assignment time, so no time to assign"))
    caps.append(_cap("Loss reasons", field_coverage(leads, "lost_reason", among="lost",
                                                    name="loss reason")))
    caps.append(_cap("Lead score check", field_coverage(leads, "score", name="lead score")))
    caps.append(_follow_up(leads, activities))
    caps.append(Capability(
        "Profile fit", bool(attributes),
        f"{len(attributes)} profile attributes" if attributes else "no profile attributes"))
    return caps


def _follow_up(leads: pl.DataFrame, activities: pl.DataFrame | None) -> Capability:
    """Follow-up, touches and stalled leads: they need activities, stalled ones dated."""
    if activities is None:
        return Capability(FOLLOW_UP, False, "no activities file: touches, follow-up and "
                          f"stalled leads unavailable; load {ACTIVITY_EXPORT}")
    touched = int((leads["touches"].fill_null(0) > 0).sum()) if "touches" in leads.columns \
        else 0
    why = (f"activities for {touched:,} of {leads.height:,} leads "
           f"({percent(touched / leads.height) if leads.height else '—'}); "
           "the others were never touched")
    if "at" not in activities.columns or activities["at"].null_count() == activities.height:
        return Capability(FOLLOW_UP, True, why + "; the activities have no dates, so "
                          "stalled leads cannot be seen", "partial")
    return Capability(FOLLOW_UP, True, why)
