"""*Lead profile*: do the leads marketing sends fit the profile that wins, and which
sources or campaigns fall short."""

from __future__ import annotations

import numpy as np
import polars as pl

from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.learned import PROCESS_PATTERN, LearnedProfile
from funnel.dataset.labels import NONE_LABEL
from funnel.findings.base import (
    CHANNEL_PATTERN,
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    profile_fit,
    value_of_wins,
)
from funnel.stats.tests import vs_rest

LEARNED = ("No stated profile: a profile learned on half the leads (without sales-recorded "
           "or channel fields) and checked on the other half stands in. ")
"""What opens the headline when no stated profile was given (the held-out check)."""


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """Needs in-profile leads to win more (stated profile, else one learned on half the
    leads and checked on the other half, without sales-recorded or channel fields, and
    the headline says so); then the in-profile share per campaign and source vs the
    rest, ≥ 1.5× lower (family: campaigns + sources) → campaign (and source).
    """
    if not d.has_outcome:
        return cant_tell("profile", ["outcome"], "fit cannot be tied to winning")
    basis = "stated profile"
    check = None
    if profile is None or not getattr(profile, "criteria", None):
        profile, check = _held_out_profile(d, s)
        if profile is None:
            if not d.ds.attributes:
                return cant_tell("profile", ["profile", "lead attributes"],
                                 "fit cannot be judged")
            return cant_tell("profile", ["profile"], "no lead attribute separates winners "
                             "well enough to learn one")
        basis = "profile learned from half the leads, checked on the other half"
    fit = profile_fit(d, profile)
    lead = LEARNED if check is not None else ""
    rr = check.rate_ratio_ if check is not None else fit.rate_ratio_
    ev = {"profile": profile.name, "basis": basis,
          "profile_criteria": [c.describe() for c in profile.criteria],
          "in_profile_share": fit.share_,
          "n": fit.n_, "in_profile": fit.in_n_, "win_ratio": rr[0], "win_ratio_low": rr[1],
          "win_ratio_high": rr[2]}
    if rr[0] is None or rr[1] is None or rr[1] <= 1:
        return Finding("profile", "no_evidence", f"{lead}Being in the profile does not make "
                       "a lead measurably likelier to win, so the mix sent is not the issue.",
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
        return Finding("profile", "no_evidence", f"{lead}{fit.share_:.0%} of leads fit the "
                       "profile and no source or campaign sends markedly fewer of them.",
                       evidence=ev)
    # the largest shortfall of in-profile leads, named campaigns before sources
    flagged = [(dd, r) for dd, r in flagged if r[dd] not in (NONE_LABEL, None)]
    if not flagged:
        return Finding("profile", "no_evidence", f"{lead}{fit.share_:.0%} of leads fit the "
                       "profile; only leads without a campaign fall short.", evidence=ev)
    flagged.sort(key=lambda x: (x[0] != "campaign", -(x[1]["n"] * x[1]["rest_rate"]
                                                       - x[1]["k"])))
    dim, top = flagged[0]
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    p_in = o["in profile"]["win_rate"] or 0.0
    p_out = o["out of profile"]["win_rate"] or 0.0
    missing_in = sum(r["n"] * r["rest_rate"] - r["k"] for _, r in flagged)
    wins = max(0.0, missing_in) * max(0.0, p_in - p_out)
    severity, value = value_of_wins(d, wins)
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
    headline = (f"{lead}{top[dim]} sends {top['n']:,} leads, {top['rate']:.1%} in profile vs "
                f"{top['rest_rate']:.1%} elsewhere "
                f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); in-profile "
                f"leads win {p_in:.1%} of {fit.in_n_:,} vs {p_out:.1%} of "
                f"{fit.n_ - fit.in_n_:,} ({fmt_ratio(rr[0], rr[1], rr[2])}"
                f"{', held-out check' if check is not None else ''}).")
    culprit: dict[str, str] = {}
    for dd, r in flagged:  # sorted: the largest shortfall of each kind first
        culprit.setdefault(dd, r[dd])
    return Finding("profile", "problem", headline, severity, culprit, ev)


def _held_out_profile(d: Context, s: Settings):
    """A profile learned on half the leads and checked on the other half (honest).

    Fields sales fills in after the handoff (status, tags, quality, activity …) are left
    out: they describe the outcome, not the lead.
    """
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
    check = ProfileFit(prof, mapping=d.ds.mapping).fit(test)
    return prof, check


PLACE = Place("profile", title="Lead profile", page="profile", needs=("outcome",),
              chart="Overlap", test=run)
