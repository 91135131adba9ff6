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
from funnel.stats.intervals import normal_quantile, rate_ratio


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """The stated profile's win-rate lift: a problem when confidently below 1.5× (the upper
    bound of its interval < ``min_ratio``) → the profile, weakest criterion.
    """
    if profile is None or not getattr(profile, "criteria", None):
        return cant_tell("definition", ["profile"], "there is nothing to test")
    if not d.has_outcome:
        return cant_tell("definition", ["outcome"], "the profile cannot be tested")
    fit = profile_fit(d, profile)
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
        return too_few("definition", f"{fit.in_n_:,} leads in and {fit.n_ - fit.in_n_:,} out of "
                       f"the stated profile (need {s.min_n} each).", ev)
    rates = (f"in-profile leads win {won_in / fit.in_n_:.1%} of {fit.in_n_:,} vs "
             f"{won_out / (fit.n_ - fit.in_n_):.1%} of {fit.n_ - fit.in_n_:,} outside "
             f"({fmt_ratio(ratio, lo, hi)})")
    if hi >= s.min_ratio:
        verdict = ("The stated profile predicts winning" if lo > 1 else
                   "Too little evidence that the stated profile is wrong")
        return Finding("definition", "no_evidence", f"{verdict}: {rates}.", evidence=ev)
    won_all = won_in + won_out
    # at stake: wins from outside the definition, which a team acting on it would turn
    # away; half of them, as a rough guess of how strictly it is applied
    severity, value = value_of_wins(d, 0.5 * won_out)
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
