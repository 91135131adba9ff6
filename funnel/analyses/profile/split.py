"""Learn on one half of the leads, judge on the other: the split, and how a learned
profile remembers it.

A profile learned from the won leads looks good on the leads it was learned from by
construction (it picked the values that happened to win there). So it is learned on one
half of the leads and judged only on the other half. The halves are drawn by a hash of
each lead's id (seeded), not by row position, so that a lead stays in its half when the
data are filtered, re-sorted or exported again, and the Profile page, the Diagnosis and
``funnel diagnose`` all judge on the same leads.

Why a random half and not "learn on older leads, judge on newer": newer leads are still
open (their outcomes are not in yet), so a time split would judge the profile on
immature outcomes and mix "the profile does not hold up" with "recent leads have not
closed yet"; and some exports have no creation dates at all (X Education). The Profile
page shows the in-profile share by month for drift.

A learned profile carries its split in :attr:`Profile.extra` (key ``learned``, kept in
its ``*.profile.json``): while its criteria are the learned ones,
:class:`~funnel.analyses.profile.fit.ProfileFit` judges it on the other half only
(:func:`judging_rows`); once edited it is a stated profile like any other.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from funnel.analyses.profile.criteria import Profile

SPLIT_SEED = 11
"""The seed of the learning/judging split (any fixed number: it only has to be the same)."""
LEARNED_KEY = "learned"
"""The :attr:`Profile.extra` key holding a learned profile's split."""
SPLIT_TEXT = "a random half of the leads, drawn by lead id"
"""How the learning half is drawn, in words."""


def learning_half(leads: pl.DataFrame, *, seed: int = SPLIT_SEED) -> np.ndarray:
    """Per lead: ``True`` in the learning half, ``False`` in the judging half.

    Drawn from a hash of ``lead_id`` (the row position when the table has none), so a
    lead keeps its half whatever the order or the filter; about half the leads each.

    Examples
    --------
    >>> leads = pl.DataFrame({"lead_id": [str(i) for i in range(10_000)]})
    >>> half = learning_half(leads)
    >>> bool(0.48 < half.mean() < 0.52)
    True
    >>> bool((learning_half(leads.reverse()) == half[::-1]).all())  # order does not matter
    True
    """
    if "lead_id" in leads.columns:
        keys = leads["lead_id"].cast(pl.String).fill_null("")
    else:
        keys = pl.int_range(leads.height, eager=True).cast(pl.String)
    h = crc32_each(keys, seed=seed)
    # murmur3's finaliser: crc32 alone is linear in the id's bits
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return (h >> np.uint32(31)) == 0


def _crc_table() -> np.ndarray:
    """The byte table of the CRC-32 that :func:`zlib.crc32` computes (reflected
    polynomial 0xEDB88320)."""
    c = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        c = np.where(c & 1, np.uint32(0xEDB88320) ^ (c >> np.uint32(1)), c >> np.uint32(1))
    return c.astype(np.uint32)


_CRC_TABLE = _crc_table()


def crc32_each(texts: pl.Series, *, seed: int = 0) -> np.ndarray:
    """``zlib.crc32(text.encode(), seed)`` of each text (UTF-8; no nulls), for a whole
    column at once: a byte position at a time over the texts still that long, longest
    first, so the work is the column's bytes and not a Python call per lead.

    Examples
    --------
    >>> import zlib
    >>> texts = pl.Series(["", "L-1", "Zoë"])
    >>> [int(x) for x in crc32_each(texts, seed=11)] == [
    ...     zlib.crc32(t.encode(), 11) for t in texts]
    True
    """
    arr = texts.cast(pl.String).to_arrow()  # one array (polars joins the chunks)
    if str(arr.type) != "large_string":  # the buffers read below are large_string's
        arr = arr.cast("large_string")  # (a string_view export, say)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
        arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) else np.zeros(
        0, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    order = np.argsort(-lengths, kind="stable")  # longest first: the texts still going
    starts, lengths = starts[order], lengths[order]  # at a position are a prefix
    crc = np.full(len(arr), ~np.uint32(seed & 0xFFFFFFFF), dtype=np.uint32)
    going = len(arr)
    for j in range(int(lengths[0]) if len(arr) else 0):
        while going and lengths[going - 1] <= j:
            going -= 1
        c = crc[:going]
        byte = data[starts[:going] + j].astype(np.uint32)
        crc[:going] = _CRC_TABLE[(c ^ byte) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    out = np.empty_like(crc)
    out[order] = ~crc
    return out


def mark_learned(profile: Profile, *, learned_on: int, judged_on: int,
                 seed: int = SPLIT_SEED) -> Profile:
    """``profile`` remembering that it was learned on one half (``learned_on`` leads) and
    is to be judged on the other (``judged_on`` leads)."""
    meta = {"split": SPLIT_TEXT, "seed": seed, "learned_on": learned_on,
            "judged_on": judged_on, "criteria": [c.to_dict() for c in profile.criteria]}
    extra = tuple(sorted([(k, v) for k, v in profile.extra if k != LEARNED_KEY]
                         + [(LEARNED_KEY, json.dumps(meta))]))
    return Profile(profile.name, profile.criteria, extra)


def learned_split(profile: Profile | None) -> dict | None:
    """The split a learned profile remembers (``seed``, ``learned_on``, ``judged_on``),
    or ``None`` for a stated profile or a learned one since edited.

    Examples
    --------
    >>> from funnel.analyses.profile.criteria import Criterion
    >>> p = mark_learned(Profile("L", (Criterion("Industry", values=("Software",)),)),
    ...                  learned_on=100, judged_on=98)
    >>> learned_split(p)["judged_on"], learned_split(p.without(0))
    (98, None)
    """
    if profile is None:
        return None
    raw = dict(profile.extra).get(LEARNED_KEY)
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
        same = meta["criteria"] == [c.to_dict() for c in profile.criteria]
        seed = int(meta["seed"])
    except (ValueError, KeyError, TypeError):
        return None
    return {**meta, "seed": seed} if same and profile.criteria else None


def judging_rows(leads: pl.DataFrame, profile: Profile | None) -> np.ndarray | None:
    """Per lead, whether a learned profile is judged on it (the half it was not learned
    from); ``None`` for a stated (or edited) profile, judged on every lead."""
    meta = learned_split(profile)
    if meta is None:
        return None
    return ~learning_half(leads, seed=meta["seed"])


def learned_note(profile: Profile | None, *, judged_on: int | None = None) -> str | None:
    """One sentence saying a profile was learned on part of the data and judged on the
    rest, with both counts; ``None`` for a stated profile. ``judged_on`` is the count in
    the data at hand (filtered data judge on fewer leads than were set aside)."""
    meta = learned_split(profile)
    if meta is None:
        return None
    n = meta["judged_on"] if judged_on is None else judged_on
    return (f"Learned from the won leads of {meta['learned_on']:,} leads ({SPLIT_TEXT}) and "
            f"judged only on the other {n:,}: its win rates and ratio are measured on "
            "leads it was not learned from.")
