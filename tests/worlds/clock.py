"""Time helpers of the truth-suite worlds: hours as floats since a Monday midnight, a
business clock (Mon–Fri 08:00–18:00) and the arrival windows the speed place names."""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.datetime(2024, 1, 1)  # a Monday
OPEN, CLOSE = 8.0, 18.0


def to_datetime(hours: np.ndarray) -> np.ndarray:
    """Hours since :data:`EPOCH` (NaN = missing) as ``datetime64[us]`` (NaT = missing)."""
    us = np.where(np.isnan(hours), 0, np.round(hours * 3.6e9)).astype("int64")
    out = np.datetime64(EPOCH, "us") + us.astype("timedelta64[us]")
    out[np.isnan(hours)] = np.datetime64("NaT")
    return out


def is_working(t: np.ndarray) -> np.ndarray:
    """Whether each moment falls in working hours (Mon–Fri 08:00–18:00)."""
    day = np.floor(t / 24)
    hod = t - 24 * day
    return ((day % 7) < 5) & (hod >= OPEN) & (hod < CLOSE)


def window_of(t: np.ndarray) -> np.ndarray:
    """``working hours`` / ``evening and night`` / ``weekend`` of each arrival (as the
    speed place's windows: Friday after 16:00 counts as evening)."""
    day = np.floor(t / 24)
    hod = t - 24 * day
    wd = day % 7
    out = np.full(t.shape, "working hours", dtype=object)
    out[(hod < 8) | (hod >= 18) | ((wd == 4) & (hod >= 16))] = "evening and night"
    out[wd >= 5] = "weekend"
    return out


def add_business_hours(start: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """``start`` plus ``hours`` of working time (Mon–Fri 08:00–18:00), vectorised."""
    t = start.astype(float).copy()
    left = hours.astype(float).copy()
    todo = np.ones(t.shape, bool)
    for _ in range(400):
        if not todo.any():
            break
        day = np.floor(t / 24)
        hod = t - 24 * day
        wd = day % 7
        weekend = todo & (wd >= 5)
        t[weekend] = (day[weekend] + 7 - wd[weekend]) * 24 + OPEN
        early = todo & ~weekend & (hod < OPEN)
        t[early] = day[early] * 24 + OPEN
        late = todo & ~weekend & (hod >= CLOSE)
        t[late] = (day[late] + 1) * 24 + OPEN
        moved = weekend | late
        ready = todo & ~moved
        day = np.floor(t / 24)
        avail = day * 24 + CLOSE - t
        fits = ready & (left <= avail)
        t[fits] += left[fits]
        todo[fits] = False
        spill = ready & ~fits
        left[spill] -= avail[spill]
        t[spill] = (day[spill] + 1) * 24 + OPEN
    return t
