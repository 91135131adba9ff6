"""Power of a rate-ratio comparison: the smallest ratio the data could have detected,
the power at a given ratio, and the size that would detect it; and Holm's step-down
correction over a family of tests.

A comparison of two rates (``n1`` units in the group, ``n0`` in the rest, the rest's
rate ``p0``) is read on the log scale, as :func:`funnel.stats.intervals.rate_ratio`
does: its standard error at a true ratio ``r`` is ``sqrt((1 - p1) / (n1 p1) + (1 - p0) /
(n0 p0))`` with ``p1 = r p0``, and a two-sided test at ``alpha`` detects ``r`` with power
``Φ(|log r| / se - z_{1 - alpha/2})``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

_N = NormalDist()


def _se(ratio: float, n1: float, n0: float, p0: float) -> float:
    p1 = min(ratio * p0, 1 - 1e-9)
    return math.sqrt((1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0))


def ratio_power(ratio: float, *, n1: float, n0: float, p0: float, alpha: float) -> float:
    """Power of a two-sided test at ``alpha`` to detect a true rate ratio ``ratio``.

    Examples
    --------
    >>> round(ratio_power(1.5, n1=1000, n0=1000, p0=0.1, alpha=0.05), 2)
    0.92
    >>> ratio_power(1.5, n1=0, n0=1000, p0=0.1, alpha=0.05)
    0.0
    """
    if n1 <= 0 or n0 <= 0 or not 0 < p0 < 1 or ratio * p0 >= 1:
        return 0.0
    z = _N.inv_cdf(1 - alpha / 2)
    return _N.cdf(abs(math.log(ratio)) / _se(ratio, n1, n0, p0) - z)


def min_detectable_ratio(*, n1: float, n0: float, p0: float, alpha: float,
                         power: float = 0.8, higher: bool = True) -> float | None:
    """The smallest rate ratio (above 1 when ``higher``, else the largest below 1) that
    a two-sided test at ``alpha`` detects with ``power``; ``None`` when none can be
    (too few units: not even a rate of 100%, or of 0, would be).

    Examples
    --------
    >>> round(min_detectable_ratio(n1=1000, n0=1000, p0=0.1, alpha=0.05), 2)
    1.41
    >>> min_detectable_ratio(n1=3, n0=10, p0=0.5, alpha=0.01) is None
    True
    """
    if n1 <= 0 or n0 <= 0 or not 0 < p0 < 1:
        return None
    target = _N.inv_cdf(power) + _N.inv_cdf(1 - alpha / 2)
    lo, hi = (1.0, (1 - 1e-6) / p0) if higher else (1e-6, 1.0)
    if abs(math.log(hi if higher else lo)) / _se(hi if higher else lo, n1, n0, p0) < target:
        return None
    for _ in range(80):  # bisection: the detectable side is away from 1
        mid = math.sqrt(lo * hi)
        ok = abs(math.log(mid)) / _se(mid, n1, n0, p0) >= target
        if higher:
            lo, hi = (lo, mid) if ok else (mid, hi)
        else:
            lo, hi = (mid, hi) if ok else (lo, mid)
    return hi if higher else lo


def units_needed(ratio: float, *, share: float, p0: float, alpha: float,
                 power: float = 0.8) -> int | None:
    """How many units in all (the group being ``share`` of them) a two-sided test at
    ``alpha`` needs to detect ``ratio`` with ``power``; ``None`` when it never could.

    Examples
    --------
    >>> units_needed(1.5, share=0.5, p0=0.1, alpha=0.05)
    1401
    """
    if not 0 < share < 1 or not 0 < p0 < 1 or ratio <= 0 or ratio == 1 or ratio * p0 >= 1:
        return None
    p1 = ratio * p0
    z = _N.inv_cdf(power) + _N.inv_cdf(1 - alpha / 2)
    per = (1 - p1) / (share * p1) + (1 - p0) / ((1 - share) * p0)
    return math.ceil(z * z * per / math.log(ratio) ** 2)


def p_from_interval(ratio: float, lo: float, hi: float, *, z: float) -> float:
    """Two-sided p-value of "ratio = 1" from a symmetric log interval at ``z``.

    Examples
    --------
    >>> round(p_from_interval(2.0, 1.0, 4.0, z=1.959964), 3)
    0.05
    """
    if not (ratio and lo and hi) or hi <= lo:
        return 1.0
    se = math.log(hi / lo) / (2 * z)
    return 2 * (1 - _N.cdf(abs(math.log(ratio)) / se))


def binomial_tail(k: int, n: int, p: float, *, upper: bool = True, terms: int = 4000
                  ) -> float:
    """Exact binomial tail ``P(X >= k)`` (``upper``) or ``P(X <= k)`` for ``X ~ Bin(n, p)``
    (summed over at most ``terms`` terms from ``k`` outward, where they have long become
    negligible for a tail). Small groups need it: the log-ratio's normal approximation
    is far too optimistic for a dozen events.

    Examples
    --------
    >>> round(binomial_tail(15, 93, 0.06), 5)
    0.00042
    >>> binomial_tail(0, 10, 0.5, upper=False) == 0.5 ** 10
    True
    """
    if n <= 0 or not 0 < p < 1:
        return 1.0
    j = np.arange(k, min(n, k + terms) + 1) if upper else np.arange(max(0, k - terms), k + 1)
    if j.size == 0:
        return 0.0
    lg = np.vectorize(math.lgamma)
    logs = (math.lgamma(n + 1) - lg(j + 1.0) - lg(n - j + 1.0)
            + j * math.log(p) + (n - j) * math.log1p(-p))
    top = logs.max()
    return float(min(1.0, math.exp(top) * np.exp(logs - top).sum()))


def holm(pvalues: Sequence[float], *, alpha: float) -> np.ndarray:
    """Holm's step-down rejections over a family (controls the family-wise error at
    ``alpha`` like Bonferroni, and rejects at least as much).

    Examples
    --------
    >>> holm([0.001, 0.03, 0.04], alpha=0.05).tolist()
    [True, False, False]
    >>> holm([0.01, 0.02, 0.03], alpha=0.1).tolist()
    [True, True, True]
    """
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    out = np.zeros(m, bool)
    for rank, i in enumerate(np.argsort(p, kind="stable")):
        if p[i] > alpha / (m - rank):
            break
        out[i] = True
    return out
