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

import pytest

from funnel.analyses.profile.learned import LearnedProfile
from funnel.dataset.schema import normalise_header
from funnel.findings.registry import findings
from funnel.ingest.build import build_dataset, guess_files
from funnel.ingest.outcome_fields import OUTCOME_NAME, left_out_fields

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
    assert out["outcomes"] == {"won": int(want["won"]), "lost": int(want["lost"]),
                               "open": int(want["open"])}


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
    assert [g.split(",")[0] for g in got] == sorted(want["recognised"].split("|"))


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
