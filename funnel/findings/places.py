"""The findings engine: where the marketing→sales handoff leaks, with evidence.

Each *place* (contract §4: ``speed``, ``routing``, ``follow_up``, ``profile``,
``definition``, ``readiness``, ``message``, ``scoring``, ``pipeline``) has a test on the
data that yields an effect size, a 95% interval and counts. A place is a **problem**
only when its evidence clears noise:

* the interval excludes "no effect" (a rate ratio of 1, an AUC of 0.5 …) and the effect
  is large enough to matter (``Settings.min_ratio``, 1.5× by default);
* every group compared, and the rest it is compared with, has at least ``min_n`` (30)
  leads;
* when a place compares many groups at once, its intervals are Bonferroni-widened over
  the whole family (family-wise error ``alpha`` = 1% per place, about 5% over the five
  handling places together), so twenty owners or a
  hundred campaign × reason pairs do not produce a "finding" by chance;
* a culprit is named (the owner, campaign/source, arrival window or field).

Otherwise the place has **no evidence** (tested, nothing found) or **can't tell** (the
fields are missing, named in ``missing``; or too few leads to test).

The tests, their families and culprits:

========== ==========================================================================
place      test (family for Bonferroni) → culprit
========== ==========================================================================
speed      qualified (else won) rate of leads first touched < 1 h vs ≥ 24 h (when
           either has < ``min_n`` leads: the fastest vs the slowest quarter),
           Mantel–Haenszel over sources (one test) → the arrival window that waits
           ≥ 2× longer (KM medians), or an owner whose median wait is > 2× everyone's;
           leads of the last ``settle_days`` left out (no time yet to qualify)
follow_up  gate: never-touched leads convert less (one test); then per owner, share
           never touched and share of touched leads stopped after one attempt vs the
           other reps (family: owners × 2) → owner. Leads created within
           ``settle_days`` (14) of the export's end are left out (not yet worked).
routing    per owner, share assigned ≥ 1 h after arrival and share first worked by
           another rep (family: owners × 2) → owner; and leads without an owner
           (no assignment date) converting ≥ 1.5× less → "unassigned"
profile    needs in-profile leads to win more (stated profile, else one learned on half
           the leads and checked on the other half, without sales-recorded or channel
           fields); then the in-profile share per campaign and source vs the rest,
           ≥ 1.5× lower (family: campaigns + sources) → campaign (and source)
definition stated profile's win-rate lift: a problem when confidently below 1.5× (the
           upper bound of its interval < ``min_ratio``) → the profile, weakest criterion
readiness  per owner, win rate of closed qualified leads vs other reps, ≥ 1.5× lower,
           Mantel–Haenszel over sources (family: owners), unless the owner qualifies
           markedly less or is the
           pipeline culprit → owner
message    per campaign × reason, the reason's share of the campaign's lost or
           disqualified leads vs other campaigns', ≥ 2× higher and ≥ ``min_n`` leads,
           Mantel–Haenszel within the stage lost at (opportunity or before) and, in
           turn, within each lead attribute — a concentration a lead attribute explains
           is a profile matter (family: campaigns × reasons) → campaign and reason
scoring    AUC of the score for winning (Hanley–McNeil): a problem when the upper
           bound is below ``max_auc`` (0.62) → the score field
pipeline   per owner, share of SAL (else SQL) leads turned into opportunities ≥ 1.5×
           the others' (family: owners), confirmed by a lower close rate of their
           opportunities (gatekeeping: family = the reps flagged first) → owner
========== ==========================================================================

Severity ranks problems by what is at stake: an estimate from observed rates (labelled
``at_stake_note`` in the evidence) of the extra qualified leads or wins had the
affected leads converted like the unaffected, valued at the average won deal, as a
share of the revenue won (without amounts: of the qualified leads or wins), in [0, 1].
It is a scenario for ranking, never a forecast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from funnel.dataset.stages import reached_exprs, stages_present
from funnel.dataset.tables import Dataset
from funnel.stats.intervals import normal_quantile, rate_ratio, wilson
from funnel.stats.tests import auc_interval, mh_risk_ratio, vs_rest

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
CHANNEL_PATTERN = re.compile(r"\b(origin|source|campaign|utm|channel|medium|hear)\b",
                             re.IGNORECASE)
"""Attribute names that describe the channel rather than the lead: left out of the
learned profile, which is then compared across sources and campaigns."""


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
    yet).
    """

    alpha: float = 0.01
    min_n: int = 30
    min_ratio: float = 1.5
    fast_hours: float = 1.0
    slow_hours: float = 24.0
    max_auc: float = 0.62
    settle_days: float = 14.0


# -- small statistics --------------------------------------------------------------------


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
    end: dt.datetime | None  # the export's end (for censoring)
    fits: dict = field(default_factory=dict)  # profile JSON -> its ProfileFit, fitted once


def _prepare(ds: Dataset, now: dt.datetime | None = None) -> _Data:
    from funnel.dataset.tables import export_end

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
                 "qualified" if has_q else "won", avg, total, export_end(ds, now=now))


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


def _won_per_target(d: _Data) -> float:
    """Wins per qualified lead (1 when effects are measured on wins)."""
    if d.target == "qualified" and d.qualified.sum():
        return float((d.won & d.qualified).sum() / d.qualified.sum())
    return 1.0


def _value_of_wins(d: _Data, wins: float) -> tuple[float, dict]:
    """Like :func:`_value_of` for an estimate in wins rather than the target."""
    per = _won_per_target(d)
    return _value_of(d, wins / per if per > 0 else 0.0)


def _outcome_missing(d: _Data) -> list[str]:
    """What is missing to measure conversion at all ([] when it can be measured)."""
    return [] if d.has_outcome or d.has_qualified else ["outcome"]


def _settled(d: _Data, s: Settings) -> pl.Expr:
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


def _cant(place: str, missing: Sequence[str], why: str = "",
          evidence: dict | None = None) -> Finding:
    """*Can't tell*, naming what is missing (``why`` adds the reason, if any)."""
    words = [FIELD_WORDS.get(m, m) for m in missing]
    text = (", ".join(words[:-1]) + " or " + words[-1]) if len(words) > 1 else "".join(words)
    headline = f"Can't tell: no {text}" + (f"; {why}" if why else "") + "."
    return Finding(place, "cant_tell", headline, missing=list(missing),
                   evidence=evidence or {})


def _few(place: str, why: str, evidence: dict | None = None) -> Finding:
    """Too little data to test (no field is missing: more leads are)."""
    return Finding(place, "cant_tell", f"Can't tell: {why}", evidence=evidence or {})


def _with(s: Settings, **changes) -> Settings:
    return dataclasses.replace(s, **changes)


def _fmt_ratio(r: float, lo: float, hi: float) -> str:
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


def _verb(d: _Data) -> str:
    """What handling effects are measured on, as a verb: ``qualify`` or ``win``."""
    return "qualify" if d.target == "qualified" else "win"


