"""Layout helpers: folds whose content is drawn only while open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def folded(label: str, *, key: str) -> Iterator[bool]:
    """``with folded(label, key=...) as shown:`` an expander whose content is drawn only
    while it is open: ``shown`` says whether to draw it.

    A closed expander's content would still be computed and sent to the browser on every
    run (a table inside it is a whole grid to redraw on each live edit); this one tracks
    its state (Streamlit's ``on_change="rerun"``), so opening it reruns the page and
    draws the content then. The open/closed state is kept per ``key`` for the session.
    """
    box = st.expander(label, key=key, on_change="rerun")
    with box:
        yield box.open is not False
