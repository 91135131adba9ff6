"""Quality vs handling: the 2×2, the gap decomposition, score and pipeline checks, what-if."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.verdict import (
    _kitagawa,
    lead_flags,
    mix_vs_handling,
    observed_shares,
    pipeline_check,
    qualification_gaps,
    quality_handling,
    score_check,
    what_if,
)
from funnel.findings.base import Context, Settings
from funnel.findings.registry import REGISTRY
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file


def _flags(rows):
    """rows: (source, fit, speed, won, qualified, n)"""
    out = []
    for source, fit, speed, won, qualified, n in rows:
        out += [{"source": source, "fit": fit, "speed": speed, "won": won,
                 "qualified": qualified, "amount": 100.0 if won else None}] * n
    return pl.DataFrame(out)


def test_quality_handling_counts_every_cell():
    f = _flags([("a", "in profile", "fast", True, True, 3),
                ("a", "in profile", "fast", False, True, 1),
                ("a", "out of profile", "slow or never", False, False, 4)])
    out = quality_handling(f).select("fit", "speed", "leads", "won")
    expected = pl.DataFrame({
        "fit": ["in profile", "in profile", "out of profile", "out of profile"],
        "speed": ["fast", "slow or never", "fast", "slow or never"],
        "leads": [4, 0, 0, 4], "won": [3, 0, 0, 0]})
    assert_frame_equal(out, expected)


def test_quality_handling_rates_have_wilson_bounds():
    f = _flags([("a", "in profile", "fast", True, True, 8),
                ("a", "in profile", "fast", False, True, 2)])
    row = quality_handling(f).row(0, named=True)
    assert row["rate"] == 0.8 and row["ci_low"] < 0.8 < row["ci_high"]


def test_kitagawa_parts_add_up_to_the_gap():
    rng = np.random.default_rng(1)
    cb, cw = rng.integers(10, 100, (2, 2)).astype(float), rng.integers(10, 100, (2, 2)).astype(
        float)
    kb, kw = np.floor(cb * 0.3), np.floor(cw * 0.1)
    gap = kb.sum() / cb.sum() - kw.sum() / cw.sum()
    assert _kitagawa(cb, kb, cw, kw).sum() == pytest.approx(gap)


def test_kitagawa_same_mix_and_speed_leaves_only_within_cell_part():
    c = np.array([[50.0, 50.0], [50.0, 50.0]])
    parts = _kitagawa(c, c * 0.4, c, c * 0.2)
    assert parts == pytest.approx([0.0, 0.0, 0.2])


def test_kitagawa_pure_mix_difference_is_all_lead_mix():
    rates = np.array([[0.5, 0.5], [0.1, 0.1]])  # fit matters, speed does not
    cb = np.array([[80.0, 20.0], [20.0, 80.0]])  # best: 50% in profile, fast share 50%
    cw = np.array([[10.0, 10.0], [90.0, 90.0]])  # worst: 10% in profile, fast share 50%
    parts = _kitagawa(cb, cb * rates, cw, cw * rates)
    assert parts[0] == pytest.approx(0.4 * 0.4) and parts[2] == pytest.approx(0.0)


def test_mix_vs_handling_names_best_and_worst_and_bounds_each_part():
    f = _flags([("good", "in profile", "fast", True, True, 60),
                ("good", "in profile", "fast", False, True, 40),
                ("good", "out of profile", "slow or never", False, False, 100),
                ("bad", "out of profile", "slow or never", True, False, 5),
                ("bad", "out of profile", "slow or never", False, False, 195)])
    d = mix_vs_handling(f, min_n=50)
    assert (d.best, d.worst) == ("good", "bad")
    assert d.parts["value"].sum() == pytest.approx(d.gap)
    assert (d.parts["ci_low"] <= d.parts["value"]).all()
    assert (d.parts["value"] <= d.parts["ci_high"]).all()


def test_mix_vs_handling_needs_two_groups():
    f = _flags([("only", "in profile", "fast", True, True, 200)])
    assert mix_vs_handling(f) is None


def test_score_check_auc_matches_scipy(sample_ds):
    scipy_stats = pytest.importorskip("scipy.stats")
    out = score_check(sample_ds)
    leads = sample_ds.leads.filter(pl.col("score").is_not_null())
    won = (leads["outcome"] == "won").fill_null(False)
    u = scipy_stats.mannwhitneyu(leads.filter(won)["score"], leads.filter(~won)["score"]).statistic
    assert out["auc"] == pytest.approx(u / (won.sum() * (~won).sum()))


def test_score_check_without_score_is_none():
    csv = b"lead_id,created_at,outcome\n1,2024-01-01,won\n2,2024-01-02,lost\n"
    assert score_check(build_dataset([("leads", read_file(csv, name="l.csv"))])) is None


def test_pipeline_check_buckets_by_age_and_values_open_pipeline():
    csv = (b"lead_id,created_at,opportunity_at,closed_at,outcome,amount\n"
           b"1,2024-01-01,2024-01-02,2024-01-12,won,100\n"
           b"2,2024-01-01,2024-01-02,2024-01-20,lost,100\n"
           b"3,2024-01-01,2024-01-25,,open,500\n"
           b"4,2024-01-01,2024-01-02,2024-05-01,lost,100\n")
    ds = build_dataset([("leads", read_file(csv, name="l.csv"))])
    out = pipeline_check(ds).select("age", "opportunities", "closed", "won", "open")
    # the open one is 97 days old at the export's end (the last date in the data)
    expected = pl.DataFrame({"age": ["0-30 d", "90-180 d"], "opportunities": [2, 2],
                             "closed": [2, 1], "won": [1, 0], "open": [0, 1]})
    assert_frame_equal(out, expected, check_dtypes=False)
    assert pipeline_check(ds)["expected_value"].to_list() == [0.0, 0.0]


def test_what_if_without_changes_reproduces_observed():
    f = _flags([("a", "in profile", "fast", True, True, 3),
                ("a", "in profile", "slow or never", False, True, 5),
                ("a", "out of profile", "fast", False, False, 7),
                ("a", "out of profile", "slow or never", True, False, 2)])
    out = what_if(f, cost=500.0)
    assert out["change"].drop_nulls().abs().max() == pytest.approx(0.0)
    assert out.filter(pl.col("measure") == "won")["observed"][0] == pytest.approx(5.0)


def test_what_if_projects_cell_rates():
    f = _flags([("a", "in profile", "fast", True, True, 1),
                ("a", "in profile", "slow or never", False, False, 1),
                ("a", "out of profile", "fast", False, False, 1),
                ("a", "out of profile", "slow or never", False, False, 1)])
    out = what_if(f, fast_share=1.0, in_profile_share=1.0, cost=100.0)
    got = dict(zip(out["measure"], out["scenario"], strict=True))
    assert (got["won"], got["revenue"], got["cac"]) == (4.0, 400.0, 25.0)


def test_what_if_changing_profile_share_needs_fit():
    f = pl.DataFrame({"source": ["a"], "fit": [None], "speed": ["fast"], "won": [True],
                      "qualified": [None], "amount": [None]},
                     schema_overrides={"fit": pl.String, "qualified": pl.Boolean,
                                       "amount": pl.Float64})
    with pytest.raises(ValueError, match="profile fit"):
        what_if(f, in_profile_share=0.5)


def test_what_if_needs_first_touch_speed():
    f = pl.DataFrame({"source": ["a"], "fit": ["in profile"], "speed": [None], "won": [True],
                      "qualified": [True], "amount": [None]},
                     schema_overrides={"speed": pl.String, "amount": pl.Float64})
    with pytest.raises(ValueError, match="first-touch speed"):
        what_if(f)


def test_what_if_without_fit_projects_speed_alone():
    f = _flags([("a", None, "fast", True, True, 2), ("a", None, "fast", False, True, 2),
                ("a", None, "slow or never", False, False, 4)])
    out = what_if(f, fast_share=1.0)
    assert out.filter(pl.col("measure") == "won")["scenario"][0] == pytest.approx(4.0)


WHAT_IF_CASES = {
    "fit and sources": [("a", "in profile", "fast", True, True, 3),
                        ("a", "in profile", "slow or never", False, True, 5),
                        ("a", "out of profile", "fast", False, False, 7),
                        ("a", "out of profile", "slow or never", True, False, 2),
                        ("b", "in profile", "fast", True, True, 1),
                        ("b", "out of profile", "slow or never", False, True, 9),
                        ("b", "out of profile", "slow or never", True, False, 4)],
    "fast share differs by fit": [("a", "in profile", "fast", True, True, 9),
                                  ("a", "in profile", "slow or never", False, False, 1),
                                  ("a", "out of profile", "fast", True, False, 1),
                                  ("a", "out of profile", "slow or never", False, False, 29)],
    "no fit": [("a", None, "fast", True, True, 3), ("a", None, "slow or never", False, True, 6),
               ("b", None, "slow or never", True, False, 1)],
    "no stages": [("a", "in profile", "fast", True, None, 2),
                  ("a", "out of profile", "slow or never", False, None, 5)],
}


@pytest.mark.parametrize("rows", WHAT_IF_CASES.values(), ids=WHAT_IF_CASES.keys())
def test_what_if_at_observed_shares_changes_nothing(rows):
    f = _flags(rows)
    shares = observed_shares(f)
    out = what_if(f, fast_share=shares["fast"], in_profile_share=shares["in_profile"],
                  cost=250.0)
    assert out["change"].drop_nulls().to_list() == [0.0] * out["change"].drop_nulls().len()
    assert out.filter(pl.col("measure") == "won")["observed"][0] == sum(
        n for _, _, _, won, _, n in rows if won)
    assert (out["scenario"] == out["observed"]).drop_nulls().all()


def test_observed_shares_counts_leads_with_known_speed():
    f = _flags([("a", "in profile", "fast", True, True, 1),
                ("a", "out of profile", "slow or never", False, False, 3)])
    assert observed_shares(f) == {"fast": 0.25, "in_profile": 0.25, "n": 4}


def test_what_if_standardises_within_source():
    # source a: fast 50%, slow 10%; source b: fast 20%, slow 20% -> only a's slow leads gain
    f = _flags([("a", None, "fast", True, True, 5), ("a", None, "fast", False, True, 5),
                ("a", None, "slow or never", True, False, 3),
                ("a", None, "slow or never", False, False, 27),
                ("b", None, "fast", True, True, 2), ("b", None, "fast", False, True, 8),
                ("b", None, "slow or never", True, False, 20),
                ("b", None, "slow or never", False, False, 80)])
    out = what_if(f, fast_share=1.0)
    assert out.filter(pl.col("measure") == "won")["change"][0] == pytest.approx(30 * 0.4)


def test_what_if_claims_no_effect_where_no_lead_was_answered_fast():
    f = _flags([("a", None, "fast", True, True, 5), ("a", None, "slow or never", False, True, 5),
                ("b", None, "slow or never", True, False, 3),
                ("b", None, "slow or never", False, False, 7)])
    out = what_if(f, fast_share=1.0)
    assert out.filter(pl.col("measure") == "won")["change"][0] == pytest.approx(5.0)


def test_what_if_moves_the_same_fraction_of_every_group():
    # overall fast share 20% -> 60%: every group closes half its gap to 100%
    f = _flags([("a", None, "fast", True, True, 10), ("a", None, "slow or never", False, True, 10),
                ("b", None, "slow or never", False, False, 30)])
    out = what_if(f, fast_share=0.6)
    # a: 5 of 10 slow leads answered fast, each +1 win; b has no fast rate (no effect)
    assert out.filter(pl.col("measure") == "won")["change"][0] == pytest.approx(5.0)


def test_what_if_rejects_shares_outside_zero_to_one():
    f = _flags([("a", None, "fast", True, True, 1), ("a", None, "slow or never", False, True, 1)])
    with pytest.raises(ValueError, match="between 0 and 1"):
        what_if(f, fast_share=1.5)


def _rate_rows(scale: int):
    return [("a", None, "fast", True, True, 60 * scale), ("a", None, "fast", False, True,
                                                              140 * scale),
            ("a", None, "slow or never", True, False, 30 * scale),
            ("a", None, "slow or never", False, False, 270 * scale),
            ("b", None, "fast", True, True, 50 * scale), ("b", None, "fast", False, True,
                                                              50 * scale),
            ("b", None, "slow or never", True, False, 40 * scale),
            ("b", None, "slow or never", False, False, 160 * scale)]


def test_what_if_interval_contains_the_point_and_shrinks_with_n():
    def won(scale):
        out = what_if(_flags(_rate_rows(scale)), fast_share=0.9, cost=1000.0)
        return {r["measure"]: r for r in out.to_dicts()}

    small, large = won(1), won(4)
    for m in ("qualified", "won", "revenue", "cac"):
        assert small[m]["ci_low"] < small[m]["scenario"] < small[m]["ci_high"]
    width = {k: v["won"]["ci_high"] - v["won"]["ci_low"] for k, v in (("s", small), ("l", large))}
    # four times the leads: the change is four times larger, its interval only twice as wide
    assert width["l"] / large["won"]["change"] == pytest.approx(
        width["s"] / small["won"]["change"] / 2, rel=0.05)


def test_what_if_interval_matches_a_bootstrap_of_the_cell_rates():
    rows = _rate_rows(1)
    out = what_if(_flags(rows), fast_share=1.0).filter(pl.col("measure") == "won").row(
        0, named=True)
    # reference: resample each cell's leads, change = sum over sources of slow leads x
    # (fast rate - slow rate)
    rng = np.random.default_rng(0)
    change = np.zeros(20_000)
    for src in ("a", "b"):
        cell = {speed: (sum(n for s, _, sp, w, _, n in rows if s == src and sp == speed and w),
                        sum(n for s, _, sp, _, _, n in rows if s == src and sp == speed))
                for speed in ("fast", "slow or never")}
        (kf, nf), (ks, ns) = cell["fast"], cell["slow or never"]
        change += ns * (rng.binomial(nf, kf / nf, change.size) / nf
                        - rng.binomial(ns, ks / ns, change.size) / ns)
    lo, hi = np.percentile(change, [2.5, 97.5])
    assert out["change"] == pytest.approx(300 * (0.3 - 0.1) + 200 * (0.5 - 0.2))
    assert out["ci_low"] - out["observed"] == pytest.approx(lo, rel=0.03)
    assert out["ci_high"] - out["observed"] == pytest.approx(hi, rel=0.03)


def test_speed_card_at_stake_is_the_what_if_at_all_answered_fast(sample_ds):
    fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(sample_ds)
    card = REGISTRY["speed"].run(Context.prepare(sample_ds), Settings(),
                                 profile=SAMPLE_SALES_PROFILE)
    flags = lead_flags(sample_ds, in_profile=fit.in_profile_, fast_hours=1.0)
    change = dict(what_if(flags, fast_share=1.0).select("measure", "change").iter_rows())
    ev = card.evidence
    assert card.status == "problem" and ev["windows"] == "fixed"
    assert ev["qualified_at_stake"] == pytest.approx(change["qualified"], abs=0.05)
    assert ev["wins_at_stake"] == pytest.approx(change["won"], abs=0.05)
    assert ev["revenue_at_stake"] == pytest.approx(change["revenue"], abs=0.5)
    assert ev["at_stake_label"] == "an upper-bound scenario"


def test_qualification_gaps_counts_opportunities_missing_each_field():
    csv = (b"lead_id,created_at,opportunity_at,outcome,Budget Confirmed,Purchase Timeline,"
           b"Industry\n"
           b"1,2024-01-01,2024-01-05,won,Yes,Q1,Retail\n"
           b"2,2024-01-01,2024-01-05,lost,,Q2,Retail\n"
           b"3,2024-01-01,2024-01-05,lost,No,,Retail\n"
           b"4,2024-01-01,,lost,,,Retail\n")  # not an opportunity: not counted
    ds = build_dataset([("leads", read_file(csv, name="l.csv"))])
    out = qualification_gaps(ds).select("field", "opportunities", "missing",
                                        "win_rate_filled", "win_rate_missing")
    expected = pl.DataFrame({
        "field": ["Budget Confirmed", "Purchase Timeline", "(any of them)"],
        "opportunities": [3, 3, 3], "missing": [1, 1, 2],
        "win_rate_filled": [0.5, 0.5, 1.0], "win_rate_missing": [0.0, 0.0, 0.0]})
    assert_frame_equal(out, expected, check_dtypes=False)


def test_qualification_gaps_without_such_fields_is_none():
    csv = b"lead_id,created_at,opportunity_at,outcome,Industry\n1,2024-01-01,2024-01-05,won,X\n"
    assert qualification_gaps(build_dataset([("leads", read_file(csv, name="l.csv"))])) is None


def test_pipeline_check_realised_value_is_won_amount():
    csv = (b"lead_id,created_at,opportunity_at,closed_at,outcome,amount\n"
           b"1,2024-01-01,2024-01-02,2024-01-12,won,100\n"
           b"2,2024-01-01,2024-01-02,2024-01-20,won,50\n"
           b"3,2024-01-01,2024-01-02,2024-01-20,lost,70\n")
    ds = build_dataset([("leads", read_file(csv, name="l.csv"))])
    assert pipeline_check(ds)["won_value"].to_list() == [150.0]
