"""Per-session data state. Client data lives only in ``st.session_state``.

The bundled sample is not client data, so it is built once per server
(``st.cache_resource``) and shared read-only. Uploaded files are parsed once per
session and kept as parsed tables; their bytes are not kept by us.
"""

from __future__ import annotations

import streamlit as st

import funnel
from funnel import Dataset, InputError, RawTable

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
"""Largest single upload the core accepts (matches server.maxUploadSize)."""


@st.cache_resource(show_spinner="Loading the sample data…")
def sample_dataset() -> Dataset:
    """The bundled sample, built once per server (it holds no client data)."""
    return funnel.load_sample()


def current_dataset() -> Dataset:
    """This session's dataset: its own upload, or the sample."""
    return st.session_state.get("dataset") or sample_dataset()


def is_sample() -> bool:
    """Whether this session is looking at the bundled sample."""
    return "dataset" not in st.session_state


def set_dataset(ds: Dataset) -> None:
    """Make ``ds`` this session's dataset."""
    st.session_state["dataset"] = ds


def reset_to_sample() -> None:
    """Forget this session's uploads and go back to the sample."""
    st.session_state.pop("dataset", None)
    forget_uploads()
    st.session_state["uploader_key"] = st.session_state.get("uploader_key", 0) + 1


def forget_uploads() -> None:
    """Drop this session's parsed uploads and everything built from them."""
    for key in ("parsed", "mapping", "mapping_tables", "built", "role_guesses"):
        st.session_state.pop(key, None)


def is_shared_view() -> bool:
    """Whether this session is a read-only shared view (opened from a link)."""
    return bool(st.session_state.get("share_mode", False))


def parse_upload(file, *, sheet: str | int | None = None) -> tuple[tuple, RawTable | str]:
    """Parse an uploaded file once per session; an unusable file gives its message.

    Parsed tables are keyed by the upload's id and the sheet, so re-runs of the page
    do not parse again and the bytes need not be kept. Returns the key too.
    """
    cache: dict = st.session_state.setdefault("parsed", {})
    key = (file.file_id, sheet)  # one id per upload: no need to hash the bytes each rerun
    if key not in cache:
        try:
            cache[key] = funnel.read_file(file.getvalue(), name=file.name, sheet=sheet,
                                          max_bytes=MAX_UPLOAD_BYTES)
        except InputError as exc:
            cache[key] = str(exc)
    return key, cache[key]


def forget_other_uploads(keep: set[tuple]) -> None:
    """Drop parsed tables of files no longer in the uploader, so memory stays bounded."""
    cache: dict = st.session_state.get("parsed", {})
    for key in [k for k in cache if k not in keep]:
        del cache[key]
