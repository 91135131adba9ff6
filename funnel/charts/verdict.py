"""Charts of the diagnosis page: quality × handling, the gap decomposition, the score.

Builders take the aggregated frames of :mod:`funnel.analyses.verdict` (never lead rows).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from funnel.analyses.verdict import FIT, SPEED, Decomposition
from funnel.charts import data as inline

FAST, SLOW = "#2e7d32", "#c62828"

__all__ = ["decomposition_chart", "quality_handling_chart", "score_chart"]


def quality_handling_chart(table: pl.DataFrame, *, target: str = "rate") -> alt.Chart:
    """Win rate (or ``qualified_rate``) in each profile-fit × speed cell, with 95% bars.

    Examples
    --------
    >>> from funnel.analyses.verdict import quality_handling
    >>> t = pl.DataFrame({"fit": ["in profile"], "speed": ["fast"], "won": [True],
    ...                   "qualified": [True]})
    >>> quality_handling_chart(quality_handling(t)).to_dict()["facet"]["row"]["field"]
    'fit'
    """
    label = "win rate" if target == "rate" else "qualified rate"
    data = table.filter(pl.col("leads") > 0).with_columns(
        pl.col(target).alias("value"),
        pl.when(pl.lit(target == "rate")).then(pl.col("ci_low")).alias("lo"),
        pl.when(pl.lit(target == "rate")).then(pl.col("ci_high")).alias("hi"))
    # data once, on the facet (a layer with its own copy would not be split by fit)
    base = alt.Chart().encode(
        y=alt.Y("speed:N", sort=list(SPEED), title=None),
        color=alt.Color("speed:N", scale=alt.Scale(domain=list(SPEED), range=[FAST, SLOW]),
                        legend=None))
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=label, axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("fit:N"), alt.Tooltip("speed:N"),
                 alt.Tooltip("leads:Q", format=","), alt.Tooltip("won:Q", format=","),
                 alt.Tooltip("value:Q", title=label, format=".1%"),
                 alt.Tooltip("lo:Q", title="95% CI low", format=".1%"),
                 alt.Tooltip("hi:Q", title="95% CI high", format=".1%")])
    err = base.mark_rule(color="black").encode(x=alt.X("lo:Q"), x2=alt.X2("hi:Q"))
    text = base.mark_text(align="left", dx=4, color="#333").encode(
        x=alt.X("value:Q"), text=alt.Text("leads:Q", format=",.0f"))
    return alt.layer(bars, err, text).properties(height=60, width=340).facet(
        row=alt.Row("fit:N", sort=list(FIT), title=None), data=inline(data))


def decomposition_chart(d: Decomposition) -> alt.Chart:
    """The parts of the best-vs-worst gap as bars (percentage points) with 95% intervals.

    Examples
    --------
    >>> from funnel.analyses.verdict import Decomposition
    >>> parts = pl.DataFrame({"part": ["a"], "value": [0.01], "ci_low": [0.0],
    ...                       "ci_high": [0.02], "share_of_gap": [1.0]})
    >>> c = decomposition_chart(Decomposition("x", "y", 0.2, 0.1, 10, 10, 0.1, parts))
    >>> c.to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    data = d.parts.with_columns((pl.col(c) * 100).alias(c) for c in ("value", "ci_low",
                                                                      "ci_high"))
    order = d.parts["part"].to_list()
    base = alt.Chart(inline(data)).encode(
        y=alt.Y("part:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)))
    bars = base.mark_bar(color="#1565c0").encode(
        x=alt.X("value:Q", title=f"points of the {d.gap * 100:.1f}-point gap "
                f"({d.best} vs {d.worst})"),
        tooltip=[alt.Tooltip("part:N"), alt.Tooltip("value:Q", title="points", format=".2f"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"),
                 alt.Tooltip("share_of_gap:Q", title="share of gap", format=".0%")])
    err = base.mark_rule(color="black").encode(x=alt.X("ci_low:Q"), x2=alt.X2("ci_high:Q"))
    zero = alt.Chart(inline(pl.DataFrame({"x": [0]}))).mark_rule(color="#999").encode(
        x=alt.X("x:Q"))
    return alt.layer(bars, err, zero).properties(height=alt.Step(36), width=320)


def score_chart(deciles: pl.DataFrame) -> alt.Chart:
    """Win rate per score band (lowest scores left), with 95% bars and lead counts.

    Examples
    --------
    >>> t = pl.DataFrame({"band": [0], "from": [0.0], "to": [10.0], "leads": [5], "won": [1],
    ...                   "rate": [0.2], "ci_low": [0.03], "ci_high": [0.6]})
    >>> score_chart(t).to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    data = deciles.with_columns(
        (pl.col("from").round(0).cast(pl.Int64).cast(pl.String) + "–"
         + pl.col("to").round(0).cast(pl.Int64).cast(pl.String)).alias("scores"))
    order = data["scores"].to_list()
    base = alt.Chart(inline(data)).encode(x=alt.X("scores:N", sort=order, title="score band"))
    bars = base.mark_bar(color="#6a1b9a").encode(
        y=alt.Y("rate:Q", title="win rate", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("scores:N"), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("won:Q", format=","), alt.Tooltip("rate:Q", format=".1%"),
                 alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
                 alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%")])
    err = base.mark_rule(color="black").encode(y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high:Q"))
    return alt.layer(bars, err).properties(height=220)
