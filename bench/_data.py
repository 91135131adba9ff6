"""The benchmarks' data: the sample generator's story at a given size, written once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from funnel.sample.export import load_sample, write_sample

OUT = Path(__file__).resolve().parent / "out"
ROLES = {"leads": "contacts.csv", "deals": "deals.csv", "activities": "activities.csv"}
"""The files of a generated export, by role (``funnel diagnose --leads/--deals/...``)."""


def csv_files(n_leads: int, *, regenerate: bool = False) -> dict[str, Path]:
    """The three CSVs of ``n_leads`` leads in ``bench/out/n<N>``, written once (again with
    ``regenerate``) in a process of their own: a child's peak RSS starts from its
    parent's, so the benchmark's process stays small for the timed children."""
    folder = OUT / f"n{n_leads}"
    files = {role: folder / name for role, name in ROLES.items()}
    if regenerate or not all(p.exists() for p in files.values()):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys\nfrom funnel.sample.export import "
                        "write_sample\nwrite_sample(sys.argv[1], n_leads=int(sys.argv[2]))",
                        str(folder), str(n_leads)], check=True)
        print(f"generated {n_leads:,} leads in {time.perf_counter() - t:.0f} s", flush=True)
    return files


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss * 1024


def big_sample(n_leads: int = 1_000_000, *, tag: str = "bench"):
    """Load ``bench/out/big`` (1,000,000 leads) or ``bench/out/<tag>_n<N>``, writing it
    with :func:`funnel.sample.write_sample` first when missing; prints the timings."""

    folder = OUT / "big" if n_leads == 1_000_000 else OUT / f"{tag}_n{n_leads}"
    if not (folder / "contacts.csv").exists():
        t = time.perf_counter()
        write_sample(folder, n_leads=n_leads)
        print(f"generated {n_leads:,} leads in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    ds = load_sample(folder)
    acts = ds.activities.height if ds.activities is not None else 0
    print(f"loaded {ds.leads.height:,} leads, {acts:,} activities in "
          f"{time.perf_counter() - t:.1f}s")
    return ds
