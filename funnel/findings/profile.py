"""*Lead profile*: do the leads marketing sends fit the profile that wins, and which
sources or campaigns fall short."""

from __future__ import annotations

import polars as pl

from funnel.analyses.profile.traits import is_channel_field
from funnel.dataset.labels import NONE_LABEL
from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    profile_fit,
    stand_in_profile,
    value_of_wins,
    with_group_power,
    with_power,
)
from funnel.findings.search import highest_level
from funnel.stats.tests import vs_rest

LEARNED = ("No stated profile: a profile learned on half the leads (without sales-recorded "
           "or channel fields) and checked on the other half stands in. ")
"""What opens the headline when no stated profile was given (the held-out check)."""


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """Needs in-profile leads to win more (stated profile, else one learned on half the
    leads without sales-recorded or channel fields, and the headline says so; a learned
    profile is judged on the half it was not learned from); then the in-profile share per
    campaign and source vs the rest, ≥ 1.5× lower (family: campaigns + sources) →
    campaign (and source). A profile with a criterion on a channel field (source,
    campaign, *Lead Origin* …) does not judge channels: they would miss it by
    construction.
    """
    if not d.has_outcome:
        return cant_tell("profile", ["outcome"], "fit cannot be tied to winning")
    stood_in = profile is None or not getattr(profile, "criteria", None)
    if stood_in:
        profile = stand_in_profile(d, s)
        if profile is None:
            if not d.ds.attributes:
                return cant_tell("profile", ["profile", "lead attributes"],
                                 "fit cannot be judged")
            return cant_tell("profile", ["profile"], "no lead attribute separates winners "
                             "well enough to learn one")
    fit = profile_fit(d, profile)
    judged = fit.judged_on_ is not None  # learned: judged on the half it was not learned from
    basis = ("profile learned from half the leads, checked on the other half" if stood_in else
             "stated profile, learned from half the leads and checked on the other half"
             if judged else "stated profile")
    lead = LEARNED if stood_in else ""
    rr = fit.rate_ratio_
    o = {r["group"]: r for r in fit.outcomes_.to_dicts()}
    ev = {"profile": profile.name, "basis": basis,
          "profile_criteria": [c.describe() for c in profile.criteria],
          "in_profile_share": fit.share_,
          "n": fit.n_, "in_profile": fit.in_n_, "win_ratio": rr[0], "win_ratio_low": rr[1],
          "win_ratio_high": rr[2], "judged_on": fit.judged_on_}
    if rr[0] is None or rr[1] is None or rr[1] <= 1:
        clear = Finding("profile", "no_evidence", f"{lead}Being in the profile does not make "
                        "a lead measurably likelier to win, so the mix sent is not the issue.",
                        evidence=ev)
        n_in, n_out = o["in profile"]["leads"], o["out of profile"]["leads"]
        if not (n_in and n_out and o["out of profile"]["won"]):
            return clear
        return with_power(clear, d, s, n1=n_in, n0=n_out, p0=o["out of profile"]["won"] / n_out,
                          what="wins in vs out of the profile")
    circular = channel_criteria(fit)
    if circular:
        ev["channels_not_judged"] = circular
        return Finding("profile", "no_evidence", f"{lead}{fit.share_:.0%} of leads fit the "
                       f"profile; it is built on {' and '.join(circular)}, so sources and "
                       "campaigns are not judged against it (they would miss it by "
                       "construction).", evidence=ev)
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
        clear = Finding("profile", "no_evidence", f"{lead}{fit.share_:.0%} of leads fit the "
                        "profile and no source or campaign sends markedly fewer of them.",
                        evidence=ev)
        return with_group_power(clear, d, s, tests[-1][1], what="in-profile share of a "
                                f"typical {tests[-1][0]} vs the rest", family=family,
                                higher=False) if tests else clear
    # the largest shortfall of in-profile leads, named campaigns before sources
    flagged = [(dd, r) for dd, r in flagged if r[dd] not in (NONE_LABEL, None)]
    if not flagged:
        return Finding("profile", "no_evidence", f"{lead}{fit.share_:.0%} of leads fit the "
                       "profile; only leads without a campaign fall short.", evidence=ev)
    flagged.sort(key=lambda x: (x[0] != "campaign", -(x[1]["n"] * x[1]["rest_rate"]
                                                       - x[1]["k"])))
    dim, top = flagged[0]
    dim, top, parts = _level(d, fit, s, dim, top, flagged)
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
    where = f", among the {fit.judged_on_:,} leads it was not learned from" if judged else ""
    label = (f"Source {top[dim]} (all its campaigns alike: {', '.join(parts)})" if parts
             else top[dim])
    headline = (f"{lead}{label} sends {top['n']:,} leads, {top['rate']:.1%} in profile vs "
                f"{top['rest_rate']:.1%} elsewhere "
                f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); in-profile "
                f"leads win {p_in:.1%} of {o['in profile']['leads']:,} vs {p_out:.1%} of "
                f"{o['out of profile']['leads']:,}{where} ({fmt_ratio(rr[0], rr[1], rr[2])}).")
    culprit: dict[str, str] = {dim: top[dim]}
    if parts:
        culprit["campaigns"] = ", ".join(parts)
    for dd, r in flagged:  # sorted: the largest shortfall of each kind first
        if not (dd == "campaign" and r[dd] in parts):
            culprit.setdefault(dd, r[dd])
    return Finding("profile", "problem", headline, severity, culprit, ev)


def _level(d: Context, fit, s: Settings, dim: str, top: dict, flagged: list
           ) -> tuple[str, dict, list[str]]:
    """The flagged group named at the highest level that explains it: a campaign's
    source when its campaigns are alike (its row, and the campaigns beneath)."""
    if not {"source", "campaign"} <= d.cols:
        return dim, top, []
    frame = d.leads.select(pl.col("source").cast(pl.String), pl.col("campaign").cast(pl.String)
                           ).with_columns(pl.Series("_in", fit.in_profile_))
    level, name, parts = highest_level(frame, {"dim": dim, "group": top[dim]}, flag="_in",
                                       settings=s, higher=False)
    if (level, name) == (dim, top[dim]) and not parts:
        return dim, top, []
    row = next((r for dd, r in flagged if dd == level and r[dd] == name), None)
    if row is None:
        return dim, top, []
    return level, row, parts if level == "source" else []


def channel_criteria(fit) -> list[str]:
    """The applied criteria of ``fit``'s profile on a channel field (source, campaign
    or a field named like one, however the profile names it)."""
    return [m.criterion.field for m in fit.matches_ if m.checked
            and (is_channel_field(m.column or "") or is_channel_field(m.criterion.field))]


PLACE = Place("profile", title="Lead profile", page="profile", needs=("outcome",),
              chart="Overlap", test=run)
