"""Charts of speed to lead: response-time histogram, "still waiting" curve, conversion by
response bucket (raw vs adjusted, with a smooth curve), published benchmarks, arrival
heat map, SLA compliance and the owners' load/speed/conversion.

Every builder takes an aggregated frame from the analyses of :mod:`funnel.analyses.speed`
(never lead rows) and returns an ``alt.Chart``.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from funnel.analyses.speed.times import BUCKETS
from funnel.charts import data as inline

FAST = "#2e7d32"
SLOW = "#c62828"
RAW = "#90a4ae"
ADJUSTED = "#1565c0"
NEVER = "#757575"
PUBLISHED = "#6a1b9a"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

__all__ = [
    "arrival_heatmap_chart",
    "benchmark_chart",
    "bucket_chart",
    "owner_chart",
    "response_histogram_chart",
    "sla_chart",
    "smooth_rate_chart",
    "still_waiting_chart",
]


def _rate_label(target: str) -> str:
    return "qualified rate (reached SQL or later)" if target == "qualified" else "win rate"


def response_histogram_chart(hist: pl.DataFrame, *, sla_hours: float | None = None,
                             unit: str = "hours") -> alt.Chart:
    """Leads per response-time bin (log-spaced bins, never-touched leads last) with the
    share touched by each bin's end (the ECDF, never-touched leads in the denominator).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.views import response_histogram
    >>> c = response_histogram_chart(response_histogram(load_sample().leads))
    >>> c.to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    order = hist["label"].to_list()
    data = hist.with_columns(
        pl.when(pl.col("label") == "never").then(pl.lit("never touched"))
        .when(pl.col("hours_high") <= (sla_hours if sla_hours else -1))
        .then(pl.lit("within SLA")).otherwise(pl.lit("touched")).alias("group"))
    base = alt.Chart(inline(data)).encode(x=alt.X("label:N", sort=order,
                                                 axis=alt.Axis(labelAngle=-40),
                                                 title=f"{unit} from creation to first touch"))
    colours = alt.Scale(domain=["within SLA", "touched", "never touched"],
                        range=[FAST, RAW, NEVER])
    bars = base.mark_bar().encode(
        y=alt.Y("leads:Q", title="leads"),
        color=alt.Color("group:N", scale=colours, title=None, legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("label:N", title="response time"),
                 alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("share:Q", format=".1%", title="share of all leads"),
                 alt.Tooltip("cumulative:Q", format=".1%", title="touched by then")])
    line = base.mark_line(point=True, color="#263238").encode(
        y=alt.Y("cumulative:Q", axis=alt.Axis(format="%", title="share touched by then"),
                scale=alt.Scale(domain=[0, 1])))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(
        height=340, title="Time to first touch (n = leads; line: share touched so far)")


def still_waiting_chart(curve: pl.DataFrame, *, by: str | None = None,
                        sla_hours: float | None = None, unit: str = "hours") -> alt.Chart:
    """Kaplan–Meier share of leads still waiting for a first touch, with its 95% band;
    never-touched leads are censored at the export's end. One line per ``by`` group.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.views import still_waiting
    >>> c = still_waiting_chart(still_waiting(load_sample().leads), sla_hours=4)
    >>> [layer["mark"]["type"] for layer in c.to_dict()["layer"]]
    ['area', 'line', 'rule']
    """
    x = alt.X("hours:Q", title=f"{unit} since the lead arrived",
              scale=alt.Scale(type="sqrt", nice=False))
    y_axis = alt.Axis(format="%", title="still waiting for a first touch")
    colour = alt.Color(f"{by}:N", title=by) if by else alt.value(ADJUSTED)
    tip = [alt.Tooltip("hours:Q", format=".1f"),
           alt.Tooltip("still_waiting:Q", format=".1%", title="still waiting"),
           alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
           alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high"),
           alt.Tooltip("at_risk:Q", format=",", title="leads still waiting and observed")]
    if by:
        tip.insert(0, alt.Tooltip(f"{by}:N"))
    base = alt.Chart(inline(curve)).encode(x=x)
    band = base.mark_area(opacity=0.2, interpolate="step-after").encode(
        y=alt.Y("ci_low:Q", axis=y_axis, scale=alt.Scale(domain=[0, 1])), y2=alt.Y2("ci_high:Q"),
        color=colour)
    line = base.mark_line(interpolate="step-after").encode(
        y=alt.Y("still_waiting:Q"), color=colour, tooltip=tip)
    layers = [band, line]
    if sla_hours:
        layers.append(alt.Chart(alt.Data(values=[{"x": sla_hours, "t": f"SLA {sla_hours:g} h"}]))
                      .mark_rule(strokeDash=[4, 3], color=SLOW)
                      .encode(x=alt.X("x:Q"), tooltip=alt.Tooltip("t:N", title="target")))
    return alt.layer(*layers).properties(
        height=380, title="Still waiting (Kaplan–Meier; never-touched leads censored at the "
                          "export's end)")


