"""Deals whose lead is not in the export count in the deal-level views — owner win
rates, open pipeline age, sales cycle — and the page says so; the lead funnel keeps
the linked ones (issue 12, on the HubSpot fixture: 6 deals, 2 without a lead)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from funnel.analyses.deals import (
    UNLINKED_PREFIX,
    deal_owners,
    unlinked_deals,
    unlinked_note,
    with_unlinked_deals,
)
from funnel.analyses.funnel import funnel_table
from funnel.analyses.velocity import sales_cycle
from funnel.ingest.build import build_dataset, guess_files

ROOT = Path(__file__).resolve().parents[1]
HUBSPOT = ROOT / "tests" / "fixtures" / "crm" / "hubspot"


@pytest.fixture(scope="module")
def hub():
    guessed = guess_files(sorted(HUBSPOT.iterdir()))
    return build_dataset([(g.role, g.table) for g in guessed if g.role])


def test_unlinked_deals_are_the_deals_without_a_lead(hub):
    assert sorted(unlinked_deals(hub)["deal_id"]) == ["9005", "9006"]


def test_deal_owners_count_every_deal_kept(hub):
    t = deal_owners(hub)
    assert int(t["deals"].sum()) == hub.deals.height == 6


def test_deal_owners_win_rate_includes_a_deal_without_lead(hub):
    tom = deal_owners(hub).filter(pl.col("owner") == "Tom Becker").row(0, named=True)
    assert (tom["won"], tom["lost"], tom["win_rate"]) == (2, 1, pytest.approx(2 / 3))


def test_deal_owners_open_age_includes_a_deal_without_lead(hub):
    lena = deal_owners(hub).filter(pl.col("owner") == "Lena Park").row(0, named=True)
    assert (lena["open"], lena["open_oldest_days"]) == (2, pytest.approx(46.875))


def test_with_unlinked_deals_adds_records_with_their_own_ids(hub):
    leads, added = with_unlinked_deals(hub)
    new = leads["lead_id"].tail(added).to_list()
    assert (added, new) == (2, [f"{UNLINKED_PREFIX}9005", f"{UNLINKED_PREFIX}9006"])


def test_sales_cycle_includes_deals_without_lead(hub):
    cycle = sales_cycle(hub)
    linked = hub.leads["opportunity_at"].is_not_null().sum()
    assert (int(cycle["entered"][0]), "2 deals without a lead" in cycle["population"][0]) == (
        linked + 2, True)


def test_lead_funnel_uses_the_linked_deals_only(hub):
    assert funnel_table(hub.leads)["count"][0] == hub.leads.height == 10


@pytest.mark.parametrize(("n", "expected"), [
    (0, None), (1, "1 deal without a lead in this export is included here."),
    (1200, "1,200 deals without a lead in this export are included here."),
])
def test_unlinked_note_says_how_many(n, expected):
    assert unlinked_note(n) == expected


def test_sample_sales_cycle_unchanged_without_unlinked_deals(sample_ds):
    assert sales_cycle(sample_ds)["population"][0] == "leads that became opportunities"


def test_funnel_page_says_deals_without_lead_are_included():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader[0].set_value(
        [(p.name, p.read_bytes(), "text/csv") for p in sorted(HUBSPOT.iterdir())]).run()
    at.switch_page("pages/funnel.py")
    at.query_params["view"] = "Velocity"  # the sales cycle and the deals by owner
    at.run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if "without a lead in this export" in c.value]
    assert len(said) == 2 and all("2 deals without a lead in this export are included here."
                                  in s for s in said)
