"""Charts of the funnel, leakage, velocity and closed loop (aggregated frames only).

Each builder takes the small frame an analysis in :mod:`funnel.analyses.leakage`,
:mod:`funnel.analyses.velocity` or :mod:`funnel.analyses.closed_loop` returns (one row per
stage, group or month), never lead rows, and returns an ``alt.Chart``.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from funnel.charts import ChartParts
from funnel.dataset.schema import STAGES

_PCT = ".1%"
_WIDTH = "container"
GROUP_COLOURS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b",
                 "#b279a2", "#ff9da6", "#9d755d", "#1b2a6b", "#8f8f00", "#c51b7d")
"""One colour per group or reason a chart names (as many as ``funnel_by`` shows by
default), no two alike and none grey: greys are for the reasons not named."""
# bar charts size by row (alt.Step): Streamlit's theme takes its axis padding out of a
# fixed height, which squeezes a few rows into a sliver


def _check(frame: pl.DataFrame, columns: Sequence[str], *, max_rows: int = 5000) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"chart needs columns {missing}")
    if frame.height > max_rows:
        raise ValueError(f"chart got {frame.height:,} rows: aggregate before charting")


def funnel_chart(table: pl.DataFrame) -> alt.Chart:
    """Horizontal bars of leads reaching each stage, labelled with count and share.

    ``table`` is :func:`funnel.analyses.funnel.funnel_table` (``stage, count, rate_from_first,
    first_ci_low, first_ci_high, rate_from_previous, ci_low, ci_high``).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_table
    >>> funnel_chart(funnel_table(load_sample().leads)).to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    return funnel_parts(table).build()


def funnel_parts(table: pl.DataFrame) -> ChartParts:
    """:func:`funnel_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_table
    >>> funnel_parts(funnel_table(load_sample().leads)).shape["order"][:2]
    ['lead', 'mql']
    """
    _check(table, ["stage", "count", "rate_from_first", "rate_from_previous"])
    data = table.with_columns(
        pl.format("{} · {} of leads", pl.col("count").map_elements(
            lambda v: f"{v:,}", return_dtype=pl.String),
            (pl.col("rate_from_first") * 100).round(1).cast(pl.String) + "%").alias("label"))
    order = [s for s in STAGES if s in table["stage"].to_list()]
    return ChartParts(_funnel_layout, data, {"order": order})


def _funnel_layout(data: pl.DataFrame, *, order: list[str]) -> alt.Chart:
    base = alt.Chart(data).encode(
        y=alt.Y("stage:N", sort=order, title=None),
        tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("count:Q", format=","),
                 alt.Tooltip("rate_from_previous:Q", format=_PCT, title="step conversion"),
                 alt.Tooltip("ci_low:Q", format=_PCT, title="step 95% CI low"),
                 alt.Tooltip("ci_high:Q", format=_PCT, title="step 95% CI high"),
                 alt.Tooltip("rate_from_first:Q", format=_PCT, title="of all leads")],
    )
    bars = base.mark_bar(color="#4c78a8").encode(x=alt.X("count:Q", title="leads"))
    text = base.mark_text(align="left", dx=4).encode(x=alt.X("count:Q"), text=alt.Text("label:N"))
    return alt.layer(bars, text).properties(width=_WIDTH, height=alt.Step(36),
                                           title="Leads reaching each stage")


def funnel_by_chart(long: pl.DataFrame, *, by: str) -> alt.Chart:
    """Share of each group's leads reaching each stage, groups side by side, with 95%
    intervals. ``long`` is :func:`funnel.analyses.funnel.funnel_by` (one row per group and stage).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_by
    >>> c = funnel_by_chart(funnel_by(load_sample().leads, by="owner"), by="owner")
    >>> c.to_dict()["facet"]["column"]["field"]
    'stage'
    """
    return funnel_by_parts(long, by=by).build()


