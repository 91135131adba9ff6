"""Kaplan–Meier estimates for censored durations, vectorised: the durations sorted
once per group (polars and numpy), the curves computed in polars.

Used wherever a duration may not have ended yet: time to first touch (leads never
touched are censored at the export's end), time between stages and the sales cycle
(open leads are censored). A censored lead is neither dropped nor counted as an
event. The estimator is shaped like ``lifelines.KaplanMeierFitter`` and agrees with it
(tests check the curve, the exponential-Greenwood interval and the median).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from funnel.stats.codes import integer_codes
from funnel.stats.intervals import Z95, normal_quantile

_T, _E, _G = "time", "__event", "__group"
_TABLE = (_T, "at_risk", "events", "censored", "survival", "ci_low", "ci_high")
_MEDIANS = ("n", "events", "median", "ci_low", "ci_high")


def _group_codes(frame: pl.DataFrame, by: list[str]) -> np.ndarray:
    """One integer per group of ``by`` (uint64), in the groups' sorted order: each
    column's :func:`integer_codes` combined, made dense again before a combination could
    overflow."""
    group = np.zeros(frame.height, dtype=np.uint64)
    for col in integer_codes(frame.select(by)).get_columns():
        size = int(col.max() or 0) + 1
        if frame.height and (int(group.max()) + 1) * size >= 2**63:
            group = np.unique(group, return_inverse=True)[1].astype(np.uint64)  # same order
        group = group * np.uint64(size) + col.to_numpy().astype(np.uint64)
    return group


def _distinct_times(frame: pl.DataFrame, *, by: list[str]
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per group and distinct time (sorted by group, then time): ``events`` and ``_n``
    subjects, with ``__group``, one integer per group in the groups' sorted order; and
    each group's values by its ``__group``. One sort of the times (polars) and a stable
    one of the groups' codes (numpy) rather than a group-by on a million distinct times
    and a sort of the result."""
    n = frame.height
    times = frame[_T].to_numpy() + 0.0  # -0.0 becomes 0.0: one time, shown as 0.0
    group = _group_codes(frame, by) if by else np.zeros(n, dtype=np.uint64)
    order = frame[_T].arg_sort().to_numpy()  # equal times stay together, in any order
    if by:
        small = group.astype(np.uint16) if n and int(group.max()) < 2**16 else group  # radix
        order = order[np.argsort(small[order], kind="stable")]
    t, g = times[order], group[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (t[1:] != t[:-1]) | (g[1:] != g[:-1])
    starts = np.flatnonzero(new)
    events = (np.add.reduceat(frame[_E].to_numpy()[order].astype(np.int64), starts) if n
              else np.zeros(0, dtype=np.int64))
    counts = pl.DataFrame([
        pl.Series(_T, t[starts], dtype=pl.Float64), pl.Series("events", events, dtype=pl.Int64),
        pl.Series("_n", np.diff(np.append(starts, n)), dtype=pl.Int64),
        pl.Series(_G, g[starts], dtype=pl.UInt64)])
    if not by:
        return counts, pl.DataFrame()
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if n else starts  # of each group
    keys = frame.select(by).gather(order[first]).with_columns(
        pl.Series(_G, g[first], dtype=pl.UInt64))
    return counts, keys


def _event_table(grouped: pl.DataFrame, *, by: list[str], z: float) -> pl.LazyFrame:
    """Per group and distinct time: at risk, events, censored, S(t) and its interval."""

    def o(expr: pl.Expr) -> pl.Expr:
        return expr.over(_G) if by else expr

    total = o(pl.col("_n").sum())
    removed_before = o(pl.col("_n").cum_sum()) - pl.col("_n")
    at_risk = (total - removed_before).alias("at_risk")
    table = grouped.lazy().with_columns(at_risk).with_columns(
        (pl.col("_n") - pl.col("events")).alias("censored"),
        # exp of summed logs, as lifelines does: the same float at S = 0.5 exactly
        o(((pl.col("at_risk") - pl.col("events")).cast(pl.Float64).log()
           - pl.col("at_risk").cast(pl.Float64).log()).cum_sum()).exp().alias("survival"),
        o(
            pl.when(pl.col("at_risk") > pl.col("events"))
            .then(pl.col("events") / (pl.col("at_risk") * (pl.col("at_risk") - pl.col("events"))))
            .otherwise(0.0)
            .cum_sum()
        ).alias("_var"),
    )
    # exponential Greenwood ("log-log") interval, as lifelines computes it
    v = pl.col("survival").log()
    spread = z * pl.col("_var").sqrt() / v
    lower = (-((-v).log() - spread).exp()).exp()
    upper = (-((-v).log() + spread).exp()).exp()
    ok = (pl.col("survival") > 0) & (pl.col("survival") < 1)
    return table.with_columns(
        pl.when(ok).then(lower).when(pl.col("survival") <= 0).then(0.0).otherwise(1.0)
        .alias("ci_low"),
        pl.when(ok).then(upper).when(pl.col("survival") <= 0).then(0.0).otherwise(1.0)
        .alias("ci_high"),
    ).select(_G, *_TABLE)


def _prepare(
    frame: pl.DataFrame | pl.LazyFrame, *, duration: str, event: str, by: Sequence[str]
) -> pl.DataFrame:
    """The groups, durations and events of the subjects with a duration, collected."""
    lf = frame.lazy()
    schema = lf.collect_schema()
    dtypes = [schema[b] for b in by]
    return lf.select(
        *[pl.when(pl.col(b) == 0).then(pl.lit(0, dtype=t)).otherwise(pl.col(b)).alias(b)
          if t.is_float() else pl.col(b) for b, t in zip(by, dtypes, strict=True)],  # -0.0 is 0.0
        pl.col(duration).cast(pl.Float64).alias(_T),
        pl.col(event).cast(pl.Boolean).fill_null(False).alias(_E),
    ).filter(pl.col(_T).is_not_null() & pl.col(_T).is_not_nan()).collect()


def _lazy_table(
    frame: pl.DataFrame | pl.LazyFrame, *, duration: str, event: str,
    by: str | Sequence[str] | None, alpha: float,
) -> tuple[list[str], pl.DataFrame, pl.LazyFrame]:
    """The grouping columns, each group's values by ``__group`` (one integer per group)
    and the (lazy) event table of :func:`km_table` by ``__group``."""
    groups = [by] if isinstance(by, str) else list(by or [])
    if taken := [g for g in groups if g in (*_TABLE, *_MEDIANS, _E, _G)]:
        raise ValueError(f"a grouping column cannot be named {taken[0]!r}: the Kaplan–Meier "
                         "table has a column of that name")
    z = normal_quantile(1 - alpha / 2) if alpha != 0.05 else Z95
    counts, keys = _distinct_times(_prepare(frame, duration=duration, event=event, by=groups),
                                   by=groups)
    return groups, keys, _event_table(counts, by=groups, z=z)


def km_table(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    duration: str,
    event: str,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """The Kaplan–Meier survival table, one row per group and distinct duration.

    Parameters
    ----------
    frame
        One row per subject (lead).
    duration
        Column with the observed time (event time, or time observed so far when
        censored). Rows with a missing duration are left out; count them yourself if
        they matter.
    event
        Boolean column: true when the event happened, false when censored.
    by
        Optional grouping column(s); each group gets its own curve.
    alpha
        1 − confidence level of the pointwise interval (exponential Greenwood).

    Returns
    -------
    polars.DataFrame
        ``[by…], time, at_risk, events, censored, survival, ci_low, ci_high`` sorted by
        group and time; ``survival`` is S(t) just after ``time``.

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"h": [1.0, 2.0, 2.0, 5.0], "touched": [True, True, False, True]})
    >>> km_table(t, duration="h", event="touched")["survival"].round(3).to_list()
    [0.75, 0.5, 0.0]
    """
    groups, keys, table = _lazy_table(frame, duration=duration, event=event, by=by,
                                      alpha=alpha)
    table = table.collect()
    if not groups:
        return table.drop(_G)
    return table.join(keys, on=_G, how="left", maintain_order="left").select(*groups, *_TABLE)


def km_medians(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    duration: str,
    event: str,
    by: str | Sequence[str] | None = None,
    q: float = 0.5,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Median (or another survival quantile) per group, with its 95% interval.

    The median is the first time at which the curve falls to ``q`` or below; its
    interval comes from the same times on the interval's curves. Each is null when the
    curve never gets that low (more than ``q`` of the group is still waiting).

    Returns
    -------
    polars.DataFrame
        ``[by…], n, events, median, ci_low, ci_high`` (``median`` is the time at survival
        ``q``; for ``q=0.25`` it is the time by which 75% had the event).

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"h": [1.0, 2.0, 3.0, 4.0], "e": [True] * 4, "g": ["a"] * 4})
    >>> km_medians(t, duration="h", event="e", by="g").select("g", "n", "median").row(0)
    ('a', 4, 2.0)
    """
    groups, keys, table = _lazy_table(frame, duration=duration, event=event, by=by,
                                      alpha=alpha)
    aggs = [
        pl.col("at_risk").first().alias("n"),
        pl.col("events").sum().alias("events"),
        pl.col(_T).filter(pl.col("survival") <= q).min().alias("median"),
        pl.col(_T).filter(pl.col("ci_low") <= q).min().alias("ci_low"),
        pl.col(_T).filter(pl.col("ci_high") <= q).min().alias("ci_high"),
    ]
    if groups:
        out = keys.lazy().join(table.group_by(_G).agg(aggs), on=_G, how="left",
                               maintain_order="left").drop(_G)
    else:
        out = table.select(aggs)
    out = out.collect()
    if not groups:  # no usable durations: one row of nulls, n = 0
        out = out.with_columns(pl.col("n").fill_null(0))
    return out


class KaplanMeier:
    """Kaplan–Meier estimator of the share still waiting after each duration.

    Shaped like ``lifelines.KaplanMeierFitter``: :meth:`fit` returns ``self``; fitted
    results end in ``_``. Plotting lives in the chart builders.

    Parameters
    ----------
    alpha
        1 − confidence level for the pointwise interval and the median's interval.

    Attributes
    ----------
    survival_function_ : polars.DataFrame
        ``time, at_risk, events, censored, survival, ci_low, ci_high``.
    median_ : float or None
        First time at which the curve falls to 0.5 or below; ``None`` if it never does
        (lifelines returns ``inf`` there).
    median_ci_ : tuple of (float or None, float or None)
    n_, events_ : int
        Subjects used and events observed.

    Examples
    --------
    >>> km = KaplanMeier().fit([1.0, 2.0, 2.0, 5.0], [True, True, False, True])
    >>> km.median_, km.n_, km.events_
    (2.0, 4, 3)
    """

    def __init__(self, *, alpha: float = 0.05) -> None:
        self.alpha = alpha

    def fit(
        self,
        durations: Sequence[float] | pl.Series,
        event_observed: Sequence[bool] | pl.Series | None = None,
    ) -> KaplanMeier:
        """Fit on durations and event flags (all events when ``event_observed`` is None).

        Raises
        ------
        ValueError
            When the two lengths differ or a duration is negative.
        """
        d = pl.Series("d", durations, dtype=pl.Float64)
        e = (pl.Series("e", [True] * len(d), dtype=pl.Boolean) if event_observed is None
             else pl.Series("e", event_observed).cast(pl.Boolean))
        if len(d) != len(e):
            raise ValueError("durations and event_observed must have the same length")
        if (d < 0).any():
            raise ValueError("durations must not be negative")
        frame = pl.DataFrame({"d": d, "e": e})
        self.survival_function_ = km_table(frame, duration="d", event="e", alpha=self.alpha)
        med = km_medians(frame, duration="d", event="e", alpha=self.alpha).row(0, named=True)
        self.n_ = int(d.drop_nulls().drop_nans().len())
        self.events_ = int(self.survival_function_["events"].sum())
        self.median_ = med["median"]
        self.median_ci_ = (med["ci_low"], med["ci_high"])
        return self

    def percentile(self, p: float) -> float | None:
        """The first time at which the share still waiting is ``p`` or less.

        As in lifelines, ``percentile(0.5)`` is the median and ``percentile(0.1)`` the
        time by which 90% had the event. ``None`` if the curve never gets that low.
        """
        sf = self.survival_function_
        hit = sf.filter(pl.col("survival") <= p)
        return None if hit.height == 0 else float(hit["time"][0])

    def survival_at(self, t: float) -> float:
        """S(t): the estimated share still waiting just after time ``t``."""
        sf = self.survival_function_.filter(pl.col("time") <= t)
        return 1.0 if sf.height == 0 else float(sf["survival"][-1])

