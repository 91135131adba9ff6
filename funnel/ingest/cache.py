"""The typed cache of an export: the dataset built from files on disk, kept as Parquet
under the content hash of those files (and of the mapping, the sheet, the day and this
version of the package), so that opening the same export again reads Parquet instead of
parsing and typing the CSV.

Opt-in (``funnel.load(..., cache=DIR)``, ``funnel diagnose --cache DIR``): the cache
holds the client's data as the export has it, not pseudonymised, so it belongs on the
analyst's own disk. It is bounded (the ``max_entries`` most recently used exports; the
others are deleted), written atomically (a temporary folder renamed into place), and a
damaged or unreadable entry is a miss, removed and built again. Deleting the folder
forgets everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from funnel.dataset.schema import Mapping
from funnel.dataset.store import dataset_meta, read_dataset, write_tables
from funnel.dataset.tables import Dataset

CACHE_FORMAT = 1
"""Bumped when what is cached changes shape; part of every key."""
MAX_ENTRIES = 8
"""How many exports a cache keeps by default (the most recently used)."""


def _package_version() -> str:
    try:
        return version("funnel-diagnostic")
    except PackageNotFoundError:  # running from a source tree
        return "source"


def export_key(files: Sequence[tuple[str, str | os.PathLike]], *, mapping: Mapping | None,
               sheet: str | int | None = None, day: dt.date | None = None) -> str:
    """The cache key of ``(role, path)`` files read with ``mapping`` and ``sheet`` on
    ``day``: a hash of each file's bytes (not its name or time), in role order.

    Examples
    --------
    >>> from funnel.sample import SAMPLE_DIR
    >>> a = export_key([("leads", SAMPLE_DIR / "contacts.csv")], mapping=None)
    >>> a == export_key([("leads", str(SAMPLE_DIR / "contacts.csv"))], mapping=None)
    True
    >>> a == export_key([("deals", SAMPLE_DIR / "contacts.csv")], mapping=None)
    False
    """
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"funnel-typed-cache {CACHE_FORMAT} {_package_version()} "
             f"{(day or dt.date.today()).isoformat()} {sheet!r}\n".encode())
    h.update((mapping.to_json() if mapping is not None else "").encode())
    with ThreadPoolExecutor(max_workers=4) as pool:  # hashing lets go of the GIL
        digests = list(pool.map(_digest, [path for _, path in files]))
    for (role, _), digest in zip(files, digests, strict=True):
        h.update(f"\n{role}\n".encode() + digest)
    return h.hexdigest()


def _digest(path: str | os.PathLike) -> bytes:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").digest()


class TypedCache:
    """Typed datasets on disk under ``root``, one folder per export key, at most
    ``max_entries`` of them (the least recently used go first).

    Examples
    --------
    >>> import tempfile
    >>> from funnel.sample import load_sample
    >>> cache = TypedCache(tempfile.mkdtemp())
    >>> cache.get("k") is None
    True
    >>> cache.put("k", load_sample())
    >>> cache.get("k").leads.height
    30000
    """

    def __init__(self, root: str | os.PathLike, *, max_entries: int = MAX_ENTRIES) -> None:
        self.root = Path(root)
        self.max_entries = max_entries

    def _folder(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / key

    def get(self, key: str) -> Dataset | None:
        """The dataset kept under ``key``, or ``None`` (a damaged entry is removed)."""
        folder = self._folder(key)
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            return None
        try:
            ds = read_dataset(folder, json.loads(meta_path.read_text(encoding="utf-8")))
        except Exception:  # noqa: BLE001  (any damage is a miss: built again)
            shutil.rmtree(folder, ignore_errors=True)
            return None
        os.utime(meta_path)  # recently used
        return ds

    def put(self, key: str, ds: Dataset) -> None:
        """Keep ``ds`` under ``key`` (written whole or not at all), then drop the least
        recently used entries beyond ``max_entries``."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self._folder(key)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            write_tables(tmp, ds, compression="lz4")  # reads back fastest
            (tmp / "meta.json").write_text(json.dumps(dataset_meta(ds), default=str),
                                           encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            tmp.rename(folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._evict()

    def _evict(self) -> None:
        entries = [p for p in self.root.iterdir() if (p / "meta.json").exists()]
        entries.sort(key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
        for old in entries[self.max_entries:]:
            shutil.rmtree(old, ignore_errors=True)
