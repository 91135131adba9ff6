"""The fixture corpus end to end: each CRM export, given to ``funnel diagnose FILE...``
with no mapping file, gives the hand counts of ``tests/fixtures/crm/expected.csv``
(written next to the rows in ``tests/fixtures/crm/make_fixtures.py``)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from funnel.analyses.profile.learned import LearnedProfile
from funnel.dataset.schema import normalise_header
from funnel.findings.registry import findings
from funnel.ingest.build import build_dataset, guess_files, guess_roles, load
from funnel.ingest.outcome_fields import OUTCOME_NAME, left_out_fields
from funnel.ingest.readers import read_file

ROOT = Path(__file__).resolve().parent.parent
CRM = ROOT / "tests" / "fixtures" / "crm"
NOW = dt.datetime(2025, 12, 31)
CASES = list(csv.DictReader((CRM / "expected.csv").read_text(encoding="utf-8").splitlines()))


def _int(text: str) -> int | None:
    return int(text) if text else None


def _diagnose(case: str) -> tuple[dict, str]:
    files = sorted(str(p) for p in (CRM / case).iterdir())
    run = subprocess.run([sys.executable, "-m", "funnel", "diagnose", *files, "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), run.stderr


@pytest.fixture(scope="module", params=CASES, ids=[c["case"] for c in CASES])
def case(request):
    out, err = _diagnose(request.param["case"])
    return request.param, out, err


def test_fixture_counts_rows(case):
    want, out, _ = case
    got = out["rows"]
    assert (got["leads"], got["deals"], got["activities"], got["rejected"]) == (
        int(want["leads"]), int(want["deals"]), int(want["activities"]), int(want["rejected"]))


def test_fixture_counts_links(case):
    want, out, _ = case
    links = out["links"]
    got = None if links is None else (links["linked"], links["without_lead"])
    expected = None if not want["links"] else (int(want["links"]), int(want["without_lead"]))
    assert got == expected


def test_fixture_counts_lead_outcomes(case):
    want, out, _ = case
    expected = None if not want["won"] else {
        "won": int(want["won"]), "lost": int(want["lost"]), "open": int(want["open"])}
    assert out["outcomes"] == expected


def test_fixture_counts_deal_outcomes(case):
    want, out, _ = case
    links = out["links"]
    got = None if links is None else {k: links[k] for k in ("won", "lost", "open")}
    expected = None if not want["deals_won"] else {
        "won": _int(want["deals_won"]), "lost": _int(want["deals_lost"]),
        "open": _int(want["deals_open"])}
    assert got == expected


def test_fixture_funnel_starts_at_its_first_stage(case):
    want, out, _ = case
    assert out["funnel"][0]["stage"] == want["first_stage"]


def test_fixture_recognised_models(case):
    want, out, _ = case
    got = sorted(r["model"] for r in out["recognised"])
    expected = sorted(want["recognised"].split("|")) if want["recognised"] else []
    assert [g.split(",")[0] for g in got] == expected


def test_fixture_says_one_role_line_per_file_and_nothing_else(case):
    want, _, err = case
    names = sorted(p.name for p in (CRM / want["case"]).iterdir())
    assert [ln.split(": ")[1] for ln in err.splitlines()] == names


def test_fixture_names_the_link_used(case):
    want, out, _ = case
    text = (out["links"] or {}).get("text", "")
    assert (want["link"] in text) if want["link"] else text == ""


@pytest.fixture(scope="module", params=CASES, ids=[c["case"] for c in CASES])
def dataset(request):
    files = sorted((CRM / request.param["case"]).iterdir())
    guessed = guess_files(files)
    return build_dataset([(g.role, g.table) for g in guessed if g.role], now=NOW)


def test_fixture_profile_attributes_hold_no_outcome_field(dataset):
    leaked = {f for f, _ in left_out_fields(dataset)}
    assert leaked.isdisjoint(dataset.attributes)


def test_fixture_learned_traits_hold_no_outcome_field(dataset):
    leaked = {f for f, _ in left_out_fields(dataset)} | {
        c for c in dataset.leads.columns if OUTCOME_NAME.search(normalise_header(c))}
    assert leaked.isdisjoint(LearnedProfile(min_support=1).fit(dataset).attributes_)


def test_fixture_findings_name_no_outcome_field(dataset):
    leaked = {f for f, _ in left_out_fields(dataset)}
    text = json.dumps([f.to_dict() for f in findings(dataset)], default=str)
    assert [f for f in leaked if f'"{f}"' in text] == []


# --- the stage-list workbook: hand counts per stage (make_fixtures.py, SL_*) ----------

STAGE_TOTALS = {"lead": (12, None), "mql": (6, None), "opportunity": (4, 390_000.0),
                "won": (2, 150_000.0)}


@pytest.fixture(scope="module")
def stagelists():
    return _diagnose("stagelists")[0]


def test_stagelists_total_each_stage(stagelists):
    got = {}
    for r in stagelists["stage_totals"]:
        n, amount = got.get(r["stage"], (0, None))
        got[r["stage"]] = (n + r["count"], None if r["amount"] is None
                           else (amount or 0) + r["amount"])
    assert got == STAGE_TOTALS


def test_stagelists_by_month_add_up_to_the_totals(stagelists):
    by_month = sum(r["count"] for r in stagelists["stage_totals_by_month"])
    assert by_month == sum(n for n, _ in STAGE_TOTALS.values())


def test_stagelists_match_spend_by_loose_channel_name(stagelists):
    cost = {r["source"]: r["cost"] for r in stagelists["sources"]}
    assert cost == {"Paid Search": 8500.0, "Paid Social": 6500.0,
                    "Content Syndication": 5000.0}


def test_stagelists_report_unmatched_spend(stagelists):
    un = stagelists["spend_unmatched"]
    assert (un["cost"], un["spend_labels"]) == (2000.0, ["Events"])


def test_stagelists_label_ratios_as_period_ratios(stagelists):
    assert [(r["from"], r["to"], r["ratio"]) for r in stagelists["stage_ratios"]] == [
        ("lead", "mql", 0.5), ("mql", "opportunity", 4 / 6), ("opportunity", "won", 0.5)]


def test_guess_roles_keeps_only_the_lead_list_of_a_stage_list_export():
    files = sorted((CRM / "stagelists").glob("*.csv"))
    roles = dict(zip([p.name for p in files], guess_roles([read_file(p) for p in files]),
                     strict=True))
    assert roles == {"Funnel 2025 - Closed-Won Bookings.csv": "ignore",
                     "Funnel 2025 - Leads.csv": "leads", "Funnel 2025 - MQLs.csv": "ignore",
                     "Funnel 2025 - Pipeline Opportunities.csv": "ignore",
                     "Funnel 2025 - Spend by channel.csv": "spend"}


def test_salesforce_leads_link_through_the_converted_contact_as_through_the_opportunity(
        tmp_path):
    folder = CRM / "salesforce_csv"
    leads = pl.read_csv(folder / "leads_report.csv", infer_schema=False)
    bare = tmp_path / "leads_report.csv"
    leads.drop("Converted Opportunity ID").write_csv(bare)
    opps = folder / "opportunities_report.csv"
    by_opp = load(folder / "leads_report.csv", deals=opps, now=NOW)
    by_contact = load(bare, deals=opps, now=NOW)
    assert by_contact.leads["outcome"].to_list() == by_opp.leads["outcome"].to_list()
