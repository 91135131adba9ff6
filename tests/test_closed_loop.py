"""Unit tests of funnel.closed_loop: per-source/campaign loop, spend matching, CAC."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import polars as pl
import pytest

import funnel
from funnel.analyses.closed_loop import (
    UNMATCHED,
    closed_loop,
    compare_groups,
    funnel_summary,
    sources_summary,
    spend_matching,
)
from funnel.dataset.errors import InputError
from funnel.dataset.labels import match_label
from funnel.dataset.schema import Mapping
from funnel.dataset.tables import Dataset, Health
from funnel.ingest.footer import TOTALS


def _ds(leads: pl.DataFrame, spend: pl.DataFrame | None = None) -> Dataset:
    health = Health([], pl.DataFrame(schema={"file": pl.String, "row": pl.Int64,
                                             "reason": pl.String}), [], [])
    return Dataset(leads, None, None, spend, [], Mapping(), health, "t")


LEADS = pl.DataFrame({
    "lead_id": [str(i) for i in range(8)],
    "source": ["Web", "Web", "Web", "web", "Event", "Event", None, "Web"],
    "sql_at": [dt.datetime(2025, 1, 2)] * 3 + [None] * 5,
    "outcome": ["won", "won", "lost", "open", "won", "lost", "lost", "open"],
    "amount": [100.0, 300.0, None, None, 50.0, None, None, None],
})


@pytest.mark.parametrize(("label", "candidates", "want"), [
    ("Web", ["Web", "web site"], ("Web", "exact")),
    ("paid_search", ["Paid Search"], ("Paid Search", "same letters (case, spacing, punctuation)")),
    ("PAID-SEARCH (Google Ads)", ["Paid Search", "Paid Social"], ("Paid Search", "contains")),
    ("Search", ["Paid Search", "Organic Search"], (None, "ambiguous: Paid Search, Organic Search")),
    ("Referral programme", ["Referrals"], ("Referrals", "word overlap")),
    ("TV", ["Referrals"], (None, "no match")),
])
def test_match_label_loose_rules(label, candidates, want):
    got, how, _ = match_label(label, candidates)
    assert (got, how) == want


def test_closed_loop_counts_rates_and_merged_case():
    t = closed_loop(_ds(LEADS))
    web = t.filter(pl.col("source") == "Web").row(0, named=True)
    assert (web["leads"], web["qualified"], web["won"], web["revenue"]) == (5, 3, 2, 400.0)
    assert web["rate"] == pytest.approx(0.4) and web["avg_deal"] == pytest.approx(200.0)
    assert web["ci_low"] < 0.4 < web["ci_high"]
    assert t["source"].to_list() == ["Web", "Event", "(none)"]
    assert t["leads"].sum() == LEADS.height


def test_closed_loop_without_merge_keeps_spellings():
    t = closed_loop(_ds(LEADS), merge_case=False)
    assert set(t["source"]) == {"Web", "web", "Event", "(none)"}


def test_closed_loop_rank_uses_shrunk_rate_so_tiny_groups_do_not_top():
    leads = pl.DataFrame({
        "lead_id": [str(i) for i in range(2006)],
        "source": ["tiny"] * 6 + ["big"] * 1000 + ["mid"] * 1000,
        "outcome": ["won"] * 3 + ["lost"] * 3 + ["won"] * 300 + ["lost"] * 700
        + ["won"] * 100 + ["lost"] * 900,
    })
    t = closed_loop(_ds(leads)).sort("rank")
    assert t["source"].to_list()[0] == "big"  # tiny has 50% raw but only 6 leads
    tiny = t.filter(pl.col("source") == "tiny").row(0, named=True)
    assert tiny["rate"] == 0.5 and tiny["shrunk_rate"] < 0.4


def test_closed_loop_spend_cac_and_roas():
    spend = pl.DataFrame({"source": ["WEB ", "Events & shows", "Radio"],
                          "month": [dt.datetime(2025, 1, 1)] * 3, "cost": [800.0, 30.0, 5.0]})
    t = closed_loop(_ds(LEADS, spend)).filter(pl.col("source") == "Web").row(0, named=True)
    assert t["cost"] == 800.0 and t["cac"] == 400.0 and t["cost_per_lead"] == 160.0
    assert t["cost_per_qualified"] == pytest.approx(800 / 3)
    assert t["roas"] == pytest.approx(0.5)


def test_closed_loop_group_without_spend_has_no_cost_not_zero():
    spend = pl.DataFrame({"source": ["Web"], "month": [dt.datetime(2025, 1, 1)],
                          "cost": [10.0]})
    t = closed_loop(_ds(LEADS, spend)).filter(pl.col("source") == "Event")
    assert t["cost"].to_list() == [None] and t["cac"].to_list() == [None]


def test_spend_matching_overrides_and_unmatched_kept():
    spend = pl.DataFrame({"source": ["Radio", "Events & shows"],
                          "month": [dt.datetime(2025, 1, 1)] * 2, "cost": [5.0, 30.0]})
    m = spend_matching(_ds(LEADS, spend), overrides={"Radio": "Event"})
    assert m.select("spend_label", "matched", "how").rows() == [
        ("Events & shows", "Event", "contains"), ("Radio", "Event", "chosen by you")]
    with pytest.raises(ValueError, match="not a source"):
        spend_matching(_ds(LEADS, spend), overrides={"Radio": "Nope"})


def test_spend_matching_without_cost_is_a_clear_error():
    spend = pl.DataFrame({"source": ["Web"], "Kosten": ["1"]})
    with pytest.raises(InputError, match="cost"):
        spend_matching(_ds(LEADS, spend))


def test_compare_groups_rate_ratio_sentence():
    t = closed_loop(_ds(LEADS))
    c = compare_groups(t, by="source", a="Web", b="Event")
    assert c["ratio"] == pytest.approx(0.4 / 0.5)
    assert c["ci_low"] < c["ratio"] < c["ci_high"]
    assert c["text"].startswith("Web converts 0.80× Event (95% CI ")
    with pytest.raises(KeyError):
        compare_groups(t, by="source", a="Web", b="Nope")


def test_sources_summary_contract_keys_and_unmatched_row():
    spend = pl.DataFrame({"source": ["Web", "TV"], "month": [dt.datetime(2025, 1, 1)] * 2,
                          "cost": [10.0, 7.0]})
    rows = sources_summary(_ds(LEADS, spend))
    assert {"source", "leads", "won", "rate", "revenue", "cost", "cac"} <= set(rows[0])
    assert rows[-1]["source"] == UNMATCHED and rows[-1]["cost"] == 7.0
    assert rows[0]["spend_labels"] == ["Web"]


def test_sources_summary_lists_spend_without_a_source_column_as_unmatched():
    spend = pl.DataFrame({"campaign": ["Lookalike", "Retargeting", "Lookalike"],
                          "month": [dt.datetime(2025, 1, 1)] * 3, "cost": [10.0, 7.0, 3.0]})
    rows = sources_summary(_ds(LEADS, spend))
    assert (rows[-1]["source"], rows[-1]["cost"], rows[-1]["spend_labels"]) == (
        UNMATCHED, 20.0, ["Lookalike", "Retargeting"])


def test_funnel_summary_contract_keys_and_exits():
    rows = funnel_summary(_ds(LEADS))
    assert [r["stage"] for r in rows] == ["lead", "sql", "won"]
    assert {"stage", "count", "rate_from_previous", "rate_from_first"} <= set(rows[0])
    assert (rows[0]["stopped"], rows[0]["lost"], rows[0]["open"]) == (2, 2, 2)  # open apart
    assert rows[-1]["stopped"] is None


# --------------------------------------------------------------------------------------
# Done-when checks on the real exports and a messy spend file
# --------------------------------------------------------------------------------------

def test_closed_loop_olist_matches_independent_count(olist_files, olist_dataset):
    leads_path, deals_path = olist_files
    with open(deals_path, newline="", encoding="utf-8") as fh:
        won_ids = {r["mql_id"] for r in csv.DictReader(fh)}
    leads_n, won_n = Counter(), Counter()
    with open(leads_path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            key = r["origin"].strip() or "(none)"
            leads_n[key] += 1
            won_n[key] += r["mql_id"] in won_ids
    t = closed_loop(olist_dataset, by="source")
    assert dict(zip(t["source"], t["leads"], strict=True)) == dict(leads_n)
    assert dict(zip(t["source"], t["won"], strict=True)) == dict(won_n)


def test_closed_loop_xed_matches_independent_count(xed_file, xed_dataset):
    leads_n, won_n, spell = Counter(), Counter(), {}
    with open(xed_file, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            raw = r["Lead Source"].strip()
            key = raw.lower() or "(none)"  # Google and google: one source
            spell.setdefault(key, Counter())[raw or "(none)"] += 1
            leads_n[key] += 1
            won_n[key] += r["Converted"] == "1"
    t = closed_loop(xed_dataset, by="source")
    ours = {s.lower(): (n, w) for s, n, w in t.select("source", "leads", "won").iter_rows()}
    assert ours == {k: (leads_n[k], won_n[k]) for k in leads_n}
    assert "Google" in t["source"].to_list()  # shown under its most frequent spelling
    assert spell["google"].most_common(1)[0][0] == "Google"


MESSY_LEADS = """Record ID,Create Date,Original Source,Lifecycle Stage,Amount
1,2025-11-03 10:00,Paid Search,Customer,1000
2,2025-11-04 10:00,Paid Search,Lead,
3,2025-11-05 10:00,Paid Search,Sales Qualified Lead,
4,2025-11-06 10:00,Paid Social,Customer,2500
5,2025-12-01 10:00,Paid Social,Lead,
6,2025-12-02 10:00,Referrals,Customer,500
7,2025-12-03 10:00,Organic Search,Lead,
"""
MESSY_SPEND = ("Month;Channel;Spend\n"
               "2025-11;PAID-SEARCH (Google Ads);€ 1.234,56\n"
               "2025-12;PAID-SEARCH (Google Ads);€ 765,44\n"
               '2025-12;Paid  social ads;"€2.000,00"\n'
               "2025-12;Referral programme;€ 99,50\n"
               "2025-12;TV;€ 10,00\n")


def test_closed_loop_messy_spend_file_gives_cac_per_source(write_file):
    ds = funnel.load(write_file("leads.csv", MESSY_LEADS),
                     spend=write_file("spend.csv", MESSY_SPEND))
    m = spend_matching(ds)
    assert m.select("spend_label", "matched", "cost").rows() == [
        ("PAID-SEARCH (Google Ads)", "Paid Search", 2000.0),
        ("Paid  social ads", "Paid Social", 2000.0),
        ("Referral programme", "Referrals", 99.5),
        ("TV", None, 10.0)]
    t = closed_loop(ds)
    cac = dict(zip(t["source"], t["cac"], strict=True))
    assert cac == {"Paid Search": 2000.0, "Paid Social": 2000.0, "Referrals": 99.5,
                   "Organic Search": None}
    # nothing dropped: matched + unmatched spend is the file's total
    assert t["cost"].sum() + m.filter(pl.col("matched").is_null())["cost"].sum() == \
        pytest.approx(1234.56 + 765.44 + 2000 + 99.5 + 10)


@pytest.mark.parametrize("label", ["Total", "Grand Total", "Total: Account", "Summe", "Subtotal"])
def test_load_rejects_a_spend_files_totals_row_instead_of_counting_it_twice(write_file, label):
    spend = MESSY_SPEND + f"2025-12;{label};€ 4.109,50\n"
    ds = funnel.load(write_file("leads.csv", MESSY_LEADS), spend=write_file("spend.csv", spend))
    assert (ds.spend["cost"].sum(), ds.health.rejected["reason"].to_list()) == (
        pytest.approx(4109.5), [TOTALS])


def test_load_keeps_a_campaign_whose_name_only_starts_like_total(write_file):
    spend = MESSY_SPEND + "2025-12;Total Rewards promo;€ 5,00\n"
    ds = funnel.load(write_file("leads.csv", MESSY_LEADS), spend=write_file("spend.csv", spend))
    assert (ds.spend.height, ds.health.rows_rejected) == (6, 0)


def test_load_rejects_a_deals_files_totals_row(write_file):
    deals = "Deal ID,Lead ID,Amount,Stage\nD1,1,100,Closed Won\nD2,2,50,Closed Won\nTotal,,150,\n"
    ds = funnel.load(write_file("leads.csv", MESSY_LEADS), deals=write_file("deals.csv", deals))
    assert (ds.deals["deal_id"].to_list(), ds.health.rejected["reason"].to_list()) == (
        ["D1", "D2"], [TOTALS])


def test_load_rejects_a_subtotal_row_under_a_source(write_file):
    spend = ("Month;Channel;Campaign;Spend\n2025-11;Google;brand;€ 10,00\n"
             "2025-11;Google;generic;€ 5,00\n2025-11;Google;Subtotal;€ 15,00\n")
    ds = funnel.load(write_file("leads.csv", MESSY_LEADS), spend=write_file("spend.csv", spend))
    assert ds.spend["cost"].sum() == pytest.approx(15.0)
