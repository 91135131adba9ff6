"""Wait for a Streamlit page to settle on conditions, never on a fixed sleep."""

from __future__ import annotations

from playwright.sync_api import Page, expect

CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .every(c => c.querySelector('canvas, svg'))"""


def settle(page: Page) -> None:
    """Until the script run has finished and every chart on the page has drawn."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    page.wait_for_function(CHARTS_DRAWN)
