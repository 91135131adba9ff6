"""The benchmarks' data: the sample generator's story at a given size, written once."""

from __future__ import annotations

import time
from pathlib import Path

from funnel.sample.export import load_sample, write_sample

OUT = Path(__file__).resolve().parent / "out"


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
