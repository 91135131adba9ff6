"""Speed to lead: buckets at their exact bounds, censoring, SLA, standardisation, contract."""

from __future__ import annotations

import bisect
import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.curve import ResponseCurve
from funnel.analyses.speed.sla import benchmark_comparison, sla_compliance, sla_loss_estimate
from funnel.analyses.speed.summary import response_summary
from funnel.analyses.speed.times import BUCKETS, has_stage_info, prepare_response, response_times
from funnel.analyses.speed.views import (
    arrival_heatmap,
    bucket_table,
    rate_by_hours,
    response_percentiles,
    still_waiting,
)
from funnel.dataset.tables import Dataset, export_end
from funnel.outputs.contract import within_sla_share
from funnel.sample.export import load_sample
from funnel.stats.intervals import wilson

T0 = dt.datetime(2024, 1, 8, 10)  # a Monday


def _leads(hours: list[float | None], **cols) -> pl.DataFrame:
    """One lead per entry: first touched ``hours`` after T0 (None = never)."""
    n = len(hours)
    return pl.DataFrame({
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": [T0] * n,
        "first_response_at": [None if h is None else T0 + dt.timedelta(hours=h) for h in hours],
        **cols,
    }, schema_overrides={"first_response_at": pl.Datetime("us"), "created_at": pl.Datetime("us")})


@pytest.mark.parametrize(("hours", "bucket"), [
    (0.0, "0-1h"), (0.999, "0-1h"), (1.0, "1-4h"), (3.99, "1-4h"), (4.0, "4-24h"),
    (23.999, "4-24h"), (24.0, "1-3d"), (71.99, "1-3d"), (72.0, "3d+"), (1000.0, "3d+"),
    (None, "never"), (-2.0, "0-1h"),
])
def test_response_times_bucket_at_exact_bounds(hours, bucket):
    leads = _leads([hours, 2000.0])  # a late touch keeps the export's end after every touch
    assert response_times(leads)["bucket"][0] == bucket


def test_response_times_never_touched_censored_at_export_end():
    leads = _leads([2.0, None])
    t = response_times(leads, now=T0 + dt.timedelta(hours=50))
    assert t["touched"].to_list() == [True, False]
    assert t["wait_hours"].to_list() == [2.0, 50.0]
    assert t["response_hours"][1] is None


def test_response_times_touch_after_now_is_not_yet_touched():
    t = response_times(_leads([5.0]), now=T0 + dt.timedelta(hours=3))
    assert t.row(0, named=True) == {"lead_id": "L0", "touched": False, "response_hours": None,
                                    "wait_hours": 3.0, "bucket": "never"}


def test_export_end_is_latest_timestamp_of_leads_and_activities():
    leads = _leads([1.0])
    acts = pl.DataFrame({"lead_id": ["L0"], "at": [T0 + dt.timedelta(days=3)]})
    ds = Dataset(leads, None, acts, None, [], None, None)
    assert export_end(ds) == T0 + dt.timedelta(days=3)
    assert export_end(ds, now=T0) == T0


def test_bucket_table_counts_equal_hand_count():
    hours = [0.5, 0.5, 1.0, 3.0, 4.0, 30.0, 80.0, None, None]
    won = ["won", "lost", "won", None, "open", "won", "lost", "lost", "open"]
    sql = [T0, None, T0, None, None, None, None, None, None]
    t = bucket_table(_leads(hours, outcome=won, sql_at=sql))
    lo, hi = wilson(1, 2)
    expected = pl.DataFrame({
        "bucket": list(BUCKETS),
        "leads": [2, 2, 1, 1, 1, 2],
        "won": [1, 1, 0, 1, 0, 0],
        "qualified": [1, 1, 0, 1, 0, 0],  # a won lead reached sql too
    })
    assert_frame_equal(t.select("bucket", "leads", "won", "qualified"), expected,
                       check_dtypes=False)
    row = t.row(0, named=True)
    assert (row["rate"], row["ci_low"], row["ci_high"]) == (0.5, lo, hi)
    assert row["qualified_rate"] == 0.5


def test_bucket_table_qualified_null_without_stage_info():
    t = bucket_table(_leads([0.5, None], outcome=["won", "lost"]))
    assert t["qualified"].null_count() == t.height
    assert t["won"].to_list() == [1, 0, 0, 0, 0, 0]