def _counts_by(frame: pl.DataFrame, by: str, flag: pl.Expr, among: pl.Expr | None = None
               ) -> pl.DataFrame:
    f = frame if among is None else frame.filter(among)
    return f.group_by(pl.col(by).cast(pl.String).fill_null(NONE).alias(by)).agg(
        flag.fill_null(False).sum().cast(pl.Int64).alias("k"), pl.len().cast(pl.Int64).alias("n"))


# -- places -------------------------------------------------------------------------------

def _speed(d: _Data, s: Settings, now: dt.datetime | None) -> Finding:
    need = [f for f in ("created_at", "first_response_at") if f not in d.cols]
    if need or _outcome_missing(d):
        return _cant("speed", need or _outcome_missing(d))
    from funnel.analyses.speed.times import response_times

    t = response_times(d.leads, now=d.end)
    frame = d.leads.select(pl.col("source").cast(pl.String).fill_null(NONE) if "source"
                           in d.cols else pl.lit(NONE).alias("source")).with_columns(
        t["response_hours"].alias("h"), pl.Series("y", _target(d)))
    # leads of the last days have not had time to qualify after a late first touch
    settled = d.leads.select(_settled(d, s).alias("_s"))["_s"]
    touched = frame.filter(pl.col("h").is_not_null() & settled)

    def strata(fast: pl.Expr, slow: pl.Expr) -> pl.DataFrame:
        return touched.group_by("source").agg(
            pl.col("y").filter(fast).sum().alias("a"), fast.sum().alias("n1"),
            pl.col("y").filter(slow).sum().alias("c"), slow.sum().alias("n0"))

    fast_h, slow_h = s.fast_hours, s.slow_hours
    fast = pl.col("h") < fast_h
    slow = pl.col("h") >= slow_h
    st = strata(fast, slow)
    n_fast, n_slow = int(st["n1"].sum()), int(st["n0"].sum())
    windows = "fixed"
    if (n_fast < s.min_n or n_slow < s.min_n) and touched.height >= 4 * s.min_n:
        # answers all fast (or all slow) here: compare the fastest and slowest quarters
        q1, q3 = (float(touched["h"].quantile(q)) for q in (0.25, 0.75))
        if q3 > q1:
            fast_h, slow_h, windows = q1, q3, "quartiles"
            fast = pl.col("h") <= fast_h
            slow = pl.col("h") >= slow_h
            st = strata(fast, slow)
            n_fast, n_slow = int(st["n1"].sum()), int(st["n0"].sum())
    k_fast, k_slow = int(st["a"].sum()), int(st["c"].sum())
    ev = {"n": n_fast + n_slow, "n_fast": n_fast, "n_slow": n_slow, "fast_hours": fast_h,
          "slow_hours": slow_h, "windows": windows,
          f"{d.target}_fast": k_fast, f"{d.target}_slow": k_slow,
          "rate_fast": k_fast / n_fast if n_fast else None,
          "rate_slow": k_slow / n_slow if n_slow else None}
    if n_fast < s.min_n or n_slow < s.min_n:
        return _few("speed", f"only {n_fast:,} leads answered within {fast_h:.3g} h and "
                    f"{n_slow:,} after {slow_h:.3g} h (need {s.min_n} each).", ev)
    ratio, lo, hi = mh_risk_ratio(st, z=normal_quantile(1 - s.alpha / 2))
    crude = rate_ratio(k_fast, n_fast, k_slow, n_slow)
    ev.update({"effect": ratio, "ci_low": lo, "ci_high": hi, "crude_ratio": crude[0],
               "measure": f"{d.target} rate, first touch < {fast_h:.3g} h vs ≥ "
                          f"{slow_h:.3g} h, adjusted for source (Mantel–Haenszel)"})
    if ratio is None or lo is None:
        return Finding("speed", "no_evidence", f"Too few leads {_verb(d)} in either "
                       "response window to compare them.", evidence=ev)
    if not (lo > 1 and ratio >= s.min_ratio):
        return Finding("speed", "no_evidence", f"Leads answered within {fast_h:.3g} h "
                       f"{_verb(d)} {_fmt_ratio(ratio, lo, hi)} as often as those "
                       f"answered after {slow_h:.3g} h ({n_fast:,} and {n_slow:,} leads): "
                       "no effect large enough to matter.", evidence=ev)
    # what is at stake: every lead answered after the fast window, at the fast rate
    late = ~fast
    r_late, _, _ = mh_risk_ratio(strata(fast, late))
    late_y = int(touched.filter(late)["y"].sum())
    extra = late_y * max(0.0, (r_late or 1.0) - 1.0)
    severity, value = _value_of(d, float(extra))
    ev.update(value)
    ev["at_stake_note"] = (f"estimate: leads answered after {fast_h:.3g} h converting "
                           f"as those answered sooner (same sources)")
    culprit = _speed_culprit(d, t, s)
    ev.update({k: v for k, v in culprit.items() if k.startswith("median")})
    who = culprit.get("window_label", "")
    headline = (f"Leads answered within {fast_h:.3g} h {_verb(d)} "
                f"{_fmt_ratio(ratio, lo, hi)} as often as those answered after "
                f"{slow_h:.3g} h ({k_fast / n_fast:.1%} of {n_fast:,} vs "
                f"{k_slow / n_slow:.1%} of {n_slow:,}, same sources compared)"
                + (f"; {who} wait longest." if who else "."))
    named = {k: v for k, v in culprit.items() if k in ("window", "owner")}
    if not named:  # no window or rep stands out: the delay is everywhere
        named = {"window": "all arrival times"}
    return Finding("speed", "problem", headline, severity, named, ev)


