"""What each chart draws: the values every builder in ``funnel/charts`` encodes, panel by
panel and layer by layer, read off its Vega-Lite spec the way Vega-Lite resolves it, against
the small aggregated table it was built from; and every chart compiles to a PNG.

How the spec is read (:func:`panels`):

* a view reads its own ``data`` (inline ``values``, or the top-level ``datasets`` entry its
  ``data.name`` names), else its parent's;
* a facet splits the data it holds (its own or inherited) by its field(s), one panel per
  value: a layer that brings its own data inside a facet is *not* split, and draws all its
  rows in every panel (the bug this file was written for);
* ``filter`` transforms are applied; other transforms (the LOESS curve) are left to their own
  test, the layer keeping its input rows;
* rows whose quantitative x or y is null are dropped (Vega-Lite's ``invalid: "filter"``);
* bars and areas whose measure is quantitative, linear and unranged stack the rows that share
  their discrete position (and its offset), as Vega-Lite does by default (:func:`stacks`).

The case table (:data:`CASES`) states, for each builder, the panels and, per layer, the mark,
the channels that carry a field (tooltips aside) and the rows they encode.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import altair as alt
import polars as pl
import pytest
import vl_convert

import funnel.charts
from funnel.analyses.verdict import Decomposition
from funnel.charts import leakage, profile, response, verdict

MODULES: tuple[ModuleType, ...] = (leakage, profile, response, verdict)

# -- reading a spec the way Vega-Lite does ----------------------------------------------------


@dataclass
class Layer:
    """One mark as drawn in one panel: its encoding and the rows it reads."""

    mark: str
    encoding: dict
    rows: list[dict]
    transform: list = field(default_factory=list)

    def channels(self) -> set[str]:
        """Channels that carry a field (tooltips are not drawn)."""
        return {c for c, d in self.encoding.items()
                if c != "tooltip" and isinstance(d, dict) and "field" in d}

    def field(self, channel: str) -> str:
        return self.encoding[channel]["field"]

    def drawn(self) -> list[dict]:
        """Rows with a valid quantitative x and y (Vega-Lite filters the rest out)."""
        need = [self.field(c) for c in ("x", "y") if c in self.channels()
                and self.encoding[c].get("type") == "quantitative"]
        return [r for r in self.rows if all(r.get(f) is not None for f in need)]

    def values(self, channels: list[str]) -> Counter:
        """The encoded tuples, one per drawn row, in the order of ``channels``."""
        return Counter(tuple(norm(r.get(self.field(c))) for c in channels) for r in self.drawn())


def norm(v: object) -> object:
    return round(v, 9) if isinstance(v, float) else v


NULL_TEST = re.compile(r"\s*datum\.(\w+)\s*(==|!=)\s*null\s*")


def filter_expr(expr: str) -> Callable[[dict], bool]:
    """A Vega filter of the kind the builders use (``datum.a != null``, joined by ``&&``)
    as a Python predicate; anything else is not modelled."""
    tests = []
    for clause in expr.split("&&"):
        if (m := NULL_TEST.fullmatch(clause)) is None:
            raise NotImplementedError(f"filter {expr!r}")
        tests.append(m.groups())
    return lambda d: all((d.get(f) is None) == (op == "==") for f, op in tests)


def apply(transforms: list[dict], rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Apply the filters; return the rows and the transforms left unapplied."""
    left = []
    for t in transforms:
        if "filter" in t and isinstance(t["filter"], str):
            rows = [r for r in rows if filter_expr(t["filter"])(r)]
        else:
            left.append(t)
    return rows, left


def facet_fields(facet: dict) -> list[str]:
    if "field" in facet:
        return [facet["field"]]
    return [facet[k]["field"] for k in ("row", "column") if k in facet]


def panels(chart: alt.TopLevelMixin) -> dict[tuple, list[Layer]]:
    """Each panel's layers, keyed by the panel's facet values (``()`` when not faceted)."""
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    out: dict[tuple, list[Layer]] = defaultdict(list)

    def own(node: dict, inherited: list[dict] | None) -> list[dict] | None:
        data = node.get("data")
        if data is None:
            return inherited
        return data["values"] if "values" in data else datasets[data["name"]]

    def walk(node: dict, inherited: list[dict] | None, panel: tuple) -> None:
        unknown = {"concat", "hconcat", "vconcat", "repeat"} & set(node)
        if unknown or {"row", "column", "facet"} & set(node.get("encoding", {})):
            raise NotImplementedError(f"composition {unknown or 'encoding facet'}")
        rows, left = apply(node.get("transform", []), own(node, inherited) or [])
        if "facet" in node:
            by = facet_fields(node["facet"])
            assert not left, "transforms before a facet are not modelled"
            for key in sorted({tuple(r.get(f) for f in by) for r in rows}, key=str):
                walk(node["spec"], [r for r in rows if tuple(r.get(f) for f in by) == key],
                     panel + key)
        elif "layer" in node:
            assert not left, "transforms on a layer are not modelled"
            for child in node["layer"]:
                walk(child, rows, panel)
        else:
            mark = node["mark"]
            out[panel].append(Layer(mark if isinstance(mark, str) else mark["type"],
                                    node.get("encoding", {}), rows, left))

    walk(spec, None, ())
    return dict(out)


