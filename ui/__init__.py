"""Streamlit-side helpers shared by the pages (session state, panels, editors).

Only this package and ``pages/`` import streamlit; the analysis lives in ``funnel``.
"""
