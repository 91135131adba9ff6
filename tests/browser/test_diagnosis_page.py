"""The Diagnosis page in a real Chromium: cards on the sample, a card's link to its chart."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.settle import settle

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def test_diagnosis_opens_on_sample_and_follows_a_card_link(page, app_url):
    page.set_default_timeout(90_000)
    page.goto(app_url)  # a new user lands on the diagnosis
    expect(page.get_by_role("heading", name="Diagnosis")).to_be_visible()
    speed = page.get_by_test_id("stColumn").filter(
        has_text="Speed to lead").filter(has_text="Chart: ").first
    expect(speed).to_contain_text("Problem")
    expect(page.get_by_text("Marcus Reed").first).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3200})
    settle(page)
    page.screenshot(path=SHOTS / "diagnosis_sample.png")
    speed.get_by_text("Chart: ").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(app_url)}/speed(\?.*)?$"))
    expect(page.get_by_role("heading", name="Speed to lead").first).to_be_visible()


def test_diagnosis_card_link_opens_the_funnel_view_it_names(page, app_url):
    page.set_default_timeout(90_000)
    page.goto(app_url)
    page.get_by_role("link", name="Chart: Leads left behind").click()
    expect(page).to_have_url(re.compile(r"/funnel\?view=Leads\+left\+behind$"))
    expect(page.get_by_role("tab", name="Leads left behind", selected=True)).to_be_visible()
    expect(page.get_by_text("Leads never followed up").first).to_be_visible()  # its view


def test_diagnosis_chart_downloads_as_png_and_report_as_html(page, app_url, tmp_path):
    page.set_default_timeout(90_000)
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Quality or handling?")).to_be_visible()
    expect(page.get_by_text("not a forecast")).to_be_visible()  # the run has finished
    settle(page)
    left = page.get_by_test_id("stColumn").filter(has_text="Win rate by profile fit")
    with page.expect_download() as png:  # the chart's own button, not the first on the page
        left.get_by_role("button", name="PNG", exact=True).last.click()
    assert png.value.suggested_filename == "quality-vs-handling.png"
    assert Path(png.value.path()).read_bytes()[:4] == b"\x89PNG"
    with page.expect_download() as report:
        page.get_by_role("button", name="Report (HTML)").click()
    text = Path(report.value.path()).read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "<svg" in text


def test_tables_offer_only_the_neutralised_downloads(page, app_url):
    page.set_default_timeout(90_000)
    page.goto(app_url)
    table = page.get_by_test_id("stDataFrame").last
    table.scroll_into_view_if_needed()
    table.hover()
    for button in page.get_by_role("button", name="Download as CSV").all():
        expect(button).to_be_hidden()
    expect(page.get_by_role("button", name="CSV", exact=True).first).to_be_visible()