def funnel_by_parts(long: pl.DataFrame, *, by: str) -> ChartParts:
    """:func:`funnel_by_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import funnel_by
    >>> funnel_by_parts(funnel_by(load_sample().leads, by="owner"), by="owner").shape["by"]
    'owner'
    """
    _check(long, ["group", "stage", "count", "leads", "rate_from_first", "first_ci_low",
                  "first_ci_high"])
    data = long.filter(pl.col("stage") != "lead")
    order = [s for s in STAGES if s in data["stage"].to_list()]
    groups = data.unique("group", maintain_order=True)["group"].to_list()
    # each group's bar stays readable however many groups there are
    return ChartParts(_funnel_by_layout, data, {
        "by": by, "order": order, "groups": groups, "width": max(95, 14 * len(groups))})


def _funnel_by_layout(data: pl.DataFrame, *, by: str, order: list[str], groups: list[str],
                      width: int) -> alt.Chart:
    # one fixed range of distinct colours (funnel_by shows at most as many groups): the
    # spec stays the same from one filter to the next, so the browser redraws it quickly
    base = alt.Chart().encode(
        x=alt.X("group:N", sort=groups, title=None, axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("group:N", sort=groups, title=by,
                        scale=alt.Scale(range=list(GROUP_COLOURS)),
                        legend=alt.Legend(orient="bottom", columns=4)),
        tooltip=[alt.Tooltip("group:N", title=by), alt.Tooltip("stage:N"),
                 alt.Tooltip("count:Q", format=","), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("rate_from_first:Q", format=_PCT, title="reached"),
                 alt.Tooltip("first_ci_low:Q", format=_PCT, title="95% CI low"),
                 alt.Tooltip("first_ci_high:Q", format=_PCT, title="95% CI high")],
    )
    bars = base.mark_bar().encode(
        y=alt.Y("rate_from_first:Q", title=None, axis=alt.Axis(format="%")))
    err = base.mark_rule(color="black").encode(
        y=alt.Y("first_ci_low:Q"), y2=alt.Y2("first_ci_high:Q"))
    return alt.layer(bars, err, data=data).properties(width=width, height=220).facet(
        column=alt.Column("stage:N", sort=order, title=None),
    ).resolve_scale(y="independent").properties(
        title=f"Share of each {by}'s leads reaching each stage (95% CI)")


def cohort_chart(trend: pl.DataFrame, *, stage: str) -> alt.Chart:
    """Conversion to ``stage`` by entry month, with its 95% band; cohorts still maturing
    are drawn hollow and grey rather than as failures.

    ``trend`` is :func:`funnel.analyses.funnel.cohort_trend`.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import cohort_trend
    >>> c = cohort_chart(cohort_trend(load_sample().leads), stage="won")
    >>> len(c.to_dict()["layer"])
    3
    """
    return cohort_parts(trend, stage=stage).build()


def cohort_parts(trend: pl.DataFrame, *, stage: str) -> ChartParts:
    """:func:`cohort_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.funnel import cohort_trend
    >>> cohort_parts(cohort_trend(load_sample().leads), stage="won").data["stage"].unique()[0]
    'won'
    """
    _check(trend, ["cohort", "stage", "leads", "count", "rate", "ci_low", "ci_high",
                   "maturing"])
    data = trend.filter(pl.col("stage") == stage).with_columns(
        pl.when(pl.col("maturing").fill_null(False)).then(pl.lit("still maturing"))
        .otherwise(pl.lit("mature")).alias("cohort status"))
    return ChartParts(_cohort_layout, data, {"stage": stage})


def _cohort_layout(data: pl.DataFrame, *, stage: str) -> alt.Chart:
    x = alt.X("cohort:T", title="entry month", timeUnit="yearmonth")
    tip = [alt.Tooltip("cohort:T", timeUnit="yearmonth", title="month"),
           alt.Tooltip("leads:Q", format=","), alt.Tooltip("count:Q", format=",",
                                                           title=f"reached {stage}"),
           alt.Tooltip("rate:Q", format=_PCT), alt.Tooltip("ci_low:Q", format=_PCT),
           alt.Tooltip("ci_high:Q", format=_PCT), "cohort status:N"]
    band = alt.Chart(data).mark_area(opacity=0.2, color="#4c78a8").encode(
        x=x, y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high:Q"))
    line = alt.Chart(data).mark_line(color="#4c78a8").encode(
        x=x, y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title=f"reached {stage}"))
    dots = alt.Chart(data).mark_point(size=70, filled=True).encode(
        x=x, y=alt.Y("rate:Q"), tooltip=tip,
        color=alt.Color("cohort status:N", scale=alt.Scale(
            domain=["mature", "still maturing"], range=["#4c78a8", "#bbbbbb"])),
        shape=alt.Shape("cohort status:N", scale=alt.Scale(
            domain=["mature", "still maturing"], range=["circle", "triangle"])))
    return alt.layer(band, line, dots).properties(
        width=_WIDTH, height=260, title=f"Reached {stage}, by month of entry")


def reasons_chart(reasons: pl.DataFrame, *, top: int = len(GROUP_COLOURS)) -> alt.Chart:
    """Where leads stopped and why: stacked bars of stopped leads per stage by reason
    (the ``top`` reasons by count, each in its own colour; the rest as "other reasons").

    ``reasons`` is :func:`funnel.analyses.leakage.stop_reasons` without ``by``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.leakage import stop_reasons
    >>> reasons_chart(stop_reasons(load_sample().leads)).to_dict()["mark"]["type"]
    'bar'
    """
    return reasons_parts(reasons, top=top).build()


def reasons_parts(reasons: pl.DataFrame, *, top: int = len(GROUP_COLOURS)) -> ChartParts:
    """:func:`reasons_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.leakage import stop_reasons
    >>> p = reasons_parts(stop_reasons(load_sample().leads))
    >>> len(p.shape["domain"]) == len(p.shape["colors"])
    True
    """
    _check(reasons, ["stage", "reason", "leads", "share"])
    keep = (reasons.group_by("reason").agg(pl.col("leads").sum())
            .sort(["leads", "reason"], descending=[True, False]).head(top)["reason"])
    data = (reasons.with_columns(
        pl.when(pl.col("reason").is_in(keep.implode())).then("reason")
        .otherwise(pl.lit("other reasons")).alias("reason"))
        .group_by("stage", "reason").agg(pl.col("leads").sum(), pl.col("stopped").first())
        .with_columns((pl.col("leads") / pl.col("stopped")).alias("share")))
    order = [s for s in STAGES if s in data["stage"].to_list()]
    # real reasons in colour; "still open", "no reason" and the rest in greys
    greys = {"(still open)": "#d9d9d9", "(no reason recorded)": "#9e9e9e",
             "(outcome unknown)": "#bdbdbd", "other reasons": "#6b6b6b"}
    domain = [r for r in keep.to_list() if r not in greys] + [
        r for r in greys if r in set(data["reason"].to_list())]
    colors = [greys.get(r) or GROUP_COLOURS[i % len(GROUP_COLOURS)]
              for i, r in enumerate(domain)]
    return ChartParts(_reasons_layout, data, {"order": order, "domain": domain,
                                              "colors": colors})


def _reasons_layout(data: pl.DataFrame, *, order: list[str], domain: list[str],
                    colors: list[str]) -> alt.Chart:
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("stage:N", sort=order, title="stopped at"),
        x=alt.X("leads:Q", title="leads"),
        color=alt.Color("reason:N", sort=domain,
                        scale=alt.Scale(domain=domain, range=colors)),
        order=alt.Order("leads:Q", sort="descending"),
        tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("reason:N"),
                 alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("stopped:Q", format=",", title="stopped at this stage"),
                 alt.Tooltip("share:Q", format=_PCT, title="share of those stopped")],
    ).properties(width=_WIDTH, height=alt.Step(40),
                 title="Where leads stopped, and why")