def test_bucket_table_won_null_without_outcomes():
    t = bucket_table(_leads([0.5, None]))
    assert t["won"].null_count() == t.height and t["rate"].null_count() == t.height


def test_bucket_table_stage_column_counts_as_qualified():
    leads = _leads([0.5, 0.5], stage=["opportunity", "mql"])
    assert has_stage_info(leads)
    assert bucket_table(leads)["qualified"][0] == 1


@pytest.mark.parametrize(("sla", "within"), [(1.0, 2), (1.0001, 3), (0.5, 1), (100.0, 4)])
def test_sla_compliance_upper_bound_exclusive_and_never_is_a_miss(sla, within):
    leads = _leads([0.0, 0.75, 1.0, 50.0, None])
    t = sla_compliance(leads, sla_hours=sla)
    assert t["within_sla"][0] == within
    assert t["within_sla_share"][0] == within / 5
    assert t["within_sla_share"][0] == pytest.approx(within_sla_share(leads, sla_hours=sla))


def test_sla_compliance_by_owner_and_weekday():
    leads = _leads([0.5, 5.0, None], owner=["a", "a", None])
    t = sla_compliance(leads, sla_hours=1, by="owner")
    assert t.select("owner", "leads", "within_sla").rows() == [("a", 2, 1), ("(none)", 1, 0)]
    w = sla_compliance(leads, sla_hours=1, by="weekday")
    assert w["weekday"].cast(pl.String).to_list() == ["Mon"]


def test_sla_compliance_rejects_non_positive_sla():
    with pytest.raises(ValueError, match="positive"):
        sla_compliance(_leads([1.0]), sla_hours=0)


def test_sla_compliance_business_hours():
    fri = dt.datetime(2024, 1, 5, 18, 30)  # after closing
    leads = pl.DataFrame({"lead_id": ["a"], "created_at": [fri],
                          "first_response_at": [dt.datetime(2024, 1, 8, 8, 45)]})
    assert sla_compliance(leads, sla_hours=1)["within_sla"][0] == 0  # 62 wall-clock hours
    clock = BusinessClock(start_hour=8, end_hour=18)
    assert sla_compliance(leads, sla_hours=1, clock=clock)["within_sla"][0] == 1  # 0.75 h


def test_response_percentiles_median_matches_lifelines_with_censoring():
    lifelines = pytest.importorskip("lifelines")
    hours = [0.5, 1.5, 2.0, None, 3.0, None, 8.0, 0.2, None, 12.0, 30.0]
    leads = _leads(hours)
    now = T0 + dt.timedelta(hours=20)
    t = response_times(leads, now=now)
    kmf = lifelines.KaplanMeierFitter().fit(t["wait_hours"].to_numpy(),
                                             t["touched"].to_numpy())
    got = response_percentiles(leads, now=now)
    assert got["p50"][0] == pytest.approx(kmf.median_survival_time_)
    assert got["leads"][0] == len(hours) and got["touched"][0] == 7  # 30 h is after `now`


def test_still_waiting_matches_lifelines_curve():
    lifelines = pytest.importorskip("lifelines")
    hours = [0.5, 1.5, 2.0, None, 3.0, None, 8.0, 0.2, None, 12.0]
    leads = _leads(hours)
    now = T0 + dt.timedelta(hours=20)
    t = response_times(leads, now=now)
    kmf = lifelines.KaplanMeierFitter().fit(t["wait_hours"].to_numpy(),
                                             t["touched"].to_numpy())
    curve = still_waiting(leads, now=now, max_hours=24, points=48)
    expected = kmf.survival_function_at_times(curve["hours"].to_numpy()).to_numpy()
    assert curve["still_waiting"].to_numpy() == pytest.approx(expected)


def test_still_waiting_by_group_has_one_curve_each():
    leads = _leads([0.5, 2.0, None, 1.0], owner=["a", "a", "b", "b"])
    c = still_waiting(leads, by="owner", max_hours=10, points=10)
    assert sorted(c["owner"].unique().to_list()) == ["a", "b"]
    assert c.filter(pl.col("hours") == 0)["still_waiting"].to_list() == [1.0, 1.0]


def test_arrival_heatmap_cells_and_sla_share():
    leads = _leads([0.5, 5.0, None])
    h = arrival_heatmap(leads, sla_hours=1)
    assert h.select("hour", "leads", "within_sla").row(0) == (10, 3, 1)
    assert h["weekday"].cast(pl.String)[0] == "Mon"


