"""*Sales readiness*: does a rep close qualified leads markedly less often than the
others."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.stages import stages_present
from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    fmt_ratio,
    owner_stage_counts,
    too_few,
    value_of_wins,
)
from funnel.findings.pipeline import early_opportunity_owners
from funnel.stats.tests import mh_vs_rest, vs_rest


def run(d: Context, s: Settings, **_) -> Finding:
    """Per owner, win rate of closed qualified leads vs other reps, ≥ 1.5× lower,
    Mantel–Haenszel over sources (family: owners), unless the owner qualifies markedly
    less or is the pipeline culprit → owner.
    """
    stages = set(stages_present(d.leads))
    need = [f for f in ("owner",) if f not in d.cols]
    if not ({"sql", "opportunity"} & stages):
        need.append("sql_at")
    if need or not d.has_outcome:
        return cant_tell("readiness", need or ["outcome"])
    closed = d.leads["outcome"].is_in(["won", "lost"]).fill_null(False).to_numpy()
    among = d.qualified & closed
    # each rep against the others on leads from the same sources (Mantel–Haenszel), so
    # a rep handed the weaker sources is not blamed for them
    frame = pl.DataFrame({
        "owner": d.leads["owner"].cast(pl.String).fill_null(NONE_LABEL), "_f": d.won,
        "_st": (d.leads["source"].cast(pl.String).fill_null(NONE_LABEL) if "source" in d.cols
                else pl.Series([NONE_LABEL] * d.leads.height)), "_in": among,
    }).filter(pl.col("_in") & (pl.col("owner") != NONE_LABEL))
    n_tested = frame.group_by("owner").len().filter(
        (pl.col("len") >= s.min_n) & (frame.height - pl.col("len") >= s.min_n)).height
    close = mh_vs_rest(frame, group="owner", flag="_f", stratum="_st", settings=s,
                       family=max(1, n_tested), higher=False)
    if close.height == 0:
        return too_few("readiness", f"no two reps with {s.min_n}+ closed qualified leads to "
                       "compare.")
    qual = vs_rest(owner_stage_counts(d, np.ones(d.leads.height, bool), d.qualified),
                   group="owner", higher=False, settings=dataclasses.replace(s, min_ratio=1.0))
    poor_qualifiers = set(qual.filter(pl.col("flagged"))["owner"].to_list())
    pipeline_owners = early_opportunity_owners(d, s)
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
    severity, value = value_of_wins(d, extra_wins)
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
    ratio = fmt_ratio(top["ratio"], top["ci_low"], top["ci_high"])
    headline = (f"{top['owner']} qualifies leads at least as often as the others{qtext} but "
                f"wins {top['rate']:.0%} of {top['n']:,} closed qualified leads vs "
                f"{top['rest_rate']:.0%} ({ratio}): conversations stall before the sale.")
    return Finding("readiness", "problem", headline, severity, {"owner": top["owner"]}, ev)


PLACE = Place("readiness", title="Sales readiness", page="funnel",
              needs=("owner", "sql_at", "outcome"), test=run)
