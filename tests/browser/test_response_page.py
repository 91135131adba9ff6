"""The Speed-to-lead page in a real Chromium: charts render, changing the SLA moves
compliance, business hours can be switched on."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.settle import settle

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"


def _shoot(page, name: str) -> None:
    """A screenshot for a person to look at (grow the viewport: the main area scrolls)."""
    SHOTS.mkdir(exist_ok=True)
    settle(page)
    page.screenshot(path=SHOTS / name)


def _metric(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


def _open(page, app_url):
    """Open the page by its URL. On a cold start Streamlit first lists the ``pages/``
    folder (where ``speed`` does not exist) and may flash "Page not found" before the
    app's own navigation runs the page: close that notice if it shows."""
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": 1400, "height": 3000})  # before drawing: charts keep it
    page.goto(f"{app_url}/speed")
    expect(page.get_by_role("heading", name="Speed to lead")).to_be_visible()
    expect(_metric(page, "Within SLA")).to_have_text("25.8%")
    notice = page.get_by_role("dialog").filter(has_text="Page not found")
    if notice.count():
        notice.get_by_role("button").first.click()
        expect(notice).to_have_count(0)
    return page


def test_response_page_sla_change_moves_compliance_in_chromium(page, app_url):
    page = _open(page, app_url)
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    _shoot(page, "speed_waiting.png")
    page.get_by_test_id("stSelectbox").filter(has_text="Split the curve by").click()
    page.get_by_role("option", name="owner").click()
    expect(page.get_by_text("Marcus Reed").first).to_be_visible()  # the percentile table
    _shoot(page, "speed_waiting_by_owner.png")
    box = page.get_by_label("SLA: first touch within (hours)", exact=True).and_(
        page.get_by_test_id("stNumberInputField"))
    box.fill("24")
    box.press("Enter")
    expect(_metric(page, "Within SLA")).to_have_text("62.9%")
    expect(page.get_by_text("Within SLA (24 h): 18,871 of 30,000 leads")).to_be_visible()
    assert "sla=24" in page.url
    page.get_by_role("tab", name="SLA").click()
    expect(page.get_by_text("Estimate (not a measurement)")).to_be_visible()
    _shoot(page, "speed_sla_24h.png")


def test_response_page_conversion_and_routing_tabs_in_chromium(page, app_url):
    page = _open(page, app_url)
    page.get_by_role("tab", name="Conversion by speed").click()
    expect(page.get_by_text("qualify 7.5× as often")).to_be_visible()
    _shoot(page, "speed_conversion.png")
    page.get_by_role("tab", name="Routing").click()
    expect(page.get_by_text("Unassigned leads:")).to_be_visible()
    _shoot(page, "speed_routing.png")


def test_response_page_business_hours_in_chromium(page, app_url):
    page = _open(page, app_url)
    page.get_by_text("Business hours").click()
    expect(page.get_by_text("clock: Mon–Fri 08:00–18:00")).to_be_visible()
    expect(_metric(page, "Within SLA")).not_to_have_text("25.8%")
    _shoot(page, "speed_business_hours.png")
