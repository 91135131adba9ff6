"""Forecast dates are not events (issue 16): open opportunities' close dates never set the
export's end nor feed velocity or the findings; a degenerate interval is never shown."""

from __future__ import annotations

import datetime as dt

import polars as pl
from worlds import stated_profile
from worlds.build import END, dataset_of, world_frames

from funnel.analyses.velocity import not_degenerate, sales_cycle
from funnel.dataset.tables import export_end
from funnel.findings.registry import diagnose_places

FORECAST = dt.datetime(2031, 12, 31)


def _with_forecasts():
    frames = world_frames("null", n=4_000, seed=3)
    frames["deals"] = frames["deals"].with_columns(
        pl.when(pl.col("outcome") == "open").then(pl.lit(FORECAST))
        .otherwise(pl.col("closed_at")).alias("closed_at"))
    return dataset_of(frames)


def test_export_end_ignores_open_deals_forecast_close_dates():
    assert export_end(_with_forecasts()) <= END


def test_sales_cycle_is_not_stretched_by_forecast_dates():
    cycle = sales_cycle(_with_forecasts())
    assert cycle["median_days"].max() < 365


def test_findings_are_the_same_with_or_without_forecast_dates():
    plain = diagnose_places(dataset_of(world_frames("null", n=4_000, seed=3)),
                            profile=stated_profile("null"))
    forecast = diagnose_places(_with_forecasts(), profile=stated_profile("null"))
    assert [(f.place, f.status, f.headline) for f in plain] == \
        [(f.place, f.status, f.headline) for f in forecast]


def test_not_degenerate_blanks_an_interval_of_no_width():
    t = not_degenerate(pl.DataFrame({"ci_low": [5.0, 1.0], "ci_high": [5.0, 2.0]}))
    assert t.rows() == [(None, None), (1.0, 2.0)]
