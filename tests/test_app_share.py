"""AppTest of sharing: a link opens the saved analysis read-only, pseudonymised."""

from __future__ import annotations

from pathlib import Path

import polars as pl
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
    assert ws.dataset.leads["source"].cast(pl.String).str.starts_with("other-").all()


# --- a viewer only views: the saved profile, no editor, no upload, no row-level data ---------

SALES = {"name": "Sales: software", "criteria": [{"field": "Industry", "in": ["Software"]}]}


def _bigger_link(store_dir) -> str:
    """60 leads, 40 of them in the saved profile (Industry Software)."""
    rows = "".join(f"{i},2024-01-{i % 28 + 1:02d},{'Ads' if i % 2 else 'Web'},u{i}@x.example,"
                   f"{'Software' if i % 3 else 'Retail'},{'won' if i % 4 == 0 else 'lost'}\n"
                   for i in range(1, 61))
    csv = ("lead_id,created_at,source,Email,Industry,outcome\n" + rows).encode()
    ds = build_dataset([("leads", read_file(csv, name="leads.csv"))])
    return WorkspaceStore(store_dir).save(ds, name="Acme", key="test-key", profiles=[SALES])


def _viewer(ws_id: str) -> AppTest:
    viewer = AppTest.from_file(APP, default_timeout=120)
    viewer.query_params["ws"] = ws_id
    viewer.run()  # the frame opens the workspace on the default page (Diagnosis)
    assert not viewer.exception, viewer.exception
    return viewer


def _labels(at: AppTest) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def test_share_link_uses_the_saved_profile_everywhere(store_dir):
    viewer = _viewer(_bigger_link(store_dir))
    line = "Profile in use: Sales: software, 1 criterion · 40 of 60 leads in profile"
    assert [t.value for t in viewer.sidebar.text] == [line]
    assert line in [t.value for t in viewer.main.text]  # Diagnosis (cards are text too)
    viewer.switch_page("pages/profile.py").run()
    assert not viewer.exception, viewer.exception
    assert [t.value for t in viewer.main.text][0] == line


def test_share_link_profile_page_has_no_editor_and_no_upload(store_dir):
    viewer = _viewer(_bigger_link(store_dir))
    viewer.switch_page("pages/profile.py").run()
    assert not viewer.exception, viewer.exception
    assert len(viewer.get("file_uploader")) == 0
    assert not [b.label for b in viewer.button]  # no preset, Clear, Add or remove
    assert not viewer.multiselect and not viewer.text_input and not viewer.number_input
    assert "Industry: Software" in [t.value for t in viewer.main.text]
    assert viewer.session_state["profiles"]["Sales: software"].criteria[0].values == (
        "Software",)


def test_share_link_diagnosis_offers_no_notebook_zip(store_dir):
    viewer = _viewer(_bigger_link(store_dir))
    labels = _labels(viewer)
    assert "Report (HTML)" in labels and "Notebook + data (zip)" not in labels


def test_share_link_data_page_offers_no_upload(store_dir):
    viewer = _viewer(_bigger_link(store_dir))
    viewer.switch_page("pages/data.py").run()
    assert not viewer.exception, viewer.exception
    assert len(viewer.get("file_uploader")) == 0
    assert not any("rejected rows" in label for label in _labels(viewer))


def _save_script():
    import streamlit as st  # noqa: PLC0415  (AppTest runs this function alone)

    from funnel.analyses.profile.criteria import Profile  # noqa: PLC0415
    from funnel.sample import load_sample  # noqa: PLC0415
    from ui.share import share_panel  # noqa: PLC0415

    st.session_state.setdefault("profiles", {
        "Mine": Profile.from_dict({"name": "Mine", "criteria": [
            {"field": "Industry", "in": ["Software"]}]}),
        "Marketing: stated ICP": Profile("Marketing: stated ICP")})
    share_panel(load_sample(), sample=True)


def test_share_panel_saves_the_profile_in_use_first(store_dir):
    at = AppTest.from_function(_save_script, default_timeout=120)
    at.run()
    at.button(key="share:create").click().run()
    assert not at.exception, at.exception
    ws = WorkspaceStore(store_dir).load(at.session_state["share:last"])
    assert [p["name"] for p in ws.profiles] == ["Mine", "Marketing: stated ICP"]