def stacks(layer: Layer) -> tuple[str, dict[tuple, list[dict]]] | None:
    """``(measure channel, rows per stack)`` for a bar or area Vega-Lite stacks by default
    (quantitative, linear, unranged, not ``stack: null``), else None."""
    if layer.mark not in ("bar", "area"):
        return None
    for measure, dim in (("x", "y"), ("y", "x")):
        enc = layer.encoding.get(measure, {})
        if (enc.get("type") == "quantitative" and f"{measure}2" not in layer.encoding
                and enc.get("stack", "zero") is not None and "aggregate" not in enc
                and enc.get("scale", {}).get("type", "linear") == "linear"):
            by = [layer.field(c) for c in (dim, f"{dim}Offset") if c in layer.channels()]
            groups: dict[tuple, list[dict]] = defaultdict(list)
            for r in layer.drawn():
                groups[tuple(r.get(f) for f in by)].append(r)
            return measure, dict(groups)
    return None


def stack_ends(layer: Layer) -> dict[tuple, float]:
    """Where each stack ends (the bar's far edge as drawn)."""
    measure, groups = stacks(layer)
    return {k: sum(r[layer.field(measure)] for r in rows) for k, rows in groups.items()}


# -- the case table -----------------------------------------------------------------------------


@dataclass
class Case:
    """One builder call on a hand-made table, and what it must draw.

    ``panels`` maps each panel to its layers in order, each ``(mark, "ch ch ...", rows)``
    with one tuple per drawn row, values in the order of the channels named.
    """

    id: str
    build: Callable[[], alt.TopLevelMixin]
    panels: dict[tuple, list[tuple[str, str, list[tuple]]]]
    stacked: bool = False

    @property
    def builder(self) -> str:
        return self.id.split("[")[0]


FUNNEL = pl.DataFrame({
    "stage": ["lead", "mql", "sql"], "count": [1200, 600, 180],
    "rate_from_previous": [1.0, 0.5, 0.3], "rate_from_first": [1.0, 0.5, 0.15],
    "ci_low": [None, 0.47, 0.26], "ci_high": [None, 0.53, 0.34], "previous": [None, 1200, 600],
    "first_ci_low": [0.99, 0.47, 0.13], "first_ci_high": [1.0, 0.53, 0.17]})

FUNNEL_BY = pl.DataFrame({
    "group": ["Ann"] * 3 + ["Bob"] * 3, "leads": [100] * 3 + [50] * 3,
    "stage": ["lead", "mql", "sql"] * 2, "count": [100, 60, 20, 50, 10, 5],
    "previous": [None, 100, 60, None, 50, 10],
    "rate_from_previous": [1.0, 0.6, 1 / 3, 1.0, 0.2, 0.5],
    "rate_from_first": [1.0, 0.6, 0.2, 1.0, 0.2, 0.1],
    "ci_low": [None, 0.5, 0.2, None, 0.1, 0.2], "ci_high": [None, 0.7, 0.5, None, 0.3, 0.8],
    "first_ci_low": [0.96, 0.5, 0.13, 0.93, 0.11, 0.04],
    "first_ci_high": [1.0, 0.69, 0.29, 1.0, 0.33, 0.21]})

COHORTS = pl.DataFrame({
    "cohort": [dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1)] * 2, "leads": [100, 80] * 2,
    "stage": ["sql", "sql", "won", "won"], "count": [30, 20, 10, 2],
    "rate": [0.3, 0.25, 0.1, 0.025], "ci_low": [0.22, 0.17, 0.05, 0.007],
    "ci_high": [0.4, 0.35, 0.17, 0.09], "age_days": [60.0, 30.0, 60.0, 30.0],
    "mature_days": [20.0, 20.0, 45.0, 45.0], "maturing": [False, False, False, True]})

REASONS = pl.DataFrame({
    "stage": ["lead"] * 4 + ["mql"] * 3,
    "reason": ["(still open)", "Not reachable", "No budget", "Too small",
               "Not reachable", "No budget", "Too small"],
    "leads": [50, 35, 10, 5, 20, 15, 8], "stopped": [100] * 4 + [43] * 3,
    "share": [0.5, 0.35, 0.1, 0.05, 20 / 43, 15 / 43, 8 / 43]})

VELOCITY = pl.DataFrame({
    "step": ["lead → mql", "mql → sql", "sql → won"], "entered": [100, 60, 20],
    "moved": [60, 20, 1], "open": [10, 20, 15], "lost": [30, 20, 4], "bad_dates": [0, 0, 0],
    "median_days": [1.5, 6.0, None], "ci_low": [1.2, 5.0, None], "ci_high": [1.9, 7.5, None]})

VELOCITY_BY = pl.DataFrame({
    "step": ["lead → mql"] * 2 + ["mql → sql"] * 2, "source": ["Ads", "Web"] * 2,
    "entered": [60, 40, 35, 25], "moved": [35, 25, 10, 10], "open": [5, 5, 10, 5],
    "lost": [20, 10, 15, 10], "bad_dates": [0] * 4, "median_days": [1.0, 2.0, 5.0, None],
    "ci_low": [0.8, 1.5, 4.0, None], "ci_high": [1.3, 2.6, 6.5, None]})

