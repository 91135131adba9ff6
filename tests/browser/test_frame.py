"""The app frame in Chromium: whatever a page stops on (no lead chosen, no lead matching
the filters), the sidebar still says which data and which profile every page shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.settle import settle

# a source and a campaign of another source: no lead matches both
NOTHING = "source=Organic+Search&campaign=brand-search"


@pytest.mark.parametrize(("path", "says"), [
    ("trace", "Choose a lead to see its path"),
    (f"funnel?{NOTHING}", "No lead matches these filters"),
    (f"sources?{NOTHING}", "No lead matches these filters"),
])
def test_frame_sidebar_is_drawn_when_the_page_stops_early(page, app_url, path, says):
    page.set_default_timeout(120_000)
    page.goto(f"{app_url}/{path}")
    expect(page.get_by_test_id("stMain")).to_contain_text(says)
    settle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("30,000 leads")
    expect(sidebar).to_contain_text("Profile in use: Sales: closable lead")
