"""The app stops long work for a browser session that has gone (issue 15, item 6): the
signal it reads from Streamlit, and an upload parsed for nobody being neither finished nor
kept."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from unittest.mock import MagicMock, patch

from streamlit.runtime import websocket_session_manager
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.script_data import ScriptData
from streamlit.testing.v1 import AppTest

from ui import state

ROOT = Path(__file__).resolve().parents[1]
CSV = b"lead_id,created_at,source\nL1,2024-01-02,Web\nL2,2024-01-03,Ads\n"


class _Server:
    """A stand-in for Streamlit's runtime: which sessions are active."""

    def __init__(self) -> None:
        self.active = {"s1"}

    def is_active_session(self, session_id: str) -> bool:
        return session_id in self.active


def test_session_gone_never_says_gone_outside_a_server(monkeypatch):
    monkeypatch.setattr(state.runtime, "exists", lambda: False)
    assert state.session_gone()() is False


def test_session_gone_follows_the_runtime_s_active_sessions(monkeypatch):
    server = _Server()
    monkeypatch.setattr(state.runtime, "exists", lambda: True)
    monkeypatch.setattr(state.runtime, "get_instance", lambda: server)
    monkeypatch.setattr(state, "get_script_run_ctx",
                        lambda suppress_warning=False: SimpleNamespace(session_id="s1"))
    gone = state.session_gone()
    before = gone()
    server.active.clear()  # the tab closed
    assert (before, gone()) == (False, True)


def test_streamlit_drops_a_disconnected_session_from_the_active_ones():
    """The contract session_gone relies on: when a browser's websocket closes, Streamlit's
    session manager stops counting the session as active at once (and asks its script to
    stop). Fails loudly if a Streamlit upgrade changes it."""
    with patch.object(websocket_session_manager, "AppSession") as app_session:
        app_session.return_value.id = "s1"
        app_session.return_value.is_resumable.return_value = True
        manager = websocket_session_manager.WebsocketSessionManager(
            MemorySessionStorage(), MagicMock(), MagicMock(), None)
        sid = manager.connect_session(client=MagicMock(), script_data=ScriptData("app.py", False),
                                      user_info={})
        connected = manager.is_active_session(sid)
        manager.disconnect_session(sid)
        assert (connected, manager.is_active_session(sid),
                app_session.return_value.request_script_stop.called) == (True, False, True)


def test_parse_upload_keeps_nothing_for_a_session_that_has_gone(monkeypatch):
    monkeypatch.setattr(state, "session_gone", lambda: lambda: True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader[0].set_value([("leads.csv", CSV, "text/csv")]).run()
    assert (list(at.exception), list(at.error), dict(at.session_state["parsed"])) == ([], [], {})


def test_parse_upload_parses_for_a_session_still_there():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader[0].set_value([("leads.csv", CSV, "text/csv")]).run()
    parsed = list(at.session_state["parsed"].values())
    assert [p.rows_read for p in parsed] == [2]