CLOSED_LOOP = pl.DataFrame({
    "source": ["Ads", "Web", "Events"], "leads": [500, 300, 0], "qualified": [100, 90, 0],
    "qualified_rate": [0.2, 0.3, None], "won": [20, 24, 0], "rate": [0.04, 0.08, None],
    "ci_low": [0.026, 0.054, None], "ci_high": [0.061, 0.116, None],
    "shrunk_rate": [0.042, 0.077, None], "rank": [2, 1, None],
    "revenue": [2e5, 2.4e5, None], "avg_deal": [1e4, 1e4, None], "cost": [8000.0, None, None],
    "cost_per_lead": [16.0, None, None], "cost_per_qualified": [80.0, None, None],
    "cac": [400.0, None, None], "roas": [25.0, None, None]})

LEAKS = pl.DataFrame({
    "group": ["Ann", "Bob", "(none)"], "leads": [200, 100, 10],
    "stalled": [40, 50, None], "stalled_share": [0.2, 0.5, None],
    "stalled_ci_low": [0.15, 0.4, None], "stalled_ci_high": [0.26, 0.6, None]})

BY_SOURCE = pl.DataFrame({
    "source": ["Ads", "Web", "Events"], "leads": [500, 300, 40], "in_profile": [25, 60, 20],
    "in_profile_share": [0.05, 0.2, 0.5], "ci_low": [0.034, 0.159, 0.35],
    "ci_high": [0.073, 0.249, 0.65], "won": [20, 24, 5], "in_profile_won": [5, 12, 4]})

BY_MONTH = pl.DataFrame({
    "month": ["2026-01", "2026-02"], "leads": [400, 440], "in_profile": [40, 66],
    "in_profile_share": [0.1, 0.15], "ci_low": [0.074, 0.12], "ci_high": [0.133, 0.186],
    "won": [10, 14], "in_profile_won": [4, 7]})

CRITERIA = pl.DataFrame({
    "index": [0, 1, 2], "criterion": ["Industry: Software", "Employees 50–1,000", "Budget: yes"],
    "field": ["Industry", "Employees", "Budget"], "column": ["Industry", "Employees", None],
    "checked": [True, True, False], "problem": [None, None, "no column"],
    "meets": [300, 500, 0], "fails": [700, 500, 0], "missing": [100, 50, 0],
    "fails_only": [90, 40, 0]})

DISTRIBUTION = pl.DataFrame({
    "value": ["yes", "no", "(missing)"], "order": [0, 1, 2], "leads": [300, 600, 100],
    "share": [0.3, 0.6, 0.1], "won": [30, 12, 3], "won_share": [30 / 45, 12 / 45, 3 / 45],
    "wanted": [True, False, None]})

OUTCOMES = pl.DataFrame({
    "group": ["in profile", "out of profile"], "leads": [1744, 28256], "won": [204, 695],
    "win_rate": [0.117, 0.025], "ci_low": [0.103, 0.023], "ci_high": [0.133, 0.026],
    "qualified": [541, 3703], "qualified_rate": [0.31, 0.131], "q_ci_low": [0.289, 0.127],
    "q_ci_high": [0.332, 0.135]})

LEARNED = pl.DataFrame({
    "attribute": ["Budget", "Industry", "Industry"], "kind": ["yes/no", "value", "value"],
    "value": ["yes", "Software", "Retail"], "leads": [1000, 500, 400], "won": [60, 30, 4],
    "rate": [0.06, 0.06, 0.01], "ci_low": [0.047, 0.042, 0.004], "ci_high": [0.077, 0.085, 0.025],
    "rate_without": [0.012, 0.02, 0.03], "lift": [5.0, 3.0, 0.33], "lift_low": [4.2, 2.1, 0.12],
    "lift_high": [5.9, 4.3, 0.9], "shrunk_lift": [4.9, 2.8, 0.4]})

HISTOGRAM = pl.DataFrame({
    "bin": [0, 1, 2], "label": ["0m–1h", "1h–1d", "never"], "hours_low": [0.0, 1.0, None],
    "hours_high": [1.0, 24.0, None], "leads": [50, 30, 20], "share": [0.5, 0.3, 0.2],
    "cumulative": [0.5, 0.8, None]})

STILL_WAITING = pl.DataFrame({
    "hours": [0.0, 2.0, 10.0], "still_waiting": [1.0, 0.6, 0.3], "ci_low": [1.0, 0.5, 0.22],
    "ci_high": [1.0, 0.7, 0.4], "at_risk": [100, 60, 28]})

STILL_WAITING_BY = pl.DataFrame({
    "source": ["Ads", "Ads", "Web", "Web"], "hours": [0.0, 5.0, 0.0, 3.0],
    "still_waiting": [1.0, 0.4, 1.0, 0.7], "ci_low": [1.0, 0.3, 1.0, 0.55],
    "ci_high": [1.0, 0.5, 1.0, 0.82], "at_risk": [60, 24, 40, 28]})

BUCKETS = pl.DataFrame({
    "bucket": ["1-4h", "0-1h"], "leads": [200, 100], "successes": [40, 30],
    "rate": [0.2, 0.3], "ci_low": [0.15, 0.22], "ci_high": [0.26, 0.4],
    "adjusted_rate": [0.21, 0.28], "adj_ci_low": [0.16, 0.2], "adj_ci_high": [0.27, 0.38],
    "coverage": [1.0, 1.0]})

