"""The session's own copy of its upload, kept so a browser reload does not lose it.

A browser reload starts a new Streamlit session, which would drop an upload and its
profiles. So when an upload becomes the session's dataset (:func:`ui.state.set_dataset`),
:func:`keep_upload` writes a *session* workspace — pseudonymised exactly like a shared
link, expiring after ``$FUNNEL_SESSION_TTL_HOURS`` (default 24; 0 switches it off) — and
puts its id in the URL (``?session=<id>``); :func:`keep_profiles` re-saves the profiles
when they change (``meta.json`` only); :func:`drop_kept_copy` deletes the copy when the
session goes back to the sample or uploads something else. :func:`ui.share.open_session_link`
restores it after the reload.

The store checks the workspace's kind, so a session id never opens as a shared link and a
shared link's id is never a session to edit. This module holds no client data itself:
only the id, the expiry and a reference to the session's own dataset, in
``st.session_state``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os

import streamlit as st

from funnel import Dataset
from funnel.outputs.workspace import WorkspaceNotFound, WorkspaceStore, default_root

SESSION_PARAM = "session"
"""The URL parameter naming the session's kept copy."""
SESSION_KEY = "session_id"
"""``st.session_state`` key of the kept copy's id."""
TTL_ENV = "FUNNEL_SESSION_TTL_HOURS"
NOT_KEPT = "A browser reload goes back to the sample: "
_KEPT = "session:kept"  # (dataset object, profiles JSON, expires_at) as last written
_NOTE = "session:note"  # why a reload would not keep the current upload


def mask_key() -> str | None:
    """The pseudonym secret: ``st.secrets["mask_key"]``, else ``$FUNNEL_MASK_KEY``."""
    try:
        key = st.secrets.get("mask_key")
    except Exception:  # no secrets file: Streamlit raises  # noqa: BLE001
        key = None
    return key or os.environ.get("FUNNEL_MASK_KEY")


def session_store() -> WorkspaceStore | None:
    """The store of kept sessions (``$FUNNEL_WORKSPACES``, expiry ``$FUNNEL_SESSION_TTL_HOURS``,
    default 24); None when that is 0 (sessions are not kept)."""
    try:
        hours = float(os.environ.get(TTL_ENV, "24") or 24)
    except ValueError:
        hours = 24.0
    return WorkspaceStore(default_root(), ttl=dt.timedelta(hours=hours)) if hours > 0 else None


def _json(profiles: list[dict]) -> str:
    return json.dumps(profiles, sort_keys=True, default=str)


def keep_upload(ds: Dataset, *, profiles: list[dict]) -> None:
    """Write a pseudonymised copy of ``ds`` (the session's new upload) with ``profiles``
    (JSON objects, sales first) and put its id in the URL; the previous copy is deleted.

    When it cannot be kept (sessions switched off, the store not writable) it says so
    where the upload is shown, and :func:`note` keeps saying it (sidebar); the upload
    itself is unaffected.
    """
    drop_kept_copy()
    st.session_state.pop(_NOTE, None)
    store = session_store()
    if store is None:
        _not_kept("uploads are not kept on this server.")
        return
    try:
        with st.spinner("Keeping a pseudonymised copy so a browser reload keeps this upload…"):
            ws_id = store.save(ds, name=f"Session: {ds.label}", profiles=profiles,
                               key=mask_key(), kind="session")
            expires = store.info(ws_id, kind="session").expires_at
    except Exception:  # a full or read-only store must not cost the upload  # noqa: BLE001
        _not_kept("this upload could not be kept (the workspace store is not writable).")
        return
    adopt_kept_copy(ws_id, ds, profiles=profiles, expires_at=expires)
    with contextlib.suppress(OSError):
        store.purge_expired()  # expired copies (sessions and links) leave the disk


def _not_kept(why: str) -> None:
    set_note(NOT_KEPT + why)
    st.warning(NOT_KEPT + why, icon=":material/history:")


def adopt_kept_copy(ws_id: str, ds: Dataset, *, profiles: list[dict],
                    expires_at: dt.datetime) -> None:
    """Record that ``ws_id`` is the kept copy of ``ds`` (saved, or restored after a
    reload) with ``profiles``, and put it in the URL."""
    st.session_state[SESSION_KEY] = ws_id
    st.session_state[_KEPT] = (ds, _json(profiles), expires_at)
    st.session_state.pop(_NOTE, None)
    st.query_params[SESSION_PARAM] = ws_id


def keep_profiles(profiles: list[dict]) -> None:
    """Re-save the kept copy's profiles when they changed (``meta.json`` only, no data
    rewritten). A copy that is gone (expired, deleted) is dropped, and :func:`note`
    says a reload would not keep the upload."""
    ws_id, kept = st.session_state.get(SESSION_KEY), st.session_state.get(_KEPT)
    text = _json(profiles)
    if ws_id is None or kept is None or kept[1] == text:
        return
    store = session_store()
    try:
        if store is None:
            raise WorkspaceNotFound("sessions are not kept on this server")
        store.save_profiles(ws_id, profiles, kind="session")
    except (WorkspaceNotFound, OSError) as exc:
        drop_kept_copy()
        reason = exc.reason if isinstance(exc, WorkspaceNotFound) else "not writable"
        st.session_state[_NOTE] = NOT_KEPT + f"the copy kept for it is gone ({reason})."
        return
    st.session_state[_KEPT] = (kept[0], text, kept[2])


def drop_kept_copy() -> None:
    """Delete the session's kept copy (if any) and drop its id from the URL."""
    ws_id = st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(_KEPT, None)
    if st.query_params.get(SESSION_PARAM) is not None:
        del st.query_params[SESSION_PARAM]
    store = session_store()
    if ws_id is not None and store is not None:
        with contextlib.suppress(WorkspaceNotFound, OSError):  # gone already (purged)
            store.delete(ws_id, kind="session")


def kept_copy() -> tuple[str, Dataset, dt.datetime] | None:
    """The kept copy's id, the dataset it is a copy of, and when it expires; None when a
    reload would not keep the session's data."""
    ws_id, kept = st.session_state.get(SESSION_KEY), st.session_state.get(_KEPT)
    if ws_id is None or kept is None:
        return None
    return ws_id, kept[0], kept[2]


def note() -> str | None:
    """Why a reload would not keep the current upload (one sentence), if it would not."""
    return st.session_state.get(_NOTE)


def set_note(text: str) -> None:
    """Say (in the sidebar, via :func:`note`) why a reload would not keep the upload."""
    st.session_state[_NOTE] = text
