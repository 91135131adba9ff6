"""AppTest of ui.exports: tables under plain headers with whole counts, downloads that stay
machine-readable, and download buttons that fit their labels."""

from __future__ import annotations

import json

import polars as pl
from streamlit.testing.v1 import AppTest

from ui.exports import download_frame


def _table_script():
    import polars as pl  # noqa: PLC0415  (AppTest runs this function's body as a script)

    from ui import exports  # noqa: PLC0415

    exports.table(pl.DataFrame({
        "owner": ["Lena", "Tom"], "expected": [4266.7709, 12.2], "qualified_rate": [0.1315, 0.2],
        "q_ci_low": [0.12, 0.1], "q_ci_high": [0.14, 0.3], "revenue": [22454604.3156, 0.0]}),
        key="t", currency="USD")


def _open() -> AppTest:
    at = AppTest.from_function(_table_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_exports_table_has_plain_headers():
    shown = _open().dataframe[0].value
    assert list(shown.columns) == ["owner", "expected", "qualified rate",
                                   "qualified 95% CI low", "qualified 95% CI high", "revenue"]


def test_exports_table_shows_expected_counts_as_whole_numbers():
    shown = _open().dataframe[0].value
    assert list(shown["expected"]) == [4267, 12]


def test_exports_table_formats_each_kind():
    config = json.loads(_open().dataframe[0].proto.columns)
    formats = {c: v["type_config"]["format"] for c, v in config.items() if "type_config" in v}
    assert formats == {"expected": "localized", "qualified rate": "percent",
                       "qualified 95% CI low": "percent", "qualified 95% CI high": "percent",
                       "revenue": "dollar"}


def test_exports_table_buttons_sit_in_a_row_that_wraps():
    # a horizontal container sizes each button to its label (no narrow column clips it)
    row = _open().main.children[1]
    assert [b.label for b in row.children.values()] == ["CSV", "Excel"]
    flex = row.proto.flex_container
    assert flex.direction == flex.Direction.HORIZONTAL and flex.wrap


def test_exports_download_keeps_numbers_unrounded_under_plain_headers():
    frame = pl.DataFrame({"expected": [4266.7709], "stop_rate": [0.1315]})
    full, kinds = download_frame(frame)
    assert full.rows(named=True) == [{"expected": 4266.7709, "stop rate": 0.1315}]
    assert kinds == {"expected": "count", "stop rate": "percent"}
