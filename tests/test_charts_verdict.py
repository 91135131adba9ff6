"""Diagnosis charts, checked on their Vega-Lite specs."""

from __future__ import annotations

import polars as pl

from funnel.analyses.verdict import Decomposition, quality_handling
from funnel.charts.verdict import decomposition_chart, quality_handling_chart, score_chart


def _values(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def test_quality_handling_chart_ships_only_cell_aggregates():
    t = pl.DataFrame({"fit": ["in profile", "out of profile"], "speed": ["fast", "slow or never"],
                      "won": [True, False], "qualified": [True, False]})
    spec = quality_handling_chart(quality_handling(t)).to_dict()
    rows = _values(spec)
    assert len(rows) == 2 and set(rows[0]) >= {"fit", "speed", "leads", "value", "lo", "hi"}


def test_quality_handling_chart_can_show_qualified_rate():
    t = pl.DataFrame({"fit": ["in profile"], "speed": ["fast"], "won": [False],
                      "qualified": [True]})
    spec = quality_handling_chart(quality_handling(t), target="qualified_rate").to_dict()
    assert _values(spec)[0]["value"] == 1.0
    assert spec["spec"]["layer"][0]["encoding"]["x"]["title"] == "qualified rate"


def test_decomposition_chart_in_points_with_gap_in_title():
    parts = pl.DataFrame({"part": ["mix", "handling", "rest"], "value": [0.01, 0.02, 0.03],
                          "ci_low": [0.0, 0.01, 0.02], "ci_high": [0.02, 0.03, 0.04],
                          "share_of_gap": [1 / 6, 2 / 6, 3 / 6]})
    spec = decomposition_chart(Decomposition("A", "B", 0.2, 0.14, 100, 100, 0.06, parts)).to_dict()
    layer = spec["layer"][0]
    assert [round(r["value"], 6) for r in _values(layer)] == [1.0, 2.0, 3.0]
    assert "6.0-point gap (A vs B)" in layer["encoding"]["x"]["title"]


def test_score_chart_orders_bands_from_low_scores():
    t = pl.DataFrame({"band": [0, 1], "from": [0.0, 50.0], "to": [49.0, 100.0],
                      "leads": [10, 10], "won": [1, 3], "rate": [0.1, 0.3],
                      "ci_low": [0.01, 0.1], "ci_high": [0.4, 0.6]})
    spec = score_chart(t).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["0–49", "50–100"]
