"""The period funnel of a stage-list export: costs per stage and channel.

A stage-list export (one file per stage, no common id; see
:mod:`funnel.ingest.stagelists`) supports counts, amounts and *period* ratios per
channel and month, not lead-by-lead conversion. :func:`period_funnel` turns its
``stage_totals`` (the CLI JSON's, :func:`funnel.ingest.stagelists.stage_totals`) and
the spend matched to the lead list's channels
(:func:`funnel.analyses.closed_loop.spend_matching`, the same matching as the CLI JSON's
``sources``) into one row per channel: the count at each stage, the pipeline and
bookings amounts, the cost, the cost per lead, MQL, opportunity and won, and the
pipeline-to-spend ratio.
"""

from __future__ import annotations

import polars as pl

from funnel.dataset.labels import label_key
from funnel.dataset.schema import STAGES

PERIOD_COST_STAGES = ("lead", "mql", "opportunity", "won")
"""The stages a cost per record is given for."""


def period_funnel(totals: dict, matching: pl.DataFrame) -> pl.DataFrame:
    """One row per channel of a stage-list export: ``channel``, the count at each stage
    listed (``lead``, ``mql``, ``sql``, ``opportunity``, ``won`` as the lists have them),
    ``pipeline`` (the opportunities' amount), ``bookings`` (the won amount), ``cost`` (the
    spend matched to the channel; null when none is), ``cost_per_lead``,
    ``cost_per_mql``, ``cost_per_opportunity``, ``cost_per_won`` and
    ``pipeline_to_spend``.

    Parameters
    ----------
    totals
        :func:`funnel.ingest.stagelists.stage_totals` of the lists.
    matching
        :func:`funnel.analyses.closed_loop.spend_matching` of the dataset built from the
        lead list (``spend_label, matched, cost``); a channel's cost is that of the spend
        labels matched to it (case and spacing aside).

    Examples
    --------
    >>> totals = {"stage_totals": [
    ...     {"stage": "lead", "source": "Ads", "count": 4, "amount": None},
    ...     {"stage": "won", "source": "Ads", "count": 1, "amount": 50.0}]}
    >>> match = pl.DataFrame({"spend_label": ["ads"], "matched": ["Ads"], "cost": [20.0]})
    >>> period_funnel(totals, match).select("channel", "lead", "won", "cost_per_lead").row(0)
    ('Ads', 4, 1, 5.0)
    """
    rows = pl.DataFrame(totals.get("stage_totals") or [],
                        schema={"stage": pl.String, "source": pl.String, "count": pl.Int64,
                                "amount": pl.Float64})
    stages = [s for s in STAGES if s in set(rows["stage"])]
    wide = (rows.with_columns(pl.col("source").fill_null("(none)").alias("channel"))
            .group_by("channel")
            .agg(*[pl.col("count").filter(pl.col("stage") == s).sum().alias(s) for s in stages],
                 *[pl.when(pl.col("amount").filter(pl.col("stage") == s).is_not_null().any())
                   .then(pl.col("amount").filter(pl.col("stage") == s).sum()).alias(name)
                   for s, name in (("opportunity", "pipeline"), ("won", "bookings"))]))
    cost = (matching.filter(pl.col("matched").is_not_null())
            .group_by(label_key(pl.col("matched")).alias("_k")).agg(pl.col("cost").sum()))
    out = (wide.with_columns(label_key(pl.col("channel")).alias("_k"))
           .join(cost, on="_k", how="left").drop("_k"))
    per = [(pl.col("cost") / pl.col(s)).alias(f"cost_per_{s}") if s in stages
           else pl.lit(None, dtype=pl.Float64).alias(f"cost_per_{s}")
           for s in PERIOD_COST_STAGES]
    return (out.with_columns(
                *[pl.when(pl.col(s) > 0).then(e).otherwise(None).alias(e.meta.output_name())
                  if s in stages else e for s, e in zip(PERIOD_COST_STAGES, per, strict=True)],
                (pl.col("pipeline") / pl.col("cost")).alias("pipeline_to_spend"))
            .sort([stages[0] if stages else "channel", "channel"],
                  descending=[bool(stages), False])
            .select("channel", *stages, "pipeline", "bookings", "cost",
                    *[f"cost_per_{s}" for s in PERIOD_COST_STAGES], "pipeline_to_spend"))
