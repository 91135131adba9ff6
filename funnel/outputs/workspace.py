"""Workspaces: a saved analysis that a link can open, read-only, in another session.

A workspace is a directory ``<root>/<id>/`` holding the mapped tables as Parquet and one
``meta.json`` (name, times, label, mapping, health, profiles, settings). Personal data is
pseudonymised *before* it is written (:func:`funnel.dataset.privacy.pseudonymise`, keyed by a
secret that never enters the workspace): every table, the rejected rows, warnings and file
names, so a shared workspace holds no names, e-mail addresses or phone numbers, and
aggregates are unchanged.

The layout is plain files written atomically (a temporary directory renamed into
place), so several app replicas can share one store on shared storage. Ids are random
(``secrets.token_urlsafe``), checked against a strict pattern before they touch a path,
and workspaces expire after a configurable time.

A workspace has a *kind*: ``"shared"`` (a read-only link, the default) or ``"session"``
(the consultant's own upload, kept so a browser reload does not lose it). Both are
pseudonymised alike; opening one asks for its kind, so a session id never opens as a
shared link and a shared id is never a session to edit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from funnel.dataset.errors import InputError
from funnel.dataset.privacy import dataset_scrubber, pseudonymise
from funnel.dataset.store import dataset_meta, read_dataset, write_tables
from funnel.dataset.tables import Dataset

ROOT_ENV = "FUNNEL_WORKSPACES"
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
KINDS = ("shared", "session")
"""What a workspace is for: a read-only shared link, or a session kept across reloads."""
_FORMAT = 1


class WorkspaceNotFound(InputError):
    """No workspace with this id (unknown, expired, deleted, damaged or malformed).

    ``reason`` says which, in a few plain words: ``"expired"``, ``"deleted or unknown"``
    (also a workspace of another kind) or ``"damaged"`` (a malformed id, an unreadable
    ``meta.json`` or table).
    """

    def __init__(self, reason: str = "deleted or unknown") -> None:
        super().__init__("This shared analysis was not found. It may have expired or been "
                         "deleted; ask for a new link.")
        self.reason = reason


@dataclass
class WorkspaceInfo:
    """What the store lists about a workspace (no data)."""

    id: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    label: str
    leads: int
    kind: str = "shared"


@dataclass
class Workspace:
    """A loaded workspace: read-only dataset plus what the analysis was looking at."""

    info: WorkspaceInfo
    dataset: Dataset
    profiles: list[dict] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def default_root() -> Path:
    """The store's directory: ``$FUNNEL_WORKSPACES``, else ``./workspaces``."""
    return Path(os.environ.get(ROOT_ENV, "workspaces"))


