"""*Lead scoring*: does the lead score predict winning."""

from __future__ import annotations

import polars as pl

from funnel.findings.base import (
    Context,
    Finding,
    Place,
    Settings,
    cant_tell,
    too_few,
    value_of_wins,
)
from funnel.stats.intervals import normal_quantile
from funnel.stats.tests import auc_interval


def run(d: Context, s: Settings, **_) -> Finding:
    """AUC of the score for winning (Hanley–McNeil): a problem when the upper bound is
    below ``max_auc`` (0.62) → the score field.
    """
    need = [f for f in ("score",) if not d.ds.has(f)] + ([] if d.has_outcome else ["outcome"])
    if need:
        return cant_tell("scoring", need)
    frame = pl.DataFrame({"score": d.leads["score"].cast(pl.Float64, strict=False),
                          "won": d.won}).filter(
        pl.col("score").is_not_null() & pl.col("score").is_not_nan())
    field = d.ds.mapping.leads.get("score") or "score"
    n_won = int(frame["won"].sum())
    ev: dict = {"n": frame.height, "won": n_won}
    if frame["score"].n_unique() < 2:
        return Finding("scoring", "cant_tell", f"Can't tell: '{field}' has a single value, "
                       "so it ranks nothing.", missing=["score"], evidence=ev)
    if frame.height < s.min_n or n_won < 5 or frame.height - n_won < 5:
        return too_few("scoring", f"{n_won:,} won and {frame.height - n_won:,} other scored "
                       "leads (need 5 of each).", ev)
    auc, lo, hi = auc_interval(frame["score"].to_numpy(), frame["won"].to_numpy(),
                               z=normal_quantile(1 - s.alpha / 2))
    # deciles by rank (tied scores share a decile)
    decile = ((pl.col("score").rank("min") - 1) * 10 // pl.len()).alias("decile")
    deciles = frame.with_columns(decile).group_by("decile").agg(
        pl.len().alias("leads"), pl.col("won").sum().alias("won"),
        pl.col("won").mean().alias("win_rate"), pl.col("score").min().alias("from")
    ).sort("from")
    ev.update({"effect": auc, "ci_low": lo, "ci_high": hi,
               "measure": "AUC of the score for winning (0.5 = chance; Hanley–McNeil "
                          f"interval); useful from {s.max_auc:g}",
               "win_rate_by_decile": deciles.select("from", "leads", "won", "win_rate")
               .to_dicts()})
    if hi >= s.max_auc:
        verdict = ("The score separates winners" if lo > 0.5 else
                   "Too few scored outcomes to show the score is weak")
        return Finding("scoring", "no_evidence", f"{verdict}: AUC {auc:.2f} (95% CI "
                       f"{lo:.2f}–{hi:.2f}; {n_won:,} wins among {frame.height:,} scored "
                       "leads).", evidence=ev)
    # at stake: the wins a score-ranked queue puts in its bottom half, scaled by how far
    # the score is from useful (0 at max_auc, all of them at chance or worse)
    median = float(frame["score"].median())
    low_half = frame.filter(pl.col("score") < median)
    wins_low = int(low_half["won"].sum())
    weight = min(1.0, max(0.0, (s.max_auc - auc) / (s.max_auc - 0.5)))
    severity, value = value_of_wins(d, wins_low * weight * 0.5)
    ev.update(value)
    ev.update({"wins_below_median_score": wins_low, "at_stake_note": "estimate: half the "
               "wins scored below the median, scaled by how far the AUC is from useful"})
    return Finding("scoring", "problem", f"'{field}' barely predicts winning: AUC {auc:.2f} "
                   f"(95% CI {lo:.2f}–{hi:.2f}; 0.5 is a coin toss; {n_won:,} wins among "
                   f"{frame.height:,} scored leads), so routing or prioritising by it sends "
                   "sales the wrong leads.", severity, {"field": field}, ev)


PLACE = Place("scoring", title="Lead scoring", page="diagnosis",
              needs=("score", "outcome"), chart="Score and pipeline", test=run)
