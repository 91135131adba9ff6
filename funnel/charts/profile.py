"""Charts of the profile fit: overlap, criteria, sent vs wanted, win rates, what closes.

Every builder takes an aggregated frame from :mod:`funnel.analyses.profile.fit` or
:mod:`funnel.analyses.profile.learned` (never lead rows) and returns an ``alt.Chart``.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from funnel.charts import ChartParts
from funnel.charts import data as inline

WANTED = "#2e7d32"
NOT_WANTED = "#b0bec5"
MISSING_COLOUR = "#eceff1"
WON = "#e65100"


def overlap_bars(frame: pl.DataFrame, *, by: str, top: int = 15,
                 overall: float | None = None) -> alt.Chart:
    """In-profile share per value of ``by`` (source, campaign, owner) with its 95%
    interval; the ``top`` values with most leads, a rule at the overall share.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> from funnel.analyses.profile.fit import ProfileFit
    >>> fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())
    >>> overlap_bars(fit.by_source_, by="source").to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    data = frame.sort("leads", descending=True).head(top).select(
        by, "leads", "in_profile", "in_profile_share", "ci_low", "ci_high")
    order = data.sort("in_profile_share", descending=True)[by].to_list()
    y = alt.Y(f"{by}:N", sort=order, title=None)
    tip = [alt.Tooltip(f"{by}:N"), alt.Tooltip("leads:Q", format=","),
           alt.Tooltip("in_profile:Q", format=",", title="in profile"),
           alt.Tooltip("in_profile_share:Q", format=".1%", title="share in profile"),
           alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
           alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high")]
    base = alt.Chart().encode(y=y)
    bars = base.mark_bar(color=WANTED).encode(
        x=alt.X("in_profile_share:Q", axis=alt.Axis(format="%"), title="share in profile"),
        tooltip=tip)
    err = base.mark_rule(color="#263238").encode(x=alt.X("ci_low:Q"), x2=alt.X2("ci_high:Q"))
    text = base.mark_text(align="left", dx=4, color="#455a64").encode(
        x=alt.X("ci_high:Q"), text=alt.Text("leads:Q", format=","))
    layers = [bars, err, text]
    if overall is not None:
        layers.append(alt.Chart(alt.Data(values=[{"x": overall}])).mark_rule(
            strokeDash=[4, 3], color="#616161").encode(x=alt.X("x:Q")))
    shown = f", the {top} with most leads" if frame.height > top else ""
    return alt.layer(*layers, data=inline(data)).properties(
        height=alt.Step(24), title=f"Share in profile by {by} (n = leads{shown})")


def overlap_trend(by_month: pl.DataFrame) -> alt.Chart:
    """In-profile share per month with its 95% band: is it getting better?"""
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y"))
    base = alt.Chart().encode(x=x)
    band = base.mark_area(opacity=0.2, color=WANTED).encode(
        y=alt.Y("ci_low:Q", axis=alt.Axis(format="%"), title="share in profile"),
        y2=alt.Y2("ci_high:Q"))
    line = base.mark_line(point=True, color=WANTED).encode(
        y=alt.Y("in_profile_share:Q"),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("in_profile:Q", format=","),
                 alt.Tooltip("in_profile_share:Q", format=".1%")])
    return alt.layer(band, line, data=inline(by_month)).properties(
        height=220, title="Share in profile by month")


def criteria_chart(criteria: pl.DataFrame) -> alt.Chart:
    """Leads failing each criterion, and failing only it (who would join if it were
    dropped) — which single demand excludes most."""
    return criteria_parts(criteria).build()


def criteria_parts(criteria: pl.DataFrame) -> ChartParts:
    """:func:`criteria_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> from funnel.analyses.profile.fit import ProfileFit
    >>> fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())
    >>> criteria_parts(fit.criteria_).data.columns
    ['criterion', 'fails', 'fails_only']
    """
    data = criteria.filter(pl.col("checked")).select("criterion", "fails", "fails_only")
    return ChartParts(_criteria_layout, data, {"order": data["criterion"].to_list()})


