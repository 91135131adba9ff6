"""The findings engine: where the marketing→sales handoff leaks, with evidence.

Each *place* (contract §4: ``speed``, ``routing``, ``follow_up``, ``profile``,
``definition``, ``readiness``, ``message``, ``scoring``, ``pipeline``) has a test on the
data that yields an effect size, a 95% interval and counts. A place is a **problem**
only when its evidence clears noise:

* the interval excludes "no effect" (a rate ratio of 1, an AUC of 0.5 …) and the effect
  is large enough to matter (``min_ratio``);
* every group compared has at least ``min_n`` leads;
* when many groups are compared at once (owners, campaigns, campaign × reason), the
  intervals are Bonferroni-widened over the family, so twenty owners do not produce a
  "finding" by chance;
* a culprit is named (the owner, source, campaign or field).

Otherwise the place has **no evidence**, or **can't tell** with the missing fields
named. Severity ranks problems by the revenue (or, without amounts, the qualified leads)
at stake, as a share of the total: an estimate from observed rates, labelled as such.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from funnel.model import Dataset
from funnel.stats import normal_quantile, rate_ratio
from funnel.summary import reached_exprs, stages_present

PLACES = ("speed", "routing", "follow_up", "profile", "definition", "readiness", "message",
          "scoring", "pipeline")
PAGES = {"speed": "speed", "routing": "speed", "follow_up": "funnel", "profile": "profile",
         "definition": "profile", "readiness": "funnel", "message": "funnel",
         "scoring": "diagnosis", "pipeline": "funnel"}
TITLES = {"speed": "Speed to lead", "routing": "Routing", "follow_up": "Follow-up",
          "profile": "Lead profile", "definition": "Profile definition",
          "readiness": "Sales readiness", "message": "Message", "scoring": "Lead scoring",
          "pipeline": "Pipeline"}
NONE = "(none)"


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

    @property
    def page(self) -> str:
        """URL path of the page with the chart behind this finding."""
        return PAGES[self.place]

    def to_dict(self) -> dict:
        """The contract's finding (``place, headline, severity, evidence``), extended with
        ``status``, ``culprit`` and ``missing``."""
        return {"place": self.place, "headline": self.headline, "severity": self.severity,
                "evidence": self.evidence, "status": self.status, "culprit": self.culprit,
                "missing": self.missing}


@dataclass
class Settings:
    """Thresholds of the findings engine (defaults suit CRM exports of 1k–1M leads)."""

    alpha: float = 0.05
    min_n: int = 30
    min_ratio: float = 1.5
    fast_hours: float = 1.0
    slow_hours: float = 24.0
    max_auc: float = 0.62


# -- small statistics --------------------------------------------------------------------

def vs_rest(counts: pl.DataFrame, *, group: str, k: str = "k", n: str = "n", higher: bool,
            settings: Settings, family: int | None = None) -> pl.DataFrame:
    """Each group's rate against all other groups', Bonferroni over the groups tested.

    Returns the groups with ``n >= min_n`` (and a rest of at least ``min_n``) with
    ``rate, rest_rate, ratio, ci_low, ci_high, flagged``; ``flagged`` when the widened
    interval excludes 1 in the asked direction and the ratio passes ``min_ratio``.

    Examples
    --------
    >>> t = pl.DataFrame({"owner": ["a", "b", "c"], "k": [60, 10, 12], "n": [100, 100, 100]})
    >>> vs_rest(t, group="owner", higher=True, settings=Settings())["flagged"].to_list()
    [True, False, False]
    """
    tot_k, tot_n = int(counts[k].sum()), int(counts[n].sum())
    tested = counts.filter((pl.col(n) >= settings.min_n)
                           & ((tot_n - pl.col(n)) >= settings.min_n))
    m = family if family is not None else max(1, tested.height)
    z = normal_quantile(1 - settings.alpha / (2 * max(1, m)))
    rows = []
    for r in tested.iter_rows(named=True):
        kk, nn = int(r[k]), int(r[n])
        ratio, lo, hi = rate_ratio(kk, nn, tot_k - kk, tot_n - nn, z=z)
        if ratio is None:
            continue
        flagged = (lo > 1 and ratio >= settings.min_ratio) if higher else (
            hi < 1 and ratio <= 1 / settings.min_ratio)
        rows.append({group: r[group], "k": kk, "n": nn, "rate": kk / nn,
                     "rest_k": tot_k - kk, "rest_n": tot_n - nn,
                     "rest_rate": (tot_k - kk) / (tot_n - nn), "ratio": ratio,
                     "ci_low": lo, "ci_high": hi, "flagged": flagged})
    schema = {group: counts.schema[group], "k": pl.Int64, "n": pl.Int64, "rate": pl.Float64,
              "rest_k": pl.Int64, "rest_n": pl.Int64, "rest_rate": pl.Float64,
              "ratio": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
              "flagged": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).sort("ratio", descending=higher)


def mh_risk_ratio(strata: pl.DataFrame, *, z: float | None = None
                  ) -> tuple[float | None, float | None, float | None]:
    """Mantel–Haenszel risk ratio over strata, with the Greenland–Robins interval.

    ``strata`` has per stratum ``a`` (events among exposed), ``n1`` (exposed), ``c``
    (events among unexposed), ``n0`` (unexposed). Strata missing either arm are skipped.

    Examples
    --------
    >>> s = pl.DataFrame({"a": [30, 10], "n1": [100, 100], "c": [10, 5], "n0": [100, 100]})
    >>> round(mh_risk_ratio(s)[0], 3)
    2.667
    """
    z = z or normal_quantile(0.975)
    s = strata.filter((pl.col("n1") > 0) & (pl.col("n0") > 0)).with_columns(
        (pl.col("n1") + pl.col("n0")).cast(pl.Float64).alias("N"))
    if s.height == 0:
        return None, None, None
    a, n1, c, n0, big_n = (s[x].cast(pl.Float64).to_numpy() for x in ("a", "n1", "c", "n0", "N"))
    r = float((a * n0 / big_n).sum())
    q = float((c * n1 / big_n).sum())
    if r == 0 or q == 0:
        return None, None, None
    var = float(((n1 * n0 * (a + c) - a * c * big_n) / big_n**2).sum()) / (r * q)
    ratio = r / q
    se = math.sqrt(max(var, 0.0))
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def auc_interval(scores: np.ndarray, positive: np.ndarray, *, z: float | None = None
                 ) -> tuple[float | None, float | None, float | None]:
    """Area under the ROC curve (ties count half) with the Hanley–McNeil interval.

    Examples
    --------
    >>> round(auc_interval(np.array([1, 2, 3, 4.0]), np.array([0, 0, 1, 1]))[0], 2)
    1.0
    """
    z = z or normal_quantile(0.975)
    pos, neg = int(positive.sum()), int((~positive.astype(bool)).sum())
    if pos == 0 or neg == 0:
        return None, None, None
    ranks = pl.Series(scores).rank("average").to_numpy()
    auc = (ranks[positive.astype(bool)].sum() - pos * (pos + 1) / 2) / (pos * neg)
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (pos - 1) * (q1 - auc * auc) + (neg - 1) * (q2 - auc * auc)) / (
        pos * neg)
    se = math.sqrt(max(var, 0.0))
    return float(auc), max(0.0, auc - z * se), min(1.0, auc + z * se)


# -- shared per-lead flags ----------------------------------------------------------------

@dataclass
class _Data:
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


def _prepare(ds: Dataset) -> _Data:
    leads = ds.leads
    cols = set(leads.columns)
    n = leads.height
    has_outcome = "outcome" in cols and leads["outcome"].null_count() < n
    stages = stages_present(leads)
    has_q = bool({"sql", "opportunity"} & set(stages))
    reached = reached_exprs(leads)
    flags = leads.select(reached["won"].alias("w"), reached["sql"].alias("q"))
    won = flags["w"].to_numpy().astype(bool)
    qual = flags["q"].to_numpy().astype(bool)
    avg = total = None
    if "amount" in cols and has_outcome:
        amounts = leads.filter(pl.col("outcome") == "won")["amount"].drop_nulls()
        if amounts.len():
            avg, total = float(amounts.mean()), float(amounts.sum())
    return _Data(ds, leads, cols, has_outcome, has_q, won, qual,
                 "qualified" if has_q else "won", avg, total)


def _target(d: _Data) -> np.ndarray:
    return d.qualified if d.target == "qualified" else d.won


def _value_of(d: _Data, extra_target: float) -> tuple[float, dict]:
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
    base = float(_target(d).sum()) or 1.0
    return float(min(1.0, max(0.0, extra_target / base))), out


def _cant(place: str, missing: Sequence[str], why: str) -> Finding:
    return Finding(place, "cant_tell", f"Can't tell: {why}", missing=list(missing))


def _fmt_ratio(r: float, lo: float, hi: float) -> str:
    return f"{r:.1f}× (95% CI {lo:.1f}–{hi:.1f})"


def _counts_by(frame: pl.DataFrame, by: str, flag: pl.Expr, among: pl.Expr | None = None
               ) -> pl.DataFrame:
    f = frame if among is None else frame.filter(among)
    return f.group_by(pl.col(by).cast(pl.String).fill_null(NONE).alias(by)).agg(
        flag.fill_null(False).sum().cast(pl.Int64).alias("k"), pl.len().cast(pl.Int64).alias("n"))


# -- places -------------------------------------------------------------------------------

def _speed(d: _Data, s: Settings, now: dt.datetime | None) -> Finding:
    need = [f for f in ("created_at", "first_response_at") if f not in d.cols]
    if need or not d.has_outcome and not d.has_qualified:
        return _cant("speed", need or ["outcome"], "no first-touch times or no outcomes; "
                     "load the activities export (calls, e-mails with times).")
    from funnel.response import response_times

    t = response_times(d.leads, now=now)
    frame = d.leads.select(pl.col("source").cast(pl.String).fill_null(NONE) if "source"
                           in d.cols else pl.lit(NONE).alias("source")).with_columns(
        t["response_hours"].alias("h"), pl.Series("y", _target(d)))
    touched = frame.filter(pl.col("h").is_not_null())

    def strata(fast: pl.Expr, slow: pl.Expr) -> pl.DataFrame:
        return touched.group_by("source").agg(
            pl.col("y").filter(fast).sum().alias("a"), fast.sum().alias("n1"),
            pl.col("y").filter(slow).sum().alias("c"), slow.sum().alias("n0"))

    fast = pl.col("h") < s.fast_hours
    slow = pl.col("h") >= s.slow_hours
    st = strata(fast, slow)
    n_fast, n_slow = int(st["n1"].sum()), int(st["n0"].sum())
    if n_fast < s.min_n or n_slow < s.min_n:
        return Finding("speed", "no_evidence", "Too few leads answered within "
                       f"{s.fast_hours:g} h or after {s.slow_hours:g} h to compare.",
                       evidence={"n_fast": n_fast, "n_slow": n_slow})
    ratio, lo, hi = mh_risk_ratio(st)
    crude = rate_ratio(int(st["a"].sum()), n_fast, int(st["c"].sum()), n_slow)
    ev = {"effect": ratio, "ci_low": lo, "ci_high": hi, "n": n_fast + n_slow,
          "n_fast": n_fast, "n_slow": n_slow, "crude_ratio": crude[0],
          "measure": f"{d.target} rate, first touch < {s.fast_hours:g} h vs ≥ "
                     f"{s.slow_hours:g} h, adjusted for source (Mantel–Haenszel)"}
    if ratio is None or lo is None or not (lo > 1 and ratio >= s.min_ratio):
        return Finding("speed", "no_evidence", "Conversion does not fall measurably with "
                       "response time here.", evidence=ev)
    # what is at stake: every lead answered after the fast window, at the fast rate
    late = pl.col("h") >= s.fast_hours
    st_late = strata(fast, late)
    r_late, _, _ = mh_risk_ratio(st_late)
    late_rows = touched.filter(late)
    extra = late_rows["y"].sum() * max(0.0, (r_late or 1.0) - 1.0)
    severity, value = _value_of(d, float(extra))
    ev.update(value)
    culprit = _speed_culprit(d, t, s)
    ev.update({k: v for k, v in culprit.items() if k.startswith("median")})
    who = culprit.get("window_label", "")
    headline = (f"Leads answered within {s.fast_hours:g} h reach {d.target} "
                f"{_fmt_ratio(ratio, lo, hi)} as often as those answered after "
                f"{s.slow_hours:g} h (same sources compared)"
                + (f"; {who} wait longest." if who else "."))
    named = {k: v for k, v in culprit.items() if k in ("window", "owner")}
    return Finding("speed", "problem", headline, severity, named, ev)


def _speed_culprit(d: _Data, t: pl.DataFrame, s: Settings) -> dict:
    """The arrival window (and owner) whose leads wait longest for a first touch."""
    from funnel.survival import km_medians

    created = d.leads["created_at"]
    wd, hr = created.dt.weekday(), created.dt.hour()
    window = (pl.when(wd >= 6).then(pl.lit("weekend"))
              .when((hr < 8) | (hr >= 18) | ((wd == 5) & (hr >= 16)))
              .then(pl.lit("evening and night")).otherwise(pl.lit("working hours")))
    frame = pl.DataFrame({"wd": wd, "hr": hr, "wait": t["wait_hours"],
                          "touched": t["touched"]}).with_columns(window.alias("window"))
    med = km_medians(frame, duration="wait", event="touched", by="window")
    out: dict = {}
    by = {r["window"]: r["median"] for r in med.to_dicts()}
    base = by.get("working hours")
    slowest = [w for w in ("weekend", "evening and night")
               if by.get(w) is not None and base is not None and by[w] >= 2 * max(base, 0.1)]
    if slowest:
        out["window"] = ", ".join(slowest)
        out["window_label"] = " and ".join(
            f"{w} leads (median {by[w]:.0f} h vs {base:.1f} h in working hours)"
            if i == len(slowest) - 1 else f"{w} leads (median {by[w]:.0f} h)"
            for i, w in enumerate(slowest))
    out.update({f"median_hours_{w.replace(' ', '_')}": v for w, v in by.items()})
    if "owner" in d.cols:  # response time of touched leads (follow-up is its own place)
        frame = frame.with_columns(d.leads["owner"].cast(pl.String).fill_null(NONE)
                                   .alias("owner"))
        om = km_medians(frame.filter((pl.col("owner") != NONE) & pl.col("touched")),
                        duration="wait", event="touched", by="owner"
                        ).filter(pl.col("n") >= s.min_n)
        if om.height >= 2:
            worst = om.sort("median", descending=True, nulls_last=False).row(0, named=True)
            others = om.filter(pl.col("owner") != worst["owner"])["median"].drop_nulls()
            if (worst["ci_low"] is not None and others.len()
                    and worst["ci_low"] > 2 * float(others.max())):
                out["owner"] = worst["owner"]
    return out


def _follow_up(d: _Data, s: Settings) -> Finding:
    need = [f for f in ("first_response_at", "owner") if f not in d.cols]
    if need:
        return _cant("follow_up", need, "no first-touch times or no owners; load the "
                     "activities export and the lead owner.")
    leads = d.leads.with_columns(pl.Series("y", _target(d)))
    never = pl.col("first_response_at").is_null()
    n_never = int(leads.select(never.sum()).item())
    touched_n = leads.height - n_never
    y_never = int(leads.filter(never)["y"].sum())
    y_touched = int(leads.filter(~never)["y"].sum())
    gate = rate_ratio(y_never, n_never, y_touched, touched_n)
    ev = {"never_touched": n_never, "n": leads.height,
          "never_touched_share": n_never / leads.height if leads.height else None,
          f"{d.target}_rate_never": y_never / n_never if n_never else None,
          f"{d.target}_rate_touched": y_touched / touched_n if touched_n else None}
    if gate[0] is None or gate[2] is None or gate[2] >= 1 or n_never < s.min_n:
        return Finding("follow_up", "no_evidence", "Leads without a sales touch do not "
                       "convert measurably worse, or there are too few to tell.", evidence=ev)
    assigned = leads.filter(pl.col("owner").is_not_null())
    tests = [("never touched", _counts_by(assigned, "owner", never))]
    if "touches" in d.cols:
        tests.append(("stopped after one attempt",
                      _counts_by(assigned, "owner", pl.col("touches") == 1,
                                 among=pl.col("touches") >= 1)))
    family = sum(t.height for _, t in tests)
    flagged = []
    for what, counts in tests:
        res = vs_rest(counts, group="owner", higher=True, settings=s, family=family)
        flagged += [(what, r) for r in res.filter(pl.col("flagged")).to_dicts()]
    if not flagged:
        return Finding("follow_up", "no_evidence", f"{ev['never_touched_share']:.0%} of leads "
                       "were never touched, spread evenly over the reps.", evidence=ev)
    what, top = max(flagged, key=lambda x: x[1]["k"] - x[1]["n"] * x[1]["rest_rate"])
    p_t = y_touched / touched_n
    p_n = y_never / n_never
    excess = sum(max(0.0, r["k"] - r["n"] * r["rest_rate"]) for w, r in flagged
                 if w == "never touched")
    severity, value = _value_of(d, excess * max(0.0, p_t - p_n))
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               "owner_n": top["n"], "owner_share": top["rate"], "others_share": top["rest_rate"],
               "measure": f"share of the owner's leads {what} vs other reps "
                          "(Bonferroni over reps)", **value})
    headline = (f"{top['owner']}: {top['rate']:.0%} of leads {what} vs {top['rest_rate']:.0%} "
                f"for other reps ({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); "
                f"untouched leads reach {d.target} {p_n:.1%} vs {p_t:.1%} when touched.")
    owners = sorted({r["owner"] for _, r in flagged})
    return Finding("follow_up", "problem", headline, severity,
                   {"owner": ", ".join(owners)}, ev)


def _routing(d: _Data, s: Settings) -> Finding:
    if "owner" not in d.cols:
        return _cant("routing", ["owner"], "no lead owner in the export.")
    leads = d.leads.with_columns(pl.Series("y", _target(d)))
    assigned = leads.filter(pl.col("owner").is_not_null())
    tests: list[tuple[str, pl.DataFrame]] = []
    if "assigned_at" in d.cols and "created_at" in d.cols:
        late = (pl.col("assigned_at") - pl.col("created_at")).dt.total_seconds() >= 3600
        tests.append(("assigned an hour or more after arrival",
                      _counts_by(assigned, "owner", late,
                                 among=pl.col("assigned_at").is_not_null())))
    if d.ds.activities is not None and "owner" in d.ds.activities.columns:
        from funnel.routing import reassignments

        ra = reassignments(d.ds).filter(pl.col("owner") != NONE)
        tests.append(("first worked by another rep",
                      ra.select(pl.col("owner"), pl.col("first_by_other").cast(pl.Int64)
                                .alias("k"), pl.col("worked").cast(pl.Int64).alias("n"))))
    if not tests:
        return _cant("routing", ["assigned_at", "activities.owner"], "no assignment times "
                     "and no activity owners to see who handled each lead.")
    family = sum(t.height for _, t in tests)
    flagged = []
    for what, counts in tests:
        res = vs_rest(counts, group="owner", higher=True, settings=s, family=family)
        flagged += [(what, r) for r in res.filter(pl.col("flagged")).to_dicts()]
    unowned = leads.filter(pl.col("owner").is_null())
    ev: dict = {"n": leads.height, "unassigned": unowned.height}
    un = None
    if unowned.height >= s.min_n and assigned.height >= s.min_n:
        un = rate_ratio(int(unowned["y"].sum()), unowned.height, int(assigned["y"].sum()),
                        assigned.height)
        ev["unassigned_ratio"] = un[0]
    unassigned_problem = un is not None and un[2] is not None and un[2] < 1 / s.min_ratio
    if not flagged and not unassigned_problem:
        return Finding("routing", "no_evidence", "No rep stands out for late assignment or "
                       "hand-overs.", evidence=ev)
    parts, culprits = [], []
    if flagged:
        what, top = max(flagged, key=lambda x: x[1]["ratio"])
        parts.append(f"{top['owner']}: {top['rate']:.0%} of leads {what} vs "
                     f"{top['rest_rate']:.0%} for other reps "
                     f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])})")
        culprits = sorted({r["owner"] for _, r in flagged})
        ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
                   "owner_n": top["n"], "measure": f"share {what} vs other reps "
                   "(Bonferroni over reps and tests)"})
    if unassigned_problem:
        parts.append(f"{unowned.height:,} leads have no owner and reach {d.target} "
                     f"{un[0]:.2f}× as often as assigned ones")
        culprits.append("(unassigned)")
        ev.setdefault("effect", un[0])
        ev.setdefault("ci_low", un[1])
        ev.setdefault("ci_high", un[2])
    affected = sum(r["k"] for _, r in flagged) + (unowned.height if unassigned_problem else 0)
    p_all = float(_target(d).mean())
    severity, value = _value_of(d, affected * p_all * 0.5)
    ev.update(value)
    ev["at_stake_note"] = "assumes half the conversion of affected leads is lost (estimate)"
    return Finding("routing", "problem", "; ".join(parts) + ".", severity,
                   {"owner": ", ".join(culprits)}, ev)


def _profile_fit(d: _Data, profile):
    from funnel.profile import ProfileFit

    return ProfileFit(d.ds).fit(profile)


def _held_out_profile(d: _Data, s: Settings):
    """A profile learned on half the leads and checked on the other half (honest)."""
    from funnel.learned import LearnedProfile

    if not d.ds.attributes or not d.has_outcome:
        return None, None
    rng = np.random.default_rng(11)
    half = rng.random(d.leads.height) < 0.5
    train = d.leads.filter(pl.Series(half))
    test = d.leads.filter(pl.Series(~half))
    try:
        learned = LearnedProfile(min_support=s.min_n).fit(train, attributes=d.ds.attributes)
    except ValueError:
        return None, None
    prof = learned.profile(max_criteria=3, name="Learned (held-out check)")
    if not prof.criteria:
        return None, None
    from funnel.profile import ProfileFit

    check = ProfileFit(test, mapping=d.ds.mapping).fit(prof)
    return prof, check


def _profile(d: _Data, s: Settings, profile) -> Finding:
    if not d.has_outcome:
        return _cant("profile", ["outcome"], "no outcomes, so fit cannot be tied to winning.")
    basis = "stated profile"
    if profile is None or not getattr(profile, "criteria", None):
        profile, check = _held_out_profile(d, s)
        if profile is None:
            return _cant("profile", ["profile"], "no closable-lead profile was given and no "
                         "attribute separates winners; describe the profile on the Profile "
                         "page.")
        basis = "profile learned from half the leads, checked on the other half"
        rr = check.rate_ratio_
    else:
        check = None
    fit = _profile_fit(d, profile)
    rr = check.rate_ratio_ if check is not None else fit.rate_ratio_
    ev = {"profile": profile.name, "basis": basis, "in_profile_share": fit.share_,
          "n": fit.n_, "in_profile": fit.in_n_, "win_ratio": rr[0], "win_ratio_low": rr[1],
          "win_ratio_high": rr[2]}
    if rr[0] is None or rr[1] is None or rr[1] <= 1:
        return Finding("profile", "no_evidence", "Being in the profile does not make a lead "
                       "measurably likelier to win, so the mix sent is not the issue.",
                       evidence=ev)
    tests = []
    for dim in ("campaign", "source"):
        table = fit.by_.get(dim) if hasattr(fit, "by_") else None
        if table is None:
            continue
        counts = table.select(pl.col(dim).cast(pl.String), pl.col("in_profile").cast(pl.Int64)
                              .alias("k"), pl.col("leads").cast(pl.Int64).alias("n"))
        tests.append((dim, counts))
    family = sum(t.height for _, t in tests)
    flagged = []
    for dim, counts in tests:
        res = vs_rest(counts, group=dim, higher=False, settings=s, family=family)
        flagged += [(dim, r) for r in res.filter(pl.col("flagged")).to_dicts()]
    if not flagged:
        return Finding("profile", "no_evidence", f"{fit.share_:.0%} of leads fit the profile "
                       "and no source or campaign sends markedly fewer of them.", evidence=ev)
    # the largest shortfall of in-profile leads, named campaigns before sources
    flagged = [(dd, r) for dd, r in flagged if r[dd] not in (NONE, None)]
    if not flagged:
        return Finding("profile", "no_evidence", f"{fit.share_:.0%} of leads fit the profile; "
                       "only leads without a campaign fall short.", evidence=ev)
    flagged.sort(key=lambda x: (x[0] != "campaign", -(x[1]["n"] * x[1]["rest_rate"]
                                                       - x[1]["k"])))
    dim, top = flagged[0]
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    p_in = o["in profile"]["win_rate"] or 0.0
    p_out = o["out of profile"]["win_rate"] or 0.0
    missing_in = sum(r["n"] * r["rest_rate"] - r["k"] for _, r in flagged)
    wins = max(0.0, missing_in) * max(0.0, p_in - p_out)
    won_per_target = 1.0
    if d.target == "qualified" and d.won.sum():
        won_per_target = float((d.won & d.qualified).sum() / d.qualified.sum())
    severity, value = _value_of(d, wins / won_per_target if won_per_target else wins)
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               f"{dim}_n": top["n"], f"{dim}_in_profile_share": top["rate"],
               "others_in_profile_share": top["rest_rate"],
               "measure": f"in-profile share of the {dim} vs the rest (Bonferroni)", **value})
    headline = (f"{top[dim]} sends {top['n']:,} leads, {top['rate']:.1%} in profile vs "
                f"{top['rest_rate']:.1%} elsewhere; in-profile leads win "
                f"{_fmt_ratio(rr[0], rr[1], rr[2])} as often.")
    culprit: dict[str, str] = {}
    for dd, r in flagged:  # sorted: the largest shortfall of each kind first
        culprit.setdefault(dd, r[dd])
    return Finding("profile", "problem", headline, severity, culprit, ev)


def _definition(d: _Data, s: Settings, profile) -> Finding:
    if profile is None or not getattr(profile, "criteria", None):
        return _cant("definition", ["profile"], "no stated profile to test; describe the "
                     "sales team's closable lead on the Profile page.")
    if not d.has_outcome:
        return _cant("definition", ["outcome"], "no outcomes to test the profile against.")
    fit = _profile_fit(d, profile)
    ratio, lo, hi = fit.rate_ratio_
    ev = {"profile": profile.name, "effect": ratio, "ci_low": lo, "ci_high": hi, "n": fit.n_,
          "in_profile": fit.in_n_, "measure": "win rate in vs out of the stated profile"}
    if fit.in_n_ < s.min_n or fit.n_ - fit.in_n_ < s.min_n or ratio is None:
        return Finding("definition", "no_evidence", "Too few leads in (or out of) the stated "
                       "profile to test it.", evidence=ev)
    if lo > 1:
        return Finding("definition", "no_evidence", f"The stated profile predicts winning: "
                       f"{_fmt_ratio(ratio, lo, hi)}.", evidence=ev)
    won_out = int((d.won & ~fit.in_profile_).sum())
    won_all = int(d.won.sum()) or 1
    ev["wins_outside_profile"] = won_out
    return Finding("definition", "problem",
                   f"The profile '{profile.name}' does not separate winners: in-profile leads "
                   f"win {_fmt_ratio(ratio, lo, hi)} as often as the rest; "
                   f"{won_out / won_all:.0%} of wins come from outside it.",
                   min(1.0, 0.5 * won_out / won_all), {"profile": profile.name}, ev)


def _owner_stage_counts(d: _Data, among: np.ndarray, success: np.ndarray) -> pl.DataFrame:
    frame = pl.DataFrame({"owner": d.leads["owner"].cast(pl.String).fill_null(NONE),
                          "among": among, "k": success & among})
    return frame.filter(pl.col("among") & (pl.col("owner") != NONE)).group_by("owner").agg(
        pl.col("k").sum().cast(pl.Int64), pl.len().cast(pl.Int64).alias("n"))


def _closed_opps(d: _Data) -> tuple[np.ndarray, np.ndarray]:
    reached = d.leads.select(reached_exprs(d.leads)["opportunity"].alias("o"))["o"]
    opp = reached.to_numpy().astype(bool)
    closed = d.leads["outcome"].is_in(["won", "lost"]).fill_null(False).to_numpy()
    return opp & closed, opp


def _pipeline(d: _Data, s: Settings) -> tuple[Finding, set[str]]:
    stages = set(stages_present(d.leads))
    need = [f for f in ("owner",) if f not in d.cols]
    if "opportunity" not in stages:
        need.append("opportunity_at")
    if need or not d.has_outcome:
        return _cant("pipeline", need or ["outcome"], "no opportunity stage, owners or "
                     "outcomes to follow opportunities."), set()
    earlier = "sal" if "sal" in stages else "sql" if "sql" in stages else None
    if earlier is None:
        return _cant("pipeline", ["sal_at"], "no stage before opportunity to see how early "
                     "opportunities are opened."), set()
    reached = d.leads.select(reached_exprs(d.leads)[earlier].alias("e"))["e"].to_numpy()
    closed_opp, opp = _closed_opps(d)
    early = vs_rest(_owner_stage_counts(d, reached.astype(bool), opp), group="owner",
                    higher=True, settings=s)
    close = vs_rest(_owner_stage_counts(d, closed_opp, d.won), group="owner", higher=False,
                    settings=s.__class__(**{**s.__dict__, "min_ratio": 1.0}))
    bad_close = set(close.filter(pl.col("flagged"))["owner"].to_list())
    hits = early.filter(pl.col("flagged") & pl.col("owner").is_in(list(bad_close)))
    if hits.height == 0:
        return Finding("pipeline", "no_evidence", "No rep opens opportunities markedly earlier "
                       "than the others while closing fewer of them."), set()
    top = hits.row(0, named=True)
    c = close.filter(pl.col("owner") == top["owner"]).row(0, named=True)
    lost_opps = c["n"] - c["k"]
    extra = max(0.0, c["n"] * c["rest_rate"] - c["k"])
    severity, value = _value_of(d, extra if d.target == "won" else extra / max(
        1e-9, float((d.won & d.qualified).sum() / max(1, d.qualified.sum()))))
    ev = {"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
          "n": top["n"], "opportunity_share": top["rate"], "others_share": top["rest_rate"],
          "close_rate": c["rate"], "others_close_rate": c["rest_rate"],
          "close_ratio": c["ratio"], "close_ci_low": c["ci_low"], "close_ci_high": c["ci_high"],
          "lost_opportunities": lost_opps,
          "measure": f"share of {earlier.upper()} leads turned into opportunities vs other reps "
                     "(Bonferroni), and their close rate", **value}
    headline = (f"{top['owner']} turns {top['rate']:.0%} of {earlier.upper()} leads into "
                f"opportunities vs {top['rest_rate']:.0%} for other reps, and wins "
                f"{c['rate']:.0%} of them once closed vs {c['rest_rate']:.0%}: pipeline that "
                "does not realise.")
    return Finding("pipeline", "problem", headline, severity, {"owner": top["owner"]},
                   ev), set(hits["owner"].to_list())


def _readiness(d: _Data, s: Settings, pipeline_owners: set[str]) -> Finding:
    stages = set(stages_present(d.leads))
    need = [f for f in ("owner",) if f not in d.cols]
    if not ({"sql", "opportunity"} & stages):
        need.append("sql_at")
    if need or not d.has_outcome:
        return _cant("readiness", need or ["outcome"], "no qualification stage, owners or "
                     "outcomes.")
    closed = d.leads["outcome"].is_in(["won", "lost"]).fill_null(False).to_numpy()
    among = d.qualified & closed
    close = vs_rest(_owner_stage_counts(d, among, d.won), group="owner", higher=False,
                    settings=s)
    qual = vs_rest(_owner_stage_counts(d, np.ones(d.leads.height, bool), d.qualified),
                   group="owner", higher=False, settings=s.__class__(**{**s.__dict__,
                                                                         "min_ratio": 1.0}))
    poor_qualifiers = set(qual.filter(pl.col("flagged"))["owner"].to_list())
    hits = close.filter(pl.col("flagged") & ~pl.col("owner").is_in(
        list(pipeline_owners | poor_qualifiers)))
    if hits.height == 0:
        return Finding("readiness", "no_evidence", "Qualified leads close at similar rates "
                       "across reps.")
    top = hits.row(0, named=True)
    q = qual.filter(pl.col("owner") == top["owner"])
    extra = max(0.0, top["n"] * top["rest_rate"] - top["k"])
    severity, value = _value_of(d, extra if d.target == "won" else extra / max(
        1e-9, float((d.won & d.qualified).sum() / max(1, d.qualified.sum()))))
    ev = {"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
          "n": top["n"], "close_rate": top["rate"], "others_close_rate": top["rest_rate"],
          "qualified_rate": q["rate"][0] if q.height else None,
          "others_qualified_rate": q["rest_rate"][0] if q.height else None,
          "measure": "win rate of qualified, closed leads vs other reps (Bonferroni)", **value}
    headline = (f"{top['owner']} qualifies as well as the others but wins {top['rate']:.0%} of "
                f"closed qualified leads vs {top['rest_rate']:.0%} "
                f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}): conversations "
                "stall before the sale.")
    return Finding("readiness", "problem", headline, severity, {"owner": top["owner"]}, ev)


def _message(d: _Data, s: Settings) -> Finding:
    dim = "campaign" if "campaign" in d.cols else "source" if "source" in d.cols else None
    need = [f for f in ("lost_reason",) if f not in d.cols] + ([] if dim else ["campaign"])
    if need:
        return _cant("message", need, "no loss or disqualification reasons, or no campaigns.")
    leads = d.leads.with_columns(pl.col("lost_reason").cast(pl.String).str.strip_chars()
                                 .alias("_r"), pl.col(dim).cast(pl.String).fill_null(NONE)
                                 .alias("_g"))
    reasons = (leads.filter(pl.col("_r").is_not_null()).group_by("_r").len()
               .filter(pl.col("len") >= s.min_n)["_r"].to_list())
    tables = []
    for r in reasons:
        counts = leads.group_by("_g").agg((pl.col("_r") == r).fill_null(False).sum()
                                          .cast(pl.Int64).alias("k"),
                                          pl.len().cast(pl.Int64).alias("n"))
        tables.append((r, counts.rename({"_g": dim})))
    family = sum(t.filter(pl.col("n") >= s.min_n).height for _, t in tables)
    settings = s.__class__(**{**s.__dict__, "min_ratio": max(2.0, s.min_ratio)})
    flagged = []
    for r, counts in tables:
        res = vs_rest(counts, group=dim, higher=True, settings=settings, family=family)
        flagged += [(r, row) for row in res.filter(pl.col("flagged") & (pl.col(dim) != NONE))
                    .to_dicts()]
    if not flagged:
        return Finding("message", "no_evidence", "Loss and disqualification reasons are "
                       f"spread evenly over {dim}s.")
    reason, top = max(flagged, key=lambda x: x[1]["k"] - x[1]["n"] * x[1]["rest_rate"])
    excess = max(0.0, top["k"] - top["n"] * top["rest_rate"])
    p = float(_target(d).mean())
    severity, value = _value_of(d, excess * p)
    all_r = leads.filter(pl.col("_r") == reason)
    share_of_reason = top["k"] / all_r.height if all_r.height else None
    ev = {"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
          "n": top["n"], "reason": reason, "reason_share": top["rate"],
          "others_reason_share": top["rest_rate"], "share_of_all_such_losses": share_of_reason,
          "measure": f"share of the {dim}'s leads lost/disqualified for this reason vs other "
                     f"{dim}s (Bonferroni over {dim} × reason)", **value}
    headline = (f"'{reason}' hits {top['rate']:.1%} of {top[dim]} leads vs "
                f"{top['rest_rate']:.1%} elsewhere "
                f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}): the {dim} "
                "promises something the product is not.")
    return Finding("message", "problem", headline, severity,
                   {dim: top[dim], "reason": reason}, ev)


def _scoring(d: _Data, s: Settings) -> Finding:
    if "score" not in d.cols or not d.has_outcome:
        return _cant("scoring", [f for f in ("score", "outcome") if f not in d.cols] or
                     ["outcome"], "no lead score or no outcomes.")
    frame = pl.DataFrame({"score": d.leads["score"].cast(pl.Float64), "won": d.won}).filter(
        pl.col("score").is_not_null() & pl.col("score").is_not_nan())
    if frame.height < s.min_n or frame["won"].sum() < 5:
        return Finding("scoring", "no_evidence", "Too few scored winners to judge the score.")
    auc, lo, hi = auc_interval(frame["score"].to_numpy(), frame["won"].to_numpy())
    deciles = frame.with_columns(pl.col("score").qcut(10, labels=None, allow_duplicates=True)
                                 .alias("decile")).group_by("decile").agg(
        pl.len().alias("leads"), pl.col("won").mean().alias("win_rate"),
        pl.col("score").min().alias("from")).sort("from")
    field = d.ds.mapping.leads.get("score") or "score"
    ev = {"effect": auc, "ci_low": lo, "ci_high": hi, "n": frame.height,
          "won": int(frame["won"].sum()), "measure": "AUC of the score for winning "
          "(0.5 = chance; Hanley–McNeil interval)",
          "win_rate_by_decile": deciles.select("from", "leads", "win_rate").to_dicts()}
    if hi is None or hi >= s.max_auc:
        return Finding("scoring", "no_evidence", f"The score separates winners (AUC {auc:.2f}, "
                       f"95% CI {lo:.2f}–{hi:.2f}).", evidence=ev)
    return Finding("scoring", "problem", f"'{field}' barely predicts winning: AUC {auc:.2f} "
                   f"(95% CI {lo:.2f}–{hi:.2f}; 0.5 is a coin toss), so routing or "
                   "prioritising by it sends sales the wrong leads.",
                   min(1.0, 0.2 + (s.max_auc - auc)), {"field": field}, ev)


# -- public ------------------------------------------------------------------------------

def diagnose_places(
    ds: Dataset,
    *,
    profile=None,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
) -> list[Finding]:
    """One :class:`Finding` per place, in the contract's order.

    Parameters
    ----------
    ds
        The loaded dataset.
    profile
        The sales team's stated profile (:class:`funnel.profile.Profile`); without one
        the *profile* place uses a profile learned on half the leads and checked on the
        other half, and *definition* can't tell.
    settings
        Thresholds (:class:`Settings`).
    now
        The export's end for censoring (default: the latest timestamp in the data).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> cards = diagnose_places(load_sample())
    >>> [f.place for f in cards][:3]
    ['speed', 'routing', 'follow_up']
    """
    s = settings or Settings()
    d = _prepare(ds)
    pipeline, early_owners = _pipeline(d, s)
    out = {
        "speed": _speed(d, s, now),
        "routing": _routing(d, s),
        "follow_up": _follow_up(d, s),
        "profile": _profile(d, s, profile),
        "definition": _definition(d, s, profile),
        "readiness": _readiness(d, s, early_owners),
        "message": _message(d, s),
        "scoring": _scoring(d, s),
        "pipeline": pipeline,
    }
    return [out[p] for p in PLACES]


def findings(ds: Dataset, *, profile=None, settings: Settings | None = None,
             now: dt.datetime | None = None) -> list[Finding]:
    """The problems only, most severe first (the CLI's ``findings`` key).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> "follow_up" in [f.place for f in findings(load_sample())]
    True
    """
    cards = diagnose_places(ds, profile=profile, settings=settings, now=now)
    return sorted((f for f in cards if f.status == "problem"), key=lambda f: -f.severity)
