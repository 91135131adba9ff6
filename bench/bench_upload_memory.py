"""Peak memory of an upload: a generated CSV of a given size, read and built the way the app
reads and builds an upload.

Run by hand: ``python bench/bench_upload_memory.py [MB]`` (default 300), or ``--file CSV``
to measure an export of your own. The generated file goes to ``bench/out/`` and is never
committed.

What is counted: the server's memory per upload, each figure the peak resident memory of
a child process above what it held after its imports and before the bytes arrived, as a
multiple of the file size. Memory the allocator keeps after it is freed is counted too (it
is the server's all the same); each child imports ``ui`` first, as ``app.py`` does, so
it runs with the allocator setting of the app's server, and "held" is read a second and
a half after the work, as a server idles between a user's clicks. Three children:

- ``parse``: the bytes, then ``funnel.read_file(bytes, name=...)`` — the upload parsing
  issue 15 sets the target for (≤ 2.5× at peak);
- ``upload``: the whole upload as the Data page does it: the bytes, ``read_file``, then
  the bytes let go (``ui.state.release_upload``: Streamlit's copy and ours), then
  ``funnel.build_dataset([("leads", raw)])``. The parsed table is kept (the mapping
  screen re-types it), as is the dataset;
- ``cli``: ``funnel.load(path)``, the command line reading the file from disk (it frees
  each file's text once typed).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


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
import gc, resource, sys, time
from pathlib import Path
import ui  # first, as app.py: the allocator setting of the app's server
import funnel
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
mode, path = sys.argv[1], Path(sys.argv[2])
before = rss()
t = time.perf_counter()
if mode == "cli":
    ds = funnel.load(path)           # kept alive: "held" counts what a caller keeps
    rows = ds.leads.height
else:
    data = path.read_bytes()        # the upload's bytes, as Streamlit holds them
    raw = funnel.read_file(data, name=path.name)
    rows = raw.rows_read
    if mode == "upload":
        del data                    # let go once parsed (ui.state.release_upload)
        gc.collect()
        ds = funnel.build_dataset([("leads", raw)])  # kept, as the session keeps it
        rows = ds.leads.height
secs = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
time.sleep(1.5)
print(before, peak, rss(), rows, secs)
"""

MODES = {
    "parse": "parse (the upload's bytes + read_file)",
    "upload": "upload (bytes let go, build_dataset: Data page)",
    "cli": "CLI (funnel.load from disk)",
}


def measure(mode: str, path: Path) -> tuple[float, float, int, float]:
    """Peak and held memory above the child's start as multiples of the file size; rows;
    seconds."""
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.strip().splitlines()[-1].split()
    before, peak, held, rows, secs = (int(out[0]), int(out[1]), int(out[2]), int(out[3]),
                                      float(out[4]))
    size = path.stat().st_size
    return (peak - before) / size, (held - before) / size, rows, secs


def main() -> None:
    """Generate the file, measure each mode, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mb", nargs="?", type=int, default=300, help="file size in MB")
    ap.add_argument("--file", type=Path,
                    help="measure this CSV (e.g. bench/out/big/contacts.csv) instead")
    ap.add_argument("--modes", default=",".join(MODES),
                    help=f"comma-separated, of {', '.join(MODES)}")
    args = ap.parse_args()
    t = time.perf_counter()
    path = args.file or make_csv(args.mb)
    size = path.stat().st_size
    print(f"{path.name}: {size / 1e6:,.0f} MB (generated in {time.perf_counter() - t:.1f}s)")
    for mode in args.modes.split(","):
        peak, held, rows, secs = measure(mode, path)
        target = " (target <= 2.5x)" if mode in ("parse", "upload") else ""
        print(f"{MODES[mode]:<44} {rows:,} rows in {secs:5.1f}s: peak {peak:.2f}x the file"
              f"{target}, {held:.2f}x held at the end")


if __name__ == "__main__":
    main()
