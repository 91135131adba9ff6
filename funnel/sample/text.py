"""Values written as a CRM writes them: text columns, blanks, form placeholders, money."""

from __future__ import annotations

import numpy as np
import polars as pl


def take(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pl.Series:
    """The text ``values[i]`` for each index ``i`` of ``idx``.

    Examples
    --------
    >>> take(("No", "Yes"), np.array([1, 0, 1])).to_list()
    ['Yes', 'No', 'Yes']
    """
    return pl.Series(values=list(values), dtype=pl.String).gather(idx)


def masked(series: pl.Series, keep: np.ndarray) -> pl.Series:
    """``series`` with nulls where ``keep`` is False.

    Examples
    --------
    >>> masked(pl.Series(["a", "b"]), np.array([True, False])).to_list()
    ['a', None]
    """
    return pl.select(
        pl.when(pl.lit(pl.Series(keep, dtype=pl.Boolean))).then(pl.lit(series)).otherwise(None)
    ).to_series()


def placeholder(rng: np.random.Generator, s: pl.Series, text: str, share: float) -> pl.Series:
    """Replace a random ``share`` of the values with a form placeholder such as "N/A"."""
    hit = pl.Series(rng.random(s.len()) < share)
    return pl.select(pl.when(pl.lit(hit)).then(pl.lit(text)).otherwise(pl.lit(s))).to_series()


def thousands(x: pl.Expr) -> pl.Expr:
    """Non-negative integers (< 10**12) as text with comma thousands separators.

    Examples
    --------
    >>> pl.select(thousands(pl.lit(pl.Series([7, 1234567])))).to_series().to_list()
    ['7', '1,234,567']
    """

    def group(i: int) -> pl.Expr:
        return ((x // 10 ** (3 * i)) % 1000).cast(pl.String).str.zfill(3)

    def head(i: int) -> pl.Expr:
        return (x // 10 ** (3 * i)).cast(pl.String)

    return (
        pl.when(x >= 10**9)
        .then(pl.concat_str([head(3), group(2), group(1), group(0)], separator=","))
        .when(x >= 10**6)
        .then(pl.concat_str([head(2), group(1), group(0)], separator=","))
        .when(x >= 10**3)
        .then(pl.concat_str([head(1), group(0)], separator=","))
        .otherwise(x.cast(pl.String))
    )


def money(cents: pl.Expr) -> pl.Expr:
    """Integer cents as "$12,345.67".

    Examples
    --------
    >>> pl.select(money(pl.lit(pl.Series([1234567])))).to_series().to_list()
    ['$12,345.67']
    """
    cents_text = (cents % 100).cast(pl.String).str.zfill(2)
    return pl.concat_str([pl.lit("$"), thousands(cents // 100), pl.lit("."), cents_text])
