"""Profile fit page: the criterion editor, the starting points, the results, and
per-session memos.

The profiles themselves live in :mod:`ui.state` (:func:`ui.state.current_profiles`); the
first one is the profile every page uses (:func:`ui.state.profile_in_use`). In a shared
view the page only shows them: no editor, no presets, no profile upload.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import streamlit as st

from funnel import Dataset, InputError
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Criterion, Profile, load_profile
from funnel.analyses.profile.fields import field_kind
from funnel.analyses.profile.fit import ProfileFit, profile_verdict
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.analyses.profile.learned import compare_stated, marketing_sends
from funnel.analyses.profile.prepared import PreparedLeads
from funnel.analyses.profile.split import SPLIT_TEXT, learned_note
from funnel.analyses.profile.traits import id_reason
from funnel.charts import profile as charts
from funnel.dataset.format import ci_text
from funnel.dataset.privacy import personal_columns
from funnel.ingest.outcome_fields import left_out_fields
from ui import exports
from ui.drill import lead_list
from ui.format import md_escape
from ui.memo import memo
from ui.state import (
    PROFILE_MEMO,
    PROFILE_MEMO_SIZE,
    current_profiles,
    is_shared_view,
    prepared_leads,
    profile_fit,
    store_profiles,
)
from ui.widgets.layout import folded

_GENERATIONS = itertools.count()
_CANONICAL = ("source", "campaign", "score")
MAX_OPTIONS = 300


# -- state ---------------------------------------------------------------------------------


def _versions() -> list[int]:
    return st.session_state.setdefault("profile_versions", [0] * len(current_profiles()))


def set_profile(slot: int, profile: Profile, *, reset_widgets: bool = True) -> str | None:
    """Put ``profile`` in ``slot``; returns an error text if its name is taken (or the
    session is a shared view, whose profiles are the consultant's)."""
    if is_shared_view():
        return "This shared analysis is read-only."
    profiles = current_profiles()
    names = list(profiles)
    if profile.name in names and names.index(profile.name) != slot:
        return f"Another profile is already called {profile.name!r}."
    items = list(profiles.items())
    items[slot] = (profile.name, profile)
    store_profiles(dict(items))
    if reset_widgets:
        versions = _versions()
        versions[slot] += 1
    return None


# -- per-session memo (ui.memo, in the profile store of ui.state) ---------------------------


def _memo(name: str, fn, ds: Dataset, *args):
    return memo(name, fn, ds, *args, _store=PROFILE_MEMO, _size=PROFILE_MEMO_SIZE)


def _generation(ds: Dataset) -> int:
    """A number per dataset in view: the editor's widget keys carry it, so new data starts
    the widgets afresh."""
    return _memo("generation", lambda _d: next(_GENERATIONS), ds)


def fits(ds: Dataset, profiles: dict[str, Profile]) -> dict[str, ProfileFit]:
    """Each profile fitted on ``ds``, once per session and profile (all on the same
    prepared leads, so unchanged criteria are not recomputed; the profile in use shares
    its fit with every page)."""
    return {name: profile_fit(ds, p) for name, p in profiles.items()}


def learned(ds: Dataset, *, min_support: int = 30) -> HeldOutProfile:
    """What closes in ``ds``, learned on half the leads and judged on the other half (the
    profile without channel fields, as the Diagnosis' stand-in), once per session and
    setting."""
    return _memo("learned", lambda d, m: HeldOutProfile(min_support=m).fit(d), ds,
                 min_support)


def profile_fields(ds: Dataset) -> list[str]:
    """The fields a criterion can be built on: attributes (no personal data) and
    source, campaign and score (once per session and dataset)."""
    return _memo("fields", _profile_fields, ds)


def _typical_range(ds: Dataset, column: str) -> tuple[float, float] | None:
    """The 1st and 99th percentiles of a number field (``None`` when it has no number)."""
    x = prepared_leads(ds).numbers(column)
    return tuple(np.nanquantile(x, [0.01, 0.99])) if np.isfinite(x).any() else None


def _profile_fields(ds: Dataset) -> list[str]:
    personal = set(personal_columns(ds.leads.select(
        [c for c in ds.attributes if c in ds.leads.columns])))
    canon = [c for c in _CANONICAL if ds.has(c)]
    return canon + [c for c in ds.attributes if c in ds.leads.columns and c not in personal
                    and id_reason(ds.leads[c]) is None]  # an id is no criterion


# -- the editor ----------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


def _new_criterion(leads: PreparedLeads, column: str) -> Criterion:
    """A first criterion on ``column`` that everyone with a value meets (then narrow it)."""
    s = leads.leads[column]
    kind = field_kind(s.dtype)
    if kind == "bool":
        return Criterion(column, values=(True,))
    if kind in ("number", "date"):
        x = s.drop_nulls()
        lo, hi = (x.min(), x.max()) if kind == "number" else (
            x.min().date().isoformat(), x.max().date().isoformat())
        return Criterion(column, min=lo, max=hi)
    labels = leads.field(column).codes.labels
    return Criterion(column, values=tuple(labels[:1]))


def _values_widget(leads: PreparedLeads, c: Criterion, key: str) -> Criterion:
    codes = leads.field(leads.column_for(c.field)).codes
    labels, counts = codes.labels, codes.counts
    by_key = {k: i for i, k in enumerate(codes.keys)}
    chosen = []
    for v in c.values or ():
        i = by_key.get(str(v).strip().lower())
        chosen.append(labels[i] if i is not None else str(v))
    options = list(dict.fromkeys(labels[:MAX_OPTIONS] + chosen))
    count = {labels[i]: int(counts[i]) for i in range(len(labels))}
    picked = st.multiselect(
        c.field, options, default=chosen, key=key, label_visibility="collapsed",
        format_func=lambda v: f"{v} ({count.get(v, 0):,})",
        placeholder="Choose the values this profile wants")
    return Criterion(c.field, values=tuple(picked), extra=c.extra)


def _bool_widget(c: Criterion, key: str) -> Criterion:
    now = {bool(v) if isinstance(v, bool) else str(v).lower() in ("yes", "true", "1")
           for v in c.values or ()}
    options = ["yes", "no", "either"]
    index = 2 if now == {True, False} else 1 if now == {False} else 0
    pick = st.radio(c.field, options, index=index, key=key, horizontal=True,
                    label_visibility="collapsed")
    values = {"yes": (True,), "no": (False,), "either": (True, False)}[pick]
    return Criterion(c.field, values=values, extra=c.extra)


def _range_widget(ds: Dataset, leads: PreparedLeads, c: Criterion, key: str,
                  kind: str) -> Criterion:
    left, right = st.columns(2)
    if kind == "date":
        lo = left.text_input("from (YYYY-MM-DD)", value=c.min or "", key=key + ":lo")
        hi = right.text_input("to (YYYY-MM-DD)", value=c.max or "", key=key + ":hi")
        lo, hi = lo.strip() or None, hi.strip() or None
    else:
        lo = left.number_input("from", value=c.min, key=key + ":lo", placeholder="no minimum",
                               format="%g")
        hi = right.number_input("to", value=c.max, key=key + ":hi", placeholder="no maximum",
                                format="%g")
        typical = _memo("range", _typical_range, ds, leads.column_for(c.field))
        if typical is not None:
            p1, p99 = typical
            st.caption(f"Most leads: {_fmt(p1)} to {_fmt(p99)} (inclusive bounds)")
    if lo is None and hi is None:
        st.caption("Give a minimum or a maximum.")
        return c
    try:
        return Criterion(c.field, values=c.values, min=lo, max=hi, extra=c.extra)
    except InputError as exc:
        st.error(md_escape(str(exc)))
        return c


def editor(ds: Dataset, fit: ProfileFit, slot: int) -> Profile:
    """Edit the profile in ``slot`` criterion by criterion (``fit``: its current fit);
    returns it as edited."""
    leads = fit.prepared_
    profiles = current_profiles()
    name, profile = list(profiles.items())[slot]
    ver = _versions()[slot]
    k = f"pe:{slot}:{ver}:{_generation(ds)}"
    new_name = st.text_input("Profile name", value=name, key=f"{k}:name").strip() or name
    criteria = list(profile.criteria)
    removed = None
    for i, c in enumerate(criteria):
        with st.container(border=True):
            head, drop = st.columns([6, 1])
            m = leads.match(c)
            column = f" · {md_escape(m.column)}" if m.column not in (None, c.field) else ""
            head.markdown(f"**{md_escape(c.field)}**" + column)
            if drop.button("", icon=":material/close:", key=f"{k}:del:{i}", type="tertiary",
                           help="Remove this criterion"):
                removed = i
            if not m.checked:
                st.warning(f"Not applied: {md_escape(m.problem)}. It is kept in the profile file.")
                continue
            if c.values is not None and not c.is_range and m.kind in ("text", "bool"):
                criteria[i] = (_bool_widget(c, f"{k}:c{i}") if m.kind == "bool"
                               else _values_widget(leads, c, f"{k}:c{i}"))
            elif c.is_range:
                criteria[i] = _range_widget(ds, leads, c, f"{k}:c{i}", m.kind)
            else:
                st.caption(md_escape(c.describe()))
            if m.problem:
                st.caption(f"⚠ {md_escape(m.problem)}")
    fields = profile_fields(ds)
    row = st.container(horizontal=True, vertical_alignment="bottom")
    field = row.selectbox("Add a criterion on", fields, index=None, key=f"{k}:addfield",
                          placeholder="Choose an attribute…")
    if row.button("Add", key=f"{k}:add", disabled=field is None):
        criteria.append(_new_criterion(leads, field))
        set_profile(slot, Profile(new_name, tuple(criteria), profile.extra))
        st.rerun()
    if removed is not None:
        del criteria[removed]
        set_profile(slot, Profile(new_name, tuple(criteria), profile.extra))
        st.rerun()
    edited = Profile(new_name, tuple(criteria), profile.extra)
    if edited != profile:
        err = set_profile(slot, edited, reset_widgets=False)
        if err:
            st.error(err)
            edited = Profile(name, tuple(criteria), profile.extra)
            set_profile(slot, edited, reset_widgets=False)
    return edited


def starting_points(ds: Dataset, slot: int, *, sample: bool) -> None:
    """Presets, the learned profile, and loading/saving ``*.profile.json``.

    The sample's sales profile is offered on the sample and on any data with its four
    fields (the sample written at another size)."""
    name = list(current_profiles())[slot]
    row = st.container(horizontal=True)  # buttons wrap instead of being cut short
    leads = prepared_leads(ds)
    fits_sample = sample or all(leads.column_for(c.field) for c in SAMPLE_SALES_PROFILE.criteria)
    if fits_sample and row.button("Sample: sales' profile", key=f"preset:{slot}",
                                 help="The closable-lead profile planted in the sample"):
        set_profile(slot, SAMPLE_SALES_PROFILE.renamed(name))
        st.rerun()
    if row.button("Start from what closes", key=f"learned:{slot}",
                  help=f"A profile learned from the won leads of {SPLIT_TEXT} (no channel "
                       "field, so sources and campaigns can be judged against it) and "
                       "judged only on the other half; edit it from there"):
        hp = learned(ds)
        if hp.profile_.criteria:
            set_profile(slot, hp.profile_.renamed(name))
            st.rerun()
        st.info("No lead attribute (channel fields aside) separates winners among the "
                f"{hp.n_learn_:,} leads learned from, so there is no profile to start from.")
    if row.button("Clear", key=f"clear:{slot}"):
        set_profile(slot, Profile(name))
        st.rerun()
    note = learned_note(current_profiles()[name])
    if note:
        st.caption(note)
    up = st.file_uploader("Load a profile (*.profile.json)", type=["json"],
                          key=f"load:{slot}:{_versions()[slot]}")
    if up is not None and st.session_state.get(f"loaded:{slot}") != up.file_id:
        st.session_state[f"loaded:{slot}"] = up.file_id
        try:
            loaded = load_profile(up.getvalue())
        except InputError as exc:
            st.error(f"{md_escape(up.name)}: {md_escape(str(exc))}")
        else:
            err = set_profile(slot, loaded)
            if err:
                st.error(err)
            else:
                st.rerun()
    save_button(slot)


def save_button(slot: int) -> None:
    """Download the profile in ``slot`` as ``*.profile.json`` (for the CLI's --profile)."""
    name, profile = list(current_profiles().items())[slot]
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "profile"
    st.download_button("Save this profile (.profile.json)", profile.to_json(),
                       f"{slug}.profile.json", "application/json", key=f"save:{slot}")


def read_only_criteria(fit: ProfileFit, slot: int) -> None:
    """A shared view's criteria: listed, not editable (what the consultant saved)."""
    if not fit.profile_.criteria:
        st.caption("No criteria were saved in this profile.")
    for m in fit.matches_:
        with st.container(border=True):
            st.text(m.criterion.describe())  # the user's words: never Markdown
            if not m.checked:
                st.warning(f"Not applied: {md_escape(m.problem)}.")
    st.caption("Shared view: the profile is read-only.")
    save_button(slot)


# -- results -------------------------------------------------------------------------------


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _won_of(group: dict) -> str:
    """"204 of 1,744 · 95% CI 10.3%–13.3%", or "no leads" for an empty group."""
    if not group["leads"]:
        return "no leads"
    return f"{group['won']:,} of {group['leads']:,} · {ci_text(group['ci_low'], group['ci_high'])}"


def headline(name: str, fit: ProfileFit) -> None:
    """The overlap and the win rates of one profile, with intervals and counts."""
    st.markdown(f"**{md_escape(name)}**")
    lo, hi = fit.share_ci_
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    i, x = o["in profile"], o["out of profile"]
    a, b, c = st.columns(3)
    a.metric("In profile", pct(fit.share_),
             help=f"{fit.in_n_:,} of {fit.n_:,} leads sent; 95% CI {pct(lo)}–{pct(hi)}")
    a.caption(f"{fit.in_n_:,} of {fit.n_:,} leads · 95% CI {pct(lo)}–{pct(hi)}")
    b.metric("Win rate in", pct(i["win_rate"]), help="Won / leads, in profile")
    c.metric("Win rate out", pct(x["win_rate"]), help="Won / leads, out of profile")
    if fit.prepared_.has_outcome:
        b.caption(_won_of(i))
        c.caption(_won_of(x))
    for text in fit.unchecked_:
        st.warning(f"Not applied: {md_escape(text)}")
    st.caption(md_escape(profile_verdict(fit)))


def overlap_section(fit: ProfileFit, key: str) -> None:
    """Where the overlap comes from: by source/campaign/month/owner, per criterion,
    sent vs wanted per attribute, in vs out win rates, and the leads behind them."""
    exports.chart(charts.win_rates_parts(fit.outcomes_))
    if fit.profile_.criteria and fit.criteria_["checked"].any():
        exports.chart(charts.criteria_parts(fit.criteria_))
        exports.table(fit.criteria_.select("criterion", "meets", "fails", "missing", "fails_only",
                                          "problem"), hide_index=True)
    dims = [d for d in ("source", "campaign", "month", "owner") if fit.by_[d] is not None]
    d = None
    if dims:  # one chart at a time: a rerun after each edit builds only what is shown
        d = st.segmented_control("Share in profile by", dims, default=dims[0],
                                 key=f"{key}:dim") or dims[0]
        frame = fit.by_[d]
        exports.chart(charts.overlap_trend(frame) if d == "month" else
                        charts.overlap_bars(frame, by=d, overall=fit.share_))
    checked = [i for i, m in enumerate(fit.matches_) if m.checked]
    if checked:
        st.subheader("Sent vs wanted")
        i = st.selectbox("Attribute", checked, key=f"{key}:sent",
                         format_func=lambda i: fit.matches_[i].criterion.field)
        if i not in checked:
            i = checked[0]
        exports.chart(charts.distribution_parts(
            fit.distribution(i), title=fit.matches_[i].criterion.describe()))
    drill(fit, key, by=d)


def drill(fit: ProfileFit, key: str, *, by: str | None = None, top: int = 15) -> None:
    """The leads behind the numbers above (personal fields masked by default): in or
    out of profile, failing a criterion or only it, and per row of the breakdown shown."""
    with st.expander("Leads behind these numbers"):
        choices = {"In profile": lambda: fit.leads_in_profile(),
                   "Out of profile": lambda: fit.leads_in_profile(inside=False)}
        if by is not None:
            for v in fit.by_[by].sort("leads", descending=True)[by].head(top).to_list():
                choices[f"In profile · {by} {v}"] = (
                    lambda v=v: fit.leads_in_profile(by=by, value=v))
                choices[f"Out of profile · {by} {v}"] = (
                    lambda v=v: fit.leads_in_profile(inside=False, by=by, value=v))
        for i, m in enumerate(fit.matches_):
            if m.checked:
                d = m.criterion.describe()
                choices[f"Failing: {d}"] = lambda i=i: fit.leads_failing(i)
                choices[f"Failing only: {d}"] = lambda i=i: fit.leads_failing(i, only=True)
        pick = st.selectbox("Which leads", list(choices), key=f"{key}:which", index=None,
                            placeholder="Choose which leads to list…")
        if pick is not None:
            lead_list(choices[pick](), key=f"{key}:list", title=pick, ask=False)


def learned_section(ds: Dataset, fit: ProfileFit, profiles: dict[str, Profile]) -> None:
    """Sales asks X; winners look like Y; marketing sends Z — and what closes, learned on
    half the leads and measured on the other half."""
    if not fit.prepared_.has_outcome:
        st.info("The data has no outcomes, so what closes cannot be learned.")
        return
    hp = learned(ds)
    lp = hp.learned_

    def sends(col: str) -> str:
        return _memo("sends", lambda d, c: marketing_sends(d.leads, c), ds, col)

    st.caption(f"Learned from the won leads of {hp.n_learn_:,} leads ({SPLIT_TEXT}); every "
               f"ratio below is measured on the other {hp.n_judge_:,}, and \"winners look "
               "like\" lists only values that hold up there. A missing value, an id or a "
               "field filled mostly for won leads is never a trait.")
    exports.table(compare_stated(ds.leads, list(profiles.values()), lp,
                                 resolve=fit.prepared_.column_for, sends=sends), hide_index=True)
    top = hp.top(15)
    if top.height:
        exports.chart(charts.learned_parts(top))
    else:
        st.info("No attribute value makes a win clearly likelier among the leads learned "
                f"from (interval above 1 with at least {lp.min_support} leads).")
    with folded("All values, and the fields left out", key="prof:all_values") as shown:
        if shown:
            exports.table(hp.values_.drop("order"), hide_index=True)
            exports.table(lp.excluded_, hide_index=True)
            if left := left_out_fields(ds):  # set by or after the outcome: never a trait
                st.caption(md_escape("Left out, set by or after the outcome: " + "; ".join(
                    f"{f} ({why})" for f, why in left)))
