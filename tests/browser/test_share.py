"""Sharing in two real browser contexts: the consultant shares, the exec opens the link."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

import funnel
from tests.browser.settle import settle

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PEOPLE = [("Annabel", "Quenneville", "annabel.q@client-secret.example", "+44 20 7946 0018"),
          ("Bonifaz", "Wetherill", "bonifaz.w@client-secret.example", "+1 555 0100 2222"),
          ("Cordula", "Yarborough", "cordula.y@client-secret.example", "+49 30 901820")]


def _csv(tmp_path: Path) -> Path:
    rows = ["Record ID,Create Date,Original Source,First Name,Last Name,Email,Phone Number,"
            "Lifecycle Stage,Notes"]
    for i, (first, last, email, phone) in enumerate(PEOPLE * 20):
        outcome = "Customer" if i % 3 == 0 else "Lead"
        rows.append(f"{i + 1},2025-03-{i % 28 + 1:02d} 10:00,Paid Search,{first},{last},{email},"
                    f'"{phone}",{outcome},"call {phone} or mail {email}"')
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _metric(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


def test_share_link_shows_same_numbers_and_no_personal_data(browser, app_url, tmp_path):
    consultant = browser.new_context().new_page()
    consultant.set_default_timeout(60_000)
    consultant.goto(f"{app_url}/data")
    consultant.get_by_text("Data health").first.wait_for()
    consultant.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(_csv(tmp_path)))
    consultant.get_by_text("Loaded 60 leads").wait_for(timeout=120_000)
    ds = funnel.load(_csv(tmp_path))  # what the core counts in the same file
    leads, won = f"{ds.leads.height:,}", f"{int((ds.leads['outcome'] == 'won').sum()):,}"
    # the page re-renders progressively: wait for the new numbers, never read stale ones
    expect(_metric(consultant, "Leads")).to_have_text(leads, timeout=120_000)
    expect(_metric(consultant, "Won")).to_have_text(won, timeout=120_000)
    consultant.get_by_test_id("stSidebar").get_by_test_id("stPopoverButton").click()
    consultant.get_by_role("button", name="Create link").click()
    link = consultant.locator('[data-testid="stCode"]').filter(has_text="?ws=").first
    expect(link).to_contain_text("?ws=")
    url = link.inner_text().strip()

    viewer = browser.new_context().new_page()  # a fresh browser session: no cookies, no state
    viewer.set_default_timeout(60_000)
    viewer.goto(url)
    expect(_metric(viewer, "Leads")).to_have_text(leads, timeout=120_000)
    expect(_metric(viewer, "Won")).to_have_text(won, timeout=120_000)
    expect(viewer.get_by_test_id("stSidebar")).to_contain_text("read-only")
    settle(viewer)
    html = viewer.content()
    for person in PEOPLE:
        for value in person:
            assert value not in html
    SHOTS.mkdir(exist_ok=True)
    viewer.set_viewport_size({"width": 1400, "height": 2400})
    viewer.screenshot(path=SHOTS / "share_viewer.png")


def test_share_tampered_link_says_not_found(browser, app_url):
    page = browser.new_context().new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/?ws=..%2F..%2Fetc%2Fpasswd")
    expect(page.get_by_text("This shared analysis was not found")).to_be_visible()
    assert "Traceback" not in page.content()
