"""The one per-session memo of the UI.

Client data never goes into ``st.cache_data`` (shared by every user): results are memoised
in this session's ``st.session_state``, keyed by the dataset object and the parameters, and
bounded.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable

import polars as pl
import streamlit as st

MEMO_KEY = "leak:memo"
MEMO_SIZE = 48
FRAME_MEMO_KEY = "leak:frame_memo"


def memo(name: str, fn: Callable, ds, *args, _store: str = MEMO_KEY, _size: int = MEMO_SIZE,
         **kwargs):
    """``fn(ds, *args, **kwargs)``, computed once per session for this dataset object
    and these (hashable) parameters; the oldest entries are dropped beyond the size.

    Entries hold the dataset weakly (a result never keeps a filtered dataset alive), and
    an entry whose dataset is gone counts as a miss (the id of a freed object can be
    reused)."""
    store = session_lru(_store, _size)
    key = (name, id(ds), args, tuple(sorted(kwargs.items())))
    hit = store.get(key)
    if hit is not None and hit[0]() is ds:
        return hit[1]
    value = fn(ds, *args, **kwargs)
    store[key] = (weakref.ref(ds), value)
    return value


def memo_frame(name: str, fn: Callable, frame: pl.DataFrame, *args, _size: int = 8):
    """``fn(frame, *args)``, computed once per session for a frame of this content (its
    columns and a hash of its rows): for small frames rebuilt on every run (a drill-down's
    rows), where the object is new each time but its content is not."""
    store = session_lru(FRAME_MEMO_KEY, _size)
    digest = (name, tuple(frame.columns), frame.height,
              hash(tuple(frame.hash_rows(seed=0).to_list())), args)
    if digest in store:
        return store.get(digest)
    value = store[digest] = fn(frame, *args)
    return value


class LRU(OrderedDict):
    """A dict that keeps its ``size`` most recently used entries (read or written)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key, default=None):
        """The value under ``key`` (now the most recently used), or ``default``."""
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


def session_lru(key: str, size: int) -> LRU:
    """This session's bounded store under ``key``: the memos' own, and for helpers that
    take a mapping to keep what they computed (:func:`funnel.outputs.templates.parts_spec`)."""
    store = st.session_state.get(key)
    if not isinstance(store, LRU):
        store = st.session_state[key] = LRU(size)
    store.size = size  # the caller's bound: entries beyond it go at the next write
    return store