def test_response_curve_standardisation_equals_hand_computation():
    # source a: 0-1h 4 leads (3 qualified), 4-24h 1 lead (0); source b: 0-1h 1 (0), 4-24h 4 (1)
    hours = [0.5] * 4 + [5.0] + [0.5] + [5.0] * 4
    src = ["a"] * 5 + ["b"] * 5
    sql = [T0] * 3 + [None] * 2 + [None] + [T0] + [None] * 3
    rc = ResponseCurve(target="qualified", strata=["source"], slow=["4-24h"]).fit(
        _leads(hours, source=src, sql_at=sql))
    row = {r["bucket"]: r for r in rc.table_.to_dicts()}
    # standard population: 5 leads of a, 5 of b -> weights 1/2, 1/2
    assert row["0-1h"]["rate"] == pytest.approx(3 / 5)
    assert row["0-1h"]["adjusted_rate"] == pytest.approx(0.5 * 3 / 4 + 0.5 * 0 / 1)
    assert row["4-24h"]["adjusted_rate"] == pytest.approx(0.5 * 0 / 1 + 0.5 * 1 / 4)
    assert rc.ratio_raw_[0] == pytest.approx((3 / 5) / (1 / 5))
    assert rc.ratio_adjusted_[0] == pytest.approx(0.375 / 0.125)


def test_response_curve_flags_a_pure_mix_effect():
    # within each source speed does not matter; fast responses go to the good source
    hours = [0.5] * 40 + [30.0] * 10 + [0.5] * 10 + [30.0] * 40
    src = ["good"] * 50 + ["poor"] * 50
    sql = ([T0] * 20 + [None] * 20 + [T0] * 5 + [None] * 5
           + [T0] * 1 + [None] * 9 + [T0] * 4 + [None] * 36)
    rc = ResponseCurve(strata=["source"]).fit(_leads(hours, source=src, sql_at=sql))
    assert rc.ratio_raw_[0] > 2
    assert rc.ratio_adjusted_[0] == pytest.approx(1.0)
    assert rc.story_changed_ and "mix" in rc.story_


def test_response_curve_profile_flag_adds_a_stratum():
    leads = _leads([0.5, 0.5, 30.0, 30.0], source=["a"] * 4, fit=[True, False, True, False],
                   sql_at=[T0, None, T0, None])
    rc = ResponseCurve(profile="fit").fit(leads)
    assert rc.strata_ == ["source", "fit"]


def test_response_curve_needs_stage_info_for_qualified():
    with pytest.raises(ValueError, match="stage information"):
        ResponseCurve().fit(_leads([0.5], outcome=["won"]))


def test_sla_loss_estimate_hand_computation():
    # within SLA: 4 leads of source a, 2 qualified; missed: 2 leads of a, 0 qualified
    hours = [0.5] * 4 + [10.0, None]
    sql = [T0, T0, None, None, None, None]
    est = sla_loss_estimate(_leads(hours, source=["a"] * 6, sql_at=sql), sla_hours=1,
                            now=T0 + dt.timedelta(hours=48))
    q = est["qualified"]
    assert (est["missed"], est["within"]) == (2, 4)
    assert q["expected"] == pytest.approx(2 * 0.5) and q["lost"] == pytest.approx(1.0)
    assert q["low"] < q["lost"] < q["high"]
    assert est["won"] is None and "Estimate" in est["label"]


def test_rate_by_hours_equal_count_bins():
    leads = _leads([float(h) for h in range(20)], sql_at=[T0] * 10 + [None] * 10)
    r = rate_by_hours(leads, bins=4)
    assert r["leads"].to_list() == [5, 5, 5, 5]
    assert r["qualified_rate"].to_list() == [1.0, 1.0, 0.0, 0.0]


def test_benchmark_comparison_labels_what_was_measured():
    t = bucket_table(_leads([0.5, 0.5, 2.0, 2.0, 30.0, None],
                            sql_at=[T0, T0, T0, None, None, None]))
    b = benchmark_comparison(t)
    assert b.filter(pl.col("key") == "1h_vs_next")["yours"][0] == pytest.approx(1 / 0.5)
    assert all("qualif" in m or "firms" in m for m in b["measured"])
    assert b.filter(pl.col("key") == "never_share")["yours"][0] == pytest.approx(1 / 6)


