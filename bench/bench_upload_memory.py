"""Peak memory of reading an upload: a generated CSV of a given size, read the way the app
reads an upload (the file's bytes in memory → ``funnel.read_file`` → ``build_dataset``).

Run by hand: ``python bench/bench_upload_memory.py [MB]`` (default 300). The reading runs
in a child process; its peak resident memory above what it held before reading (its
imports) is reported as a multiple of the file size (issue 15's target: ≤ 2.5×). The
generated file goes to ``bench/out/`` and is never committed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

OUT = Path(__file__).resolve().parent / "out"


def make_csv(mb: int) -> Path:
    """A leads-like CSV of about ``mb`` megabytes (written once)."""
    path = OUT / f"upload_{mb}mb.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    n = mb * 1_000_000 // 62
    i = pl.int_range(0, n, eager=True)
    pl.DataFrame({
        "Lead ID": "L" + i.cast(pl.String),
        "Created": pl.Series(["2024-03-04 10:11:12", "2024-05-06 08:00:00"] * (n // 2 + 1))[:n],
        "Lead Source": pl.Series(["Google", "Facebook", "Referral", "Fair"] * (n // 4 + 1))[:n],
        "Owner": pl.Series(["Ana Lima", "Marcus Reed", "Jo Park"] * (n // 3 + 1))[:n],
        "Status": pl.Series(["Won", "Lost", "Open", "Open", "Lost"] * (n // 5 + 1))[:n],
        "Amount": (i % 9_973 * 3).cast(pl.String),
        "Country": pl.Series(["Brazil", "India", "Germany"] * (n // 3 + 1))[:n],
    }).write_csv(path)
    return path


CHILD = """
import resource, sys, time
from pathlib import Path
import funnel
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
path = Path(sys.argv[1])
before = rss()
t = time.perf_counter()
data = path.read_bytes()              # the upload's bytes, as Streamlit hands them over
raw = funnel.read_file(data, name=path.name)
del data
ds = funnel.build_dataset([("leads", raw)], release=True)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(before, peak, ds.leads.height, time.perf_counter() - t)
"""


def measure(path: Path) -> tuple[float, float, int, float]:
    """Peak memory above the child's start, as bytes and as a multiple of the file size;
    rows kept; seconds."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1].split()
    before, peak, rows, secs = int(out[0]), int(out[1]), int(out[2]), float(out[3])
    size = path.stat().st_size
    return peak - before, (peak - before) / size, rows, secs


def main() -> None:
    """Generate the file, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mb", nargs="?", type=int, default=300, help="file size in MB")
    mb = ap.parse_args().mb
    t = time.perf_counter()
    path = make_csv(mb)
    size = path.stat().st_size
    print(f"{path.name}: {size / 1e6:,.0f} MB (generated in {time.perf_counter() - t:.1f}s)")
    extra, ratio, rows, secs = measure(path)
    print(f"read {rows:,} rows in {secs:.1f}s; peak memory above start "
          f"{extra / 1e6:,.0f} MB = {ratio:.2f}x the file size (target <= 2.5x)")


if __name__ == "__main__":
    main()