def _speed_culprit(d: _Data, t: pl.DataFrame, s: Settings) -> dict:
    """The arrival window (and owner) whose leads wait longest for a first touch."""
    from funnel.stats.survival import km_medians

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
    if "owner" in d.cols and not _lead_owner_known(d):
        need.append("owner")
    if need or _outcome_missing(d):
        return _cant("follow_up", need or _outcome_missing(d))
    # leads still new at the export may simply not have been worked yet
    leads = d.leads.with_columns(pl.Series("y", _target(d))).filter(_settled(d, s))
    never = pl.col("first_response_at").is_null()
    n_never = int(leads.select(never.sum()).item())
    touched_n = leads.height - n_never
    y_never = int(leads.filter(never)["y"].sum())
    y_touched = int(leads.filter(~never)["y"].sum())
    ev = {"never_touched": n_never, "n": leads.height,
          "left_out_recent": d.leads.height - leads.height,
          "never_touched_share": n_never / leads.height if leads.height else None,
          f"{d.target}_rate_never": y_never / n_never if n_never else None,
          f"{d.target}_rate_touched": y_touched / touched_n if touched_n else None}
    if n_never < s.min_n or touched_n < s.min_n:
        return _few("follow_up", f"{n_never:,} leads never touched and {touched_n:,} touched "
                    f"(need {s.min_n} of each, leads of the last {s.settle_days:g} days "
                    "left out).", ev)
    gate = rate_ratio(y_never, n_never, y_touched, touched_n,
                      z=normal_quantile(1 - s.alpha / 2))
    ev.update({"touch_ratio": gate[0], "touch_ratio_low": gate[1], "touch_ratio_high": gate[2]})
    # with no conversion at all among untouched leads the log-ratio interval is very wide;
    # separated Wilson intervals of the two rates are evidence enough
    z = normal_quantile(1 - s.alpha / 2)
    separated = wilson(y_never, n_never, z=z)[1] < wilson(y_touched, touched_n, z=z)[0]
    if gate[0] is None or gate[2] is None or (gate[2] >= 1 and not separated):
        return Finding("follow_up", "no_evidence", f"{n_never / leads.height:.0%} of "
                       f"{leads.height:,} leads were never touched, but they do not "
                       f"{_verb(d)} measurably less often than touched ones.", evidence=ev)
    flag = _unassigned(d)
    assigned = leads.filter(pl.col("owner").is_not_null()
                            & (~flag if flag is not None else pl.lit(True)))
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
        return Finding("follow_up", "no_evidence", f"{n_never / leads.height:.0%} of "
                       f"{leads.height:,} leads were never touched, spread evenly over the "
                       "reps; no rep gives up after one attempt markedly more often.",
                       evidence=ev)
    what, top = max(flagged, key=lambda x: x[1]["k"] - x[1]["n"] * x[1]["rest_rate"])
    p_t = y_touched / touched_n
    p_n = y_never / n_never
    # at stake: every assigned lead left untouched, at the touched-vs-untouched gap (an
    # upper bound, like speed's)
    untouched = int(assigned.select(never.sum()).item())
    severity, value = _value_of(d, untouched * max(0.0, p_t - p_n))
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               "owner_n": top["n"], "owner_k": top["k"], "owner_share": top["rate"],
               "others_share": top["rest_rate"], "family": family,
               "flagged": [{"owner": r["owner"], "what": w, "k": r["k"], "n": r["n"],
                            "share": r["rate"], "ratio": r["ratio"], "ci_low": r["ci_low"],
                            "ci_high": r["ci_high"]} for w, r in flagged],
               "measure": f"share of the owner's leads {what} vs other reps "
                          f"(Bonferroni over {family} rep × test comparisons)", **value})
    ev["at_stake_note"] = ("estimate: the assigned leads never touched converting as "
                           "touched ones")
    headline = (f"{top['owner']}: {top['rate']:.0%} of {top['n']:,} leads {what} vs "
                f"{top['rest_rate']:.0%} for other reps "
                f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); untouched "
                f"leads {_verb(d)} {p_n:.1%} of the time ({n_never:,} leads) vs {p_t:.1%} "
                f"when touched ({touched_n:,}).")
    owners = list(dict.fromkeys([top["owner"]] + [r["owner"] for _, r in flagged]))
    return Finding("follow_up", "problem", headline, severity,
                   {"owner": ", ".join(owners)}, ev)


def _first_worker(d: _Data) -> pl.Series | None:
    """Per lead: who did its first activity (null when never worked or unknown)."""
    acts = d.ds.activities
    if acts is None or not {"owner", "at", "lead_id"} <= set(acts.columns):
        return None
    first = (acts.filter(pl.col("owner").is_not_null() & pl.col("at").is_not_null())
             .sort("at").group_by("lead_id").agg(pl.col("owner").cast(pl.String).first()
                                                 .alias("_by")))
    return (d.leads.select(pl.col("lead_id")).join(first, on="lead_id", how="left",
                                                   maintain_order="left")["_by"])


def _gap(frame: pl.DataFrame, flag: str) -> float:
    """Target rate of leads without ``flag`` minus with it (0 when not positive)."""
    g = frame.group_by(flag).agg(pl.col("y").mean())
    rates = dict(g.iter_rows())
    if rates.get(True) is None or rates.get(False) is None:
        return 0.0
    return max(0.0, float(rates[False]) - float(rates[True]))


def _lead_owner_known(d: _Data) -> bool:
    """Whether leads carry their own owner (not only one copied from their deals, which
    would make "unassigned" mean "has no deal")."""
    return "owner" in d.cols and (d.ds.mapping is None or "owner" in d.ds.mapping.leads
                                  or not d.ds.mapping.leads)


def _unassigned(d: _Data) -> pl.Expr | None:
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
        own = d.leads.filter(~owner_null & ~deals)
        if own.height and own["assigned_at"].null_count() <= 0.01 * own.height:
            return owner_null | pl.col("assigned_at").is_null()
    if not bool(d.leads.select(deals.any()).item()):
        return owner_null
    return None


