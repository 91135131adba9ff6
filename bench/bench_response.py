"""Benchmark: the Speed-to-lead page's computations at 1,000,000 leads / ~3,000,000 activities.

Run by hand (not in CI)::

    python bench/bench_response.py [--leads 1000000] [--repeat 5]

Uses the sample written at that size into ``bench/out/big`` (generated when missing, as
``python -m funnel.sample --out bench/out/big --leads 1000000``). Times, each the median
of ``--repeat`` runs of the core calls the page makes (the page memoises each result per
session, so a rerun with nothing changed costs nothing):

* ``open (Waiting time tab)``: export end, ``prepare_response`` (response times once),
  ``response_summary``, overall SLA compliance, histogram, Kaplan–Meier "still waiting"
  curve and percentiles — what the first view needs (and the same without
  ``prepare_response``, every call computing the times again);
* ``Conversion by speed tab``: ``ResponseCurve`` (raw and standardised, source × profile
  flag), fine bins for the smooth curve, bucket table and benchmark comparison;
* ``SLA tab``: compliance by owner, source and weekday, arrival heat map, loss estimate;
* ``Routing tab``: owner scorecard (load, KM medians, standardised rates), time to assign,
  reassignments (3 M activities), unassigned leads, persistence;
* ``SLA change``: everything that depends on the SLA and is on screen after a change on
  the Waiting-time tab (overall compliance; the page keeps the Kaplan–Meier summary), and
  on the SLA tab (compliance by owner, source, weekday and heat-map cell, loss estimate);
* the same first view with the business-hours clock;
* ``profile flag``: the in-profile column for the adjustment (``ProfileFit``), once per
  dataset and profile.

Also prints how many rows each chart ships to the browser (aggregates only).
"""

from __future__ import annotations

import argparse
import statistics
import time

import polars as pl
from _data import big_sample  # bench/_data.py (the scripts run from bench/)

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.speed.clock import BusinessClock
from funnel.analyses.speed.curve import ResponseCurve
from funnel.analyses.speed.routing import (
    assignment_times,
    owner_scorecard,
    persistence,
    reassignments,
    unassigned_summary,
)
from funnel.analyses.speed.sla import benchmark_comparison, sla_compliance, sla_loss_estimate
from funnel.analyses.speed.summary import response_summary
from funnel.analyses.speed.times import prepare_response
from funnel.analyses.speed.views import (
    arrival_heatmap,
    bucket_table,
    rate_by_hours,
    response_histogram,
    response_percentiles,
    still_waiting,
)
from funnel.dataset.tables import Dataset, export_end


def _median(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), runs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ds = big_sample(args.leads, tag="response")

    t = time.perf_counter()
    inside = ProfileFit(SAMPLE_SALES_PROFILE).fit(ds).in_profile_
    flag_s = time.perf_counter() - t
    ds = Dataset(ds.leads.with_columns(pl.Series("__in_profile", inside)), ds.deals,
                 ds.activities, ds.spend, ds.attributes, ds.mapping, ds.health, ds.label)
    leads = ds.leads
    now = export_end(ds)
    sla = 1.0
    shipped: dict[str, int] = {}

    def first_view(clock=None):
        end = export_end(ds)
        rt = prepare_response(leads, clock=clock, now=end)  # once per clock (memoised)
        response_summary(ds, sla_hours=None, clock=clock, now=end, prepared=rt)
        sla_compliance(rt, sla_hours=sla, clock=clock)
        shipped["histogram"] = response_histogram(rt, clock=clock).height
        shipped["still waiting"] = still_waiting(rt, clock=clock).height
        response_percentiles(rt, clock=clock)

    def unprepared_first_view():
        end = export_end(ds)
        response_summary(ds, sla_hours=sla, now=end)
        sla_compliance(leads, sla_hours=sla, now=end)
        response_histogram(leads, now=end)
        still_waiting(leads, now=end)
        response_percentiles(leads, now=end)

    rt = prepare_response(leads, now=now)

    def conversion():
        fit = ResponseCurve(strata=["source"], profile="__in_profile").fit(rt)
        shipped["buckets raw+adjusted"] = 2 * fit.table_.height
        shipped["smooth bins"] = rate_by_hours(rt).height
        benchmark_comparison(bucket_table(rt))

    def sla_tab(s=sla):
        for by in ("owner", "source", "weekday"):
            shipped[f"SLA by {by}"] = sla_compliance(rt, sla_hours=s, by=by).height
        shipped["heat map"] = arrival_heatmap(rt, sla_hours=s).height
        sla_loss_estimate(rt, sla_hours=s, profile="__in_profile")

    def routing_tab():
        shipped["owner chart"] = owner_scorecard(rt, sla_hours=sla).height
        assignment_times(leads)
        reassignments(ds)
        unassigned_summary(leads, now=now)
        persistence(ds, now=now)

    slas = iter([2.0, 4.0, 8.0, 24.0, 48.0, 3.0, 6.0, 12.0, 36.0, 72.0] * 10)

    def sla_change():  # the page keeps the KM summary; only compliance depends on the SLA
        sla_compliance(rt, sla_hours=next(slas))

    def sla_change_on_sla_tab():  # + compliance by owner/source/weekday/cell + estimate
        s = next(slas)
        sla_compliance(rt, sla_hours=s)
        for by in ("owner", "source", "weekday", ("weekday", "hour")):
            sla_compliance(rt, sla_hours=s, by=by)
        sla_loss_estimate(rt, sla_hours=s, profile="__in_profile")

    clock = BusinessClock()
    rows = [
        ("open (Waiting time tab)", first_view),
        ("open, without prepare_response", unprepared_first_view),
        ("open, business hours", lambda: first_view(clock)),
        ("Conversion by speed tab", conversion),
        ("SLA tab", sla_tab),
        ("Routing tab", routing_tab),
        ("  of which owner scorecard", lambda: owner_scorecard(rt, sla_hours=sla)),
        ("  of which reassignments", lambda: reassignments(ds)),
        ("  of which persistence", lambda: persistence(ds, now=now)),
        ("SLA change (Waiting time tab)", sla_change),
        ("SLA change (SLA tab)", sla_change_on_sla_tab),
    ]
    print(f"profile flag (once per dataset and profile): {flag_s:.2f}s")
    for name, fn in rows:
        med, runs = _median(fn, args.repeat)
        print(f"{name:>32}: median {med:.3f}s (runs {', '.join(f'{x:.3f}' for x in runs)})")
    print("rows shipped to the browser per chart:",
          ", ".join(f"{k} {v}" for k, v in shipped.items()))


if __name__ == "__main__":
    main()
