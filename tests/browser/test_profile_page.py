"""The Profile fit page in a real Chromium: a preset, a live criterion edit, the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Criterion
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.prepared import prepare_profile
from funnel.sample.export import load_sample
from tests.browser.settle import settle

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
PROFILE_LINK = re.compile(r"^profile( fit)?$", re.IGNORECASE)


def _shoot(page, name: str) -> None:
    """A screenshot of the whole page (the main area scrolls inside its own container,
    so grow the viewport instead of using full_page)."""
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3400})
    settle(page)
    page.screenshot(path=SHOTS / name)


def _metric(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


@pytest.fixture(scope="module")
def expected():
    """Overlaps counted by the core, independently of the browser."""

    prepared = prepare_profile(load_sample())
    software_only = SAMPLE_SALES_PROFILE.with_criterion(
        Criterion("Industry", values=("Software",)), index=0)
    return {"preset": ProfileFit(SAMPLE_SALES_PROFILE).fit(prepared).in_n_,
            "software": ProfileFit(software_only).fit(prepared).in_n_}


@pytest.fixture
def profile_page(app_page):
    app_page.set_viewport_size({"width": 1400, "height": 1800})
    # "Profile fit" in the app's navigation ("profile" while Streamlit still lists pages/)
    app_page.get_by_role("link", name=PROFILE_LINK).first.click()
    app_page.get_by_text("Sales asks").first.wait_for()
    return app_page


def test_profile_page_edit_a_criterion_changes_overlap_in_chromium(profile_page, expected):
    page = profile_page
    # the sample opens with its documented sales profile: the profile in use on every page
    expect(_metric(page, "Leads in profile")).to_have_text(f"{expected['preset']:,}")
    page.get_by_role("button", name="Clear", exact=True).click()
    expect(_metric(page, "Leads in profile")).to_have_text("30,000")
    page.get_by_role("button", name="Sample: sales' profile").click()
    expect(_metric(page, "Leads in profile")).to_have_text(f"{expected['preset']:,}")
    expect(_metric(page, "Share in profile")).to_have_text("5.8%")
    expect(page.get_by_text("the profile separates winners").first).to_be_visible()
    _shoot(page, "profile_preset.png")

    page.get_by_role("button", name="Remove Financial Services (4,383)").click()
    expect(_metric(page, "Leads in profile")).to_have_text(f"{expected['software']:,}")
    assert expected["software"] < expected["preset"]
    _shoot(page, "profile_edited.png")


def test_profile_page_range_edit_in_chromium(profile_page):
    page = profile_page  # the sample opens with its sales profile in the editor
    expect(_metric(page, "Share in profile")).to_have_text("5.8%")
    upper = page.get_by_label("to", exact=True).first
    upper.fill("5000")
    upper.press("Enter")
    expect(_metric(page, "Share in profile")).not_to_have_text("5.8%")


def test_profile_page_saves_the_profile_file_in_chromium(profile_page):
    page = profile_page
    page.get_by_role("button", name="Sample: sales' profile").click()
    expect(_metric(page, "Share in profile")).to_have_text("5.8%")
    with page.expect_download() as info:
        page.get_by_role("button", name="Save this profile (.profile.json)").click()
    saved = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert info.value.suggested_filename == "sales-closable-lead.profile.json"
    assert saved["criteria"] == SAMPLE_SALES_PROFILE.to_dict()["criteria"]
