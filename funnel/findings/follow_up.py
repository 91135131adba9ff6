"""*Follow-up*: are leads left untouched, or dropped after one attempt, and by whom."""

from __future__ import annotations

import polars as pl

from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    counts_by,
    fmt_ratio,
    lead_owner_known,
    outcome_missing,
    settled,
    target_flags,
    too_few,
    unassigned,
    value_of,
    verb,
)
from funnel.stats.intervals import normal_quantile, rate_ratio, wilson
from funnel.stats.tests import vs_rest


def run(d: Context, s: Settings, **_) -> Finding:
    """Gate: never-touched leads convert less (one test); then per owner, share never
    touched and share of touched leads stopped after one attempt vs the other reps
    (family: owners × 2) → owner. Leads created within ``settle_days`` (14) of the
    export's end are left out (not yet worked).
    """
    need = [f for f in ("first_response_at", "owner") if f not in d.cols]
    if "owner" in d.cols and not lead_owner_known(d):
        need.append("owner")
    if need or outcome_missing(d):
        return cant_tell("follow_up", need or outcome_missing(d))
    # leads still new at the export may simply not have been worked yet
    leads = d.leads.with_columns(pl.Series("y", target_flags(d))).filter(settled(d, s))
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
        return too_few("follow_up", f"{n_never:,} leads never touched and {touched_n:,} touched "
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
                       f"{verb(d)} measurably less often than touched ones.", evidence=ev)
    flag = unassigned(d)
    assigned = leads.filter(pl.col("owner").is_not_null()
                            & (~flag if flag is not None else pl.lit(True)))
    tests = [("never touched", counts_by(assigned, "owner", never))]
    if "touches" in d.cols:
        tests.append(("stopped after one attempt",
                      counts_by(assigned, "owner", pl.col("touches") == 1,
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
    severity, value = value_of(d, untouched * max(0.0, p_t - p_n))
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
                f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); untouched "
                f"leads {verb(d)} {p_n:.1%} of the time ({n_never:,} leads) vs {p_t:.1%} "
                f"when touched ({touched_n:,}).")
    owners = list(dict.fromkeys([top["owner"]] + [r["owner"] for _, r in flagged]))
    return Finding("follow_up", "problem", headline, severity,
                   {"owner": ", ".join(owners)}, ev)


PLACE = Place("follow_up", title="Follow-up", page="funnel",
              needs=("first_response_at", "owner", "outcome"),
              chart="Leads left behind", test=run)