def _routing(d: _Data, s: Settings) -> Finding:
    if "owner" not in d.cols:
        return _cant("routing", ["owner"])
    if not _lead_owner_known(d):
        return _cant("routing", ["owner"], "owners are only known for leads that got a "
                     "deal")
    leads = d.leads.with_columns(pl.Series("y", _target(d)),
                                 pl.col("owner").cast(pl.String))
    first_by = _first_worker(d)
    if first_by is not None:
        leads = leads.with_columns(first_by.alias("_by"))
    tests: list[tuple[str, str, pl.DataFrame, pl.DataFrame]] = []
    if "assigned_at" in d.cols and "created_at" in d.cols:
        among = leads.filter(pl.col("owner").is_not_null() & pl.col("assigned_at").is_not_null()
                             & pl.col("created_at").is_not_null()).with_columns(
            ((pl.col("assigned_at") - pl.col("created_at")).dt.total_seconds() >= 3600)
            .alias("_f"))
        tests.append(("assigned an hour or more after arrival", "late_assignment",
                      _counts_by(among, "owner", pl.col("_f")), among))
    if first_by is not None:
        among = leads.filter(pl.col("owner").is_not_null() & pl.col("_by").is_not_null()
                             ).with_columns((pl.col("_by") != pl.col("owner")).alias("_f"))
        tests.append(("first worked by another rep", "handed_over",
                      _counts_by(among, "owner", pl.col("_f")), among))
    flag = _unassigned(d)
    ev: dict = {"n": leads.height}
    un = None
    if flag is None:
        ev["unassigned_note"] = ("owners of leads with a deal may come from the deal, and "
                                 "there is no assignment date to tell; unassigned leads not "
                                 "compared")
        unowned = assigned = leads.clear()
    else:
        unowned = leads.filter(flag)
        assigned = leads.filter(~flag)
        ev.update({"unassigned": unowned.height,
                   "unassigned_share": unowned.height / leads.height if leads.height else None})
    if not _outcome_missing(d) and unowned.height >= s.min_n and assigned.height >= s.min_n:
        un = rate_ratio(int(unowned["y"].sum()), unowned.height, int(assigned["y"].sum()),
                        assigned.height, z=normal_quantile(1 - s.alpha / 2))
        ev.update({"unassigned_ratio": un[0], "unassigned_ratio_low": un[1],
                   "unassigned_ratio_high": un[2]})
    if not tests and un is None:
        return _cant("routing", ["assigned_at", "activities.owner"], "", ev)
    family = max(1, sum(t.height for _, _, t, _ in tests))
    flagged = []
    for what, key, counts, among in tests:
        res = vs_rest(counts, group="owner", higher=True, settings=s, family=family)
        flagged += [(what, key, r, among) for r in res.filter(pl.col("flagged")).to_dicts()]
    unassigned_problem = un is not None and un[2] is not None and un[2] < 1 / s.min_ratio
    if not flagged and not unassigned_problem:
        return Finding("routing", "no_evidence", "No rep stands out for late assignment or "
                       "hand-overs" + (f", and the {unowned.height:,} leads without an owner "
                                       "convert like the rest." if un is not None else "."),
                       evidence=ev)
    parts, culprits, at_stake = [], [], 0.0
    for _what, _key, r, among in flagged:
        # at stake: the rep's excess affected leads, at the affected-vs-not gap
        at_stake += max(0.0, r["k"] - r["n"] * r["rest_rate"]) * _gap(among, "_f")
    if flagged:
        what, key, top, _ = max(flagged, key=lambda x: x[2]["ratio"])
        parts.append(f"{top['owner']}: {top['rate']:.0%} of {top['n']:,} leads {what} vs "
                     f"{top['rest_rate']:.0%} for other reps "
                     f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])})")
        culprits = list(dict.fromkeys([top["owner"]] + [r["owner"] for _, _, r, _ in flagged]))
        ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
                   "owner_n": top["n"], "owner_k": top["k"], "owner_share": top["rate"],
                   "others_share": top["rest_rate"], "family": family,
                   "flagged": [{"owner": r["owner"], "what": w, "k": r["k"], "n": r["n"],
                                "share": r["rate"], "ratio": r["ratio"], "ci_low": r["ci_low"],
                                "ci_high": r["ci_high"]} for w, _, r, _ in flagged],
                   "measure": f"share {what} vs other reps (Bonferroni over {family} rep × "
                              "test comparisons)"})
    if unassigned_problem:
        p_un = float(unowned["y"].mean())
        p_as = float(assigned["y"].mean())
        parts.append(f"{unowned.height:,} leads ({unowned.height / leads.height:.0%}) have no "
                     f"owner and {_verb(d)} {p_un:.1%} of the time vs {p_as:.1%} "
                     f"({_fmt_ratio(un[0], un[1], un[2])})")
        at_stake += unowned.height * max(0.0, p_as - p_un)
        ev.setdefault("effect", un[0])
        ev.setdefault("ci_low", un[1])
        ev.setdefault("ci_high", un[2])
        ev.setdefault("measure", f"{d.target} rate of leads without an owner vs assigned ones")
    severity, value = _value_of(d, at_stake)
    ev.update(value)
    ev["at_stake_note"] = ("estimate: affected leads converting as unaffected ones")
    culprit = {"owner": ", ".join(culprits)} if culprits else {}
    if unassigned_problem:
        culprit["unassigned"] = f"{unowned.height:,} leads"
    return Finding("routing", "problem", "; ".join(parts) + ".", severity, culprit, ev)


def _profile_fit(d: _Data, profile):
    """The profile fitted on the leads once (the *profile* and *definition* places share
    it)."""
    from funnel.analyses.profile.fit import ProfileFit

    key = profile.to_json()
    if key not in d.fits:
        d.fits[key] = ProfileFit(d.ds).fit(profile)
    return d.fits[key]


def _held_out_profile(d: _Data, s: Settings):
    """A profile learned on half the leads and checked on the other half (honest).

    Fields sales fills in after the handoff (status, tags, quality, activity …) are left
    out: they describe the outcome, not the lead.
    """
    from funnel.analyses.profile.learned import PROCESS_PATTERN, LearnedProfile

    attributes = [a for a in d.ds.attributes
                  if not PROCESS_PATTERN.search(a) and not CHANNEL_PATTERN.search(a)]
    if not attributes or not d.has_outcome or d.leads.height < 4 * s.min_n:
        return None, None
    rng = np.random.default_rng(11)
    half = rng.random(d.leads.height) < 0.5
    train = d.leads.filter(pl.Series(half))
    test = d.leads.filter(pl.Series(~half))
    try:
        learned = LearnedProfile(min_support=s.min_n).fit(train, attributes=attributes)
        prof = learned.profile(max_criteria=3, name="Learned (held-out check)")
    except ValueError:
        return None, None
    if not prof.criteria:
        return None, None
    from funnel.analyses.profile.fit import ProfileFit

    check = ProfileFit(test, mapping=d.ds.mapping).fit(prof)
    return prof, check


def _profile(d: _Data, s: Settings, profile) -> Finding:
    if not d.has_outcome:
        return _cant("profile", ["outcome"], "fit cannot be tied to winning")
    basis = "stated profile"
    check = None
    if profile is None or not getattr(profile, "criteria", None):
        profile, check = _held_out_profile(d, s)
        if profile is None:
            if not d.ds.attributes:
                return _cant("profile", ["profile", "lead attributes"],
                             "fit cannot be judged")
            return _cant("profile", ["profile"], "no lead attribute separates winners "
                         "well enough to learn one")
        basis = "profile learned from half the leads, checked on the other half"
    fit = _profile_fit(d, profile)
    rr = check.rate_ratio_ if check is not None else fit.rate_ratio_
    ev = {"profile": profile.name, "basis": basis,
          "profile_criteria": [c.describe() for c in profile.criteria],
          "in_profile_share": fit.share_,
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
    severity, value = _value_of_wins(d, wins)
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               f"{dim}_n": top["n"], f"{dim}_in_profile": top["k"],
               f"{dim}_in_profile_share": top["rate"],
               "others_in_profile_share": top["rest_rate"], "family": family,
               "win_rate_in_profile": p_in, "win_rate_out_of_profile": p_out,
               "flagged": [{dd: r[dd], "k": r["k"], "n": r["n"], "share": r["rate"],
                            "ratio": r["ratio"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
                           for dd, r in flagged],
               "measure": f"in-profile share of the {dim} vs the rest (Bonferroni over "
                          f"{family} sources and campaigns)", **value})
    ev["at_stake_note"] = ("estimate: the flagged sources sending in-profile leads at the "
                           "others' share, winning at the in-profile rate")
    headline = (f"{top[dim]} sends {top['n']:,} leads, {top['rate']:.1%} in profile vs "
                f"{top['rest_rate']:.1%} elsewhere "
                f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); in-profile "
                f"leads win {p_in:.1%} of {fit.in_n_:,} vs {p_out:.1%} of "
                f"{fit.n_ - fit.in_n_:,} ({_fmt_ratio(rr[0], rr[1], rr[2])}"
                f"{', held-out check' if check is not None else ''}).")
    culprit: dict[str, str] = {}
    for dd, r in flagged:  # sorted: the largest shortfall of each kind first
        culprit.setdefault(dd, r[dd])
    return Finding("profile", "problem", headline, severity, culprit, ev)


