"""The learned "what actually closes" profile."""

from __future__ import annotations

import math

import polars as pl
import pytest

from funnel.analyses.profile.criteria import Criterion, Profile
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.learned import LearnedProfile
from funnel.sample.export import load_sample
from funnel.stats.intervals import Z95, rate_ratio, wilson


def _frame(groups: dict[str, tuple[int, int]], column: str = "Color") -> pl.DataFrame:
    """``value -> (leads, won)`` as a lead table."""
    values, outcomes = [], []
    for v, (n, k) in groups.items():
        values += [v] * n
        outcomes += ["won"] * k + ["lost"] * (n - k)
    return pl.DataFrame({column: values, "outcome": outcomes})


HAND = _frame({"red": (40, 20), "blue": (60, 6)})


def test_learned_rates_and_lift_match_hand_computation():
    lp = LearnedProfile(min_support=1, prior_n=10).fit(HAND, attributes=["Color"])
    red = lp.values_.filter(pl.col("value") == "red").row(0, named=True)
    assert (red["leads"], red["won"]) == (40, 20)
    assert red["rate"] == 0.5 and red["rate_without"] == pytest.approx(0.1)
    assert red["lift"] == pytest.approx(5.0)
    se = math.sqrt(1 / 20 - 1 / 40 + 1 / 6 - 1 / 60)
    assert red["lift_low"] == pytest.approx(5 * math.exp(-Z95 * se))
    assert red["lift_high"] == pytest.approx(5 * math.exp(Z95 * se))
    assert (red["ci_low"], red["ci_high"]) == pytest.approx(wilson(20, 40))
    # shrunk: (20 + 0.26 * 10) / (40 + 10) = 0.452; over the rate without it (0.1)
    assert red["shrunk_rate"] == pytest.approx(0.452)
    assert red["shrunk_lift"] == pytest.approx(4.52)


def test_learned_interval_agrees_with_stats_rate_ratio():
    lp = LearnedProfile(min_support=1).fit(_frame({"a": (30, 0), "b": (70, 9)}),
                                            attributes=["Color"])
    a = lp.values_.filter(pl.col("value") == "a").row(0, named=True)
    assert (a["lift"], a["lift_low"], a["lift_high"]) == pytest.approx(rate_ratio(0, 30, 9, 70))


def test_learned_tiny_group_cannot_top_the_list():
    frame = _frame({"big": (400, 120), "tiny": (5, 5), "rest": (2000, 100)})
    lp = LearnedProfile(min_support=30).fit(frame, attributes=["Color"])
    assert lp.values_["value"][0] == "big"
    tiny = lp.values_.filter(pl.col("value") == "tiny").row(0, named=True)
    assert not tiny["support_ok"]
    assert tiny["lift"] > lp.values_["lift"][0]  # raw lift is higher, yet it ranks below


def test_learned_shrinkage_ranks_small_group_below_large_one_even_with_support():
    frame = _frame({"big": (1000, 300), "small": (12, 6), "rest": (3000, 150)})
    lp = LearnedProfile(min_support=1).fit(frame, attributes=["Color"])
    order = lp.values_["value"].to_list()
    assert order.index("big") < order.index("small")


def test_learned_missing_values_listed_but_never_in_the_profile():
    frame = _frame({"red": (100, 60), "blue": (100, 5)}).with_columns(
        pl.when(pl.int_range(pl.len()) % 50 == 0).then(None).otherwise(pl.col("Color"))
        .alias("Color"))
    lp = LearnedProfile().fit(frame, attributes=["Color"])
    assert "(missing)" in lp.values_["value"].to_list()
    assert lp.profile().criteria == (Criterion("Color", values=("red",)),)


@pytest.mark.parametrize(("column", "values", "reason"), [
    ("Email", [f"p{i}@x.example" for i in range(200)], "personal data"),
    ("Record", [f"R-{i:05d}" for i in range(200)], "an id"),
    ("Lead Number", [float(i) for i in range(200)], "an id"),
    ("Const", ["a"] * 200, "one value only"),
    ("Lead Status", ["Open", "Closed"] * 100, "after the handoff"),
])
def test_learned_excludes_columns_with_a_reason(column, values, reason):
    frame = pl.DataFrame({column: values, "outcome": ["won", "lost"] * 100})
    lp = LearnedProfile(max_distinct=50).fit(frame)
    got = lp.excluded_.filter(pl.col("attribute") == column)
    assert got.height == 1 and reason in got["reason"][0]


def test_learned_excludes_free_text_beyond_max_distinct():
    frame = pl.DataFrame({"Notes": [f"note {i % 150}" for i in range(300)],
                          "outcome": ["won", "lost"] * 150})
    lp = LearnedProfile(max_distinct=100).fit(frame)
    assert "free text" in lp.excluded_["reason"][0]


def test_learned_keeps_a_yes_no_column_named_like_email():
    frame = pl.DataFrame({"Do Not Email": [True, False] * 50, "outcome": ["won", "lost"] * 50})
    assert LearnedProfile().fit(frame).attributes_ == ["Do Not Email"]


def test_learned_explicit_attributes_keep_process_fields():
    frame = pl.DataFrame({"Lead Status": ["Open", "Closed"] * 100,
                          "outcome": ["won", "lost"] * 100})
    assert LearnedProfile().fit(frame, attributes=["Lead Status"]).attributes_ == ["Lead Status"]


def test_learned_bins_numbers_and_profile_takes_the_winning_run():
    sizes = [float(x) for x in range(1, 2001)] * 2
    won = ["won" if 100 <= x < 500 else "lost" for x in sizes]
    lp = LearnedProfile().fit(pl.DataFrame({"Size": sizes, "outcome": won}))
    assert set(lp.values_["kind"]) == {"range"}
    (c,) = lp.profile().criteria
    # round bins of 250: 0–249 (partly winning) and 250–499 win; 500 and up never do
    assert (c.field, c.min, c.max) == ("Size", 1, 499)


def test_learned_profile_yes_no_criterion_reads_as_boolean():
    frame = pl.DataFrame({"Budget": [True] * 100 + [False] * 100,
                          "outcome": ["won"] * 40 + ["lost"] * 160})
    p = LearnedProfile().fit(frame).profile()
    assert p.criteria == (Criterion("Budget", values=(True,)),)
    assert ProfileFit(p).fit(frame).in_n_ == 100


def test_learned_sample_recovers_the_planted_profile():
    p = LearnedProfile().fit(load_sample()).profile()
    fields = {c.field: c for c in p.criteria}
    assert set(fields) == {"Budget Confirmed", "Industry", "Number of Employees", "Job Title"}
    assert set(fields["Industry"].values) == {"Software", "Financial Services"}
    assert fields["Number of Employees"].min == 50


def test_learned_olist_ranks_origins_and_landing_pages(olist_dataset):
    lp = LearnedProfile().fit(olist_dataset)
    top = lp.top(20)
    assert {"source", "campaign"} <= set(top["attribute"])
    assert (top["lift_low"] > 1).all() and (top["leads"] >= 30).all()
    assert isinstance(lp.profile(), Profile)


def test_learned_without_outcomes_has_no_lift():
    lp = LearnedProfile().fit(pl.DataFrame({"x": ["a", "b"] * 50}))
    assert lp.values_["lift"].null_count() == lp.values_.height
    assert lp.profile().criteria == ()
