"""The Speed-to-lead page: settings widgets, the page's computations memoised per session
(:mod:`ui.memo`), the "what export would enable this" message, and small renderers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from funnel import Dataset
from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.curve import ResponseCurve
from funnel.analyses.speed.routing import (
    assignment_times,
    owner_scorecard,
    persistence,
    reassignments,
    unassigned_summary,
)
from funnel.analyses.speed.sla import benchmark_comparison, sla_compliance, sla_loss_estimate
from funnel.analyses.speed.summary import response_summary
from funnel.analyses.speed.times import BUCKETS, has_stage_info, prepare_response, response_times
from funnel.analyses.speed.views import (
    arrival_heatmap,
    bucket_table,
    rate_by_hours,
    response_histogram,
    response_percentiles,
    still_waiting,
)
from funnel.dataset.format import amount_text, share_text
from ui import exports
from ui.drill import lead_list
from ui.format import md_escape
from ui.memo import memo
from ui.state import profile_in_use, profile_in_use_fit, profile_in_use_line

MEMO_KEY = "speed:memo"
PROFILE_COLUMN = "__in_profile"
SLA_PARAM = "sla"



def no_touch_times_message(ds: Dataset) -> str:
    """Which export would enable the page, for a dataset without first-touch times: about
    this data (its lead count, what it has), naming no dataset."""
    n = ds.leads.height
    leads = f"{n:,} lead{'s' if n != 1 else ''}"
    if not ds.has("created_at"):
        return (f"**No creation dates and no touch times** in these {leads}, so response "
                "times cannot be measured. To enable this page, load the lead export *with "
                "its create date* (HubSpot *Create Date*, Salesforce *Created Date*) **and** "
                "the CRM's activity log: one row per call, e-mail or meeting with the lead's "
                "id, the date/time it was done and the rep (Pipedrive *Activities*, HubSpot "
                "*Calls/E-mails* engagements, Salesforce *Tasks* with *WhoId*). A lead's "
                "first activity is its first touch.")
    dated = int(ds.leads["created_at"].is_not_null().sum())
    return (f"**No first-touch times**: {dated:,} of these {leads} have a creation date, but "
            "nothing says when sales first reached out (a *first contact* date that is the "
            "day the lead arrived is a creation date, not a touch). To enable this page, add "
            "the CRM's activity log — one row per call, e-mail or meeting with the lead's id, "
            "the date/time and the rep (Pipedrive *Activities*, HubSpot *Calls/E-mails* "
            "engagements, Salesforce *Tasks*) — or map a *first contacted* / *first response* "
            "date column on the Data page.")


def by_day_note(ds: Dataset) -> None:
    """The ``responses_by_day`` warning, on the page whose hour buckets it concerns."""
    for w in ds.health.warnings:
        if w.code == "responses_by_day":
            st.warning(w.message, icon=":material/calendar_today:")


def sla_input() -> float:
    """The SLA in hours: a number input, seeded from ``?sla=`` and written back to it."""
    default = 1.0
    raw = st.query_params.get(SLA_PARAM)
    if "speed:sla" not in st.session_state:
        with contextlib.suppress(ValueError):
            default = float(raw) if raw is not None and float(raw) > 0 else default
        st.session_state["speed:sla"] = default
    sla = st.number_input("SLA: first touch within (hours)", min_value=0.25, max_value=720.0,
                          step=0.25, key="speed:sla",
                          help="Leads not touched within this many hours (never-touched leads "
                               "included) count as misses.")
    st.query_params[SLA_PARAM] = f"{sla:g}"
    return float(sla)


def clock_input() -> BusinessClock | None:
    """Wall-clock or business hours; the working week when business hours are chosen."""
    mode = st.radio("Count", ["Wall-clock hours", "Business hours"], horizontal=True,
                    key="speed:clock", help="Business hours count only the team's working "
                                            "days and hours.")
    if mode == "Wall-clock hours":
        return None
    with st.expander("Working hours", expanded=False):
        c = st.columns(3)
        start = c[0].number_input("Opens (hour)", 0.0, 23.5, 8.0, 0.5, key="speed:open")
        end = c[1].number_input("Closes (hour)", 0.5, 24.0, 18.0, 0.5, key="speed:close")
        days = c[2].multiselect("Working days", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                                default=["Mon", "Tue", "Wed", "Thu", "Fri"], key="speed:days")
        tz = st.text_input("Team time zone (IANA, empty = as exported)", "",
                           key="speed:tz").strip() or None
        data_tz = st.text_input("Times in the export are in (empty = the team's local time)",
                                "", key="speed:data_tz").strip() or None
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    try:
        return BusinessClock(start_hour=start, end_hour=end,
                             weekdays=tuple(names.index(d) for d in days) or (0,),
                             timezone=tz, data_timezone=data_tz)
    except ValueError as exc:
        st.error(f"Working hours not usable ({md_escape(str(exc))}); counting wall-clock "
                 "hours instead.")
        return None


def profile_flag(ds: Dataset) -> tuple[Dataset, str | None, str | None]:
    """The dataset with a boolean in-profile column, when a profile is in use.

    Uses :func:`ui.state.profile_in_use` (the Profile page's first profile), as every
    page does, and says which under the page's title. Returns the dataset (a copy with
    the column, memoised), the column name and the profile's name.
    """
    profile, origin = profile_in_use()
    st.text(profile_in_use_line(ds))  # the profile's name is the user's: never Markdown
    st.caption(f"{origin} The conversion and SLA views adjust for it."
               if profile is not None else origin)
    if profile is None:
        return ds, None, None

    def build():
        fit = profile_in_use_fit(ds)
        leads = ds.leads.with_columns(pl.Series(PROFILE_COLUMN, fit.in_profile_))
        return Dataset(leads, ds.deals, ds.activities, ds.spend, ds.attributes, ds.mapping,
                       ds.health, ds.label)

    key = (profile.to_json(),)
    try:
        flagged = memo("profile_flag", lambda d, k: build(), ds, key, _store=MEMO_KEY)
    except Exception as exc:  # noqa: BLE001 - a broken profile must not take the page down
        st.caption(f"Profile fit not used for the adjustment: {md_escape(str(exc))}")
        return ds, None, None
    return flagged, PROFILE_COLUMN, profile.name




def bucket_drill(ds: Dataset, *, clock: BusinessClock | None, now) -> None:
    """Pick a response bucket and see its leads (personal fields masked)."""
    pick = st.selectbox("Show the leads in a response bucket", ["—", *BUCKETS],
                        key="speed:drill")
    if pick == "—":
        return
    times = memo("times", lambda d, c, n: response_times(d.leads, clock=c, now=n), ds, clock,
                 now, _store=MEMO_KEY)
    ids = times.filter(pl.col("bucket") == pick).select("lead_id", "response_hours")
    rows = ds.leads.join(ids, on="lead_id", how="inner")
    lead_list(rows, key=f"speed:drill:{pick}", title=f"Leads first touched: {pick}",
              ask=False)  # the user asked by picking a bucket


class SpeedView:
    """The page's computations for one dataset, clock and export end, memoised per session.

    Each method calls one analysis of :mod:`funnel.analyses.speed` and keeps its
    (aggregated) result, so changing the SLA recomputes only what depends on it.
    """

    def __init__(self, ds: Dataset, *, clock: BusinessClock | None, now) -> None:
        self.ds, self.clock, self.now = ds, clock, now
        self.leads = ds.leads
        # response times computed once per clock; every view below reuses them
        self.times = memo("prepared", lambda d, c, n: prepare_response(d.leads, clock=c, now=n),
                          ds, clock, now, _store=MEMO_KEY)

    def _m(self, name: str, params: tuple, fn: Callable[[], Any]) -> Any:
        return memo(name, lambda d, *p: fn(), self.ds, self.clock, self.now, *params,
                    _store=MEMO_KEY)

    def summary(self) -> dict:
        """``response_summary`` without the SLA part (the SLA comes from :meth:`sla`), so
        an SLA change does not refit the Kaplan–Meier curve."""
        return self._m("summary", (), lambda: response_summary(
            self.ds, sla_hours=None, clock=self.clock, now=self.now, prepared=self.times))

    def sla(self, sla: float, by: str | tuple[str, ...] | None = None) -> pl.DataFrame:
        return self._m("sla", (sla, by), lambda: sla_compliance(
            self.times, sla_hours=sla, by=by, clock=self.clock, now=self.now))

    def histogram(self) -> pl.DataFrame:
        return self._m("hist", (), lambda: response_histogram(
            self.times, clock=self.clock, now=self.now))

    def curve(self, by: str | None) -> pl.DataFrame:
        return self._m("curve", (by,), lambda: still_waiting(
            self.times, by=by, clock=self.clock, now=self.now))

    def percentiles(self, by: str | None) -> pl.DataFrame:
        return self._m("pct", (by,), lambda: response_percentiles(
            self.times, by=by, clock=self.clock, now=self.now))

    def fit(self, target: str, profile: str | None):
        strata = [c for c in ("source",) if c in self.leads.columns]
        return self._m("fit", (target, profile), lambda: ResponseCurve(
            target=target, strata=strata, profile=profile, clock=self.clock,
            now=self.now).fit(self.times))

    def bins(self) -> pl.DataFrame:
        return self._m("bins", (), lambda: rate_by_hours(
            self.times, clock=self.clock, now=self.now))

    def buckets(self) -> pl.DataFrame:
        return self._m("buckets", (), lambda: bucket_table(
            self.times, clock=self.clock, now=self.now))

    def heat(self, sla: float) -> pl.DataFrame:
        """Arrival heat map: KM medians once, the SLA share per cell for each SLA."""
        base = self._m("heat", (), lambda: arrival_heatmap(
            self.times, sla_hours=None, clock=self.clock))
        cells = self.sla(sla, ("weekday", "hour")).select(
            "weekday", "hour", "within_sla", "within_sla_share")
        return base.drop("within_sla", "within_sla_share").join(
            cells, on=["weekday", "hour"], how="left").select(base.columns)

    def loss(self, sla: float, profile: str | None) -> dict:
        strata = [c for c in ("source",) if c in self.leads.columns]
        return self._m("loss", (sla, profile), lambda: sla_loss_estimate(
            self.times, sla_hours=sla, strata=strata, profile=profile, clock=self.clock,
            now=self.now))

    def scorecard(self, sla: float) -> pl.DataFrame:
        return self._m("card", (sla,), lambda: owner_scorecard(
            self.times, sla_hours=sla, clock=self.clock, now=self.now))

    def routing(self) -> dict:
        """Assignment times, reassignments, unassigned summary and persistence (those
        the data supports; a missing one is a sentence saying why)."""

        def build() -> dict:
            out: dict[str, Any] = {}
            for name, fn in (("assign", lambda: assignment_times(self.leads, clock=self.clock)),
                             ("reassign", lambda: reassignments(self.ds)),
                             ("unassigned", lambda: unassigned_summary(self.leads,
                                                                         now=self.now)),
                             ("persistence", lambda: persistence(self.ds, now=self.now))):
                try:
                    out[name] = fn()
                except ValueError as exc:
                    out[name] = str(exc)
            return out

        return self._m("routing", (), build)


def show_table(frame: pl.DataFrame, *, labels: dict[str, str] | None = None) -> None:
    """A result table under plain-language headers, shares as percents and hours with
    one decimal (:func:`ui.exports.table`)."""
    exports.table(frame, hide_index=True, labels=labels)


def loss_panel(est: dict, *, unit: str, currency: str | None = None) -> None:
    """The labelled estimate of what slow responses cost (amounts in ``currency``, no
    symbol when the data names none)."""
    st.subheader("What missing the SLA costs — an estimate")
    q, w, rev = est["qualified"], est["won"], est["revenue"]
    parts = []
    def money(x: float) -> str:  # "$" would start LaTeX in Markdown
        return amount_text(x, money=True, currency=currency).replace("$", r"\$")

    if q and q["lost"] is not None:
        parts.append(f"**{amount_text(q['lost'])} qualified leads** (95% CI "
                     f"{amount_text(q['low'])}–{amount_text(q['high'])})")
    if w and w["lost"] is not None:
        parts.append(f"**{amount_text(w['lost'])} wins** (95% CI {amount_text(w['low'])}–"
                     f"{amount_text(w['high'])})")
    if rev:
        parts.append(f"about **{money(rev['lost'])}** in revenue (95% CI "
                     f"{money(rev['low'])}–{money(rev['high'])}; average won deal "
                     f"{money(rev['average_deal'])})")
    if not parts:
        st.caption("Not enough data for an estimate (no stages or outcomes, or no lead on one "
                   "side of the SLA).")
        return
    st.warning(f"{md_escape(est['label'])}: {', '.join(parts)} were lost among the "
               f"{est['missed']:,} leads that missed the {est['sla_hours']:g} {unit} SLA "
               f"(compared with {est['within']:,} answered within it; adjusted for "
               f"{md_escape(' and '.join(est['adjusted_for']) or 'nothing')}).",
               icon=":material/calculate:")
    st.caption("This is an estimate from the adjusted curve, not a measurement: it assumes "
               "the slow leads would have converted like same-source leads answered in time. "
               f"{est['not_yet_due']:,} recent leads whose deadline had not passed are left out.")


def routing_panel(view: SpeedView, *, sla: float, charts) -> None:
    """Owners' load vs speed vs conversion, time to assign, reassignments, persistence."""
    if "owner" not in view.leads.columns:
        st.info("No owner column: routing cannot be analysed. Map the lead owner (sales rep) "
                "on the Data page.")
        return
    r = view.routing()
    un = r["unassigned"]
    if isinstance(un, dict):
        touched = (f"; {share_text(un['touched_share'])} of them were ever touched"
                   if un["touched_share"] is not None else "")
        st.markdown(f"**Unassigned leads:** {un['unassigned']:,} of {un['leads']:,} "
                    f"({share_text(un['unassigned_share'])}, 95% CI {share_text(un['ci_low'])}–"
                    f"{share_text(un['ci_high'])}){touched}.")
    card = view.scorecard(sla)
    target = "qualified" if card["qualified_adj"].null_count() < card.height else "won"
    exports.chart(charts.owner_chart(card, target=target))
    show_table(card, labels={"rate": "win rate"})
    for name, title in (("assign", "Time to assign (hours from creation to assignment)"),
                        ("reassign", "Reassignments: owner changes in the activities"),
                        ("persistence", "Persistence: touches before contact or giving up")):
        st.markdown(f"**{title}**")
        val = r[name]
        if isinstance(val, str):
            st.caption(val)
        else:
            show_table(val)


