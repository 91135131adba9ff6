"""Unit tests of funnel.velocity: censored step times, checked against lifelines."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from lifelines import KaplanMeierFitter

from funnel.analyses.velocity import (
    CYCLE,
    dated_stages,
    sales_cycle,
    step_durations,
    velocity_table,
)
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Dataset, Health

T0 = dt.datetime(2025, 1, 1)
NOW = T0 + dt.timedelta(days=100)


def _d(n: float | None) -> dt.datetime | None:
    return None if n is None else T0 + dt.timedelta(days=n)


def _ds(leads: pl.DataFrame) -> Dataset:
    health = Health([], pl.DataFrame(schema={"file": pl.String, "row": pl.Int64,
                                             "reason": pl.String}), [], [])
    return Dataset(leads, None, None, None, [], Mapping(), health, "t")


# mql dates; a won, b lost at mql, c open at mql (censored), d never mql (open)
LEADS = pl.DataFrame({
    "lead_id": ["a", "b", "c", "d"],
    "created_at": [_d(0), _d(0), _d(50), _d(90)],
    "mql_at": [_d(2), _d(4), _d(60), None],
    "opportunity_at": [_d(5), None, None, None],
    "outcome": ["won", "lost", "open", "open"],
    "closed_at": [_d(20), _d(8), None, None],
    "owner": ["x", "x", "y", "y"],
})


def test_dated_stages_skips_stages_without_dates():
    assert dated_stages(LEADS) == ["lead", "mql", "opportunity", "won"]


def test_step_durations_censor_open_and_leave_out_lost():
    steps = step_durations(LEADS, now=NOW).collect()
    mql_opp = steps.filter(pl.col("step") == "mql → opportunity")
    assert mql_opp.select("days", "event", "status").rows() == [
        (3.0, True, "moved"), (None, False, "lost"), (40.0, False, "open")]
    lead_mql = steps.filter(pl.col("step") == "lead → mql")
    assert lead_mql["days"].to_list() == [2.0, 4.0, 10.0, 10.0]
    assert lead_mql["event"].to_list() == [True, True, True, False]


def test_step_durations_negative_duration_is_bad_dates():
    leads = LEADS.with_columns(pl.when(pl.col("lead_id") == "a").then(_d(-1))
                               .otherwise(pl.col("mql_at")).alias("mql_at"))
    steps = step_durations(leads, now=NOW).collect()
    row = steps.filter(pl.col("step") == "lead → mql").row(0, named=True)
    assert row["status"] == "bad_dates" and row["days"] is None


def test_velocity_table_counts_every_lead_that_entered():
    t = velocity_table(LEADS, now=NOW)
    assert t.select("step", "entered", "moved", "open", "lost").rows() == [
        ("lead → mql", 4, 3, 1, 0), ("mql → opportunity", 3, 1, 1, 1),
        ("opportunity → won", 1, 1, 0, 0)]


def test_velocity_table_by_owner():
    t = velocity_table(LEADS, now=NOW, by="owner").filter(pl.col("step") == "lead → mql")
    assert t.select("owner", "entered", "median_days").rows() == [
        ("x", 2, 2.0), ("y", 2, 10.0)]


def _random_leads(n: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        created = rnd.uniform(0, 300)
        wait = rnd.expovariate(1 / 20)
        if created + wait < 365 and rnd.random() < 0.7:
            mql = _d(created + wait)
            outcome = rnd.choice(["open", "lost", "won"])
        else:
            mql, outcome = None, rnd.choice(["open", "open", "lost"])
        rows.append({"lead_id": str(i), "created_at": _d(created), "mql_at": mql,
                     "outcome": outcome, "closed_at": None})
    return pl.DataFrame(rows, schema_overrides={"closed_at": pl.Datetime("us")})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_velocity_median_matches_lifelines(seed):
    leads = _random_leads(400, seed)
    now = _d(365)
    ours = velocity_table(leads, now=now).filter(pl.col("step") == "lead → mql").row(
        0, named=True)
    steps = step_durations(leads, now=now).filter(
        (pl.col("step") == "lead → mql") & pl.col("days").is_not_null()).collect()
    km = KaplanMeierFitter().fit(steps["days"].to_numpy(), steps["event"].to_numpy())
    assert ours["median_days"] == pytest.approx(km.median_survival_time_)
    assert ours["moved"] + ours["open"] == km.event_observed.size


def test_sales_cycle_uses_opportunities_and_censors_open():
    leads = pl.DataFrame({
        "lead_id": ["a", "b", "c", "d"],
        "created_at": [_d(0)] * 4,
        "opportunity_at": [_d(1), _d(1), _d(1), None],
        "outcome": ["won", "won", "open", "lost"],
        "closed_at": [_d(10), _d(30), None, _d(2)],
    })
    c = sales_cycle(_ds(leads), now=_d(20))
    row = c.row(0, named=True)
    assert (row["entered"], row["moved"], row["open"], row["lost"]) == (3, 2, 1, 0)
    assert row["population"] == "leads that became opportunities"
    km = KaplanMeierFitter().fit([10.0, 30.0, 20.0], [True, True, False])
    assert row["median_days"] == pytest.approx(km.median_survival_time_)


@pytest.mark.parametrize("leads", [LEADS.head(0), LEADS.with_columns(
    pl.lit(None, dtype=pl.Datetime("us")).alias("created_at"))], ids=["no leads", "undated"])
def test_sales_cycle_of_no_dated_lead_says_so(leads):
    with pytest.raises(ValueError, match="no lead in this view has a creation date"):
        sales_cycle(_ds(leads), now=NOW)


def test_velocity_cycle_step_is_optional():
    t = velocity_table(LEADS, now=NOW, cycle=True)
    assert CYCLE in t["step"].to_list()
    assert CYCLE not in velocity_table(LEADS, now=NOW)["step"].to_list()
