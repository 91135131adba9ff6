"""Client text in Chromium: Markdown and HTML planted in every field and file name of an
upload makes the browser fetch nothing and link nowhere outside the app, on any page; and
the app itself fetches nothing from outside (no icon font, no favicon host)."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.browser.settle import settle
from tests.test_app_markdown import planted_files
from ui.frame import PAGES

OUTSIDE_LINKS = """() => [...document.querySelectorAll('a[href], img[src], iframe[src]')]
  .map(e => e.getAttribute('href') || e.getAttribute('src'))
  .filter(u => /example\\.invalid|^javascript:/i.test(u))"""


def test_planted_upload_fetches_and_links_nothing_outside(page, app_url):
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in (
        "127.0.0.1", None) and not r.url.startswith("data:") else None)
    page.set_default_timeout(120_000)
    page.goto(f"{app_url}/data")
    expect(page.get_by_text("Data health").first).to_be_visible()
    files = [{"name": name, "mimeType": "text/csv", "buffer": data}
             for _, name, data in planted_files()]
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(files)
    expect(page.get_by_text("Loaded 81 leads").first).to_be_visible()
    settle(page)
    for _, title, _ in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", name=title).first).to_be_visible()
        settle(page)
        page.mouse.move(600, 400)  # a chart's tooltip, where one is under the pointer
        assert page.evaluate(OUTSIDE_LINKS) == [], title
    assert outside == []
