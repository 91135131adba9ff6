"""What every place shares: the :class:`Finding` it returns, the :class:`Settings` it
reads, the :class:`Context` it tests (the dataset prepared once per diagnosis), the
helpers several places use, and :class:`Place`, the registration each place file ends
with."""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import ClassVar

import numpy as np
import polars as pl

from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.analyses.profile.prepared import PreparedLeads, prepare_profile
from funnel.analyses.velocity import won_cycle_days, young_expr
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.stages import has_qualification, outcome_flags
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.power import min_detectable_ratio, ratio_power, units_needed

"""The label of a missing owner, campaign or source in per-group counts."""
DATA_ERRORS = (ValueError, TypeError, ZeroDivisionError, KeyError, IndexError,
               pl.exceptions.PolarsError)
"""Failures of a place's test on odd data that :meth:`Place.run` turns into *can't tell*."""


@dataclass
class Finding:
    """The verdict on one place.

    ``status`` is ``"problem"``, ``"no_evidence"`` or ``"cant_tell"``; ``evidence``
    holds the numbers behind the headline (``effect``, ``ci_low``, ``ci_high``, ``n`` and
    the counts); ``culprit`` names who or what (``{"owner": "Marcus Reed"}``);
    ``missing`` lists the fields that would let the test run.
    """

    place: str
    status: str
    headline: str
    severity: float = 0.0
    culprit: dict[str, str] = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    pages: ClassVar[Mapping[str, str]] = {}
    """Place key -> page; set by :mod:`funnel.findings.registry` from the registered
    places (the registry imports this module, so it cannot be read from there)."""

    @property
    def page(self) -> str:
        """URL path of the page with the chart behind this finding."""
        return self.pages[self.place]

    def to_dict(self) -> dict:
        """The contract's finding (``place, headline, severity, evidence``), extended with
        ``status``, ``culprit`` and ``missing``."""
        return {"place": self.place, "headline": self.headline,
                "severity": round(float(self.severity), 4), "evidence": _plain(self.evidence),
                "status": self.status, "culprit": dict(self.culprit),
                "missing": list(self.missing)}