def test_response_summary_contract_shape():
    leads = _leads([0.5, 2.0, None], outcome=["won", "lost", "open"], sql_at=[T0, None, None])
    ds = Dataset(leads, None, None, None, [], None, None)
    r = response_summary(ds, sla_hours=1)
    assert {"contacted_share", "median_hours", "sla_hours", "within_sla_share",
            "by_bucket"} <= set(r)
    assert r["contacted_share"] == pytest.approx(2 / 3)
    assert r["median_hours"] == pytest.approx(1.25)
    assert r["within_sla_share"] == pytest.approx(1 / 3)
    assert [b["bucket"] for b in r["by_bucket"]] == list(BUCKETS)
    keys = {"bucket", "leads", "won", "rate", "ci_low", "ci_high", "qualified", "qualified_rate"}
    assert all(keys <= set(b) for b in r["by_bucket"])


def test_response_summary_nulls_without_touch_times():
    leads = pl.DataFrame({"lead_id": ["a"], "created_at": [T0], "outcome": ["won"]})
    r = response_summary(Dataset(leads, None, None, None, [], None, None), sla_hours=2)
    assert r["by_bucket"] is None and r["within_sla_share"] is None and r["sla_hours"] == 2


def test_response_summary_sample_matches_planted_figures():
    r = response_summary(load_sample(), sla_hours=24)
    rates = {b["bucket"]: b["qualified_rate"] for b in r["by_bucket"]}
    assert r["median_hours"] == pytest.approx(4.1, abs=0.1)
    assert 1 - r["contacted_share"] == pytest.approx(0.151, abs=0.002)
    assert rates["0-1h"] == pytest.approx(0.31, abs=0.01)
    assert rates["3d+"] == pytest.approx(0.02, abs=0.01)


def test_prepare_response_gives_the_same_results():
    leads = _leads([0.5, 2.0, None, 30.0], source=["a", "b", "a", "b"], sql_at=[T0, None, None, T0])
    now = T0 + dt.timedelta(hours=48)
    rt = prepare_response(leads, now=now)
    assert_frame_equal(bucket_table(rt), bucket_table(leads, now=now))
    assert_frame_equal(sla_compliance(rt, sla_hours=1, by="source"),
                       sla_compliance(leads, sla_hours=1, by="source", now=now))
    assert_frame_equal(response_percentiles(rt), response_percentiles(leads, now=now))


def test_prepare_response_refuses_another_clock():
    with pytest.raises(ValueError, match="another clock"):
        bucket_table(prepare_response(_leads([1.0])), clock=BusinessClock())


def test_sla_compliance_by_several_keys_gives_heat_map_cells():
    leads = _leads([0.5, 5.0, None])
    cells = sla_compliance(leads, sla_hours=1, by=["weekday", "hour"])
    heat = arrival_heatmap(leads, sla_hours=1)
    assert cells.select("hour", "within_sla", "within_sla_share").rows() == \
        heat.select("hour", "within_sla", "within_sla_share").rows()


def test_response_summary_equals_independent_count_on_sample():
    """Buckets, wins, qualified counts and Wilson bounds recounted in plain Python."""
    ds = load_sample()
    r = response_summary(ds, sla_hours=4)
    rows = ds.leads.select("created_at", "first_response_at", "outcome", "sql_at",
                           "opportunity_at", "stage").to_dicts()
    names = ["0-1h", "1-4h", "4-24h", "1-3d", "3d+"]
    count = {b: [0, 0, 0] for b in [*names, "never"]}
    within = 0
    for row in rows:
        if row["first_response_at"] is None:
            b = "never"
        else:
            h = max((row["first_response_at"] - row["created_at"]).total_seconds() / 3600, 0)
            b = names[bisect.bisect_right([0, 1, 4, 24, 72], h) - 1]
            within += h < 4
        won = row["outcome"] == "won"
        qualified = won or row["sql_at"] is not None or row["opportunity_at"] is not None \
            or row["stage"] in ("sql", "opportunity", "won")
        count[b][0] += 1
        count[b][1] += won
        count[b][2] += qualified
    for got in r["by_bucket"]:
        n, k, q = count[got["bucket"]]
        assert (got["leads"], got["won"], got["qualified"]) == (n, k, q)
        assert (got["ci_low"], got["ci_high"]) == wilson(k, n)  # bit for bit
    assert r["within_sla_share"] == pytest.approx(within / len(rows))
    assert r["within_sla_share"] == pytest.approx(within_sla_share(ds.leads, sla_hours=4))