def velocity_chart(table: pl.DataFrame, *, by: str | None = None) -> alt.Chart:
    """Median days per step with its 95% interval (censored medians); steps whose
    median is not reached yet are left out of the chart (they stay in the table).

    ``table`` is :func:`funnel.analyses.velocity.velocity_table`.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.dataset.tables import export_end
    >>> from funnel.analyses.velocity import velocity_table
    >>> ds = load_sample()
    >>> c = velocity_chart(velocity_table(ds.leads, now=export_end(ds)))
    >>> len(c.to_dict()["layer"])
    2
    """
    return velocity_parts(table, by=by).build()


def velocity_parts(table: pl.DataFrame, *, by: str | None = None) -> ChartParts:
    """:func:`velocity_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.dataset.tables import export_end
    >>> from funnel.analyses.velocity import velocity_table
    >>> ds = load_sample()
    >>> velocity_parts(velocity_table(ds.leads, now=export_end(ds))).shape["steps"][0]
    'lead → mql'
    """
    _check(table, ["step", "entered", "moved", "median_days", "ci_low", "ci_high"])
    data = table.filter(pl.col("median_days").is_not_null())
    steps = table["step"].unique(maintain_order=True).to_list()
    return ChartParts(_velocity_layout, data, {"by": by, "steps": steps})


