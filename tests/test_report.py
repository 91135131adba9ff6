"""The workshop report (HTML, PDF) and the notebook bundle."""

from __future__ import annotations

import html as h
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.findings.base import Finding
from funnel.findings.registry import diagnose_places
from funnel.findings.summary import STATUS_WORDS, verdict_summary
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.notebook import export_bundle
from funnel.outputs.report import (
    Section,
    findings_table,
    report_html,
    report_pdf,
    report_sections,
)


@pytest.fixture(scope="module")
def sections(sample_ds):
    return report_sections(sample_ds, profile=SAMPLE_SALES_PROFILE)


@pytest.fixture(scope="module")
def page(sections):
    return report_html(sections, title="Acme workshop")


@pytest.fixture(scope="module")
def olist_sections(olist_dataset):
    return report_sections(olist_dataset)


def test_report_verdict_reads_as_verdict_summary(sample_ds, sections):
    cards = diagnose_places(sample_ds, profile=SAMPLE_SALES_PROFILE)
    assert sections[0].paragraphs[1] == f"{verdict_summary(cards).text}."


def test_report_verdict_on_olist_says_nothing_could_be_tested(olist_dataset, olist_sections):
    text = verdict_summary(diagnose_places(olist_dataset)).text
    assert olist_sections[0].paragraphs[1] == f"{text}."
    assert text.startswith("Nothing could be tested: 9 can't tell")


@pytest.mark.parametrize("which", ["sections", "olist_sections"])
def test_report_place_lines_state_their_status_once(request, which):
    lines = request.getfixturevalue(which)[1].paragraphs
    assert len(lines) == 9
    assert all(sum(line.count(w) for w in STATUS_WORDS.values()) == 1 for line in lines)


def test_report_html_is_self_contained(page):
    assert "<script" not in page.lower()
    links = set(re.findall(r"""(?:src|href)=["']([^"']+)""", page))
    assert not {u for u in links if u.startswith(("http:", "https:", "//"))}


def test_report_html_has_a_chart_per_chart_section(sections, page):
    assert page.count("<svg") == sum(s.chart is not None for s in sections)


def test_report_html_states_every_finding(sections, page):
    for p in sections[1].paragraphs:
        assert h.escape(p) in page


def test_report_html_holds_no_personal_data(sample_ds, page):
    for col in ("Email", "Phone Number", "Last Name"):
        values = sample_ds.leads[col].drop_nulls().head(200).to_list()
        assert not any(v in page for v in values if len(v) > 4)


def test_report_html_escapes_text():
    page = report_html([Section("<b>x</b>", ["<script>alert(1)</script>"])])
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_report_without_touch_times_says_which_export_helps(xed_dataset):
    speed = next(s for s in report_sections(xed_dataset) if s.heading == "Speed to lead")
    assert speed.chart is None and "activities export" in speed.paragraphs[0]


def test_report_pdf_is_a_pdf_with_images(sections):
    data = report_pdf(sections, title="Acme workshop")
    assert data[:5] == b"%PDF-" and data.count(b"/Subtype /Image") >= 3


def test_export_bundle_holds_data_notebook_and_readme(sample_ds):
    data = export_bundle(sample_ds, profiles=[SAMPLE_SALES_PROFILE.to_dict()], key="k")
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {"analysis.ipynb", "README.txt", "data/meta.json", "data/leads.parquet"} <= names


def _run_notebook(path, cwd):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(str(path), as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    return nb, errors


def test_exported_notebook_runs_top_to_bottom(sample_ds, tmp_path):
    data = export_bundle(sample_ds, profiles=[SAMPLE_SALES_PROFILE.to_dict()], key="k")
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    nb, errors = _run_notebook(tmp_path / "analysis.ipynb", tmp_path)
    assert errors == []
    printed = json.dumps([o for c in nb.cells for o in c.get("outputs", [])])
    assert "30000 leads" in printed and "Sales: closable lead" in printed


def test_example_notebook_runs_top_to_bottom(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "funnel_in_a_notebook.ipynb"
    _, errors = _run_notebook(example, example.parent)
    assert errors == []


@pytest.mark.parametrize("csv", [
    b"lead_id,created_at,first_response_at,outcome\n1,2024-01-01 09:00,2024-01-01 09:30,won\n"
    b"2,2024-01-02 09:00,2024-01-03 09:00,lost\n",  # touch times and outcomes, no source
    b"lead_id,created_at,first_response_at,source\n1,2024-01-01 09:00,2024-01-01 09:30,Ads\n"
    b"2,2024-01-02 09:00,2024-01-03 09:00,Web\n",  # touch times, no outcome, no stages
], ids=["no-source", "no-outcome"])
def test_report_with_touch_times_but_little_else_still_renders(csv):
    ds = build_dataset([("leads", read_file(csv, name="l.csv"))])
    page = report_html(report_sections(ds))
    assert "Speed to lead" in page


def test_findings_table_holds_each_places_own_headline():
    cards = [Finding(place="speed", headline="Slow", status="problem"),
             Finding(place="routing", headline="Fine", status="no_evidence")]
    table = findings_table(cards, headlines=True)
    assert table["headline"].to_list() == ["Slow", "Fine"]
