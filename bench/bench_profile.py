"""Benchmark: recompute the profile overlap after one criterion changes, at 1,000,000 leads.

Run by hand (not in CI)::

    python bench/bench_profile.py [--leads 1000000] [--repeat 15]

Uses the sample written at that size into ``bench/out/big`` (generated when missing, as
``python -m funnel.sample --out bench/out/big --leads 1000000``). Times, each as the
median of ``--repeat`` runs, every run changing one criterion to a value not seen
before (so no kept match is reused for the changed criterion):

* ``prepare``: ``prepare_profile(ds)`` once per dataset (outcome flags, breakdown codes);
* ``first fit``: ``ProfileFit(sales).fit(ds)``, the sample's sales profile on leads not
  yet prepared (prepared here, each field read and coded once);
* ``change one criterion``: ``ProfileFit(changed).fit(prepared)`` after a change to the
  range, the value list or the yes/no criterion, on the leads prepared once — what the
  workshop waits for after each edit (overlap, per-criterion fails and fails-only,
  in/out win and qualified rates, four breakdowns);
* ``+ sent vs wanted``: the same plus the changed criterion's distribution chart data;
* ``naive polars``: the same overlap numbers recomputed from scratch with polars
  expressions over the lead table (every criterion, every breakdown), for reference;
* ``learned profile``: ``LearnedProfile().fit`` (once per dataset, memoised by the page);
* with ``--page``: the whole Profile fit page rerun after a range edit, in Streamlit's
  AppTest (everything the server does for one edit: recompute, charts, tables).

Target: a change recomputes in well under 100 ms (feels instant).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import polars as pl
from _data import big_sample  # bench/_data.py (the scripts run from bench/)
from streamlit.testing.v1 import AppTest

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE, Criterion
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.learned import LearnedProfile
from funnel.analyses.profile.prepared import prepare_profile


def _median_ms(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), runs


def _naive(leads: pl.DataFrame, emp_max: float) -> None:
    inside = (
        pl.col("Industry").str.strip_chars().str.to_lowercase().is_in(
            ["software", "financial services"])
        & pl.col("Number of Employees").is_between(50, emp_max)
        & pl.col("Budget Confirmed")
        & pl.col("Job Title").str.strip_chars().str.to_lowercase().is_in(
            ["cfo", "head of finance", "vp finance", "finance director", "controller"])
    ).fill_null(False)
    frame = leads.lazy().with_columns(inside.alias("_in"),
                                      (pl.col("outcome") == "won").fill_null(False).alias("_w"))
    frame = frame.collect()
    frame.group_by("_in").agg(pl.len(), pl.col("_w").sum())
    for dim in ("source", "campaign", "owner"):
        frame.group_by(dim).agg(pl.len(), pl.col("_in").sum())
    frame.group_by(pl.col("created_at").dt.truncate("1mo")).agg(pl.len(), pl.col("_in").sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--page", action="store_true", help="also time the page rerun (AppTest)")
    args = ap.parse_args()


    ds = big_sample(args.leads, tag="profile")

    prep, _ = _median_ms(lambda i: prepare_profile(ds), 3)
    first, _ = _median_ms(lambda i: ProfileFit(SAMPLE_SALES_PROFILE).fit(ds), 3)
    prepared = prepare_profile(ds)
    fit = ProfileFit(SAMPLE_SALES_PROFILE).fit(prepared)
    print(f"in profile: {fit.in_n_:,} of {fit.n_:,} ({fit.share_:.1%})")

    p = SAMPLE_SALES_PROFILE
    industries = ["Software", "Financial Services", "Retail", "Manufacturing", "Healthcare",
                  "Education", "Professional Services", "Other"]

    def change(i: int) -> tuple[Criterion, int]:
        kind = i % 3
        if kind == 0:  # range: a new upper bound each run
            return Criterion("Number of Employees", min=50, max=1000 + 7 * i), 1
        if kind == 1:  # value list: a new subset each run
            return Criterion("Industry", values=tuple(industries[: 1 + i % 8])
                             + (f"x{i}",)), 0
        # yes/no: an unknown extra value makes each run's criterion new
        return Criterion("Budget Confirmed", values=(bool(i % 2), f"v{i}")), 2

    changes = [change(i) for i in range(args.repeat)]
    one, runs = _median_ms(lambda i: ProfileFit(p.with_criterion(
        changes[i][0], index=changes[i][1])).fit(prepared), args.repeat)
    more = [change(i + 1000) for i in range(args.repeat)]

    def with_chart(i: int) -> None:
        c, idx = more[i]
        ProfileFit(p.with_criterion(c, index=idx)).fit(prepared).distribution(idx)

    chart, _ = _median_ms(with_chart, args.repeat)
    naive, _ = _median_ms(lambda i: _naive(ds.leads, 1000 + i), args.repeat)
    learned, _ = _median_ms(lambda i: LearnedProfile().fit(ds), 3)

    print(f"prepare (once per dataset):      median {prep:8.1f} ms")
    print(f"first fit of the sales profile:   median {first:8.1f} ms")
    print(f"change one criterion:             median {one:8.1f} ms "
          f"(runs {', '.join(f'{r:.0f}' for r in runs)})")
    print(f"change one criterion + its chart: median {chart:8.1f} ms")
    print(f"naive polars recompute:           median {naive:8.1f} ms "
          f"({naive / one:.1f}x the kept-match refit)")
    print(f"learned profile (once):           median {learned:8.1f} ms")
    if args.page:
        page = _page_reruns(ds, args.repeat)
        print(f"page rerun after a range edit:    median {statistics.median(page):8.1f} ms "
              f"(runs {', '.join(f'{r:.0f}' for r in page)})")


def _page_reruns(ds, repeat: int) -> list[float]:
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=600)
    at.session_state["dataset"] = ds
    at.run()
    at.switch_page("pages/profile.py")
    at.run()
    next(b for b in at.button if b.label.startswith("Sample")).click().run()
    runs = []
    for i in range(repeat):
        t = time.perf_counter()
        at.number_input[1].set_value(1001 + i).run()
        runs.append((time.perf_counter() - t) * 1000)
        assert not at.exception, at.exception
    return runs


if __name__ == "__main__":
    main()
