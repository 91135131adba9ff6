"""The Funnel & leakage page: the funnel, side by side, cohorts, where and why leads stop,
leads left behind and velocity.

Results are memoised per session (:mod:`ui.memo`); every chart gets an aggregated frame
from :mod:`funnel` (never lead rows).
"""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from funnel.analyses.deals import deal_owners, unlinked_deals, unlinked_note
from funnel.analyses.funnel import cohort_trend, funnel_by, funnel_table
from funnel.analyses.leakage import (
    leak_flags,
    leak_summary,
    reason_categories,
    reason_labels,
    recycle_rule,
    stage_exits,
    stop_reasons,
    stopped_leads,
    unavailable_flags,
)
from funnel.analyses.velocity import sales_cycle, velocity_table
from funnel.charts import leakage as charts
from funnel.dataset.format import ci_text, percent
from funnel.dataset.labels import near_duplicate_labels
from funnel.dataset.privacy import personal_columns
from funnel.dataset.stages import RANKED, ranked
from funnel.ingest.checks import ACTIVITY_EXPORT, OWNERS
from ui import exports
from ui.drill import lead_list
from ui.format import md_escape
from ui.memo import memo
from ui.widgets.filters import export_end
from ui.widgets.layout import folded

# ---------------------------------------------------------------------------------------
# per-session memo
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# filters shared by the funnel and sources pages
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# funnel page sections
# ---------------------------------------------------------------------------------------

VIEWS = ("Where and why leads stop", "Side by side", "By month of entry", "Leads left behind",
         "Velocity")
"""The page's views below the funnel, one tab each: only the open one is computed and
drawn, so a filter change redraws the funnel and one view (``?view=`` names it in links;
the Diagnosis cards' "Chart:" links open theirs)."""

VIEW_WIDGETS = ("leak:by", "leak:cohort", "leak:stop_stage", "leak:stop_reason",
                "leak:reasons_by", "leak:stalled_days", "leak:flag", "leak:vel_by")
"""The views' choices kept while their tab is closed (:func:`ui.state.keep_widget_values`)."""

FUNNEL_COLUMNS = ("stage", "count", "previous", "rate_from_previous", "ci_low", "ci_high",
                  "rate_from_first", "first_ci_low", "first_ci_high")
"""The funnel tables' columns, each rate followed by its interval."""

FUNNEL_LABELS = {"count": "leads reaching it", "ci_low": "step 95% CI low",
                 "ci_high": "step 95% CI high"}

RANKED_KEY = "leak:ranked"
RANKED_SIZE = 4


def ranked_leads(sub) -> pl.DataFrame:
    """``sub``'s leads with their furthest stage computed once for the funnel, side by
    side, cohort and stop analyses (:func:`funnel.dataset.stages.ranked`; the same
    results, one pass fewer each); for counting only, never shown. The last few are kept,
    like the filtered views."""
    return memo("ranked", lambda d: ranked(d.leads), sub, _store=RANKED_KEY, _size=RANKED_SIZE)


def funnel_section(sub) -> None:
    """The stage funnel: chart and table with step and cumulative conversion."""
    table = memo("funnel", lambda d: funnel_table(ranked_leads(d)), sub)
    first = table["stage"][0]
    if first != "lead":  # an opportunity-only export: every record is at least one
        st.caption(f"Every record here reached {first}: the funnel starts there.")
    whole = "leads" if first == "lead" else f"at {first}"
    cols = st.columns(len(table))
    for c, row in zip(cols, table.iter_rows(named=True), strict=True):
        c.metric(md_escape(str(row["stage"])), f"{row['count']:,}",
                 help=f"{percent(row['rate_from_first'])} of {table['count'][0]:,} {whole} "
                      f"({ci_text(row['first_ci_low'], row['first_ci_high'])})")
    exports.chart(charts.funnel_parts(table), width="stretch")
    with folded("Funnel table", key="leak:funnel_table") as shown:
        if shown:
            exports.table(table.select(*FUNNEL_COLUMNS), hide_index=True,
                          labels=FUNNEL_LABELS)


