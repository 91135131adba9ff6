"""Fields set by or after the outcome are never profile attributes or traits."""

from __future__ import annotations

import polars as pl
import pytest

from funnel.analyses.profile.learned import LearnedProfile
from funnel.ingest.outcome_fields import outcome_reason

OUTCOMES = ["won"] * 6 + ["lost"] * 6 + ["open"] * 8


@pytest.mark.parametrize("name", [
    "Converted", "Converted Opportunity ID", "# Converted Opportunities", "Conversion Rate",
    "Lead Status", "Status at conversion", "Opportunity Stage", "Probability (%)",
    "Record Type ID", "IsConverted", "Forecast Category",
    # a lead's deal counts and sums (HubSpot, Pipedrive), how and when it closed
    "Number of Associated Deals", "Recent Deal Amount", "First Deal Created Date",
    "Total Revenue", "Days To Close", "Became a Customer Date", "Person - Open deals",
    "Person - Closed deals", "Deal - Weighted value", "Deal - Deal closed on",
    "Expected Revenue",
])
def test_outcome_reason_leaves_out_fields_named_for_the_outcome(name):
    leads = pl.DataFrame({"outcome": OUTCOMES, name: ["a", "b"] * 10})
    assert outcome_reason(leads, name) == "set at or after conversion (its name says so)"


def test_outcome_reason_leaves_out_a_field_empty_until_conversion():
    leads = pl.DataFrame({"outcome": OUTCOMES * 3, "deals": ([1] * 12 + [0] * 8) * 3,
                          "Account Tier": (["Gold", "Silver"] * 6 + [None] * 8) * 3})
    assert outcome_reason(leads, "Account Tier").startswith("empty for every lead")


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical])
def test_outcome_reason_reads_blank_text_as_empty_until_conversion(dtype):
    # a text attribute kept compactly (Categorical) holds its blanks as they were read
    leads = pl.DataFrame({"outcome": OUTCOMES * 3, "deals": ([1] * 12 + [0] * 8) * 3,
                          "Contract": pl.Series((["C-1", "C-2"] * 6 + [" "] * 8) * 3,
                                                dtype=dtype)})
    assert outcome_reason(leads, "Contract").startswith("empty for every lead")


def test_outcome_reason_leaves_out_a_field_that_separates_won_from_the_rest():
    leads = pl.DataFrame({"outcome": OUTCOMES, "Flag": ["x"] * 6 + ["y"] * 14})
    assert outcome_reason(leads, "Flag").startswith("on its own it tells won from not-won")


def test_outcome_reason_sees_a_field_filled_for_one_unconverted_lead_far_down():
    n = 3_000  # the one unconverted lead with a value sits past the first rows looked at
    tier = ["Gold"] * 12 + [""] * (n - 12)  # blanks: empty, but not missing values
    tier[2_500] = "Silver"
    leads = pl.DataFrame({"outcome": ["won"] * 12 + ["open"] * (n - 12), "Account Tier": tier})
    assert outcome_reason(leads, "Account Tier") != (
        "empty for every lead that has not converted (filled at conversion)")


def test_outcome_reason_reads_zero_and_minus_zero_as_one_value():
    leads = pl.DataFrame({"outcome": ["won"] * 6 + ["lost"] * 10,
                          "Discount": [0.0] * 3 + [-0.0] * 3 + [1.0] * 10})  # "-0", "(0)"
    assert outcome_reason(leads, "Discount").startswith("on its own it tells won")


def test_outcome_reason_flags_a_separating_field_with_many_distinct_values():
    # 180 values of 5 leads (90 all won, 90 all lost) and 100 of one lead: 28% distinct,
    # just under the most a field can have and still separate (30%)
    values = [f"v{i}" for i in range(180) for _ in range(5)] + [f"s{i}" for i in range(100)]
    outcome = ["won"] * 450 + ["lost"] * 450 + ["won", "lost"] * 50
    leads = pl.DataFrame({"outcome": outcome, "Segment": values})
    assert outcome_reason(leads, "Segment").startswith("on its own it tells won")


@pytest.mark.parametrize("values", [[1.0] * 6 + [0.0] * 14, [True] * 6 + [False] * 14])
def test_outcome_reason_leaves_out_a_number_or_flag_that_separates(values):
    leads = pl.DataFrame({"outcome": OUTCOMES, "Score Band": values})
    assert outcome_reason(leads, "Score Band").startswith("on its own it tells won")


def test_outcome_reason_keeps_a_near_unique_field():
    leads = pl.DataFrame({"outcome": OUTCOMES * 50,
                          "Email": [f"p{i}@x.example" for i in range(1_000)]})
    assert outcome_reason(leads, "Email") is None


def test_outcome_reason_keeps_a_lead_attribute():
    leads = pl.DataFrame({"outcome": OUTCOMES, "Industry": ["Retail", "Food"] * 10})
    assert outcome_reason(leads, "Industry") is None


def test_learned_profile_never_learns_an_outcome_field_even_when_asked():
    leads = pl.DataFrame({"outcome": OUTCOMES * 5, "Conversion Rate": ["1", "0"] * 50,
                          "Industry": ["Retail", "Food"] * 50})
    lp = LearnedProfile(min_support=1).fit(leads, attributes=["Conversion Rate", "Industry"])
    assert lp.attributes_ == ["Industry"]


@pytest.mark.parametrize("name", ["Annual Revenue", "Number of Employees",
                                  "Expected deal size", "Budget confirmed"])
def test_outcome_reason_keeps_firmographics_named_like_deal_fields(name):
    leads = pl.DataFrame({"outcome": OUTCOMES, name: ["a", "b"] * 10})
    assert outcome_reason(leads, name) is None


def test_outcome_reason_leaves_out_a_field_that_separates_converted_from_the_rest():
    # a rating set to "Hot" when the lead converts: every converted lead has it, won or
    # lost, and no other lead does
    deals = [1] * 12 + [0] * 28
    leads = pl.DataFrame({"outcome": ["won"] * 6 + ["lost"] * 6 + ["open"] * 28,
                          "deals": deals, "Rating": ["Hot" if d else "Warm" for d in deals]})
    assert outcome_reason(leads, "Rating").startswith(
        "on its own it tells converted from not-converted")


def test_outcome_reason_keeps_a_field_that_converted_leads_share_with_others():
    deals = [1] * 12 + [0] * 28
    rating = ["Hot"] * 12 + ["Hot"] * 10 + ["Warm"] * 18  # a pre-sale rating
    leads = pl.DataFrame({"outcome": ["won"] * 6 + ["lost"] * 6 + ["open"] * 28,
                          "deals": deals, "Rating": rating})
    assert outcome_reason(leads, "Rating") is None
