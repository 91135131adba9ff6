"""Unit tests of funnel.leakage on small hand-built frames, plus the real exports."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.analyses.funnel import (
    cohort_trend,
    funnel_by,
    funnel_table,
    maturity_days,
    stage_funnel,
)
from funnel.analyses.leakage import (
    NO_REASON,
    leak_flags,
    leak_summary,
    reason_categories,
    recycle_rule,
    stage_exits,
    stop_reasons,
    stopped_leads,
    unavailable_flags,
    with_latest_activity,
)
from funnel.charts.leakage import cohort_chart, funnel_chart, leak_chart, rates_chart
from funnel.dataset.labels import near_duplicate_labels, unify_labels
from funnel.dataset.schema import Mapping
from funnel.dataset.stages import reached_exprs, stage_rank_expr
from funnel.dataset.tables import Dataset, Health, export_end
from funnel.sample.export import load_sample

T0 = dt.datetime(2025, 1, 1)


def _ds(leads: pl.DataFrame, *, activities: pl.DataFrame | None = None) -> Dataset:
    health = Health([], pl.DataFrame(schema={"file": pl.String, "row": pl.Int64,
                                             "reason": pl.String}), [], [])
    return Dataset(leads, None, activities, None, [], Mapping(), health, "test")


def _days(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


# a five-lead funnel: a→won, b→sql lost, c→mql open, d lead lost, e lead open
FUNNEL = pl.DataFrame({
    "lead_id": ["a", "b", "c", "d", "e"],
    "created_at": [_days(0)] * 5,
    "source": ["Google", "google", "Bing", "Bing", None],
    "mql_at": [_days(1), _days(1), _days(2), None, None],
    "sql_at": [_days(3), _days(4), None, None, None],
    "outcome": ["won", "lost", "open", "lost", "open"],
    "closed_at": [_days(10), _days(6), None, _days(1), None],
    "lost_reason": [None, "Price", None, "Budget", None],
})


def test_funnel_table_adds_cumulative_interval():
    t = funnel_table(FUNNEL)
    assert t["stage"].to_list() == ["lead", "mql", "sql", "won"]
    assert t["count"].to_list() == [5, 3, 2, 1]
    assert t["previous"].to_list() == [None, 5, 3, 2]
    row = t.filter(pl.col("stage") == "won").row(0, named=True)
    assert row["first_ci_low"] < 0.2 < row["first_ci_high"]


RANK_CASES = [
    FUNNEL,
    pl.DataFrame({"stage": ["lead", "sql", "won", None, "opportunity"],
                  "sal_at": [T0, None, None, T0, None],
                  "outcome": [None, "lost", None, "won", "open"]}),
    pl.DataFrame({"outcome": ["won", None, "lost"]}),
]


@pytest.mark.parametrize("leads", RANK_CASES)
def test_stage_rank_agrees_with_reached_exprs(leads):
    reached = reached_exprs(leads)
    rank = leads.select(stage_rank_expr(leads))[:, 0]
    for i, stage in enumerate(["lead", "mql", "sal", "sql", "opportunity", "won"]):
        want = leads.select(reached[stage]).to_series()
        if want.len() == 1 and leads.height > 1:  # pl.lit(True) for "lead"
            want = pl.repeat(want[0], leads.height, eager=True)
        assert (rank >= i).to_list() == want.to_list(), stage


@pytest.mark.parametrize("leads", RANK_CASES)
def test_funnel_table_equals_stage_funnel(leads):
    ours = funnel_table(leads).select(stage_funnel(leads).columns)
    assert_frame_equal(ours, stage_funnel(leads), check_dtypes=False)


def test_funnel_table_equals_stage_funnel_on_sample(sample_ds):
    ours = funnel_table(sample_ds.leads).select(stage_funnel(sample_ds.leads).columns)
    assert_frame_equal(ours, stage_funnel(sample_ds.leads), check_dtypes=False)


def test_near_duplicate_labels_lists_case_variants_only():
    got = near_duplicate_labels(FUNNEL, column="source")
    want = pl.DataFrame({"label": ["Google", "google"], "merged_into": ["Google", "Google"],
                         "leads": [1, 1]}, schema_overrides={"leads": pl.UInt32})
    assert_frame_equal(got, want)


def test_near_duplicate_labels_reads_a_compact_column():
    got = near_duplicate_labels(FUNNEL.with_columns(pl.col("source").cast(pl.Categorical)),
                                column="source")
    assert got.rows() == [("Google", "Google", 1), ("google", "Google", 1)]


@pytest.mark.parametrize(("labels", "want"), [
    (["Google", "google", "google"], ["google", "google", "google"]),
    (["Paid  Search", "paid search", "Paid  Search"], ["Paid  Search"] * 3),
    (["paid_search", "Paid Search"], ["paid_search", "Paid Search"]),  # not case-only
])
def test_unify_labels_keeps_most_frequent_spelling(labels, want):
    assert unify_labels(pl.DataFrame({"source": labels}))["source"].to_list() == want


def test_funnel_by_merges_case_and_sums_to_total():
    t = funnel_by(FUNNEL, by="source")
    lead = t.filter(pl.col("stage") == "lead")
    assert dict(zip(lead["group"], lead["count"], strict=True)) == {
        "Google": 2, "Bing": 2, "(none)": 1}
    google_sql = t.filter((pl.col("group") == "Google") & (pl.col("stage") == "sql"))
    assert google_sql.select("count", "previous", "rate_from_first").row(0) == (2, 2, 1.0)


def test_funnel_by_lumps_small_groups_into_other():
    leads = pl.DataFrame({"lead_id": list("abcdef"), "owner": list("aabbcd"),
                          "outcome": ["won"] * 6})
    t = funnel_by(leads, by="owner", top=3).filter(pl.col("stage") == "lead")
    assert t["group"].to_list() == ["a", "b", "(other) 2 groups"]
    assert t["count"].sum() == 6


def test_funnel_by_numeric_attribute_uses_ranges():
    leads = pl.DataFrame({"lead_id": [str(i) for i in range(20)],
                          "employees": [float(i * 10) for i in range(20)],
                          "outcome": ["lost"] * 20})
    t = funnel_by(leads, by="employees").filter(pl.col("stage") == "lead")
    assert t.height == 5 and t["count"].sum() == 20


def test_maturity_days_is_percentile_of_time_to_stage():
    leads = pl.DataFrame({
        "created_at": [_days(0)] * 5,
        "closed_at": [_days(d) for d in (10, 20, 30, 40, 50)],
        "outcome": ["won"] * 4 + ["lost"],
    })
    assert maturity_days(leads, q=0.5)["won"] == pytest.approx(30.0)


def test_cohort_trend_flags_young_cohorts_as_maturing():
    leads = pl.DataFrame({
        "lead_id": ["a", "b", "c", "d"],
        "created_at": [dt.datetime(2025, 1, 5), dt.datetime(2025, 1, 9),
                       dt.datetime(2025, 3, 2), dt.datetime(2025, 3, 20)],
        "outcome": ["won", "lost", "open", "open"],
        "closed_at": [dt.datetime(2025, 1, 25), dt.datetime(2025, 2, 1), None, None],
    })
    t = cohort_trend(leads, now=dt.datetime(2025, 4, 10), mature={"won": 30.0})
    assert t.select("cohort", "leads", "count", "maturing").rows() == [
        (dt.datetime(2025, 1, 1), 2, 1, False), (dt.datetime(2025, 3, 1), 2, 0, True)]
    assert t["age_days"].to_list() == [68.0, 9.0]


def test_stage_exits_split_by_outcome():
    t = stage_exits(FUNNEL)
    assert t.select("stage", "reached", "stopped", "lost", "open").rows() == [
        ("lead", 5, 1, 1, 1), ("mql", 3, 0, 0, 1), ("sql", 2, 1, 1, 0)]
    assert t["stop_rate"].to_list() == pytest.approx([0.2, 0.0, 0.5])


def test_stage_exits_never_counts_open_leads_as_stopped():
    leads = pl.DataFrame({
        "lead_id": list("abcdefg"),
        "mql_at": [None, None, None, None, _days(1), _days(1), _days(1)],
        "outcome": ["open", "open", "open", "lost", "open", "won", None],
    })
    t = stage_exits(leads)
    assert t.select("stage", "reached", "stopped", "open", "unknown").rows() == [
        ("lead", 7, 1, 3, 0), ("mql", 3, 0, 1, 1)]
    assert t["stop_rate"].to_list() == pytest.approx([1 / 7, 0.0])


def test_stop_reasons_counts_add_up_to_lost_leads_with_missing_reasons():
    leads = FUNNEL.with_columns(pl.when(pl.col("lead_id") == "d").then(None)
                                .otherwise(pl.col("lost_reason")).alias("lost_reason"))
    t = stop_reasons(leads)
    assert t.select("stage", "reason", "leads").rows() == [
        ("lead", NO_REASON, 1), ("sql", "Price", 1)]
    exits = stage_exits(leads).filter(pl.col("stopped") > 0)
    assert t.group_by("stage", maintain_order=True).agg(pl.col("leads").sum()).rows() == \
        exits.select("stage", "stopped").rows()


def test_stop_reasons_merges_user_categories_and_groups_by_source():
    t = stop_reasons(FUNNEL, categories={"Price": "Money", "Budget": "Money"}, by="source")
    money = t.filter(pl.col("reason") == "Money")
    assert money.select("stage", "source", "leads").rows() == [
        ("lead", "Bing", 1), ("sql", "google", 1)]


def test_stopped_leads_are_the_rows_behind_a_reason_count():
    t = stop_reasons(FUNNEL)
    for stage, reason, n in t.select("stage", "reason", "leads").iter_rows():
        assert stopped_leads(FUNNEL, stage=stage, reason=reason).height == n
    assert stopped_leads(FUNNEL, stage="lead")["lead_id"].to_list() == ["d"]  # e is open


def test_reason_categories_ignores_blank_edits():
    got = reason_categories(["A", "B"], edits={"A": "  ", "B": "Money "})
    assert got == {"A": "A", "B": "Money"}


def test_recycle_rule_reads_status_labels():
    leads = pl.DataFrame({"lead_id": ["a", "b", "c"],
                          "Lead Status": ["Bad Timing", "Nurture", "Connected"]})
    expr, said = recycle_rule(leads)
    assert leads.select(expr)[:, 0].to_list() == [True, True, False]
    assert "'Bad Timing'" in said and "'Nurture'" in said


def test_recycle_rule_reads_a_compact_status_column():
    leads = pl.DataFrame({"lead_id": ["a", "b", "c"],
                          "Lead Status": pl.Series(["Bad Timing", "Nurture", "Connected"],
                                                   dtype=pl.Categorical)})
    expr, _ = recycle_rule(leads)
    assert leads.select(expr)[:, 0].to_list() == [True, True, False]


def test_recycle_rule_reads_stage_going_backwards():
    leads = pl.DataFrame({"lead_id": ["a", "b"], "stage": ["lead", "sql"],
                          "sql_at": [_days(2), _days(3)]})
    expr, said = recycle_rule(leads)
    assert leads.select(expr)[:, 0].to_list() == [True, False]
    assert "earlier than a stage" in said


def test_recycle_rule_says_when_data_cannot_show_it():
    expr, said = recycle_rule(pl.DataFrame({"lead_id": ["a"]}))
    assert expr is None and "cannot be seen" in said


def test_leak_flags_never_touched_stalled_and_export_end():
    leads = pl.DataFrame({
        "lead_id": ["a", "b", "c"], "created_at": [_days(0), _days(0), _days(90)],
        "first_response_at": [_days(1), None, None], "outcome": ["open", "open", "lost"],
    })
    acts = pl.DataFrame({"lead_id": ["a"], "at": [_days(80)]})
    ds = _ds(leads, activities=acts)
    assert export_end(ds) == _days(90)
    f = leak_flags(ds, stalled_days=30)
    assert f.select("lead_id", "idle_days", "never_touched", "stalled").rows() == [
        ("a", 10.0, False, False), ("b", 90.0, True, True), ("c", 0.0, True, False)]
    assert f["recycled"].null_count() == 3  # no status or stage: unknown, not "no"


def test_leak_flags_same_with_latest_activity_precomputed(sample_ds):
    assert_frame_equal(leak_flags(with_latest_activity(sample_ds)), leak_flags(sample_ds))


def test_leak_flags_unknown_without_touch_data():
    f = leak_flags(_ds(pl.DataFrame({"lead_id": ["a"], "created_at": [T0]})))
    assert f["never_touched"].to_list() == [None]


def test_leak_flags_stalled_unknown_without_activities():
    leads = pl.DataFrame({"lead_id": ["a", "b"], "created_at": [_days(0), _days(90)],
                          "outcome": ["open", "lost"]})
    ds = _ds(leads)
    assert leak_flags(ds)["stalled"].to_list() == [None, None]
    assert leak_summary(leads, leak_flags(ds))["stalled"].to_list() == [None]


def test_leak_flags_stalled_unknown_without_dates():
    leads = pl.DataFrame({"lead_id": ["a", "b"], "outcome": ["open", "lost"]})
    assert leak_summary(leads, leak_flags(_ds(leads)))["stalled"].to_list() == [None]


def test_unavailable_flags_say_which_export_enables_them():
    leads = pl.DataFrame({"lead_id": ["a"], "created_at": [T0], "outcome": ["open"]})
    missing = unavailable_flags(_ds(leads))
    assert sorted(missing) == ["never_touched", "recycled", "stalled"]
    assert "activity export" in missing["stalled"]
    assert "activity export" in missing["never_touched"]


def test_unavailable_flags_empty_with_dated_activities():
    leads = pl.DataFrame({"lead_id": ["a"], "created_at": [T0], "outcome": ["open"],
                          "Lead Status": ["Nurture"]})
    acts = pl.DataFrame({"lead_id": ["a"], "at": [_days(3)]})
    assert unavailable_flags(_ds(leads, activities=acts)) == {}


def test_leak_summary_by_group_with_intervals():
    leads = pl.DataFrame({"lead_id": list("abcd"), "owner": ["x", "x", "y", "y"],
                          "created_at": [T0] * 4,
                          "first_response_at": [T0, None, None, None],
                          "outcome": ["open"] * 4})
    s = leak_summary(leads, leak_flags(_ds(leads)), by="owner")
    assert s.select("group", "leads", "never_touched", "never_touched_share").rows() == [
        ("x", 2, 1, 0.5), ("y", 2, 2, 1.0)]
    assert s["never_touched_ci_low"][0] < 0.5 < s["never_touched_ci_high"][0]


# --------------------------------------------------------------------------------------
# the real exports and the sample
# --------------------------------------------------------------------------------------

def test_leakage_sample_recycled_is_bad_timing_status(sample_ds):
    s = leak_summary(sample_ds.leads, leak_flags(sample_ds))
    independent = sample_ds.leads.filter(pl.col("Lead Status") == "Bad Timing").height
    assert s["recycled"][0] == independent


def test_leakage_sample_never_touched_matches_planted_share(sample_ds):
    s = leak_summary(sample_ds.leads, leak_flags(sample_ds))
    assert s["never_touched_share"][0] == pytest.approx(0.151, abs=0.002)


def test_leakage_sample_free_tool_dominates_free_product_reason(sample_ds):
    t = stop_reasons(sample_ds.leads, by="campaign")
    free = t.filter(pl.col("reason") == "Expected a free product")
    share = free.filter(pl.col("campaign") == "facebook-free-tool")["leads"].sum() / free[
        "leads"].sum()
    assert share > 0.6


def test_leakage_xed_google_variants_merged(xed_dataset):
    t = funnel_by(xed_dataset.leads, by="source", top=50).filter(pl.col("stage") == "lead")
    groups = t["group"].to_list()
    assert "Google" in groups and "google" not in groups
    raw = xed_dataset.leads["source"]
    assert t.filter(pl.col("group") == "Google")["count"][0] == int(
        (raw.cast(pl.String).str.to_lowercase() == "google").sum())


@pytest.fixture(scope="module")
def sample_ds():
    return load_sample()


# --------------------------------------------------------------------------------------
# chart builders (on chart.to_dict())
# --------------------------------------------------------------------------------------

def _data(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_charts_funnel_chart_ships_one_row_per_stage():
    spec = funnel_chart(funnel_table(FUNNEL)).to_dict()
    rows = _data(spec)
    assert [r["stage"] for r in rows] == ["lead", "mql", "sql", "won"]
    assert rows[-1]["label"] == "1 · 20.0% of leads"


def test_charts_refuse_row_level_frames():
    big = pl.DataFrame({"stage": ["lead"] * 6000, "count": [1] * 6000,
                        "rate_from_first": [1.0] * 6000, "rate_from_previous": [1.0] * 6000})
    with pytest.raises(ValueError, match="aggregate"):
        funnel_chart(big)


def test_charts_cohort_chart_marks_maturing_months():
    leads = pl.DataFrame({
        "lead_id": ["a", "b"], "created_at": [dt.datetime(2025, 1, 5), dt.datetime(2025, 3, 2)],
        "outcome": ["won", "open"], "closed_at": [dt.datetime(2025, 1, 25), None]})
    trend = cohort_trend(leads, now=dt.datetime(2025, 3, 20), mature={"won": 30.0})
    rows = _data(cohort_chart(trend, stage="won").to_dict())
    assert [r["cohort status"] for r in rows] == ["mature", "still maturing"]


def test_charts_rates_chart_orders_by_rank():
    table = pl.DataFrame({"source": ["a", "b"], "leads": [10, 20], "won": [1, 8],
                          "rate": [0.1, 0.4], "ci_low": [0.0, 0.2], "ci_high": [0.4, 0.6],
                          "shrunk_rate": [0.2, 0.35], "rank": [2, 1]})
    spec = rates_chart(table, by="source").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["b", "a"]


def test_charts_leak_chart_has_no_lead_rows(sample_ds):
    s = leak_summary(sample_ds.leads, leak_flags(sample_ds), by="owner")
    rows = _data(leak_chart(s, flag="never_touched", by="owner").to_dict())
    assert len(rows) == s.height and "lead_id" not in rows[0]