def _plain(text: str) -> str:
    """``text`` with Markdown (and LaTeX) characters escaped, to show client text as is."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>$~])", r"\\\1", text)


def owner_caveat(ds) -> str | None:
    """Why leads are not split by owner on this page (the Data page's reason), or
    ``None`` when they can be: owners known mostly for one outcome (Olist's, only for
    won leads) would draw a split that looks complete and explains nothing."""
    cap = ds.health.capability(OWNERS)
    return cap.reason if cap is not None and cap.outcome_dependent else None


def owner_split_note(ds) -> None:
    """Say, once per section, why there is no split by owner (when there is none)."""
    why = owner_caveat(ds)
    if why and "owner" in ds.leads.columns:
        st.caption("Not split by owner: " + why + ".")


def breakdown_options(ds) -> list[str]:
    """Columns a funnel can be split by: source, campaign, owner (unless known mostly
    for one outcome, see :func:`owner_caveat`), then profile attributes (personal
    fields left out)."""
    leads = ds.leads
    personal = set(personal_columns(leads.head(500)))
    owner = () if owner_caveat(ds) else ("owner",)
    base = [c for c in ("source", "campaign", *owner) if c in leads.columns]
    return base + [a for a in ds.attributes if a in leads.columns and a not in personal
                   and a not in base and a != "owner"]


def breakdown_section(ds, sub) -> None:
    """The funnel of each group of a chosen attribute, side by side."""
    options = memo("breakdown_options", breakdown_options, ds)  # once per dataset
    owner_split_note(ds)
    if not options:
        st.info("No source, campaign, owner or profile attribute to split the funnel by.")
        return
    by = st.selectbox("Split the funnel by", options, key="leak:by")
    long = memo("funnel_by", lambda d, b: funnel_by(ranked_leads(d), by=b), sub, by)
    exports.chart(charts.funnel_by_parts(long, by=by))
    merged = memo("dups", lambda d, b: near_duplicate_labels(d.leads, column=b), sub, by)
    if merged.height:
        st.caption("Labels differing only in case or spacing are counted together: "
                   + ", ".join(md_escape(f"{r['label']!r} → {r['merged_into']!r}")
                               + f" ({r['leads']:,})"
                               for r in merged.iter_rows(named=True)))
    with folded(f"Funnel by {md_escape(by)}: table", key="leak:by_table") as shown:
        if shown:
            exports.table(long.select("group", "leads", *FUNNEL_COLUMNS), hide_index=True,
                          labels={**FUNNEL_LABELS, "group": by})


def cohort_section(ds, sub) -> None:
    """Conversion by month of entry, recent cohorts marked as still maturing."""
    if "created_at" not in sub.leads.columns or sub.leads.height == 0:
        st.info("No creation dates: no trend by month of entry.")
        return
    now = export_end(ds)
    trend = memo("cohorts", lambda d, n: cohort_trend(ranked_leads(d), now=n), sub, now)
    stages = trend["stage"].unique(maintain_order=True).to_list()
    if not stages:
        st.info("No stage or outcome information: no conversion trend.")
        return
    stage = st.selectbox("Stage reached", stages, index=len(stages) - 1, key="leak:cohort")
    exports.chart(charts.cohort_parts(trend, stage=stage), width="stretch")
    days = trend.filter(pl.col("stage") == stage)["mature_days"].drop_nulls()
    if days.len():
        st.caption(f"A month is **still maturing** while its youngest leads are under "
                   f"{days[0]:.0f} days old: 80% of the leads that reached {stage} got there "
                   "within that time, so a recent month's low rate is not a failure yet.")


def _edit_categories(labels: pl.DataFrame, saved: dict) -> None:
    """The editor of the categories: ``saved`` (raw → category) holds what was typed."""
    st.caption("Type a category next to the reasons to merge (e.g. 'Price too high' and "
               "'No budget' → 'Money'); empty keeps the reason as it is.")
    frame = labels.with_columns(pl.col("reason").replace_strict(
        saved, default="", return_dtype=pl.String).alias("category"))
    edited = st.data_editor(frame, hide_index=True, key="leak:cat_editor",
                            disabled=["reason", "leads"])
    rows = edited.to_dicts() if hasattr(edited, "to_dicts") else edited.to_dict("records")
    saved.clear()
    saved.update({r["reason"]: r["category"] for r in rows if (r["category"] or "").strip()})


def reason_editor(sub) -> dict[str, str]:
    """Let the user merge loss reasons into categories; returns raw → category."""
    labels = memo("reasons", lambda d: reason_labels(d.leads), sub)
    if labels.height == 0:
        return {}
    saved: dict = st.session_state.setdefault("leak:categories", {})
    with folded("Group loss reasons into categories", key="leak:categories_open") as shown:
        if shown:  # folded, the categories typed so far still apply
            _edit_categories(labels, saved)
    return reason_categories(labels["reason"].to_list(), edits=saved)


def stops_section(sub) -> None:
    """Where leads stop and why, with reasons merged by the user, by source or campaign."""
    exits = memo("exits", lambda d: stage_exits(ranked_leads(d)), sub)
    shown = exits.drop("lost")
    if not exits["unknown"].sum():
        shown = shown.drop("unknown")
    exports.table(shown, hide_index=True, labels={
        "stopped": "stopped (lost)", "open": "still open", "unknown": "outcome unknown",
        "ci_low": "stop rate 95% CI low", "ci_high": "stop rate 95% CI high"})
    st.caption("Stopped: lost at that stage, closed without reaching the next one "
               "(stop rate = stopped / reached, with its 95% interval). Leads still open "
               "there have not stopped: they are counted apart"
               + (", as are leads whose outcome is unknown." if exits["unknown"].sum()
                  else "."))
    cats = reason_editor(sub)
    frozen = tuple(sorted(cats.items()))
    reasons = memo("stops", lambda d, c: stop_reasons(ranked_leads(d), categories=dict(c)),
                   sub, frozen)
    if not reasons.height:  # nothing lost here: no reasons, no empty chart or table
        st.info("No lead stopped (lost) in this view, so there are no reasons to show.")
        return
    exports.chart(charts.reasons_parts(reasons), width="stretch")
    c = st.columns(2)
    stage = c[0].selectbox("Leads that stopped at", reasons["stage"].unique(
        maintain_order=True).to_list(), key="leak:stop_stage")
    here = reasons.filter(pl.col("stage") == stage)
    reason = c[1].selectbox("for the reason", here["reason"].to_list(), key="leak:stop_reason")
    # not memoised: a list of leads can be large, and this is quick to redo
    behind = stopped_leads(ranked_leads(sub), stage=stage, reason=reason,
                           categories=cats).drop(RANKED)
    lead_list(behind, key="leak:drill_stops", title=f"Stopped at {stage}: {reason}")
    split = [c for c in ("source", "campaign") if c in sub.leads.columns]
    if not split:
        return
    with folded(f"Reasons by {' or '.join(split)}: table", key="leak:reasons_by_open") as shown:
        if not shown:  # a long table (stage × group × reason): drawn when unfolded
            return
        by = st.radio("Reasons by", split, horizontal=True, key="leak:reasons_by")
        per = memo("stops_by", lambda d, c, b: stop_reasons(
            ranked_leads(d), categories=dict(c), by=b), sub, frozen, by)
        exports.table(per, hide_index=True, labels={"leads": "leads (this reason)",
                                                    "stopped": "stopped at this stage",
                                                    "share": "share of those stopped"})


FLAG_NOUNS = {"never_touched": "never-followed-up leads", "stalled": "stalled leads",
              "recycled": "recycled leads"}


def missing_note(missing: dict[str, str], names: dict[str, str]) -> str:
    """What the left-behind counts shown as "—" need, the export that enables them said
    once (:func:`funnel.analyses.leakage.unavailable_flags` gives ``missing``; ``names``
    are the metrics' labels)."""
    tail = f"; load {ACTIVITY_EXPORT}"
    need = [f for f in missing if missing[f].endswith(tail)]
    parts = [f"{names[f]} cannot be counted: {missing[f].removesuffix(tail)}."
             for f in missing]
    if need:
        parts.append(f"To see {' and '.join(FLAG_NOUNS[f] for f in need)}, load "
                     f"{ACTIVITY_EXPORT}.")
    return "".join(" " + p for p in parts)


def left_behind_section(ds, sub) -> None:
    """Never followed up, stalled and recycled leads: counts, by owner (or source), and
    the leads. A flag the data cannot show reads "—" with why and what would enable it."""
    now = export_end(ds)
    # the recycling rule reads the leads' labels: once per filtered view, for all three uses
    rule = memo("recycle_rule", lambda d: recycle_rule(d.leads), sub)
    missing = memo("leak_missing", lambda d: unavailable_flags(d, recycle=rule), sub)
    days = 30
    if "stalled" not in missing:
        days = st.number_input("Stalled after how many days without activity", min_value=1,
                               max_value=3650, value=30, step=1, key="leak:stalled_days")
    flags = memo("flags", lambda d, n, k: leak_flags(d, now=n, stalled_days=k, recycle=rule),
                 sub, now, int(days))
    overall = memo("leak_all", lambda d, n, k: leak_summary(d.leads, flags),
                   sub, now, int(days)).row(0, named=True)
    c = st.columns(3)
    names = {"never_touched": "Never followed up", "stalled": f"Stalled > {int(days)} days",
             "recycled": "Recycled to marketing"}
    if "stalled" in missing:
        names["stalled"] = "Stalled"
    for col, (flag, label) in zip(c, names.items(), strict=True):
        v = None if flag in missing else overall[flag]
        col.metric(label, "—" if v is None else f"{v:,}",
                   help=(missing.get(flag, "cannot be seen in this data") if v is None else
                         f"{percent(overall[f'{flag}_share'])} of {overall['leads']:,} leads "
                         f"({ci_text(overall[f'{flag}_ci_low'], overall[f'{flag}_ci_high'])})"))
    said = {"never_touched": "Never followed up: no sales touch by the export's end.",
            "stalled": f"Stalled: open, nothing happened for {int(days)} days before "
                       f"{now:%Y-%m-%d}." if now else "",
            # the recycling rule quotes the client's column and labels: no Markdown in it
            "recycled": "Recycled: " + _plain(rule[1]) + "."}
    st.caption(" ".join(said[f] for f in names if f not in missing) + missing_note(missing, names))
    known = [f for f in names if f not in missing and overall[f] is not None]
    by = ("owner" if "owner" in sub.leads.columns and not owner_caveat(ds) else
          "source" if "source" in sub.leads.columns else None)
    if by and known:
        if by != "owner":
            owner_split_note(ds)
        flag = st.radio("Show by " + md_escape(by), known, format_func=names.get, horizontal=True,
                        key="leak:flag")
        summary = memo("leak_by", lambda d, n, k, b: leak_summary(d.leads, flags, by=b),
                       sub, now, int(days), by)
        exports.chart(charts.leak_parts(summary, flag=flag, by=by), width="stretch")
        lead_list(sub.leads.filter(flags[flag].fill_null(False)), key="leak:drill",
                  title=f"Leads {names[flag].lower()}")


NO_MEDIAN = ("No median time between stages yet: at every step fewer than half of the "
             "leads still in the race had moved on by the export's end (open leads are "
             "censored there), so no median can be claimed. The counts are in the table.")


def velocity_section(ds, sub) -> None:
    """Median time between stages and the sales cycle, open leads censored."""
    now = export_end(ds)
    if now is None or "created_at" not in sub.leads.columns:
        st.info("No dates: velocity cannot be measured.")
        return
    owner = () if owner_caveat(ds) else ("owner",)
    split = ["(all leads)"] + [c for c in ("source", *owner, "campaign")
                               if c in sub.leads.columns]
    by = st.selectbox("Velocity by", split, key="leak:vel_by")
    by = None if by == "(all leads)" else by
    table = memo("velocity", lambda d, n, b: velocity_table(d.leads, now=n, by=b), sub, now, by)
    if table.height == 0:
        st.info("Fewer than two dated stages: no time between stages.")
        return
    if table["median_days"].is_not_null().any():
        exports.chart(charts.velocity_parts(table, by=by), width="stretch")
    else:  # an empty chart would look broken: say why there is nothing to draw
        st.info(NO_MEDIAN, icon=":material/hourglass_empty:")
    days = {"median_days": "median days", "ci_low": "95% CI low", "ci_high": "95% CI high",
            "moved": "moved on", "open": "still open"}
    exports.table(table, hide_index=True, labels=days)
    try:
        cycle = memo("cycle", lambda d, n, b: sales_cycle(d, now=n, by=b), sub, now, by)
    except ValueError as exc:
        st.caption(f"No sales cycle: {md_escape(str(exc))}.")
        return
    st.markdown(f"**Sales cycle** (created → won, {md_escape(cycle['population'][0])}; open "
                "deals censored at the export's end, lost ones left out)")
    exports.table(cycle.drop("population"), hide_index=True, labels={**days, "moved": "won"})
    unlinked = unlinked_deals(sub)
    note = unlinked_note(0 if unlinked is None else unlinked.height)
    if note:
        st.caption(note)


DEAL_OWNER_LABELS = {"win_rate": "win rate (of closed)", "ci_low": "95% CI low",
                     "ci_high": "95% CI high", "open_median_age_days": "open: median age (days)",
                     "open_oldest_days": "open: oldest (days)"}


def deals_section(ds, sub) -> None:
    """Each owner's deals, win rate and open pipeline age, over every deal kept (those
    without a lead in this export included, and said so)."""
    if sub.deals is None or "owner" not in sub.deals.columns or owner_caveat(ds):
        return  # no deals with owners, or owners known for one outcome only (said above)
    st.markdown("**Deals by owner** (win rate and open pipeline age)")
    table = memo("deal_owners", lambda d, n: deal_owners(d, now=n), sub, export_end(ds))
    exports.table(table, hide_index=True, labels=DEAL_OWNER_LABELS)
    unlinked = unlinked_deals(sub)
    st.caption("Every deal kept counts here, by its own owner; win rate is won over won "
               "and lost deals. " + (unlinked_note(unlinked.height) or ""))


# ---------------------------------------------------------------------------------------
# sources page sections
# ---------------------------------------------------------------------------------------


