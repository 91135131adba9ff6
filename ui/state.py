"""Per-session data state. Client data lives only in ``st.session_state`` (and, so that a
browser reload does not lose an upload, in its pseudonymised copy: :mod:`ui.session`).

The bundled sample is not client data, so it is built once per server
(``st.cache_resource``) and shared read-only. Uploaded files are parsed once per
session and kept as parsed tables; once a file is parsed its bytes are let go, by us and
by Streamlit (:func:`release_upload`).

The profiles of the Profile page live here too (``st.session_state["profiles"]``), and
:func:`profile_in_use` is the one answer to "which profile does the app use": the first
of them (sales' closable lead) when it has criteria. The sidebar, Diagnosis, Profile fit
and Speed to lead all read it.

The three changes of the session's data keep that copy in step: :func:`set_dataset` writes
it, :func:`store_profiles` re-saves the profiles, :func:`reset_to_sample` deletes it.
After a reload :func:`restore_dataset` brings data and profiles back; a restored upload
holds pseudonyms only, so its personal fields cannot be revealed
(:func:`can_reveal_personal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit import runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

import funnel
from funnel import Cancelled, Dataset, InputError, RawTable
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Profile
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.prepared import PreparedLeads, prepare_profile
from funnel.dataset.errors import StopCheck
from ui.memo import memo
from ui.session import adopt_kept_copy, drop_kept_copy, keep_profiles, keep_upload

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
"""Largest single upload the core accepts (matches server.maxUploadSize)."""
RESTORED_KEY = "restored"
"""Set while the dataset is an upload restored after a reload (pseudonymised)."""


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
    """Make ``ds`` (an upload) this session's dataset, and keep a pseudonymised copy of
    it and the profiles so a browser reload restores them (:func:`ui.session.keep_upload`).

    Leaving the sample drops its profiles: an upload has no profile until the user
    describes one (profiles described on one upload stay for the next)."""
    if st.session_state.get("dataset") is ds:
        return  # the page sets its upload on every rerun: nothing changed
    if is_sample():
        st.session_state.pop(PROFILES_KEY, None)
    st.session_state.pop(RESTORED_KEY, None)
    st.session_state["dataset"] = ds
    keep_upload(ds, profiles=_saving(current_profiles()))


def restore_dataset(ds: Dataset, *, profiles: list, session_id: str,
                    expires_at: dt.datetime) -> None:
    """Make ``ds``, the copy kept as ``session_id`` and restored after a browser reload,
    this session's dataset, with the profiles saved with it (the profile files' JSON
    objects, in slot order); the copy stays this session's until ``expires_at``.

    ``ds`` is pseudonymised: :func:`can_reveal_personal` is False from now on."""
    forget_uploads()
    st.session_state["dataset"] = ds
    st.session_state[PROFILES_KEY] = saved_profiles(profiles)
    st.session_state[RESTORED_KEY] = True
    adopt_kept_copy(session_id, ds, profiles=_saving(current_profiles()),
                    expires_at=expires_at)


def reset_to_sample() -> None:
    """Forget this session's uploads (and their profiles), delete the copy kept for a
    reload, and go back to the sample."""
    st.session_state.pop("dataset", None)
    st.session_state.pop(PROFILES_KEY, None)
    st.session_state.pop(RESTORED_KEY, None)
    drop_kept_copy()
    forget_uploads()
    st.session_state["uploader_key"] = st.session_state.get("uploader_key", 0) + 1


def forget_uploads() -> None:
    """Drop this session's parsed uploads and everything built from them."""
    for key in ("parsed", "mapping", "mapping_tables", "built", "role_guesses"):
        st.session_state.pop(key, None)


def is_shared_view() -> bool:
    """Whether this session is a read-only shared view (opened from a link)."""
    return bool(st.session_state.get("share_mode", False))


def is_restored() -> bool:
    """Whether the dataset is an upload restored after a browser reload (pseudonymised)."""
    return bool(st.session_state.get(RESTORED_KEY, False)) and not is_sample()


def can_reveal_personal() -> bool:
    """Whether "Show personal fields" can show real values: not in a shared view, nor
    after a restore (both hold pseudonyms only; the raw values were never saved)."""
    return not is_shared_view() and not is_restored()