PERCENTILE_LABELS = {f"p{q}{end}": f"p{q} {'(h)' if not end else end[1:]}"
                     for q in (50, 75, 90) for end in ("", "_low", "_high")}
"""Short headers of the percentile table (the caption says they are hours and 95% CIs)."""

TABS = ("Waiting time", "Conversion by speed", "SLA", "Routing")
"""The page's tabs; the open one is kept in the URL as ``?view=``."""


def waiting_tab(view: SpeedView, *, sla: float, unit: str, charts) -> None:
    """Histogram/ECDF of the time to first touch, the KM curve and its percentiles."""
    exports.chart(charts.response_histogram_chart(view.histogram(), sla_hours=sla, unit=unit))
    split = st.selectbox("Split the curve by", ["—", "owner", "source"], key="speed:split")
    by = split if split in view.leads.columns else None
    exports.chart(charts.still_waiting_chart(view.curve(by), by=by, sla_hours=sla, unit=unit))
    st.caption("p50/p75/p90: hours by which 50/75/90% of the leads had a first touch "
               "(Kaplan–Meier, never-touched leads censored; empty when fewer were ever "
               "touched), each with its 95% interval (low, high); median hours (touched "
               "leads): among touched leads only.")
    show_table(view.percentiles(by), labels=PERCENTILE_LABELS)


