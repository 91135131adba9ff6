"""Take-away files: tables as CSV/XLSX with formula injection neutralised, charts as images.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula; a client's export can hold such text (``=HYPERLINK(...)``), on
purpose or not. Every text cell that starts with one of them is written with a leading
apostrophe, so it is shown as text and never evaluated. Numbers stay numbers.

Charts are rendered without a browser by ``vl-convert``.
"""

from __future__ import annotations

import io

import altair as alt
import polars as pl

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


def to_xlsx(frame: pl.DataFrame, *, sheet: str = "data") -> bytes:
    """An Excel workbook of one sheet; no text cell is ever stored as a formula or link.

    Examples
    --------
    >>> to_xlsx(pl.DataFrame({"a": [1]}))[:2]
    b'PK'
    """
    import xlsxwriter  # noqa: PLC0415  (lazy: heavy)

    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "in_memory": True}
    with xlsxwriter.Workbook(buffer, options) as book:
        safe_frame(_plain(frame)).write_excel(book, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def chart_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as a PNG image, rendered without a browser.

    Examples
    --------
    >>> c = alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
    >>> chart_png(c)[:4]
    b'\\x89PNG'
    """
    import vl_convert as vlc  # noqa: PLC0415  (lazy: heavy)

    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG text, rendered without a browser.

    Examples
    --------
    >>> c = alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
    >>> chart_svg(c).startswith("<svg")
    True
    """
    import vl_convert as vlc  # noqa: PLC0415  (lazy: heavy)

    return vlc.vegalite_to_svg(chart.to_dict())
