"""Business-hours clock: weekends, holidays, partial days, time zones and DST."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from funnel.analyses.speed.clock import (
    BusinessClock,
    business_hours_between,
    holidays_from,
    hours_between,
)
from funnel.sample.calendar import add_business_hours

D = dt.datetime
CLOCK = BusinessClock(start_hour=9, end_hour=17)  # Mon–Fri 09:00–17:00


def _bh(a, b, clock=CLOCK, dtype=None):
    df = pl.DataFrame({"a": [a], "b": [b]}, schema={"a": dtype or pl.Datetime("us"),
                                                    "b": dtype or pl.Datetime("us")})
    return df.select(business_hours_between("a", "b", clock=clock, schema=df.schema)).item()


@pytest.mark.parametrize(("a", "b", "hours"), [
    (D(2024, 1, 8, 10), D(2024, 1, 8, 12), 2.0),          # same working day
    (D(2024, 1, 8, 7), D(2024, 1, 8, 20), 8.0),           # before opening to after closing
    (D(2024, 1, 5, 16), D(2024, 1, 8, 10), 2.0),          # Friday 16:00 -> Monday 10:00
    (D(2024, 1, 6, 10), D(2024, 1, 7, 18), 0.0),          # weekend only
    (D(2024, 1, 6, 10), D(2024, 1, 8, 9, 30), 0.5),       # Saturday -> Monday 09:30
    (D(2024, 1, 8, 12), D(2024, 1, 15, 12), 40.0),        # one week later
    (D(2024, 1, 8, 18), D(2024, 1, 9, 8), 0.0),           # overnight
    (D(2024, 1, 8, 12), D(2024, 1, 8, 11), -1.0),         # reversed
    (D(2024, 1, 8, 12, 0, 30), D(2024, 1, 8, 12, 1, 0), 30 / 3600),  # seconds count
])
def test_business_hours_between_case_table(a, b, hours):
    assert _bh(a, b) == pytest.approx(hours)


def test_business_hours_between_skips_holidays():
    clock = BusinessClock(start_hour=9, end_hour=17,
                          holidays=holidays_from(["2024-12-25", "2024-12-26"]))
    assert _bh(D(2024, 12, 24, 16), D(2024, 12, 27, 10), clock) == pytest.approx(2.0)


def test_business_hours_between_custom_weekdays():
    clock = BusinessClock(start_hour=9, end_hour=17, weekdays=(0, 1, 2, 3, 4, 5))
    assert _bh(D(2024, 1, 5, 16), D(2024, 1, 8, 10), clock) == pytest.approx(10.0)


def test_business_hours_between_null_in_null_out():
    assert _bh(D(2024, 1, 8, 10), None) is None


def test_business_hours_between_converts_utc_to_team_zone():
    # 07:00 UTC = 08:00 Berlin (winter) -> before opening; 10:00 UTC = 11:00 Berlin
    clock = BusinessClock(start_hour=9, end_hour=17, timezone="Europe/Berlin",
                          data_timezone="UTC")
    assert _bh(D(2024, 1, 8, 7), D(2024, 1, 8, 10), clock) == pytest.approx(2.0)


def test_business_hours_between_aware_columns_converted():
    clock = BusinessClock(start_hour=9, end_hour=17, timezone="America/New_York")
    # 13:00 UTC = 08:00 New York (EST) -> counting starts at 09:00 local
    got = _bh(D(2024, 1, 8, 13), D(2024, 1, 8, 16), clock,
              dtype=pl.Datetime("us", "UTC"))
    assert got == pytest.approx(2.0)


def test_business_hours_between_dst_change_keeps_working_day_length():
    # Europe/Berlin springs forward on Sunday 2024-03-31: Friday 16:00 UTC (17:00 CET)
    # to Monday 08:00 UTC (10:00 CEST) is 1 business hour on the local clock
    clock = BusinessClock(start_hour=9, end_hour=17, timezone="Europe/Berlin",
                          data_timezone="UTC")
    assert _bh(D(2024, 3, 29, 15), D(2024, 4, 1, 8), clock) == pytest.approx(1.0 + 1.0)


def test_hours_between_wall_clock_is_plain_difference():
    df = pl.DataFrame({"a": [D(2024, 1, 5, 17)], "b": [D(2024, 1, 8, 9, 30)]})
    assert df.select(hours_between("a", "b")).item() == pytest.approx(64.5)


@pytest.mark.parametrize("kwargs", [
    {"start_hour": 18, "end_hour": 9}, {"start_hour": -1}, {"end_hour": 25}, {"weekdays": ()},
    {"weekdays": (7,)}, {"timezone": "Nowhere/Atlantis"}, {"data_timezone": "utc+2"},
])
def test_business_clock_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        BusinessClock(**kwargs)


def test_business_clock_matches_sample_generator():
    """The sample's reps work Mon–Fri 08:00–18:00: a lead arriving on Saturday and first
    touched on Monday morning waits less than one business hour more than the delay."""
    start = np.array([(D(2025, 11, 8, 11) - D(1970, 1, 1)).total_seconds() / 3600])  # Saturday
    end = add_business_hours(start, np.array([3.5]), np.array([], dtype="datetime64[D]"))[0]
    end_dt = D(1970, 1, 1) + dt.timedelta(hours=float(end))
    assert _bh(D(2025, 11, 8, 11), end_dt, BusinessClock()) == pytest.approx(3.5)
