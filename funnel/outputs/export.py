"""Take-away files: tables as CSV/XLSX with formula injection neutralised, charts as images.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula; a client's export can hold such text (``=HYPERLINK(...)``), on
purpose or not. Every text cell that starts with one of them is written with a leading
apostrophe, so it is shown as text and never evaluated. Numbers stay numbers.

Charts are rendered without a browser by ``vl-convert``, with the look they have on the
page (:data:`CHART_THEME`: Streamlit's colours, left-aligned titles) and a fixed width
where the page lets them fill the column (:func:`export_spec`), so an exported image
keeps its title, its colours and its labels.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # Altair loads only when a chart is drawn (it takes a second to import)
    import altair as alt

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | None) -> str | None:
    """One text cell made safe for spreadsheets.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("-1+1"), neutralise("Paid Search")
    ('\\'=HYPERLINK("http://x")', "'-1+1", 'Paid Search')
    """
    if value is None or not (value.startswith(FORMULA_START)
                             or value.lstrip(" \n").startswith(FORMULA_START)):
        return value
    return "'" + value


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text (and categorical) column neutralised; other columns unchanged.

    Column names are neutralised too: a header is a cell.

    Examples
    --------
    >>> t = pl.DataFrame({"note": ["@SUM(A1:A9)", "ok"], "n": [-1, 2]})
    >>> safe_frame(t).rows()
    [("'@SUM(A1:A9)", -1), ('ok', 2)]
    """
    danger = pl.col(pl.String).str.contains(r"^[ \n]*[=+\-@\t\r]")
    out = frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String)).with_columns(
        pl.when(danger).then(pl.lit("'") + pl.col(pl.String)).otherwise(pl.col(pl.String))
        .name.keep()
    )
    return out.rename({c: neutralise(c) for c in out.columns if neutralise(c) != c})


EXCEL_FORMATS = {"percent": "0.0%", "count": "#,##0", "money": "#,##0.00", "hours": "#,##0.0",
                 "days": "#,##0.0", "ratio": "0.00", "number": "#,##0.0"}
"""The Excel number format of each column kind (:func:`funnel.dataset.format.column_kind`):
cells stay numbers, shown as on the page."""

_CATEGORY = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700",
             "#ffd16a", "#6d3fc0", "#d5dae5"]
_RAMP = ["#e4f5ff", "#c7ebff", "#a6dcff", "#83c9ff", "#60b4ff", "#3d9df3", "#1c83e1",
         "#0068c9", "#0054a3", "#004280"]
_TEXT = "#31333f"

CHART_THEME: dict = {
    "font": "sans-serif",
    "background": "white",
    "title": {"anchor": "start", "fontSize": 16, "fontWeight": "bold", "color": _TEXT,
              "offset": 12, "subtitleColor": _TEXT},
    "axis": {"labelColor": _TEXT, "titleColor": _TEXT, "labelFontSize": 12,
             "titleFontSize": 13, "titleFontWeight": "normal", "gridColor": "#e6eaf1",
             "domainColor": "#e6eaf1", "tickColor": "#e6eaf1"},
    "header": {"labelColor": _TEXT, "titleColor": _TEXT, "labelFontSize": 12},
    "legend": {"labelColor": _TEXT, "titleColor": _TEXT, "labelFontSize": 13,
               "titleFontSize": 13, "titleFontWeight": "normal"},
    "range": {"category": _CATEGORY, "ramp": _RAMP, "heatmap": _RAMP},
    "mark": {"color": _CATEGORY[0]},
    "view": {"stroke": "transparent"},
}
"""The export's Vega-Lite config: the colours and text of Streamlit's light chart theme
(what the page shows), so the image looks like the chart on screen. A chart's own
config wins over it."""

EXPORT_WIDTH = 640
"""Width (px) of an exported chart that fills its column on the page."""


