"""Benchmark: a filter change on the Funnel & leakage and Sources & cost pages, at 1,000,000 leads.

Run by hand (not in CI)::

    python bench/bench_leakage.py [--leads 1000000] [--repeat 9]

Uses the sample written at that size into ``bench/out/big`` (generated when missing, as
``python -m funnel.sample --out bench/out/big --leads 1000000``). Each run applies a
filter not seen before (a source, an owner, a date range, or a combination) and times
what the pages recompute for it — nothing is reused from an earlier run:

* ``filter (pages)``: :func:`funnel.dataset.filters.apply_filters` as the pages call it — the
  lead table only (``related=False``), after :func:`funnel.analyses.leakage.with_latest_activity`
  once per dataset;
* ``filter (all tables)``: the same keeping deals and activities (picked by lead row with
  :func:`funnel.dataset.filters.lead_index`, built once per dataset);
* ``funnel page``: funnel table, funnel by source, cohort trend, stage exits, stop
  reasons (overall and by source), left-behind flags and their summary by owner, velocity
  by step, sales cycle — every analysis the page draws;
* ``sources page``: closed loop by source and by campaign (with spend matching);
* each analysis separately, to see where the time goes;
* with ``--page``: the whole Funnel & leakage page rerun after a source-filter change,
  in Streamlit's AppTest (recompute, charts, tables: everything the server does).

Prints the median and the runs of each, in milliseconds. Target: a filter change
recomputes the page it is on in about a second or less at 1,000,000 leads (the
Streamlit rerun adds its own rendering on top).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from _data import big_sample  # bench/_data.py (the scripts run from bench/)
from streamlit.testing.v1 import AppTest

from funnel.analyses.closed_loop import closed_loop
from funnel.analyses.funnel import cohort_trend, funnel_by, funnel_table
from funnel.analyses.leakage import (
    leak_flags,
    leak_summary,
    stage_exits,
    stop_reasons,
    with_latest_activity,
)
from funnel.analyses.velocity import sales_cycle, velocity_table
from funnel.dataset.filters import Filters, apply_filters, filter_options, lead_index
from funnel.dataset.tables import export_end


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--page", action="store_true", help="also time whole page reruns")
    args = ap.parse_args()

    ds = big_sample(args.leads, tag="leakage")
    now = export_end(ds)
    t = time.perf_counter()
    index = lead_index(ds)  # once per dataset
    print(f"lead index (once per dataset) in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    base = with_latest_activity(ds)  # once per dataset (the pages memoise it)
    print(f"latest activity per lead (once per dataset) in {time.perf_counter() - t:.1f}s")
    opts = filter_options(ds.leads)
    start, end = opts["start"], opts["end"]
    days = (end - start).days

    def nth_filter(i: int) -> Filters:
        """A filter no earlier run used: rotate sources, owners and date windows."""
        src = opts["source"][i % len(opts["source"])]
        own = opts["owner"][i % len(opts["owner"])]
        lo = start + dt.timedelta(days=(i * 17) % (days // 2))
        hi = lo + dt.timedelta(days=days // 2 + i)
        kinds = [Filters(source=(src,)), Filters(owner=(own,)),
                 Filters(start=lo, end=min(hi, end)),
                 Filters(source=(src,), start=lo, end=min(hi, end))]
        return kinds[i % len(kinds)]

    steps: dict[str, Callable] = {
        "funnel table": lambda s: funnel_table(s.leads),
        "funnel by source": lambda s: funnel_by(s.leads, by="source"),
        "cohort trend": lambda s: cohort_trend(s.leads, now=now),
        "stage exits": lambda s: stage_exits(s.leads),
        "stop reasons": lambda s: stop_reasons(s.leads),
        "stop reasons by source": lambda s: stop_reasons(s.leads, by="source"),
        "left behind (flags + by owner)": lambda s: leak_summary(
            s.leads, leak_flags(s, now=now, stalled_days=30), by="owner"),
        "velocity by step": lambda s: velocity_table(s.leads, now=now),
        "sales cycle": lambda s: sales_cycle(s, now=now),
    }
    sources_steps: dict[str, Callable] = {
        "closed loop by source": lambda s: closed_loop(s, by="source"),
        "closed loop by campaign": lambda s: closed_loop(s, by="campaign"),
    }
    times: dict[str, list[float]] = {k: [] for k in
                                     ["filter (all tables)", "filter (pages)", *steps,
                                      *sources_steps, "funnel page",
                                      "sources page"]}
    kept: list[int] = []
    for i in range(args.repeat):
        f = nth_filter(i)
        t0 = time.perf_counter()
        apply_filters(base, f, index=index)
        times["filter (all tables)"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        sub = apply_filters(base, f, related=False)
        times["filter (pages)"].append((time.perf_counter() - t0) * 1000)
        kept.append(sub.leads.height)
        page = times["filter (pages)"][-1]
        for name, fn in steps.items():
            t = time.perf_counter()
            fn(sub)
            ms = (time.perf_counter() - t) * 1000
            times[name].append(ms)
            page += ms
        times["funnel page"].append(page)
        page = times["filter (pages)"][-1]
        for name, fn in sources_steps.items():
            t = time.perf_counter()
            fn(sub)
            ms = (time.perf_counter() - t) * 1000
            times[name].append(ms)
            page += ms
        times["sources page"].append(page)
    print(f"{args.repeat} filter changes, kept {min(kept):,}–{max(kept):,} leads each")
    for name, runs in times.items():
        shown = ", ".join(f"{r:.0f}" for r in runs)
        print(f"{name:>32}: median {statistics.median(runs):7.0f} ms   (runs {shown})")
    if args.page:
        _page(ds, opts, args.repeat)


def _page(ds, opts: dict, repeat: int) -> None:
    """Time whole reruns of the Funnel & leakage page after a source-filter change."""

    app = str(Path(__file__).resolve().parents[1] / "app.py")
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["dataset"] = ds
    at.run()
    t = time.perf_counter()
    at.switch_page("pages/funnel.py").run()
    first = (time.perf_counter() - t) * 1000
    if at.exception:
        raise SystemExit(f"page failed: {at.exception}")
    runs = []
    sources = opts["source"]
    for i in range(repeat):  # one new source set each run, so nothing is memoised
        chosen = sources[: 1 + i % len(sources)] if i < len(sources) else \
            sources[i % len(sources):][:2]
        t = time.perf_counter()
        at.multiselect(key="source").set_value(chosen).run()
        runs.append((time.perf_counter() - t) * 1000)
    shown = ", ".join(f"{r:.0f}" for r in runs)
    print(f"{'page: first open':>32}: {first:7.0f} ms (lead index, options, all views)")
    print(f"{'page: filter change rerun':>32}: median {statistics.median(runs):7.0f} ms   "
          f"(runs {shown})")


if __name__ == "__main__":
    main()