def _plain(value):
    """``value`` with numpy scalars and non-finite floats made JSON-friendly."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Settings:
    """Thresholds of the findings engine (defaults suit CRM exports of 1k–1M leads).

    ``alpha``: family-wise error rate of each place's test (Bonferroni within the place);
    1% by default, i.e. about 5% over the five handling places (speed, routing,
    follow-up, profile, message) together, so a clean export raises none of them 19
    times in 20 even when it is small;
    ``min_n``: fewest leads in a group (and in the rest) for it to be tested;
    ``min_ratio``: smallest rate ratio worth raising (and its inverse for shortfalls);
    ``fast_hours``/``slow_hours``: the response windows compared for *speed*;
    ``max_auc``: a score whose AUC is confidently below this is not useful;
    ``settle_days``: leads created this close to the export's end are left out of the
    *speed* and *follow-up* counts (they may simply not have been worked, or qualified,
    yet);
    ``min_power``: a test with less power than this to detect ``min_ratio`` does not
    clear a place: it *can't tell yet* (:func:`with_power`).
    """

    alpha: float = 0.01
    min_n: int = 30
    min_ratio: float = 1.5
    fast_hours: float = 1.0
    slow_hours: float = 24.0
    max_auc: float = 0.62
    settle_days: float = 14.0
    min_power: float = 0.5


@dataclass
class Context:
    """A dataset prepared for the place tests, once per diagnosis.

    The per-lead flags every place reads (reached a qualified stage, won), what handling
    effects are measured on (``target``: ``"qualified"`` when the data has an SQL or
    opportunity stage, else ``"won"``), the deal values that weigh severity and the
    export's end (for censoring); ``fits`` and ``cache`` keep results places share
    (the fitted profile; the pipeline test *readiness* reads) so each is computed once.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ctx = Context.prepare(load_sample())
    >>> ctx.target, ctx.won.shape == (ctx.leads.height,)
    ('qualified', True)
    """

    ds: Dataset
    leads: pl.DataFrame
    cols: set[str]
    has_outcome: bool
    has_qualified: bool
    won: np.ndarray
    qualified: np.ndarray
    target: str  # "qualified" or "won": what handling effects are measured on
    avg_deal: float | None
    total_revenue: float | None
    end: dt.datetime | None  # the export's end (for censoring)
    fits: dict = field(default_factory=dict)  # profile JSON -> its ProfileFit, fitted once
    cache: dict = field(default_factory=dict)  # (place, settings) -> a result places share

    @classmethod
    def prepare(cls, ds: Dataset, now: dt.datetime | None = None, *,
                prepared: PreparedLeads | None = None) -> Context:
        """The context of ``ds``; ``now`` is the export's end (default: the latest
        timestamp in the data); ``prepared``: ``ds``'s leads already prepared for profile
        fits (the app's, shared with its Profile page), else prepared when first needed."""
        leads = ds.leads
        cols = set(leads.columns)
        n = leads.height
        has_outcome = "outcome" in cols and leads["outcome"].null_count() < n
        has_q = has_qualification(leads)
        flags = leads.select(**outcome_flags(leads))
        won = flags["won"].to_numpy().astype(bool)
        qual = flags["qualified"].to_numpy().astype(bool)
        avg = total = None
        if "amount" in cols and has_outcome:
            amounts = leads.filter(pl.col("outcome") == "won")["amount"].drop_nulls()
            if amounts.len():
                avg, total = float(amounts.mean()), float(amounts.sum())
        ctx = cls(ds, leads, cols, has_outcome, has_q, won, qual,
                  "qualified" if has_q else "won", avg, total, export_end(ds, now=now))
        if prepared is not None:
            ctx.cache["prepared"] = prepared
        return ctx


def target_flags(d: Context) -> np.ndarray:
    """Per lead: reached what handling effects are measured on (``d.target``)."""
    return d.qualified if d.target == "qualified" else d.won


def value_of(d: Context, extra_target: float) -> tuple[float, dict]:
    """Severity of ``extra_target`` more qualified (or won) leads, with what it is worth."""
    out: dict = {f"{d.target}_at_stake": round(extra_target, 1)}
    won_per_target = 1.0
    if d.target == "qualified" and d.qualified.sum():
        won_per_target = float((d.won & d.qualified).sum() / d.qualified.sum())
    wins = extra_target * won_per_target
    out["wins_at_stake"] = round(wins, 1)
    if d.avg_deal is not None and d.total_revenue:
        revenue = wins * d.avg_deal
        out["revenue_at_stake"] = round(revenue, 0)
        return float(min(1.0, max(0.0, revenue / d.total_revenue))), out
    base = float(target_flags(d).sum()) or 1.0
    return float(min(1.0, max(0.0, extra_target / base))), out


def value_of_scenario(d: Context, scenario: pl.DataFrame) -> tuple[float, dict]:
    """Severity and evidence of a what-if's changes (a
    :func:`funnel.analyses.verdict.what_if` table): ``<target>_at_stake``,
    ``wins_at_stake`` and ``revenue_at_stake`` are its ``change`` in the target, in wins
    and in revenue, each with ``<key>_ci`` (the 95% interval of the change),
    ``at_stake_n`` the leads it covers and ``at_stake_label`` ``"an upper-bound scenario"``.
    Severity is the revenue change over the revenue won (else the target's change over
    the target's count), within 0–1.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.verdict import lead_flags, what_if
    >>> ds = load_sample()
    >>> severity, ev = value_of_scenario(Context.prepare(ds),
    ...                                  what_if(lead_flags(ds, in_profile=None)))
    >>> severity, ev["qualified_at_stake"], ev["qualified_at_stake_ci"]
    (0.0, 0.0, [0.0, 0.0])
    """
    rows = {r["measure"]: r for r in scenario.to_dicts()}
    out: dict = {}
    for key, measure, digits in ((f"{d.target}_at_stake", d.target, 1),
                                 ("wins_at_stake", "won", 1), ("revenue_at_stake", "revenue", 0)):
        r = rows[measure]
        if r["change"] is None:
            continue
        out[key] = round(r["change"], digits)
        out[f"{key}_ci"] = [round(r["ci_low"] - r["observed"], digits),
                            round(r["ci_high"] - r["observed"], digits)]
    out["at_stake_n"] = int(rows["leads"]["n"])
    out["at_stake_label"] = "an upper-bound scenario"
    revenue = rows["revenue"]["change"]
    if revenue is not None and d.total_revenue:
        return float(min(1.0, max(0.0, revenue / d.total_revenue))), out
    base = float(target_flags(d).sum()) or 1.0
    return float(min(1.0, max(0.0, (rows[d.target]["change"] or 0.0) / base))), out


def won_per_target(d: Context) -> float:
    """Wins per qualified lead (1 when effects are measured on wins)."""
    if d.target == "qualified" and d.qualified.sum():
        return float((d.won & d.qualified).sum() / d.qualified.sum())
    return 1.0


def value_of_wins(d: Context, wins: float) -> tuple[float, dict]:
    """Like :func:`value_of` for an estimate in wins rather than the target."""
    per = won_per_target(d)
    return value_of(d, wins / per if per > 0 else 0.0)


def outcome_missing(d: Context) -> list[str]:
    """What is missing to measure conversion at all ([] when it can be measured)."""
    return [] if d.has_outcome or d.has_qualified else ["outcome"]


def settled(d: Context, s: Settings) -> pl.Expr:
    """Leads created at least ``settle_days`` before the export's end (True without times)."""
    dtype = d.leads.schema.get("created_at")
    if d.end is None or not isinstance(dtype, pl.Datetime):
        return pl.lit(True)
    cutoff = pl.lit(d.end - dt.timedelta(days=s.settle_days)).cast(pl.Datetime("us"))
    if dtype.time_zone:
        cutoff = cutoff.dt.replace_time_zone(dtype.time_zone)
    return (pl.col("created_at") <= cutoff).fill_null(True)


FIELD_WORDS = {
    "created_at": "lead creation times",
    "first_response_at": "first-touch times (load the activities export)",
    "outcome": "outcomes (won/lost)",
    "owner": "lead owners",
    "assigned_at": "assignment times",
    "activities.owner": "who did each activity",
    "sal_at": "accepted (SAL) stage date",
    "sql_at": "qualification (SQL) stage date",
    "opportunity_at": "opportunity stage date",
    "lost_reason": "loss or disqualification reasons",
    "campaign": "campaigns or sources",
    "score": "lead score",
    "profile": "stated closable-lead profile (describe it on the Profile page)",
    "lead attributes": "lead attributes (industry, size, job title …)",
}
"""Plain words for the fields a *can't tell* names as missing."""


def cant_tell(place: str, missing: Sequence[str], why: str = "",
              evidence: dict | None = None) -> Finding:
    """*Can't tell*, naming what is missing (``why`` adds the reason, if any)."""
    words = [FIELD_WORDS.get(m, m) for m in missing]
    text = (", ".join(words[:-1]) + " or " + words[-1]) if len(words) > 1 else "".join(words)
    headline = f"Can't tell: no {text}" + (f"; {why}" if why else "") + "."
    return Finding(place, "cant_tell", headline, missing=list(missing),
                   evidence=evidence or {})


def too_few(place: str, why: str, evidence: dict | None = None) -> Finding:
    """Too little data to test (no field is missing: more leads are)."""
    return Finding(place, "cant_tell", f"Can't tell: {why}", evidence=evidence or {})


def fmt_ratio(r: float, lo: float, hi: float) -> str:
    """``2.7× (95% CI 2.1–3.4)``; two significant digits below 1, and below 0.1 as a
    fraction (``1/29×``)."""
    def f(x: float) -> str:
        if x >= 0.95:
            return f"{x:.1f}"
        if x >= 0.1:
            return f"{x:.2g}"
        if x <= 0:
            return "0"
        return f"1/{float(f'{1 / x:.2g}'):,.0f}"  # 0.034 → "1/29"
    return f"{f(r)}× (95% CI {f(lo)}–{f(hi)})"


def verb(d: Context) -> str:
    """What handling effects are measured on, as a verb: ``qualify`` or ``win``."""
    return "qualify" if d.target == "qualified" else "win"


def counts_by(frame: pl.DataFrame, by: str, flag: pl.Expr, among: pl.Expr | None = None
              ) -> pl.DataFrame:
    """Per value of ``by`` (missing as :data:`NONE_LABEL`): leads with ``flag`` (``k``) of all
    (``n``), among the rows ``among`` selects."""
    f = frame if among is None else frame.filter(among)
    return f.group_by(pl.col(by).cast(pl.String).fill_null(NONE_LABEL).alias(by)).agg(
        flag.fill_null(False).sum().cast(pl.Int64).alias("k"), pl.len().cast(pl.Int64).alias("n"))


def lead_owner_known(d: Context) -> bool:
    """Whether leads carry their own owner (not only one copied from their deals, which
    would make "unassigned" mean "has no deal")."""
    return "owner" in d.cols and (d.ds.mapping is None or "owner" in d.ds.mapping.leads
                                  or not d.ds.mapping.leads)


def unassigned(d: Context) -> pl.Expr | None:
    """Leads that had no owner of their own.

    The loader fills a lead's missing owner from its deal's owner, so a lead that was
    never assigned but got a deal looks assigned: comparing "no owner" with the rest
    would then compare leads without deals with leads with some. When the lead table
    has assignment dates (on every owned lead without a deal), a lead without one was
    not assigned; without them, and with deals, this returns ``None`` (can't tell).
    """
    owner_null = pl.col("owner").is_null()
    deals = (pl.col("deals").fill_null(0) > 0) if "deals" in d.cols else pl.lit(False)
    if "assigned_at" in d.cols:
        own = ~owner_null & ~deals
        n_own, n_undated = d.leads.select(
            own.sum().alias("n"), (own & pl.col("assigned_at").is_null()).sum().alias("z")
        ).row(0)
        if n_own and n_undated <= 0.01 * n_own:
            return owner_null | pl.col("assigned_at").is_null()
    if not bool(d.leads.select(deals.any()).item()):
        return owner_null
    return None


def prepared(d: Context) -> PreparedLeads:
    """The leads prepared once for every profile fit of the diagnosis (the stated
    profile, the learned stand-in)."""
    if "prepared" not in d.cache:
        d.cache["prepared"] = prepare_profile(d.ds)
    return d.cache["prepared"]


def profile_fit(d: Context, profile):
    """The profile fitted on the leads once (the *profile*, *definition*, *speed* and
    *readiness* places share it)."""
    key = profile.to_json()
    if key not in d.fits:
        d.fits[key] = ProfileFit(profile).fit(prepared(d))
    return d.fits[key]


def stand_in_profile(d: Context, s: Settings):
    """The profile that stands in when none is stated: learned on half the leads (by lead
    id), without sales-recorded or channel fields, marked so that it is judged on the
    other half (:class:`~funnel.analyses.profile.holdout.HeldOutProfile`, the Profile
    page's *Start from what closes*); ``None`` when there are too few leads or nothing
    separates winners. Learned once per diagnosis and setting (the places that need it
    share it)."""
    key = ("stand_in", s.min_n)
    if key not in d.cache:
        d.cache[key] = _learned_stand_in(d, s)
    return d.cache[key]


def _learned_stand_in(d: Context, s: Settings):
    if d.leads.height < 4 * s.min_n:
        return None
    try:
        held = HeldOutProfile(min_support=s.min_n, name="Learned (held-out check)").fit(
            d.ds, prepared=prepared(d))
    except ValueError:
        return None
    prof = held.profile_
    if held.check_ is not None and held.check_.prepared_ is prepared(d):
        d.fits.setdefault(prof.to_json(), held.check_)  # its fit on these leads, kept
    return prof if prof.criteria else None


def fit_flags(d: Context, s: Settings, profile) -> np.ndarray | None:
    """Per lead, in the stated profile (else in the one learned on half the leads, see
    :func:`stand_in_profile`): the fit that comparisons are stratified on; ``None`` when
    there is neither (or everyone, or no one, fits)."""
    if profile is None or not getattr(profile, "criteria", None):
        profile = stand_in_profile(d, s) if d.has_outcome else None
    if profile is None:
        return None
    inside = profile_fit(d, profile).in_profile_
    return inside if 0 < inside.sum() < inside.size else None


def settled_for_outcome(d: Context, q: float = 0.9) -> tuple[np.ndarray, float | None]:
    """Per lead, old enough to have closed: created at least the data's own cycle time
    (the ``q`` quantile of days from creation to a win) before the export's end; and
    that cycle in days (all True and ``None`` without the dates or wins).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> old, days = settled_for_outcome(Context.prepare(load_sample()))
    >>> bool(0 < old.mean() < 1), days > 0
    (True, True)
    """
    every = np.ones(d.leads.height, bool)
    cycle = won_cycle_days(d.leads, q=q) if d.has_outcome else None
    if d.end is None or cycle is None:
        return every, None
    young = d.leads.select(young_expr(d.leads, end=d.end, days=cycle)).to_series()
    return ~young.to_numpy(), cycle


def owner_stage_counts(d: Context, among: np.ndarray, success: np.ndarray) -> pl.DataFrame:
    """Per owner (leads without one left out): leads ``among`` (``n``) and those of them
    with ``success`` (``k``)."""
    frame = pl.DataFrame({"owner": d.leads["owner"].cast(pl.String).fill_null(NONE_LABEL),
                          "among": among, "k": success & among})
    return frame.filter(pl.col("among") & (pl.col("owner") != NONE_LABEL)).group_by("owner").agg(
        pl.col("k").sum().cast(pl.Int64), pl.len().cast(pl.Int64).alias("n"))


def with_power(f: Finding, d: Context, s: Settings, *, n1: float, n0: float, p0: float,
               what: str, family: int = 1, higher: bool = True, unit: str = "leads"
               ) -> Finding:
    """``f`` (a *no evidence* card) with the smallest effect its data could have
    detected: evidence ``min_detectable_ratio`` (80% power, two-sided at ``alpha`` over
    ``family``) and ``power_at_min_ratio``, stated in the headline. Below ``min_power``
    to detect ``min_ratio`` it becomes *can't tell yet*, with about how many ``unit``
    would be needed (the groups in the same proportions).

    ``n1``/``n0`` are the sizes of the group compared (a typical one, for a search over
    many) and of the rest, ``p0`` the rest's rate.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ctx = Context.prepare(load_sample())
    >>> f = with_power(Finding("speed", "no_evidence", "Nothing."), ctx, Settings(),
    ...                n1=40, n0=40, p0=0.1, what="leads answered fast or slow")
    >>> f.status, f.headline.startswith("Can't tell yet")
    ('cant_tell', True)
    """
    alpha = s.alpha / max(1, family)
    target = s.min_ratio if higher else 1 / s.min_ratio
    mdr = min_detectable_ratio(n1=n1, n0=n0, p0=p0, alpha=alpha, higher=higher)
    power = ratio_power(target, n1=n1, n0=n0, p0=p0, alpha=alpha)
    f.evidence.update({"min_detectable_ratio": mdr, "power_at_min_ratio": power,
                       "power_basis": f"{what}: {n1:,.0f} vs {n0:,.0f} {unit}, rate "
                                      f"{p0:.1%}, alpha {alpha:.2g}"})
    if power >= s.min_power:
        if mdr is not None:
            shown = mdr if higher else 1 / mdr
            word = "higher" if higher else "lower"
            f.headline = (f.headline.rstrip(".") + f" (these {unit} would have shown a "
                          f"{shown:.2g}× {word} rate).")
        return f
    share = n1 / (n1 + n0) if n1 + n0 else 0.0
    need = units_needed(target, share=share, p0=p0, alpha=alpha) if 0 < share < 1 else None
    f.evidence["needed"] = need
    size = f"about {need:,} {unit} would be needed" if need else "far more data is needed"
    return Finding(f.place, "cant_tell", f"Can't tell yet: {what}, {n1:,.0f} vs {n0:,.0f} "
                   f"{unit} give {power:.0%} power to see a {s.min_ratio:g}× difference; "
                   f"{size}.", evidence=f.evidence)


def with_group_power(f: Finding, d: Context, s: Settings, counts: pl.DataFrame, *,
                     what: str, family: int = 1, higher: bool = True,
                     unit: str = "leads") -> Finding:
    """:func:`with_power` for a search over groups (``counts`` has ``k`` of ``n`` per
    group): the power of a typical group (the median size of those with ``min_n``)
    against the rest, at the family's ``alpha``."""
    sizes = counts.filter(pl.col("n") >= s.min_n)["n"] if counts.height else counts["n"]
    total_n, total_k = float(counts["n"].sum()), float(counts["k"].sum())
    if not sizes.len() or total_n <= 0 or not 0 < total_k < total_n:
        return f
    n1 = float(sizes.median())
    return with_power(f, d, s, n1=n1, n0=total_n - n1, p0=total_k / total_n, what=what,
                      family=family, higher=higher, unit=unit)


def could_not_run(place: str, exc: Exception) -> Finding:
    """*Can't tell* for a test that failed on odd data (the error in the evidence)."""
    return Finding(place, "cant_tell", "Can't tell: this check could not run on this data "
                   f"({type(exc).__name__}).", evidence={"error": str(exc)[:300]})


@dataclass(frozen=True)
class Place:
    """One place where the handoff can leak: its test and how it is shown.

    Each place file ends with one ``PLACE = Place(...)``;
    :mod:`funnel.findings.registry` lists them in the contract's order.

    Parameters
    ----------
    key
        The place's name in the contract and in each :class:`Finding` (``"speed"``).
    title
        Its name on screen (``"Speed to lead"``).
    page
        URL path of the app page with the chart behind its finding.
    needs
        The canonical lead fields (and ``"profile"``, the stated profile) without which
        the test can't tell: each, when absent, is named in the finding's ``missing``.
        Where another field can stand in (a source for a campaign, an opportunity date
        for an SQL date), the one named is the one a *can't tell* asks for.
    chart
        The heading (or tab) of ``page`` whose chart shows this place's evidence; empty
        when the page shows no chart of it (the card then offers no chart link
        link).
    test
        ``test(ctx, settings, **kw) -> Finding`` on a :class:`Context` and
        :class:`Settings`; ``kw`` holds what the diagnosis passes along (``profile``),
        each test taking what it uses. Its docstring says what it measures.

    Examples
    --------
    >>> from funnel.findings.registry import REGISTRY
    >>> REGISTRY["scoring"].needs, REGISTRY["scoring"].chart
    (('score', 'outcome'), 'Score and pipeline')
    """

    key: str
    _: KW_ONLY
    title: str
    page: str
    needs: tuple[str, ...] = ()
    chart: str = ""
    test: Callable[..., Finding]

    @property
    def description(self) -> str:
        """What the test measures and whom it names (its docstring)."""
        return inspect.getdoc(self.test) or ""

    @property
    def uses_profile(self) -> bool:
        """Whether the test reads the stated profile (its ``test`` takes ``profile``): a
        profile edit re-runs only the places that do."""
        return "profile" in inspect.signature(self.test).parameters

    def run(self, ctx: Context, settings: Settings, **kw) -> Finding:
        """The test; an unexpected failure on odd data becomes *can't tell* (with the
        error in the evidence) instead of taking the whole diagnosis down."""
        try:
            return self.test(ctx, settings, **kw)
        except DATA_ERRORS as exc:
            return could_not_run(self.key, exc)
