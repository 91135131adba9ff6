"""Speed to lead: conversion by response bucket, raw and adjusted for the lead mix.

Fast responders often also get the better sources (or the better-fitting leads), so a
raw "speed pays" curve may be partly a mix effect: :class:`ResponseCurve` adjusts it by
direct stratified standardisation (:func:`standardised`), which the SLA loss estimate
and the owners' scorecard use too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl

from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.times import BUCKETS, UNKNOWN, Leads, outcomes, response_lf
from funnel.dataset.labels import NONE_LABEL
from funnel.stats.intervals import Z95, wilson_exprs

__all__ = [
    "ResponseCurve",
    "log_ratio",
    "standardised",
    "strata_key",
]


def strata_key(lf: pl.LazyFrame, strata: Sequence[str], profile: str | None) -> pl.Expr:
    """The ``_stratum`` key: the strata columns and the profile-fit flag, as text."""
    cols = lf.collect_schema().names()
    parts: list[pl.Expr] = []
    for s in strata:
        if s not in cols:
            raise ValueError(f"cannot adjust for {s!r}: no such column")
        parts.append(pl.col(s).cast(pl.String).fill_null(NONE_LABEL))
    if profile is not None:
        if profile not in cols:
            raise ValueError(f"no profile-fit column {profile!r}")
        parts.append(pl.col(profile).cast(pl.Boolean).cast(pl.String).fill_null("(unknown)"))
    if not parts:
        return pl.lit("all").alias("_stratum")
    return pl.concat_str(parts, separator="\x1f").alias("_stratum")



def standardised(cells: pl.DataFrame, *, group: str, z: float = Z95) -> pl.DataFrame:
    """Direct standardisation: per ``group``, Σ w_s·r_gs over the strata seen in the group,
    weights = stratum share of all leads renormalised over those strata.

    ``cells`` has ``group, _stratum, n, k``. The interval is Wilson's on the effective
    sample size ``1 / Σ (w_s² / n_gs)`` (the size a simple sample with the same variance
    under equal rates would have).
    """
    total = cells["n"].sum()
    w = cells.group_by("_stratum").agg((pl.col("n").sum() / total).alias("_w"))
    c = cells.join(w, on="_stratum").filter(pl.col("n") > 0)
    g = c.group_by(group).agg(
        pl.col("n").sum().alias("leads"),
        pl.col("k").sum().alias("successes"),
        pl.col("_w").sum().alias("coverage"),
        ((pl.col("_w") * pl.col("k") / pl.col("n")).sum() / pl.col("_w").sum()).alias("rate"),
        (1.0 / ((pl.col("_w") / pl.col("_w").sum()) ** 2 / pl.col("n")).sum()).alias("n_eff"),
    )
    return g.with_columns(
        *wilson_exprs(pl.col("rate") * pl.col("n_eff"), "n_eff", z=z),
        (pl.col("rate") * (1 - pl.col("rate")) / pl.col("n_eff")).alias("_var"),
    )



def log_ratio(r1, v1, r2, v2, z: float = Z95) -> tuple[float | None, float | None, float | None]:
    """Ratio r1/r2 with a delta-method log interval (Katz's for raw proportions)."""
    if not r1 or not r2 or r1 <= 0 or r2 <= 0 or v1 is None or v2 is None:
        return None, None, None
    se = math.sqrt(v1 / r1**2 + v2 / r2**2)
    ratio = r1 / r2
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)



