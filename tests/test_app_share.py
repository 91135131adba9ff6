"""AppTest of sharing: a link opens the saved analysis read-only, pseudonymised."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from funnel.outputs.workspace import WorkspaceStore

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
CSV = (b"lead_id,created_at,source,Email,First Name,outcome\n"
       b"1,2024-01-02,Ads,ann@x.example,Annabel,won\n"
       b"2,2024-01-03,Web,bo@y.example,Bonifaz,lost\n")


@pytest.fixture(autouse=True)
def store_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNEL_WORKSPACES", str(tmp_path / "ws"))
    monkeypatch.setenv("FUNNEL_MASK_KEY", "test-key")
    return tmp_path / "ws"


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _panel_script():
    from funnel.ingest.build import build_dataset  # noqa: PLC0415  (AppTest runs this function alone)
    from funnel.ingest.readers import read_file  # noqa: PLC0415  (AppTest runs this function alone)
    from ui.share import share_panel  # noqa: PLC0415  (AppTest runs this function alone)

    csv = (b"lead_id,created_at,source,Email,First Name,outcome\n"
           b"1,2024-01-02,Ads,ann@x.example,Annabel,won\n"
           b"2,2024-01-03,Web,bo@y.example,Bonifaz,lost\n")
    share_panel(build_dataset([("leads", read_file(csv, name="leads.csv"))]), sample=False)


def test_share_panel_creates_a_workspace_and_shows_its_link(store_dir):
    at = AppTest.from_function(_panel_script, default_timeout=60)
    at.run()
    at.text_input(key="share:name").set_value("Acme workshop").run()
    at.button(key="share:create").click().run()
    assert not at.exception, at.exception
    ws_id = at.session_state["share:last"]
    assert [(i.id, i.name) for i in WorkspaceStore(store_dir).list()] == [
        (ws_id, "Acme workshop")]
    assert f"?ws={ws_id}" in at.code[0].value


def _shared_link(store_dir) -> str:
    ds = build_dataset([("leads", read_file(CSV, name="leads.csv"))])
    return WorkspaceStore(store_dir).save(ds, name="Acme workshop", key="test-key")


def test_share_link_opens_read_only_with_the_same_numbers(store_dir):
    ws_id = _shared_link(store_dir)
    viewer = AppTest.from_file(APP, default_timeout=120)
    viewer.query_params["ws"] = ws_id
    viewer.run()  # the frame opens the workspace on the default page
    assert viewer.session_state["workspace_id"] == ws_id
    viewer.switch_page("pages/data.py").run()
    assert not viewer.exception, viewer.exception
    assert _metric(viewer, "Leads") == "2" and _metric(viewer, "Won") == "1"
    assert len(viewer.get("file_uploader")) == 0
    assert not any(t.key == "data:reveal" for t in viewer.toggle)


def test_share_link_shows_no_personal_values(store_dir):
    ws_id = _shared_link(store_dir)
    viewer = AppTest.from_file(APP, default_timeout=120)
    viewer.query_params["ws"] = ws_id
    viewer.run()  # the frame opens the workspace on the default page
    assert viewer.session_state["workspace_id"] == ws_id
    viewer.switch_page("pages/data.py").run()
    table = viewer.dataframe[-1].value
    assert "ann@x.example" not in table.to_string() and "Annabel" not in table.to_string()


@pytest.mark.parametrize("bad", ["nope", "../../etc/passwd", "A" * 22])
def test_share_unknown_link_is_a_plain_not_found(bad):
    viewer = AppTest.from_file(APP, default_timeout=120)
    viewer.query_params["ws"] = bad
    viewer.run()
    assert not viewer.exception
    assert [e.value for e in viewer.error] == [
        "This shared analysis was not found. It may have expired or been deleted; "
        "ask for a new link."]
    assert len(viewer.metric) == 0


def test_share_panel_renames_and_deletes_its_links(store_dir):
    at = AppTest.from_function(_panel_script, default_timeout=60)
    at.run()
    at.button(key="share:create").click().run()
    ws_id = at.session_state["share:last"]
    at.text_input(key=f"share:rename:{ws_id}").set_value("Renamed").run()
    assert [i.name for i in WorkspaceStore(store_dir).list()] == ["Renamed"]
    at.button(key=f"share:delete:{ws_id}").click().run()
    assert WorkspaceStore(store_dir).list() == []
    assert not at.code


def test_share_panel_pseudonymises_columns_the_user_adds(store_dir):
    at = AppTest.from_function(_panel_script, default_timeout=60)
    at.run()
    at.multiselect(key="share:extra").set_value(["source"]).run()
    at.button(key="share:create").click().run()
    ws = WorkspaceStore(store_dir).load(at.session_state["share:last"])
    assert ws.dataset.leads["source"].str.starts_with("other-").all()
