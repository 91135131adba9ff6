"""Charts and tables with their downloads: PNG/SVG for charts, CSV/XLSX for tables.

Files are built only when a download button is clicked (callable data), rendered
without a browser (vl-convert), and spreadsheet cells never start a formula
(:mod:`funnel.outputs.export`).

Tables are shown with plain-language headers and numbers formatted by their kind
(:mod:`ui.format`); their CSV and Excel downloads carry the same headers and the numbers
themselves, unrounded (Excel cells get a number format: percent, thousands…), so a
download stays machine-readable.
"""

from __future__ import annotations

import re
import sys

import altair as alt
import polars as pl
import streamlit as st

from funnel.charts import ChartParts
from funnel.dataset.format import column_kinds, currency_of, plain_headers
from funnel.outputs.export import chart_png, chart_spec, chart_svg, to_csv, to_xlsx
from funnel.outputs.templates import parts_spec
from ui import format as ui_format
from ui.memo import memo, session_lru

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "export"


_SEQ = "_exports_seq"


def begin_page_run() -> None:
    """Start numbering this run's charts and tables afresh (pages call it first, via
    :func:`ui.frame.require_frame`), so automatic keys are the same on every rerun."""
    st.session_state[_SEQ] = {}


def _auto_key(kind: str) -> str:
    """A key from the call site (file:line) and how many times that site drew this run:
    stable across reruns, distinct inside loops, and free (no chart serialised)."""
    caller = sys._getframe(2)
    site = f"{caller.f_code.co_filename.rsplit('/', 1)[-1]}:{caller.f_lineno}"
    seq = st.session_state.setdefault(_SEQ, {})
    n = seq.get(site, 0)
    seq[site] = n + 1
    return f"{kind}:{site}:{n}"


CHART_TEMPLATES_KEY = "leak:chart_templates"
CHART_TEMPLATES_SIZE = 32
"""Where this session keeps its charts' layouts (:mod:`funnel.outputs.templates`), and
how many (a page draws a handful; each is a small spec without rows)."""


def _title(c: alt.TopLevelMixin | dict) -> str | None:
    title = c.get("title") if isinstance(c, dict) else getattr(c, "title", None)
    title = title.get("text") if isinstance(title, dict) else getattr(title, "text", title)
    if isinstance(title, list | tuple):
        title = " ".join(map(str, title))
    return title if isinstance(title, str) else None


def _buttons(key: str, files: list[tuple]) -> None:
    """Small download buttons side by side, each as wide as its label (never clipped);
    each file is built when its button is clicked, and clicking does not rerun the page."""
    with st.container(horizontal=True, gap="small"):
        for label, build, file_name, mime in files:
            st.download_button(label, build, file_name=file_name, mime=mime,
                               key=f"{key}:{label.lower()}", on_click="ignore", type="tertiary",
                               icon=":material/download:", width="content",
                               help=f"Download {file_name}")


def data_currency(ds) -> str | None:
    """The currency ``ds`` names for its amounts (:func:`funnel.dataset.format.currency_of`),
    once per session and dataset."""
    return memo("currency", lambda d: currency_of(d.deals, d.leads, d.spend), ds)


def chart(c: alt.TopLevelMixin | ChartParts, *, key: str | None = None,
          name: str | None = None, **kwargs) -> object:
    """``st.altair_chart`` plus small PNG and SVG download buttons under it.

    The chart goes to the page as its spec
    (:func:`~funnel.outputs.export.chart_spec`, without Altair's validation on each run).
    A chart given as :class:`~funnel.charts.ChartParts` is not built at all: its spec is
    its layout's, kept for this session, with this run's rows filled in
    (:func:`~funnel.outputs.templates.parts_spec`); the chart itself is built only when
    a download is clicked.
    ``key`` defaults to one derived from the call site (see :func:`_auto_key`); ``name``
    (the file name) to the chart's title. Extra keyword arguments go to
    ``st.vega_lite_chart`` (e.g. ``width``); its return value is returned.
    """
    if isinstance(c, ChartParts):
        spec = parts_spec(c, templates=session_lru(CHART_TEMPLATES_KEY, CHART_TEMPLATES_SIZE))
        title, built = _title(spec), c.build
    else:
        spec = chart_spec(c, validate=False)  # the builders are validated in the tests
        title, built = _title(c), lambda: c
    if key is None:
        key = _auto_key("chart")
        out = st.vega_lite_chart(spec, **kwargs)
    else:
        out = st.vega_lite_chart(spec, key=key, **kwargs)
    name = name or title or "chart"
    stem = _slug(name)
    _buttons(key, [("PNG", lambda: chart_png(built()), f"{stem}.png", "image/png"),
                   ("SVG", lambda: chart_svg(built()), f"{stem}.svg", "image/svg+xml")])
    return out


def download_frame(frame: pl.DataFrame, *, kinds: dict[str, str] | None = None,
                   labels: dict[str, str] | None = None) -> tuple[pl.DataFrame, dict]:
    """What a table's CSV and Excel downloads hold: the shown (plain-language) headers
    over the unrounded numbers, and each column's kind for Excel's number formats."""
    names = plain_headers(frame.columns, labels=labels)
    kind = column_kinds(frame.schema, kinds=kinds)
    return frame.rename(names), {names[c]: k for c, k in kind.items()}


def table(frame: pl.DataFrame, *, key: str | None = None, name: str | None = None,
          kinds: dict[str, str] | None = None, labels: dict[str, str] | None = None,
          currency: str | None = None, column_config: dict | None = None,
          **kwargs) -> object:
    """``st.dataframe`` plus CSV and Excel downloads (formula injection neutralised).

    Columns are shown under plain-language headers (``labels`` overrides per column),
    missing values as "—" (:data:`~funnel.dataset.format.MISSING_TEXT`), counts as whole
    numbers, each number by its kind (``kinds`` overrides per column; amounts in
    ``currency``); ``column_config`` (keyed by the original names) adds to or replaces
    that. Downloads hold the same headers and the unrounded numbers.

    ``key`` defaults to one derived from the call site (see :func:`_auto_key`)."""
    view, names = ui_format.shown_table(frame, kinds=kinds, labels=labels)
    config = ui_format.column_config(frame, kinds=kinds, currency=currency, labels=labels)
    first = frame.columns[0] if frame.width else None
    if first is not None and frame.width > 6 and not frame.schema[first].is_numeric():
        # a wide table scrolls sideways: its first column (the row's name) stays in view
        config.setdefault(names[first], st.column_config.Column(names[first], pinned=True))
    config.update({names.get(c, c): v for c, v in (column_config or {}).items()})
    if key is None:
        key = _auto_key("table")
        out = ui_format.grid(view, column_config=config, **kwargs)
    else:
        out = ui_format.grid(view, key=key, column_config=config, **kwargs)
    stem = _slug(name or key.split(":")[0] + "-" + "-".join(frame.columns[:2]))
    full, excel = download_frame(frame, kinds=kinds, labels=labels)
    _buttons(key, [("CSV", lambda: to_csv(full), f"{stem}.csv", "text/csv"),
                   ("Excel", lambda: to_xlsx(full, sheet=stem[:31], kinds=excel),
                    f"{stem}.xlsx", XLSX)])
    return out