RATE_BY_HOURS = pl.DataFrame({
    "bin": [0, 1, 2], "hours": [0.005, 2.0, 30.0], "hours_low": [0.0, 1.0, 10.0],
    "hours_high": [1.0, 10.0, 50.0], "leads": [100, 100, 100], "qualified": [40, 25, 10],
    "won": [8, 5, 1], "qualified_rate": [0.4, 0.25, 0.1], "rate": [0.08, 0.05, 0.01]})

BENCHMARK = pl.DataFrame({
    "key": ["1h_vs_next", "1h_vs_24h", "never_share"], "what": ["ratio", "ratio", "share"],
    "published": [7.0, 60.0, 0.23], "published_label": ["HBR: 1 h vs later", "HBR: 1 h vs 24 h",
                                                        "Audit: never"],
    "measured": ["qualifying", "qualifying", "firms"], "yours": [1.6, 7.5, 0.15],
    "yours_low": [1.5, 6.7, None], "yours_high": [1.7, 8.5, None],
    "yours_label": ["yours: 0-1h vs 1-4h", "yours: 0-1h vs 1-3d", "yours: never"]})

WEEKDAY = pl.Enum(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])

HEATMAP = pl.DataFrame({
    "weekday": ["Mon", "Mon", "Sat"], "hour": [9, 10, 9], "leads": [20, 10, 4],
    "touched_share": [1.0, 0.9, 0.5], "median_hours": [0.5, 1.5, 40.0],
    "median_low": [0.3, 1.0, 20.0], "median_high": [0.8, 2.5, None],
    "within_sla": [18, 6, 0], "within_sla_share": [0.9, 0.6, 0.0]},
    schema_overrides={"weekday": WEEKDAY})

SLA = pl.DataFrame({
    "owner": ["Ann", "Bob", "Cy"], "leads": [300, 200, 10], "within_sla": [240, 60, 9],
    "within_sla_share": [0.8, 0.3, 0.9], "ci_low": [0.75, 0.24, 0.6],
    "ci_high": [0.84, 0.37, 0.98], "never": [5, 30, 0], "not_yet_due": [0, 0, 0]})

SLA_WEEKDAY = pl.DataFrame({
    "weekday": ["Mon", "Sat"], "leads": [300, 50], "within_sla": [150, 5],
    "within_sla_share": [0.5, 0.1], "ci_low": [0.44, 0.04], "ci_high": [0.56, 0.21],
    "never": [20, 10], "not_yet_due": [0, 0]}, schema_overrides={"weekday": WEEKDAY})

OWNERS = pl.DataFrame({
    "owner": ["Ann", "Bob", "Cy"], "leads": [300, 200, 5], "load_share": [0.59, 0.4, 0.01],
    "leads_per_week": [30.0, 20.0, 0.5], "median_hours": [0.01, 6.0, None],
    "median_low": [0.0, 5.0, None], "median_high": [0.02, 7.0, None],
    "within_sla_share": [0.95, 0.4, None], "qualified_rate": [0.3, 0.15, 0.2],
    "qualified_adj": [0.29, 0.16, 0.2], "q_adj_low": [0.24, 0.11, 0.04],
    "q_adj_high": [0.34, 0.22, 0.62], "rate": [0.05, 0.03, 0.0], "won_adj": [0.05, 0.031, None],
    "w_adj_low": [0.03, 0.014, None], "w_adj_high": [0.08, 0.064, None]})

QUALITY = pl.DataFrame({
    "fit": ["in profile", "in profile", "out of profile", "out of profile"],
    "speed": ["fast", "slow or never"] * 2, "leads": [100, 50, 400, 0], "won": [20, 5, 12, 0],
    "rate": [0.2, 0.1, 0.03, None], "ci_low": [0.13, 0.04, 0.017, None],
    "ci_high": [0.29, 0.21, 0.052, None], "qualified": [50, 15, 60, None],
    "qualified_rate": [0.5, 0.3, 0.15, None]})

DECOMPOSITION = Decomposition("in profile · fast", "out of profile · slow", 0.2, 0.05, 100, 400,
                              0.15, pl.DataFrame({
                                  "part": ["lead mix", "handling", "rest"],
                                  "value": [0.05, 0.08, 0.02], "ci_low": [0.02, 0.04, -0.01],
                                  "ci_high": [0.08, 0.12, 0.05],
                                  "share_of_gap": [1 / 3, 8 / 15, 2 / 15]}))

DECILES = pl.DataFrame({
    "band": [0, 1], "from": [0.0, 50.4], "to": [49.6, 100.0], "leads": [60, 40],
    "won": [3, 10], "rate": [0.05, 0.25], "ci_low": [0.017, 0.14], "ci_high": [0.14, 0.4]})

IN, OUT = "in profile", "out of profile"