def _merged(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merged(out[k], v) if isinstance(v, Mapping) and isinstance(
            out.get(k), dict) else v
    return out


def chart_spec(chart: alt.TopLevelMixin, *, validate: bool = True) -> dict:
    """``chart``'s Vega-Lite spec without the view size Altair's default theme adds to
    every spec (300 × 300: not the chart's choice; the page or the export sizes it).

    ``validate=False`` skips Altair's schema validation (tens of milliseconds a chart):
    the app does so on every rerun, the chart builders being validated in the tests.

    Examples
    --------
    >>> import altair as alt
    >>> c = alt.Chart(pl.DataFrame({"x": [1]})).mark_bar().encode(x=alt.X("x:Q"))
    >>> "view" in chart_spec(c, validate=False).get("config", {})
    False
    """
    spec = chart.to_dict(validate=validate)
    config = spec.get("config") or {}
    view = config.get("view") or {}
    for k in ("continuousWidth", "continuousHeight"):
        view.pop(k, None)
    if "view" in config and not view:
        del config["view"]
    if "config" in spec and not config:
        del spec["config"]
    return spec


def export_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of ``chart`` as exported: :data:`CHART_THEME` under the chart's
    own config, and :data:`EXPORT_WIDTH` where the chart has no width of its own (on the
    page it fills the column; rendered alone it would be 300 px wide and clip its title).

    Examples
    --------
    >>> import altair as alt
    >>> c = alt.Chart(pl.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q").properties(
    ...     title="Leads")
    >>> spec = export_spec(c)
    >>> spec["width"], spec["config"]["title"]["anchor"], spec["title"]
    (640, 'start', 'Leads')
    """
    spec = chart_spec(chart)
    spec["config"] = _merged(CHART_THEME, dict(spec.get("config") or {}))
    if ("mark" in spec or "layer" in spec) and spec.get("width") in (None, "container"):
        spec["width"] = EXPORT_WIDTH
    return spec


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested values as text (lists joined with ", ", structs as JSON), so any table can be
    written."""
    fixes = []
    for c, t in frame.schema.items():
        if isinstance(t, pl.List | pl.Array):
            fixes.append(pl.col(c).cast(pl.List(t.inner)).list.eval(pl.element().cast(pl.String))
                         .list.join(", "))
        elif isinstance(t, pl.Struct):
            fixes.append(pl.col(c).struct.json_encode())
    return frame.with_columns(fixes) if fixes else frame


def to_csv(frame: pl.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with a byte-order mark, so Excel reads accents), formulas neutralised.

    Examples
    --------
    >>> to_csv(pl.DataFrame({"a": ["=1+1"]})).decode("utf-8-sig").splitlines()
    ['a', "'=1+1"]
    """
    return b"\xef\xbb\xbf" + safe_frame(_plain(frame)).write_csv().encode("utf-8")


def to_xlsx(frame: pl.DataFrame, *, sheet: str = "data",
            kinds: Mapping[str, str] | None = None) -> bytes:
    """An Excel workbook of one sheet; no text cell is ever stored as a formula or link.

    ``kinds`` (column → kind, see :data:`EXCEL_FORMATS`) gives number columns an Excel
    number format (``0.0%``, ``#,##0``…): the cells stay numbers.

    Examples
    --------
    >>> to_xlsx(pl.DataFrame({"a": [1]}), kinds={"a": "count"})[:2]
    b'PK'
    """
    import xlsxwriter  # noqa: PLC0415  (lazy: heavy)

    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "in_memory": True}
    safe = safe_frame(_plain(frame))
    formats = {neutralise(c): EXCEL_FORMATS[k] for c, k in (kinds or {}).items()
               if k in EXCEL_FORMATS and c in frame.columns and frame[c].dtype.is_numeric()}
    with xlsxwriter.Workbook(buffer, options) as book:
        safe.write_excel(book, worksheet=sheet[:31], autofit=True,
                         column_formats=formats or None)
    return buffer.getvalue()


def chart_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as a PNG image, rendered without a browser.

    Examples
    --------
    >>> import altair as alt
    >>> c = alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
    >>> chart_png(c)[:4]
    b'\\x89PNG'
    """
    import vl_convert as vlc  # noqa: PLC0415  (lazy: heavy)

    return vlc.vegalite_to_png(export_spec(chart), scale=scale)


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG text, rendered without a browser.

    Examples
    --------
    >>> import altair as alt
    >>> c = alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
    >>> chart_svg(c).startswith("<svg")
    True
    """
    import vl_convert as vlc  # noqa: PLC0415  (lazy: heavy)

    return vlc.vegalite_to_svg(export_spec(chart))
