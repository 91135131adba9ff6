"""Exports: no live formula survives from a hostile cell; charts render without a browser."""

from __future__ import annotations

import html
import io
import re
import zipfile

import altair as alt
import fastexcel
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.analyses.funnel import funnel_by
from funnel.charts.leakage import funnel_by_chart
from funnel.outputs.export import (
    CHART_THEME,
    EXPORT_WIDTH,
    chart_png,
    chart_svg,
    export_spec,
    neutralise,
    safe_frame,
    to_csv,
    to_xlsx,
)

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


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _svg_size(svg: str) -> tuple[float, float]:
    head = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', svg)
    return float(head[1]), float(head[2])


def _texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


LONG_TITLE = "Win rate by source (red tick: shrunk rate used for ranking)"


def test_chart_svg_keeps_the_title():
    assert "Leads reaching each stage" in _texts(chart_svg(
        _chart().properties(title="Leads reaching each stage")))


def test_chart_png_is_the_titled_svg_rendered():
    titled = _chart().properties(title=LONG_TITLE)
    svg, png = chart_svg(titled), chart_png(titled, scale=2)
    assert LONG_TITLE in _texts(svg)
    assert _png_size(png) == tuple(round(2 * v) for v in _svg_size(svg))
    assert _png_size(png)[1] > _png_size(chart_png(_chart(), scale=2))[1]  # room for the title


def test_chart_svg_keeps_the_title_of_a_faceted_chart(sample_ds):
    table = funnel_by(sample_ds.leads, by="source")
    svg = chart_svg(funnel_by_chart(table, by="source"))
    assert "Share of each source's leads reaching each stage (95% CI)" in _texts(svg)


def test_chart_export_gives_a_column_wide_chart_room_for_its_title():
    svg = chart_svg(_chart().properties(title=LONG_TITLE))  # no width: fills its column
    assert export_spec(_chart())["width"] == EXPORT_WIDTH
    assert _svg_size(svg)[0] >= 0.45 * 16 * len(LONG_TITLE)  # 16 px bold, left-aligned


def test_chart_export_keeps_a_fixed_width():
    assert export_spec(_chart().properties(width=200))["width"] == 200


def test_chart_export_uses_the_colours_of_the_page():
    coloured = _chart().encode(color="stage:N")
    svg = chart_svg(coloured).lower()
    assert CHART_THEME["range"]["category"][0] in svg and "#83c9ff" in svg
    assert "#4c78a8" not in svg  # Vega's default blue is not what the page shows


def test_chart_export_keeps_the_charts_own_colours():
    own = _chart().encode(color="stage:N").configure_range(category=["#123456", "#654321"])
    assert "#123456" in chart_svg(own).lower()


def test_to_xlsx_formats_numbers_by_kind_and_keeps_them_numbers():
    frame = pl.DataFrame({"win rate": [0.019227], "leads": [9882], "source": ["Ads"]})
    data = to_xlsx(frame, kinds={"win rate": "percent", "leads": "count", "source": "text"})
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'formatCode="0.0%"' in styles
    back = fastexcel.read_excel(data).load_sheet(0).to_polars()
    assert back["win rate"][0] == pytest.approx(0.019227) and back["leads"][0] == 9882
