"""A stage-list export in the app (issue 12): the Data page says what its lists support,
and the Sources page shows the period funnel with the CLI JSON's numbers (stage totals,
period ratios, cost per channel, unmatched spend)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from funnel.analyses.period import period_funnel
from funnel.ingest.build import guess_roles, stage_list_totals
from funnel.ingest.readers import read_file
from funnel.ingest.stagelists import STAGE_LIST_LINE
from funnel.sample import SAMPLE_DIR, SAMPLE_FILES

ROOT = Path(__file__).resolve().parents[1]
LISTS = ROOT / "tests" / "fixtures" / "crm" / "stagelists"


@pytest.fixture(scope="module")
def cli() -> dict:
    run = subprocess.run([sys.executable, "-m", "funnel", "diagnose",
                          *map(str, sorted(LISTS.iterdir())), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader[0].set_value(
        [(p.name, p.read_bytes(), "text/csv") for p in sorted(LISTS.iterdir())]).run()
    assert not at.exception, at.exception
    return at


def _sources(app: AppTest) -> AppTest:
    app.switch_page("pages/sources.py").run()
    assert not app.exception, app.exception
    return app


def _table(app: AppTest, first: str, has: str) -> pl.DataFrame:
    return next(pl.from_pandas(d.value) for d in app.dataframe
                if d.value.columns[0] == first and has in d.value.columns)


def test_data_page_says_stage_lists_are_not_joinable(app):
    assert any(STAGE_LIST_LINE in i.value for i in app.info)


def test_data_page_stage_lists_leads_are_the_lead_list(app):
    assert next(m.value for m in app.metric if m.label == "Leads") == "12"


def test_sources_page_stage_totals_equal_cli_json(app, cli):
    shown = _table(_sources(app), "stage", "records")
    rows = [{"stage": r["stage"], "source": r["channel"], "count": r["records"],
             "amount": r["amount"]} for r in shown.to_dicts()]
    assert rows == cli["stage_totals"]


def test_sources_page_period_ratios_equal_cli_json(app, cli):
    shown = _table(_sources(app), "from", "period ratio")
    assert shown["period ratio"].to_list() == pytest.approx(  # shown to 2 decimals
        [r["ratio"] for r in cli["stage_ratios"]], abs=0.005)


def test_sources_page_channel_costs_equal_cli_json_sources(app, cli):
    shown = _table(_sources(app), "channel", "cost per lead")
    costs = dict(zip(shown["channel"], shown["cost"], strict=True))
    assert costs == {s["source"]: s["cost"] for s in cli["sources"]}


def test_sources_page_reports_unmatched_spend(app, cli):
    _sources(app)
    said = [t.value for t in app.text if t.value.startswith("Not matched: ")]
    assert said == ["Not matched: " + ", ".join(cli["spend_unmatched"]["spend_labels"])]


def test_period_funnel_cost_per_stage_is_cost_over_records(cli):
    match = pl.DataFrame({"spend_label": [s["spend_labels"][0] for s in cli["sources"]],
                          "matched": [s["source"] for s in cli["sources"]],
                          "cost": [s["cost"] for s in cli["sources"]]})
    row = period_funnel(cli, match).filter(pl.col("channel") == "Paid Social").row(
        0, named=True)
    assert (row["cost_per_mql"], row["pipeline_to_spend"]) == (
        pytest.approx(6500 / 3), pytest.approx(170000 / 6500))


def test_guess_roles_readme_next_to_lists_is_ignored():
    tables = [read_file(p) for p in sorted(LISTS.iterdir())]
    roles = dict(zip([t.name for t in tables], guess_roles(tables), strict=True))
    assert roles["Funnel 2025 - README.txt"] == "ignore"


def test_stage_list_totals_equal_cli_json(cli):
    tables = [read_file(p) for p in sorted(LISTS.iterdir())]
    assert stage_list_totals(tables)["stage_totals"] == cli["stage_totals"]


def test_stage_list_totals_none_for_other_exports():
    assert stage_list_totals([read_file(SAMPLE_DIR / f) for f in SAMPLE_FILES.values()]) is None