def _criteria_layout(data: pl.DataFrame, *, order: list[str]) -> alt.Chart:
    y = alt.Y("criterion:N", title=None, sort=order, axis=alt.Axis(labelLimit=260))
    tip = ["criterion:N", alt.Tooltip("fails:Q", format=",", title="fail it"),
           alt.Tooltip("fails_only:Q", format=",", title="fail only it")]
    base = alt.Chart().encode(y=y, tooltip=tip)
    fails = base.mark_bar(color=NOT_WANTED).encode(x=alt.X("fails:Q", title="leads"))
    only = base.mark_bar(color="#c62828", height=10).encode(x=alt.X("fails_only:Q"))
    text = base.mark_text(align="left", dx=4, color="#c62828").encode(
        x=alt.X("fails_only:Q"), text=alt.Text("fails_only:Q", format=","))
    return alt.layer(fails, only, text, data=inline(data)).properties(
        height=alt.Step(34), title=alt.Title(
            "Leads each criterion excludes",
            subtitle="grey: fail it · red: fail only it (would join if it were dropped)"))


def distribution_chart(dist: pl.DataFrame, *, title: str) -> alt.Chart:
    """Sent vs wanted for one attribute: share of leads sent per value (green = the
    profile wants it), with the share of won leads as a dark tick."""
    return distribution_parts(dist, title=title).build()


def distribution_parts(dist: pl.DataFrame, *, title: str) -> ChartParts:
    """:func:`distribution_chart` as its data and layout (:class:`funnel.charts.ChartParts`;
    the title is filled in per chart).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> from funnel.analyses.profile.fit import ProfileFit
    >>> fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())
    >>> distribution_parts(fit.distribution(0), title="Industry").text
    ('title',)
    """
    data = dist.with_columns(
        pl.when(pl.col("wanted").is_null()).then(pl.lit("missing"))
        .when(pl.col("wanted")).then(pl.lit("wanted")).otherwise(pl.lit("not wanted"))
        .alias("status"))
    shape = {"title": title, "order": data["value"].to_list(),
             "ticks": data["won_share"].null_count() < data.height}
    return ChartParts(_distribution_layout, data, shape, text=("title",))


def _distribution_layout(data: pl.DataFrame, *, title: str, order: list, ticks: bool
                         ) -> alt.Chart:
    y = alt.Y("value:N", sort=order, title=None)
    bars = alt.Chart().mark_bar().encode(
        y=y, x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of leads sent"),
        color=alt.Color("status:N", scale=alt.Scale(
            domain=["wanted", "not wanted", "missing"],
            range=[WANTED, NOT_WANTED, MISSING_COLOUR]), legend=alt.Legend(
                orient="top", title=None)),
        tooltip=[alt.Tooltip("value:N"), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("share:Q", format=".1%", title="of leads sent"),
                 alt.Tooltip("won:Q", format=","),
                 alt.Tooltip("won_share:Q", format=".1%", title="of won leads"),
                 alt.Tooltip("status:N")])
    layers = [bars]
    if ticks:
        layers.append(alt.Chart().mark_tick(color=WON, thickness=3, size=14).encode(
            y=y, x=alt.X("won_share:Q"),
            tooltip=[alt.Tooltip("value:N"),
                     alt.Tooltip("won_share:Q", format=".1%", title="of won leads")]))
    return alt.layer(*layers, data=inline(data)).properties(height=alt.Step(22), title=alt.Title(
        title, subtitle="bars: leads sent · orange tick: leads won"))


def win_rates_chart(outcomes: pl.DataFrame) -> alt.Chart:
    """Win rate (and qualified rate where stages exist) in vs out of profile, with
    95% intervals and counts."""
    return win_rates_parts(outcomes).build()


def win_rates_parts(outcomes: pl.DataFrame) -> ChartParts:
    """:func:`win_rates_chart` as its data (one row per group and measure) and layout
    (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> from funnel.analyses.profile.fit import ProfileFit
    >>> fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(load_sample())
    >>> win_rates_parts(fit.outcomes_).data["measure"].unique().sort().to_list()
    ['qualified (SQL+)', 'won']
    """
    rows = []
    for r in outcomes.to_dicts():
        if r["win_rate"] is not None:
            rows.append({"group": r["group"], "measure": "won", "rate": r["win_rate"],
                         "low": r["ci_low"], "high": r["ci_high"], "n": r["leads"],
                         "k": r["won"]})
        if r["qualified_rate"] is not None:
            rows.append({"group": r["group"], "measure": "qualified (SQL+)",
                         "rate": r["qualified_rate"], "low": r["q_ci_low"],
                         "high": r["q_ci_high"], "n": r["leads"], "k": r["qualified"]})
    return ChartParts(_win_rates_layout, pl.DataFrame(rows), {})


