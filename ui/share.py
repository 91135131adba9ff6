"""Share: save the session's analysis as a workspace and open one from a link (``?ws=<id>``).

A shared link opens read-only: the workspace's pseudonymised data replaces the sample
for that session, and its saved profiles are the viewer's (the first is the profile in
use). A viewer gets no upload, no profile editor and no row-level download (the notebook's
data, rejected rows); personal fields cannot be revealed. Filters still change the view.
"""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st

from funnel.dataset.privacy import personal_columns
from funnel.outputs.workspace import WorkspaceNotFound, WorkspaceStore, default_root
from ui.state import PROFILES_KEY, current_profiles, forget_uploads, is_shared_view

TTL_ENV = "FUNNEL_WORKSPACE_TTL_DAYS"
PARAM = "ws"


def store() -> WorkspaceStore:
    """The workspace store (``$FUNNEL_WORKSPACES``, expiry ``$FUNNEL_WORKSPACE_TTL_DAYS``)."""
    days = float(os.environ.get(TTL_ENV, "30") or 30)
    return WorkspaceStore(default_root(), ttl=dt.timedelta(days=days))


def mask_key() -> str | None:
    """The pseudonym secret: ``st.secrets["mask_key"]``, else ``$FUNNEL_MASK_KEY``."""
    try:
        key = st.secrets.get("mask_key")
    except Exception:  # no secrets file: Streamlit raises  # noqa: BLE001
        key = None
    return key or os.environ.get("FUNNEL_MASK_KEY")


def _profiles_for_saving() -> list[dict]:
    """The session's profiles as saved: the first is the viewer's profile in use."""
    return [prof.to_dict() for prof in current_profiles().values()]


def open_shared_link() -> bool:
    """Load the workspace named in the URL into this session; False if it cannot be opened.

    Called by the app frame before the page runs. An unknown, tampered or expired id
    gets one plain sentence, never a traceback or another workspace.
    """
    ws_id = st.query_params.get(PARAM)
    if ws_id is None:
        return True
    if st.session_state.get("workspace_id") == ws_id:
        return True
    try:
        ws = store().load(ws_id)
    except WorkspaceNotFound as exc:
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


_VIEWER_CSS = """<style>
/* shared views: no data export from chart menus or table toolbars */
.vega-embed details, .vega-embed .vega-actions {display: none !important;}
[data-testid="stElementToolbar"] {display: none !important;}
</style>"""


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


def share_panel(ds, *, sample: bool) -> None:
    """Sidebar: "Share" for the consultant, or what a viewer is looking at."""
    if is_shared_view():
        info = st.session_state["workspace_info"]
        st.sidebar.info(f"Shared analysis **{info.name}** (read-only, personal data "
                        f"pseudonymised). Link valid until {info.expires_at:%Y-%m-%d}.",
                        icon=":material/share:")
        st.query_params[PARAM] = st.session_state["workspace_id"]  # keep it in every link
        st.html(_VIEWER_CSS)
        return
    with st.sidebar.popover("Share", icon=":material/share:", width="stretch"):
        st.caption("Saves this analysis with names, e-mails and phone numbers replaced by "
                   "pseudonyms, and gives a read-only link.")
        name = st.text_input("Name", value="Sample data" if sample else ds.label,
                             key="share:name")
        detected = personal_columns(ds.leads)
        others = [c for c in ds.leads.columns if c not in detected and not c.startswith("__")]
        extra = st.multiselect(
            "Also pseudonymise", others, key="share:extra",
            help="Detected and always pseudonymised: " + (", ".join(detected) or "none"))
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
