"""The sidebar filters of the funnel and sources pages: date range, source, owner,
campaign; kept across page changes and written into the URL."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from funnel.analyses.leakage import (
    with_latest_activity,
)
from funnel.dataset import tables
from funnel.dataset.filters import Filters, apply_filters, filter_options, spend_note
from ui.format import md_escape
from ui.memo import memo

FILTERED_KEY = "leak:filtered"
FILTERED_SIZE = 4
_FILTER_FIELDS = ("source", "owner", "campaign")


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
    """The sidebar filters, the dataset under them and a caption saying so; ``None``, with
    a plain message, when no lead matches (both funnel pages start here and then draw
    nothing more; the app frame still runs)."""
    filters = filter_sidebar(ds)
    sub = filtered(ds, filters)
    filter_caption(ds, sub, filters)
    if sub.leads.height == 0:
        st.warning("No lead matches these filters. Widen them in the sidebar.")
        return None
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
        st.caption(f"**{n:,} of {total:,} leads** · {md_escape(filters.describe())}"
                   + (f" · {note}" if note else ""))


def export_end(ds) -> dt.datetime | None:
    """The export's end of the whole (unfiltered) dataset, memoised."""
    return memo("export_end", tables.export_end, ds)
