"""The sample's business calendar: working hours, holidays, months, and moments as text.

Moments are floats, hours since 1970-01-01 00:00 in naive local time, so that whole
arrays of leads move through the calendar at once. The reps work Monday-Friday
08:00-18:00 and rest on a few fixed holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from funnel.sample.text import masked

#: Opening and closing hour of a working day, and its length in hours.
OPEN, CLOSE = 8.0, 18.0
SPAN = CLOSE - OPEN


def hours(moment: datetime) -> float:
    """Hours since 1970-01-01 00:00 (naive local time).

    Examples
    --------
    >>> hours(datetime(1970, 1, 2, 6))
    30.0
    """
    return (moment - datetime(1970, 1, 1)).total_seconds() / 3600.0


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole ``months``, clamped to the end of a shorter month.

    Examples
    --------
    >>> add_months(date(2025, 11, 1), 12), add_months(date(2025, 1, 31), 1)
    (datetime.date(2026, 11, 1), datetime.date(2025, 2, 28))
    """
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1) if day.day == 1 else _clamp_day(total, day.day)


def _clamp_day(total: int, day: int) -> date:
    year, month = total // 12, total % 12 + 1
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day, (nxt - timedelta(days=1)).day))


def holidays(first_year: int, last_year: int) -> np.ndarray:
    """The fixed holidays (New Year, July 4th, Christmas Eve and Day) of these years."""
    days = []
    for year in range(first_year, last_year + 1):
        days += [f"{year}-01-01", f"{year}-07-04", f"{year}-12-24", f"{year}-12-25"]
    return np.array(days, dtype="datetime64[D]")


def next_open(t: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Earliest business moment at or after ``t`` (hours since epoch)."""
    day = np.floor(t / 24.0).astype(np.int64)
    hour = t - day * 24.0
    d64 = day.astype("datetime64[D]")
    busy = np.is_busday(d64, holidays=holidays)
    nxt = np.busday_offset(d64, 1, roll="backward", holidays=holidays).astype(np.int64)
    return np.where(
        busy & (hour < OPEN),
        day * 24.0 + OPEN,
        np.where(busy & (hour < CLOSE), t, nxt * 24.0 + OPEN),
    )


def add_business_hours(t: np.ndarray, h: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Add ``h`` business hours to ``t``; ``t`` is first moved to the next business moment.

    Examples
    --------
    >>> saturday_11h = np.array([hours(datetime(2025, 11, 8, 11))])
    >>> end = add_business_hours(saturday_11h, np.array([3.5]), holidays(2025, 2025))
    >>> datetime(1970, 1, 1) + timedelta(hours=float(end[0]))
    datetime.datetime(2025, 11, 10, 11, 30)
    """
    t = next_open(t, holidays)
    h = np.minimum(h, 4000.0)
    day = np.floor(t / 24.0).astype(np.int64)
    left = CLOSE - (t - day * 24.0)
    rest = h - left
    k = np.floor(np.maximum(rest, 0.0) / SPAN).astype(np.int64)
    later = np.busday_offset(day.astype("datetime64[D]"), k + 1, roll="backward", holidays=holidays)
    return np.where(h < left, t + h, later.astype(np.int64) * 24.0 + OPEN + (rest - k * SPAN))


def floor_minutes(hours: np.ndarray) -> np.ndarray:
    """Moments cut down to the whole minute."""
    return np.floor(hours * 60.0 + 1e-6) / 60.0


@dataclass(frozen=True)
class Window:
    """When leads arrive and when the CRM is exported (moments in hours since epoch)."""

    start: date  # first day on which leads arrive
    t0: float  # start at 00:00
    t_export: float  # the export: nothing after it is visible
    days: int  # days on which leads arrive (cut short by an early export)
    holidays: np.ndarray  # the fixed holidays around the window


def arrival_window(start: date, months: int, export_at: datetime | None) -> Window:
    """The window of ``months`` from ``start``, exported at ``export_at`` (default: its end).

    Raises
    ------
    ValueError
        If ``months`` < 1 or ``export_at`` is not after ``start``.

    Examples
    --------
    >>> w = arrival_window(date(2025, 11, 1), 12, None)
    >>> w.days, (w.t_export - w.t0) / 24
    (365, 365.0)
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    end_day = add_months(start, months)
    if export_at is None:
        export_at = datetime(end_day.year, end_day.month, end_day.day)
    t0 = hours(datetime(start.year, start.month, start.day))
    t_export = hours(export_at)
    if t_export <= t0:
        raise ValueError("export_at must be after start")
    window_days = int(min((end_day - start).days, np.ceil((t_export - t0) / 24.0)))
    hol = holidays(start.year - 1, max(end_day.year, export_at.year) + 2)
    return Window(start, t0, t_export, window_days, hol)


def format_time(hours: np.ndarray, keep: np.ndarray, *, seconds: bool) -> pl.Series:
    """Format hours since epoch as text; rows where ``keep`` is False become null.

    Built from small lookup tables (days, "HH:MM", ":SS") instead of ``strftime``,
    which is several times slower on millions of rows.

    Examples
    --------
    >>> format_time(np.array([30.5, 0.0]), np.array([True, False]), seconds=True).to_list()
    ['1970-01-02 06:30:00', None]
    """
    hours = np.where(keep & np.isfinite(hours), hours, 0.0)
    secs = np.floor(hours * 3600.0 + 1e-6).astype(np.int64)
    day = secs // 86_400
    if keep.any():
        d0, d1 = int(day[keep].min()), int(day[keep].max())
    else:
        d0 = d1 = 0
    day = np.clip(day, d0, d1) - d0
    days = np.arange(d0, d1 + 1).astype("datetime64[D]").astype(str).tolist()
    clock = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]
    parts = [
        pl.Series(values=days, dtype=pl.String).gather(day),
        pl.Series(values=clock, dtype=pl.String).gather((secs % 86_400) // 60),
    ]
    if seconds:
        tail = [f":{x:02d}" for x in range(60)]
        parts.append(pl.Series(values=tail, dtype=pl.String).gather(secs % 60))
    text = pl.select(
        pl.concat_str([pl.lit(parts[0]), pl.lit(" "), *[pl.lit(x) for x in parts[1:]]])
    ).to_series()
    return masked(text, keep)