class ResponseCurve:
    """Conversion rate per response bucket, raw and adjusted for source and profile mix.

    Fast responders often also get the better sources (or the better-fitting leads), so
    a raw "speed pays" curve may be partly a mix effect. The adjusted curve uses
    **direct stratified standardisation**: within each stratum (source × profile-fit
    flag) the bucket's rate is computed, then averaged with the weights of the strata in
    *all* leads (renormalised over the strata present in the bucket; ``coverage`` says
    how much of the standard population that is). Shaped like lifelines: ``fit``
    returns self, fitted results end in ``_``; charts live in
    :mod:`funnel.charts.response`.

    Parameters
    ----------
    target
        ``"qualified"`` (reached sql or later; needs stage information) or ``"won"``.
    strata
        Lead columns to adjust for (default: ``source``).
    profile
        Optional name of a boolean column: the lead fits the closable-lead profile.
    clock, now
        Business-hours clock (``None`` = wall-clock hours) and the export's end.
    fast, slow
        The buckets compared in the sentence (default: within 1 h vs 24 h or later).

    Attributes
    ----------
    table_ : polars.DataFrame
        ``bucket, leads, successes, rate, ci_low, ci_high, adjusted_rate, adj_ci_low,
        adj_ci_high, coverage``.
    ratio_raw_, ratio_adjusted_ : tuple
        ``(ratio, low, high)`` of the fast over the slow group's rate (None if undefined).
    story_changed_ : bool
        Whether the adjustment changes the story (see :attr:`story_`).
    story_ : str
        One sentence saying what the adjustment does to the fast-vs-slow gap.
    strata_ : list of str
        The adjustment variables used. ``n_`` leads used.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> rc = ResponseCurve().fit(load_sample().leads)
    >>> rc.table_["bucket"].to_list()[:2], rc.ratio_raw_[0] > 1
    (['0-1h', '1-4h'], True)
    """

    def __init__(
        self,
        *,
        target: str = "qualified",
        strata: Sequence[str] = ("source",),
        profile: str | None = None,
        clock: BusinessClock | None = None,
        now: dt.datetime | None = None,
        fast: Sequence[str] = ("0-1h",),
        slow: Sequence[str] = ("1-3d", "3d+"),
    ) -> None:
        if target not in ("qualified", "won"):
            raise ValueError(f"target must be 'qualified' or 'won', got {target!r}")
        self.target = target
        self.strata = tuple(strata)
        self.profile = profile
        self.clock = clock
        self.now = now
        self.fast = tuple(fast)
        self.slow = tuple(slow)

    def fit(self, leads: Leads) -> ResponseCurve:
        """Fit on a lead table; returns ``self``.

        Raises
        ------
        ValueError
            When the target cannot be told from the data (no stage information for
            ``qualified``, no outcomes for ``won``) or an adjustment column is missing.
        """
        lf = response_lf(leads, clock=self.clock, end=self.now)
        won, qual, has_out, has_stage = outcomes(lf)
        if self.target == "qualified" and not has_stage:
            raise ValueError("no stage information (sql_at, opportunity_at or stage): "
                             "qualified leads cannot be counted; use target='won'")
        if self.target == "won" and not has_out:
            raise ValueError("no outcomes: wins cannot be counted")
        success = qual if self.target == "qualified" else won
        cols = lf.collect_schema().names()
        self.strata_ = [s for s in self.strata if s in cols]
        missing = [s for s in self.strata if s not in cols]
        if missing:
            raise ValueError(f"cannot adjust for {', '.join(missing)}: no such column")
        if self.profile is not None:
            self.strata_.append(self.profile)
        lf = lf.with_columns(strata_key(lf, self.strata, self.profile), success.alias("_k"))
        compare = (pl.when(pl.col("_bucket").is_in(self.fast)).then(pl.lit("fast"))
                   .when(pl.col("_bucket").is_in(self.slow)).then(pl.lit("slow"))
                   .otherwise(pl.lit("other")).alias("_cmp"))
        cells = (lf.with_columns(compare)
                 .group_by("_bucket", "_cmp", "_stratum")
                 .agg(pl.len().alias("n"), pl.col("_k").sum().alias("k"))
                 .collect())
        self.n_ = int(cells["n"].sum())
        by_bucket = cells.group_by("_bucket", "_stratum").agg(pl.col("n", "k").sum())
        adj = standardised(by_bucket, group="_bucket")
        raw = by_bucket.group_by("_bucket").agg(pl.col("n").sum().alias("leads"),
                                                pl.col("k").sum().alias("successes"))
        names = [b for b in (*BUCKETS, UNKNOWN) if b in raw["_bucket"].to_list()
                 or b in BUCKETS]
        table = (pl.DataFrame({"bucket": names})
                 .join(raw.rename({"_bucket": "bucket"}), on="bucket", how="left",
                       maintain_order="left")
                 .join(adj.select(pl.col("_bucket").alias("bucket"),
                                  pl.col("rate").alias("adjusted_rate"),
                                  pl.col("ci_low").alias("adj_ci_low"),
                                  pl.col("ci_high").alias("adj_ci_high"), "coverage"),
                       on="bucket", how="left", maintain_order="left")
                 .with_columns(pl.col("leads").fill_null(0).cast(pl.Int64),
                               pl.col("successes").fill_null(0).cast(pl.Int64)))
        self.table_ = table.with_columns(
            pl.when(pl.col("leads") > 0).then(pl.col("successes") / pl.col("leads"))
            .alias("rate"), *wilson_exprs("successes", "leads"),
        ).select("bucket", "leads", "successes", "rate", "ci_low", "ci_high",
                 "adjusted_rate", "adj_ci_low", "adj_ci_high", "coverage")

        by_cmp = cells.group_by("_cmp", "_stratum").agg(pl.col("n", "k").sum())
        adj_c = {r["_cmp"]: r for r in standardised(by_cmp, group="_cmp").to_dicts()}
        raw_c = {r["_cmp"]: r for r in by_cmp.group_by("_cmp").agg(pl.col("n", "k").sum())
                 .to_dicts()}

        def raw_rv(g):
            r = raw_c.get(g)
            if not r or r["n"] == 0:
                return None, None
            p = r["k"] / r["n"]
            return p, p * (1 - p) / r["n"]

        self.ratio_raw_ = log_ratio(*raw_rv("fast"), *raw_rv("slow"))
        a_f, a_s = adj_c.get("fast"), adj_c.get("slow")
        self.ratio_adjusted_ = (log_ratio(a_f["rate"], a_f["_var"], a_s["rate"], a_s["_var"])
                                if a_f and a_s else (None, None, None))
        self.story_changed_, self.story_ = self._story()
        return self

    def _story(self) -> tuple[bool, str]:
        what = "qualify" if self.target == "qualified" else "be won"
        mix = " and ".join([*(s for s in self.strata), *(["profile fit"] if self.profile else [])])
        mix = mix or "nothing"
        fast = "/".join(self.fast)
        slow = "/".join(self.slow)
        r, rl, rh = self.ratio_raw_
        a, al, ah = self.ratio_adjusted_
        if r is None or a is None:
            return False, (f"Too few leads (or no {self.target} leads) in {fast} or {slow} to "
                           "compare fast and slow responses.")
        raw_sig = rl > 1 or rh < 1
        adj_sig = al > 1 or ah < 1
        flipped = (r > 1) != (a > 1) and adj_sig
        shrunk = abs(math.log(a)) < 0.5 * abs(math.log(r))
        head = (f"Leads touched within {fast} {what} {r:.1f}× as often as those touched "
                f"{slow} (raw)")
        if flipped:
            return True, (f"{head}, but after adjusting for {mix} the direction reverses "
                          f"({a:.2f}×, 95% CI {al:.2f}–{ah:.2f}): the raw gap is a mix effect.")
        if raw_sig and not adj_sig:
            return True, (f"{head}; adjusted for {mix} the gap is {a:.1f}× and no longer "
                          f"distinguishable from none (95% CI {al:.2f}–{ah:.2f}): the raw gap "
                          "is largely a mix effect.")
        if shrunk:
            return True, (f"{head}; adjusted for {mix} the gap shrinks to {a:.1f}× (95% CI "
                          f"{al:.1f}–{ah:.1f}): much of the raw gap comes from who gets the "
                          "fast responses.")
        return False, (f"{head}; adjusted for {mix} it is still {a:.1f}× (95% CI {al:.1f}–"
                       f"{ah:.1f}): the speed effect is not explained by the mix.")