def _velocity_layout(data: pl.DataFrame, *, by: str | None, steps: list[str]) -> alt.Chart:
    tip = ["step:N", alt.Tooltip("median_days:Q", format=".1f", title="median days"),
           alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f"),
           alt.Tooltip("entered:Q", format=","), alt.Tooltip("moved:Q", format=",")]
    enc = {"y": alt.Y("step:N", sort=steps, title=None)}
    if by:
        enc["yOffset"] = alt.YOffset(f"{by}:N")
        enc["color"] = alt.Color(f"{by}:N")
        tip.insert(0, f"{by}:N")
    base = alt.Chart(data).encode(**enc)
    rule = base.mark_rule().encode(x=alt.X("ci_low:Q", title="median days (95% CI)"),
                                   x2=alt.X2("ci_high:Q"))
    dot = base.mark_point(filled=True, size=60).encode(x=alt.X("median_days:Q"), tooltip=tip)
    return alt.layer(rule, dot).properties(
        width=_WIDTH, height=alt.Step(70 if by else 34),
        title="Time between stages (median, open leads censored)")


def rates_chart(table: pl.DataFrame, *, by: str) -> alt.Chart:
    """Win rate per group with its 95% interval, ordered by the shrunk rate (rank);
    the tick marks the shrunk rate used for ranking.

    ``table`` is :func:`funnel.analyses.closed_loop.closed_loop`.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.closed_loop import closed_loop
    >>> len(rates_chart(closed_loop(load_sample()), by="source").to_dict()["layer"])
    3
    """
    _check(table, [by, "leads", "won", "rate", "ci_low", "ci_high", "shrunk_rate", "rank"])
    data = table.filter(pl.col("rate").is_not_null()).sort("rank")
    order = data[by].to_list()
    tip = [alt.Tooltip(f"{by}:N"), alt.Tooltip("leads:Q", format=","),
           alt.Tooltip("won:Q", format=","), alt.Tooltip("rate:Q", format=".2%"),
           alt.Tooltip("ci_low:Q", format=".2%"), alt.Tooltip("ci_high:Q", format=".2%"),
           alt.Tooltip("shrunk_rate:Q", format=".2%", title="shrunk rate (ranking)"),
           "rank:Q"]
    base = alt.Chart(data).encode(y=alt.Y(f"{by}:N", sort=order, title=None), tooltip=tip)
    rule = base.mark_rule(color="#4c78a8").encode(
        x=alt.X("ci_low:Q", title="win rate (95% CI)", axis=alt.Axis(format="%")),
        x2=alt.X2("ci_high:Q"))
    dot = base.mark_point(filled=True, size=60, color="#4c78a8").encode(x=alt.X("rate:Q"))
    tick = base.mark_tick(color="#e45756", thickness=2).encode(x=alt.X("shrunk_rate:Q"))
    return alt.layer(rule, dot, tick).properties(
        width=_WIDTH, height=alt.Step(28),
        title=f"Win rate by {by} (red tick: shrunk rate used for ranking)")


