"""The Data page in a real Chromium: opens on the sample, uploads Olist, shows counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.settle import settle

ROOT = Path(__file__).resolve().parents[2]
OLIST = ROOT.parent / "shared" / "datasets" / "olist_marketing_funnel"
SHOTS = ROOT / "screenshots"


def _shoot(page, name: str) -> None:
    """A screenshot of the whole page for a person to look at (the main area scrolls
    inside its own container, so grow the viewport instead of using full_page)."""
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2600})
    settle(page)
    page.screenshot(path=SHOTS / name)


def _metric(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


def test_data_page_opens_on_sample_in_chromium(app_page):
    assert app_page.get_by_text("bundled sample data").first.is_visible()
    assert int(_metric(app_page, "Leads").inner_text().replace(",", "")) > 10_000
    _shoot(app_page, "data_sample.png")


@pytest.mark.skipif(not OLIST.exists(), reason="shared datasets not present")
def test_data_page_upload_olist_shows_counts_in_chromium(app_page):
    files = sorted(str(p) for p in OLIST.glob("*.csv"))
    app_page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(files)
    app_page.get_by_text("Loaded 8,000 leads").wait_for(timeout=120_000)
    expect(_metric(app_page, "Leads")).to_have_text("8,000")
    expect(_metric(app_page, "Won")).to_have_text("842")
    expect(app_page.get_by_test_id("stSidebar")).to_contain_text("8,000 leads")
    _shoot(app_page, "data_olist.png")


def test_data_page_bad_upload_shows_plain_error_in_chromium(app_page, tmp_path):
    bad = tmp_path / "export.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00garbage xl/" * 50)
    app_page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(bad))
    err = app_page.get_by_text("could not be opened as an Excel workbook")
    err.wait_for()
    assert "Traceback" not in app_page.content()
    _shoot(app_page, "data_bad_upload.png")
