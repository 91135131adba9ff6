"""Workspaces in the app: shared links (``?ws=<id>``) and the session's own copy restored
after a browser reload (``?session=<id>``, see :mod:`ui.session`).

A shared link opens read-only: the workspace's pseudonymised data replaces the sample
for that session, and its saved profiles are the viewer's (the first is the profile in
use). A viewer gets no upload, no profile editor and no row-level download (the notebook's
data, rejected rows); personal fields cannot be revealed. Filters still change the view.

A session link opens the consultant's own upload again after a reload, editable, with its
profiles; it is pseudonymised like a shared link, so personal fields cannot be revealed.
When it cannot be restored the sample shows, with one sentence saying why.
"""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st

from funnel.dataset.privacy import personal_columns
from funnel.dataset.schema import is_text
from funnel.dataset.store import TABLES
from funnel.outputs.workspace import WorkspaceNotFound, WorkspaceStore, default_root
from ui.format import md_escape
from ui.memo import memo
from ui.session import (
    NOT_KEPT,
    SESSION_KEY,
    SESSION_PARAM,
    drop_kept_copy,
    keep_profiles,
    kept_copy,
    mask_key,
    note,
    session_store,
    set_note,
)
from ui.state import (
    PROFILES_KEY,
    current_dataset,
    current_profiles,
    forget_uploads,
    is_restored,
    is_sample,
    is_shared_view,
    restore_dataset,
)

TTL_ENV = "FUNNEL_WORKSPACE_TTL_DAYS"
PARAM = "ws"
_LOST = "session:lost"  # why the upload was not restored after a reload (main, on the sample)


def store() -> WorkspaceStore:
    """The workspace store (``$FUNNEL_WORKSPACES``, expiry ``$FUNNEL_WORKSPACE_TTL_DAYS``)."""
    days = float(os.environ.get(TTL_ENV, "30") or 30)
    return WorkspaceStore(default_root(), ttl=dt.timedelta(days=days))


def _profiles_for_saving() -> list[dict]:
    """The session's profiles as saved: the first is the viewer's profile in use."""
    return [prof.to_dict() for prof in current_profiles().values()]


_VIEW_KEYS = ("dataset", "share_mode", "workspace_id", "workspace_info", "shared_profiles",
              "shared_settings", PROFILES_KEY)


def _close_view() -> None:
    """Forget a shared view's data (its link was revoked, expired or is ambiguous)."""
    for key in _VIEW_KEYS:
        st.session_state.pop(key, None)
    forget_uploads()


def open_shared_link() -> bool:
    """Load the workspace named in the URL into this session; False if it cannot be opened.

    Called by the app frame before the page runs, on every run. An unknown, tampered or
    expired id, or ``ws`` given twice, gets one plain sentence, never a traceback or
    another workspace. An open view re-checks that its link still exists (``meta.json``
    only), so deleting a link ends the views open on it at their next interaction: their
    data leaves the session.
    """
    wanted = st.query_params.get_all(PARAM)
    current = st.session_state.get("workspace_id") if is_shared_view() else None
    ws_id = wanted[0] if len(wanted) == 1 else current
    try:
        if len(wanted) > 1:
            raise WorkspaceNotFound("damaged")
        if ws_id is None:
            return True
        if ws_id == current:
            store().info(ws_id)  # still shared: not deleted, not expired
            return True
        ws = store().load(ws_id)
    except WorkspaceNotFound as exc:
        if current is not None:
            _close_view()
        st.error(str(exc), icon=":material/link_off:")
        return False
    forget_uploads()
    st.session_state.pop(PROFILES_KEY, None)  # the viewer's profiles are the saved ones
    st.session_state.update({
        "dataset": ws.dataset, "share_mode": True, "workspace_id": ws_id,
        "workspace_info": ws.info, "shared_profiles": ws.profiles,
        "shared_settings": ws.settings,
    })
    return True


def open_session_link() -> None:
    """After a browser reload, restore the upload and profiles named by ``?session=<id>``.

    Called by the app frame before the page runs, after :func:`open_shared_link` (a
    shared view ignores it). The restored copy is the consultant's, editable, but
    pseudonymised. An expired, deleted or damaged copy, or an id that is not a session
    (a shared link's), leaves the sample and one plain sentence saying why, on every
    page until the user uploads again, never a traceback.
    """
    ws_id = st.query_params.get(SESSION_PARAM)
    if (ws_id is not None and not is_shared_view() and is_sample()
            and SESSION_KEY not in st.session_state):
        s = session_store()
        try:
            if s is None:
                raise WorkspaceNotFound("uploads are not kept on this server")
            ws = s.load(ws_id, kind="session")
        except WorkspaceNotFound as exc:
            st.session_state[_LOST] = (f"Your earlier upload could not be restored "
                                       f"({exc.reason}): showing the sample.")
            del st.query_params[SESSION_PARAM]  # a rerun or reload does not try again
        else:
            restore_dataset(ws.dataset, profiles=ws.profiles, session_id=ws_id,
                            expires_at=ws.info.expires_at)
    if not is_sample():
        st.session_state.pop(_LOST, None)
    elif st.session_state.get(_LOST) and not is_shared_view():
        st.warning(st.session_state[_LOST], icon=":material/history:")  # our words only


