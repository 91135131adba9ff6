"""AppTest of a shared link's viewer on the marker set (tests/test_markers.py): every page's
rendered elements (the messages the server sends the browser) and every download the
viewer is offered hold 0 personal markers; deleting the link ends an open view."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from funnel.outputs.workspace import WorkspaceStore
from tests.test_markers import found, marker_dataset

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ["pages/diagnosis.py", "pages/data.py", "pages/profile.py", "pages/funnel.py",
         "pages/sources.py", "pages/speed.py", "pages/trace.py"]


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNEL_WORKSPACES", str(tmp_path / "ws"))
    monkeypatch.setenv("FUNNEL_MASK_KEY", "test-key")
    return tmp_path / "ws"


def _link(store_dir) -> str:
    return WorkspaceStore(store_dir).save(marker_dataset(), name="Workshop", key="test-key")


def _viewer(ws_id: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["ws"] = ws_id
    at.query_params["lead"] = "1"
    at.run()
    assert not at.exception, at.exception
    return at


def _rendered(at: AppTest) -> str:
    """The text of every element on the page (their messages to the browser)."""
    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            yield str(proto)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    return "\n".join(walk(at._tree))  # noqa: SLF001


def _content(data: object) -> str:
    """A download's text: zips opened, Parquet read, PDF streams inflated."""
    raw = data() if callable(data) else data
    raw = raw.encode() if isinstance(raw, str) else bytes(raw)
    if raw[:2] == b"PK":  # the notebook bundle, an Excel workbook
        z = zipfile.ZipFile(io.BytesIO(raw))
        parts = []
        for name in z.namelist():
            item = z.read(name)
            if name.endswith(".parquet"):
                frame = pl.read_parquet(io.BytesIO(item))
                parts.append(" ".join(frame.columns) + frame.cast(pl.String).write_csv())
            else:
                parts.append(item.decode("utf-8", "replace"))
        return "\n".join(parts)
    if raw.startswith(b"%PDF"):
        streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, flags=re.S)
        inflated = []
        for s in streams:
            try:
                inflated.append(zlib.decompress(s))
            except zlib.error:
                continue
        return b"\n".join(inflated).decode("latin-1")
    return raw.decode("utf-8", "replace")


@pytest.mark.parametrize("page", PAGES)
def test_app_privacy_viewer_page_shows_no_marker(store_dir, page):
    at = _viewer(_link(store_dir))
    at.switch_page(page).run()
    assert not at.exception, at.exception
    text = _rendered(at)
    assert at.session_state["share_mode"] and len(text) > 500  # the viewer's page, drawn
    assert found(text) == []


def test_app_privacy_viewer_frame_shows_no_marker(store_dir):
    text = _rendered(_viewer(_link(store_dir)))  # the home page inside the app's frame
    assert "Workshop" in text  # the sidebar says what is shown: the walk sees it
    assert found(text) == []


def test_app_privacy_viewer_downloads_hold_no_marker(store_dir, downloads):
    at = _viewer(_link(store_dir))
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    labels = {label for label, _, _ in downloads}
    assert {"Report (HTML)", "Report (PDF)", "CSV", "Excel"} <= labels
    assert "Notebook + data (zip)" not in labels
    leaks = {name: found(_content(data)) for _, data, name in downloads}
    assert {name: hits for name, hits in leaks.items() if hits} == {}


def test_app_privacy_deleted_link_ends_an_open_view(store_dir):
    ws_id = _link(store_dir)
    at = _viewer(ws_id)
    WorkspaceStore(store_dir).delete(ws_id)
    at.run()  # the viewer's next interaction
    assert not at.exception, at.exception
    assert [e.value for e in at.error][0].startswith("This shared analysis was not found")
    assert "dataset" not in at.session_state and "share_mode" not in at.session_state


def test_app_privacy_link_given_twice_is_not_found(store_dir):
    ws_id = _link(store_dir)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["ws"] = [ws_id, _link(store_dir)]
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error][0].startswith("This shared analysis was not found")
    assert "workspace_id" not in at.session_state
