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
    fit_flags,
    fmt_ratio,
    owner_stage_counts,
    settled_for_outcome,
    too_few,
    value_of_wins,
    with_power,
)
from funnel.findings.pipeline import early_opportunity_owners
from funnel.findings.strata import source_codes, stratum_attributes, stratum_codes
from funnel.stats.tests import mh_vs_rest, vs_rest


def run(d: Context, s: Settings, *, profile=None, **_) -> Finding:
    """Per owner, win rate of closed qualified leads vs other reps, ≥ 1.5× lower, on
    *settled* leads only (created at least the data's own cycle time — the 90th
    percentile from creation to a win — before the export's end, so a rep whose leads
    are recent is not judged on the quick losses alone), Mantel–Haenszel within the mix
    that predicts winning (source × profile fit, and in turn × each lead attribute:
    a rep must stand out in every one; family: owners), unless the owner qualifies
    markedly less or is the pipeline culprit → owner.
    """
    stages = set(stages_present(d.leads))
    need = [f for f in ("owner",) if f not in d.cols]
    if not ({"sql", "opportunity"} & stages):
        need.append("sql_at")
    if need or not d.has_outcome:
        return cant_tell("readiness", need or ["outcome"])
    closed = d.leads["outcome"].is_in(["won", "lost"]).fill_null(False).to_numpy()
    old, cycle = settled_for_outcome(d)
    among = d.qualified & closed & old
    fit = fit_flags(d, s, profile)
    attrs = stratum_attributes(d)
    frame = d.leads.select(
        pl.col("owner").cast(pl.String).fill_null(NONE_LABEL),
        source_codes(d).alias("_src")).hstack(stratum_codes(d)).with_columns(
        pl.Series("_f", d.won), pl.Series("_in", among),
        pl.Series("_fit", fit if fit is not None else np.ones(d.leads.height, bool))
        .cast(pl.String)).filter(pl.col("_in") & (pl.col("owner") != NONE_LABEL))
    n_tested = frame.group_by("owner").len().filter(
        (pl.col("len") >= s.min_n) & (frame.height - pl.col("len") >= s.min_n)).height
    mix = ["_src", "_fit"]
    words = ["source"] + (["profile fit"] if fit is not None else [])
    close = None
    adjusted_for = " and ".join(words) + (
        f" (and in turn {', '.join(a for a, _ in attrs)})" if attrs else "")
    for extra in [None] + [f"_a{i}" for i in range(len(attrs))]:
        keys = mix + ([extra] if extra else [])
        res = mh_vs_rest(frame.with_columns(pl.concat_str(keys, separator="|").alias("_st")),
                         group="owner", flag="_f", stratum="_st", settings=s,
                         family=max(1, n_tested), higher=False)
        close = _most_conservative(close, res)
    ev0 = {"settled_before_days": cycle, "adjusted_for": adjusted_for}
    if close is None or close.height == 0:
        return too_few("readiness", f"no two reps with {s.min_n}+ closed qualified leads "
                       "old enough to have closed to compare.", ev0)
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
        typical = float(close["n"].median())
        total_k, total_n = int(close["k"].sum()), int(close["n"].sum())
        return with_power(Finding(
            "readiness", "no_evidence", "Qualified leads close at similar rates across reps "
            f"({close.height} reps compared, leads old enough to have closed, within "
            f"{adjusted_for}){why}.",
            evidence={"reps_compared": close.height, "set_aside": set_aside, **ev0}),
            d, s, n1=typical, n0=total_n - typical, p0=total_k / max(1, total_n),
            what="win rate of a typical rep's closed qualified leads vs the rest",
            family=close.height, higher=False, unit="closed qualified leads")
    return _problem(d, hits, qual, close, ev0)


def _most_conservative(best: pl.DataFrame | None, res: pl.DataFrame) -> pl.DataFrame:
    """Per owner, the stratification that flags least: flagged only when flagged in
    every one, the ratio nearest 1 kept."""
    if best is None:
        return res
    j = best.join(res.select("owner", pl.col("ratio").alias("_r"), pl.col("ci_low")
                             .alias("_lo"), pl.col("ci_high").alias("_hi"),
                             pl.col("flagged").alias("_fl")), on="owner", how="left")
    nearer = pl.col("_r").is_not_null() & (pl.col("_r") > pl.col("ratio"))
    out = j.with_columns(
        pl.when(nearer).then(pl.col("_r")).otherwise(pl.col("ratio")).alias("ratio"),
        pl.when(nearer).then(pl.col("_lo")).otherwise(pl.col("ci_low")).alias("ci_low"),
        pl.when(nearer).then(pl.col("_hi")).otherwise(pl.col("ci_high")).alias("ci_high"),
        (pl.col("flagged") & pl.col("_fl").fill_null(False)).alias("flagged"))
    return out.drop("_r", "_lo", "_hi", "_fl")


def _problem(d: Context, hits: pl.DataFrame, qual: pl.DataFrame, close: pl.DataFrame,
             ev0: dict) -> Finding:
    top = hits.row(0, named=True)
    q = qual.filter(pl.col("owner") == top["owner"])
    extra_wins = max(0.0, top["n"] * top["rest_rate"] - top["k"])
    severity, value = value_of_wins(d, extra_wins)
    crude = top["rate"] / top["rest_rate"] if top["rest_rate"] else None
    ev = {"effect": top["ratio"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
          "crude_ratio": crude, "n": top["n"], "won": top["k"], "close_rate": top["rate"],
          "others_close_rate": top["rest_rate"], "reps_compared": close.height,
          "qualified_rate": q["rate"][0] if q.height else None,
          "others_qualified_rate": q["rest_rate"][0] if q.height else None,
          "measure": "win rate of qualified, closed leads old enough to have closed vs "
                     f"other reps within {ev0['adjusted_for']} (Mantel–Haenszel; "
                     f"Bonferroni over {close.height} reps)",
          **ev0, **value,
          "at_stake_note": "estimate: the rep's closed qualified leads won at the others' rate"}
    qtext = (f" ({q['rate'][0]:.0%} of leads vs {q['rest_rate'][0]:.0%})" if q.height else "")
    ratio = fmt_ratio(top["ratio"], top["ci_low"], top["ci_high"])
    headline = (f"{top['owner']} qualifies leads at least as often as the others{qtext} but "
                f"wins {top['rate']:.0%} of {top['n']:,} closed qualified leads vs "
                f"{top['rest_rate']:.0%} ({ratio} within "
                f"{ev0['adjusted_for'].split(' (')[0]}"
                + (f"; crude {crude:.2g}×" if crude is not None else "") + "): "
                "conversations stall before the sale.")
    return Finding("readiness", "problem", headline, severity, {"owner": top["owner"]}, ev)


PLACE = Place("readiness", title="Sales readiness", page="funnel",
              needs=("owner", "sql_at", "outcome"), test=run)
