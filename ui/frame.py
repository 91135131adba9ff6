"""The app frame (app.py) around every page, even on a fresh server's first deep link.

Streamlit keeps a legacy mode for apps with a ``pages/`` folder: until some session has
run ``st.navigation``, a visitor whose first URL is a page (``/speed``, ``/data?ws=…``)
gets that page run *without* ``app.py`` — no shared-link handling, no sidebar, the
folder's file names as menu. Every page calls :func:`require_frame` first: when the
frame did not run, it switches the legacy mode off and reruns through ``app.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from funnel.dataset.tables import Dataset
from ui.state import profile_in_use, profile_in_use_line

_state = threading.local()
_SEEN = "_frame_seen"


@contextmanager
def framed() -> Iterator[None]:
    """Mark the page run inside ``app.py``'s ``nav.run()``."""
    st.session_state[_SEEN] = True
    _state.on = True
    try:
        yield
    finally:
        _state.on = False


def require_frame() -> None:
    """Start the page's run: number its exports afresh, and rerun through ``app.py`` if
    Streamlit ran this page on its own (legacy mode).

    Only a session's first run can need it: the legacy mode ends, server-wide, with the
    first ``st.navigation`` call. (AppTest re-enters it on every run; rerunning there
    after the first would drop button clicks, so a session that has seen the frame
    once is left alone.)
    """
    from ui.exports import begin_page_run  # noqa: PLC0415  (ui.exports imports the frame)

    begin_page_run()
    if getattr(_state, "on", False) or st.session_state.get(_SEEN):
        return
    try:
        from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415  (optional API)
    except ImportError:  # a Streamlit without the legacy mode
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()


_STYLE = """<style>
/* the built-in table download writes cells as they are; ours neutralise formulas */
[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] {display: none;}
</style>"""


def base_style() -> None:
    """App-wide CSS (tables are downloaded through ui.exports, never the raw toolbar)."""
    st.html(_STYLE)


def sidebar_badge(ds: Dataset, *, sample: bool) -> None:
    """Say in the sidebar which data every page is showing."""
    with st.sidebar:
        if sample:
            st.info(f"**Sample data** · {ds.leads.height:,} leads (generated, not a client's)",
                    icon=":material/science:")
        else:
            st.success(f"**{ds.label or 'Uploaded data'}** · {ds.leads.height:,} leads",
                       icon=":material/database:")


def sidebar_profile(ds: Dataset) -> None:
    """Say in the sidebar which profile every page uses (:func:`ui.state.profile_in_use`)."""
    _, origin = profile_in_use()
    with st.sidebar.container(border=True):
        st.text(profile_in_use_line(ds))  # the name is the user's: never Markdown
        st.caption(origin)
