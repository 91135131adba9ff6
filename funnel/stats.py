"""Small statistical helpers shared by the analyses."""

from __future__ import annotations

import math

import polars as pl

Z95 = 1.959963984540054


def wilson(successes: int, n: int, *, z: float = Z95) -> tuple[float | None, float | None]:
    """95% Wilson score interval for a proportion; ``(None, None)`` when ``n == 0``.

    Examples
    --------
    >>> [round(x, 4) for x in wilson(842, 8000)]
    [0.0987, 0.1122]
    """
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_exprs(
    successes: str | pl.Expr, n: str | pl.Expr, *, z: float = Z95, prefix: str = "ci"
) -> list[pl.Expr]:
    """Polars expressions for the Wilson bounds, named ``{prefix}_low``/``{prefix}_high``.

    Examples
    --------
    >>> df = pl.DataFrame({"won": [842], "leads": [8000]})
    >>> df.select(wilson_exprs("won", "leads")).select(pl.all().round(4)).row(0)
    (0.0987, 0.1122)
    """
    k = pl.col(successes) if isinstance(successes, str) else successes
    m = pl.col(n) if isinstance(n, str) else n
    k, m = k.cast(pl.Float64), m.cast(pl.Float64)
    p = k / m
    denom = 1 + z * z / m
    centre = (p + z * z / (2 * m)) / denom
    half = z * (p * (1 - p) / m + z * z / (4 * m * m)).sqrt() / denom
    ok = m > 0
    return [
        pl.when(ok).then((centre - half).clip(0.0, 1.0)).alias(f"{prefix}_low"),
        pl.when(ok).then((centre + half).clip(0.0, 1.0)).alias(f"{prefix}_high"),
    ]
