"""Streamlit side of the funnel, sources and trace pages: filters, per-session memo, sections.

Client data never goes into ``st.cache_data``: results are memoised in this session's
``st.session_state`` (keyed by the dataset object and the parameters, bounded). Every
chart gets an aggregated frame from :mod:`funnel` (never lead rows).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from collections.abc import Callable

import polars as pl
import streamlit as st

from funnel.analyses.closed_loop import UNMATCHED, closed_loop, compare_groups, spend_matching
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
    with_latest_activity,
)
from funnel.analyses.velocity import sales_cycle, velocity_table
from funnel.charts import leakage as charts
from funnel.dataset import tables
from funnel.dataset.filters import Filters, apply_filters, filter_options, spend_note
from funnel.dataset.format import ci_text, percent
from funnel.dataset.labels import NONE_LABEL, label_key, near_duplicate_labels
from funnel.dataset.privacy import personal_columns
from ui import exports
from ui.drill import lead_list

MEMO_KEY = "leak:memo"
MEMO_SIZE = 48
FILTERED_KEY = "leak:filtered"
FILTERED_SIZE = 4
_FILTER_FIELDS = ("source", "owner", "campaign")


# ---------------------------------------------------------------------------------------
# per-session memo
# ---------------------------------------------------------------------------------------

def memo(name: str, fn: Callable, ds, *args, _store: str = MEMO_KEY, _size: int = MEMO_SIZE,
         **kwargs):
    """``fn(ds, *args, **kwargs)``, computed once per session for this dataset object
    and these (hashable) parameters; the oldest entries are dropped beyond the size.

    Entries hold the dataset weakly (a result never keeps a filtered dataset alive), and
    an entry whose dataset is gone counts as a miss (the id of a freed object can be
    reused)."""
    store: OrderedDict = st.session_state.setdefault(_store, OrderedDict())
    key = (name, id(ds), args, tuple(sorted(kwargs.items())))
    hit = store.get(key)
    if hit is not None and hit[0]() is ds:
        store.move_to_end(key)
        return hit[1]
    value = fn(ds, *args, **kwargs)
    store[key] = (weakref.ref(ds), value)
    while len(store) > _size:
        store.popitem(last=False)
    return value


# ---------------------------------------------------------------------------------------
# filters shared by the funnel and sources pages
# ---------------------------------------------------------------------------------------

def _keep(key: str) -> None:
    st.session_state[f"leak:keep:{key}"] = st.session_state[key]


def _restore(key: str, allowed: list | None = None) -> None:
    """Give a widget its last value, also when it comes back after a page change
    (Streamlit forgets a widget's state on a page where it is not drawn)."""
    kept = st.session_state.get(f"leak:keep:{key}")
    if kept is not None:
        if allowed is not None:
            kept = [v for v in kept if v in allowed]
        st.session_state[key] = kept


def _url_value(key: str, parse) -> None:
    """Apply a filter given in the URL (a shared link) once: it becomes the kept value."""
    values = st.query_params.get_all(key)
    seen = st.session_state.setdefault("leak:url_seen", {})
    if values and seen.get(key) != values:
        seen[key] = values
        value = parse(values)
        if value is not None:
            st.session_state[f"leak:keep:{key}"] = value


def _to_url(key: str, values: list[str]) -> None:
    """Write a filter into the URL (removed when it filters nothing), so a copied link
    reproduces the view, on this page and the next."""
    st.session_state.setdefault("leak:url_seen", {})[key] = values
    if values:
        st.query_params[key] = values
    elif key in st.query_params:
        del st.query_params[key]


def _dates(values: list[str]):
    try:
        lo, hi = values[0].split("..")
        return (dt.date.fromisoformat(lo), dt.date.fromisoformat(hi))
    except ValueError:
        return None


def filter_sidebar(ds) -> Filters:
    """Date range, source, owner and campaign filters in the sidebar; they apply to every
    view of the funnel and sources pages, survive a page change in this session and live
    in the URL (``?source=Referrals&created=2025-11-01..2025-12-31``)."""
    if st.session_state.get("leak:ds") != id(ds):  # new data: forget old choices
        for k in [k for k in st.session_state if str(k).startswith("leak:keep:")]:
            del st.session_state[k]
        st.session_state["leak:ds"] = id(ds)
    opts = memo("options", lambda d: filter_options(d.leads), ds)
    chosen: dict = {}
    with st.sidebar:
        st.markdown("**Filters** (all views on this page)")
        if opts["start"] is not None:
            key = "created"  # also the URL parameter
            _url_value(key, _dates)
            _restore(key)
            kept = st.session_state.get(key)
            if kept is not None and not all(opts["start"] <= d <= opts["end"] for d in kept):
                del st.session_state[key]
            if key not in st.session_state:
                st.session_state[key] = (opts["start"], opts["end"])
            picked = st.date_input("Created between", key=key, min_value=opts["start"],
                                   max_value=opts["end"], on_change=_keep, args=(key,))
            _keep(key)
            if isinstance(picked, tuple | list) and len(picked) == 2:
                if picked[0] > opts["start"]:
                    chosen["start"] = picked[0]
                if picked[1] < opts["end"]:
                    chosen["end"] = picked[1]
                whole = picked[0] <= opts["start"] and picked[1] >= opts["end"]
                _to_url(key, [] if whole else [f"{picked[0]}..{picked[1]}"])
        for f in _FILTER_FIELDS:
            if not opts[f]:
                continue
            key = f  # also the URL parameter: ?source=Referrals
            _url_value(key, list)
            _restore(key, opts[f])
            picked = st.multiselect(f.capitalize(), opts[f], key=key, on_change=_keep,
                                    args=(key,), placeholder=f"all {f}s")
            _keep(key)
            _to_url(key, [str(v) for v in picked])
            if picked:
                chosen[f] = tuple(picked)
    return Filters(**chosen)


def filtered_view(ds):
    """The sidebar filters, the dataset under them and a caption saying so; stops the
    page with a plain message when no lead matches (both funnel pages start here)."""
    filters = filter_sidebar(ds)
    sub = filtered(ds, filters)
    filter_caption(ds, sub, filters)
    if sub.leads.height == 0:
        st.warning("No lead matches these filters. Widen them in the sidebar.")
        st.stop()
    return sub


def filtered(ds, filters: Filters):
    """The dataset under ``filters`` (memoised; the same object when nothing is filtered)."""
    # once per dataset: each lead's latest activity (it does not change under a filter)
    base = memo("latest_activity", with_latest_activity, ds)
    if filters.empty:
        return base
    # these pages read only the lead table (the trace uses the whole dataset), so the
    # millions of activity rows are not filtered on every change
    # filtered datasets are the big entries: only the last few are kept
    return memo("filtered", lambda d, f: apply_filters(d, f, related=False), base, filters,
                _store=FILTERED_KEY, _size=FILTERED_SIZE)


def filter_caption(ds, sub, filters: Filters) -> None:
    """Say what is filtered and how many leads are left."""
    n, total = sub.leads.height, ds.leads.height
    if filters.empty:
        st.caption(f"All {total:,} leads · filter in the sidebar")
    else:
        note = spend_note(ds.spend, filters)
        st.caption(f"**{n:,} of {total:,} leads** · {filters.describe()}"
                   + (f" · {note}" if note else ""))


def export_end(ds) -> dt.datetime | None:
    """The export's end of the whole (unfiltered) dataset, memoised."""
    return memo("export_end", tables.export_end, ds)




def _pct_cols(*names: str) -> dict:
    return {n: st.column_config.NumberColumn(format="percent") for n in names}


# ---------------------------------------------------------------------------------------
# funnel page sections
# ---------------------------------------------------------------------------------------

def funnel_section(sub) -> None:
    """The stage funnel: chart and table with step and cumulative conversion."""
    table = memo("funnel", lambda d: funnel_table(d.leads), sub)
    cols = st.columns(len(table))
    for c, row in zip(cols, table.iter_rows(named=True), strict=True):
        c.metric(row["stage"], f"{row['count']:,}",
                 help=f"{percent(row['rate_from_first'])} of {table['count'][0]:,} leads "
                      f"({ci_text(row['first_ci_low'], row['first_ci_high'])})")
    exports.chart(charts.funnel_chart(table), width="stretch")
    with st.expander("Funnel table"):
        exports.table(table, hide_index=True, column_config=_pct_cols(
            "rate_from_previous", "rate_from_first", "ci_low", "ci_high", "first_ci_low",
            "first_ci_high"))


def breakdown_options(ds) -> list[str]:
    """Columns a funnel can be split by: source, campaign, owner, then profile attributes
    (personal fields left out)."""
    leads = ds.leads
    personal = set(personal_columns(leads.head(500)))
    base = [c for c in ("source", "campaign", "owner") if c in leads.columns]
    return base + [a for a in ds.attributes if a in leads.columns and a not in personal
                   and a not in base]


def breakdown_section(ds, sub) -> None:
    """The funnel of each group of a chosen attribute, side by side."""
    options = breakdown_options(ds)
    if not options:
        st.info("No source, campaign, owner or profile attribute to split the funnel by.")
        return
    by = st.selectbox("Split the funnel by", options, key="leak:by")
    long = memo("funnel_by", lambda d, b: funnel_by(d.leads, by=b), sub, by)
    exports.chart(charts.funnel_by_chart(long, by=by))
    merged = memo("dups", lambda d, b: near_duplicate_labels(d.leads, column=b), sub, by)
    if merged.height:
        st.caption("Labels differing only in case or spacing are counted together: "
                   + ", ".join(f"{r['label']!r} → {r['merged_into']!r} ({r['leads']:,})"
                               for r in merged.iter_rows(named=True)))
    with st.expander(f"Funnel by {by}: table"):
        exports.table(long, hide_index=True, column_config=_pct_cols(
            "rate_from_previous", "rate_from_first", "ci_low", "ci_high", "first_ci_low",
            "first_ci_high"))


def cohort_section(ds, sub) -> None:
    """Conversion by month of entry, recent cohorts marked as still maturing."""
    if "created_at" not in sub.leads.columns or sub.leads.height == 0:
        st.info("No creation dates: no trend by month of entry.")
        return
    now = export_end(ds)
    trend = memo("cohorts", lambda d, n: cohort_trend(d.leads, now=n), sub, now)
    stages = trend["stage"].unique(maintain_order=True).to_list()
    if not stages:
        st.info("No stage or outcome information: no conversion trend.")
        return
    stage = st.selectbox("Stage reached", stages, index=len(stages) - 1, key="leak:cohort")
    exports.chart(charts.cohort_chart(trend, stage=stage), width="stretch")
    days = trend.filter(pl.col("stage") == stage)["mature_days"].drop_nulls()
    if days.len():
        st.caption(f"A month is **still maturing** while its youngest leads are under "
                   f"{days[0]:.0f} days old: 80% of the leads that reached {stage} got there "
                   "within that time, so a recent month's low rate is not a failure yet.")


def reason_editor(sub) -> dict[str, str]:
    """Let the user merge loss reasons into categories; returns raw → category."""
    labels = memo("reasons", lambda d: reason_labels(d.leads), sub)
    if labels.height == 0:
        return {}
    saved: dict = st.session_state.setdefault("leak:categories", {})
    with st.expander("Group loss reasons into categories"):
        st.caption("Type a category next to the reasons to merge (e.g. 'Price too high' and "
                   "'No budget' → 'Money'); empty keeps the reason as it is.")
        frame = labels.with_columns(pl.col("reason").replace_strict(
            saved, default="", return_dtype=pl.String).alias("category"))
        edited = st.data_editor(frame, hide_index=True, key="leak:cat_editor",
                                disabled=["reason", "leads"])
        rows = edited.to_dicts() if hasattr(edited, "to_dicts") else edited.to_dict("records")
        saved.clear()
        saved.update({r["reason"]: r["category"] for r in rows if (r["category"] or "").strip()})
    return reason_categories(labels["reason"].to_list(), edits=saved)


def stops_section(sub) -> None:
    """Where leads stop and why, with reasons merged by the user, by source or campaign."""
    exits = memo("exits", lambda d: stage_exits(d.leads), sub)
    exports.table(exits, hide_index=True, column_config=_pct_cols("stop_rate", "ci_low",
                                                                 "ci_high"))
    cats = reason_editor(sub)
    frozen = tuple(sorted(cats.items()))
    reasons = memo("stops", lambda d, c: stop_reasons(d.leads, categories=dict(c)),
                   sub, frozen)
    if reasons.height:
        exports.chart(charts.reasons_chart(reasons), width="stretch")
    if reasons.height:
        c = st.columns(2)
        stage = c[0].selectbox("Leads that stopped at", reasons["stage"].unique(
            maintain_order=True).to_list(), key="leak:stop_stage")
        here = reasons.filter(pl.col("stage") == stage)
        reason = c[1].selectbox("for the reason", here["reason"].to_list(),
                                key="leak:stop_reason")
        # not memoised: a list of leads can be large, and this is quick to redo
        behind = stopped_leads(sub.leads, stage=stage, reason=reason, categories=cats)
        lead_list(behind, key="leak:drill_stops", title=f"Stopped at {stage}: {reason}")
    split = [c for c in ("source", "campaign") if c in sub.leads.columns]
    if split:
        by = st.radio("Reasons by", split, horizontal=True, key="leak:reasons_by")
        per = memo("stops_by", lambda d, c, b: stop_reasons(
            d.leads, categories=dict(c), by=b), sub, frozen, by)
        exports.table(per, hide_index=True, column_config=_pct_cols("share"))


def left_behind_section(ds, sub) -> None:
    """Never followed up, stalled and recycled leads: counts, by owner, and the leads."""
    now = export_end(ds)
    days = st.number_input("Stalled after how many days without activity", min_value=1,
                           max_value=3650, value=30, step=1, key="leak:stalled_days")
    flags = memo("flags", lambda d, n, k: leak_flags(d, now=n, stalled_days=k),
                 sub, now, int(days))
    overall = memo("leak_all", lambda d, n, k: leak_summary(d.leads, flags),
                   sub, now, int(days)).row(0, named=True)
    rule = memo("recycle_rule", lambda d: recycle_rule(d.leads)[1], sub)
    c = st.columns(3)
    names = {"never_touched": "Never followed up", "stalled": f"Stalled > {int(days)} days",
             "recycled": "Recycled to marketing"}
    for col, (flag, label) in zip(c, names.items(), strict=True):
        v = overall[flag]
        col.metric(label, "—" if v is None else f"{v:,}",
                   help=("cannot be seen in this data" if v is None else
                         f"{percent(overall[f'{flag}_share'])} of {overall['leads']:,} leads "
                         f"({ci_text(overall[f'{flag}_ci_low'], overall[f'{flag}_ci_high'])})"))
    st.caption(f"Never followed up: no sales touch by the export's end. Stalled: open, "
               f"nothing happened for {int(days)} days before {now:%Y-%m-%d}. "
               f"Recycled: {rule}." if now else "")
    by = "owner" if "owner" in sub.leads.columns else ("source" if "source" in
                                                        sub.leads.columns else None)
    known = [f for f in names if overall[f] is not None]
    if by and known:
        flag = st.radio("Show by " + by, known, format_func=names.get, horizontal=True,
                        key="leak:flag")
        summary = memo("leak_by", lambda d, n, k, b: leak_summary(
            d.leads, memo("flags", lambda d2, n2, k2: leak_flags(
                d2, now=n2, stalled_days=k2), d, n, k), by=b), sub, now, int(days), by)
        exports.chart(charts.leak_chart(summary, flag=flag, by=by), width="stretch")
        lead_list(sub.leads.filter(flags[flag].fill_null(False)), key="leak:drill",
                  title=f"Leads {names[flag].lower()}")


def velocity_section(ds, sub) -> None:
    """Median time between stages and the sales cycle, open leads censored."""
    now = export_end(ds)
    if now is None or "created_at" not in sub.leads.columns:
        st.info("No dates: velocity cannot be measured.")
        return
    split = ["(all leads)"] + [c for c in ("source", "owner", "campaign")
                               if c in sub.leads.columns]
    by = st.selectbox("Velocity by", split, key="leak:vel_by")
    by = None if by == "(all leads)" else by
    table = memo("velocity", lambda d, n, b: velocity_table(d.leads, now=n, by=b), sub, now, by)
    if table.height == 0:
        st.info("Fewer than two dated stages: no time between stages.")
        return
    exports.chart(charts.velocity_chart(table, by=by), width="stretch")
    days = {c: st.column_config.NumberColumn(format="%.1f") for c in (
        "median_days", "ci_low", "ci_high")}
    exports.table(table, hide_index=True, column_config=days)
    try:
        cycle = memo("cycle", lambda d, n, b: sales_cycle(d, now=n, by=b), sub, now, by)
    except ValueError as exc:
        st.caption(f"No sales cycle: {exc}.")
        return
    st.markdown(f"**Sales cycle** (created → won, {cycle['population'][0]}; open deals "
                "censored at the export's end, lost ones left out)")
    exports.table(cycle.drop("population"), hide_index=True, column_config=days)


# ---------------------------------------------------------------------------------------
# sources page sections
# ---------------------------------------------------------------------------------------

def spend_editor(sub, by: str) -> dict[str, str | None]:
    """Show how spend labels were matched and let the user correct the matching."""
    overrides: dict = st.session_state.setdefault(f"leak:spend_overrides:{by}", {})
    match = memo("match", lambda d, b, o: spend_matching(d, by=b, overrides=dict(o)),
                 sub, by, tuple(sorted(overrides.items())))
    if match.height == 0:
        return overrides
    labels = sorted(sub.leads[by].drop_nulls().unique().to_list()) if by in sub.leads.columns \
        else []
    st.markdown("**How the spend file was matched to the leads' "
                f"{by}s** (correct a row by choosing another {by})")
    frame = match.with_columns(pl.col("matched").fill_null(UNMATCHED))
    edited = st.data_editor(
        frame, hide_index=True, key=f"leak:spend_editor:{by}",
        disabled=["spend_label", "how", "score", "cost", "months"],
        column_config={"matched": st.column_config.SelectboxColumn(
            options=[UNMATCHED, *labels], required=True),
            "cost": st.column_config.NumberColumn(format="%.2f")})
    rows = edited.to_dicts() if hasattr(edited, "to_dicts") else edited.to_dict("records")
    before = dict(zip(frame["spend_label"], frame["matched"], strict=True))
    changed = False
    for r in rows:
        if r["matched"] != before[r["spend_label"]]:
            overrides[r["spend_label"]] = None if r["matched"] == UNMATCHED else r["matched"]
            changed = True
    if changed:
        st.rerun()
    lost = match.filter(pl.col("matched").is_null())
    if lost.height:
        st.warning(f"{lost.height} spend label{'s' if lost.height > 1 else ''} matched no "
                   f"{by}: {lost['cost'].sum():,.2f} of spend is not attributed "
                   f"({', '.join(lost['spend_label'].to_list())}). Choose a {by} above to "
                   "attribute it.")
    return overrides


def closed_loop_section(sub, by: str) -> pl.DataFrame:
    """The closed-loop table and charts for ``by``; returns the table."""
    overrides = spend_editor(sub, by) if sub.spend is not None else {}
    table = memo("loop", lambda d, b, o: closed_loop(d, by=b, overrides=dict(o)), sub, by,
                 tuple(sorted(overrides.items())))
    exports.chart(charts.rates_chart(table, by=by), width="stretch")
    if table["cost"].is_not_null().any():
        metric = st.radio("Cost view", ["cac", "cost_per_lead", "cost_per_qualified"],
                          horizontal=True, key=f"leak:cost_metric:{by}",
                          format_func={"cac": "CAC", "cost_per_lead": "Cost per lead",
                                       "cost_per_qualified": "Cost per qualified lead"}.get)
        exports.chart(charts.cost_chart(table, by=by, metric=metric),
                        width="stretch")
    elif sub.spend is None:
        st.caption("Load a spend file on the Data page for cost per lead, CAC and return "
                   "on spend.")
    money = {c: st.column_config.NumberColumn(format="%.0f") for c in (
        "revenue", "avg_deal", "cost", "cost_per_lead", "cost_per_qualified", "cac")}
    exports.table(table, hide_index=True, column_config={
        **_pct_cols("qualified_rate", "rate", "ci_low", "ci_high", "shrunk_rate"), **money,
        "roas": st.column_config.NumberColumn("return on spend", format="%.2f×")})
    st.caption("rank: by the shrunk win rate (small groups pulled toward the overall rate, "
               "so a group with a handful of leads cannot top the table). qualified = "
               "reached SQL or later. cost is empty where no spend was matched (not zero).")
    return table


def compare_section(table: pl.DataFrame, by: str) -> None:
    """Compare two groups' win rates with a 95% interval on the ratio."""
    groups = table.filter(pl.col("leads") > 0)[by].to_list()
    if len(groups) < 2 or table["won"].is_null().all():
        return
    c = st.columns(2)
    a = c[0].selectbox("Compare", groups, index=0, key=f"leak:cmp_a:{by}")
    b = c[1].selectbox("with", groups, index=1, key=f"leak:cmp_b:{by}")
    if a != b:
        st.info(compare_groups(table, by=by, a=a, b=b)["text"])


def group_drill(sub, table: pl.DataFrame, by: str) -> None:
    """The leads of one group, for a trace."""
    groups = table[by].to_list()
    g = st.selectbox(f"Leads of one {by}", groups, key=f"leak:drill_group:{by}")
    leads = sub.leads
    if by in leads.columns:
        pick = (pl.col(by).is_null() if g == NONE_LABEL else
                label_key(pl.col(by)) == label_key(pl.lit(g)))
        leads = leads.filter(pick)
    lead_list(leads, key=f"leak:drill:{by}", title=f"Leads from {g}")
