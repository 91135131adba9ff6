"""A browser reload keeps the upload: same lead count, no sample banner."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

SESSION_URL = re.compile(r"/data\?(.*&)?session=[A-Za-z0-9_-]{22}")


def _csv(tmp_path: Path) -> Path:
    rows = ["lead_id,created_at,source,Email,First Name,outcome"]
    rows += [f"{i},2025-03-{i % 28 + 1:02d},{'Ads' if i % 2 else 'Web'},u{i}@client.example,"
             f"Person{i},{'won' if i % 4 == 0 else 'lost'}" for i in range(1, 38)]
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _metric(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


def test_refresh_keeps_the_upload(page, app_url, tmp_path):
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/data")
    sample = page.get_by_text("You are looking at the bundled sample data")
    expect(sample).to_be_visible()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(_csv(tmp_path)))
    page.get_by_text("Loaded 37 leads").wait_for(timeout=120_000)
    expect(_metric(page, "Leads")).to_have_text("37", timeout=120_000)
    expect(page).to_have_url(SESSION_URL, timeout=60_000)  # the kept copy's id

    page.reload()
    expect(_metric(page, "Leads")).to_have_text("37", timeout=120_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("· 37 leads")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Restored after a browser reload")
    expect(sample).to_have_count(0)
    expect(page.get_by_text("Sample data ·")).to_have_count(0)
    assert "Traceback" not in page.content()

