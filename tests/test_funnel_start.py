"""The funnel starts at the first stage the data really has (issue 12): an
opportunity-only export's funnel table, group funnels, stage exits, the CLI JSON and the
Funnel page all start at ``opportunity``; the sample's, Olist's and a lead export's at
``lead``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from funnel.analyses.funnel import funnel_by, funnel_table, stage_funnel
from funnel.analyses.leakage import stage_exits
from funnel.dataset.stages import funnel_stages
from funnel.ingest.build import guess_roles, load
from funnel.ingest.readers import read_file

ROOT = Path(__file__).resolve().parents[1]
OPPS = ROOT / "tests" / "fixtures" / "crm" / "opportunities" / "sales_pipeline.csv"


@pytest.fixture(scope="module")
def opps():
    return load(OPPS)


@pytest.mark.parametrize(("stage", "outcome", "expected"), [
    (["opportunity", "won"], ["open", "won"], ["opportunity", "won"]),
    (["lead", "won"], ["open", "won"], ["lead", "won"]),
    (["sql", "opportunity"], ["open", "open"], ["sql", "opportunity", "won"]),
    (["won", "won"], ["won", "won"], ["lead", "won"]),  # never starts at won
])
def test_funnel_stages_start_where_every_record_is(stage, outcome, expected):
    assert funnel_stages(pl.DataFrame({"stage": stage, "outcome": outcome})) == expected


def test_funnel_table_of_opportunity_export_starts_at_opportunity(opps):
    t = funnel_table(opps.leads)
    assert t.select("stage", "count").rows() == [("opportunity", 10), ("won", 3)]


def test_stage_funnel_of_opportunity_export_starts_at_opportunity(opps):
    assert stage_funnel(opps.leads)["stage"].to_list() == ["opportunity", "won"]


def test_funnel_by_of_opportunity_export_starts_at_opportunity(opps):
    long = funnel_by(opps.leads, by="owner")
    assert set(long["stage"]) == {"opportunity", "won"}


def test_stage_exits_of_opportunity_export_start_at_opportunity(opps):
    assert stage_exits(opps.leads)["stage"].to_list() == ["opportunity"]


def test_funnel_table_of_sample_starts_at_lead(sample_ds):
    assert funnel_table(sample_ds.leads)["stage"][0] == "lead"


def test_cli_funnel_agrees_with_funnel_table(opps):
    run = subprocess.run([sys.executable, "-m", "funnel", "diagnose", str(OPPS), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    rows = json.loads(run.stdout)["funnel"]
    assert [(r["stage"], r["count"]) for r in rows] == funnel_table(opps.leads).select(
        "stage", "count").rows()


def test_funnel_page_of_opportunity_export_starts_at_opportunity():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader[0].set_value([(OPPS.name, OPPS.read_bytes(), "text/csv")]).run()
    at.switch_page("pages/funnel.py").run()
    assert not at.exception, at.exception
    shown = [(m.label, m.value) for m in at.metric if m.label in ("lead", "opportunity", "won")]
    assert shown[:2] == [("opportunity", "10"), ("won", "3")]


def test_guess_roles_opportunity_export_alone_is_the_leads():
    from_app = guess_roles([read_file(OPPS)])
    assert from_app == ["leads"]