def _definition(d: _Data, s: Settings, profile) -> Finding:
    if profile is None or not getattr(profile, "criteria", None):
        return _cant("definition", ["profile"], "there is nothing to test")
    if not d.has_outcome:
        return _cant("definition", ["outcome"], "the profile cannot be tested")
    fit = _profile_fit(d, profile)
    ratio, lo, hi = rate_ratio(int((d.won & fit.in_profile_).sum()), fit.in_n_,
                               int((d.won & ~fit.in_profile_).sum()), fit.n_ - fit.in_n_,
                               z=normal_quantile(1 - s.alpha / 2))
    won_in = int((d.won & fit.in_profile_).sum())
    won_out = int((d.won & ~fit.in_profile_).sum())
    ev = {"profile": profile.name, "effect": ratio, "ci_low": lo, "ci_high": hi, "n": fit.n_,
          "in_profile": fit.in_n_, "won_in_profile": won_in, "won_outside_profile": won_out,
          "measure": "win rate in vs out of the stated profile (a useful profile lifts it "
                     f"at least {s.min_ratio:g}×)"}
    if fit.in_n_ < s.min_n or fit.n_ - fit.in_n_ < s.min_n or ratio is None:
        return _few("definition", f"{fit.in_n_:,} leads in and {fit.n_ - fit.in_n_:,} out of "
                    f"the stated profile (need {s.min_n} each).", ev)
    rates = (f"in-profile leads win {won_in / fit.in_n_:.1%} of {fit.in_n_:,} vs "
             f"{won_out / (fit.n_ - fit.in_n_):.1%} of {fit.n_ - fit.in_n_:,} outside "
             f"({_fmt_ratio(ratio, lo, hi)})")
    if hi >= s.min_ratio:
        verdict = ("The stated profile predicts winning" if lo > 1 else
                   "Too little evidence that the stated profile is wrong")
        return Finding("definition", "no_evidence", f"{verdict}: {rates}.", evidence=ev)
    won_all = won_in + won_out
    # at stake: wins from outside the definition, which a team acting on it would turn
    # away; half of them, as a rough guess of how strictly it is applied
    severity, value = _value_of_wins(d, 0.5 * won_out)
    ev.update(value)
    ev["at_stake_note"] = "estimate: half the wins that come from outside the profile"
    culprit = {"profile": profile.name}
    weakest = _weakest_criterion(d, fit)
    if weakest:
        culprit["criterion"] = weakest
    return Finding("definition", "problem",
                   f"The profile '{profile.name}' does not separate winners: {rates}; "
                   f"{won_out / max(1, won_all):.0%} of {won_all:,} wins come from outside it.",
                   severity, culprit, ev)


def _weakest_criterion(d: _Data, fit) -> str | None:
    """The stated criterion whose matching leads win least above the rest (if known)."""
    matches = getattr(fit, "matches_", None)
    if not matches:
        return None
    best = None
    for m in matches:
        if not m.checked:
            continue
        ok = np.asarray(m.meets, dtype=bool)
        if ok.sum() == 0 or (~ok).sum() == 0:
            continue
        lift = d.won[ok].mean() / max(d.won[~ok].mean(), 1e-9)
        if best is None or lift < best[0]:
            best = (lift, m.criterion.describe())
    return best[1] if best else None


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
        return _cant("pipeline", need or ["outcome"]), set()
    earlier = "sal" if "sal" in stages else "sql" if "sql" in stages else None
    if earlier is None:
        return _cant("pipeline", ["sal_at", "sql_at"], "without a stage before the "
                     "opportunity, how early opportunities are opened cannot be seen"), set()
    reached = d.leads.select(reached_exprs(d.leads)[earlier].alias("e"))["e"].to_numpy()
    closed_opp, opp = _closed_opps(d)
    early = vs_rest(_owner_stage_counts(d, reached.astype(bool), opp), group="owner",
                    higher=True, settings=s)
    # gatekeeping: the close rate is a confirmation asked only of the reps flagged for
    # early opportunities, so its family is those reps (the owners' family was spent on
    # the first test)
    n_early = int(early["flagged"].sum()) if early.height else 0
    close = vs_rest(_owner_stage_counts(d, closed_opp, d.won), group="owner", higher=False,
                    settings=_with(s, min_ratio=1.0), family=max(1, n_early))
    stage = earlier.upper()
    if early.height == 0 or close.height == 0:
        return _few("pipeline", f"no two reps with {s.min_n}+ {stage} leads and closed "
                    "opportunities to compare."), set()
    bad_close = set(close.filter(pl.col("flagged"))["owner"].to_list())
    hits = early.filter(pl.col("flagged") & pl.col("owner").is_in(list(bad_close)))
    if hits.height == 0:
        return Finding("pipeline", "no_evidence", "No rep opens opportunities markedly earlier "
                       f"than the others while closing fewer of them ({early.height} reps "
                       "compared).", evidence={"reps_compared": early.height}), set()
    top = hits.row(0, named=True)
    c = close.filter(pl.col("owner") == top["owner"]).row(0, named=True)
    lost_opps = c["n"] - c["k"]
    # at stake: the rep's closed opportunities won at the other reps' close rate
    extra_wins = max(0.0, c["n"] * c["rest_rate"] - c["k"])
    severity, value = _value_of_wins(d, extra_wins)
    ev = {"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
          "n": top["n"], "opportunities": top["k"], "opportunity_share": top["rate"],
          "others_share": top["rest_rate"], "closed_opportunities": c["n"], "won": c["k"],
          "close_rate": c["rate"], "others_close_rate": c["rest_rate"],
          "close_ratio": c["ratio"], "close_ci_low": c["ci_low"], "close_ci_high": c["ci_high"],
          "lost_opportunities": lost_opps, "reps_compared": early.height,
          "measure": f"share of {stage} leads turned into opportunities vs other reps "
                     f"(Bonferroni over {early.height} reps), and their close rate", **value,
          "at_stake_note": "estimate: the rep's closed opportunities won at the others' rate"}
    headline = (f"{top['owner']} turns {top['rate']:.0%} of {top['n']:,} {stage} leads into "
                f"opportunities vs {top['rest_rate']:.0%} for other reps "
                f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}), and wins "
                f"{c['rate']:.0%} of {c['n']:,} once closed vs {c['rest_rate']:.0%} "
                f"({_fmt_ratio(c['ratio'], c['ci_low'], c['ci_high'])}): pipeline that does "
                "not realise.")
    return Finding("pipeline", "problem", headline, severity, {"owner": top["owner"]},
                   ev), set(hits["owner"].to_list())