CASES = [
    # funnel/charts/leakage.py
    Case("funnel_chart", lambda: leakage.funnel_chart(FUNNEL), {(): [
        ("bar", "y x", [("lead", 1200), ("mql", 600), ("sql", 180)]),
        ("text", "y x text", [("lead", 1200, "1,200 · 100.0% of leads"),
                              ("mql", 600, "600 · 50.0% of leads"),
                              ("sql", 180, "180 · 15.0% of leads")])]}),
    Case("funnel_by_chart", lambda: leakage.funnel_by_chart(FUNNEL_BY, by="owner"), {
        ("mql",): [("bar", "x color y", [("Ann", "Ann", 0.6), ("Bob", "Bob", 0.2)]),
                   ("rule", "x color y y2", [("Ann", "Ann", 0.5, 0.69),
                                             ("Bob", "Bob", 0.11, 0.33)])],
        ("sql",): [("bar", "x color y", [("Ann", "Ann", 0.2), ("Bob", "Bob", 0.1)]),
                   ("rule", "x color y y2", [("Ann", "Ann", 0.13, 0.29),
                                             ("Bob", "Bob", 0.04, 0.21)])]}),
    Case("cohort_chart", lambda: leakage.cohort_chart(COHORTS, stage="won"), {(): [
        ("area", "x y y2", [("2026-01-01T00:00:00", 0.05, 0.17),
                            ("2026-02-01T00:00:00", 0.007, 0.09)]),
        ("line", "x y", [("2026-01-01T00:00:00", 0.1), ("2026-02-01T00:00:00", 0.025)]),
        ("point", "x y color shape", [
            ("2026-01-01T00:00:00", 0.1, "mature", "mature"),
            ("2026-02-01T00:00:00", 0.025, "still maturing", "still maturing")])]}),
    Case("reasons_chart", lambda: leakage.reasons_chart(REASONS, top=2), {(): [
        ("bar", "y x color order", [
            ("lead", 50, "(still open)", 50), ("lead", 35, "Not reachable", 35),
            ("lead", 15, "other reasons", 15), ("mql", 20, "Not reachable", 20),
            ("mql", 23, "other reasons", 23)])]}, stacked=True),
    Case("velocity_chart", lambda: leakage.velocity_chart(VELOCITY), {(): [
        ("rule", "y x x2", [("lead → mql", 1.2, 1.9), ("mql → sql", 5.0, 7.5)]),
        ("point", "y x", [("lead → mql", 1.5), ("mql → sql", 6.0)])]}),
    Case("velocity_chart[by]", lambda: leakage.velocity_chart(VELOCITY_BY, by="source"), {(): [
        ("rule", "y yOffset color x x2", [("lead → mql", "Ads", "Ads", 0.8, 1.3),
                                          ("lead → mql", "Web", "Web", 1.5, 2.6),
                                          ("mql → sql", "Ads", "Ads", 4.0, 6.5)]),
        ("point", "y yOffset color x", [("lead → mql", "Ads", "Ads", 1.0),
                                        ("lead → mql", "Web", "Web", 2.0),
                                        ("mql → sql", "Ads", "Ads", 5.0)])]}),
    Case("rates_chart", lambda: leakage.rates_chart(CLOSED_LOOP, by="source"), {(): [
        ("rule", "y x x2", [("Web", 0.054, 0.116), ("Ads", 0.026, 0.061)]),
        ("point", "y x", [("Web", 0.08), ("Ads", 0.04)]),
        ("tick", "y x", [("Web", 0.077), ("Ads", 0.042)])]}),
    Case("cost_chart", lambda: leakage.cost_chart(CLOSED_LOOP, by="source"), {(): [
        ("bar", "y x", [("Ads", 400.0)])]}),
    Case("leak_chart", lambda: leakage.leak_chart(LEAKS, flag="stalled", by="owner"), {(): [
        ("bar", "y x", [("Ann", 0.2), ("Bob", 0.5)]),
        ("rule", "y x x2", [("Ann", 0.15, 0.26), ("Bob", 0.4, 0.6)])]}),
    # funnel/charts/profile.py
    Case("overlap_bars", lambda: profile.overlap_bars(BY_SOURCE, by="source", top=2,
                                                      overall=0.1), {(): [
        ("bar", "y x", [("Ads", 0.05), ("Web", 0.2)]),
        ("rule", "y x x2", [("Ads", 0.034, 0.073), ("Web", 0.159, 0.249)]),
        ("text", "y x text", [("Ads", 0.073, 500), ("Web", 0.249, 300)]),
        ("rule", "x", [(0.1,)])]}),
    Case("overlap_trend", lambda: profile.overlap_trend(BY_MONTH), {(): [
        ("area", "x y y2", [("2026-01", 0.074, 0.133), ("2026-02", 0.12, 0.186)]),
        ("line", "x y", [("2026-01", 0.1), ("2026-02", 0.15)])]}),
    Case("criteria_chart", lambda: profile.criteria_chart(CRITERIA), {(): [
        ("bar", "y x", [("Industry: Software", 700), ("Employees 50–1,000", 500)]),
        ("bar", "y x", [("Industry: Software", 90), ("Employees 50–1,000", 40)]),
        ("text", "y x text", [("Industry: Software", 90, 90),
                              ("Employees 50–1,000", 40, 40)])]}),
    Case("distribution_chart", lambda: profile.distribution_chart(DISTRIBUTION, title="Budget"),
         {(): [("bar", "y x color", [("yes", 0.3, "wanted"), ("no", 0.6, "not wanted"),
                                     ("(missing)", 0.1, "missing")]),
               ("tick", "y x", [("yes", 30 / 45), ("no", 12 / 45), ("(missing)", 3 / 45)])]}),
    Case("win_rates_chart", lambda: profile.win_rates_chart(OUTCOMES), {
        ("qualified (SQL+)",): [
            ("bar", "y x color", [(IN, 0.31, IN), (OUT, 0.131, OUT)]),
            ("rule", "y x x2", [(IN, 0.289, 0.332), (OUT, 0.127, 0.135)]),
            ("text", "y x text", [(IN, 0.332, 0.31), (OUT, 0.135, 0.131)])],
        ("won",): [
            ("bar", "y x color", [(IN, 0.117, IN), (OUT, 0.025, OUT)]),
            ("rule", "y x x2", [(IN, 0.103, 0.133), (OUT, 0.023, 0.026)]),
            ("text", "y x text", [(IN, 0.133, 0.117), (OUT, 0.026, 0.025)])]}),
    Case("learned_chart", lambda: profile.learned_chart(LEARNED, top=2), {(): [
        ("rule", "y x x2", [("Budget: yes", 4.2, 5.9), ("Industry: Software", 2.1, 4.3)]),
        ("circle", "y x", [("Budget: yes", 5.0), ("Industry: Software", 3.0)]),
        ("rule", "x", [(1,)])]}),
    # funnel/charts/response.py
    Case("response_histogram_chart",
         lambda: response.response_histogram_chart(HISTOGRAM, sla_hours=1), {(): [
             ("bar", "x y color", [("0m–1h", 50, "within SLA"), ("1h–1d", 30, "touched"),
                                   ("never", 20, "never touched")]),
             ("line", "x y", [("0m–1h", 0.5), ("1h–1d", 0.8)])]}),
    Case("still_waiting_chart", lambda: response.still_waiting_chart(STILL_WAITING, sla_hours=4),
         {(): [("area", "x y y2", [(0.0, 1.0, 1.0), (2.0, 0.5, 0.7), (10.0, 0.22, 0.4)]),
               ("line", "x y", [(0.0, 1.0), (2.0, 0.6), (10.0, 0.3)]),
               ("rule", "x", [(4,)])]}),
    Case("still_waiting_chart[by]",
         lambda: response.still_waiting_chart(STILL_WAITING_BY, by="source"), {(): [
             ("area", "x y y2 color", [(0.0, 1.0, 1.0, "Ads"), (5.0, 0.3, 0.5, "Ads"),
                                       (0.0, 1.0, 1.0, "Web"), (3.0, 0.55, 0.82, "Web")]),
             ("line", "x y color", [(0.0, 1.0, "Ads"), (5.0, 0.4, "Ads"), (0.0, 1.0, "Web"),
                                    (3.0, 0.7, "Web")])]}),
    Case("bucket_chart", lambda: response.bucket_chart(BUCKETS), {(): [
        ("bar", "x xOffset y color", [
            ("0-1h", "raw", 0.3, "raw"), ("1-4h", "raw", 0.2, "raw"),
            ("0-1h", "adjusted for mix", 0.28, "adjusted for mix"),
            ("1-4h", "adjusted for mix", 0.21, "adjusted for mix")]),
        ("rule", "x xOffset y y2", [
            ("0-1h", "raw", 0.22, 0.4), ("1-4h", "raw", 0.15, 0.26),
            ("0-1h", "adjusted for mix", 0.2, 0.38), ("1-4h", "adjusted for mix", 0.16, 0.27)]),
        ("text", "x y text", [("0-1h", 0.4, 100), ("1-4h", 0.26, 200)])]}),
    Case("smooth_rate_chart", lambda: response.smooth_rate_chart(RATE_BY_HOURS, sla_hours=4),
         {(): [("circle", "x y size", [(1 / 60, 0.4, 100), (2.0, 0.25, 100), (30.0, 0.1, 100)]),
               # the LOESS layer's input (its output is checked in its own test)
               ("line", "x y", [(1 / 60, 0.4), (2.0, 0.25), (30.0, 0.1)]),
               ("rule", "x", [(4,)])]}),
    Case("benchmark_chart", lambda: response.benchmark_chart(BENCHMARK), {(): [
        ("rule", "y x x2", [("HBR: 1 h vs later", 1.5, 1.7), ("HBR: 1 h vs 24 h", 6.7, 8.5)]),
        ("point", "y x color shape", [
            ("HBR: 1 h vs later", 7.0, "published", "published"),
            ("HBR: 1 h vs later", 1.6, "yours", "yours"),
            ("HBR: 1 h vs 24 h", 60.0, "published", "published"),
            ("HBR: 1 h vs 24 h", 7.5, "yours", "yours")]),
        ("rule", "x", [(1,)])]}),
    Case("arrival_heatmap_chart", lambda: response.arrival_heatmap_chart(HEATMAP), {(): [
        ("rect", "x y color", [(9, "Mon", 0.5), (10, "Mon", 1.5), (9, "Sat", 40.0)])]}),
    Case("arrival_heatmap_chart[sla]",
         lambda: response.arrival_heatmap_chart(HEATMAP, value="within_sla_share"), {(): [
             ("rect", "x y color", [(9, "Mon", 0.9), (10, "Mon", 0.6), (9, "Sat", 0.0)])]}),
    Case("sla_chart", lambda: response.sla_chart(SLA, by="owner", overall=0.6, top=2), {(): [
        ("bar", "y x", [("Ann", 0.8), ("Bob", 0.3)]),
        ("rule", "y x x2", [("Ann", 0.75, 0.84), ("Bob", 0.24, 0.37)]),
        ("text", "y x text", [("Ann", 0.84, 300), ("Bob", 0.37, 200)]),
        ("rule", "x", [(0.6,)])]}),
    Case("sla_chart[weekday]", lambda: response.sla_chart(SLA_WEEKDAY, by="weekday"), {(): [
        ("bar", "y x", [("Mon", 0.5), ("Sat", 0.1)]),
        ("rule", "y x x2", [("Mon", 0.44, 0.56), ("Sat", 0.04, 0.21)]),
        ("text", "y x text", [("Mon", 0.56, 300), ("Sat", 0.21, 50)])]}),
    Case("owner_chart", lambda: response.owner_chart(OWNERS), {(): [
        ("rule", "x y y2", [(0.05, 0.24, 0.34), (6.0, 0.11, 0.22)]),
        ("circle", "x y size", [(0.05, 0.29, 300), (6.0, 0.16, 200)]),
        ("text", "x y text", [(0.05, 0.29, "Ann"), (6.0, 0.16, "Bob")])]}),
    Case("owner_chart[won]", lambda: response.owner_chart(OWNERS, target="won"), {(): [
        ("rule", "x y y2", [(0.05, 0.03, 0.08), (6.0, 0.014, 0.064)]),
        ("circle", "x y size", [(0.05, 0.05, 300), (6.0, 0.031, 200)]),
        ("text", "x y text", [(0.05, 0.05, "Ann"), (6.0, 0.031, "Bob")])]}),
    # funnel/charts/verdict.py
    Case("quality_handling_chart", lambda: verdict.quality_handling_chart(QUALITY), {
        (IN,): [("bar", "y color x", [("fast", "fast", 0.2), ("slow or never", "slow or never",
                                                              0.1)]),
                ("rule", "y color x x2", [("fast", "fast", 0.13, 0.29),
                                          ("slow or never", "slow or never", 0.04, 0.21)]),
                ("text", "y color x text", [("fast", "fast", 0.2, 100),
                                            ("slow or never", "slow or never", 0.1, 50)])],
        (OUT,): [("bar", "y color x", [("fast", "fast", 0.03)]),
                 ("rule", "y color x x2", [("fast", "fast", 0.017, 0.052)]),
                 ("text", "y color x text", [("fast", "fast", 0.03, 400)])]}),
    Case("quality_handling_chart[qualified]",
         lambda: verdict.quality_handling_chart(QUALITY, target="qualified_rate"), {
        (IN,): [("bar", "y color x", [("fast", "fast", 0.5), ("slow or never", "slow or never",
                                                              0.3)]),
                ("rule", "y color x x2", []),  # no interval for the qualified rate
                ("text", "y color x text", [("fast", "fast", 0.5, 100),
                                            ("slow or never", "slow or never", 0.3, 50)])],
        (OUT,): [("bar", "y color x", [("fast", "fast", 0.15)]),
                 ("rule", "y color x x2", []),
                 ("text", "y color x text", [("fast", "fast", 0.15, 400)])]}),
    Case("decomposition_chart", lambda: verdict.decomposition_chart(DECOMPOSITION), {(): [
        ("bar", "y x", [("lead mix", 5.0), ("handling", 8.0), ("rest", 2.0)]),
        ("rule", "y x x2", [("lead mix", 2.0, 8.0), ("handling", 4.0, 12.0),
                            ("rest", -1.0, 5.0)]),
        ("rule", "x", [(0,)])]}),
    Case("score_chart", lambda: verdict.score_chart(DECILES), {(): [
        ("bar", "x y", [("0–50", 0.05), ("50–100", 0.25)]),
        ("rule", "x y y2", [("0–50", 0.017, 0.14), ("50–100", 0.14, 0.4)])]}),
]

