"""Routing: time to assign, reassignments, unassigned leads, owner scorecard, persistence."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from funnel.analyses.speed.routing import (
    assignment_times,
    owner_scorecard,
    persistence,
    reassignments,
    unassigned_summary,
)
from funnel.dataset.tables import Dataset
from funnel.sample.export import load_sample

T0 = dt.datetime(2024, 1, 8, 10)


def _h(x: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=x)


def _ds(leads: pl.DataFrame, acts: pl.DataFrame | None = None) -> Dataset:
    return Dataset(leads, None, acts, None, [], None, None)


def test_assignment_times_median_per_owner():
    leads = pl.DataFrame({"lead_id": ["a", "b", "c", "d"], "created_at": [T0] * 4,
                          "owner": ["x", "x", "y", None],
                          "assigned_at": [_h(1), _h(3), _h(-1), None]})
    t = assignment_times(leads)
    x = t.filter(pl.col("owner") == "x").row(0, named=True)
    assert (x["leads"], x["median_hours"], x["over_1h"]) == (2, 2.0, 2)
    assert t.filter(pl.col("owner") == "y")["median_hours"][0] == 0.0  # before creation -> 0


def test_assignment_times_needs_assigned_at():
    with pytest.raises(ValueError, match="assigned_at"):
        assignment_times(pl.DataFrame({"lead_id": ["a"], "created_at": [T0], "owner": ["x"]}))


def test_reassignments_counts_owner_changes_in_time_order():
    leads = pl.DataFrame({"lead_id": ["a", "b", "c"], "owner": ["x", "x", "y"]})
    acts = pl.DataFrame({
        "lead_id": ["a", "a", "a", "b", "b", "c"],
        "at": [_h(3), _h(1), _h(2), _h(1), _h(2), _h(1)],
        "owner": ["x", "y", "x", "x", None, "y"],   # a in time order: y, x, x -> 1 change
    })
    t = reassignments(_ds(leads, acts))
    x = t.filter(pl.col("owner") == "x").row(0, named=True)
    assert (x["worked"], x["reassigned"], x["owner_changes"], x["first_by_other"]) == (2, 1, 1, 1)
    assert x["first_by_other_share"] == 0.5


def test_unassigned_summary_counts_and_touched():
    leads = pl.DataFrame({"lead_id": ["a", "b", "c", "d"], "created_at": [T0] * 4,
                          "owner": [None, None, "x", "x"],
                          "first_response_at": [_h(1), None, _h(1), _h(2)]})
    s = unassigned_summary(leads)
    assert (s["unassigned"], s["unassigned_share"], s["touched"]) == (2, 0.5, 1)
    assert s["ci_low"] < 0.5 < s["ci_high"]


def test_owner_scorecard_standardises_to_source_mix():
    # owner x: 3 leads of good source (2 won), 1 of poor (0); owner y: 1 good (1), 3 poor (0)
    leads = pl.DataFrame({
        "lead_id": [str(i) for i in range(8)], "created_at": [T0] * 8,
        "first_response_at": [_h(0.5)] * 8,
        "owner": ["x"] * 4 + ["y"] * 4,
        "source": ["good"] * 3 + ["poor"] + ["good"] + ["poor"] * 3,
        "outcome": ["won", "won", "lost", "lost", "won", "lost", "lost", "lost"],
    })
    t = {r["owner"]: r for r in owner_scorecard(leads, sla_hours=1).to_dicts()}
    # overall mix: 4 good, 4 poor -> weights 1/2
    assert t["x"]["rate"] == pytest.approx(0.5)
    assert t["x"]["won_adj"] == pytest.approx(0.5 * 2 / 3 + 0.5 * 0)
    assert t["y"]["won_adj"] == pytest.approx(0.5 * 1 + 0.5 * 0)
    assert t["x"]["qualified_adj"] is None  # no stage information
    assert t["x"]["load_share"] == 0.5 and t["x"]["within_sla_share"] == 1.0


def test_persistence_touches_before_contact_and_give_up():
    end = _h(24 * 60)
    leads = pl.DataFrame({
        "lead_id": ["a", "b", "c", "d"], "owner": ["x"] * 4,
        "sal_at": [_h(5), None, None, None],
    }, schema_overrides={"sal_at": pl.Datetime("us")})
    acts = pl.DataFrame({
        "lead_id": ["a", "a", "a", "b", "c", "c", "d"],
        "at": [_h(1), _h(4), _h(9), _h(1), _h(1), _h(2), end],
    })
    t = persistence(_ds(leads, acts)).filter(pl.col("owner") == "x").row(0, named=True)
    assert t["touched"] == 4 and t["contacted"] == 1
    assert t["touches_to_contact"] == 2.0          # two touches up to sal_at
    assert t["given_up"] == 2                      # d was touched at the export's end
    assert (t["abandoned_1"], t["abandoned_2"]) == (0.5, 1.0)
    assert t["single_touch_share"] == 0.5


def test_persistence_sample_marcus_gives_up_after_one_attempt():
    t = persistence(load_sample())
    marcus = t.filter(pl.col("owner") == "Marcus Reed")["single_touch_share"][0]
    others = t.filter(~pl.col("owner").is_in(["Marcus Reed", "All", "(none)"]))
    assert marcus == pytest.approx(0.56, abs=0.02)
    assert others["single_touch_share"].max() < 0.25
