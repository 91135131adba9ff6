"""Benchmark: how `funnel diagnose` grows from 1M to 3M to 10M leads (issue 14, item 4).

Run by hand (not in CI; the 10M files are ~6 GB and are never committed)::

    python bench/bench_scaling.py                       # 1M, 3M and 10M leads
    python bench/bench_scaling.py --leads 1000000 3000000 --repeat 3

For each size, the seeded sample is written once into ``bench/out/n<N>`` (about 3
activities and 0.1 deals per lead), then, each in a fresh process and interleaved over
``--repeat`` rounds: a plain ``polars.read_csv`` of the three files, and ``funnel diagnose
--json`` on them (read, map, type, validate, link, the funnel, the nine places). Prints a
Markdown table: medians, seconds per million leads, that figure relative to the smallest
size (1.00 = linear), and the peak RSS of each process, also per GB of CSV.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from _data import csv_files, run_child  # bench/_data.py (the scripts run from bench/)


def commands(files: dict[str, Path]) -> dict[str, list[str]]:
    """The plain read and the whole diagnosis of ``files``, as child processes."""
    plain = [sys.executable, "-c",
             "import sys, polars as pl\n[pl.read_csv(f) for f in sys.argv[1:]]",
             *map(str, files.values())]
    ours = [sys.executable, "-m", "funnel", "diagnose", "--leads", str(files["leads"]),
            "--deals", str(files["deals"]), "--activities", str(files["activities"]), "--json"]
    return {"plain": plain, "funnel": ours}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, nargs="+",
                    default=[1_000_000, 3_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    sizes = sorted(args.leads)
    files = {n: csv_files(n) for n in sizes}
    csv_bytes = {n: sum(p.stat().st_size for p in f.values()) for n, f in files.items()}
    runs: dict[tuple[int, str], list[tuple[float, int]]] = {}
    for _ in range(args.repeat):  # interleaved: drift on a shared machine hits all sizes
        for n in sizes:
            for name, cmd in commands(files[n]).items():
                runs.setdefault((n, name), []).append(run_child(cmd))
                t, m = runs[(n, name)][-1]
                print(f"{n:>12,} {name:>6}: {t:.1f} s, peak {m / 1e9:.2f} GB", flush=True)

    def med(n: int, name: str) -> float:
        return statistics.median(t for t, _ in runs[(n, name)])

    def peak(n: int, name: str) -> int:
        return max(m for _, m in runs[(n, name)])

    base = med(sizes[0], "funnel") / (sizes[0] / 1e6)
    print()
    print("| leads | CSV | plain read | `funnel diagnose` | per million leads | vs "
          f"{sizes[0] / 1e6:g}M (1.00 = linear) | ratio to the read | peak memory (per GB "
          "of CSV) | plain read's peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        per_m = med(n, "funnel") / (n / 1e6)
        gb = csv_bytes[n] / 1e9
        print(f"| {n:,} | {gb:.2f} GB | {med(n, 'plain'):.1f} s | {med(n, 'funnel'):.1f} s | "
              f"{per_m:.1f} s | {per_m / base:.2f} | {med(n, 'funnel') / med(n, 'plain'):.1f}× "
              f"| {peak(n, 'funnel') / 1e9:.2f} GB ({peak(n, 'funnel') / csv_bytes[n]:.2f}) "
              f"| {peak(n, 'plain') / 1e9:.2f} GB |")


if __name__ == "__main__":
    main()
