"""The workshop report opens offline in a real Chromium, charts included."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

import funnel
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.outputs.report import report_html, report_sections

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def test_report_html_opens_offline_with_its_charts(browser, tmp_path):
    sections = report_sections(funnel.load_sample(), profile=SAMPLE_SALES_PROFILE)
    path = tmp_path / "report.html"
    path.write_text(report_html(sections, title="Acme workshop"), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(path.as_uri())
    expect(page.get_by_role("heading", name="Acme workshop")).to_be_visible()
    charts = page.locator("div.chart > svg")
    expect(charts).to_have_count(sum(s.chart is not None for s in sections))
    assert charts.first.bounding_box()["width"] > 100
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "report_offline.png", full_page=True)
    context.close()