def keep_session() -> None:
    """Keep this session's upload restorable; the app frame calls it before and after
    the page.

    Puts ``?session=<id>`` back in the URL (page links drop it), re-saves the profiles
    if they changed, and drops the kept copy when the session is back on the sample, or
    on data it is not a copy of, or when it expired (the sidebar then says a reload
    would not keep the upload).
    """
    kept = kept_copy()
    if kept is None or is_shared_view():
        return
    ws_id, ds, expires = kept
    if is_sample() or ds is not current_dataset():
        drop_kept_copy()
        return
    if expires <= dt.datetime.now(dt.UTC).replace(tzinfo=None):
        drop_kept_copy()
        set_note(NOT_KEPT + "the copy kept for it has expired.")
        return
    if st.query_params.get(SESSION_PARAM) != ws_id:
        st.query_params[SESSION_PARAM] = ws_id
    keep_profiles(_profiles_for_saving())


def _session_note() -> None:
    """Sidebar: whether a reload keeps this upload, and what a restored copy holds."""
    if is_sample():
        return
    if is_restored():
        st.sidebar.caption("Restored after a browser reload: names, e-mails and phone "
                           "numbers are pseudonymised in this copy and cannot be revealed.")
    kept = kept_copy()
    if kept is not None:
        st.sidebar.caption("A browser reload brings this upload back, pseudonymised, until "
                           f"{kept[2]:%Y-%m-%d %H:%M} UTC.")
    elif note():
        st.sidebar.warning(note(), icon=":material/history:")


def _your_links() -> list[str]:
    return st.session_state.setdefault("share:mine", [])


def _manage_links() -> None:
    """The links this session created: rename or delete them."""
    mine = _your_links()
    if not mine:
        return
    st.divider()
    st.caption("Links you created in this session")
    s = store()
    for ws_id in list(mine):
        try:
            info = s.info(ws_id)  # meta.json only: this runs on every rerun of every page
        except WorkspaceNotFound:
            mine.remove(ws_id)
            continue
        name = st.text_input("Name", value=info.name, key=f"share:rename:{ws_id}",
                             label_visibility="collapsed")
        if name != info.name:
            s.rename(ws_id, name)
        left, right = st.columns([3, 1])
        left.caption(f"`{ws_id[:6]}…` · until {info.expires_at:%Y-%m-%d}")
        if right.button("Delete", key=f"share:delete:{ws_id}", icon=":material/delete:"):
            s.delete(ws_id)
            mine.remove(ws_id)
            if st.session_state.get("share:last") == ws_id:
                st.session_state.pop("share:last")
            st.rerun()


def _columns_to_offer(ds) -> tuple[list[str], list[str]]:
    """The columns of every table detected as personal, and the others a user may add
    (ids, numbers and dates hold no one's name)."""
    detected: list[str] = []
    others: list[str] = []
    for table in TABLES:
        frame = getattr(ds, table)
        if frame is None:
            continue
        found = personal_columns(frame)
        detected += [c for c in found if c not in detected]
        others += [c for c, t in frame.schema.items() if c not in found and c not in others
                   and not c.startswith("__") and c not in ("lead_id", "deal_id")
                   and is_text(t)]
    return detected, [c for c in others if c not in detected]


def share_panel(ds, *, sample: bool) -> None:
    """Sidebar: "Share" for the consultant, or what a viewer is looking at.

    A viewer's pages hold views, not data: no row-level download (the notebook's data,
    rejected rows), and Streamlit's own table and chart export controls are switched off
    by configuration (``client.disableDataExport`` in ``.streamlit/config.toml``)."""
    if is_shared_view():
        info = st.session_state["workspace_info"]
        st.sidebar.info(f"Shared analysis **{md_escape(info.name)}** (read-only, personal "
                        f"data pseudonymised). Link valid until {info.expires_at:%Y-%m-%d}.",
                        icon=":material/share:")
        st.query_params[PARAM] = st.session_state["workspace_id"]  # keep it in every link
        return
    _session_note()
    with st.sidebar.popover("Share", icon=":material/share:", width="stretch"):
        st.caption("Saves this analysis with names, e-mails and phone numbers replaced by "
                   "pseudonyms, and gives a read-only link.")
        name = st.text_input("Name", value="Sample data" if sample else ds.label,
                             key="share:name")
        detected, others = memo("share_columns", _columns_to_offer, ds)
        extra = st.multiselect(
            "Also pseudonymise", others, key="share:extra",
            help="Detected and always pseudonymised: " + md_escape(", ".join(detected) or "none")
            + ". In every other text, e-mail addresses, phone numbers and those names are "
              "replaced too.")
        if st.button("Create link", key="share:create", type="primary"):
            with st.spinner("Saving a pseudonymised copy…"):
                ws_id = store().save(ds, name=name, profiles=_profiles_for_saving(),
                                     key=mask_key(), extra_personal=extra)
            st.session_state["share:last"] = ws_id
            _your_links().append(ws_id)
        last = st.session_state.get("share:last")
        if last:
            base = (st.context.url or "").split("?")[0]
            st.code(f"{base}?{PARAM}={last}", language=None)
            st.caption("Anyone with this link can view the analysis until it expires.")
        _manage_links()