IDS = [c.id for c in CASES]


def builders() -> set[str]:
    """Every public function in funnel/charts that returns a chart."""
    return {name for m in MODULES for name, f in inspect.getmembers(m, inspect.isfunction)
            if f.__module__ == m.__name__ and not name.startswith("_")
            and inspect.signature(f).return_annotation == "alt.Chart"}


# -- every builder ----------------------------------------------------------------------------


def test_every_public_chart_builder_has_a_case():
    assert builders() == {c.builder for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_builder_draws_the_panels_of_its_table(case):
    assert set(panels(case.build())) == set(case.panels)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_builder_draws_the_values_of_its_table(case):
    got = panels(case.build())
    for panel, layers in case.panels.items():
        drawn = got[panel]
        assert [layer.mark for layer in drawn] == [mark for mark, _, _ in layers], panel
        for i, (layer, (_, channels, rows)) in enumerate(zip(drawn, layers, strict=True)):
            where = f"panel {panel}, layer {i} ({layer.mark})"
            assert layer.channels() == set(channels.split()), where
            want = Counter(tuple(norm(v) for v in row) for row in rows)
            assert layer.values(channels.split()) == want, where


@pytest.mark.parametrize("case", [c for c in CASES if not c.stacked],
                         ids=[c.id for c in CASES if not c.stacked])
def test_builder_stacks_no_bar_on_another(case):
    for panel, layers in panels(case.build()).items():
        for layer in layers:
            if (stacked := stacks(layer)) is not None:
                piled = {k: len(rows) for k, rows in stacked[1].items() if len(rows) > 1}
                assert not piled, f"panel {panel}: {layer.mark} stacks {piled}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_builder_renders_to_png(case):
    png = vl_convert.vegalite_to_png(case.build().to_json())
    assert png.startswith(b"\x89PNG") and len(png) > 1000


# -- the evaluator itself -------------------------------------------------------------------------


def test_panels_reads_a_layer_own_data_inside_a_facet_unsplit():
    rows = [{"m": "a", "v": 1}, {"m": "b", "v": 2}]
    own = alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="v:Q")
    chart = alt.layer(own).facet(column="m:N", data=alt.Data(values=rows))
    layers = panels(chart)
    assert [len(layers[(m,)][0].rows) for m in ("a", "b")] == [2, 2]


