"""Streamlit-side formatting: column configurations built on :mod:`funnel.dataset.format`."""

from __future__ import annotations

import re

import streamlit as st


def percent_columns(*names: str) -> dict:
    return {n: st.column_config.NumberColumn(format="percent") for n in names}


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md_escape(text: str) -> str:
    """``text`` with Markdown's special characters escaped, for a user's words (a profile
    name) inside Streamlit Markdown: shown as typed, never as a link, image or HTML."""
    return _MARKDOWN.sub(r"\\\1", str(text))
