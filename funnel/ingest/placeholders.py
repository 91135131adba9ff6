"""Dates that are placeholders, not dates: ``0001-01-01``, ``1900-01-01``, year 2999.

Exports write such stand-ins for "no date". They are read as missing and counted with
the values that could not be read, and they never decide a column's date format.
"""

from __future__ import annotations

import polars as pl

FIRST_YEAR, LAST_YEAR = 1900, 2200
"""Dates outside these years (and 1900-01-01, a common "no date" stand-in) are
placeholders, not dates: they read as missing and are counted like any unreadable
value."""


def placeholder_dates(values: pl.Series) -> pl.Series:
    """True for texts that are placeholder dates (a year before :data:`FIRST_YEAR` or
    after :data:`LAST_YEAR`, or 1900-01-01).

    Examples
    --------
    >>> placeholder_dates(pl.Series(["0001-01-01", "01/01/1900", "2024-05-01"])).to_list()
    [True, True, False]
    """
    year = values.str.extract(r"(?:^|\D)(\d{4})(?:\D|$)").cast(pl.Int32, strict=False)
    early = (year < FIRST_YEAR) | (year > LAST_YEAR) | values.str.contains(
        r"^1900-0?1-0?1|^0?1[/.]0?1[/.]1900")
    return early.fill_null(False)


def placeholder_note(lost: pl.Series) -> str:
    """A clause saying how many unread dates were placeholders (a year before
    :data:`FIRST_YEAR` or after :data:`LAST_YEAR`, or 1900-01-01), else ``""``.

    Examples
    --------
    >>> placeholder_note(pl.Series(["0001-01-01", "1900-01-01", "soon"]))
    ', 2 of them placeholders (a year before 1900 or after 2200, or 1900-01-01)'
    """
    if lost.dtype != pl.String or lost.len() == 0:
        return ""
    n = int(placeholder_dates(lost).sum())
    if not n:
        return ""
    return (f", {n:,} of them placeholder{'s' if n > 1 else ''} (a year before {FIRST_YEAR} "
            f"or after {LAST_YEAR}, or 1900-01-01)")