def _readiness(d: _Data, s: Settings, pipeline_owners: set[str]) -> Finding:
    stages = set(stages_present(d.leads))
    need = [f for f in ("owner",) if f not in d.cols]
    if not ({"sql", "opportunity"} & stages):
        need.append("sql_at")
    if need or not d.has_outcome:
        return _cant("readiness", need or ["outcome"])
    closed = d.leads["outcome"].is_in(["won", "lost"]).fill_null(False).to_numpy()
    among = d.qualified & closed
    # each rep against the others on leads from the same sources (Mantel–Haenszel), so
    # a rep handed the weaker sources is not blamed for them
    frame = pl.DataFrame({
        "owner": d.leads["owner"].cast(pl.String).fill_null(NONE), "_f": d.won,
        "_st": (d.leads["source"].cast(pl.String).fill_null(NONE) if "source" in d.cols
                else pl.Series([NONE] * d.leads.height)), "_in": among,
    }).filter(pl.col("_in") & (pl.col("owner") != NONE))
    n_tested = frame.group_by("owner").len().filter(
        (pl.col("len") >= s.min_n) & (frame.height - pl.col("len") >= s.min_n)).height
    close = _mh_vs_rest(frame, group="owner", flag="_f", stratum="_st", settings=s,
                        family=max(1, n_tested), higher=False)
    if close.height == 0:
        return _few("readiness", f"no two reps with {s.min_n}+ closed qualified leads to "
                    "compare.")
    qual = vs_rest(_owner_stage_counts(d, np.ones(d.leads.height, bool), d.qualified),
                   group="owner", higher=False, settings=_with(s, min_ratio=1.0))
    poor_qualifiers = set(qual.filter(pl.col("flagged"))["owner"].to_list())
    hits = close.filter(pl.col("flagged") & ~pl.col("owner").is_in(
        list(pipeline_owners | poor_qualifiers)))
    if hits.height == 0:
        set_aside = sorted(set(close.filter(pl.col("flagged"))["owner"].to_list())
                           & (pipeline_owners | poor_qualifiers))
        why = (f" apart from {', '.join(set_aside)}, whose low close rate comes with early "
               "opportunities or weak qualification (see those places)" if set_aside else "")
        return Finding("readiness", "no_evidence", "Qualified leads close at similar rates "
                       f"across reps ({close.height} reps compared){why}.",
                       evidence={"reps_compared": close.height, "set_aside": set_aside})
    top = hits.row(0, named=True)
    q = qual.filter(pl.col("owner") == top["owner"])
    extra_wins = max(0.0, top["n"] * top["rest_rate"] - top["k"])
    severity, value = _value_of_wins(d, extra_wins)
    ev = {"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
          "n": top["n"], "won": top["k"], "close_rate": top["rate"],
          "others_close_rate": top["rest_rate"], "reps_compared": close.height,
          "qualified_rate": q["rate"][0] if q.height else None,
          "others_qualified_rate": q["rest_rate"][0] if q.height else None,
          "measure": "win rate of qualified, closed leads vs other reps on the same "
                     f"sources (Mantel–Haenszel; Bonferroni over {close.height} reps)",
          **value,
          "at_stake_note": "estimate: the rep's closed qualified leads won at the others' rate"}
    qtext = (f" ({q['rate'][0]:.0%} of leads vs {q['rest_rate'][0]:.0%})" if q.height else "")
    ratio = _fmt_ratio(top["ratio"], top["ci_low"], top["ci_high"])
    headline = (f"{top['owner']} qualifies leads at least as often as the others{qtext} but "
                f"wins {top['rate']:.0%} of {top['n']:,} closed qualified leads vs "
                f"{top['rest_rate']:.0%} ({ratio}): conversations stall before the sale.")
    return Finding("readiness", "problem", headline, severity, {"owner": top["owner"]}, ev)


def _mh_vs_rest(frame: pl.DataFrame, *, group: str, flag: str, stratum: str,
                settings: Settings, family: int, higher: bool = True) -> pl.DataFrame:
    """Like :func:`vs_rest`, with each group's ratio to the rest pooled over strata
    (Mantel–Haenszel, Greenland–Robins interval, Bonferroni over ``family``).

    ``rate``/``rest_rate`` are the crude shares; ``ratio``/``ci_*`` the adjusted ones.
    """
    z = normal_quantile(1 - settings.alpha / (2 * max(1, family)))
    per = frame.group_by(group, stratum).agg(pl.col(flag).sum().cast(pl.Float64).alias("a"),
                                             pl.len().cast(pl.Float64).alias("n1"))
    tot = per.group_by(stratum).agg(pl.col("a").sum().alias("K"),
                                    pl.col("n1").sum().alias("N"))
    t = per.join(tot, on=stratum).with_columns(
        (pl.col("K") - pl.col("a")).alias("c"), (pl.col("N") - pl.col("n1")).alias("n0"))
    t = t.filter(pl.col("n0") > 0)
    # a group with no events (or a rest without any) gets Haldane's 0.5 in every cell
    zero = t.group_by(group).agg(((pl.col("a").sum() == 0) | (pl.col("c").sum() == 0))
                                 .alias("_z"))
    t = t.join(zero, on=group).with_columns(
        *[pl.when(pl.col("_z")).then(pl.col(x) + 0.5).otherwise(pl.col(x)).alias(x)
          for x in ("a", "c")],
        *[pl.when(pl.col("_z")).then(pl.col(x) + 1).otherwise(pl.col(x)).alias(x)
          for x in ("n1", "n0")]).with_columns((pl.col("n1") + pl.col("n0")).alias("N"))
    g = t.group_by(group).agg(
        (pl.col("a") * pl.col("n0") / pl.col("N")).sum().alias("R"),
        (pl.col("c") * pl.col("n1") / pl.col("N")).sum().alias("S"),
        ((pl.col("n1") * pl.col("n0") * (pl.col("a") + pl.col("c"))
          - pl.col("a") * pl.col("c") * pl.col("N")) / pl.col("N") ** 2).sum().alias("V"))
    sizes = frame.group_by(group).agg(pl.col(flag).sum().cast(pl.Int64).alias("k"),
                                      pl.len().cast(pl.Int64).alias("n"))
    total_k, total_n = int(sizes["k"].sum()), int(sizes["n"].sum())
    out = (sizes.join(g, on=group, how="left")
           .filter((pl.col("n") >= settings.min_n) & (total_n - pl.col("n") >= settings.min_n)
                   & (pl.col("S") > 0))
           .with_columns((pl.col("R") / pl.col("S")).alias("ratio"),
                         (pl.col("V") / (pl.col("R") * pl.col("S"))).clip(lower_bound=0)
                         .sqrt().alias("_se"),
                         (total_k - pl.col("k")).alias("rest_k"),
                         (total_n - pl.col("n")).alias("rest_n"))
           .with_columns((pl.col("ratio") * (-z * pl.col("_se")).exp()).alias("ci_low"),
                         (pl.col("ratio") * (z * pl.col("_se")).exp()).alias("ci_high"),
                         (pl.col("k") / pl.col("n")).alias("rate"),
                         (pl.col("rest_k") / pl.col("rest_n")).alias("rest_rate")))
    flagged = ((pl.col("ci_low") > 1) & (pl.col("ratio") >= settings.min_ratio) if higher
               else (pl.col("ci_high") < 1) & (pl.col("ratio") <= 1 / settings.min_ratio))
    out = out.with_columns(flagged.alias("flagged"))
    return out.select(group, "k", "n", "rate", "rest_k", "rest_n", "rest_rate", "ratio",
                      "ci_low", "ci_high", "flagged").sort("ratio", descending=higher)


