"""Benchmark: the nine places of the Diagnosis at 1,000,000 leads, place by place (by hand).

    python bench/bench_diagnosis.py [--repeat 3] [--profile sales] [--baseline SRC]

Loads ``bench/out/n1000000`` (``bench_load.py``'s files) when present, else
``bench/out/big`` (written when missing, see ``bench/_data.py``), once; then, in a
fresh process per run (``--repeat`` runs), on a fresh :class:`~funnel.findings.base.Context`:

* ``context``: ``Context.prepare(ds)`` (per-lead flags, the export's end);
* ``stand-in profile``: the profile learned on half the leads when none is stated
  (``stand_in_profile``; shared by speed, readiness and the profile place, so timed on
  its own and not inside the first place that asks for it);
* one row per place (``REGISTRY[key].run``), in the contract's order;
* ``places total``: the rows above summed (what ``diagnose_places`` costs);
* ``diagnose_places``: one call on a new context, end to end;
* ``profile edit``: ``diagnose_places(places=PROFILE_PLACES, context=...)`` again on the
  same context (what a profile edit recomputes).

``--profile sales`` states the sample's sales profile (then no stand-in is learned).
``--baseline SRC`` also runs the same steps with the ``funnel`` package found in
``SRC`` (e.g. ``git archive <commit> | tar -x -C SRC``), runs interleaved with this
tree's so that the load of a shared machine hits both alike, and prints the ratio of
the medians. ``--steps`` adds the page's other computations (flags, 2×2, gap
decomposition, score and pipeline checks, what-if) as before.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
from funnel.ingest.build import load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FILES = HERE / "out" / "n1000000"

CHILD = r"""
import json, pickle, sys, time
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.findings import base
from funnel.findings.registry import PROFILE_PLACES, REGISTRY, diagnose_places
ds = pickle.load(open(sys.argv[1], "rb"))
profile = SAMPLE_SALES_PROFILE if sys.argv[2] == "sales" else None
s = base.Settings()
out = {}
def timed(name, fn):
    t = time.perf_counter()
    r = fn()
    out[name] = time.perf_counter() - t
    return r
ctx = timed("context", lambda: base.Context.prepare(ds))
if profile is None:
    timed("stand-in profile", lambda: base.stand_in_profile(ctx, s))
for key, place in REGISTRY.items():
    timed(key, lambda: place.run(ctx, s, profile=profile))
out["places total"] = sum(out.values())
timed("diagnose_places", lambda: diagnose_places(ds, profile=profile))
timed("profile edit", lambda: diagnose_places(ds, profile=profile, places=PROFILE_PLACES,
                                              context=ctx))
print(json.dumps(out))
"""


def _dataset():
    """The benchmark's dataset: ``bench_load.py``'s files when present, else the sample
    at 1M written by ``bench/_data.py``."""
    if (FILES / "contacts.csv").exists():
        t = time.perf_counter()
        ds = load(FILES / "contacts.csv", deals=FILES / "deals.csv",
                  activities=FILES / "activities.csv")
        print(f"loaded {ds.leads.height:,} leads from {FILES} in "
              f"{time.perf_counter() - t:.1f}s")
        return ds
    return big_sample()


def _child(src: Path, data: Path, profile: str) -> dict[str, float]:
    """One run of the steps in a fresh process, with the ``funnel`` package of ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    res = subprocess.run([sys.executable, "-c", CHILD, str(data), profile], env=env,
                         capture_output=True, text=True, check=False)
    if res.returncode:
        raise SystemExit(f"the run with {src} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _page_steps(ds, repeat: int) -> None:
    """The page's other computations, in this process (``--steps``)."""
    steps = {"profile fit + flags": lambda: lead_flags(
        ds, in_profile=ProfileFit(SAMPLE_SALES_PROFILE).fit(ds).in_profile_)}
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
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        print(f"{name:>22}: median {statistics.median(times):6.2f} s  "
              f"(runs: {', '.join(f'{x:.2f}' for x in times)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", choices=["none", "sales"], default="none")
    ap.add_argument("--baseline", type=Path, help="a source tree holding the funnel package "
                    "to compare with (runs interleaved)")
    ap.add_argument("--steps", action="store_true", help="also the page's other steps")
    args = ap.parse_args()

    ds = _dataset()
    trees = {"this tree": ROOT}
    if args.baseline:
        trees["baseline"] = args.baseline.resolve()
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "ds.pkl"
        with open(data, "wb") as fh:
            pickle.dump(ds, fh)
        for _ in range(args.repeat):  # interleaved, so drift hits both alike
            for name, src in trees.items():
                runs[name].append(_child(src, data, args.profile))
    steps = list(dict.fromkeys(k for r in runs["this tree"] for k in r))
    med = {name: {k: statistics.median(r[k] for r in rs if k in r) for k in steps
                  if any(k in r for r in rs)} for name, rs in runs.items()}
    head = f"{'step':>18}" + "".join(f"{n:>14}" for n in trees) + (
        f"{'ratio':>9}" if args.baseline else "")
    print(f"medians of {args.repeat} runs, seconds; profile: {args.profile}")
    print(head)
    for k in steps:
        row = f"{k:>18}" + "".join(f"{med[n].get(k, float('nan')):>14.2f}" for n in trees)
        if args.baseline and med["baseline"].get(k):
            row += f"{med['this tree'][k] / med['baseline'][k]:>9.2f}"
        print(row)
    if args.steps:
        _page_steps(ds, args.repeat)


if __name__ == "__main__":
    main()
