"""*Follow-up*: are leads left untouched, or dropped after one attempt, and by whom."""

from __future__ import annotations

import polars as pl

from funnel.dataset.labels import NONE_LABEL
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
    with_group_power,
    with_power,
)
from funnel.findings.search import (
    DIMENSION_WORDS,
    arrival_window,
    entry_month,
    highest_level,
    prune_explained,
    search_family,
)
from funnel.stats.intervals import normal_quantile, rate_ratio, wilson


def run(d: Context, s: Settings, **_) -> Finding:
    """Gate: never-touched leads convert less (one test); then the share never touched
    per owner, source, campaign, arrival window and entry month, and the share of touched
    leads stopped after one attempt per owner, each group vs the rest of its dimension
    (Holm over every comparison of every dimension) → the group with the largest excess,
    named at the highest level that explains it (a source rather than its campaigns when
    they are alike). Leads created within ``settle_days`` (14) of the export's end are
    left out (not yet worked).
    """
    need = [f for f in ("first_response_at",) if f not in d.cols]
    if need or outcome_missing(d):
        return cant_tell("follow_up", need or outcome_missing(d))
    # leads still new at the export may simply not have been worked yet
    # only the columns the tests read (filtering every lead column is most of the cost)
    read = ("first_response_at", "created_at", "source", "campaign", "owner", "assigned_at",
            "deals", "touches")
    leads = d.leads.select([c for c in read if c in d.cols]).with_columns(
        pl.Series("y", target_flags(d))).filter(settled(d, s))
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
        return with_power(Finding(
            "follow_up", "no_evidence", f"{n_never / leads.height:.0%} of {leads.height:,} "
            f"leads were never touched, but they do not {verb(d)} measurably less often than "
            "touched ones.", evidence=ev), d, s, n1=n_never, n0=touched_n,
            p0=y_touched / touched_n, what="never-touched vs touched leads", higher=False)
    frame, tests = _dimensions(d, leads, never)
    hits, family = search_family(tests, settings=s)
    hits = prune_explained(frame, hits, flag="_never", what="never touched", settings=s,
                           family=family)
    searched = list(dict.fromkeys(dim for dim, _, _ in tests))
    ev.update({"family": family, "dimensions_searched": searched})
    if not hits:
        words = ", ".join(DIMENSION_WORDS[x] + "s" for x in searched)
        dim, _, counts = next((t for t in tests if t[0] == "owner"), tests[0])
        return with_group_power(Finding(
            "follow_up", "no_evidence", f"{n_never / leads.height:.0%} of {leads.height:,} "
            f"leads were never touched, spread evenly over the {words}; no rep gives up "
            "after one attempt markedly more often.", evidence=ev), d, s, counts,
            what=f"never-touched share of a typical {DIMENSION_WORDS[dim]} vs the rest",
            family=family)
    return _problem(d, s, leads, never, frame, hits, ev,
                    (y_never, n_never, y_touched, touched_n))


def _dimensions(d: Context, leads: pl.DataFrame, never: pl.Expr):
    """Per lead the dimensions searched (owner only for assigned leads) and the
    ``(dimension, what, counts)`` tests."""
    dims = [x for x in ("source", "campaign") if x in d.cols and d.ds.has(x)]
    owner_ok = "owner" in d.cols and lead_owner_known(d)
    flag = unassigned(d) if owner_ok else None
    cols = [pl.col(x).cast(pl.String).fill_null(NONE_LABEL) for x in dims]
    if owner_ok:
        own = pl.col("owner").is_not_null() & (~flag if flag is not None else pl.lit(True))
        cols.append(pl.when(own).then(pl.col("owner").cast(pl.String)).alias("owner"))
    frame = leads.select(*cols, arrival_window(), entry_month(), never.alias("_never"),
                         *([pl.col("touches")] if "touches" in d.cols else []))
    tests = []
    for dim in ([*dims, "owner"] if owner_ok else dims) + ["window", "month"]:
        among = pl.col(dim).is_not_null() if dim == "owner" else None
        tests.append((dim, "never touched", counts_by(frame, dim, pl.col("_never"), among)))
    if owner_ok and "touches" in d.cols:
        tests.append(("owner", "stopped after one attempt",
                      counts_by(frame, "owner", pl.col("touches") == 1,
                                among=pl.col("owner").is_not_null() & (pl.col("touches") >= 1))))
    return frame, tests


