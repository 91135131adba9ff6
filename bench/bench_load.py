"""Benchmark: load + validate + assemble vs a plain polars read of the same CSVs.

Run by hand (not in CI)::

    python bench/bench_load.py [--leads 1000000] [--repeat 3]

Generates the sample at the given size into ``bench/out/`` when missing, in a process of
its own (1,000,000 leads give about 3,000,000 activities and 100,000 deals), then times,
each in a fresh process:

* ``plain``: ``polars.read_csv`` of the three files (default inference);
* ``funnel``: ``funnel diagnose --json`` on the same files (read, map, type, validate,
  link, summarise).

Prints medians, their ratio (target <= 2x) and peak memory (max RSS of the process)
relative to the CSV bytes (target <= 3x).

``--cache`` adds ``reopen``: ``funnel.load(..., cache=DIR)`` of the same files once the
typed cache holds them (filled once before the timed runs), and ``plain_in``: the plain
read timed the same way, inside its process after its imports; opening the same export
again, target <= 0.5x the plain read.

``--baseline SRC`` adds ``baseline``: the same ``funnel diagnose --json`` with the
``funnel`` package found in ``SRC`` (e.g. ``git archive <commit> funnel | tar -x -C
SRC``), interleaved with the other two, to quote before/after ratios measured in one
run on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _data import csv_files, run_child  # bench/_data.py (the scripts run from bench/)

REOPEN = """
import sys, time
import funnel
t = time.perf_counter()
leads, deals, activities = sys.argv[2:5]
funnel.load(leads, deals=deals, activities=activities, cache=sys.argv[1])
print(time.perf_counter() - t)
"""


PLAIN_IN = """
import sys, time
import polars as pl
t = time.perf_counter()
[pl.read_csv(f) for f in sys.argv[1:]]
print(time.perf_counter() - t)
"""


def _timed_child(cmd: list[str]) -> tuple[float, int]:
    """The seconds a child reports for its own timed part, and its peak RSS."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return float(proc.stdout.read().decode().split()[-1]), usage.ru_maxrss * 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--baseline", type=Path, help="a source tree holding the funnel package "
                    "to compare with (runs interleaved)")
    ap.add_argument("--cache", action="store_true",
                    help="also time opening the same files again from the typed cache")
    args = ap.parse_args()

    files = csv_files(args.leads, regenerate=args.regenerate)
    folder = files["leads"].parent
    sizes = {r: p.stat().st_size for r, p in files.items()}
    total = sum(sizes.values())
    rows = {}
    for r, p in files.items():
        with open(p, "rb") as fh:
            rows[r] = sum(1 for _ in fh) - 1
    print("files:", ", ".join(f"{r} {rows[r]:,} lines {sizes[r] / 1e6:.0f} MB" for r in files))

    plain = [sys.executable, "-c",
             "import sys, polars as pl\n[pl.read_csv(f) for f in sys.argv[1:]]",
             *map(str, files.values())]
    ours = [sys.executable, "-m", "funnel", "diagnose", "--leads", str(files["leads"]),
            "--deals", str(files["deals"]), "--activities", str(files["activities"]), "--json"]
    results: dict[str, list[tuple[float, int]]] = {"plain": [], "funnel": []}
    base_env = None
    if args.baseline:
        results["baseline"] = []
        base_env = {**os.environ, "PYTHONPATH": str(args.baseline.resolve())}
    reopen = None
    if args.cache:
        cache = folder / "typed-cache"
        reopen = [sys.executable, "-c", REOPEN, str(cache), *map(str, files.values())]
        plain_in = [sys.executable, "-c", PLAIN_IN, *map(str, files.values())]
        subprocess.run(reopen, check=True)  # fills the cache
        results["reopen"], results["plain_in"] = [], []
    for _ in range(args.repeat):  # interleaved, so drift hits all alike
        results["plain"].append(run_child(plain))
        results["funnel"].append(run_child(ours))
        if base_env is not None:
            results["baseline"].append(run_child(ours, env=base_env))
        if reopen is not None:
            results["reopen"].append(_timed_child(reopen))
            results["plain_in"].append(_timed_child(plain_in))
    med = {k: statistics.median(t for t, _ in v) for k, v in results.items()}
    mem = {k: max(m for _, m in v) for k, v in results.items()}
    for k in results:
        runs = ", ".join(f"{t:.2f}" for t, _ in results[k])
        print(f"{k:>7}: median {med[k]:.2f}s (runs {runs}); peak RSS {mem[k] / 1e6:.0f} MB "
              f"= {mem[k] / total:.2f}x CSV bytes")
    print(f"ratio funnel/plain: {med['funnel'] / med['plain']:.2f}x (target <= 2x); "
          f"funnel peak memory {mem['funnel'] / total:.2f}x CSV bytes (target <= 3x)")
    if "reopen" in med:
        print(f"ratio reopen/plain_in: {med['reopen'] / med['plain_in']:.2f}x (target <= 0.5x;"
              " both timed inside the process, after their imports)")
    if "baseline" in med:
        print(f"ratio baseline/plain: {med['baseline'] / med['plain']:.2f}x; "
              f"funnel/baseline: {med['funnel'] / med['baseline']:.2f}x")


if __name__ == "__main__":
    main()
