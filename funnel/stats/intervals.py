"""Small statistical helpers shared by the analyses."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
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
    low = 0.0 if successes <= 0 else max(0.0, centre - half)  # exact at the edges
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


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
        pl.when(ok & (k <= 0)).then(0.0).when(ok).then((centre - half).clip(0.0, 1.0))
        .alias(f"{prefix}_low"),
        pl.when(ok & (k >= m)).then(1.0).when(ok).then((centre + half).clip(0.0, 1.0))
        .alias(f"{prefix}_high"),
    ]


def normal_quantile(p: float) -> float:
    """The standard normal quantile (``normal_quantile(0.975)`` ≈ 1.96).

    Examples
    --------
    >>> round(normal_quantile(0.975), 4)
    1.96
    """
    return NormalDist().inv_cdf(p)


def prior_strength(successes: pl.Series, n: pl.Series) -> float:
    """How many pseudo-observations the overall rate is worth, from the spread of groups.

    Method-of-moments fit of a beta prior to group rates (beta-binomial): the between-
    group variance of the rates beyond what binomial noise explains. Few, noisy groups
    give a strong prior (heavy shrinkage); groups that truly differ give a weak one.
    Returns a value in [1, 10_000].

    Examples
    --------
    >>> s = pl.Series([5, 50, 500]); m = pl.Series([100, 1000, 10000])
    >>> prior_strength(s, m)  # identical rates: differences are all noise
    10000.0
    """
    k = successes.cast(pl.Float64).to_numpy()
    m = n.cast(pl.Float64).to_numpy()
    keep = m > 0
    order = np.lexsort((k[keep], m[keep]))  # sums in one order, whatever the groups' order
    k, m = k[keep][order], m[keep][order]
    if len(m) < 2 or m.sum() == 0:
        return 10_000.0
    p = k.sum() / m.sum()
    if p <= 0 or p >= 1:
        return 10_000.0
    rates = k / m
    weights = m / m.sum()
    observed = float((weights * (rates - p) ** 2).sum())
    noise = float((weights * p * (1 - p) / m).sum())
    between = observed - noise
    if between <= 0:
        return 10_000.0
    strength = p * (1 - p) / between - 1
    return float(min(10_000.0, max(1.0, strength)))


def shrink_exprs(
    successes: str | pl.Expr, n: str | pl.Expr, *, prior_rate: float, prior_n: float,
    name: str = "shrunk_rate",
) -> pl.Expr:
    """The group rate pulled toward ``prior_rate`` by ``prior_n`` pseudo-observations.

    ``(successes + prior_rate·prior_n) / (n + prior_n)``: the posterior mean under a
    beta prior. A group of six leads moves little from the overall rate; a group of
    6,000 keeps its own. Use it to rank, and show the raw rate and interval beside it.

    Examples
    --------
    >>> df = pl.DataFrame({"won": [3, 300], "leads": [6, 1000]})
    >>> e = shrink_exprs("won", "leads", prior_rate=0.1, prior_n=50)
    >>> df.select(e).to_series().round(3).to_list()
    [0.143, 0.29]
    """
    k = (pl.col(successes) if isinstance(successes, str) else successes).cast(pl.Float64)
    m = (pl.col(n) if isinstance(n, str) else n).cast(pl.Float64)
    return ((k + prior_rate * prior_n) / (m + prior_n)).alias(name)


def rate_ratio(
    k1: int, n1: int, k2: int, n2: int, *, z: float = Z95
) -> tuple[float | None, float | None, float | None]:
    """Ratio of two rates (k1/n1 over k2/n2) with a Katz log interval.

    With a zero count, 0.5 is added to every cell (Haldane) so an interval exists.
    ``(None, None, None)`` when either group is empty.

    Examples
    --------
    >>> [round(x, 2) for x in rate_ratio(117, 1000, 25, 1000)]
    [4.68, 3.07, 7.14]
    """
    if n1 <= 0 or n2 <= 0:
        return None, None, None
    if k1 == 0 or k2 == 0:
        k1, k2, n1, n2 = k1 + 0.5, k2 + 0.5, n1 + 1, n2 + 1
    ratio = (k1 / n1) / (k2 / n2)
    se = math.sqrt(max(0.0, 1 / k1 - 1 / n1 + 1 / k2 - 1 / n2))
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)
