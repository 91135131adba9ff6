"""Exports: no live formula survives from a hostile cell; charts render without a browser."""

from __future__ import annotations

import io
import zipfile

import altair as alt
import fastexcel
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.outputs.export import chart_png, chart_svg, neutralise, safe_frame, to_csv, to_xlsx

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1", "-1+1", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_neutralise_prefixes_formula_starts(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Paid Search", "1+1", "a=b", "", "'quoted"])
def test_neutralise_leaves_plain_text(cell):
    assert neutralise(cell) == cell


def test_safe_frame_keeps_numbers_and_nulls():
    t = pl.DataFrame({"n": [-1.5, 2.0], "s": [None, "-x"]})
    assert_frame_equal(safe_frame(t), pl.DataFrame({"n": [-1.5, 2.0], "s": [None, "'-x"]}))


def test_safe_frame_neutralises_headers():
    assert safe_frame(pl.DataFrame({"=x": [1]})).columns == ["'=x"]


def test_to_csv_has_no_cell_starting_a_formula():
    text = to_csv(pl.DataFrame({"note": HOSTILE})).decode("utf-8-sig")
    back = pl.read_csv(io.StringIO(text))
    assert all(v.startswith("'") for v in back["note"])


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_to_xlsx_stores_no_formula():
    data = to_xlsx(pl.DataFrame({"note": HOSTILE, "n": list(range(len(HOSTILE)))}))
    assert "<f>" not in _sheet_xml(data) and "<f " not in _sheet_xml(data)


def test_to_xlsx_round_trips_text_as_shown():
    data = to_xlsx(pl.DataFrame({"note": HOSTILE}))
    back = fastexcel.read_excel(data).load_sheet(0).to_polars()
    assert back["note"].to_list() == ["'" + c for c in HOSTILE]


def test_to_xlsx_writes_list_columns_as_text():
    data = to_xlsx(pl.DataFrame({"tags": [["a", "b"]]}))
    back = fastexcel.read_excel(data).load_sheet(0).to_polars()
    assert back["tags"].to_list() == ["a, b"]


def _chart():
    return alt.Chart(pl.DataFrame({"stage": ["lead", "won"], "count": [10, 2]})).mark_bar().encode(
        x="count:Q", y="stage:N")


def test_chart_png_is_a_png():
    assert chart_png(_chart())[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_svg_contains_the_data_labels():
    svg = chart_svg(_chart())
    assert svg.startswith("<svg") and "lead" in svg


@pytest.mark.parametrize("cell", [" =1+1", "\n=1+1", "  @SUM(A1)"])
def test_neutralise_sees_through_leading_spaces_and_newlines(cell):
    assert neutralise(cell) == "'" + cell
    assert safe_frame(pl.DataFrame({"c": [cell]}))["c"][0] == "'" + cell
