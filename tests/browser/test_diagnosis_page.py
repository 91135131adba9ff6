"""The Diagnosis page in a real Chromium: cards on the sample, a card's link to its chart."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def test_diagnosis_opens_on_sample_and_follows_a_card_link(page, app_url):
    page.set_default_timeout(90_000)
    page.goto(app_url)  # a new user lands on the diagnosis
    expect(page.get_by_role("heading", name="Diagnosis")).to_be_visible()
    speed = page.get_by_test_id("stColumn").filter(
        has_text="Speed to lead").filter(has_text="See the chart").first
    expect(speed).to_contain_text("Problem")
    expect(page.get_by_text("Marcus Reed").first).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3200})
    page.wait_for_timeout(1500)
    page.screenshot(path=SHOTS / "diagnosis_sample.png")
    speed.get_by_text("See the chart").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(app_url)}/speed(\?.*)?$"))
    expect(page.get_by_role("heading", name="Speed to lead").first).to_be_visible()
