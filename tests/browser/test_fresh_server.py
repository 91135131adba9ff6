"""The first visitor of a fresh server, arriving on a deep link, still gets the app frame."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceStore


@pytest.mark.parametrize("path", ["/speed", "/funnel", "/data"])
def test_fresh_server_deep_link_runs_inside_the_frame(page, fresh_app_url, path):
    page.set_default_timeout(90_000)
    page.goto(f"{fresh_app_url}{path}")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("Diagnosis")  # st.navigation's titles, not file names
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Sample data")  # the frame ran
    page.wait_for_timeout(1000)
    assert "Page not found" not in page.content()


def test_fresh_server_shared_link_opens_the_workspace(page, fresh_app_url, tmp_path):
    csv = b"lead_id,created_at,outcome\n1,2024-01-01,won\n2,2024-01-02,lost\n3,2024-01-03,won\n"
    ds = build_dataset([("leads", read_file(csv, name="acme.csv"))])
    ws_id = WorkspaceStore(tmp_path / "workspaces").save(ds, name="Acme")
    page.set_default_timeout(90_000)
    page.goto(f"{fresh_app_url}/data?ws={ws_id}")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Shared analysis")
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Leads").first
    expect(card.locator('[data-testid="stMetricValue"]')).to_have_text("3")
