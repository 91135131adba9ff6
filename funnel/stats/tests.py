"""Between-group tests: each group against the rest (crude, or pooled over strata),
Mantel–Haenszel, AUC with interval."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import polars as pl

from funnel.stats.intervals import normal_quantile, rate_ratio
from funnel.stats.power import binomial_tail, p_from_interval


class Thresholds(Protocol):
    """What :func:`vs_rest` and :func:`mh_vs_rest` read of a settings object
    (``funnel.Settings`` fits)."""

    alpha: float
    min_n: int
    min_ratio: float


def vs_rest(counts: pl.DataFrame, *, group: str, k: str = "k", n: str = "n", higher: bool,
            settings: Thresholds, family: int | None = None, exact: bool = False,
            min_k: int = 0) -> pl.DataFrame:
    """Each group's rate against all other groups', Bonferroni over the groups tested.

    Returns the groups with ``n >= min_n`` (and a rest of at least ``min_n``) with
    ``rate, rest_rate, ratio, ci_low, ci_high, flagged, p``; ``flagged`` when the widened
    interval excludes 1 in the asked direction and the ratio passes ``min_ratio``; ``p``
    is the two-sided p-value of "ratio = 1" (for a step-down correction over a larger
    family, :func:`funnel.stats.power.holm`). With ``exact``, ``p`` is the larger of that
    and the exact conditional one (given all ``k``, the group's count is binomial with
    its share of ``n`` when the rates are alike; doubled), and
    ``flagged`` also needs it below ``alpha / family``: with a few events the log-ratio's
    normal approximation is far too optimistic. A group with fewer than ``min_k`` events
    is never flagged (a problem must concern enough leads to matter).

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
        p = p_from_interval(ratio, lo, hi, z=z)
        if exact:
            # exact conditional test: given all the events, the group's count is
            # Bin(events, group's share of units) when the rates are alike
            p = max(p, min(1.0, 2 * binomial_tail(kk, tot_k, nn / tot_n, upper=higher)))
            flagged = flagged and p <= settings.alpha / max(1, m)
        flagged = flagged and (kk >= min_k if higher else tot_k - kk >= min_k)
        rows.append({group: r[group], "k": kk, "n": nn, "rate": kk / nn,
                     "rest_k": tot_k - kk, "rest_n": tot_n - nn,
                     "rest_rate": (tot_k - kk) / (tot_n - nn), "ratio": ratio,
                     "ci_low": lo, "ci_high": hi, "flagged": flagged,
                     "p": p})
    schema = {group: counts.schema[group], "k": pl.Int64, "n": pl.Int64, "rate": pl.Float64,
              "rest_k": pl.Int64, "rest_n": pl.Int64, "rest_rate": pl.Float64,
              "ratio": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
              "flagged": pl.Boolean, "p": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort("ratio", descending=higher)


def mh_vs_rest(frame: pl.DataFrame, *, group: str, flag: str, stratum: str,
                settings: Thresholds, family: int, higher: bool = True) -> pl.DataFrame:
    """Like :func:`vs_rest`, with each group's ratio to the rest pooled over strata
    (Mantel–Haenszel, Greenland–Robins interval, Bonferroni over ``family``).

    ``frame`` has one row per unit with its ``group``, ``stratum`` and boolean ``flag``.
    ``rate``/``rest_rate`` are the crude shares; ``ratio``/``ci_*`` the adjusted ones.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> f = pl.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "st": ["x", "y"] * 100,
    ...                   "f": [True] * 60 + [False] * 40 + [True] * 20 + [False] * 80})
    >>> s = SimpleNamespace(alpha=0.01, min_n=30, min_ratio=1.5)
    >>> mh_vs_rest(f, group="g", flag="f", stratum="st", settings=s, family=2)["flagged"].to_list()
    [True, False]
    """
    z = normal_quantile(1 - settings.alpha / (2 * max(1, family)))
    per = frame.group_by(group, stratum).agg(pl.col(flag).sum().cast(pl.Float64).alias("a"),
                                             pl.len().cast(pl.Float64).alias("n1"))
    tot = per.group_by(stratum).agg(pl.col("a").sum().alias("K"),
                                    pl.col("n1").sum().alias("N"))
    t = per.join(tot, on=stratum).with_columns(
        (pl.col("K") - pl.col("a")).alias("c"), (pl.col("N") - pl.col("n1")).alias("n0"))
    t = t.filter(pl.col("n0") > 0)
    # a group with no events (or a rest without any) gets Haldane's 0.5 in every cell
    zero = t.group_by(group).agg(((pl.col("a").sum() == 0) | (pl.col("c").sum() == 0))
                                 .alias("_z"))
    t = t.join(zero, on=group).with_columns(
        *[pl.when(pl.col("_z")).then(pl.col(x) + 0.5).otherwise(pl.col(x)).alias(x)
          for x in ("a", "c")],
        *[pl.when(pl.col("_z")).then(pl.col(x) + 1).otherwise(pl.col(x)).alias(x)
          for x in ("n1", "n0")]).with_columns((pl.col("n1") + pl.col("n0")).alias("N"))
    terms = t.select(
        group, (pl.col("a") * pl.col("n0") / pl.col("N")).alias("R"),
        (pl.col("c") * pl.col("n1") / pl.col("N")).alias("S"),
        ((pl.col("n1") * pl.col("n0") * (pl.col("a") + pl.col("c"))
          - pl.col("a") * pl.col("c") * pl.col("N")) / pl.col("N") ** 2).alias("V"))
    g = _exact_sums(terms, by=group, columns=("R", "S", "V"))
    sizes = per.group_by(group).agg(pl.col("a").sum().cast(pl.Int64).alias("k"),
                                    pl.col("n1").sum().cast(pl.Int64).alias("n"))
    total_k, total_n = int(sizes["k"].sum()), int(sizes["n"].sum())
    out = (sizes.join(g, on=group, how="left")
           .filter((pl.col("n") >= settings.min_n) & (total_n - pl.col("n") >= settings.min_n)
                   & (pl.col("S") > 0))
           .with_columns((pl.col("R") / pl.col("S")).alias("ratio"),
                         (pl.col("V") / (pl.col("R") * pl.col("S"))).clip(lower_bound=0)
                         .sqrt().alias("_se"),
                         (total_k - pl.col("k")).alias("rest_k"),
                         (total_n - pl.col("n")).alias("rest_n"))
           .with_columns((pl.col("ratio") * (-z * pl.col("_se")).exp()).alias("ci_low"),
                         (pl.col("ratio") * (z * pl.col("_se")).exp()).alias("ci_high"),
                         (pl.col("k") / pl.col("n")).alias("rate"),
                         (pl.col("rest_k") / pl.col("rest_n")).alias("rest_rate")))
    flagged = ((pl.col("ci_low") > 1) & (pl.col("ratio") >= settings.min_ratio) if higher
               else (pl.col("ci_high") < 1) & (pl.col("ratio") <= 1 / settings.min_ratio))
    out = out.with_columns(flagged.alias("flagged"))
    return out.select(group, "k", "n", "rate", "rest_k", "rest_n", "rest_rate", "ratio",
                      "ci_low", "ci_high", "flagged").sort("ratio", descending=higher)


def _exact_sums(frame: pl.DataFrame, *, by: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """Per value of ``by``, each of ``columns`` summed exactly rounded (``math.fsum``): a
    polars group-by sums its rows in an order that varies between runs, and the last
    digits of a ratio would vary with it (a few hundred group × stratum rows here)."""
    parts = frame.partition_by(by, as_dict=True, maintain_order=True)
    rows = [{by: key[0], **{c: math.fsum(part[c].to_list()) for c in columns}}
            for key, part in parts.items()]
    return pl.DataFrame(rows, schema={by: frame.schema[by],
                                      **{c: pl.Float64 for c in columns}})


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
    # exactly rounded sums (math.fsum): the strata come from a group-by, whose row order
    # varies between runs, and a plain sum's last digits would vary with it
    r = math.fsum(a * n0 / big_n)
    q = math.fsum(c * n1 / big_n)
    var = math.fsum((n1 * n0 * (a + c) - a * c * big_n) / big_n**2) / (r * q)
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
