"""Charts and tables with their downloads: PNG/SVG for charts, CSV/XLSX for tables.

Files are built only when a download button is clicked (callable data), rendered
without a browser (vl-convert), and spreadsheet cells never start a formula
(:mod:`funnel.export`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re

import altair as alt
import polars as pl
import streamlit as st

from funnel.export import chart_png, chart_svg, to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "export"


def _site() -> str:
    """Where the chart or table is drawn from (file:line), for stable widget keys."""
    frame = inspect.stack()[2]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"


def _title(spec: dict) -> str | None:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return title if isinstance(title, str) else None


def chart(c: alt.TopLevelMixin, *, key: str | None = None, name: str | None = None,
          **kwargs) -> object:
    """``st.altair_chart`` plus small PNG and SVG download buttons under it.

    ``key`` defaults to one derived from the call site and the chart's content;
    ``name`` (the file name) to the chart's title. Extra keyword arguments go to
    ``st.altair_chart`` (e.g. ``width``); its return value is returned.
    """
    if key is None or name is None:
        spec = c.to_dict()
        if key is None:
            digest = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode())
            key = f"chart:{_site()}:{digest.hexdigest()[:10]}"
        name = name or _title(spec) or "chart"
        out = st.altair_chart(c, **kwargs)
    else:
        out = st.altair_chart(c, key=key, **kwargs)
    stem = _slug(name or key)
    left, right, _ = st.columns([1, 1, 8], gap="small")
    left.download_button("PNG", lambda: chart_png(c), file_name=f"{stem}.png",
                         mime="image/png", key=f"{key}:png", type="tertiary",
                         icon=":material/download:")
    right.download_button("SVG", lambda: chart_svg(c), file_name=f"{stem}.svg",
                          mime="image/svg+xml", key=f"{key}:svg", type="tertiary")
    return out


def table(frame: pl.DataFrame, *, key: str | None = None, name: str | None = None,
          **kwargs) -> object:
    """``st.dataframe`` plus CSV and Excel downloads (formula injection neutralised).

    ``key`` defaults to one derived from the call site and the table's shape/columns."""
    if key is None:
        digest = hashlib.sha1(f"{frame.columns}{frame.shape}".encode()).hexdigest()[:10]
        key = f"table:{_site()}:{digest}"
        out = st.dataframe(frame, **kwargs)
    else:
        out = st.dataframe(frame, key=key, **kwargs)
    stem = _slug(name or key.split(":")[0] + "-" + "-".join(frame.columns[:2]))
    left, right, _ = st.columns([1, 1, 8], gap="small")
    left.download_button("CSV", lambda: to_csv(frame), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}:csv", type="tertiary",
                         icon=":material/download:")
    right.download_button("Excel", lambda: to_xlsx(frame, sheet=stem[:31]),
                          file_name=f"{stem}.xlsx", mime=XLSX, key=f"{key}:xlsx",
                          type="tertiary")
    return out
