"""The learned "what actually closes" profile."""

from __future__ import annotations

import math
import zlib

import numpy as np
import polars as pl
import pytest

from funnel.analyses.profile.criteria import Criterion, Profile
from funnel.analyses.profile.fit import ProfileFit, profile_verdict
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.analyses.profile.learned import LearnedProfile, compare_stated
from funnel.analyses.profile.split import (
    crc32_each,
    learned_note,
    learned_split,
    learning_half,
)
from funnel.analyses.profile.traits import is_process_field
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


def test_learned_values_do_not_depend_on_the_order_of_the_rows():
    # two pairs of tied values: equal counts, so equal rates, lifts and shrunk lifts
    frame = _frame({"red": (40, 12), "teal": (40, 12), "blue": (60, 6), "gold": (60, 6),
                    "gray": (80, 8)})
    first = LearnedProfile(min_support=1).fit(frame, attributes=["Color"]).values_
    for seed in range(5):
        shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
        again = LearnedProfile(min_support=1).fit(shuffled, attributes=["Color"]).values_
        assert again.equals(first)


def test_learned_value_with_two_equally_common_spellings_is_always_shown_the_same():
    frame = _frame({"ACME": (20, 10), "Acme": (20, 10), "blue": (60, 6)})
    for seed in range(5):
        shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
        values = LearnedProfile(min_support=1).fit(shuffled, attributes=["Color"]).values_
        assert "ACME" in values["value"].to_list()  # the first of the tied spellings


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
    # sales activity counts, also written as one word (Salesforce's API names)
    ("Number of times contacted", ["1", "2"] * 100, "after the handoff"),
    ("Number of Sales Activities", ["3", "4"] * 100, "after the handoff"),
    ("LastActivityDate", ["x", "y"] * 100, "after the handoff"),
    # a date left as text (an unmapped update time) is not a trait
    ("Update time", ["2024-06-30 00:00:00", "2024-05-01 10:00:00"] * 100, "a date"),
    ("Expected close", ["30.06.2024", "01.05.2024"] * 100, "a date"),
    ("Contact person", ["Ana Lima", "Jo Park"] * 100, "personal data"),
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
    # a process field not set by the outcome (issue 12: a status never is, see
    # tests/test_outcome_fields.py)
    frame = pl.DataFrame({"Tags": ["Ringing", "Busy"] * 100,
                          "outcome": ["won", "lost"] * 100})
    assert LearnedProfile().fit(frame, attributes=["Tags"]).attributes_ == ["Tags"]


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


# -- what is never a trait -----------------------------------------------------------------


@pytest.mark.parametrize("placeholder", ["unknown", "Unknown", "Select", "N/A", "(not set)"])
def test_learned_unknown_or_placeholder_value_is_missing_never_a_trait(placeholder):
    # the placeholder wins most: still listed only as the missing row, never in the profile
    frame = _frame({placeholder: (200, 120), "paid": (400, 40), "organic": (400, 40)})
    lp = LearnedProfile().fit(frame, attributes=["Color"])
    assert placeholder not in lp.values_["value"].to_list()
    missing = lp.values_.filter(pl.col("kind") == "missing").row(0, named=True)
    assert (missing["value"], missing["leads"]) == ("(missing)", 200)
    assert lp.top().height == 0 and lp.profile().criteria == ()


def test_learned_missing_values_never_a_trait_even_when_they_win():
    frame = _frame({"red": (300, 30), "blue": (300, 30)}).with_columns(
        pl.when(pl.int_range(pl.len()) < 100).then(None).otherwise(pl.col("Color"))
        .alias("Color"),
        pl.when(pl.int_range(pl.len()) < 100).then(pl.lit("won")).otherwise(pl.col("outcome"))
        .alias("outcome"))
    lp = LearnedProfile().fit(frame, attributes=["Color"])
    assert set(lp.top()["kind"]) <= {"value"} and "(missing)" not in lp.top()["value"]
    assert lp.profile().criteria == ()


def _id_frame(column: str, values: list) -> pl.DataFrame:
    """1,000 leads: the first 300 win, and ``column`` (an id) is lowest for them."""
    return pl.DataFrame({column: values, "outcome": ["won"] * 300 + ["lost"] * 700})