def bucket_chart(table: pl.DataFrame, *, target: str = "qualified") -> alt.Chart:
    """Rate per response bucket, raw and adjusted for mix, with 95% intervals.

    ``table`` is :attr:`funnel.analyses.speed.curve.ResponseCurve.table_` (or
    :func:`~funnel.analyses.speed.views.bucket_table` renamed alike: ``bucket, leads,
    rate, ci_low, ci_high`` and optionally ``adjusted_rate, adj_ci_low, adj_ci_high``).
    Bars are labelled with their n.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.curve import ResponseCurve
    >>> c = bucket_chart(ResponseCurve().fit(load_sample().leads).table_)
    >>> c.to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    raw = table.select("bucket", "leads", "rate", "ci_low", "ci_high",
                       pl.lit("raw").alias("curve"))
    frames = [raw]
    if "adjusted_rate" in table.columns:
        frames.append(table.select(
            "bucket", "leads", pl.col("adjusted_rate").alias("rate"),
            pl.col("adj_ci_low").alias("ci_low"), pl.col("adj_ci_high").alias("ci_high"),
            pl.lit("adjusted for mix").alias("curve")))
    data = pl.concat(frames, how="vertical_relaxed")
    order = [b for b in BUCKETS if b in data["bucket"].to_list()] + [
        b for b in data["bucket"].unique().to_list() if b not in BUCKETS]
    colour = alt.Color("curve:N", scale=alt.Scale(domain=["raw", "adjusted for mix"],
                                                  range=[RAW, ADJUSTED]),
                       title=None, legend=alt.Legend(orient="top"))
    base = alt.Chart(inline(data)).encode(
        x=alt.X("bucket:N", sort=order, title="time to first touch",
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("curve:N", sort=["raw", "adjusted for mix"]))
    tip = [alt.Tooltip("bucket:N"), alt.Tooltip("curve:N"),
           alt.Tooltip("leads:Q", format=",", title="n (leads)"),
           alt.Tooltip("rate:Q", format=".1%"),
           alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
           alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high")]
    bars = base.mark_bar().encode(
        y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title=_rate_label(target)),
        color=colour, tooltip=tip)
    err = base.mark_rule(color="#263238").encode(y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high:Q"))
    n_text = alt.Chart(inline(raw)).mark_text(dy=-8, color="#455a64", fontSize=10).encode(
        x=alt.X("bucket:N", sort=order), y=alt.Y("ci_high:Q"),
        text=alt.Text("leads:Q", format=","))
    label = _rate_label(target)
    return alt.layer(bars, err, n_text).properties(
        height=400, title=f"{label[0].upper()}{label[1:]} by time to first touch "
                          "(numbers = leads; bars = 95% CI)")


def smooth_rate_chart(bins: pl.DataFrame, *, target: str = "qualified",
                      sla_hours: float | None = None) -> alt.Chart:
    """Rate against hours to first touch: equal-count bins as points (sized by leads)
    and a LOESS curve through them, on a log axis.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.views import rate_by_hours
    >>> c = smooth_rate_chart(rate_by_hours(load_sample().leads))
    >>> c.to_dict()["layer"][1]["transform"][0]["loess"]
    'rate_'
    """
    col = "qualified_rate" if target == "qualified" else "rate"
    data = bins.with_columns(pl.col("hours").clip(lower_bound=1 / 60), pl.col(col).alias("rate_"))
    x = alt.X("hours:Q", scale=alt.Scale(type="log"), title="hours to first touch (log)")
    y = alt.Y("rate_:Q", axis=alt.Axis(format="%"), title=_rate_label(target))
    base = alt.Chart(inline(data))
    points = base.mark_circle(color=ADJUSTED, opacity=0.6).encode(
        x=x, y=y, size=alt.Size("leads:Q", legend=None),
        tooltip=[alt.Tooltip("hours_low:Q", format=".2f", title="from h"),
                 alt.Tooltip("hours_high:Q", format=".2f", title="to h"),
                 alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("rate_:Q", format=".1%", title="rate")])
    smooth = base.transform_loess("hours", "rate_", bandwidth=0.5).mark_line(
        color=ADJUSTED).encode(x=x, y=y)
    layers = [points, smooth]
    if sla_hours:
        layers.append(alt.Chart(alt.Data(values=[{"x": sla_hours}])).mark_rule(
            strokeDash=[4, 3], color=SLOW).encode(x=alt.X("x:Q")))
    return alt.layer(*layers).properties(height=340,
                                         title="Smoothed curve (touched leads; raw rates)")


def benchmark_chart(comparison: pl.DataFrame) -> alt.Chart:
    """Your fast-vs-slow ratios next to HBR 2011's, each labelled with what it measured.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.sla import benchmark_comparison
    >>> from funnel.analyses.speed.views import bucket_table
    >>> c = benchmark_chart(benchmark_comparison(bucket_table(load_sample().leads)))
    >>> c.to_dict()["layer"][0]["mark"]["type"]
    'rule'
    """
    ratios = comparison.filter(pl.col("what") == "ratio")
    rows = []
    for r in ratios.to_dicts():
        rows.append({"row": r["published_label"], "who": "published", "value": r["published"],
                     "low": None, "high": None, "measured": r["measured"]})
        rows.append({"row": r["published_label"], "who": "yours", "value": r["yours"],
                     "low": r["yours_low"], "high": r["yours_high"],
                     "measured": r["yours_label"]})
    data = pl.DataFrame(rows, schema={"row": pl.String, "who": pl.String, "value": pl.Float64,
                                      "low": pl.Float64, "high": pl.Float64,
                                      "measured": pl.String})
    y = alt.Y("row:N", title=None, axis=alt.Axis(labelLimit=420))
    x = alt.X("value:Q", scale=alt.Scale(type="log"), title="times as likely (log scale)")
    colour = alt.Color("who:N", scale=alt.Scale(domain=["published", "yours"],
                                                range=[PUBLISHED, ADJUSTED]), title=None,
                       legend=alt.Legend(orient="top"))
    base = alt.Chart(inline(data)).encode(y=y)
    err = base.transform_filter("datum.low != null").mark_rule(color=ADJUSTED).encode(
        x=alt.X("low:Q", scale=alt.Scale(type="log")), x2=alt.X2("high:Q"))
    dots = base.mark_point(filled=True, size=120).encode(
        x=x, color=colour, shape=alt.Shape("who:N", legend=None),
        tooltip=[alt.Tooltip("who:N"), alt.Tooltip("value:Q", format=".1f", title="ratio"),
                 alt.Tooltip("low:Q", format=".1f", title="95% CI low"),
                 alt.Tooltip("high:Q", format=".1f", title="95% CI high"),
                 alt.Tooltip("measured:N", title="what it measured")])
    one = alt.Chart(alt.Data(values=[{"x": 1}])).mark_rule(color="#9e9e9e").encode(x=alt.X("x:Q"))
    return alt.layer(err, dots, one).properties(
        height=220, title="Published figures (qualification, HBR 2011) vs your data")


def arrival_heatmap_chart(heat: pl.DataFrame, *, value: str = "median_hours") -> alt.Chart:
    """Arrival weekday × hour coloured by ``value`` (median hours to first touch by
    default, or ``within_sla_share``): the Friday-evening and weekend gap at a glance.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.views import arrival_heatmap
    >>> arrival_heatmap_chart(arrival_heatmap(load_sample().leads)).to_dict()["mark"]["type"]
    'rect'
    """
    if value == "within_sla_share":
        colour = alt.Color("within_sla_share:Q", title="within SLA",
                           scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                           legend=alt.Legend(format="%"))
        title = "Share answered within the SLA, by arrival time"
    else:
        colour = alt.Color("median_hours:Q", title="median hours",
                           scale=alt.Scale(type="symlog", scheme="orangered"))
        title = "Median hours to first touch (Kaplan–Meier) by arrival time"
    return alt.Chart(inline(heat)).mark_rect().encode(
        x=alt.X("hour:O", title="hour of arrival"),
        y=alt.Y("weekday:N", sort=WEEKDAYS, title=None),
        color=colour,
        tooltip=[alt.Tooltip("weekday:N"), alt.Tooltip("hour:O"),
                 alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("median_hours:Q", format=".1f", title="median hours"),
                 alt.Tooltip("median_low:Q", format=".1f", title="95% CI low"),
                 alt.Tooltip("median_high:Q", format=".1f", title="95% CI high"),
                 alt.Tooltip("touched_share:Q", format=".0%", title="touched"),
                 alt.Tooltip("within_sla_share:Q", format=".0%", title="within SLA")],
    ).properties(height=300, title=title)


def sla_chart(frame: pl.DataFrame, *, by: str, overall: float | None = None,
              top: int = 20) -> alt.Chart:
    """SLA compliance per group (owner, source, weekday) with 95% intervals and n.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.sla import sla_compliance
    >>> t = sla_compliance(load_sample().leads, sla_hours=4, by="owner")
    >>> sla_chart(t, by="owner").to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    data = frame.sort("leads", descending=True).head(top) if by != "weekday" else frame
    order = (WEEKDAYS if by == "weekday"
             else data.sort("within_sla_share", descending=True)[by].cast(pl.String).to_list())
    y = alt.Y(f"{by}:N", sort=order, title=None)
    base = alt.Chart(inline(data)).encode(y=y)
    bars = base.mark_bar(color=FAST).encode(
        x=alt.X("within_sla_share:Q", axis=alt.Axis(format="%"), title="within SLA",
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip(f"{by}:N"), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("within_sla:Q", format=",", title="within SLA"),
                 alt.Tooltip("within_sla_share:Q", format=".1%", title="share"),
                 alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
                 alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high"),
                 alt.Tooltip("never:Q", format=",", title="never touched")])
    err = base.mark_rule(color="#263238").encode(x=alt.X("ci_low:Q"), x2=alt.X2("ci_high:Q"))
    text = base.mark_text(align="left", dx=4, color="#455a64").encode(
        x=alt.X("ci_high:Q"), text=alt.Text("leads:Q", format=","))
    layers = [bars, err, text]
    if overall is not None:
        layers.append(alt.Chart(alt.Data(values=[{"x": overall}])).mark_rule(
            strokeDash=[4, 3], color="#616161").encode(x=alt.X("x:Q")))
    return alt.layer(*layers).properties(height=120 + 28 * data.height,
                                         title=f"Within SLA by {by} (n = leads)")


