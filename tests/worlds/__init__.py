"""Truth-suite worlds: seeded CRM exports with one problem planted (or a trap), built into
a :class:`~funnel.dataset.tables.Dataset` the way the sample is (CSV text through
:func:`funnel.ingest.build.build_dataset`).
``make_world("null", n=2_000, seed=1)`` is a clean export of 2,000 leads.
"""

from worlds.build import make_world, world_frames
from worlds.spec import PLANTED, TRAPS, WORLDS, Expect, stated_profile

__all__ = ["PLANTED", "TRAPS", "WORLDS", "Expect", "make_world", "stated_profile",
           "world_frames"]
