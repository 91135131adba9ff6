"""Quality or handling? The numbers behind the diagnosis page.

* :func:`quality_handling` — the 2×2 of profile fit × fast/slow first touch, with win
  (and qualified) rates, intervals and counts;
* :func:`mix_vs_handling` — the gap between the best and the worst source split into
  the part explained by lead mix (profile fit), the part explained by handling (share
  answered fast) and the rest (Kitagawa decomposition, bootstrap intervals);
* :func:`score_check` and :func:`pipeline_check` — does marketing's score predict, and
  does opened pipeline realise;
* :func:`what_if` — a scenario (never a forecast) from the observed rates per cell.

Pure functions over a :class:`~funnel.dataset.tables.Dataset` and per-lead flags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from funnel.analyses.speed.times import response_times
from funnel.dataset.labels import NONE_LABEL
from funnel.dataset.stages import has_qualification, reached_exprs, stages_present
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.intervals import Z95, wilson_exprs
from funnel.stats.tests import auc_interval

FIT = ("in profile", "out of profile")
SPEED = ("fast", "slow or never")


def lead_flags(
    ds: Dataset,
    *,
    in_profile: np.ndarray | pl.Series | None,
    fast_hours: float = 1.0,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Per lead: ``fit``, ``speed`` (first touch within ``fast_hours``), ``won``,
    ``qualified`` and ``source`` — the cells every view on this page works on.

    ``speed`` is null without first-touch times; ``fit`` is null without a profile.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> lead_flags(load_sample(), in_profile=None).columns
    ['source', 'fit', 'speed', 'won', 'qualified', 'amount']
    """
    leads = ds.leads
    reached = reached_exprs(leads)
    cols = set(leads.columns)
    if "first_response_at" in cols and "created_at" in cols:

        hours = response_times(leads, now=now)["response_hours"]
        speed = pl.when(hours < fast_hours).then(pl.lit(SPEED[0])).otherwise(pl.lit(SPEED[1]))
        speed_s = pl.select(speed.alias("speed")).to_series()
    else:
        speed_s = pl.Series("speed", [None] * leads.height, dtype=pl.String)
    if in_profile is None:
        fit_s = pl.Series("fit", [None] * leads.height, dtype=pl.String)
    else:
        flags = pl.Series(in_profile).cast(pl.Boolean)
        fit_s = pl.select(pl.when(flags).then(pl.lit(FIT[0])).otherwise(pl.lit(FIT[1]))
                          .alias("fit")).to_series()
    has_q = has_qualification(leads)
    return leads.select(
        (pl.col("source").cast(pl.String).fill_null(NONE_LABEL) if "source" in cols
         else pl.lit(NONE_LABEL)).alias("source"),
        fit_s.alias("fit"), speed_s.alias("speed"),
        reached["won"].alias("won"),
        (reached["sql"] if has_q else pl.lit(None, pl.Boolean)).alias("qualified"),
        (pl.col("amount").cast(pl.Float64) if "amount" in cols else pl.lit(None, pl.Float64))
        .alias("amount"),
    )


