"""Speed to lead: the contract's ``response`` key of ``funnel diagnose --json``."""

from __future__ import annotations

import datetime as dt

import polars as pl

from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.times import ResponseTimes, response_lf, within_sla
from funnel.analyses.speed.views import bucket_table
from funnel.dataset.tables import Dataset, export_end
from funnel.stats.survival import KaplanMeier

__all__ = ["response_summary"]


def response_summary(
    ds: Dataset,
    *,
    sla_hours: float | None,
    clock: BusinessClock | None = None,
    now: dt.datetime | None = None,
    prepared: ResponseTimes | None = None,
) -> dict:
    """The contract's ``response`` key of ``funnel diagnose --json`` (extended).

    ``prepared`` (optional) is :func:`~funnel.analyses.speed.times.prepare_response` of
    ``ds.leads`` with the same clock, to reuse computed response times.

    Contract fields: ``contacted_share`` (leads touched by the export's end / all
    leads), ``median_hours`` (median hours to first touch among touched leads),
    ``sla_hours``, ``within_sla_share`` (touched less than ``sla_hours`` after creation
    / all leads; null without ``sla_hours``), ``by_bucket`` (``bucket, leads, won, rate,
    ci_low, ci_high, qualified, qualified_rate``). Extensions: ``median_hours_km``
    (Kaplan–Meier median with never-touched leads censored) with ``median_ci``,
    ``export_end``, ``clock``, and per bucket ``q_ci_low``/``q_ci_high``. Every value
    is null where the data has no touch times.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> r = response_summary(load_sample(), sla_hours=1)
    >>> [b["bucket"] for b in r["by_bucket"]][-1], 0 < r["within_sla_share"] < 1
    ('never', True)
    """
    leads = ds.leads
    base = {"contacted_share": None, "median_hours": None, "sla_hours": sla_hours,
            "within_sla_share": None, "by_bucket": None, "median_hours_km": None,
            "median_ci": None, "export_end": None,
            "clock": clock.describe() if clock else "wall-clock hours"}
    if leads.height == 0 or "created_at" not in leads.columns \
            or "first_response_at" not in leads.columns:
        return base
    end = export_end(prepared if prepared is not None else ds, now=now)
    source = prepared if prepared is not None else leads
    lf = response_lf(source, clock=clock, end=end)
    stats = lf.select(
        pl.col("_touched").mean().alias("contacted"),
        pl.col("_hours").filter(pl.col("_touched")).median().alias("median"),
        within_sla(sla_hours).mean().alias("within"),
    ).collect().row(0, named=True)
    km = KaplanMeier().fit(lf.select("_wait").collect()["_wait"].drop_nulls(),
                           lf.filter(pl.col("_wait").is_not_null())
                           .select("_touched").collect()["_touched"])
    table = bucket_table(source, clock=clock, now=end)
    return {**base,
            "contacted_share": stats["contacted"],
            "median_hours": stats["median"],
            "within_sla_share": stats["within"] if sla_hours is not None else None,
            "by_bucket": table.to_dicts(),
            "median_hours_km": km.median_,
            "median_ci": list(km.median_ci_),
            "export_end": end.isoformat(sep=" ") if end else None}