def conversion_tab(view: SpeedView, *, sla: float, profile: str | None,
                   profile_name: str | None, charts) -> None:
    """Raw vs adjusted rate per bucket with the story sentence, smooth curve, benchmarks."""
    leads = view.leads
    targets = [t for t, ok in (("qualified", has_stage_info(leads)),
                               ("won", "outcome" in leads.columns)) if ok]
    if not targets:
        st.info("No stages or outcomes: conversion by response time needs stage dates, a stage "
                "column or deal outcomes.")
        return
    target = st.radio("Rate", targets, horizontal=True, key="speed:target",
                      format_func={"qualified": "Qualified (SQL or later)", "won": "Won"}.get)
    fit = view.fit(target, profile)
    (st.warning if fit.story_changed_ else st.success)(md_escape(fit.story_))
    strata = [s for s in fit.strata_ if s != profile]
    st.caption(f"Adjusted for {md_escape(' and '.join(strata) or 'nothing')}"
               + (f" and fit to the profile “{md_escape(profile_name)}”" if profile_name else "")
               + " by direct standardisation to the mix of all leads.")
    exports.chart(charts.bucket_chart(fit.table_, target=target))
    exports.chart(charts.smooth_rate_chart(view.bins(), target=target, sla_hours=sla))
    bench = benchmark_comparison(view.buckets(), target=target)
    exports.chart(charts.benchmark_chart(bench))
    st.caption(" · ".join(f"{r['published_label']} (measured: {md_escape(str(r['measured']))})"
                          for r in bench.to_dicts())
               + f" · Your data: {bench['yours'][-1]:.1%} of leads never touched.")
    bucket_drill(view.ds, clock=view.clock, now=view.now)


def sla_tab(view: SpeedView, *, sla: float, unit: str, profile: str | None, charts) -> None:
    """Compliance by owner, source and weekday; arrival heat maps; the loss estimate."""
    overall = view.sla(sla).row(0, named=True)["within_sla_share"]
    for by in [b for b in ("owner", "source") if b in view.leads.columns] + ["weekday"]:
        exports.chart(charts.sla_chart(view.sla(sla, by), by=by, overall=overall))
    heat = view.heat(sla)
    exports.chart(charts.arrival_heatmap_chart(heat))
    exports.chart(charts.arrival_heatmap_chart(heat, value="within_sla_share"))
    loss_panel(view.loss(sla, profile), unit=unit, currency=exports.data_currency(view.ds))
