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
])
def test_outcome_reason_leaves_out_fields_named_for_the_outcome(name):
    leads = pl.DataFrame({"outcome": OUTCOMES, name: ["a", "b"] * 10})
    assert outcome_reason(leads, name) == "set at or after conversion (its name says so)"


def test_outcome_reason_leaves_out_a_field_empty_until_conversion():
    leads = pl.DataFrame({"outcome": OUTCOMES * 3, "deals": ([1] * 12 + [0] * 8) * 3,
                          "Account Tier": (["Gold", "Silver"] * 6 + [None] * 8) * 3})
    assert outcome_reason(leads, "Account Tier").startswith("empty for every lead")


def test_outcome_reason_leaves_out_a_field_that_separates_won_from_the_rest():
    leads = pl.DataFrame({"outcome": OUTCOMES, "Flag": ["x"] * 6 + ["y"] * 14})
    assert outcome_reason(leads, "Flag").startswith("on its own it tells won from not-won")


def test_outcome_reason_keeps_a_lead_attribute():
    leads = pl.DataFrame({"outcome": OUTCOMES, "Industry": ["Retail", "Food"] * 10})
    assert outcome_reason(leads, "Industry") is None


def test_learned_profile_never_learns_an_outcome_field_even_when_asked():
    leads = pl.DataFrame({"outcome": OUTCOMES * 5, "Conversion Rate": ["1", "0"] * 50,
                          "Industry": ["Retail", "Food"] * 50})
    lp = LearnedProfile(min_support=1).fit(leads, attributes=["Conversion Rate", "Industry"])
    assert lp.attributes_ == ["Industry"]
