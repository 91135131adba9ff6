"""Charts and tables with their downloads: PNG/SVG for charts, CSV/XLSX for tables.

Files are built only when a download button is clicked (callable data), rendered
without a browser (vl-convert), and spreadsheet cells never start a formula
(:mod:`funnel.outputs.export`).
"""

from __future__ import annotations

import re
import sys

import altair as alt
import polars as pl
import streamlit as st

from funnel.outputs.export import chart_png, chart_svg, to_csv, to_xlsx

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


def _title(c: alt.TopLevelMixin) -> str | None:
    title = getattr(c, "title", None)
    title = getattr(title, "text", title)
    if isinstance(title, list | tuple):
        title = " ".join(map(str, title))
    return title if isinstance(title, str) else None


def _buttons(key: str, files: list[tuple]) -> None:
    """Small download buttons in a row; each file is built when its button is clicked,
    and clicking does not rerun the page."""
    cols = st.columns([1] * len(files) + [8], gap="small")
    for col, (label, build, file_name, mime) in zip(cols, files, strict=False):
        col.download_button(label, build, file_name=file_name, mime=mime,
                            key=f"{key}:{label.lower()}", on_click="ignore", type="tertiary",
                            icon=":material/download:" if col is cols[0] else None)


def chart(c: alt.TopLevelMixin, *, key: str | None = None, name: str | None = None,
          **kwargs) -> object:
    """``st.altair_chart`` plus small PNG and SVG download buttons under it.

    ``key`` defaults to one derived from the call site (see :func:`_auto_key`); ``name``
    (the file name) to the chart's title. Extra keyword arguments go to
    ``st.altair_chart`` (e.g. ``width``); its return value is returned.
    """
    if key is None:
        key = _auto_key("chart")
        out = st.altair_chart(c, **kwargs)
    else:
        out = st.altair_chart(c, key=key, **kwargs)
    name = name or _title(c) or "chart"
    stem = _slug(name)
    _buttons(key, [("PNG", lambda: chart_png(c), f"{stem}.png", "image/png"),
                   ("SVG", lambda: chart_svg(c), f"{stem}.svg", "image/svg+xml")])
    return out


def table(frame: pl.DataFrame, *, key: str | None = None, name: str | None = None,
          **kwargs) -> object:
    """``st.dataframe`` plus CSV and Excel downloads (formula injection neutralised).

    ``key`` defaults to one derived from the call site (see :func:`_auto_key`)."""
    if key is None:
        key = _auto_key("table")
        out = st.dataframe(frame, **kwargs)
    else:
        out = st.dataframe(frame, key=key, **kwargs)
    stem = _slug(name or key.split(":")[0] + "-" + "-".join(frame.columns[:2]))
    _buttons(key, [("CSV", lambda: to_csv(frame), f"{stem}.csv", "text/csv"),
                   ("Excel", lambda: to_xlsx(frame, sheet=stem[:31]), f"{stem}.xlsx", XLSX)])
    return out