def _win_rates_layout(data: pl.DataFrame) -> alt.Chart:
    # data once, on the facet: a layer holding its own copy is not split by the facet and
    # would draw both measures, stacked, in every panel
    base = alt.Chart().encode(
        y=alt.Y("group:N", title=None, sort=["in profile", "out of profile"]),
        tooltip=[alt.Tooltip("group:N"), alt.Tooltip("measure:N"),
                 alt.Tooltip("rate:Q", format=".1%"),
                 alt.Tooltip("low:Q", format=".1%", title="95% CI low"),
                 alt.Tooltip("high:Q", format=".1%", title="95% CI high"),
                 alt.Tooltip("k:Q", format=",", title="count"),
                 alt.Tooltip("n:Q", format=",", title="leads")])
    bars = base.mark_bar().encode(
        x=alt.X("rate:Q", axis=alt.Axis(format="%"), title="rate"),
        color=alt.Color("group:N", scale=alt.Scale(domain=["in profile", "out of profile"],
                                                   range=[WANTED, NOT_WANTED]), legend=None))
    err = base.mark_rule(color="#263238").encode(x=alt.X("low:Q"), x2=alt.X2("high:Q"))
    text = base.mark_text(align="left", dx=4).encode(
        x=alt.X("high:Q"), text=alt.Text("rate:Q", format=".1%"))
    return alt.layer(bars, err, text).properties(height=90, width=190).facet(
        column=alt.Column("measure:N", title=None), data=inline(data))


def learned_chart(values: pl.DataFrame, *, top: int = 15) -> alt.Chart:
    """How much likelier a lead with each value is to win than one without it: the
    rate ratio with its 95% interval (log scale), best first by the shrunk ratio.

    Given values judged on other leads (:meth:`LearnedProfile.judge`, the ``judged_``
    columns), the ratio drawn is the one measured on the leads the values were *not*
    learned from, with their count; otherwise the ratio among the leads learned from.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.holdout import HeldOutProfile
    >>> chart = learned_chart(HeldOutProfile().fit(load_sample()).top(5))
    >>> chart.to_dict()["title"]["text"]
    'What actually closes'
    """
    return learned_parts(values, top=top).build()


def learned_parts(values: pl.DataFrame, *, top: int = 15) -> ChartParts:
    """:func:`learned_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.holdout import HeldOutProfile
    >>> learned_parts(HeldOutProfile().fit(load_sample()).top(5)).shape["judged"]
    True
    """
    judged = "judged_lift" in values.columns
    data = values.head(top).with_columns(
        (pl.col("attribute") + ": " + pl.col("value")).alias("label"))
    if judged:
        data = data.with_columns(pl.col("judged_lift").alias("x"),
                                 pl.col("judged_low").alias("x_low"),
                                 pl.col("judged_high").alias("x_high"),
                                 pl.col("judged_leads").alias("x_n"))
    else:
        data = data.with_columns(pl.col("lift").alias("x"), pl.col("lift_low").alias("x_low"),
                                 pl.col("lift_high").alias("x_high"),
                                 pl.col("leads").alias("x_n"))
    data = data.filter(pl.col("x").is_not_null() & (pl.col("x") > 0))
    return ChartParts(_learned_layout, data, {"judged": judged,
                                              "order": data["label"].to_list()})


def _learned_layout(data: pl.DataFrame, *, judged: bool, order: list[str]) -> alt.Chart:
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    where = "on the leads it was not learned from" if judged else "among the leads"
    tip = ["attribute:N", "value:N",
           alt.Tooltip("leads:Q", format=",", title="leads learned from"),
           alt.Tooltip("won:Q", format=",", title="won, learned from"),
           alt.Tooltip("x_n:Q", format=",", title=f"leads {where}"),
           alt.Tooltip("x:Q", format=".2f", title=f"× as likely, {where}"),
           alt.Tooltip("x_low:Q", format=".2f", title="95% CI low"),
           alt.Tooltip("x_high:Q", format=".2f", title="95% CI high")]
    base = alt.Chart().encode(y=y, tooltip=tip)
    x = alt.X("x:Q", scale=alt.Scale(type="log"), title="× as likely to win (log scale)")
    err = base.mark_rule(color="#263238").encode(x=alt.X("x_low:Q", scale=alt.Scale(
        type="log")), x2=alt.X2("x_high:Q"))
    dots = base.mark_circle(size=90, color=WON, opacity=1).encode(x=x)
    one = alt.Chart(alt.Data(values=[{"x": 1}])).mark_rule(strokeDash=[4, 3]).encode(x=alt.X("x:Q"))
    subtitle = ("learned on one half of the leads; ratio and 95% interval measured on the "
                "other half" if judged else "rate ratio with its 95% interval")
    return alt.layer(err, dots, one, data=inline(data)).properties(
        height=alt.Step(22), title=alt.Title("What actually closes", subtitle=subtitle))