def quality_handling(flags: pl.DataFrame) -> pl.DataFrame:
    """Win (and qualified) rates in the 2×2 of profile fit × first-touch speed.

    Returns
    -------
    polars.DataFrame
        ``fit, speed, leads, won, rate, ci_low, ci_high, qualified, qualified_rate``,
        four rows in a fixed order (a cell with no leads has ``leads = 0``).

    Examples
    --------
    >>> f = pl.DataFrame({"fit": ["in profile", "out of profile"], "speed": ["fast"] * 2,
    ...                   "won": [True, False], "qualified": [True, False]})
    >>> quality_handling(f).filter(pl.col("leads") > 0)["rate"].to_list()
    [1.0, 0.0]
    """
    cells = pl.DataFrame({"fit": [f for f in FIT for _ in SPEED],
                          "speed": [s for _ in FIT for s in SPEED]})
    agg = flags.filter(pl.col("fit").is_not_null() & pl.col("speed").is_not_null()).group_by(
        "fit", "speed").agg(pl.len().alias("leads"), pl.col("won").sum().alias("won"),
                            pl.col("qualified").sum().alias("qualified"),
                            pl.col("qualified").is_not_null().any().alias("_hasq"))
    out = cells.join(agg, on=["fit", "speed"], how="left").with_columns(
        pl.col("leads").fill_null(0).cast(pl.Int64), pl.col("won").fill_null(0).cast(pl.Int64))
    return out.with_columns(
        pl.when(pl.col("leads") > 0).then(pl.col("won") / pl.col("leads")).alias("rate"),
        *wilson_exprs("won", "leads"),
        pl.when(pl.col("_hasq")).then(pl.col("qualified")).cast(pl.Int64).alias("qualified"),
    ).with_columns(
        pl.when(pl.col("leads") > 0).then(pl.col("qualified") / pl.col("leads"))
        .alias("qualified_rate"),
    ).select("fit", "speed", "leads", "won", "rate", "ci_low", "ci_high", "qualified",
             "qualified_rate")


@dataclass
class Decomposition:
    """The gap between two groups' win rates, split into parts (each with an interval)."""

    best: str
    worst: str
    best_rate: float
    worst_rate: float
    best_n: int
    worst_n: int
    gap: float
    parts: pl.DataFrame  # part, value, ci_low, ci_high, share_of_gap


def _kitagawa(cb: np.ndarray, kb: np.ndarray, cw: np.ndarray, kw: np.ndarray) -> np.ndarray:
    """Parts of the rate gap from cell counts (rows: fit, cols: speed): lead mix,
    handling, within-cell rates. Counts arrays are 2×2 (leads, wins)."""
    nb, nw = cb.sum(), cw.sum()
    pooled = np.divide(kb + kw, cb + cw, out=np.zeros_like(cb, float), where=(cb + cw) > 0)
    rb = np.divide(kb, cb, out=pooled.copy(), where=cb > 0)
    rw = np.divide(kw, cw, out=pooled.copy(), where=cw > 0)
    wb, ww = cb / nb, cw / nw
    rbar = (rb + rw) / 2
    composition = ((wb - ww) * rbar).sum()
    fb, fw = wb.sum(axis=1), ww.sum(axis=1)  # fit shares
    fit_rate = np.divide((kb + kw).sum(axis=1), (cb + cw).sum(axis=1),
                         out=np.zeros(2), where=(cb + cw).sum(axis=1) > 0)
    mix = ((fb - fw) * fit_rate).sum()
    handling = composition - mix
    within = ((rb - rw) * (wb + ww) / 2).sum()
    return np.array([mix, handling, within])


