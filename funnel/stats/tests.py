"""Between-group tests: each group against the rest, Mantel–Haenszel, AUC with interval."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import polars as pl

from funnel.stats.intervals import normal_quantile, rate_ratio


class Thresholds(Protocol):
    """What :func:`vs_rest` reads of a settings object (``funnel.Settings`` fits)."""

    alpha: float
    min_n: int
    min_ratio: float


def vs_rest(counts: pl.DataFrame, *, group: str, k: str = "k", n: str = "n", higher: bool,
            settings: Thresholds, family: int | None = None) -> pl.DataFrame:
    """Each group's rate against all other groups', Bonferroni over the groups tested.

    Returns the groups with ``n >= min_n`` (and a rest of at least ``min_n``) with
    ``rate, rest_rate, ratio, ci_low, ci_high, flagged``; ``flagged`` when the widened
    interval excludes 1 in the asked direction and the ratio passes ``min_ratio``.

    Examples
    --------
    >>> t = pl.DataFrame({"owner": ["a", "b", "c"], "k": [60, 10, 12], "n": [100, 100, 100]})
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(alpha=0.01, min_n=30, min_ratio=1.5)
    >>> vs_rest(t, group="owner", higher=True, settings=s)["flagged"].to_list()
    [True, False, False]
    """
    tot_k, tot_n = int(counts[k].sum()), int(counts[n].sum())
    tested = counts.filter((pl.col(n) >= settings.min_n)
                           & ((tot_n - pl.col(n)) >= settings.min_n))
    m = family if family is not None else max(1, tested.height)
    z = normal_quantile(1 - settings.alpha / (2 * max(1, m)))
    rows = []
    for r in tested.iter_rows(named=True):
        kk, nn = int(r[k]), int(r[n])
        ratio, lo, hi = rate_ratio(kk, nn, tot_k - kk, tot_n - nn, z=z)
        if ratio is None:
            continue
        flagged = (lo > 1 and ratio >= settings.min_ratio) if higher else (
            hi < 1 and ratio <= 1 / settings.min_ratio)
        rows.append({group: r[group], "k": kk, "n": nn, "rate": kk / nn,
                     "rest_k": tot_k - kk, "rest_n": tot_n - nn,
                     "rest_rate": (tot_k - kk) / (tot_n - nn), "ratio": ratio,
                     "ci_low": lo, "ci_high": hi, "flagged": flagged})
    schema = {group: counts.schema[group], "k": pl.Int64, "n": pl.Int64, "rate": pl.Float64,
              "rest_k": pl.Int64, "rest_n": pl.Int64, "rest_rate": pl.Float64,
              "ratio": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
              "flagged": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).sort("ratio", descending=higher)


def mh_risk_ratio(strata: pl.DataFrame, *, z: float | None = None
                  ) -> tuple[float | None, float | None, float | None]:
    """Mantel–Haenszel risk ratio over strata, with the Greenland–Robins interval.

    ``strata`` has per stratum ``a`` (events among exposed), ``n1`` (exposed), ``c``
    (events among unexposed), ``n0`` (unexposed). Strata missing either arm are skipped;
    with no events at all in one arm, 0.5 is added to every cell (Haldane, as
    :func:`funnel.stats.intervals.rate_ratio` does); ``None`` without events in either arm.

    Examples
    --------
    >>> s = pl.DataFrame({"a": [30, 10], "n1": [100, 100], "c": [10, 5], "n0": [100, 100]})
    >>> round(mh_risk_ratio(s)[0], 3)
    2.667
    """
    z = z or normal_quantile(0.975)
    s = strata.filter((pl.col("n1") > 0) & (pl.col("n0") > 0)).with_columns(
        (pl.col("n1") + pl.col("n0")).cast(pl.Float64).alias("N"))
    if s.height == 0:
        return None, None, None
    a, n1, c, n0, big_n = (s[x].cast(pl.Float64).to_numpy() for x in ("a", "n1", "c", "n0", "N"))
    if a.sum() == 0 and c.sum() == 0:
        return None, None, None
    if a.sum() == 0 or c.sum() == 0:  # no events in one arm: Haldane's 0.5 in every cell
        a, c, n1, n0 = a + 0.5, c + 0.5, n1 + 1, n0 + 1
        big_n = n1 + n0
    r = float((a * n0 / big_n).sum())
    q = float((c * n1 / big_n).sum())
    var = float(((n1 * n0 * (a + c) - a * c * big_n) / big_n**2).sum()) / (r * q)
    ratio = r / q
    se = math.sqrt(max(var, 0.0))
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def auc_interval(scores: np.ndarray, positive: np.ndarray, *, z: float | None = None
                 ) -> tuple[float | None, float | None, float | None]:
    """Area under the ROC curve (ties count half) with the Hanley–McNeil interval.

    Examples
    --------
    >>> round(auc_interval(np.array([1, 2, 3, 4.0]), np.array([0, 0, 1, 1]))[0], 2)
    1.0
    """
    z = z or normal_quantile(0.975)
    pos, neg = int(positive.sum()), int((~positive.astype(bool)).sum())
    if pos == 0 or neg == 0:
        return None, None, None
    ranks = pl.Series(scores).rank("average").to_numpy()
    auc = (ranks[positive.astype(bool)].sum() - pos * (pos + 1) / 2) / (pos * neg)
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (pos - 1) * (q1 - auc * auc) + (neg - 1) * (q2 - auc * auc)) / (
        pos * neg)
    se = math.sqrt(max(var, 0.0))
    return float(auc), float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se))