def test_stacks_groups_like_the_vega_lite_compiler():
    vega = vl_convert.vegalite_to_vega(response.bucket_chart(BUCKETS).to_json())
    groupby = [t["groupby"] for d in vega["data"] for t in d.get("transform", [])
               if t["type"] == "stack"]
    bars = panels(response.bucket_chart(BUCKETS))[()][0]
    assert groupby == [["bucket", "curve"]]
    assert set(stacks(bars)[1]) == {(b, c) for b in ("0-1h", "1-4h")
                                    for c in ("raw", "adjusted for mix")}


# -- builder by builder --------------------------------------------------------------------------


def test_win_rates_chart_won_panel_shows_only_win_rates():
    bars = panels(profile.win_rates_chart(OUTCOMES))[("won",)][0]
    assert bars.values(["y", "x"]) == Counter({(IN, 0.117): 1, (OUT, 0.025): 1})


def test_win_rates_chart_qualified_panel_shows_only_qualified_rates():
    bars = panels(profile.win_rates_chart(OUTCOMES))[("qualified (SQL+)",)][0]
    assert bars.values(["y", "x"]) == Counter({(IN, 0.31): 1, (OUT, 0.131): 1})


def test_win_rates_chart_no_bar_reaches_past_one():
    full = OUTCOMES.with_columns(pl.lit(0.9).alias("win_rate"), pl.lit(0.95).alias("ci_high"),
                                 pl.lit(0.8).alias("qualified_rate"))
    ends = [end for layers in panels(profile.win_rates_chart(full)).values()
            for end in stack_ends(layers[0]).values()]
    assert len(ends) == 4 and max(ends) <= 1