def mix_vs_handling(
    flags: pl.DataFrame,
    *,
    by: str = "source",
    min_n: int = 100,
    n_boot: int = 400,
    seed: int = 5,
) -> Decomposition | None:
    """Split the win-rate gap between the best and worst group into lead mix, handling
    and the rest.

    Cells are profile fit × first-touch speed. *Lead mix* is the part of the gap that
    the groups' different shares of in-profile leads explain (at pooled rates);
    *handling* is the part their different shares of fast-answered leads explain,
    given fit; *the rest* is the difference in rates within the same cell (what neither
    explains: product, sales skill, chance). The three add up to the gap. Intervals come
    from a parametric bootstrap of the cell counts. Groups need ``min_n`` leads with
    known fit and speed; ``None`` when fewer than two qualify.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
    >>> from funnel.analyses.profile.fit import ProfileFit
    >>> ds = load_sample()
    >>> fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(ds)
    >>> d = mix_vs_handling(lead_flags(ds, in_profile=fit.in_profile_))
    >>> round(float(d.parts["value"].sum()), 6) == round(d.gap, 6)
    True
    """
    known = flags.filter(pl.col("fit").is_not_null() & pl.col("speed").is_not_null())
    groups = known.group_by(by).agg(pl.len().alias("n"), pl.col("won").mean().alias("rate")
                                    ).filter(pl.col("n") >= min_n).sort("rate")
    if groups.height < 2:
        return None
    worst, best = groups[by][0], groups[by][-1]

    def cells(name: str) -> tuple[np.ndarray, np.ndarray]:
        g = known.filter(pl.col(by) == name)
        c, k = np.zeros((2, 2)), np.zeros((2, 2))
        for r in g.group_by("fit", "speed").agg(pl.len().alias("n"),
                                                 pl.col("won").sum().alias("k")).iter_rows(
                named=True):
            i, j = FIT.index(r["fit"]), SPEED.index(r["speed"])
            c[i, j], k[i, j] = r["n"], r["k"]
        return c, k

    cb, kb = cells(best)
    cw, kw = cells(worst)
    point = _kitagawa(cb, kb, cw, kw)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        sims = []
        for c, k in ((cb, kb), (cw, kw)):
            n = int(c.sum())
            cc = rng.multinomial(n, (c / n).ravel()).reshape(2, 2).astype(float)
            p = np.divide(k, c, out=np.zeros_like(c), where=c > 0)
            kk = rng.binomial(cc.astype(int), p).astype(float)
            sims += [cc, kk]
        draws.append(_kitagawa(*sims))
    lo, hi = np.percentile(np.array(draws), [2.5, 97.5], axis=0)
    gap = float(kb.sum() / cb.sum() - kw.sum() / cw.sum())
    parts = pl.DataFrame({
        "part": ["lead mix (profile fit)", "handling (answered fast)", "the rest (within cell)"],
        "value": point, "ci_low": lo, "ci_high": hi,
        "share_of_gap": point / gap if gap else [None] * 3,
    })
    return Decomposition(best=str(best), worst=str(worst), best_rate=float(kb.sum() / cb.sum()),
                         worst_rate=float(kw.sum() / cw.sum()), best_n=int(cb.sum()),
                         worst_n=int(cw.sum()), gap=gap, parts=parts)


def score_check(ds: Dataset, *, bins: int = 10) -> dict | None:
    """Does marketing's score predict winning? AUC with interval, win rate per score
    decile (with Wilson intervals) and the threshold that best separates winners.

    ``None`` without a score or outcomes.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> out = score_check(load_sample())
    >>> 0.5 < out["auc"] < 0.6
    True
    """

    leads = ds.leads
    if "score" not in leads.columns or "outcome" not in leads.columns:
        return None
    won = leads.select(reached_exprs(leads)["won"]).to_series()
    frame = pl.DataFrame({"score": leads["score"].cast(pl.Float64), "won": won}).filter(
        pl.col("score").is_not_null() & pl.col("score").is_not_nan())
    if frame.height == 0 or frame["won"].sum() == 0 or frame["won"].all():
        return None
    auc, lo, hi = auc_interval(frame["score"].to_numpy(), frame["won"].to_numpy())
    band = ((pl.col("score").rank("min") - 1) * bins / pl.len()).floor().cast(pl.Int32)
    deciles = (frame.with_columns(band.alias("band"))  # ties share a band
               .group_by("band").agg(pl.col("score").min().alias("from"),
                                     pl.col("score").max().alias("to"),
                                     pl.len().alias("leads"), pl.col("won").sum().alias("won"))
               .sort("from").with_columns((pl.col("won") / pl.col("leads")).alias("rate"),
                                          *wilson_exprs("won", "leads")))
    # Youden's J over distinct thresholds
    s = frame.sort("score", descending=True)
    pos, neg = int(s["won"].sum()), s.height - int(s["won"].sum())
    cum = s.group_by("score", maintain_order=True).agg(pl.col("won").sum().alias("w"),
                                                       pl.len().alias("n")).with_columns(
        (pl.col("w").cum_sum() / pos).alias("tpr"),
        ((pl.col("n") - pl.col("w")).cum_sum() / neg).alias("fpr"))
    best = cum.with_columns((pl.col("tpr") - pl.col("fpr")).alias("j")).sort(
        "j", descending=True).row(0, named=True)
    return {"auc": auc, "ci_low": lo, "ci_high": hi, "n": frame.height, "won": pos,
            "deciles": deciles, "threshold": best["score"], "tpr": best["tpr"],
            "fpr": best["fpr"]}


