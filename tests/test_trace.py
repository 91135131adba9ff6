"""Unit tests of funnel.trace: one lead's path as a tidy event frame."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from funnel.analyses.trace import EVENT_SCHEMA, lead_profile, lead_trace
from funnel.dataset.errors import InputError
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Dataset, Health

T0 = dt.datetime(2025, 3, 1, 9)


def _t(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


def _ds(**parts) -> Dataset:
    health = Health([], pl.DataFrame(schema={"file": pl.String, "row": pl.Int64,
                                             "reason": pl.String}), [], [])
    return Dataset(parts["leads"], parts.get("deals"), parts.get("activities"), None, [],
                   Mapping(), health, "t")


LEADS = pl.DataFrame({
    "lead_id": ["L1", "L2"], "created_at": [_t(0), _t(1)], "source": ["Web", "Event"],
    "campaign": [None, "fair"], "owner": ["ann", None], "assigned_at": [_t(0.5), None],
    "mql_at": [_t(2), None], "first_response_at": [_t(1), None],
    "outcome": ["won", "open"], "closed_at": [_t(100), None], "amount": [5000.0, None],
    "lost_reason": [None, None], "__row": [2, 3],
})
ACTS = pl.DataFrame({"lead_id": ["L1", "L1"], "at": [_t(3), _t(1)], "kind": ["call", "email"],
                     "owner": ["bob", "ann"], "Activity - ID": ["9", "8"],
                     "Subject": ["Demo", "Hello"]})
DEALS = pl.DataFrame({"deal_id": ["D1"], "lead_id": ["L1"], "created_at": [_t(50)],
                      "amount": [5000.0], "outcome": ["won"], "closed_at": [_t(100)],
                      "owner": ["ann"], "stage": ["Negotiation"], "lost_reason": [None]},
                     schema_overrides={"lost_reason": pl.String})


def test_lead_trace_orders_every_event_in_time():
    t = lead_trace(_ds(leads=LEADS, activities=ACTS, deals=DEALS), "L1")
    assert t.schema == pl.Schema(EVENT_SCHEMA)
    assert t["event"].to_list() == [
        "Created", "Assigned", "First sales touch", "Activity: email", "Became MQL",
        "Activity: call", "Deal created", "Deal won", "Outcome: won"]
    assert t["at"].is_sorted()


def test_lead_trace_details_and_who():
    t = lead_trace(_ds(leads=LEADS, activities=ACTS, deals=DEALS), "L1")
    rows = {r["event"]: r for r in t.iter_rows(named=True)}
    assert rows["Created"]["detail"] == "source: Web"
    assert rows["First sales touch"]["owner"] == "ann"
    assert rows["Activity: call"]["detail"] == "Subject: Demo"  # ids left out
    assert rows["Deal created"]["detail"] == "D1, amount 5,000, stage Negotiation"
    assert rows["Outcome: won"]["detail"] == "amount 5,000"


def test_lead_trace_open_untouched_lead_says_so():
    t = lead_trace(_ds(leads=LEADS, activities=ACTS), "L2")
    assert t["event"].to_list() == ["Created", "Never touched", "Outcome: open"]
    assert t["at"].to_list()[1:] == [None, None]  # undated events last


def test_lead_trace_unknown_id_is_a_clear_error():
    with pytest.raises(InputError, match="No lead has the id 'nope'"):
        lead_trace(_ds(leads=LEADS), "nope")


def test_lead_profile_lists_fields_without_internal_columns():
    p = lead_profile(_ds(leads=LEADS), "L1")
    assert "__row" not in p["field"].to_list()
    assert dict(zip(p["field"], p["value"], strict=True))["amount"] == "5,000"


def test_lead_profile_gives_a_field_the_lead_lacks_as_missing():
    leads = pl.DataFrame({"lead_id": ["L1"], "owner": [None], "Employees": [None]},
                         schema={"lead_id": pl.String, "owner": pl.String, "Employees": pl.Float64})
    p = lead_profile(_ds(leads=leads), "L1")
    shown = dict(zip(p["field"], p["value"], strict=True))
    assert (shown["owner"], shown["Employees"]) == (None, None)  # the grid shows "—"
