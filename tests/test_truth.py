"""The truth suite: each problem planted alone is found with its culprit, and nothing is
raised on the null and trap worlds (tests/worlds: seeded exports of 20,000 leads).

The slow grid (10 seeds, several sizes and effect sizes) is ``bench/bench_truth.py``;
its table is in docs/diagnosis.md.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl
import pytest
from worlds import TRAPS, WORLDS, make_world, stated_profile
from worlds.build import END, dataset_of, world_frames
from worlds.clock import add_business_hours, is_working

from funnel.analyses.closed_loop import closed_loop
from funnel.findings.registry import diagnose_places

SEEDS = (11, 12)
N = 20_000


def named(card, key: str, value: str) -> bool:
    """Whether ``card`` names ``value`` under culprit ``key`` (one of a listed few)."""
    return any(value in part for part in str(card.culprit.get(key, "")).split(", "))


@functools.cache
def cards_of(kind: str, seed: int) -> tuple:
    """The cards of world ``kind`` (computed once per session)."""
    return tuple(diagnose_places(make_world(kind, n=N, seed=seed),
                                 profile=stated_profile(kind)))


def cases(kinds) -> list:
    return [pytest.param(k, s, id=f"{k}-{s}") for k in kinds for s in SEEDS]


@pytest.mark.parametrize(("kind", "seed"), cases(
    [k for k, e in WORLDS.items() if e.place is not None]))
def test_truth_planted_found_with_culprit(kind, seed):
    expect = WORLDS[kind]
    card = next(c for c in cards_of(kind, seed) if c.place == expect.place)
    assert card.status == "problem", card.headline
    if expect.culprit:
        assert named(card, *expect.culprit), (card.culprit, card.headline)


@pytest.mark.parametrize(("kind", "seed"), cases(TRAPS))
def test_truth_nothing_else_raised(kind, seed):
    expect = WORLDS[kind]
    raised = {c.place: c.headline for c in cards_of(kind, seed)
              if c.status == "problem" and c.place != expect.place}
    assert not raised, raised


@pytest.mark.parametrize(("kind", "seed"), cases(
    [k for k, e in WORLDS.items() if e.forbid is not None]))
def test_truth_trap_culprit_not_blamed(kind, seed):
    forbid = WORLDS[kind].forbid
    blamed = [c.place for c in cards_of(kind, seed)
              if c.status == "problem" and named(c, *forbid)]
    assert not blamed, blamed


def test_truth_profile_names_the_source_over_its_campaigns():
    card = next(c for c in cards_of("profile", SEEDS[0]) if c.place == "profile")
    assert "Syndication" in card.headline.split(" sends ")[0], card.headline


@pytest.mark.parametrize("kind", sorted(TRAPS))
def test_world_frames_nothing_after_the_export(kind):
    frames = world_frames(kind, n=2_000, seed=1)
    stamps = [frames["leads"][c].max() for c in ("created_at", "sal_at", "sql_at", "closed_at")]
    stamps += [frames["deals"]["closed_at"].max(), frames["activities"]["at"].max()]
    assert all(s is None or s <= END for s in stamps)


def test_world_clock_business_hours_skip_nights_and_weekends():
    friday_17h = np.array([4 * 24 + 17.0])
    monday_9h = add_business_hours(friday_17h, np.array([2.0]))
    assert monday_9h[0] == 7 * 24 + 9 and is_working(monday_9h)[0]


def test_closed_loop_marks_a_source_whose_leads_have_not_had_time_to_close():
    frames = world_frames("null", n=N, seed=SEEDS[0])
    late = dt.datetime(2025, 5, 2)  # launched 60 days before the export
    keep = frames["leads"].filter((pl.col("source") != "Syndication")
                                  | (pl.col("created_at") >= late))["lead_id"]
    ds = dataset_of({k: f.filter(pl.col("lead_id").is_in(keep.implode()))
                     for k, f in frames.items()})
    t = closed_loop(ds)
    flags = dict(zip(t["source"].to_list(), t["not_settled"].to_list(), strict=True))
    assert flags.pop("Syndication") is True and not any(flags.values())