def pipeline_check(ds: Dataset, *, now: dt.datetime | None = None) -> pl.DataFrame | None:
    """Opportunities by age: how many closed, the win rate of the closed ones, and the
    open pipeline's expected value at that win rate vs its face value.

    Age is days from ``opportunity_at`` to close, or to the export's end for open ones.
    ``won_value`` is what the closed ones realised; ``expected_value`` what the open ones
    are worth at their age's win rate. ``None`` without opportunity dates.

    Returns
    -------
    polars.DataFrame
        ``age, opportunities, closed, won, win_rate, ci_low, ci_high, won_value, open,
        open_value, expected_value``.
    """
    leads = ds.leads
    if "opportunity_at" not in leads.columns or "outcome" not in leads.columns:
        return None

    end = export_end(ds, now=now)
    close = pl.coalesce([c for c in ("closed_at", "won_at", "lost_at") if c in leads.columns]
                        or [pl.lit(None, pl.Datetime("us"))])
    opps = leads.filter(pl.col("opportunity_at").is_not_null()).with_columns(
        ((pl.coalesce(close, pl.lit(end)) - pl.col("opportunity_at")).dt.total_hours() / 24)
        .alias("days"),
        pl.col("outcome").is_in(["won", "lost"]).fill_null(False).alias("closed"),
        (pl.col("outcome") == "won").fill_null(False).alias("won"),
        (pl.col("amount").cast(pl.Float64) if "amount" in leads.columns
         else pl.lit(None, pl.Float64)).alias("amount"))
    if opps.height == 0:
        return None
    edges = [30, 60, 90, 180]
    labels = ["0-30 d", "30-60 d", "60-90 d", "90-180 d", "180+ d"]
    band = pl.col("days").bin_intervals(edges, labels=labels).cast(pl.String)
    out = opps.group_by(band.alias("age")).agg(
        pl.len().alias("opportunities"), pl.col("closed").sum().alias("closed"),
        pl.col("won").sum().alias("won"), (~pl.col("closed")).sum().alias("open"),
        pl.col("amount").filter(~pl.col("closed")).sum().alias("open_value"),
        pl.col("amount").filter(pl.col("won")).sum().alias("won_value"),
    ).with_columns(pl.col("age").cast(pl.String)).with_columns(
        pl.when(pl.col("closed") > 0).then(pl.col("won") / pl.col("closed")).alias("win_rate"),
        *wilson_exprs("won", "closed"),
    ).with_columns((pl.col("open_value") * pl.col("win_rate")).alias("expected_value"))
    order = pl.DataFrame({"age": labels})
    return order.join(out, on="age", how="inner", maintain_order="left").select(
        "age", "opportunities", "closed", "won", "win_rate", "ci_low", "ci_high", "won_value",
        "open", "open_value", "expected_value")


QUALIFICATION = r"(?i)budget|authority|decision|need|pain|timeline|timeframe|time frame|purchase"


