"""Funnel & leakage in a real Chromium: filter by source, drill down to a lead trace."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.settle import settle

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"


def _shoot(page, name: str, *, height: int = 2600) -> None:
    """A screenshot for a person to look at (grow the viewport: the main area scrolls)."""
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": height})
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()  # the script has finished
    settle(page)
    page.screenshot(path=SHOTS / name)


def _metric(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(label, exact=True)).first
    return card.locator('[data-testid="stMetricValue"]')


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar multiselect labelled ``label``."""
    box = page.get_by_test_id("stSidebar").locator('[data-testid="stMultiSelect"]').filter(
        has_text=label).first
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def _select_first_row(page, title: str) -> None:
    """Switch on the list that follows the markdown ``title`` and tick its first row."""
    heading = page.get_by_text(title).first
    heading.scroll_into_view_if_needed()
    switch = heading.locator("xpath=following::label[.//*[text()='Show the leads']][1]")
    switch.click()
    expect(page.get_by_text("Select a row to open its lead trace.")).to_be_visible()
    settle(page)  # the run that drew the list has finished: the grid stays put
    grid = heading.locator("xpath=following::div[@data-testid='stDataFrame'][1]")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # row markers are the leftmost column; the header row is ~35 px high
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)


def _open(page, app_url: str, path: str, title: str) -> None:
    """Open a page by its address, as from a shared link. (The app hides the navigation
    menu; Streamlit may first flash a "Page not found" notice for a deep link while the
    router registers its pages: it is closed so it cannot cover the page.)"""
    page.set_default_timeout(90_000)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{app_url}/{path}")
    page.get_by_role("heading", name=title).first.wait_for()
    notice = page.get_by_role("dialog").filter(has_text="Page not found")
    if notice.count():
        page.keyboard.press("Escape")
        expect(notice).to_have_count(0)


def test_leakage_filter_and_drill_down_to_trace_in_chromium(page, app_url):
    _open(page, app_url, "funnel", "Funnel & leakage")
    expect(page.get_by_text("Where and why leads stop").first).to_be_visible()
    expect(_metric(page, "lead")).to_have_text("30,000")
    _shoot(page, "leakage_all.png", height=3200)

    _choose(page, "Source", "Referrals")
    expect(page.get_by_text("1,775 of 30,000 leads").first).to_be_visible()
    expect(_metric(page, "lead")).to_have_text("1,775")
    _shoot(page, "leakage_referrals.png", height=3200)

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_role("tab", name="Leads left behind").click()  # one view drawn at a time
    expect(page).to_have_url(re.compile(r"view=Leads\+left\+behind"))
    expect(page.get_by_text("1,775 of 30,000 leads").first).to_be_visible()  # filter kept
    _select_first_row(page, "Leads never followed up")
    link = page.get_by_role("link", name=re.compile("Open the lead trace of"))
    expect(link).to_be_visible()
    lead_id = link.inner_text().rsplit(" ", 1)[-1]
    link.click()

    expect(page).to_have_url(re.compile(r"/trace\?lead="))
    expect(page.get_by_role("heading", name="Lead trace")).to_be_visible()
    expect(_metric(page, "Lead")).to_have_text(lead_id)
    expect(_metric(page, "Outcome")).to_have_text(re.compile(r"^(open|lost|won)$"))
    assert "@" not in page.get_by_test_id("stMain").inner_text()  # masked by default
    _shoot(page, "leakage_trace.png", height=1400)


def test_sources_page_shows_closed_loop_in_chromium(page, app_url):
    _open(page, app_url, "sources", "Sources & cost")
    expect(page.get_by_text(re.compile(r"converts .*× .*95% CI")).first).to_be_visible()
    expect(page.get_by_text("How the spend file was matched").first).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2)  # rates, CAC
    _shoot(page, "sources_sample.png", height=3600)


def test_funnel_filters_live_in_the_url_and_reproduce_the_view(browser, app_url):
    page = browser.new_context().new_page()  # a fresh session opening a shared view
    page.set_default_timeout(90_000)
    page.goto(f"{app_url}/funnel?source=Referrals")
    expect(page.get_by_text("1,775 of 30,000 leads").first).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_text("Sources & cost").click()
    expect(page).to_have_url(re.compile(r"/sources\?source=Referrals"))
