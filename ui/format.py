"""Streamlit-side formatting: column configurations built on :mod:`funnel.dataset.format`."""

from __future__ import annotations

import streamlit as st


def percent_columns(*names: str) -> dict:
    return {n: st.column_config.NumberColumn(format="percent") for n in names}