def _stratum_attributes(d: _Data, *, max_levels: int = 30) -> list[tuple[str, pl.Expr]]:
    """Lead attributes usable as strata, each as a text code expression: categories with
    at most ``max_levels`` values, numbers in quintiles (missing is its own level);
    channel and sales-recorded fields are left out."""
    from funnel.analyses.profile.learned import PROCESS_PATTERN

    out = []
    for a in d.ds.attributes:
        if a not in d.cols or PROCESS_PATTERN.search(a) or CHANNEL_PATTERN.search(a):
            continue
        col = d.leads[a]
        if col.null_count() == col.len() or col.n_unique() < 2:
            continue
        if col.dtype.is_numeric() and col.n_unique() > max_levels:
            x = pl.col(a).cast(pl.Float64)
            code = (((x.rank("min") - 1) * 5 // x.count()).cast(pl.Int64).cast(pl.String))
        elif col.n_unique() <= max_levels + 1:
            code = pl.col(a).cast(pl.String)
        else:
            continue
        out.append((a, code.fill_null("(missing)")))
    return out


def _message(d: _Data, s: Settings) -> Finding:
    dim = ("campaign" if d.ds.has("campaign") else "source" if d.ds.has("source") else None)
    need = ([] if d.ds.has("lost_reason") else ["lost_reason"]) + ([] if dim else ["campaign"])
    if need:
        return _cant("message", need)
    stage = (reached_exprs(d.leads)["opportunity"] if "opportunity" in stages_present(d.leads)
             else pl.lit(False))
    attrs = _stratum_attributes(d)
    leads = d.leads.select(pl.col("lost_reason").cast(pl.String).str.strip_chars()
                           .alias("_r"), pl.col(dim).cast(pl.String).fill_null(NONE)
                           .alias("_g"), stage.fill_null(False).alias("_stage"),
                           *[e.alias(f"_a{i}") for i, (_, e) in enumerate(attrs)])
    given = leads.filter(pl.col("_r").is_not_null() & (pl.col("_r") != ""))
    if given.height < 2 * s.min_n:
        return _few("message", f"only {given.height:,} leads have a loss or "
                    f"disqualification reason (need {2 * s.min_n}).")
    reasons = (given.group_by("_r").len().filter(pl.col("len") >= s.min_n)
               .sort("len", descending=True)["_r"].to_list())
    per_group = leads.group_by("_g").len().rename({"_g": dim, "len": "leads"})
    # The reason mix of each campaign's lost/disqualified leads against the others': a
    # campaign that merely loses more leads (worse fit) does not shift its mix. Compared
    # within the stage the lead was lost at (as an opportunity or before), since deals
    # and disqualified leads have different reasons and good campaigns lose more deals.
    given = given.rename({"_g": dim})
    family = max(1, len(reasons) * given.group_by(dim).len().filter(
        (pl.col("len") >= s.min_n) & (given.height - pl.col("len") >= s.min_n)).height)
    settings = _with(s, min_ratio=max(2.0, s.min_ratio))
    flagged = []
    for r in reasons:
        res = _mh_vs_rest(given.with_columns((pl.col("_r") == r).alias("_f")), group=dim,
                          flag="_f", stratum="_stage", settings=settings, family=family)
        # a message problem is a volume of leads lost for the reason, not a handful
        flagged += [(r, row) for row in res.filter(
            pl.col("flagged") & (pl.col(dim) != NONE) & (pl.col("k") >= s.min_n)).to_dicts()]
    # A reason that concentrates because the campaign sends a kind of lead ("Student" from
    # a campaign that draws students) is a profile matter, not a message one: it must
    # survive stratifying by each lead attribute in turn.
    explained = []
    for r, row in list(flagged):
        for i, (name, _) in enumerate(attrs):
            adj = _mh_vs_rest(given.with_columns(
                (pl.col("_r") == r).alias("_f"),
                pl.concat_str([pl.col("_stage").cast(pl.String), pl.col(f"_a{i}")],
                              separator="|").alias("_st")),
                group=dim, flag="_f", stratum="_st", settings=settings, family=family)
            hit = adj.filter(pl.col(dim) == row[dim])
            if hit.height == 0 or not hit["flagged"].item():
                explained.append({dim: row[dim], "reason": r, "explained_by": name,
                                  "adjusted_ratio": hit["ratio"].item() if hit.height else None})
                flagged.remove((r, row))
                break
            if hit["ratio"].item() < row["ratio"]:  # report the most conservative ratio
                row.update({k: hit[k].item() for k in ("ratio", "ci_low", "ci_high")},
                           adjusted_for=name)
    ev: dict = {"n": given.height, "reasons_tested": len(reasons), "family": family,
                "attributes_checked": [name for name, _ in attrs], "explained": explained}
    if not flagged:
        why = ("; where a reason concentrates, the kind of lead explains it ("
               + ", ".join(f"'{e['reason']}' in {e[dim]}: {e['explained_by']}"
                           for e in explained[:3]) + ")") if explained else ""
        return Finding("message", "no_evidence", "Loss and disqualification reasons "
                       f"({given.height:,} leads, {len(reasons)} common reasons) are spread "
                       f"evenly over {dim}s{why}.", evidence=ev)
    reason, top = max(flagged, key=lambda x: x[1]["k"] - x[1]["n"] * x[1]["rest_rate"])
    group_leads = int(per_group.filter(pl.col(dim) == top[dim])["leads"].sum())
    other_leads = leads.height - group_leads
    rest_k = top["rest_k"]
    excess = max(0.0, top["k"] - top["n"] * top["rest_rate"])
    # at stake: the excess leads lost for this reason, at the overall conversion
    severity, value = _value_of(d, excess * float(_target(d).mean()))
    all_r = top["k"] + rest_k
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               "reason": reason, f"{dim}_leads": group_leads,
               f"{dim}_with_reason": top["n"], f"{dim}_this_reason": top["k"],
               "reason_share": top["rate"], "others_reason_share": top["rest_rate"],
               "share_of_leads": top["k"] / group_leads if group_leads else None,
               "others_share_of_leads": rest_k / other_leads if other_leads else None,
               "share_of_all_such_losses": top["k"] / all_r if all_r else None,
               "flagged": [{dim: row[dim], "reason": r, "k": row["k"], "n": row["n"],
                            "share": row["rate"], "ratio": row["ratio"],
                            "ci_low": row["ci_low"], "ci_high": row["ci_high"]}
                           for r, row in flagged],
               "measure": f"share of the {dim}'s lost/disqualified leads given this reason vs "
                          f"other {dim}s' at the same stage (Mantel–Haenszel; Bonferroni over "
                          f"{family} {dim} × reason pairs); the smallest ratio after also "
                          "stratifying by each lead attribute",
               **value, "at_stake_note": "estimate: the excess leads lost for this reason, "
                                         "at the overall conversion rate"})
    headline = (f"'{reason}' is given for {top['rate']:.0%} of the {top['n']:,} lost or "
                f"disqualified {top[dim]} leads vs {top['rest_rate']:.0%} elsewhere "
                f"({_fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}), "
                f"{top['k'] / all_r:.0%} of all such losses: the {dim} promises something "
                "the product is not.")
    return Finding("message", "problem", headline, severity,
                   {dim: top[dim], "reason": reason}, ev)


