"""Tests of funnel.summary (stage funnel, source table, diagnose) and funnel.stats."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy.stats import binomtest

from funnel.analyses.funnel import stage_funnel
from funnel.dataset.stages import stages_present
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.contract import diagnose, source_table
from funnel.stats.intervals import wilson, wilson_exprs

NOW = dt.datetime(2025, 1, 1)
T = dt.datetime(2024, 1, 1)


def _dataset(leads: str, **others: str):
    tables = [("leads", read_file(leads.encode(), name="leads.csv"))]
    tables += [(role, read_file(text.encode(), name=f"{role}.csv"))
               for role, text in others.items()]
    return build_dataset(tables, now=NOW)


def _scipy_wilson(k: int, n: int) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


# a lead table with stage dates, a furthest-stage column and outcomes
STAGED = pl.DataFrame({
    "lead_id": ["a", "b", "c", "d", "e", "f"],
    "mql_at": [T, T, T, None, None, None],
    "sql_at": [T, None, None, None, None, None],
    "stage": [None, "sal", None, "opportunity", None, None],
    "outcome": ["won", "open", "lost", "won", "open", None],
})


# --- stages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "stages"),
    [
        (pl.DataFrame({"lead_id": ["a"]}), ["lead"]),
        (pl.DataFrame({"lead_id": ["a"], "outcome": ["won"]}), ["lead", "won"]),
        (pl.DataFrame({"lead_id": ["a"], "outcome": pl.Series([None], dtype=pl.String)}),
         ["lead"]),
        (pl.DataFrame({"lead_id": ["a"], "mql_at": [T], "opportunity_at": [None]}),
         ["lead", "mql"]),
        (pl.DataFrame({"lead_id": ["a", "b"], "stage": ["sql", "lead"]}), ["lead", "sql"]),
        (STAGED, ["lead", "mql", "sal", "sql", "opportunity", "won"]),
    ],
)
def test_stages_present_lists_stages_with_evidence(frame, stages):
    assert stages_present(frame) == stages


def test_stage_funnel_counts_leads_reaching_each_stage():
    # mql: a, c by date, b by date, d by later stage; sal: b, a (sql), d; sql: a, d; ...
    assert stage_funnel(STAGED)["count"].to_list() == [6, 4, 3, 2, 2, 2]


@pytest.mark.parametrize(
    "frame",
    [
        STAGED,
        pl.DataFrame({"lead_id": list("abcde"),
                      "stage": ["won", "sql", "lead", "opportunity", "mql"],
                      "outcome": [None, "won", None, None, None]}),
        pl.DataFrame({"lead_id": list("abcd"), "sql_at": [None, T, None, None],
                      "mql_at": [None, None, T, None], "outcome": ["won", None, None, "lost"]}),
    ],
    ids=["dates-stage-outcome", "stage-column", "dates-skipped"],
)
def test_stage_funnel_counts_never_increase(frame):
    counts = stage_funnel(frame)["count"].to_list()
    assert counts == sorted(counts, reverse=True)


def test_stage_funnel_reads_stage_column_alone():
    frame = pl.DataFrame({"lead_id": list("abcd"), "stage": ["lead", "mql", "sql", "won"]})
    expected = pl.DataFrame({"stage": ["lead", "mql", "sql", "won"], "count": [4, 3, 2, 1]})
    assert_frame_equal(stage_funnel(frame).select("stage", "count"), expected)


def test_stage_funnel_reads_outcome_alone():
    frame = pl.DataFrame({"lead_id": list("abcd"), "outcome": ["won", "lost", "open", "won"]})
    expected = pl.DataFrame({"stage": ["lead", "won"], "count": [4, 2]})
    assert_frame_equal(stage_funnel(frame).select("stage", "count"), expected)


def test_stage_funnel_computes_rates():
    out = stage_funnel(STAGED)
    expected = pl.DataFrame({
        "rate_from_previous": [1.0, 4 / 6, 3 / 4, 2 / 3, 1.0, 1.0],
        "rate_from_first": [1.0, 4 / 6, 3 / 6, 2 / 6, 2 / 6, 2 / 6],
    })
    assert_frame_equal(out.select("rate_from_previous", "rate_from_first"), expected)


def test_stage_funnel_interval_matches_scipy_wilson():
    out = stage_funnel(STAGED)
    counts = out["count"].to_list()
    expected = [(None, None)] + [_scipy_wilson(k, n) for k, n in zip(counts[1:], counts[:-1],
                                                                        strict=True)]
    got = list(zip(out["ci_low"].to_list(), out["ci_high"].to_list(), strict=True))
    assert got[0] == expected[0] and got[1:] == [pytest.approx(e, abs=1e-9) for e in expected[1:]]


def test_stage_funnel_accepts_lazy_frame():
    assert_frame_equal(stage_funnel(STAGED.lazy()), stage_funnel(STAGED))


def test_stage_funnel_olist_converts_842_of_8000(olist_dataset):
    out = stage_funnel(olist_dataset.leads)
    assert out.select("stage", "count").rows() == [("lead", 8000), ("won", 842)]


# --- stats ----------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(842, 8000), (0, 10), (10, 10), (1, 3), (3561, 9240)])
def test_wilson_matches_scipy(k, n):
    assert wilson(k, n) == pytest.approx(_scipy_wilson(k, n), abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(842, 8000), (0, 10), (10, 10), (1, 3)])
def test_wilson_exprs_match_wilson(k, n):
    row = pl.DataFrame({"k": [k], "n": [n]}).select(wilson_exprs("k", "n")).row(0)
    assert row == pytest.approx(wilson(k, n), abs=1e-12)


def test_wilson_is_undefined_without_trials():
    assert wilson(0, 0) == (None, None)


def test_wilson_exprs_are_null_without_trials():
    assert pl.DataFrame({"k": [0], "n": [0]}).select(wilson_exprs("k", "n")).row(0) == (None, None)


# --- sources --------------------------------------------------------------------------

LEADS = (
    "lead_id,created_at,source,amount\n"
    "L1,2024-01-01,Google Ads,100\n"
    "L2,2024-01-02,Google Ads,50\n"
    "L3,2024-01-03,Google Ads,\n"
    "L4,2024-01-04,Organic,30\n"
    "L5,2024-01-05,,\n"
)
DEALS = "deal_id,lead_id,outcome\nD1,L1,won\nD2,L2,lost\nD3,L4,won\nD4,L5,won\n"
SPEND = (
    "Month,Channel,Spend\n"
    "2024-01,google ads,$300\n"
    "2024-02,GOOGLE  ADS,$100\n"
    "2024-01,Events,$999\n"
)


@pytest.mark.parametrize("fixture", ["olist_dataset", "xed_dataset"])
def test_source_table_counts_equal_independent_group_by(request, fixture):
    ds = request.getfixturevalue(fixture)
    expected = (
        ds.leads.group_by(pl.col("source").fill_null("(none)"))
        .agg(pl.len().cast(pl.UInt32).alias("leads"),
             (pl.col("outcome") == "won").sum().cast(pl.UInt32).alias("won"))
        .sort("source")
    )
    got = source_table(ds).select("source", "leads", "won").sort("source")
    assert_frame_equal(got, expected, check_dtypes=False)


def test_source_table_computes_rates_and_intervals():
    t = source_table(_dataset(LEADS, deals=DEALS))
    google = t.filter(pl.col("source") == "Google Ads").row(0, named=True)
    lo, hi = _scipy_wilson(1, 3)
    assert (google["rate"], google["ci_low"], google["ci_high"]) == pytest.approx((1 / 3, lo, hi))


def test_source_table_sums_revenue_of_won_leads():
    t = source_table(_dataset(LEADS, deals=DEALS))
    assert dict(t.select("source", "revenue").iter_rows()) == {
        "Google Ads": 100.0, "Organic": 30.0, "(none)": 0.0}


def test_source_table_sorts_by_leads_then_name():
    t = source_table(_dataset(LEADS, deals=DEALS))
    assert t["source"].to_list() == ["Google Ads", "(none)", "Organic"]


def test_source_table_joins_spend_ignoring_case_and_spacing():
    t = source_table(_dataset(LEADS, deals=DEALS, spend=SPEND))
    assert dict(t.select("source", "cost").iter_rows()) == {
        "Google Ads": 400.0, "Organic": None, "(none)": None}


def test_source_table_computes_cac_as_cost_per_won_lead():
    t = source_table(_dataset(LEADS, deals=DEALS, spend=SPEND))
    assert t.filter(pl.col("source") == "Google Ads")["cac"].to_list() == [400.0]


def test_source_table_leaves_cost_empty_without_spend():
    t = source_table(_dataset(LEADS, deals=DEALS))
    assert t["cost"].null_count() == t.height


def test_source_table_leaves_cac_empty_without_wins():
    t = source_table(_dataset(LEADS, deals="deal_id,lead_id,outcome\nD1,L1,lost\n", spend=SPEND))
    assert t.filter(pl.col("source") == "Google Ads")["cac"].to_list() == [None]


def test_source_table_has_contract_columns():
    assert source_table(_dataset(LEADS)).columns == [
        "source", "leads", "won", "rate", "ci_low", "ci_high", "revenue", "cost", "cac"]


# --- diagnose -------------------------------------------------------------------------


def test_diagnose_reports_won_and_conversion():
    out = diagnose(_dataset(LEADS, deals=DEALS))
    assert (out["won"], out["conversion"]) == (3, 3 / 5)


def test_diagnose_leaves_won_null_without_any_outcome():
    out = diagnose(_dataset("lead_id,created_at\nL1,2024-01-01\nL2,2024-01-02\n"))
    assert (out["won"], out["conversion"]) == (None, None)


def test_diagnose_reports_contacted_share_from_activities():
    out = diagnose(_dataset(LEADS, activities="lead_id,at\nL1,2024-01-02\nL2,2024-01-03\n"))
    assert out["response"]["contacted_share"] == 2 / 5


def test_diagnose_leaves_contacted_share_null_without_activities():
    assert diagnose(_dataset(LEADS))["response"]["contacted_share"] is None


def test_diagnose_lists_first_rejected_rows():
    out = diagnose(_dataset(LEADS + "L6,,x,\nL7,,y,\n"), max_rejected=1)
    assert (out["rows"]["rejected"], out["rejected"]) == (
        2, [{"file": "leads.csv", "row": 7, "reason": "created_at is empty"}])