def cost_chart(table: pl.DataFrame, *, by: str, metric: str = "cac",
               currency: str | None = None) -> alt.Chart:
    """Bars of a cost metric (``cac``, ``cost_per_lead``, ``cost_per_qualified``) per
    group that has spend. ``table`` is :func:`funnel.analyses.closed_loop.closed_loop`;
    ``currency`` (the ISO code the data names, if any) goes in the axis title and on the
    tooltip's amounts.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.closed_loop import closed_loop
    >>> cost_chart(closed_loop(load_sample()), by="source").to_dict()["mark"]["type"]
    'bar'
    """
    _check(table, [by, "leads", "won", "cost", metric])
    data = table.filter(pl.col(metric).is_not_null())
    names = {"cac": "CAC (cost per won lead)", "cost_per_lead": "cost per lead",
             "cost_per_qualified": "cost per qualified lead"}
    unit = f" ({currency})" if currency else ""
    return alt.Chart(data).mark_bar(color="#f58518").encode(
        y=alt.Y(f"{by}:N", sort="-x", title=None),
        x=alt.X(f"{metric}:Q", title=names.get(metric, metric) + unit),
        tooltip=[alt.Tooltip(f"{by}:N"),
                 alt.Tooltip(f"{metric}:Q", format=",.0f", title=metric + unit),
                 alt.Tooltip("cost:Q", format=",.0f", title="cost" + unit),
                 alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("won:Q", format=",")],
    ).properties(width=_WIDTH, height=alt.Step(28),
                 title=names.get(metric, metric) + f" by {by}")


def leak_chart(summary: pl.DataFrame, *, flag: str, by: str) -> alt.Chart:
    """Share of each group's leads with ``flag`` (``never_touched``, ``stalled``,
    ``recycled``) and its 95% interval. ``summary`` is :func:`funnel.analyses.leakage.leak_summary`.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.leakage import leak_flags, leak_summary
    >>> ds = load_sample()
    >>> s = leak_summary(ds.leads, leak_flags(ds), by="owner")
    >>> len(leak_chart(s, flag="never_touched", by="owner").to_dict()["layer"])
    2
    """
    return leak_parts(summary, flag=flag, by=by).build()


def leak_parts(summary: pl.DataFrame, *, flag: str, by: str) -> ChartParts:
    """:func:`leak_chart` as its data and layout (:class:`funnel.charts.ChartParts`).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.leakage import leak_flags, leak_summary
    >>> ds = load_sample()
    >>> s = leak_summary(ds.leads, leak_flags(ds), by="owner")
    >>> leak_parts(s, flag="stalled", by="owner").shape
    {'flag': 'stalled', 'by': 'owner'}
    """
    _check(summary, ["group", "leads", flag, f"{flag}_share", f"{flag}_ci_low",
                     f"{flag}_ci_high"])
    data = summary.filter(pl.col(flag).is_not_null())
    return ChartParts(_leak_layout, data, {"flag": flag, "by": by})


def _leak_layout(data: pl.DataFrame, *, flag: str, by: str) -> alt.Chart:
    label = flag.replace("_", " ")
    base = alt.Chart(data).encode(
        y=alt.Y("group:N", sort="-x", title=by),
        tooltip=[alt.Tooltip("group:N", title=by), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip(f"{flag}:Q", format=","),
                 alt.Tooltip(f"{flag}_share:Q", format=_PCT),
                 alt.Tooltip(f"{flag}_ci_low:Q", format=_PCT),
                 alt.Tooltip(f"{flag}_ci_high:Q", format=_PCT)])
    bars = base.mark_bar(color="#e45756").encode(
        x=alt.X(f"{flag}_share:Q", title=f"share {label} (95% CI)", axis=alt.Axis(format="%")))
    err = base.mark_rule().encode(x=alt.X(f"{flag}_ci_low:Q"),
                                  x2=alt.X2(f"{flag}_ci_high:Q"))
    return alt.layer(bars, err).properties(width=_WIDTH, height=alt.Step(28),
                                           title=f"Leads {label}, by {by}")
