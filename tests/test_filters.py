"""Unit tests of funnel.filters: date range, source, owner and campaign filters."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from funnel.dataset.errors import InputError
from funnel.dataset.filters import (
    Filters,
    apply_filters,
    filter_options,
    lead_filter_expr,
    lead_index,
    spend_note,
)
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Dataset, Health, has_duplicates

LEADS = pl.DataFrame({
    "lead_id": ["a", "b", "c", "d"],
    "created_at": [dt.datetime(2025, 1, 1, 9), dt.datetime(2025, 1, 31, 23),
                   dt.datetime(2025, 2, 1, 0), dt.datetime(2025, 3, 5)],
    "source": ["Web", "Web", None, "Event"],
    "owner": ["ann", "bob", "ann", None],
})
ACTS = pl.DataFrame({"lead_id": ["a", "a", "c", "d"], "at": [dt.datetime(2025, 4, 1)] * 4})
DEALS = pl.DataFrame({"deal_id": ["x", "y"], "lead_id": ["b", "d"]})
SPEND = pl.DataFrame({"source": ["Web", "Web", "Event"],
                      "month": [dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1),
                                dt.datetime(2025, 3, 1)],
                      "cost": [10.0, 20.0, 30.0]})


def _ds() -> Dataset:
    health = Health([], pl.DataFrame(schema={"file": pl.String, "row": pl.Int64,
                                             "reason": pl.String}), [], [])
    return Dataset(LEADS, DEALS, ACTS, SPEND, [], Mapping(), health, "t")


@pytest.mark.parametrize(("filters", "kept"), [
    (Filters(), ["a", "b", "c", "d"]),
    (Filters(start=dt.date(2025, 1, 31)), ["b", "c", "d"]),
    (Filters(end=dt.date(2025, 1, 31)), ["a", "b"]),  # the end day is included
    (Filters(source=("Web",)), ["a", "b"]),
    (Filters(source=("(none)",)), ["c"]),
    (Filters(owner=("ann", "(none)")), ["a", "c", "d"]),
    (Filters(source=("Web",), owner=("bob",)), ["b"]),
])
def test_apply_filters_keeps_the_chosen_leads(filters, kept):
    assert apply_filters(_ds(), filters).leads["lead_id"].to_list() == kept


def test_apply_filters_deals_and_activities_follow_leads():
    out = apply_filters(_ds(), Filters(owner=("ann",)))
    assert out.activities["lead_id"].to_list() == ["a", "a", "c"]
    assert out.deals.height == 0


def test_apply_filters_spend_keeps_whole_months_of_the_range():
    out = apply_filters(_ds(), Filters(start=dt.date(2025, 2, 15), end=dt.date(2025, 3, 1)))
    assert out.spend["cost"].to_list() == [20.0, 30.0]


def test_apply_filters_empty_returns_same_object():
    ds = _ds()
    assert apply_filters(ds, Filters()) is ds


def test_lead_filter_expr_unknown_field_is_a_clear_error():
    with pytest.raises(InputError, match="campaign"):
        lead_filter_expr(Filters(campaign=("x",)), columns=LEADS.columns)


def test_filter_options_lists_labels_by_count_and_none():
    opts = filter_options(LEADS)
    assert opts["source"] == ["Web", "(none)", "Event"]
    assert opts["start"] == dt.date(2025, 1, 1) and opts["end"] == dt.date(2025, 3, 5)
    assert opts["campaign"] == []


def test_filters_describe_reads_like_a_sentence():
    f = Filters(start=dt.date(2025, 1, 1), source=("Web", "Event"))
    assert f.describe() == "created 2025-01-01 to …; source in Web, Event"
    assert Filters().describe() == "all leads"


@pytest.mark.parametrize("filters", [Filters(owner=("ann",)), Filters(source=("Event",)),
                                     Filters(start=dt.date(2025, 2, 1))])
def test_apply_filters_with_index_equals_without(filters):
    ds = _ds()
    a, b = apply_filters(ds, filters), apply_filters(ds, filters, index=lead_index(ds))
    assert a.activities.equals(b.activities) and a.deals.equals(b.deals)


def test_lead_index_none_when_ids_repeat():
    ds = _ds()
    dup = Dataset(LEADS.with_columns(pl.lit("a").alias("lead_id")), DEALS, ACTS, SPEND, [],
                  ds.mapping, ds.health, "t")
    assert lead_index(dup) is None


def test_apply_filters_spend_follows_a_source_filter_loosely():
    spend = SPEND.with_columns(pl.Series("source", ["WEB ads", "web", "Event"]))
    ds = Dataset(LEADS, DEALS, ACTS, spend, [], _ds().mapping, _ds().health, "t")
    out = apply_filters(ds, Filters(source=("Web",)))
    assert out.spend["cost"].to_list() == [10.0, 20.0]


@pytest.mark.parametrize(("filters", "why"), [
    (Filters(owner=("ann",)), "per owner"),
    (Filters(campaign=("x",)), "no campaign column"),
])
def test_apply_filters_spend_left_out_when_it_cannot_follow(filters, why):
    leads = LEADS.with_columns(pl.lit("x").alias("campaign"))
    ds = Dataset(leads, DEALS, ACTS, SPEND, [], _ds().mapping, _ds().health, "t")
    assert apply_filters(ds, filters).spend is None
    assert why in spend_note(ds.spend, filters)


def test_apply_filters_related_false_keeps_only_leads():
    out = apply_filters(_ds(), Filters(owner=("ann",)), related=False)
    assert out.leads["lead_id"].to_list() == ["a", "c"]
    assert out.activities is None and out.deals is None


@pytest.mark.parametrize(("values", "want"), [
    (["a", "b", None, None], False),
    (["a", "b", "a"], True),
    ([1, 2, 3], False),
    ([7, 7], True),
    ([], False),
])
def test_has_duplicates_ignores_empty_values(values, want):
    assert has_duplicates(pl.Series(values)) is want


def test_has_duplicates_reads_a_compact_column():
    assert has_duplicates(pl.Series(["x", "y", "x"], dtype=pl.Categorical)) is True