def qualification_gaps(ds: Dataset) -> pl.DataFrame | None:
    """Opportunities lacking qualification fields (budget, authority, need, timeline …).

    Among leads that reached ``opportunity``, per attribute whose name reads as a
    qualification field: how many opportunities leave it empty (with a 95% interval),
    and the win rate of closed ones with and without it; plus a row for opportunities
    missing any of them. ``None`` without opportunities or such fields.

    Returns
    -------
    polars.DataFrame
        ``field, opportunities, missing, missing_share, ci_low, ci_high, win_rate_filled,
        win_rate_missing``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> qualification_gaps(load_sample())["field"].to_list()[-1]
    '(any of them)'
    """
    leads = ds.leads
    fields = [c for c in ds.attributes if c in leads.columns
              and pl.select(pl.lit(c).str.contains(QUALIFICATION)).item()]
    if not fields or "opportunity" not in stages_present(leads):
        return None
    reached = reached_exprs(leads)
    opps = leads.filter(reached["opportunity"]).with_columns(
        pl.col("outcome").is_in(["won", "lost"]).fill_null(False).alias("_closed"),
        (pl.col("outcome") == "won").fill_null(False).alias("_won"))
    if opps.height == 0:
        return None
    missing = {f: pl.col(f).is_null() for f in fields}
    missing["(any of them)"] = pl.any_horizontal(*[pl.col(f).is_null() for f in fields])
    rows = []
    for name, expr in missing.items():
        t = opps.select(expr.alias("m"), "_closed", "_won")
        closed = t.filter(pl.col("_closed"))

        def rate(mask: pl.Expr, frame: pl.DataFrame = closed) -> float | None:
            part = frame.filter(mask)
            return float(part["_won"].mean()) if part.height else None

        rows.append({"field": name, "opportunities": t.height, "missing": int(t["m"].sum()),
                     "win_rate_filled": rate(~pl.col("m")), "win_rate_missing": rate(pl.col("m"))})
    out = pl.DataFrame(rows)
    return out.with_columns((pl.col("missing") / pl.col("opportunities")).alias("missing_share"),
                            *wilson_exprs("missing", "opportunities")).select(
        "field", "opportunities", "missing", "missing_share", "ci_low", "ci_high",
        "win_rate_filled", "win_rate_missing")


def _cells(known: pl.DataFrame, *, by_fit: bool) -> tuple[np.ndarray, dict, float, float]:
    """Lead counts ``n`` (sources × fit groups × (fast, slow or never)), the successes of
    each measure in the same cells, and the mean and variance of a won deal's amount."""
    source = pl.col("source").cast(pl.String).fill_null(NONE_LABEL)
    sources = (known.select(source.unique().sort()).to_series().to_list()
               if "source" in known.columns else [])
    frame = known.with_columns(
        (source.replace_strict(sources, list(range(len(sources))))
         if sources else pl.lit(0)).cast(pl.Int64).alias("_g"),
        (pl.col("fit").eq(FIT[1]).cast(pl.Int64) if by_fit else pl.lit(0)).alias("_f"),
        pl.col("speed").eq(SPEED[1]).cast(pl.Int64).alias("_s"))
    agg = frame.group_by("_g", "_f", "_s").agg(
        pl.len().alias("n"), pl.col("won").sum().alias("won"),
        pl.col("qualified").sum().alias("qualified"))
    shape = (max(len(sources), 1), 2 if by_fit else 1, 2)
    idx = (agg["_g"].to_numpy(), agg["_f"].to_numpy(), agg["_s"].to_numpy())
    n, k = np.zeros(shape), {"won": np.zeros(shape)}
    n[idx] = agg["n"].to_numpy()
    k["won"][idx] = agg["won"].to_numpy()
    if known["qualified"].is_not_null().any():
        k["qualified"] = np.zeros(shape)
        k["qualified"][idx] = agg["qualified"].fill_null(0).to_numpy()
    amounts = known.filter(pl.col("won"))["amount"].drop_nulls().to_numpy()
    mean = float(amounts.mean()) if amounts.size else float("nan")
    var = float(amounts.var(ddof=1)) / amounts.size if amounts.size > 1 else 0.0
    return n, k, mean, var


