"""Diagnosis page helpers: the profile in use, per-session memo, the place cards."""

from __future__ import annotations

import streamlit as st

from funnel import Dataset
from funnel.analyses.profile.criteria import Profile
from funnel.analyses.verdict import lead_flags, pipeline_check, qualification_gaps, score_check
from funnel.charts.verdict import score_chart
from funnel.dataset.format import amount_text, header
from funnel.findings.base import Context, Finding
from funnel.findings.registry import (
    CHARTS,
    PAGES,
    PLACES,
    PROFILE_PLACES,
    TITLES,
    diagnose_places,
)
from funnel.findings.summary import STATUS_WORDS, effect_text, plain_headline, ranked
from funnel.outputs.export import to_csv, to_xlsx
from funnel.outputs.notebook import export_bundle
from funnel.outputs.report import findings_table, report_html, report_pdf, report_sections
from ui import exports
from ui.memo import memo
from ui.sections.funnel import VIEWS as FUNNEL_VIEWS
from ui.sections.speed import TABS as SPEED_TABS
from ui.session import mask_key
from ui.state import (
    is_shared_view,
    prepared_leads,
    profile_fit,
    profile_in_use,
    stopped_if_gone,
)

PAGE_FILES = {"speed": "pages/speed.py", "funnel": "pages/funnel.py",
              "profile": "pages/profile.py", "diagnosis": "pages/diagnosis.py"}
STATUS = {"problem": ("red", ":material/error:"),
          "no_evidence": ("green", ":material/check_circle:"),
          "cant_tell": ("gray", ":material/help:")}
"""Status -> badge colour and icon (its word: :data:`funnel.findings.summary.STATUS_WORDS`)."""
_MEMO = "diagnosis_memo"
_BASE = "diagnosis_base"  # per dataset: the prepared leads and the places no profile changes
OTHER_PLACES = tuple(k for k in PLACES if k not in PROFILE_PLACES)


def stated_profile(ds: Dataset) -> tuple[Profile | None, str]:
    """The profile in use (:func:`ui.state.profile_in_use`: the Profile page's first
    profile), and a note saying which it is and where it came from; without one, that
    the *profile* card uses one learned on half the leads and checked on the other half
    (when the leads have attributes to learn from) and *definition* can't tell."""
    profile, origin = profile_in_use()
    if profile is None:
        if not ds.attributes:
            return None, (f"{origin} These leads have no attributes (industry, size, job "
                          "title …) to learn one from either, so the lead-profile and "
                          "profile-definition cards can't tell.")
        return None, (f"{origin} The lead-profile card uses a profile learned on half the "
                      "leads and checked on the other half; the profile-definition card "
                      "can't tell.")
    return profile, origin


def computed(ds: Dataset, profile: Profile | None, *, fast_hours: float) -> dict:
    """Cards and per-lead flags, once per session, dataset, profile and fast window
    (:mod:`ui.memo`; the last two kept).

    A profile edit re-runs only the places that read the profile
    (:data:`~funnel.findings.registry.PROFILE_PLACES`), on the leads prepared once
    (:class:`~funnel.findings.base.Context`); the other places are kept per dataset."""
    ctx = memo("diagnosis_context", lambda d: Context.prepare(d, prepared=prepared_leads(d)),
               ds, _store=_BASE, _size=4)

    def fixed(d: Dataset) -> list[Finding]:
        with st.spinner("Testing each place where the handoff can leak…"):
            return diagnose_places(d, places=OTHER_PLACES, context=ctx, should_stop=gone)

    def with_profile(d: Dataset, _profile_key: str | None, hours: float) -> dict:
        with st.spinner("Testing the places that read the profile…"):
            cards = diagnose_places(d, profile=profile, places=PROFILE_PLACES, context=ctx,
                                    should_stop=gone)
            in_profile = profile_fit(d, profile).in_profile_ if profile else None
            flags = lead_flags(d, in_profile=in_profile, fast_hours=hours)
        return {"cards": cards, "flags": flags}

    key = profile.to_json() if profile else None
    # a session gone mid-diagnosis stops it between places; nothing is memoised then
    with stopped_if_gone() as gone:
        base = memo("diagnosis_fixed", fixed, ds, _store=_BASE, _size=4)
        top = memo("diagnosis", with_profile, ds, key, fast_hours, _store=_MEMO, _size=2)
    by_place = {f.place: f for f in [*base, *top["cards"]]}
    return {"cards": [by_place[k] for k in PLACES], "flags": top["flags"]}


def _number(f: Finding, *, currency: str | None = None) -> str:
    ev = f.evidence
    parts = []
    effect = effect_text(f)  # as in the headline: one ratio, one interval, one form
    if effect:
        parts.append(effect if f.place == "scoring" else f"effect {effect}")
    if ev.get("n") is not None:
        parts.append(f"n = {ev['n']:,}")
    for k in ("revenue_at_stake", "qualified_at_stake", "wins_at_stake"):
        if ev.get(k):
            label = k.replace("_", " ").replace(" at stake", "")
            value = amount_text(ev[k], ev.get(f"{k}_ci"), money=k.startswith("revenue"),
                                currency=currency)
            parts.append(f"{label} at stake ≈ {value}, "
                         f"{ev.get('at_stake_label', 'an estimate')}")
            break
    return " · ".join(parts)