def keep_widget_values(keys: tuple[str, ...]) -> None:
    """Keep the values of these widgets while they are not drawn (in a closed tab of a
    page whose tabs draw only the open one): Streamlit forgets a widget's value after a
    run that did not draw it, unless its key is written back, as its widget-behaviour
    guide advises. Only value widgets (select boxes, radios, numbers, toggles): a data
    editor's or a table selection's state cannot be written."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _never() -> bool:
    return False


def _script_run():
    """This script run's context (its session id, Streamlit's upload manager), or
    ``None`` outside a server."""
    return get_script_run_ctx(suppress_warning=True) if runtime.exists() else None


def session_gone() -> StopCheck:
    """The core's ``should_stop`` for this script run: whether the browser session it
    runs for has gone (its tab closed, its connection lost).

    Streamlit drops a session from its active ones as soon as its websocket closes (and
    asks the script to stop, which only takes effect at the run's next ``st`` call, never
    inside the core's work); ``Runtime.is_active_session`` (through
    ``streamlit.runtime.get_instance()``, with the script run context's ``session_id``)
    is the public reading of that, no private attribute. Outside a server (bare mode) it
    never says gone; under AppTest the runtime is a mock that always says active. The
    check is a dictionary lookup, safe on any thread.
    """
    ctx = _script_run()
    if ctx is None:
        return _never
    server, session_id = runtime.get_instance(), ctx.session_id
    return lambda: not server.is_active_session(session_id)


@contextmanager
def stopped_if_gone() -> Iterator[StopCheck]:
    """``with stopped_if_gone() as should_stop:`` runs long core work with
    :func:`session_gone` as its ``should_stop``; when the work is cancelled the script
    run stops quietly (``st.stop()``), with nothing of the work kept."""
    try:
        yield session_gone()
    except Cancelled:
        st.stop()


def parse_upload(file, *, sheet: str | int | None = None) -> tuple[tuple, RawTable | str]:
    """Parse an uploaded file once per session; an unusable file gives its message.

    Parsed tables are keyed by the upload's id and the sheet, so re-runs of the page
    do not parse again and the bytes need not be kept. Returns the key too.

    ``file.getvalue()`` is the bytes Streamlit holds for the upload, not a copy (an
    ``UploadedFile`` is a ``BytesIO`` over them); the reader reads them in place. Parsing
    stops when the browser session has gone (:func:`stopped_if_gone`), and nothing is
    cached then.
    """
    cache: dict = st.session_state.setdefault("parsed", {})
    key = (file.file_id, sheet)  # one id per upload: no need to hash the bytes each rerun
    released: set = st.session_state.setdefault("released_uploads", set())
    if key not in cache and file.file_id in released:  # its parsed table was dropped since
        return key, (f"{file.name}: read earlier and no longer held; remove it from the "
                     "uploader and drop it again.")
    if key not in cache:
        with stopped_if_gone() as should_stop:
            try:
                parsed: RawTable | str = funnel.read_file(
                    file.getvalue(), name=file.name, sheet=sheet,
                    max_bytes=MAX_UPLOAD_BYTES, should_stop=should_stop)
            except InputError as exc:
                parsed = str(exc)
            cache[key] = parsed
        ctx = _script_run()
        if ctx is not None and (isinstance(parsed, str) or len(parsed.sheets) <= 1):
            release_upload(file, manager=ctx.uploaded_file_mgr, session_id=ctx.session_id)
            released.add(file.file_id)
        if not isinstance(parsed, str):
            # in one piece now, with the bytes gone: building then lends its unchanged text
            # columns and never replaces the frame the page tells the file by
            parsed.in_one_piece()
    return key, cache[key]


def release_upload(file, *, manager: object, session_id: str) -> None:
    """Let go of an upload's bytes once it is parsed: Streamlit would otherwise hold them
    (its memory manager, and the ``UploadedFile`` over them) for as long as the file sits
    in the uploader, the file's size again beside the parsed table.

    The manager's record keeps the file's id, name and type with no bytes, so the
    uploader still lists the file, its removal still works, and reruns find its parsed
    table by id; Streamlit's own chat input drops an upload's record from the same
    manager once read. Only the in-memory manager, the one ``streamlit run`` uses, is
    touched. A file with other sheets to read keeps its bytes (not called for it).

    Examples
    --------
    >>> from streamlit.runtime.uploaded_file_manager import UploadedFile
    >>> from streamlit.proto.Common_pb2 import FileURLs
    >>> manager = MemoryUploadedFileManager("/upload")
    >>> rec = UploadedFileRec("f1", "leads.csv", "text/csv", b"lead_id\\nL1\\n")
    >>> manager.add_file("s1", rec)
    >>> file = UploadedFile(rec, FileURLs())
    >>> release_upload(file, manager=manager, session_id="s1")
    >>> kept = manager.get_files("s1", ["f1"])[0]
    >>> kept.name, kept.data, file.closed
    ('leads.csv', b'', True)
    """
    if not isinstance(manager, MemoryUploadedFileManager):
        return
    manager.add_file(session_id, UploadedFileRec(file.file_id, file.name, file.type, b""))
    file.close()  # the BytesIO's own reference to the bytes


def forget_other_uploads(keep: set[tuple]) -> None:
    """Drop parsed tables of files no longer in the uploader, so memory stays bounded."""
    cache: dict = st.session_state.get("parsed", {})
    for key in [k for k in cache if k not in keep]:
        del cache[key]


# -- the profiles, and the one in use ------------------------------------------------------

SALES = "Sales: closable lead"
"""The first profile's default name: the one the app uses (see :func:`profile_in_use`)."""
MARKETING = "Marketing: stated ICP"
"""The second profile's default name: marketing's stated ICP, compared on the Profile page."""
PROFILES_KEY = "profiles"


def current_profiles() -> dict[str, Profile]:
    """This session's profiles, name → Profile, in slot order (sales first).

    Created on first use: from a shared workspace's profiles (``shared_profiles``, the
    profile files' JSON objects) when the session opened a shared link; on the sample,
    the sample's documented sales profile and an empty marketing one; on an upload, two
    empty profiles.
    """
    if PROFILES_KEY not in st.session_state:
        if "shared_profiles" in st.session_state:
            profiles = saved_profiles(st.session_state.get("shared_profiles") or [])
        else:
            first = SAMPLE_SALES_PROFILE.renamed(SALES) if is_sample() else Profile(SALES)
            profiles = {p.name: p for p in (first, Profile(MARKETING))}
        st.session_state[PROFILES_KEY] = profiles
    return st.session_state[PROFILES_KEY]


def saved_profiles(saved: list) -> dict[str, Profile]:
    """The two profile slots from saved ones (JSON objects or Profiles, sales first):
    what was saved and nothing else, an empty profile where a slot was not saved or its
    profile is damaged, names kept apart."""
    slots = [Profile(SALES), Profile(MARKETING)]
    parsed = []
    for data in saved:
        try:
            parsed.append(data if isinstance(data, Profile) else Profile.from_dict(data))
        except InputError:
            continue  # a damaged saved profile: start from an empty one instead
    for i, p in enumerate(parsed[:2]):
        slots[i] = p
    if len({p.name for p in slots}) < len(slots):
        slots[1] = slots[1].renamed(slots[1].name + " (2)")
    return {p.name: p for p in slots}


def store_profiles(profiles: dict[str, Profile]) -> None:
    """Replace this session's profiles (name → Profile, in slot order); the copy kept
    for a reload gets them too (:func:`ui.session.keep_profiles`)."""
    st.session_state[PROFILES_KEY] = dict(profiles)
    keep_profiles(_saving(profiles))


def _saving(profiles: dict[str, Profile]) -> list[dict]:
    return [p.to_dict() for p in profiles.values()]


def profile_in_use() -> tuple[Profile | None, str]:
    """The profile every page uses, and one line saying where it came from.

    It is the first profile of the Profile page (sales' closable lead) when it has
    criteria, else none: on the sample it starts as the sample's documented sales
    profile, on an upload empty, in a shared view as the consultant saved it.
    """
    profile = next(iter(current_profiles().values()))
    if not profile.criteria:
        if is_shared_view():
            return None, "No profile was saved with this shared analysis."
        return None, ("No profile: describe the closable lead on the Profile fit page to "
                      "test it.")
    if is_shared_view():
        return profile, "Saved with this shared analysis (read-only)."
    if is_sample() and profile.criteria == SAMPLE_SALES_PROFILE.criteria:
        return profile, ("The sample's documented sales profile; edit it on the Profile "
                         "fit page.")
    return profile, "Described on the Profile fit page."


PROFILE_MEMO = "profile_memo"
"""The memo store of profile work (prepared leads, fits, learned profiles…), apart from the
pages' so that a tour of the other pages never evicts the prepared leads."""
PROFILE_MEMO_SIZE = 32


def prepared_leads(ds: Dataset) -> PreparedLeads:
    """``ds``'s leads prepared once per session for profile fits (coded fields, kept
    matches): every fit of a profile on the dataset in view shares them, so an edit
    recomputes only the criterion it changed."""
    return memo("prepared", prepare_profile, ds, _store=PROFILE_MEMO, _size=PROFILE_MEMO_SIZE)


def profile_fit(ds: Dataset, profile: Profile) -> ProfileFit:
    """``profile`` fitted on ``ds``'s prepared leads, once per session, dataset and
    profile (the Profile page, the sidebar line and every page share the fit)."""
    return memo("fit", lambda d, _key: ProfileFit(profile).fit(prepared_leads(d)), ds,
                profile.to_json(), _store=PROFILE_MEMO, _size=PROFILE_MEMO_SIZE)


def profile_in_use_fit(ds: Dataset) -> ProfileFit | None:
    """The profile in use fitted on ``ds`` (once per session, dataset and profile)."""
    profile, _ = profile_in_use()
    return None if profile is None else profile_fit(ds, profile)


def profile_in_use_line(ds: Dataset) -> str:
    """"Profile in use: NAME, N criteria · K of N leads in profile", or "No profile".

    Plain text (the name is the user's): show it with ``st.text`` or escaped."""
    fit = profile_in_use_fit(ds)
    if fit is None:
        return "No profile in use"
    p = fit.profile_
    n = len(p.criteria)
    return (f"Profile in use: {p.name}, {n} criteri{'on' if n == 1 else 'a'} · "
            f"{fit.in_n_:,} of {fit.n_:,} leads in profile")