def _shift(a: np.ndarray, b: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Move the share ``alpha`` of ``b`` to ``a`` (``alpha < 0``: ``-alpha`` of ``a`` to
    ``b``); ``alpha = 0`` returns the counts unchanged, to the last bit."""
    if alpha >= 0:
        return a + alpha * b, b - alpha * b
    return a + alpha * a, b - alpha * a


def _alpha(observed: float, target: float | None) -> float:
    """The share of each group moved so that the overall share goes from ``observed`` to
    ``target``: every group closes the same fraction of its gap to 100% (or to 0%)."""
    if target is None or abs(target - observed) <= 1e-9:
        return 0.0
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"a share must be between 0 and 1, got {target}")
    return (target - observed) / (1 - observed) if target > observed else target / observed - 1


def _rate_cell(n: np.ndarray) -> np.ndarray:
    """For each cell, the flat index of the cell whose rate it takes: its own; when empty,
    the same group's other speed, else its source's other fit group (no effect is
    claimed where nothing was observed)."""
    idx = np.arange(n.size).reshape(n.shape)
    empty = n == 0
    for axis in (2, 1):
        idx = np.where(empty, np.flip(idx, axis), idx)
        empty = n.ravel()[idx] == 0
    return idx


def observed_shares(flags: pl.DataFrame) -> dict:
    """The shares :func:`what_if` starts from: answered fast and in profile (``None``
    without profile fit) among the leads it counts, and their number ``n``.

    Examples
    --------
    >>> f = pl.DataFrame({"fit": ["in profile", None], "speed": ["fast", "slow or never"]})
    >>> observed_shares(f)
    {'fast': 0.5, 'in_profile': None, 'n': 2}
    """
    known = flags.filter(pl.col("speed").is_not_null())
    if known["fit"].is_not_null().all() and known.height:
        fit = float((known["fit"] == FIT[0]).sum() / known.height)
    else:
        fit = None
    fast = float((known["speed"] == SPEED[0]).sum() / known.height) if known.height else None
    return {"fast": fast, "in_profile": fit, "n": known.height}


def what_if(
    flags: pl.DataFrame,
    *,
    fast_share: float | None = None,
    in_profile_share: float | None = None,
    cost: float | None = None,
    z: float = Z95,
) -> pl.DataFrame:
    """A scenario: qualified leads, wins, revenue and CAC had the share answered fast
    and/or the share in profile been different, at the observed rate of each cell.

    Cells are source × profile fit × first-touch speed (fast or slow/never). Lead
    volume stays as observed; to reach the overall ``fast_share``, every source × fit
    group moves the same fraction of its slow leads to fast (of its fast leads to slow
    when the share goes down), and likewise every source's fit mix for
    ``in_profile_share`` (moved first; the fast share is then set on the new mix). A
    moved lead converts at its new cell's observed rate; an empty cell takes its
    group's other speed's rate, so no effect is claimed where none was seen. At the
    observed shares (or ``None``) every ``change`` is exactly 0. This is the one model
    of what faster first touch is worth: the *speed* card's amount at stake is its
    ``change`` at ``fast_share=1.0``, an upper bound (it assumes leads answered late
    would convert as those answered fast do). A scenario, never a forecast.

    Leads need a known ``speed``; without profile fit (``fit`` all null) there is one
    fit group and ``in_profile_share`` must be ``None``.

    Intervals (``ci_low``, ``ci_high``) are 95% (``z``) normal intervals for the
    scenario: the observed count plus the change, whose variance sums each observed
    cell's rate variance (Agresti–Caffo: one success and one failure added, so an
    all-or-nothing cell still counts as uncertain) times the square of the leads moved
    onto or off its rate; revenue adds the uncertainty of the average won deal. The
    change of a scenario equal to the observed shares has a zero-width interval.

    Returns
    -------
    polars.DataFrame
        ``measure, n, observed, scenario, ci_low, ci_high, change`` for ``leads,
        qualified, won, revenue, cac`` (``n``: leads in the scenario; nulls where a
        measure cannot be computed: no stages, no amounts, no cost).

    Examples
    --------
    >>> f = pl.DataFrame({"fit": ["in profile", "out of profile"] * 2,
    ...     "speed": ["fast", "fast", "slow or never", "slow or never"],
    ...     "won": [True, False, False, False], "qualified": [True, True, False, False],
    ...     "amount": [100.0, None, None, None]})
    >>> what_if(f, fast_share=1.0).filter(pl.col("measure") == "won")["scenario"][0]
    2.0
    >>> what_if(f, fast_share=0.5)["change"].to_list()
    [0.0, 0.0, 0.0, 0.0, None]
    """
    known = flags.filter(pl.col("speed").is_not_null())
    by_fit = bool(known.height) and bool(known["fit"].is_not_null().all())
    if known.height == 0 or (in_profile_share is not None and not by_fit):
        raise ValueError("what-if needs first-touch speed for some leads (and profile fit "
                         "for every one of them to change the share in profile)")
    n, k, deal, deal_var = _cells(known, by_fit=by_fit)
    total = float(n.sum())
    m = n.sum(axis=2)  # leads per source × fit group
    moved = m.copy()
    if by_fit:
        moved[:, 0], moved[:, 1] = _shift(m[:, 0], m[:, 1],
                                          _alpha(m[:, 0].sum() / total, in_profile_share))
    split = n.sum(axis=1, keepdims=True) / n.sum(axis=(1, 2), keepdims=True)
    w = np.where(m[..., None] > 0, n * np.divide(moved, m, out=np.ones_like(m),
                                                  where=m > 0)[..., None],
                 moved[..., None] * split)
    w[..., 0], w[..., 1] = _shift(w[..., 0], w[..., 1],
                                  _alpha(w[..., 0].sum() / total, fast_share))
    at = _rate_cell(n).ravel()
    d = np.bincount(at, weights=(w - n).ravel(), minlength=n.size)  # leads moved per rate
    rows = {"leads": (total, total, 0.0, 0.0)}
    for name in ("qualified", "won"):
        if name not in k:
            rows[name] = (None, None, None, None)
            continue
        kk, nn = k[name].ravel(), n.ravel()
        rate = np.divide(kk, nn, out=np.zeros_like(nn), where=nn > 0)
        smooth = (kk + 1) / (nn + 2)
        change = float(d @ rate) if d.any() else 0.0
        rows[name] = (float(kk.sum()), float(kk.sum()) + change, change,
                      float((d ** 2) @ (smooth * (1 - smooth) / (nn + 2))))
    won = rows["won"]
    if np.isfinite(deal):
        revenue = float(known.filter(pl.col("won"))["amount"].drop_nulls().sum())
        var = deal ** 2 * won[3] + won[2] ** 2 * deal_var + won[3] * deal_var
        rows["revenue"] = (revenue, revenue + won[2] * deal, won[2] * deal, var)
    else:
        rows["revenue"] = (None, None, None, None)
    out = []
    for name, (obs, scen, change, var) in rows.items():
        half = z * float(np.sqrt(var)) if var is not None else None
        lo, hi = ((max(0.0, scen - half), scen + half) if half is not None else (None, None))
        if name in ("qualified", "won") and hi is not None:
            hi = min(hi, total)
        out.append((name, obs, scen, lo, hi, change))
    if cost and won[0]:
        lo, hi = out[2][3:5]
        out.append(("cac", cost / won[0], cost / won[1] if won[1] else None,
                    cost / hi if hi else None, cost / lo if lo else None,
                    cost / won[1] - cost / won[0] if won[1] else None))
    else:
        out.append(("cac", None, None, None, None, None))
    frame = pl.DataFrame(out, schema={"measure": pl.String, "observed": pl.Float64,
                                      "scenario": pl.Float64, "ci_low": pl.Float64,
                                      "ci_high": pl.Float64, "change": pl.Float64},
                         orient="row")
    return frame.select("measure", pl.lit(known.height, pl.Int64).alias("n"), "observed",
                        "scenario", "ci_low", "ci_high", "change")
