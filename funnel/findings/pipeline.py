"""*Pipeline*: does a rep open opportunities early that then do not close."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from funnel.dataset.stages import reached_exprs, stages_present
from funnel.findings.base import (
    DATA_ERRORS,
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    owner_stage_counts,
    too_few,
    value_of_wins,
    with_group_power,
)
from funnel.stats.tests import vs_rest


def run(d: Context, s: Settings, **_) -> Finding:
    """Per owner, share of SAL (else SQL) leads turned into opportunities ≥ 1.5× the
    others' (family: owners), confirmed by a lower close rate of their opportunities
    (gatekeeping: family = the reps flagged first) → owner.
    """
    return _evaluate(d, s)[0]


def early_opportunity_owners(d: Context, s: Settings) -> set[str]:
    """The reps flagged for opening opportunities early while closing fewer of them (the
    *readiness* place sets them aside); empty when the pipeline test cannot run."""
    try:
        return _evaluate(d, s)[1]
    except DATA_ERRORS:
        return set()


def _evaluate(d: Context, s: Settings) -> tuple[Finding, set[str]]:
    """The pipeline test and the reps it flags, computed once per context and settings."""
    key = ("pipeline", dataclasses.astuple(s))
    if key not in d.cache:
        d.cache[key] = _test(d, s)
    return d.cache[key]


def _test(d: Context, s: Settings) -> tuple[Finding, set[str]]:
    stages = set(stages_present(d.leads))
    need = [f for f in ("owner",) if f not in d.cols]
    if "opportunity" not in stages:
        need.append("opportunity_at")
    if need or not d.has_outcome:
        return cant_tell("pipeline", need or ["outcome"]), set()
    earlier = "sal" if "sal" in stages else "sql" if "sql" in stages else None
    if earlier is None:
        return cant_tell("pipeline", ["sal_at", "sql_at"], "without a stage before the "
                         "opportunity, how early opportunities are opened cannot be seen"), set()
    reached = d.leads.select(reached_exprs(d.leads)[earlier].alias("e"))["e"].to_numpy()
    closed_opp, opp = _closed_opps(d)
    early = vs_rest(owner_stage_counts(d, reached.astype(bool), opp), group="owner",
                    higher=True, settings=s)
    # gatekeeping: the close rate is a confirmation asked only of the reps flagged for
    # early opportunities, so its family is those reps (the owners' family was spent on
    # the first test)
    n_early = int(early["flagged"].sum()) if early.height else 0
    close = vs_rest(owner_stage_counts(d, closed_opp, d.won), group="owner", higher=False,
                    settings=dataclasses.replace(s, min_ratio=1.0), family=max(1, n_early))
    stage = earlier.upper()
    if early.height == 0 or close.height == 0:
        return too_few("pipeline", f"no two reps with {s.min_n}+ {stage} leads and closed "
                       "opportunities to compare."), set()
    bad_close = set(close.filter(pl.col("flagged"))["owner"].to_list())
    hits = early.filter(pl.col("flagged") & pl.col("owner").is_in(list(bad_close)))
    if hits.height == 0:
        return with_group_power(Finding(
            "pipeline", "no_evidence", "No rep opens opportunities markedly earlier than the "
            f"others while closing fewer of them ({early.height} reps compared).",
            evidence={"reps_compared": early.height}), d, s, early,
            what=f"share of {stage} leads turned into opportunities by a typical rep vs the "
                 "rest", family=early.height), set()
    top = hits.row(0, named=True)
    c = close.filter(pl.col("owner") == top["owner"]).row(0, named=True)
    lost_opps = c["n"] - c["k"]
    # at stake: the rep's closed opportunities won at the other reps' close rate
    extra_wins = max(0.0, c["n"] * c["rest_rate"] - c["k"])
    severity, value = value_of_wins(d, extra_wins)
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
                f"({fmt_ratio(top['ratio'], top['ci_low'], top['ci_high'])}), and wins "
                f"{c['rate']:.0%} of {c['n']:,} once closed vs {c['rest_rate']:.0%} "
                f"({fmt_ratio(c['ratio'], c['ci_low'], c['ci_high'])}): pipeline that does "
                "not realise.")
    return Finding("pipeline", "problem", headline, severity, {"owner": top["owner"]},
                   ev), set(hits["owner"].to_list())


def _closed_opps(d: Context) -> tuple[np.ndarray, np.ndarray]:
    reached = d.leads.select(reached_exprs(d.leads)["opportunity"].alias("o"))["o"]
    opp = reached.to_numpy().astype(bool)
    closed = d.leads["outcome"].is_in(["won", "lost"]).fill_null(False).to_numpy()
    return opp & closed, opp


PLACE = Place("pipeline", title="Pipeline", page="funnel",
              needs=("owner", "opportunity_at", "sql_at", "outcome"), test=run)
