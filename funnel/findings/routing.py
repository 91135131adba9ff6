"""*Routing*: are leads assigned late, first worked by another rep, or never assigned."""

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
    target_flags,
    unassigned,
    value_of,
    verb,
    with_group_power,
)
from funnel.stats.intervals import normal_quantile, rate_ratio
from funnel.stats.tests import vs_rest


def run(d: Context, s: Settings, **_) -> Finding:
    """Per owner, share assigned ≥ 1 h after arrival and share first worked by another rep
    (family: owners × 2) → owner; and leads without an owner (no assignment date)
    converting ≥ 1.5× less → "unassigned".
    """
    if "owner" not in d.cols:
        return cant_tell("routing", ["owner"])
    if not lead_owner_known(d):
        return cant_tell("routing", ["owner"], "owners are only known for leads that got a "
                         "deal")
    # only the columns the tests read (filtering every lead column is most of the cost)
    leads = d.leads.select(
        *[c for c in ("owner", "created_at", "assigned_at", "deals") if c in d.cols]
    ).with_columns(pl.Series("y", target_flags(d)), pl.col("owner").cast(pl.String))
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
                      counts_by(among, "owner", pl.col("_f")), among))
    if first_by is not None:
        among = leads.filter(pl.col("owner").is_not_null() & pl.col("_by").is_not_null()
                             ).with_columns((pl.col("_by") != pl.col("owner")).alias("_f"))
        tests.append(("first worked by another rep", "handed_over",
                      counts_by(among, "owner", pl.col("_f")), among))
    flag = unassigned(d)
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
    if not outcome_missing(d) and unowned.height >= s.min_n and assigned.height >= s.min_n:
        un = rate_ratio(int(unowned["y"].sum()), unowned.height, int(assigned["y"].sum()),
                        assigned.height, z=normal_quantile(1 - s.alpha / 2))
        ev.update({"unassigned_ratio": un[0], "unassigned_ratio_low": un[1],
                   "unassigned_ratio_high": un[2]})
    if not tests and un is None:
        return cant_tell("routing", ["assigned_at", "activities.owner"], "", ev)
    family = max(1, sum(t.height for _, _, t, _ in tests))
    flagged = []
    for what, key, counts, among in tests:
        res = vs_rest(counts, group="owner", higher=True, settings=s, family=family,
                      exact=True, min_k=s.min_n)
        flagged += [(what, key, r, among) for r in res.filter(pl.col("flagged")).to_dicts()]
    unassigned_problem = un is not None and un[2] is not None and un[2] < 1 / s.min_ratio
    if not flagged and not unassigned_problem:
        clear = Finding("routing", "no_evidence", "No rep stands out for late assignment or "
                        "hand-overs" + (f", and the {unowned.height:,} leads without an owner "
                                        "convert like the rest." if un is not None else "."),
                        evidence=ev)
        if not tests:
            return clear
        what, _, counts, _ = tests[0]
        return with_group_power(clear, d, s, counts, what=f"share {what} of a typical rep "
                                "vs the rest", family=family)
    parts, culprits, at_stake = [], [], 0.0
    for _what, _key, r, among in flagged:
        # at stake: the rep's excess affected leads, at the affected-vs-not gap
        at_stake += max(0.0, r["k"] - r["n"] * r["rest_rate"]) * _gap(among, "_f")
    if flagged:
        what, key, top, _ = max(flagged, key=lambda x: x[2]["ratio"])
        parts.append(f"{top['owner']}: {top['rate']:.0%} of {top['n']:,} leads {what} vs "
                     f"{top['rest_rate']:.0%} for other reps "
                     f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])})")
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
                     f"owner and {verb(d)} {p_un:.1%} of the time vs {p_as:.1%} "
                     f"({fmt_ratio(un[0], un[1], un[2])})")
        at_stake += unowned.height * max(0.0, p_as - p_un)
        ev.setdefault("effect", un[0])
        ev.setdefault("ci_low", un[1])
        ev.setdefault("ci_high", un[2])
        ev.setdefault("measure", f"{d.target} rate of leads without an owner vs assigned ones")
    severity, value = value_of(d, at_stake)
    ev.update(value)
    ev["at_stake_note"] = ("estimate: affected leads converting as unaffected ones")
    culprit = {"owner": ", ".join(culprits)} if culprits else {}
    if unassigned_problem:
        culprit["unassigned"] = f"{unowned.height:,} leads"
    return Finding("routing", "problem", "; ".join(parts) + ".", severity, culprit, ev)


def _first_worker(d: Context) -> pl.Series | None:
    """Per lead: who did its first activity (null when never worked or unknown)."""
    acts = d.ds.activities
    if acts is None or not {"owner", "at", "lead_id"} <= set(acts.columns):
        return None
    first = (acts.select("lead_id", "at", "owner")
             .filter(pl.col("owner").is_not_null() & pl.col("at").is_not_null())
             .sort("at", maintain_order=True)  # same-time activities: the earlier row
             .group_by("lead_id").agg(pl.col("owner").cast(pl.String).first()
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


PLACE = Place("routing", title="Routing", page="speed", needs=("owner",), test=run)
