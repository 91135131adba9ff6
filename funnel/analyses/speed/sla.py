"""Speed to lead: SLA compliance, the estimated loss to slow responses, benchmarks.

* SLA compliance (:func:`sla_compliance`): the share of leads first touched less than
  ``sla_hours`` after creation, never-touched leads counting as misses;
* a labelled *estimate* of the qualified leads, wins and revenue lost to responses
  slower than the SLA (:func:`sla_loss_estimate`), built on the adjusted curve;
* your ratios next to published speed-to-lead figures (:func:`benchmark_comparison`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl

from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.curve import log_ratio, standardised, strata_key
from funnel.analyses.speed.times import (
    WEEKDAYS,
    Leads,
    group_key,
    outcomes,
    response_lf,
    within_sla,
)
from funnel.stats.intervals import Z95, wilson_exprs

__all__ = [
    "BENCHMARKS",
    "benchmark_comparison",
    "sla_compliance",
    "sla_loss_estimate",
]

BENCHMARKS: tuple[dict, ...] = (
    {"key": "1h_vs_next", "ratio": 7.0,
     "label": "HBR 2011: tried within 1 h vs 1 h later — ~7× as likely to qualify",
     "measured": "chance of qualifying the lead (not of closing it); 1.25 million web leads "
                 "at 42 US firms (Oldroyd, McElheran & Elkington, HBR 2011)",
     "yours": ("0-1h", ("1-4h",))},
    {"key": "1h_vs_24h", "ratio": 60.0,
     "label": "HBR 2011: within 1 h vs 24 h or later — ~60× as likely to qualify",
     "measured": "chance of qualifying the lead (not of closing it); same 1.25 million leads",
     "yours": ("0-1h", ("1-3d", "3d+"))},
    {"key": "never_share", "share": 0.23,
     "label": "Audit of 2,241 US firms: 23% never responded to a web lead",
     "measured": "share of firms (not of leads) that never answered a test inquiry",
     "yours": ("never", ())},
)
"""Published speed-to-lead figures, each with what it measured."""



def sla_compliance(
    leads: Leads,
    *,
    sla_hours: float,
    by: str | Sequence[str] | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """Share of leads first touched less than ``sla_hours`` after creation, with 95% CI.

    Never-touched leads count as misses (contract §4). ``not_yet_due`` counts leads
    created less than ``sla_hours`` before the export's end and not touched yet: they
    count as misses too but may still be answered in time.

    Parameters
    ----------
    by
        ``None``, a lead column (``owner``, ``source``), ``weekday`` or ``hour`` of
        arrival, or a list of them (``["weekday", "hour"]`` gives the heat map's cells).

    Returns
    -------
    polars.DataFrame
        ``[by], leads, within_sla, within_sla_share, ci_low, ci_high, never, not_yet_due``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> t = sla_compliance(load_sample().leads, sla_hours=1, by="owner")
    >>> bool(t["within_sla_share"].is_between(0, 1).all())
    True
    """
    if sla_hours is None or not sla_hours > 0:
        raise ValueError(f"sla_hours must be a positive number of hours, got {sla_hours!r}")
    lf = response_lf(leads, clock=clock, end=now)
    keys = [by] if isinstance(by, str) else list(by or [])
    groups = [group_key(lf, k) for k in keys]
    out = (lf.group_by(groups or pl.lit(0).alias("_g"))
           .agg(pl.len().cast(pl.Int64).alias("leads"),
                within_sla(sla_hours).sum().cast(pl.Int64).alias("within_sla"),
                (~pl.col("_touched")).sum().cast(pl.Int64).alias("never"),
                (~pl.col("_touched") & (pl.col("_wait") < sla_hours)).sum().cast(pl.Int64)
                .alias("not_yet_due"))
           .with_columns((pl.col("within_sla") / pl.col("leads")).alias("within_sla_share"),
                         *wilson_exprs("within_sla", "leads"))
           .collect())
    cols = ["leads", "within_sla", "within_sla_share", "ci_low", "ci_high", "never", "not_yet_due"]
    if not keys:
        return out.select(cols)
    out = out.select(*keys, *cols)
    if "weekday" in keys:
        out = out.with_columns(pl.col("weekday").cast(pl.Enum(WEEKDAYS)))
    if keys == ["weekday"] or len(keys) > 1:
        return out.sort(keys)
    return out.sort(["leads", *keys], descending=[True, False])



def sla_loss_estimate(
    leads: Leads,
    *,
    sla_hours: float,
    strata: Sequence[str] = ("source",),
    profile: str | None = None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """ESTIMATE of the qualified leads, wins and revenue lost to missing the SLA.

    Leads that missed the SLA (touched at or after ``sla_hours``, or never) and whose
    deadline had passed by the export's end are compared, stratum by stratum (source ×
    profile fit), with the leads of the same stratum answered within the SLA: had they
    converted at that rate, they would have given ``expected`` qualified leads (wins);
    ``lost = expected - observed``. Strata with no lead answered in time use the
    standardised within-SLA rate. Revenue = lost wins × the average won amount. This is
    an estimate built on the adjusted curve, not a measurement: it assumes nothing but
    speed and the adjusted mix differs between the groups.

    Returns
    -------
    dict
        ``label, sla_hours, missed, within, qualified: {observed, expected, lost, low,
        high}, won: {…}, revenue: {lost, low, high, average_deal}`` (null parts where the
        data lacks stages, outcomes or amounts).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> est = sla_loss_estimate(load_sample().leads, sla_hours=1)
    >>> est["qualified"]["lost"] > 0
    True
    """
    lf = response_lf(leads, clock=clock, end=now)
    won, qual, has_out, has_stage = outcomes(lf)
    cols = lf.collect_schema().names()
    use = [s for s in strata if s in cols]
    lf = lf.with_columns(strata_key(lf, use, profile if profile in cols else None))
    within = within_sla(sla_hours)
    group = (pl.when(within).then(pl.lit("within"))
             .when(pl.col("_wait") >= sla_hours).then(pl.lit("missed"))
             .otherwise(pl.lit("not_due")).alias("_g"))
    amount = pl.col("amount") if "amount" in cols else pl.lit(None, pl.Float64)
    cells = (lf.with_columns(group)
             .group_by("_g", "_stratum")
             .agg(pl.len().alias("n"), qual.sum().alias("kq"), won.sum().alias("kw"))
             .collect())
    avg_deal = None
    if has_out and "amount" in cols:
        avg_deal = lf.select(amount.filter(won).mean()).collect().item()
    n_missed = int(cells.filter(pl.col("_g") == "missed")["n"].sum())
    n_within = int(cells.filter(pl.col("_g") == "within")["n"].sum())
    out = {
        "label": "Estimate (not a measurement): leads that missed the SLA, had they "
                 "converted like same-source leads answered within it",
        "sla_hours": sla_hours, "missed": n_missed, "within": n_within,
        "not_yet_due": int(cells.filter(pl.col("_g") == "not_due")["n"].sum()),
        "adjusted_for": use + (["profile fit"] if profile in cols else []),
        "qualified": _lost(cells, "kq") if has_stage else None,
        "won": _lost(cells, "kw") if has_out else None,
        "revenue": None,
    }
    if out["won"] is not None and avg_deal is not None:
        w = out["won"]
        out["revenue"] = {"lost": w["lost"] * avg_deal, "low": w["low"] * avg_deal,
                          "high": w["high"] * avg_deal, "average_deal": avg_deal}
    return out



def _lost(cells: pl.DataFrame, k: str) -> dict:
    w = cells.filter(pl.col("_g") == "within").select("_stratum", "n", pl.col(k).alias("k"))
    m = cells.filter(pl.col("_g") == "missed").select("_stratum", pl.col("n").alias("nm"),
                                                      pl.col(k).alias("km"))
    observed = int(m["km"].sum())
    if w["n"].sum() == 0 or m["nm"].sum() == 0:
        return {"observed": observed, "expected": None, "lost": None, "low": None, "high": None}
    std = standardised(w.with_columns(pl.lit("w").alias("_x")), group="_x").row(0, named=True)
    j = m.join(w, on="_stratum", how="left").with_columns(
        pl.when(pl.col("n") > 0).then(pl.col("k") / pl.col("n")).otherwise(std["rate"])
        .alias("_r"),
        pl.when(pl.col("n") > 0).then(pl.col("n")).otherwise(std["n_eff"]).alias("_n"),
    )
    expected = float(j.select((pl.col("nm") * pl.col("_r")).sum()).item())
    var = float(j.select((pl.col("nm") ** 2 * pl.col("_r") * (1 - pl.col("_r"))
                          / pl.col("_n")).sum()).item())
    lost = expected - observed
    half = Z95 * math.sqrt(var)
    return {"observed": observed, "expected": expected, "lost": lost,
            "low": lost - half, "high": lost + half}



def benchmark_comparison(table: pl.DataFrame, *, target: str = "qualified") -> pl.DataFrame:
    """Your ratios next to the published figures, each labelled with what it measured.

    ``table`` is :func:`~funnel.analyses.speed.views.bucket_table`'s output. Ratios
    compare the ``0-1h`` bucket's qualified (or win) rate with the later buckets', with
    Katz 95% intervals; the never-touched share is compared with the audit's share of
    firms that never replied.

    Returns
    -------
    polars.DataFrame
        ``key, what, published, published_label, measured, yours, yours_low, yours_high,
        yours_label``.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> from funnel.analyses.speed.views import bucket_table
    >>> b = benchmark_comparison(bucket_table(load_sample().leads))
    >>> b["key"].to_list()
    ['1h_vs_next', '1h_vs_24h', 'never_share']
    """
    k = "qualified" if target == "qualified" else "won"
    rows = {r["bucket"]: r for r in table.to_dicts()}
    total = sum(r["leads"] for r in rows.values())
    out = []
    for b in BENCHMARKS:
        fast, slow = b["yours"]
        if "ratio" in b:
            f = rows.get(fast, {})
            kf, nf = f.get(k), f.get("leads", 0)
            ks = sum((rows.get(s, {}).get(k) or 0) for s in slow)
            ns = sum(rows.get(s, {}).get("leads", 0) for s in slow)
            if kf is None or not nf or not ns:
                ratio = lo = hi = None
            else:
                pf, ps = kf / nf, ks / ns
                ratio, lo, hi = log_ratio(pf, pf * (1 - pf) / nf, ps, ps * (1 - ps) / ns)
            out.append({"key": b["key"], "what": "ratio", "published": b["ratio"],
                        "published_label": b["label"], "measured": b["measured"],
                        "yours": ratio, "yours_low": lo, "yours_high": hi,
                        "yours_label": f"yours: {k} rate {fast} vs {' + '.join(slow)}"})
        else:
            nv = rows.get("never", {}).get("leads", 0)
            share = nv / total if total else None
            out.append({"key": b["key"], "what": "share", "published": b["share"],
                        "published_label": b["label"], "measured": b["measured"],
                        "yours": share, "yours_low": None, "yours_high": None,
                        "yours_label": "yours: share of leads never touched"})
    return pl.DataFrame(out, schema={"key": pl.String, "what": pl.String,
                                     "published": pl.Float64, "published_label": pl.String,
                                     "measured": pl.String, "yours": pl.Float64,
                                     "yours_low": pl.Float64, "yours_high": pl.Float64,
                                     "yours_label": pl.String})

