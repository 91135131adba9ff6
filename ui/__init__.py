"""Streamlit side of the app: ``state`` (the session's data), ``memo`` (the one per-session
memo), ``format``, ``exports``, ``drill``, ``share`` and ``frame``; ``widgets/`` (filters,
mapping editors) and ``sections/`` (one module per page).

Only this package and ``pages/`` import streamlit; the analysis lives in ``funnel``.

Importing it first (``app.py`` does) sets how polars' allocator (jemalloc) gives memory
back to the system in the server process: :data:`ALLOCATOR`, unless the environment sets
:data:`ALLOCATOR_VAR` already. A background thread returns pages unused for a second, so
the memory of an upload's parsing and typing goes back to the system within seconds of
the work, and an upload's peak was lower by about a third of the file's size in the
measured runs (``bench/bench_upload_memory.py``).
"""

import os

ALLOCATOR_VAR = "_RJEM_MALLOC_CONF"
"""The environment variable polars' jemalloc reads its options from, when first loaded."""
ALLOCATOR = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"
"""Freed pages go back to the system after a second unused (jemalloc's options)."""

os.environ.setdefault(ALLOCATOR_VAR, ALLOCATOR)
