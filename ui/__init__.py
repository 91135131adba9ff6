"""Streamlit side of the app: ``state`` (the session's data), ``memo`` (the one per-session
memo), ``format``, ``exports``, ``drill``, ``share`` and ``frame``; ``widgets/`` (filters,
mapping editors) and ``sections/`` (one module per page).

Only this package and ``pages/`` import streamlit; the analysis lives in ``funnel``.
"""