@pytest.mark.parametrize(("column", "values", "reason"), [
    # X Education's Lead Number with some repeats (70% distinct): its name says id
    ("Lead Number", [660_000 + i % 700 for i in range(1000)], "its name says so"),
    ("account_id", [f"A{i // 3}" for i in range(1000)], "its name says so"),
    # a row number, rising row by row, with a few repeats
    ("Row", [i - i % 8 // 7 for i in range(1000)], "rising row by row"),
    ("Ref", [f"{(i // 2) * 7919:032x}" for i in range(1000)], "look like generated ids"),
])
def test_learned_id_column_is_never_a_trait(column, values, reason):
    lp = LearnedProfile().fit(_id_frame(column, values))
    got = lp.excluded_.filter(pl.col("attribute") == column)["reason"].to_list()
    assert len(got) == 1 and reason in got[0] and got[0].startswith("an id")
    assert column not in lp.attributes_ and lp.profile().criteria == ()


def test_learned_field_filled_mostly_for_winners_is_excluded_with_the_reason():
    # Lead Profile (X Education): filled for 80% of won leads vs 30% of the others
    won = [True] * 100 + [False] * 300
    grade = (["Potential"] * 80 + [None] * 20 + ["Potential"] * 50 + ["Other"] * 40
             + [None] * 210)
    frame = pl.DataFrame({"Lead Profile": grade, "Industry": ["Software", "Retail"] * 200,
                          "outcome": ["won" if w else "lost" for w in won]})
    lp = LearnedProfile().fit(frame)
    (reason,) = lp.excluded_.filter(pl.col("attribute") == "Lead Profile")["reason"]
    assert reason == ("filled for 80% of won leads vs 30% of the others (recorded at or "
                      "after the sale)")
    assert all(c.field != "Lead Profile" for c in lp.profile().criteria)


def test_learned_field_filled_alike_for_winners_and_others_is_kept():
    frame = _frame({"red": (200, 100), "blue": (200, 20)}).with_columns(
        pl.when(pl.int_range(pl.len()) % 5 == 0).then(None).otherwise(pl.col("Color"))
        .alias("Color"))
    assert LearnedProfile().fit(frame).attributes_ == ["Color"]


def test_learned_profile_without_channels_leaves_out_source_and_campaign_fields():
    frame = pl.DataFrame({"source": ["Referral"] * 200 + ["Ads"] * 200,
                          "Lead Origin": ["Form"] * 200 + ["Chat"] * 200,
                          "Industry": ["Software", "Retail"] * 200,
                          "outcome": ["won"] * 150 + ["lost"] * 250})
    lp = LearnedProfile().fit(frame)
    assert {c.field for c in lp.profile().criteria} >= {"source", "Lead Origin"}
    assert all(c.field == "Industry" for c in lp.profile(channels=False).criteria)


# -- learned on one half, judged on the other -------------------------------------------------


def test_learning_half_keeps_each_lead_in_its_half_whatever_the_filter():
    leads = pl.DataFrame({"lead_id": [f"L{i}" for i in range(2000)], "x": range(2000)})
    half = learning_half(leads)
    some = leads.filter(pl.col("x") % 3 == 0)
    assert (learning_half(some) == half[np.arange(0, 2000, 3)]).all()
    assert 0.45 < half.mean() < 0.55


@pytest.mark.parametrize("texts", [
    [""], ["L1", "L22", ""], ["Zoë", "€", "😀x", "ünïcödé"], ["x" * 300, "y", "z" * 17],
    [str(i) for i in range(1000)],
])
@pytest.mark.parametrize("seed", [0, 11, 2**32 - 1])
def test_crc32_each_equals_zlib_per_text(texts, seed):
    got = crc32_each(pl.Series(texts), seed=seed)
    assert got.dtype == np.uint32
    assert got.tolist() == [zlib.crc32(t.encode(), seed) for t in texts]


def test_crc32_each_reads_a_slice_of_a_longer_column():
    texts = [f"lead-{i}" * (i % 4) for i in range(100)]
    got = crc32_each(pl.Series(texts).slice(37, 20), seed=11)
    assert got.tolist() == [zlib.crc32(t.encode(), 11) for t in texts[37:57]]


def test_crc32_each_reads_a_column_in_several_chunks():
    parts = [pl.Series(["ab", "c"]), pl.Series(["dé", ""])]
    got = crc32_each(pl.concat(parts, rechunk=False), seed=3)
    assert got.tolist() == [zlib.crc32(t.encode(), 3) for t in ["ab", "c", "dé", ""]]


def test_crc32_each_reads_arrow_string_views(monkeypatch):
    texts = ["L-1", "Zoë", ""]
    newest = pl.Series.to_arrow

    def as_views(self, *args, **kwargs):
        return newest(self, compat_level=pl.CompatLevel.newest())

    monkeypatch.setattr(pl.Series, "to_arrow", as_views)
    assert str(pl.Series(texts).to_arrow().type) == "string_view"
    assert crc32_each(pl.Series(texts), seed=7).tolist() == [
        zlib.crc32(t.encode(), 7) for t in texts]


def test_crc32_each_of_no_texts_is_empty():
    assert crc32_each(pl.Series([], dtype=pl.String), seed=11).tolist() == []


def test_learning_half_is_the_hash_it_always_was():
    ids = [f"00Q{i:012d}" for i in range(500)]
    h = np.array([zlib.crc32(k.encode(), 11) for k in ids], dtype=np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    assert (learning_half(pl.DataFrame({"lead_id": ids})) == ((h >> np.uint32(31)) == 0)).all()


def _chance_frame() -> pl.DataFrame:
    """A noise field: on the learning half 'A' happens to win 3× as often, on the judging
    half every value wins 10% of the time."""
    ids = [f"L{i}" for i in range(4000)]
    learn = learning_half(pl.DataFrame({"lead_id": ids}))
    colour = ["A" if i % 4 == 0 else "B" if i % 4 == 1 else "C" for i in range(4000)]
    rng = np.random.default_rng(5)
    u = rng.random(4000)
    win = [u[i] < (0.3 if colour[i] == "A" and learn[i] else 0.1) for i in range(4000)]
    return pl.DataFrame({"lead_id": ids, "Colour": colour,
                         "outcome": ["won" if w else "lost" for w in win]})


def test_held_out_lift_of_a_chance_value_is_about_one_on_the_other_half():
    h = HeldOutProfile().fit(_chance_frame())
    a = h.values_.filter(pl.col("value") == "A").row(0, named=True)
    assert a["lift_low"] > 1.5  # in sample: "separates winners"
    assert a["judged_low"] < 1 < a["judged_high"] and 0.8 < a["judged_lift"] < 1.25
    assert a["judged_leads"] + a["leads"] == 1000


def test_held_out_profile_is_judged_only_on_the_leads_it_was_not_learned_from():
    frame = _chance_frame()
    h = HeldOutProfile().fit(frame)
    assert h.profile_.criteria == (Criterion("Colour", values=("A",)),)
    in_sample = ProfileFit(Profile("same", h.profile_.criteria)).fit(
        frame.filter(pl.Series(learning_half(frame))))
    assert in_sample.rate_ratio_[1] > 1.5
    ratio, lo, hi = h.rate_ratio_
    assert lo < 1 < hi and h.check_.judged_on_ == h.n_judge_
    assert h.check_.outcomes_["leads"].sum() == h.n_judge_
    assert "among the" in profile_verdict(h.check_) and "includes 1" in profile_verdict(h.check_)


def test_learned_profile_once_edited_is_judged_on_every_lead():
    h = HeldOutProfile().fit(_chance_frame())
    assert learned_split(h.profile_)["learned_on"] == h.n_learn_
    edited = h.profile_.with_criterion(Criterion("Colour", values=("A", "B")), index=0)
    assert learned_split(edited) is None and learned_note(edited) is None
    assert ProfileFit(edited).fit(_chance_frame()).judged_on_ is None


def test_learned_note_gives_both_counts():
    h = HeldOutProfile().fit(_chance_frame())
    note = learned_note(h.profile_)
    assert f"{h.n_learn_:,} leads" in note and f"other {h.n_judge_:,}" in note


def test_learned_profile_round_trips_its_split_through_the_file():
    h = HeldOutProfile().fit(_chance_frame())
    again = Profile.from_json(h.profile_.to_json())
    assert ProfileFit(again).fit(_chance_frame()).judged_on_ == h.n_judge_


def test_compare_stated_lists_only_winners_that_hold_up_on_the_other_half():
    frame = _chance_frame()
    h = HeldOutProfile().fit(frame)
    t = compare_stated(frame, [], h.learned_)
    row = t.filter(pl.col("attribute") == "Colour").row(0, named=True)
    assert row["winners look like"] == "no value holds up on the leads it was not learned from"


@pytest.mark.parametrize(("name", "process"), [
    ("Number of times contacted", True), ("Last Contacted", True),
    ("Last Engagement Date", True), ("LastActivityDate", True),
    ("How would you like to be contacted", False), ("Engagement model", False),
    ("Industry", False)])
def test_is_process_field_reads_sales_activity_names_only(name, process):
    assert is_process_field(name) is process
