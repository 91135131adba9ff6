"""The UI's one memo: per session, bounded, keyed by dataset object or by frame content."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _frame_memo_script():
    import polars as pl  # noqa: PLC0415  (AppTest runs this function's body as the script)
    import streamlit as st  # noqa: PLC0415

    from ui.memo import memo_frame  # noqa: PLC0415

    calls = st.session_state.setdefault("calls", [])

    def count(frame):
        calls.append(frame.height)
        return frame.height

    a = pl.DataFrame({"x": [1, 2, 3]})
    memo_frame("n", count, a)
    memo_frame("n", count, pl.DataFrame({"x": [1, 2, 3]}))  # a new object, same content
    memo_frame("n", count, pl.DataFrame({"x": [1, 2, 4]}))  # other content


def test_memo_frame_computes_once_per_content():
    at = AppTest.from_function(_frame_memo_script).run()
    assert not at.exception, at.exception
    assert at.session_state["calls"] == [3, 3]
    at.run()  # a rerun builds the same frames again: nothing recomputed
    assert at.session_state["calls"] == [3, 3]