def write_workspace(
    folder: str | Path,
    ds: Dataset,
    *,
    name: str,
    ws_id: str | None = None,
    profiles: list[dict] | None = None,
    settings: dict[str, Any] | None = None,
    key: bytes | str | None = None,
    ttl: dt.timedelta = dt.timedelta(days=30),
    extra_personal: Sequence[str] = (),
    kind: str = "shared",
) -> Path:
    """Write a pseudonymised copy of ``ds`` (Parquet + ``meta.json``) into a new folder.

    The layout a workspace store and an exported analysis bundle share; read it back
    with :func:`read_workspace`. Everything written goes through
    :func:`funnel.dataset.privacy.pseudonymise` (the name too, scrubbed alike).
    ``extra_personal`` names columns the user marked as personal on top of those
    detected; ``kind`` is one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    folder = Path(folder)
    folder.mkdir(parents=True)
    name = dataset_scrubber(ds, key=key, extra=extra_personal).text(name.strip()) or ""
    ds = pseudonymise(ds, key=key, extra=extra_personal)
    write_tables(folder, ds)
    created = _now()
    meta = {
        "format": _FORMAT, "id": ws_id or secrets.token_urlsafe(16), "kind": kind,
        "name": name.strip() or "Shared analysis", "created_at": created.isoformat(),
        "expires_at": (created + ttl).isoformat(), **dataset_meta(ds),
        "profiles": profiles or [], "settings": settings or {},
    }
    (folder / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")
    return folder


def _usable_leads(leads: pl.DataFrame) -> bool:
    """Whether a stored lead table is one the pages can show: text ids, dated creation."""
    schema = leads.schema
    return (schema.get("lead_id") == pl.String
            and isinstance(schema.get("created_at", pl.Datetime()), pl.Datetime))


def _read(folder: Path, meta: dict, info: WorkspaceInfo) -> Workspace:
    try:
        ds = read_dataset(folder, meta)
    except FileNotFoundError:
        raise WorkspaceNotFound("damaged") from None
    if not _usable_leads(ds.leads):
        raise WorkspaceNotFound("damaged")
    return Workspace(info=info, dataset=ds, profiles=list(meta.get("profiles", [])),
                     settings=dict(meta.get("settings", {})))


def read_workspace(folder: str | Path) -> Workspace:
    """Open a workspace folder written by :func:`write_workspace` (no expiry check: for
    an exported bundle on the analyst's own disk).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from funnel.sample import load_sample
    >>> where = pathlib.Path(tempfile.mkdtemp()) / "data"
    >>> _ = write_workspace(where, load_sample(), name="Workshop")
    >>> read_workspace(where).dataset.leads.height
    30000
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(f"{folder} is not an exported analysis (no readable meta.json)."
                         ) from None
    return _read(folder, meta, WorkspaceStore._info(meta))


class WorkspaceStore:
    """Save, open, list, rename, delete and expire workspaces under one directory.

    Parameters
    ----------
    root
        Directory of the store (created when missing); default :func:`default_root`.
    ttl
        How long a workspace lives after it is saved.

    Examples
    --------
    >>> import tempfile
    >>> from funnel.sample import load_sample
    >>> store = WorkspaceStore(tempfile.mkdtemp())
    >>> ws_id = store.save(load_sample(), name="Workshop")
    >>> store.load(ws_id).dataset.leads.height
    30000

    A session workspace opens only as a session, and its profiles are re-saved alone:

    >>> sid = store.save(load_sample(), name="Mine", kind="session")
    >>> store.save_profiles(sid, [{"name": "Sales", "criteria": []}], kind="session")
    >>> store.load(sid, kind="session").profiles[0]["name"]
    'Sales'
    >>> try:
    ...     store.load(sid)  # not a shared link
    ... except WorkspaceNotFound as exc:
    ...     print(exc.reason)
    deleted or unknown
    """

    def __init__(self, root: str | Path | None = None, *,
                 ttl: dt.timedelta = dt.timedelta(days=30)) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.ttl = ttl

    # -- paths -------------------------------------------------------------------------
    def _dir(self, ws_id: object) -> Path:
        """The directory of a valid id; anything else is "not found", never a path."""
        if not isinstance(ws_id, str) or not ID_PATTERN.fullmatch(ws_id):
            raise WorkspaceNotFound("damaged")
        path = (self.root / ws_id).resolve()
        if path.parent != self.root.resolve():
            raise WorkspaceNotFound("damaged")
        return path

    def _meta(self, ws_id: str) -> dict:
        folder = self._dir(ws_id)
        if not folder.is_dir():
            raise WorkspaceNotFound("deleted or unknown")
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise WorkspaceNotFound("damaged") from None
        if not isinstance(meta, dict) or meta.get("id") != ws_id:
            raise WorkspaceNotFound("damaged")
        try:
            self._info(meta)
        except (KeyError, TypeError, ValueError):  # a damaged meta.json is not a workspace
            raise WorkspaceNotFound("damaged") from None
        return meta

    def _write_meta(self, ws_id: str, meta: dict) -> None:
        path = self._dir(ws_id) / "meta.json"
        tmp = path.with_suffix(f".json.{secrets.token_hex(4)}.tmp")
        tmp.write_text(json.dumps(meta, default=str), encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def _info(meta: dict) -> WorkspaceInfo:
        """What ``meta`` says, checked: a value of the wrong type, a time with a time
        zone or an unknown kind is a ``ValueError`` (a damaged workspace)."""
        texts = {k: meta.get(k, d) for k, d in (("id", None), ("name", None), ("label", ""),
                                                 ("kind", "shared"))}
        if not all(isinstance(v, str) for v in texts.values()) or texts["kind"] not in KINDS:
            raise ValueError("damaged meta.json")
        leads = meta.get("leads", 0)
        if isinstance(leads, bool) or not isinstance(leads, int) or not isinstance(
                meta.get("health"), dict):
            raise ValueError("damaged meta.json")
        created, expires = (dt.datetime.fromisoformat(meta[k]) for k in ("created_at",
                                                                           "expires_at"))
        if created.tzinfo is not None or expires.tzinfo is not None:
            raise ValueError("damaged meta.json")  # written naive (UTC): never with a zone
        return WorkspaceInfo(id=texts["id"], name=texts["name"], created_at=created,
                             expires_at=expires, label=texts["label"], leads=leads,
                             kind=texts["kind"])

    # -- public ------------------------------------------------------------------------
    def save(
        self,
        ds: Dataset,
        *,
        name: str,
        profiles: list[dict] | None = None,
        settings: dict[str, Any] | None = None,
        key: bytes | str | None = None,
        extra_personal: Sequence[str] = (),
        kind: str = "shared",
    ) -> str:
        """Write a pseudonymised copy of ``ds`` and return its new id.

        ``key`` is the pseudonym secret (default ``$FUNNEL_MASK_KEY``); it is not stored.
        ``extra_personal``: columns to pseudonymise on top of those detected. ``kind``:
        ``"shared"`` (a read-only link) or ``"session"`` (kept across a reload).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        ws_id = secrets.token_urlsafe(16)
        tmp = self.root / f".tmp-{ws_id}"
        try:
            write_workspace(tmp, ds, ws_id=ws_id, name=name, profiles=profiles,
                            settings=settings, key=key, ttl=self.ttl,
                            extra_personal=extra_personal, kind=kind)
            os.replace(tmp, self.root / ws_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return ws_id

    def info(self, ws_id: object, *, now: dt.datetime | None = None,
             kind: str = "shared") -> WorkspaceInfo:
        """What a live workspace of ``kind`` is (its ``meta.json`` only, no data read);
        unknown, malformed, expired ids and workspaces of another kind are not found."""
        info = self._info(self._meta(ws_id))  # validates the id first
        if info.kind != kind:
            raise WorkspaceNotFound("deleted or unknown")
        if info.expires_at <= (now or _now()):
            raise WorkspaceNotFound("expired")
        return info

    def load(self, ws_id: object, *, now: dt.datetime | None = None,
             kind: str = "shared") -> Workspace:
        """Open a workspace of ``kind``; unknown, malformed, expired or damaged ids and
        workspaces of another kind are not found (:class:`WorkspaceNotFound`)."""
        info = self.info(ws_id, now=now, kind=kind)
        try:
            return _read(self._dir(ws_id), self._meta(ws_id), info)
        except WorkspaceNotFound:
            raise
        except Exception:  # an unreadable table or health record  # noqa: BLE001
            raise WorkspaceNotFound("damaged") from None

    def save_profiles(self, ws_id: object, profiles: list[dict], *,
                      kind: str = "shared", now: dt.datetime | None = None) -> None:
        """Replace a live workspace's saved profiles (``meta.json`` only, no data
        rewritten); the id must name a live workspace of ``kind``."""
        self.info(ws_id, now=now, kind=kind)
        meta = self._meta(ws_id)
        meta["profiles"] = list(profiles)
        self._write_meta(ws_id, meta)

    def _all(self) -> Iterator[tuple[Path, WorkspaceInfo]]:
        """Every readable workspace in the store (expired ones included)."""
        if not self.root.exists():
            return
        if not self.root.is_dir():
            raise InputError(f"{self.root} is a file, not a workspace store: give the store's "
                             "folder.")
        for path in self.root.iterdir():
            if ID_PATTERN.fullmatch(path.name):
                try:
                    yield path, self._info(self._meta(path.name))
                except WorkspaceNotFound:
                    continue

    def list(self, *, now: dt.datetime | None = None,
             kind: str | None = None) -> list[WorkspaceInfo]:
        """Live workspaces (of ``kind``, default all), newest first."""
        live = [i for _, i in self._all() if i.expires_at > (now or _now())
                and kind in (None, i.kind)]
        return sorted(live, key=lambda i: i.created_at, reverse=True)

    def rename(self, ws_id: object, name: str) -> None:
        """Give a workspace a new display name."""
        meta = self._meta(ws_id)
        meta["name"] = name.strip() or meta["name"]
        self._write_meta(ws_id, meta)

    def delete(self, ws_id: object, *, kind: str | None = None) -> None:
        """Remove a workspace and its data (expired or not); with ``kind``, only a
        workspace of that kind (any other is not found)."""
        meta = self._meta(ws_id)
        if kind is not None and self._info(meta).kind != kind:
            raise WorkspaceNotFound("deleted or unknown")
        shutil.rmtree(self._dir(ws_id))

    def purge_expired(self, *, now: dt.datetime | None = None) -> int:
        """Delete every expired workspace; returns how many were removed."""
        expired = [p for p, i in self._all() if i.expires_at <= (now or _now())]
        for path in expired:
            shutil.rmtree(path, ignore_errors=True)
        return len(expired)