def card(f: Finding, *, currency: str | None = None) -> None:
    """One place: status, headline, the numbers behind it, and a link to its chart where
    its page has one."""
    color, icon = STATUS[f.status]
    with st.container(border=True, height="stretch"):
        st.markdown(f"**{TITLES[f.place]}**")
        st.badge(STATUS_WORDS[f.status], color=color, icon=icon)
        st.text(plain_headline(f))  # names from the client's data: never Markdown
        numbers = _number(f, currency=currency)
        if numbers:
            st.caption(numbers)
        if f.missing:
            st.caption("Needs: " + ", ".join(header(m) for m in f.missing))  # plain words
        chart = CHARTS.get(f.place)
        if chart and not (f.status == "cant_tell" and f.missing):  # no data, no chart
            if PAGES[f.place] == "diagnosis":
                st.caption(f"Chart below, under *{chart}*.")
            else:
                st.page_link(PAGE_FILES[PAGES[f.place]], label=f"Chart: {chart}",
                             icon=":material/arrow_forward:",
                             query_params={"view": chart}
                             if chart in SPEED_TABS + FUNNEL_VIEWS else None)


def cards(findings: list[Finding], *, per_row: int = 3,
          currency: str | None = None) -> None:
    """Problems first (most severe first), then no evidence, then can't tell."""
    order = ranked(findings)
    for i in range(0, len(order), per_row):
        cols = st.columns(per_row)
        for col, f in zip(cols, order[i:i + per_row], strict=False):
            with col:
                card(f, currency=currency)


def takeaway(ds: Dataset, profile: Profile | None, findings: list[Finding]) -> None:
    """Downloads for the room: the report (HTML, PDF), the notebook bundle, the findings
    table. Each file is built only when its button is clicked."""

    title = f"Funnel diagnostic: {ds.label or 'sample'}"
    key = mask_key()
    profiles = [profile.to_dict()] if profile is not None else []

    def sections():
        return report_sections(ds, profile=profile, cards=findings, key=key)

    shared = is_shared_view()  # a viewer gets aggregates only: no row-level data
    cols = st.columns(3 if shared else 4)
    cols[0].download_button("Report (HTML)", lambda: report_html(sections(), title=title),
                            file_name="funnel-diagnostic.html", mime="text/html",
                            icon=":material/description:", key="dl:html", on_click="ignore")
    cols[1].download_button("Report (PDF)", lambda: report_pdf(sections(), title=title),
                            file_name="funnel-diagnostic.pdf", mime="application/pdf",
                            icon=":material/picture_as_pdf:", key="dl:pdf",
                            on_click="ignore")
    if not shared:
        cols[2].download_button("Notebook + data (zip)",
                                lambda: export_bundle(ds, name=title, profiles=profiles, key=key),
                                file_name="funnel-diagnostic-notebook.zip",
                                mime="application/zip", icon=":material/code:", key="dl:nb",
                                on_click="ignore")
    table = findings_table(findings, headlines=True)
    with cols[-1].popover("Findings table", icon=":material/table:"):
        st.download_button("CSV", lambda: to_csv(table), file_name="findings.csv",
                           mime="text/csv", key="dl:csv", on_click="ignore")
        st.download_button("Excel", lambda: to_xlsx(table, sheet="findings"),
                           file_name="findings.xlsx", key="dl:xlsx", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet")
    st.caption(("The report holds aggregates only" if shared else "Personal fields are "
                "pseudonymised in the notebook's data; the report holds aggregates only")
               + ". Spreadsheet cells never start a formula.")


def score_and_pipeline(ds: Dataset) -> None:
    """Does the score predict, does opened pipeline realise, are opportunities qualified."""

    sc = score_check(ds)
    left, right = st.columns(2)
    with left:
        if sc is None:
            st.caption("No lead score (or no outcomes) in this export.")
        else:
            st.metric("Score AUC for winning", f"{sc['auc']:.2f}",
                      help=f"95% CI {sc['ci_low']:.2f}–{sc['ci_high']:.2f}; n = {sc['n']:,} "
                           f"leads, {sc['won']:,} won. 0.5 = a coin toss.")
            exports.chart(score_chart(sc["deciles"]), key="dx:score", name="score-bands")
            st.caption(f"The best single cut-off, {sc['threshold']:g}, catches {sc['tpr']:.0%} of "
                       f"winners and {sc['fpr']:.0%} of the rest.")
    with right:
        pc = pipeline_check(ds)
        if pc is None:
            st.caption("No opportunity dates: pipeline age cannot be checked.")
        else:
            st.markdown("**Opportunities by age**: win rate of closed ones, and what the open "
                        "ones are worth at that rate")
            exports.table(pc, key="dx:pipeline", name="opportunities-by-age", hide_index=True,
                          currency=exports.data_currency(ds))
        gaps = qualification_gaps(ds)
        if gaps is not None:
            st.markdown("**Opportunities lacking qualification fields** (win rate of closed "
                        "ones with and without the field)")
            exports.table(gaps, key="dx:gaps", name="qualification-gaps", hide_index=True)