def _problem(d, s, leads, never, frame, hits, ev, rates) -> Finding:
    """The card for the hits: the top one named at the level that explains it."""
    y_never, n_never, y_touched, touched_n = rates
    top = hits[0]
    dim, name, parts = top["dim"], top["group"], []
    if top["what"] == "never touched" and dim in ("source", "campaign"):
        dim, name, parts = highest_level(frame, top, flag="_never", settings=s)
        if (dim, name) != (top["dim"], top["group"]):
            promoted = next((h for h in hits if (h["dim"], h["group"]) == (dim, name)), None)
            top = promoted or _group_row(frame, dim, name, top)
    what = top["what"]
    p_t = y_touched / touched_n
    p_n = y_never / n_never
    # at stake: every assigned lead left untouched, at the touched-vs-untouched gap (an
    # upper bound, like speed's)
    untouched = int(frame.select((pl.col("_never") & (pl.col("owner").is_not_null()
                                                      if "owner" in frame.columns
                                                      else pl.lit(True))).sum()).item())
    severity, value = value_of(d, untouched * max(0.0, p_t - p_n))
    word = DIMENSION_WORDS[dim]
    ev.update({"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
               "culprit_dimension": dim, f"{dim}_n": top["n"], f"{dim}_k": top["k"],
               f"{dim}_share": top["rate"], "others_share": top["rest_rate"],
               "flagged": [{h["dim"]: h["group"], "what": h["what"], "k": h["k"], "n": h["n"],
                            "share": h["rate"], "ratio": h["ratio"], "ci_low": h["ci_low"],
                            "ci_high": h["ci_high"]} for h in hits],
               "measure": f"share of the {word}'s leads {what} vs the other {word}s' (Holm "
                          f"over {ev['family']} comparisons in "
                          f"{len(ev['dimensions_searched'])} dimensions; intervals "
                          "Bonferroni-widened)", **value})
    if dim == "owner":  # the contract's owner fields, as before
        ev.update({"owner_n": top["n"], "owner_k": top["k"], "owner_share": top["rate"]})
    ev["at_stake_note"] = ("estimate: the assigned leads never touched converting as "
                           "touched ones")
    label = name if dim == "owner" else f"{word.capitalize()} {name}"
    beneath = f" (all its campaigns alike: {', '.join(parts)})" if parts else ""
    others = "other reps" if dim == "owner" else f"other {word}s"
    headline = (f"{label}{beneath}: {top['rate']:.0%} of {top['n']:,} leads {what} vs "
                f"{top['rest_rate']:.0%} for {others} "
                f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}); untouched "
                f"leads {verb(d)} {p_n:.1%} of the time ({n_never:,} leads) vs {p_t:.1%} "
                f"when touched ({touched_n:,}).")
    culprit: dict[str, str] = {dim: name}
    if parts:
        culprit["campaigns"] = ", ".join(parts)
    if dim == "owner":
        culprit["owner"] = ", ".join(dict.fromkeys(
            [name] + [h["group"] for h in hits if h["dim"] == "owner"]))
    return Finding("follow_up", "problem", headline, severity, culprit, ev)


def _group_row(frame: pl.DataFrame, dim: str, name: str, like: dict) -> dict:
    """``like`` recomputed for group ``name`` of ``dim`` (crude ratio, no correction)."""
    c = frame.group_by(pl.col(dim) == name).agg(pl.col("_never").sum().alias("k"),
                                                pl.len().alias("n"))
    g = {r[dim]: r for r in c.to_dicts()}
    k, n = int(g[True]["k"]), int(g[True]["n"])
    rk, rn = int(g[False]["k"]), int(g[False]["n"])
    ratio, lo, hi = rate_ratio(k, n, rk, rn)
    return {**like, "dim": dim, "group": name, "k": k, "n": n, "rate": k / n,
            "rest_rate": rk / rn, "ratio": ratio, "ci_low": lo, "ci_high": hi}


PLACE = Place("follow_up", title="Follow-up", page="funnel",
              needs=("first_response_at", "outcome"),
              chart="Leads left behind", test=run)
