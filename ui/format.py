"""Streamlit-side formatting: tables shown with the kinds and headers of
:mod:`funnel.dataset.format` (no number formatting of its own).

:func:`shown_table` renames a result table's columns to plain language and rounds its
numbers to the decimals shown; :func:`column_config` tells ``st.dataframe`` how to show
each kind: percents with one decimal, counts and amounts with thousands separators
(amounts in the data's currency, cents only for amounts under 100), days with one
decimal, hours and ratios with two.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl
import streamlit as st

from funnel.dataset.format import (
    MISSING_TEXT,
    SHOWN_DECIMALS,
    column_kinds,
    money_decimals,
    percent_decimals,
    plain_headers,
    rounded_to_shown,
)

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>!|~$#])")
# Streamlit turns bare addresses in Markdown text into links after escapes are read
# (``http\://x`` is still a link), so a WORD JOINER (U+2060, invisible) breaks them.
_LINK_START = re.compile(
    r"(?i)\b(www)(\.)|\b(https?|ftp|file|mailto|javascript|vbscript|data)(:)|(\w)(@)(?=\w)")
WORD_JOINER = "\u2060"


def md_escape(text: object) -> str:
    r"""``text`` shown as typed inside Streamlit Markdown (a client's label, a file name, a
    message quoting a cell): never a link, an image, HTML or emphasis.

    Every character that can open one is escaped: brackets (links, images, footnotes),
    ``<`` and ``>`` (HTML, autolinks), and emphasis, code, LaTeX, table and heading
    marks. Bare addresses (``http://…``, ``javascript:…``, ``www.…``, ``a@b``), which
    Streamlit links even when escaped, get an invisible :data:`WORD_JOINER` before their
    colon, dot or ``@``. Plain sentences (dots, parentheses, commas, colons) stay as they
    are.

    Examples
    --------
    >>> md_escape("![x](http://e.invalid/x.png) at www.e.invalid").replace(WORD_JOINER, "⁀")
    '\\!\\[x\\](http⁀://e.invalid/x.png) at www⁀.e.invalid'
    >>> md_escape("leads.csv (2 rows): ok.")
    'leads.csv (2 rows): ok.'
    """
    escaped = _MARKDOWN.sub(r"\\\1", str(text))
    return _LINK_START.sub(lambda m: WORD_JOINER.join(g for g in m.groups() if g), escaped)


# Streamlit's predefined formats for the currencies it knows; others are plain numbers
# with the code in the header.
_ST_CURRENCY = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}


def grid(data, **kwargs):
    """``st.dataframe(data, **kwargs)`` with a missing value shown as "—"
    (:data:`~funnel.dataset.format.MISSING_TEXT`), not "None": every table of the app,
    raw rows and results alike; returns what ``st.dataframe`` returns (its selection)."""
    return st.dataframe(data, placeholder=MISSING_TEXT, **kwargs)


def _number(kind: str, values: pl.Series, currency: str | None) -> dict:
    """``st.column_config.NumberColumn`` options for one column of ``kind``: the step sets
    the decimals shown (Streamlit cuts the digits beyond it, so :func:`shown_table` rounds
    the values to them first)."""
    if kind == "count":
        return {"format": "localized", "step": 1}
    if kind == "plain":  # a year, an hour, a row number: no thousands separator
        return {"format": "plain"}
    if kind == "money":
        step = 10 ** -money_decimals(values)
        return {"format": _ST_CURRENCY.get(currency or "", "localized"), "step": step}
    if kind == "percent":  # a share's decimals: 0.1%, more for a tiny non-zero share
        return {"format": "percent", "step": 10.0 ** -percent_decimals(values)}
    return {"format": "localized", "step": round(10 ** -SHOWN_DECIMALS.get(kind, 1), 3)}


def shown_table(frame: pl.DataFrame, *, kinds: Mapping[str, str] | None = None,
                labels: Mapping[str, str] | None = None) -> tuple[pl.DataFrame, dict]:
    """``frame`` as shown: numbers rounded to the decimals shown (counts whole), under
    plain-language headers (``labels`` overrides per column); returns it and the map from
    the original column names to the shown ones."""
    names = plain_headers(frame.columns, labels=labels)
    return rounded_to_shown(frame, kinds=kinds).rename(names), names


def column_config(frame: pl.DataFrame, *, kinds: Mapping[str, str] | None = None,
                  currency: str | None = None, labels: Mapping[str, str] | None = None,
                  renamed: bool = True) -> dict:
    """Column configurations for ``frame`` (original names): each number column by its
    kind, every column under its plain-language header (``labels`` overrides), an amount
    column's header naming its currency when Streamlit has no symbol for it.

    Keyed by the shown names (``renamed``, for a frame from :func:`shown_table`) or by
    the original ones (a ``st.data_editor`` whose rows are read back by name)."""
    names = plain_headers(frame.columns, labels=labels)
    kind = column_kinds(frame.schema, kinds=kinds)
    out = {}
    for c, t in frame.schema.items():
        key, label = (names[c] if renamed else c), names[c]
        if not t.is_numeric() or kind[c] == "text":
            if not renamed:
                out[key] = st.column_config.Column(label)
            continue
        if kind[c] == "money" and currency and currency not in _ST_CURRENCY:
            label = f"{label} ({currency})"
        out[key] = st.column_config.NumberColumn(label, **_number(kind[c], frame[c], currency))
    return out
