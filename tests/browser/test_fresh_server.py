"""The first visitor of a fresh server, on any URL, gets the app's menu, frame and page.

A server nobody has visited yet still serves the top-level ``pages/`` folder the old way
(its file names as menu, the page without ``app.py``) until ``st.navigation`` runs; the
pages switch it off themselves (ui/frame.py). Each test starts its own server.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceStore
from ui.frame import PAGES

MENU = [title for _, title, _ in PAGES]  # st.navigation's titles, in order
TITLES = {f"/{url}": title for _, title, url in PAGES}
HOME_URL = PAGES[0][2]
HOME = f"/{HOME_URL}"  # the default page, which Streamlit shows at "/"
URLS = ["/", *TITLES, "/trace?lead=5100001"]


@pytest.mark.parametrize("url", URLS)
def test_fresh_server_first_visit_shows_menu_and_page(page, fresh_app_url, url):
    page.set_default_timeout(90_000)
    page.goto(f"{fresh_app_url}{url}")
    links = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    expect(links.get_by_test_id("stMarkdownContainer")).to_have_text(MENU)  # no file names
    path = url.split("?")[0]
    title = TITLES[HOME if path == "/" else path]
    expect(page.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Sample data")  # frame ran
    # still on the page asked for (pages may add their settings as query parameters)
    shown = "/" if path == HOME else path
    expect(page).to_have_url(re.compile(re.escape(f"{fresh_app_url}{shown}") + r"(\?.*)?$"))
    # Streamlit says "Page not found" before it runs a page, so by now it would show
    expect(page.get_by_text("Page not found")).to_have_count(0)


def _workspace(root) -> str:
    csv = b"lead_id,created_at,outcome\n1,2024-01-01,won\n2,2024-01-02,lost\n3,2024-01-03,won\n"
    ds = build_dataset([("leads", read_file(csv, name="acme.csv"))])
    return WorkspaceStore(root).save(ds, name="Acme")


def test_fresh_server_shared_link_opens_the_workspace(page, fresh_app_url, tmp_path):
    ws_id = _workspace(tmp_path / "workspaces")
    page.set_default_timeout(90_000)
    page.goto(f"{fresh_app_url}/data?ws={ws_id}")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Shared analysis")
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Leads").first
    expect(card.locator('[data-testid="stMetricValue"]')).to_have_text("3")


def test_fresh_server_home_page_link_keeps_the_workspace(page, fresh_app_url, tmp_path):
    ws_id = _workspace(tmp_path / "workspaces")
    page.set_default_timeout(90_000)
    page.goto(f"{fresh_app_url}/{HOME_URL}?ws={ws_id}")
    expect(page).to_have_url(f"{fresh_app_url}/?ws={ws_id}")  # the home page lives at "/"
    expect(page.get_by_role("heading", level=1, name=MENU[0], exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Shared analysis")


def test_fresh_server_first_visit_opens_the_funnel_view_in_the_link(page, fresh_app_url):
    page.set_default_timeout(90_000)
    page.goto(f"{fresh_app_url}/funnel?view=Velocity")
    expect(page.get_by_role("tab", name="Velocity", selected=True)).to_be_visible()
    expect(page.get_by_text("Velocity by").first).to_be_visible()  # the view's own content
    expect(page).to_have_url(re.compile(r"/funnel\?view=Velocity$"))
