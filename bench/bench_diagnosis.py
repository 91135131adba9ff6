"""Benchmark: the Diagnosis page's computations at 1,000,000 leads (run by hand).

    python bench/bench_diagnosis.py [--repeat 3]

Loads ``bench/out/big`` (written when missing, see ``bench/_data.py``), then times,
each ``--repeat`` times in this process: the findings engine (``diagnose_places`` with
the sample's sales profile), the page's per-lead flags, the 2×2, the gap decomposition,
the score and pipeline checks, a what-if change.
Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _data import big_sample  # bench/_data.py (the scripts run from bench/)

from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.verdict import (
    lead_flags,
    mix_vs_handling,
    pipeline_check,
    quality_handling,
    score_check,
    what_if,
)
from funnel.findings.registry import diagnose_places


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    ds = big_sample()
    steps = {
        "diagnose_places": lambda: diagnose_places(ds, profile=SAMPLE_SALES_PROFILE),
        "profile fit + flags": lambda: lead_flags(
            ds, in_profile=ProfileFit(SAMPLE_SALES_PROFILE).fit(ds).in_profile_),
    }
    flags = steps["profile fit + flags"]()
    steps.update({
        "2x2": lambda: quality_handling(flags),
        "gap decomposition": lambda: mix_vs_handling(flags),
        "score check": lambda: score_check(ds),
        "pipeline check": lambda: pipeline_check(ds),
        "what-if change": lambda: what_if(flags, fast_share=0.8, in_profile_share=0.2),
    })
    for name, fn in steps.items():
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        print(f"{name:>22}: median {statistics.median(times):6.2f} s  "
              f"(runs: {', '.join(f'{x:.2f}' for x in times)})")


if __name__ == "__main__":
    main()
