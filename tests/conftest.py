"""Shared pytest fixtures.

Each block below belongs to one group of tests; add new fixtures in your own block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import funnel

# ---------------------------------------------------------------------------------------
# Ingestion core (test_readers, test_parsing, test_mapping, test_model, test_cli,
# test_summary): the real exports in ../shared/datasets and a small file writer.
# ---------------------------------------------------------------------------------------

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
OLIST_LEADS = "olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv"
OLIST_DEALS = "olist_marketing_funnel/olist_closed_deals_dataset.csv"
XED_LEADS = "x_education/Leads.csv"


def _dataset_file(relative: str) -> Path:
    path = DATASETS / relative
    if not path.is_file():
        pytest.skip(f"shared dataset {relative} is not available")
    return path


@pytest.fixture(scope="session")
def olist_files() -> tuple[Path, Path]:
    """Olist's (leads, closed deals) CSV paths; skips when the datasets are absent."""
    return _dataset_file(OLIST_LEADS), _dataset_file(OLIST_DEALS)


@pytest.fixture(scope="session")
def xed_file() -> Path:
    """X Education's Leads.csv path; skips when the datasets are absent."""
    return _dataset_file(XED_LEADS)


@pytest.fixture(scope="session")
def sample_ds():
    """The bundled sample, loaded once per test session (read-only: do not mutate)."""

    return funnel.load_sample()


@pytest.fixture(scope="session")
def olist_dataset(olist_files):
    """Olist loaded once with no mapping file (a fixed ``now``)."""


    leads, deals = olist_files
    return funnel.load(leads, deals=deals, now=dt.datetime(2030, 1, 1))


@pytest.fixture(scope="session")
def xed_dataset(xed_file):
    """X Education loaded once with no mapping file (a fixed ``now``)."""


    return funnel.load(xed_file, now=dt.datetime(2030, 1, 1))


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """``write_file(name, content)``: write text (UTF-8) or bytes under ``tmp_path``."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


# ---------------------------------------------------------------------------------------
# end of ingestion-core fixtures
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# App sessions (test_app_*): an upload keeps a pseudonymised copy for a browser reload
# (ui.session); every test gets its own store, never the checkout's ./workspaces.
# ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _own_workspace_store(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("FUNNEL_WORKSPACES", str(tmp_path_factory.mktemp("workspaces")))


# ---------------------------------------------------------------------------------------
# What leaves the app (test_app_privacy, test_app_formulas): every download button drawn.
# ---------------------------------------------------------------------------------------


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, object, str]]:
    """Every download button drawn, as (label, data, file name): wraps Streamlit's own."""
    seen: list[tuple[str, object, str]] = []
    original = DeltaGenerator.download_button

    def recording(self, label, data, *args, **kwargs):
        seen.append((label, data, kwargs.get("file_name") or (args[0] if args else "")))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    monkeypatch.setattr(st, "download_button",
                        lambda *a, **k: recording(st._main, *a, **k))  # noqa: SLF001
    return seen
