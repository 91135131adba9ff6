"""*Profile definition*: does the stated profile separate winners at all."""

from __future__ import annotations

import numpy as np

from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    profile_fit,
    too_few,
    value_of_wins,
)


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """The stated profile's win-rate lift: a problem when confidently below 1.5× (the upper
    bound of its 95% interval < ``min_ratio``) → the profile, weakest criterion.

    The ratio and its interval are the profile's one ratio
    (:attr:`~funnel.analyses.profile.fit.ProfileFit.rate_ratio_`), the same the *lead
    profile* card and the Profile page state; a profile learned from half the leads is
    judged on the other half only.
    """
    if profile is None or not getattr(profile, "criteria", None):
        return cant_tell("definition", ["profile"], "there is nothing to test")
    if not d.has_outcome:
        return cant_tell("definition", ["outcome"], "the profile cannot be tested")
    fit = profile_fit(d, profile)
    ratio, lo, hi = fit.rate_ratio_
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    won_in, n_in = o["in profile"]["won"], o["in profile"]["leads"]
    won_out, n_out = o["out of profile"]["won"], o["out of profile"]["leads"]
    ev = {"profile": profile.name, "effect": ratio, "ci_low": lo, "ci_high": hi,
          "n": n_in + n_out, "in_profile": n_in, "won_in_profile": won_in,
          "won_outside_profile": won_out, "judged_on": fit.judged_on_,
          "measure": "win rate in vs out of the stated profile (a useful profile lifts it "
                     f"at least {s.min_ratio:g}×)"}
    where = ("" if fit.judged_on_ is None
             else f", among the {fit.judged_on_:,} leads it was not learned from")
    which = "stated" if fit.judged_on_ is None else "learned"
    if n_in < s.min_n or n_out < s.min_n or ratio is None:
        return too_few("definition", f"{n_in:,} leads in and {n_out:,} out of the {which} "
                       f"profile{where} (need {s.min_n} each).", ev)
    rates = (f"in-profile leads win {won_in / n_in:.1%} of {n_in:,} vs "
             f"{won_out / n_out:.1%} of {n_out:,} outside{where} "
             f"({fmt_ratio(ratio, lo, hi)})")
    if hi >= s.min_ratio:
        verdict = (f"The {which} profile predicts winning" if lo > 1 else
                   f"Too little evidence that the {which} profile is wrong")
        return Finding("definition", "no_evidence", f"{verdict}: {rates}.", evidence=ev)
    won_all = won_in + won_out
    outside = won_out / max(1, won_all)
    # at stake: wins from outside the definition, which a team acting on it would turn
    # away; half of them, as a rough guess of how strictly it is applied (the share
    # outside as judged, of all the wins)
    severity, value = value_of_wins(d, 0.5 * outside * float(d.won.sum()))
    ev.update(value)
    ev["at_stake_note"] = "estimate: half the wins that come from outside the profile"
    culprit = {"profile": profile.name}
    weakest = _weakest_criterion(d, fit)
    if weakest:
        culprit["criterion"] = weakest
    return Finding("definition", "problem",
                   f"The profile '{profile.name}' does not separate winners: {rates}; "
                   f"{outside:.0%} of {won_all:,} wins come from outside it.",
                   severity, culprit, ev)


def _weakest_criterion(d: Context, fit) -> str | None:
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


PLACE = Place("definition", title="Profile definition", page="profile",
              needs=("profile", "outcome"), chart="Overlap", test=run)