def owner_chart(card: pl.DataFrame, *, target: str = "qualified") -> alt.Chart:
    """Each owner's speed (median hours to first touch) against conversion on comparable
    leads (standardised to the source mix), sized by load, with 95% intervals.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.routing import owner_scorecard
    >>> c = owner_chart(owner_scorecard(load_sample().leads, sla_hours=4))
    >>> c.to_dict()["layer"][1]["mark"]["type"]
    'circle'
    """
    rate, low, high = (("qualified_adj", "q_adj_low", "q_adj_high") if target == "qualified"
                       else ("won_adj", "w_adj_low", "w_adj_high"))
    data = card.filter(pl.col("median_hours").is_not_null() & pl.col(rate).is_not_null())
    data = data.with_columns(pl.col("median_hours").clip(lower_bound=0.05))
    x = alt.X("median_hours:Q", scale=alt.Scale(type="log"),
              title="median hours to first touch (log)")
    base = alt.Chart(inline(data))
    err = base.mark_rule(color="#455a64", strokeWidth=2).encode(
        x=x, y=alt.Y(f"{low}:Q"), y2=alt.Y2(f"{high}:Q"))
    dots = base.mark_circle(color=ADJUSTED, opacity=0.8).encode(
        x=x, y=alt.Y(f"{rate}:Q", axis=alt.Axis(format="%"),
                     title=f"{_rate_label(target)}, source mix standardised"),
        size=alt.Size("leads:Q", title="leads (load)"),
        tooltip=[alt.Tooltip("owner:N"), alt.Tooltip("leads:Q", format=","),
                 alt.Tooltip("leads_per_week:Q", format=".1f", title="leads per week"),
                 alt.Tooltip("median_hours:Q", format=".1f", title="median hours"),
                 alt.Tooltip("within_sla_share:Q", format=".0%", title="within SLA"),
                 alt.Tooltip(f"{rate}:Q", format=".1%", title="adjusted rate"),
                 alt.Tooltip(f"{low}:Q", format=".1%", title="95% CI low"),
                 alt.Tooltip(f"{high}:Q", format=".1%", title="95% CI high")])
    labels = base.mark_text(align="left", dx=8, color="#37474f").encode(
        x=x, y=alt.Y(f"{rate}:Q"), text=alt.Text("owner:N"))
    return alt.layer(err, dots, labels).properties(
        height=420, title="Owners: speed vs conversion on comparable leads (size = load)")
