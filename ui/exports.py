"""Charts and tables with their downloads: PNG/SVG for charts, CSV/XLSX for tables.

Files are built only when a download button is clicked (callable data), rendered
without a browser (vl-convert), and spreadsheet cells never start a formula
(:mod:`funnel.export`).
"""

from __future__ import annotations

import re

import altair as alt
import polars as pl
import streamlit as st

from funnel.export import chart_png, chart_svg, to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "export"


def chart(c: alt.TopLevelMixin, *, key: str, name: str | None = None, **kwargs) -> object:
    """``st.altair_chart`` plus small PNG and SVG download buttons under it.

    Extra keyword arguments go to ``st.altair_chart`` (e.g. ``on_select``); its return
    value is returned.
    """
    out = st.altair_chart(c, key=key, **kwargs)
    stem = _slug(name or key)
    left, right, _ = st.columns([1, 1, 8], gap="small")
    left.download_button("PNG", lambda: chart_png(c), file_name=f"{stem}.png",
                         mime="image/png", key=f"{key}:png", type="tertiary",
                         icon=":material/download:")
    right.download_button("SVG", lambda: chart_svg(c), file_name=f"{stem}.svg",
                          mime="image/svg+xml", key=f"{key}:svg", type="tertiary")
    return out


def table(frame: pl.DataFrame, *, key: str, name: str | None = None, **kwargs) -> object:
    """``st.dataframe`` plus CSV and Excel downloads (formula injection neutralised)."""
    out = st.dataframe(frame, key=key, **kwargs)
    stem = _slug(name or key)
    left, right, _ = st.columns([1, 1, 8], gap="small")
    left.download_button("CSV", lambda: to_csv(frame), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}:csv", type="tertiary",
                         icon=":material/download:")
    right.download_button("Excel", lambda: to_xlsx(frame, sheet=stem[:31]),
                          file_name=f"{stem}.xlsx", mime=XLSX, key=f"{key}:xlsx",
                          type="tertiary")
    return out