def _scoring(d: _Data, s: Settings) -> Finding:
    need = [f for f in ("score",) if not d.ds.has(f)] + ([] if d.has_outcome else ["outcome"])
    if need:
        return _cant("scoring", need)
    frame = pl.DataFrame({"score": d.leads["score"].cast(pl.Float64, strict=False),
                          "won": d.won}).filter(
        pl.col("score").is_not_null() & pl.col("score").is_not_nan())
    field = d.ds.mapping.leads.get("score") or "score"
    n_won = int(frame["won"].sum())
    ev: dict = {"n": frame.height, "won": n_won}
    if frame["score"].n_unique() < 2:
        return Finding("scoring", "cant_tell", f"Can't tell: '{field}' has a single value, "
                       "so it ranks nothing.", missing=["score"], evidence=ev)
    if frame.height < s.min_n or n_won < 5 or frame.height - n_won < 5:
        return _few("scoring", f"{n_won:,} won and {frame.height - n_won:,} other scored "
                    "leads (need 5 of each).", ev)
    auc, lo, hi = auc_interval(frame["score"].to_numpy(), frame["won"].to_numpy(),
                               z=normal_quantile(1 - s.alpha / 2))
    # deciles by rank (tied scores share a decile)
    decile = ((pl.col("score").rank("min") - 1) * 10 // pl.len()).alias("decile")
    deciles = frame.with_columns(decile).group_by("decile").agg(
        pl.len().alias("leads"), pl.col("won").sum().alias("won"),
        pl.col("won").mean().alias("win_rate"), pl.col("score").min().alias("from")
    ).sort("from")
    ev.update({"effect": auc, "ci_low": lo, "ci_high": hi,
               "measure": "AUC of the score for winning (0.5 = chance; Hanley–McNeil "
                          f"interval); useful from {s.max_auc:g}",
               "win_rate_by_decile": deciles.select("from", "leads", "won", "win_rate")
               .to_dicts()})
    if hi >= s.max_auc:
        verdict = ("The score separates winners" if lo > 0.5 else
                   "Too few scored outcomes to show the score is weak")
        return Finding("scoring", "no_evidence", f"{verdict}: AUC {auc:.2f} (95% CI "
                       f"{lo:.2f}–{hi:.2f}; {n_won:,} wins among {frame.height:,} scored "
                       "leads).", evidence=ev)
    # at stake: the wins a score-ranked queue puts in its bottom half, scaled by how far
    # the score is from useful (0 at max_auc, all of them at chance or worse)
    median = float(frame["score"].median())
    low_half = frame.filter(pl.col("score") < median)
    wins_low = int(low_half["won"].sum())
    weight = min(1.0, max(0.0, (s.max_auc - auc) / (s.max_auc - 0.5)))
    severity, value = _value_of_wins(d, wins_low * weight * 0.5)
    ev.update(value)
    ev.update({"wins_below_median_score": wins_low, "at_stake_note": "estimate: half the "
               "wins scored below the median, scaled by how far the AUC is from useful"})
    return Finding("scoring", "problem", f"'{field}' barely predicts winning: AUC {auc:.2f} "
                   f"(95% CI {lo:.2f}–{hi:.2f}; 0.5 is a coin toss; {n_won:,} wins among "
                   f"{frame.height:,} scored leads), so routing or prioritising by it sends "
                   "sales the wrong leads.", severity, {"field": field}, ev)


def _guard(place: str, run, *, pair: bool = False):
    """Run one place's test; an unexpected failure on odd data becomes *can't tell*
    (with the error in the evidence) instead of taking the whole diagnosis down."""
    try:
        return run()
    except (ValueError, TypeError, ZeroDivisionError, KeyError, IndexError,
            pl.exceptions.PolarsError) as exc:
        f = Finding(place, "cant_tell", "Can't tell: this check could not run on this data "
                    f"({type(exc).__name__}).", evidence={"error": str(exc)[:300]})
        return (f, set()) if pair else f


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
        The sales team's stated profile (:class:`funnel.analyses.profile.fit.Profile`); without one
        the *profile* place uses a profile learned on half the leads and checked on the
        other half, and *definition* can't tell.
    settings
        Thresholds (:class:`Settings`).
    now
        The export's end for censoring (default: the latest timestamp in the data).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> cards = diagnose_places(load_sample())
    >>> [f.place for f in cards][:3]
    ['speed', 'routing', 'follow_up']
    """
    s = settings or Settings()
    d = _prepare(ds, now)
    pipeline, early_owners = _guard("pipeline", lambda: _pipeline(d, s), pair=True)
    out = {
        "speed": _guard("speed", lambda: _speed(d, s, now)),
        "routing": _guard("routing", lambda: _routing(d, s)),
        "follow_up": _guard("follow_up", lambda: _follow_up(d, s)),
        "profile": _guard("profile", lambda: _profile(d, s, profile)),
        "definition": _guard("definition", lambda: _definition(d, s, profile)),
        "readiness": _guard("readiness", lambda: _readiness(d, s, early_owners)),
        "message": _guard("message", lambda: _message(d, s)),
        "scoring": _guard("scoring", lambda: _scoring(d, s)),
        "pipeline": pipeline,
    }
    return [out[p] for p in PLACES]


def findings(ds: Dataset, *, profile=None, settings: Settings | None = None,
             now: dt.datetime | None = None) -> list[Finding]:
    """The problems only, most severe first (the CLI's ``findings`` key).

    Examples
    --------
    >>> from funnel.sample.generator import load_sample
    >>> "follow_up" in [f.place for f in findings(load_sample())]
    True
    """
    cards = diagnose_places(ds, profile=profile, settings=settings, now=now)
    return sorted((f for f in cards if f.status == "problem"), key=lambda f: -f.severity)
