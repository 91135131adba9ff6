"""The workshop report (HTML, PDF) and the notebook bundle."""

from __future__ import annotations

import html as h
import io
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.dataset.format import percent
from funnel.findings.base import Finding
from funnel.findings.registry import diagnose_places
from funnel.findings.summary import STATUS_WORDS, effect_text, ranked, verdict_summary
from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.contract import diagnose
from funnel.outputs.notebook import export_bundle
from funnel.outputs.report import (
    Section,
    findings_table,
    report_html,
    report_pdf,
    report_sections,
)

ROOT = Path(__file__).resolve().parents[1]


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


RAW_FLOAT = re.compile(r"\d\.\d{3,}|\d,\d{3}\.\d\b|^-?\d{4,}(\.\d+)?$")
"""A number as Python prints it (0.000845, 4,442,000.0, 0.1315, 22454604), not as a person
reads it."""


def _cells(page: str) -> list[str]:
    return [h.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", page)]


@pytest.mark.parametrize("which", ["sections", "olist_sections"])
def test_report_tables_show_no_raw_float(request, which):
    page = report_html(request.getfixturevalue(which))
    cells = _cells(page)
    assert cells
    assert [c for c in cells if RAW_FLOAT.search(c)] == []


def test_report_tables_have_plain_headers(page):
    heads = [h.unescape(x) for x in re.findall(r"<th>([^<]*)</th>", page)]
    assert heads and not [x for x in heads if "_" in x]
    assert {"win rate (95% CI)", "step conversion (95% CI)", "CAC (cost per win)"} <= set(heads)


def test_report_rates_come_with_their_interval(sections):
    sources = next(s for s in sections if s.heading.startswith("Sources")).table_text()
    assert sources["win rate (95% CI)"].str.contains(r"^\d+\.\d% \(\d+\.\d%–\d+\.\d%\)$").all()


def test_report_amounts_carry_the_data_currency(sections, olist_sections):
    sample = next(s for s in sections if s.heading.startswith("Sources")).table_text()
    assert sample["revenue"].str.starts_with("$").all()  # the sample's deals are in USD
    olist = next((s for s in olist_sections if s.heading.startswith("Sources")), None)
    if olist is not None and "revenue" in olist.table_text().columns:
        assert not olist.table_text()["revenue"].str.contains(r"\$").any()



def test_export_bundle_readme_says_how_to_install_offline(sample_ds):
    z = zipfile.ZipFile(io.BytesIO(export_bundle(sample_ds)))
    readme = z.read("README.txt").decode()
    assert "pip install funnel-diagnostic" not in readme
    assert "pip install -r requirements.txt" in readme and "funnel/" in readme
    assert {"funnel/__init__.py", "funnel/outputs/notebook.py", "requirements.txt"} <= set(
        z.namelist())
    assert not [n for n in z.namelist() if "__pycache__" in n or n.endswith(".pyc")]


def test_export_bundle_requirements_are_the_apps_without_streamlit(sample_ds):
    shipped = zipfile.ZipFile(io.BytesIO(export_bundle(sample_ds))).read(
        "requirements.txt").decode().split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert set(shipped) - {"numpy>=1.26"} == {d for d in project if not d.startswith("streamlit")}


def test_export_bundle_imports_the_funnel_it_ships(sample_ds, tmp_path):
    zipfile.ZipFile(io.BytesIO(export_bundle(sample_ds))).extractall(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", "import funnel; print(funnel.__file__)"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()).is_relative_to(tmp_path)


def test_report_profile_section_agrees_with_the_cli_json(sample_ds, sections):
    cli = diagnose(sample_ds, profile=SAMPLE_SALES_PROFILE)["profile"]
    section = next(s for s in sections if s.heading.startswith("Profile fit"))
    assert section.heading == f"Profile fit: {cli['name']}"
    assert section.paragraphs[0].startswith(
        f"{percent(cli['in_profile_share'])} of {cli['leads']:,} leads meet the profile")


def test_report_findings_table_writes_each_effect_as_its_headline_does(sample_ds):
    cards = diagnose_places(sample_ds, profile=SAMPLE_SALES_PROFILE)
    sections = report_sections(sample_ds, profile=SAMPLE_SALES_PROFILE, cards=cards)
    table = next(s.table for s in sections if s.heading.startswith("Findings"))
    for f, shown in zip(ranked(cards), table["effect (95% CI)"].to_list(), strict=True):
        assert shown == (effect_text(f) or "–")
        assert f.place == "scoring" or shown == "–" or shown in f.headline