def test_win_rates_chart_gives_its_data_once_at_the_top():
    spec = profile.win_rates_chart(OUTCOMES).to_dict()
    assert "data" not in spec["spec"] and all("data" not in s for s in spec["spec"]["layer"])


def test_win_rates_chart_without_stages_has_only_the_won_panel():
    no_stages = OUTCOMES.with_columns(pl.lit(None, pl.Float64).alias("qualified_rate"))
    assert set(panels(profile.win_rates_chart(no_stages))) == {("won",)}


def test_reasons_chart_stacks_each_stage_to_its_stopped_leads():
    bars = panels(leakage.reasons_chart(REASONS, top=2))[()][0]
    assert stack_ends(bars) == {("lead",): 100, ("mql",): 43}


def test_smooth_rate_chart_smooths_the_rate_over_hours():
    line = panels(response.smooth_rate_chart(RATE_BY_HOURS))[()][1]
    assert line.transform == [{"loess": "rate_", "on": "hours", "bandwidth": 0.5}]


def test_quality_handling_chart_gives_its_data_once_at_the_top():
    spec = verdict.quality_handling_chart(QUALITY).to_dict()
    assert "data" not in spec["spec"] and all("data" not in s for s in spec["spec"]["layer"])


def _shorthand_encodings(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "encode":
            for kw in node.keywords:
                values = kw.value.elts if isinstance(kw.value, ast.List) else [kw.value]
                out += [f"{path.name}:{v.lineno} {kw.arg}={ast.unparse(v)}" for v in values
                        if isinstance(v, ast.JoinedStr)  # an f-string is a string too
                        or isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return out


def test_chart_builders_encode_with_channel_classes():
    """``encode(x="a:Q")`` makes Altair rebuild its table of schema classes for each
    string (≈ 4 ms each, tens per page run); ``alt.X("a:Q")`` gives the same spec free."""
    charts = Path(funnel.charts.__file__).parent
    assert [s for p in sorted(charts.glob("*.py")) for s in _shorthand_encodings(p)] == []


def test_reasons_chart_gives_no_two_named_reasons_one_colour():
    many = pl.DataFrame({
        "stage": ["lead"] * 14, "reason": [f"reason {i:02d}" for i in range(14)],
        "leads": list(range(14, 0, -1)), "stopped": [105] * 14,
    }).with_columns((pl.col("leads") / pl.col("stopped")).alias("share"))
    scale = leakage.reasons_chart(many).to_dict()["encoding"]["color"]["scale"]
    named = [c for r, c in zip(scale["domain"], scale["range"], strict=True)
             if r != "other reasons"]
    assert len(named) == len(set(named)) == 12


def test_funnel_by_chart_gives_each_of_twelve_groups_its_own_colour():
    groups = [f"g{i:02d}" for i in range(11)] + ["(other) 3 groups"]
    long = pl.DataFrame({
        "group": groups, "stage": ["won"] * 12, "count": [1] * 12, "leads": [10] * 12,
        "rate_from_first": [0.1] * 12, "first_ci_low": [0.0] * 12, "first_ci_high": [0.4] * 12})
    spec = leakage.funnel_by_chart(long, by="source").to_dict()
    layer = spec["spec"]["layer"][0]
    assert layer["encoding"]["color"]["sort"] == groups
    assert len(set(layer["encoding"]["color"]["scale"]["range"])) == len(groups)
