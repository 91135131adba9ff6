"""The app frame (app.py) around every page, and the app's one navigation.

Pages live in a top-level ``pages/`` folder, the name Streamlit's older multipage
convention gives the folder it serves by itself. Streamlit documents (``st.navigation``)
that "as soon as any session of your app executes the st.navigation command, your app
will ignore the pages/ directory (across all sessions)"; until then, on a fresh server,
``/`` runs ``app.py`` as the home page and ``/speed`` runs ``pages/speed.py`` on its own,
under a menu of file names. :func:`navigation` is that command with the app's pages,
called by ``app.py``; a page run on its own calls it too (:func:`require_frame`), which
ends the ``pages/`` mode for the whole server and puts the page titles in place of the
file names, then reruns through ``app.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from funnel.dataset.tables import Dataset
from ui.exports import begin_page_run
from ui.format import md_escape
from ui.state import profile_in_use, profile_in_use_line

_state = threading.local()
_SEEN = "_frame_seen"

# (file relative to app.py, menu title, URL path); the first is the home page, "/". No
# page icons: a page's icon becomes the browser tab's icon, a Material icon there is
# fetched from Google's font host, and emoji need fonts a browser may lack.
PAGES = (
    ("pages/diagnosis.py", "Diagnosis", "diagnosis"),
    ("pages/data.py", "Data", "data"),
    ("pages/profile.py", "Profile fit", "profile"),
    ("pages/funnel.py", "Funnel & leakage", "funnel"),
    ("pages/sources.py", "Sources & cost", "sources"),
    ("pages/speed.py", "Speed to lead", "speed"),
    ("pages/trace.py", "Lead trace", "trace"),
)


def _to_home() -> None:
    st.switch_page(PAGES[0][0], query_params=st.query_params.to_dict())  # keeps ?ws=…


def navigation() -> StreamlitPage:
    """The app's menu (``st.navigation`` with :data:`PAGES`); returns the page to run.

    Streamlit serves the home page at ``/`` only; its own URL (``/diagnosis``, what the
    file name promises) is a hidden page that switches to ``/``, not "Page not found".
    """
    (home, home_title, home_url), *rest = PAGES
    return st.navigation([
        st.Page(home, title=home_title, url_path="home", default=True),
        *(st.Page(path, title=title, url_path=url) for path, title, url in rest),
        st.Page(_to_home, title=home_title, url_path=home_url, visibility="hidden"),
    ])


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
    """Start the page's run: number its exports afresh, and, when Streamlit ran this page
    on its own (its ``pages/`` mode, a fresh server's first session), switch to the app's
    navigation and rerun through ``app.py``.

    At most once a session: a session that has been through the frame, or already asked
    for it, is left alone (AppTest serves ``pages/`` itself on every run; rerunning there
    again would drop button clicks).
    """
    begin_page_run()
    if getattr(_state, "on", False) or st.session_state.get(_SEEN):
        return
    st.session_state[_SEEN] = True
    navigation()  # documented: from now on the server ignores pages/, for every session
    st.rerun()


def sidebar_badge(ds: Dataset, *, sample: bool) -> None:
    """Say in the sidebar which data every page is showing."""
    with st.sidebar:
        if sample:
            st.info(f"**Sample data** · {ds.leads.height:,} leads (generated, not a client's)",
                    icon=":material/science:")
        else:
            st.success(f"**{md_escape(ds.label or 'Uploaded data')}** · {ds.leads.height:,} leads",
                       icon=":material/database:")


def sidebar_profile(ds: Dataset) -> None:
    """Say in the sidebar which profile every page uses (:func:`ui.state.profile_in_use`)."""
    _, origin = profile_in_use()
    with st.sidebar.container(border=True):
        st.text(profile_in_use_line(ds))  # the name is the user's: never Markdown
        st.caption(origin)
