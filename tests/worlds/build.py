"""The truth-suite world generator: one seeded export of leads, deals and activities.

A lead arrives (mostly in working hours; some at night and at weekends) through a
campaign of a source, is a kind of company (industry, size: the *fit*), is assigned to
a rep, first touched after some business hours (or never), may be accepted (SAL),
qualified (SQL), become an opportunity and be won or lost after a cycle of weeks;
whatever has not happened by the export's end is not in the export (open). Wins take
longer to close than losses, so recent leads that have closed are mostly losses.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import polars as pl

from funnel.ingest.build import build_dataset
from funnel.ingest.readers import read_file
from worlds.clock import EPOCH, add_business_hours, to_datetime, window_of
from worlds.spec import (
    CAMPAIGNS,
    CULPRIT,
    FIT_INDUSTRIES,
    FIT_SIZES,
    FREE,
    INDUSTRIES,
    INDUSTRY_SHARE,
    REASONS,
    REPS,
    SIZE_SHARE,
    SIZES,
    SOURCE_SHARE,
    SOURCES,
    WORLDS,
)

END = dt.datetime(2025, 7, 1)
END_H = (END - EPOCH).total_seconds() / 3600
SPAN_DAYS = 400
DAY = 24.0


def _arrivals(rng: np.random.Generator, n: int) -> np.ndarray:
    """Arrival moments (hours since the epoch), sorted: 75% in working hours, weekends
    thinned to 30%."""
    m = int(n * 2)
    day = np.floor(END_H / DAY) - SPAN_DAYS + np.floor(rng.uniform(0, SPAN_DAYS, m))
    hour = np.where(rng.random(m) < 0.75, rng.uniform(8, 18, m), rng.uniform(18, 32, m))
    t = day * DAY + hour
    keep = (((np.floor(t / DAY) % 7) < 5) | (rng.random(m) < 0.3)) & (t < END_H)
    return np.sort(t[keep][:n])


def _mix(rng, kind: str, n: int, effect: float) -> dict[str, np.ndarray]:
    """Where each lead comes from and who it is."""
    src = rng.choice(len(SOURCES), n, p=SOURCE_SHARE)
    source = np.array(SOURCES, dtype=object)[src]
    campaign = np.empty(n, dtype=object)
    for i, s in enumerate(SOURCES):
        sel = src == i
        names = (CAMPAIGNS[s] if kind != "small_campaigns"
                 else tuple(f"{s[:3].lower()}-{k:03d}" for k in range(40)))
        campaign[sel] = np.array(names, dtype=object)[rng.integers(0, len(names), sel.sum())]
    industry = np.array(INDUSTRIES, dtype=object)[rng.choice(len(INDUSTRIES), n,
                                                               p=INDUSTRY_SHARE)]
    if kind == "profile":  # the whole source sends out-of-profile companies
        swap = (source == "Syndication") & (rng.random(n) < 0.75 * effect)
        industry[swap] = np.array(("Retail", "Healthcare"), dtype=object)[
            rng.integers(0, 2, swap.sum())]
    size = np.array(SIZES, dtype=object)[rng.choice(len(SIZES), n, p=SIZE_SHARE)]
    fit = np.isin(industry, FIT_INDUSTRIES) & np.isin(size, FIT_SIZES)
    return {"source": source, "campaign": campaign, "industry": industry, "size": size,
            "fit": fit, "intent": rng.normal(0, 1, n)}


def _owners(rng, kind: str, t: np.ndarray, mix: dict) -> np.ndarray:
    """Who each lead is assigned to (uniform, except in the rep traps)."""
    n = t.size
    reps = np.array(REPS, dtype=object)
    others = np.array([r for r in REPS if r != CULPRIT], dtype=object)
    owner = reps[rng.integers(0, len(REPS), n)]
    special = None
    if kind == "territory_rep":
        special = mix["industry"] == "Manufacturing"
    elif kind == "immature_rep":
        special = (t > END_H - 100 * DAY) & (rng.random(n) < 0.5)
    elif kind == "night_shift":
        special = (window_of(t) != "working hours") & (rng.random(n) < 0.95)
    if special is not None:
        owner = np.where(special, CULPRIT, others[rng.integers(0, len(others), n)])
    return owner


def _touch(rng, kind: str, t, owner, mix, effect: float):
    """Assignment and first touch (hours since the epoch; NaN = never)."""
    n = t.size
    is_x = owner == CULPRIT
    assign_med = np.where(is_x & (kind == "late_assignment"), 0.05 * 60 ** effect, 0.05)
    assigned = t + assign_med * np.exp(rng.normal(0, 1, n))
    med = np.ones(n)
    if kind == "slow_rep":
        med[is_x] *= 1 + 7 * effect
    elif kind == "fit_speed":
        med = np.where(mix["fit"], 0.15, 1.5)
    elif kind == "simpson":
        med[mix["source"] == "Events"] *= 8
    first = add_business_hours(assigned, med * np.exp(rng.normal(0, 1.1, n)))
    never = np.full(n, 0.06)
    if kind == "follow_up_owner":
        never[is_x] += 0.3 * effect
    elif kind == "follow_up_source":
        never[mix["source"] == "Syndication"] += 0.29 * effect
    first[rng.random(n) < never] = np.nan
    return assigned, first


def _stages(rng, kind, t, first, owner, mix, effect):
    """SAL, SQL and opportunity moments, and which opportunities are early ones."""
    n = t.size
    touched = ~np.isnan(first)
    wall = np.where(touched, first - t, 0.0)
    speed = ((1 + wall) ** (-0.35 * effect) if kind in ("slow_rep", "slow_window",
                                                          "night_shift") else 0.55)
    src = np.where((kind == "simpson") & (mix["source"] == "Events"), 0.35, 1.0)
    p = 0.3 * np.where(mix["fit"], 2.0, 0.6) * np.exp(0.35 * mix["intent"] - 0.06) * speed * src
    p = np.where(touched, np.clip(p, 0, 0.95), 0.01)
    qualified = rng.random(n) < p
    sal = qualified | (touched & (rng.random(n) < 0.3))
    base = np.where(touched, first, t)
    t_sal = np.where(sal, base + rng.uniform(0.5, 3, n) * DAY, np.nan)
    t_sql = np.where(qualified, t_sal + rng.uniform(1, 7, n) * DAY, np.nan)
    opp = qualified & (rng.random(n) < 0.7)
    t_opp = np.where(opp, t_sql + rng.uniform(2, 10, n) * DAY, np.nan)
    early = np.zeros(n, bool)
    if kind == "pipeline":
        early = (owner == CULPRIT) & sal & ~qualified & (rng.random(n) < 0.6 * effect)
        t_opp = np.where(early, t_sal + rng.uniform(1, 4, n) * DAY, t_opp)
    return t_sal, t_sql, t_opp, early


def _close(rng, kind, t_opp, early, owner, mix, effect):
    """Each opportunity's outcome and close moment (won ones take longer)."""
    n = t_opp.size
    opp = ~np.isnan(t_opp)
    vert = np.where((kind == "territory_rep") & (mix["industry"] == "Manufacturing"), 0.35, 1)
    rep = np.where((kind == "readiness") & (owner == CULPRIT), 1 - 0.6 * effect, 1.0)
    pw = 0.4 * np.where(mix["fit"], 1.3, 0.75) * np.exp(0.3 * mix["intent"]) * vert * rep
    pw = np.where(early, 0.05, np.clip(pw, 0, 0.95))
    won = opp & (rng.random(n) < pw)
    t_close = t_opp + np.where(won, rng.gamma(2, 30, n), rng.gamma(2, 15, n)) * DAY
    return won, t_close


def _reasons(rng, kind, campaign, effect, n):
    """A loss or disqualification reason per lead (the message world's campaign gives
    one reason far more often)."""
    r = np.array(REASONS, dtype=object)[rng.integers(0, len(REASONS), n)]
    if kind == "message":
        r[(campaign == "soc-facebook") & (rng.random(n) < 0.45 * effect)] = FREE
    return r


def _activities(rng, kind, first, owner, effect) -> pl.DataFrame:
    """Every touch: the first (by the owner, or another rep for hand-overs) and a few
    more over the following days; none after the export's end."""
    n = first.size
    idx = np.flatnonzero(~np.isnan(first) & (first <= END_H))
    reps = np.array(REPS, dtype=object)
    other = np.full(n, 0.03)
    if kind == "handovers":
        other[owner == CULPRIT] += 0.4 * effect
    by = np.where(rng.random(n) < other, reps[rng.integers(0, len(REPS), n)], owner)
    extra = rng.poisson(1.5, idx.size)
    rows = np.repeat(idx, extra)
    starts = np.repeat(np.cumsum(extra) - extra, extra)
    rank = np.arange(rows.size) - starts + 1  # 1, 2, … within each lead
    cum = rank * rng.uniform(1, 5, rows.size) * DAY
    lead = np.concatenate([idx, rows])
    at = np.concatenate([first[idx], first[rows] + cum])
    who = np.concatenate([by[idx], owner[rows]])
    keep = at <= END_H
    return pl.DataFrame({"lead_id": _ids(lead[keep]), "at": to_datetime(at[keep]),
                         "kind": "call", "owner": who[keep].astype(str)})


def _ids(i: np.ndarray) -> np.ndarray:
    return np.char.add("L", np.char.zfill(i.astype(str), 6))


def _text(values: np.ndarray, keep: np.ndarray) -> pl.Series:
    """``values`` as text, null where not ``keep``."""
    return pl.Series(np.where(keep, values, "").astype(str)).replace("", None)


def _censor(h: np.ndarray) -> np.ndarray:
    """Moments after the export's end are not in the export."""
    return np.where(h <= END_H, h, np.nan)


def world_frames(kind: str, *, n: int = 20_000, seed: int = 0,
                 effect: float = 1.0) -> dict[str, pl.DataFrame]:
    """The export of world ``kind`` (a key of :data:`worlds.spec.WORLDS`) as canonical
    frames ``leads``, ``deals``, ``activities``."""
    if kind not in WORLDS:
        raise ValueError(f"unknown world {kind!r}")
    rng = np.random.default_rng(seed)
    t = _arrivals(rng, n)
    n = t.size
    mix = _mix(rng, kind, n, effect)
    owner = _owners(rng, kind, t, mix)
    assigned, first = _touch(rng, kind, t, owner, mix, effect)
    t_sal, t_sql, t_opp, early = _stages(rng, kind, t, first, owner, mix, effect)
    won, t_close = _close(rng, kind, t_opp, early, owner, mix, effect)
    reasons = _reasons(rng, kind, mix["campaign"], effect, n)
    opp = ~np.isnan(t_opp) & (t_opp <= END_H)
    # leads without an opportunity: disqualified some days after their last stage
    last = np.where(~np.isnan(t_sql), t_sql, np.where(~np.isnan(t_sal), t_sal, first))
    disq = (~np.isnan(last) & ~opp & (~np.isnan(t_sal) | (rng.random(n) < 0.7)))
    t_disq = _censor(np.where(disq, last + rng.uniform(3, 20, n) * DAY, np.nan))
    disq &= ~np.isnan(t_disq)
    if kind == "scoring":
        score = 50 + rng.normal(0, 15, n)
    else:
        score = 50 + 10 * mix["intent"] + 12 * mix["fit"] + rng.normal(0, 8, n)
    ids = _ids(np.arange(n))
    leads = pl.DataFrame({
        "lead_id": ids, "created_at": to_datetime(t), "source": mix["source"].astype(str),
        "campaign": mix["campaign"].astype(str), "owner": owner.astype(str),
        "assigned_at": to_datetime(_censor(assigned)), "sal_at": to_datetime(_censor(t_sal)),
        "sql_at": to_datetime(_censor(t_sql)),
        "lost_reason": _text(reasons, disq), "closed_at": to_datetime(t_disq),
        "score": np.round(score, 1), "industry": mix["industry"].astype(str),
        "company_size": mix["size"].astype(str)})
    closed = opp & (t_close <= END_H)
    outcome = np.where(~closed, "open", np.where(won, "won", "lost"))
    amount = np.round(np.exp(rng.normal(np.log(20_000), 0.5, n)), 0)
    deals = pl.DataFrame({
        "deal_id": np.char.replace(ids, "L", "D"), "lead_id": ids,
        "created_at": to_datetime(t_opp), "outcome": outcome,
        "closed_at": to_datetime(np.where(closed, t_close, np.nan)),
        "amount": pl.Series(np.where(outcome == "won", amount, np.nan)).fill_nan(None),
        "owner": owner.astype(str),
        "lost_reason": _text(reasons, outcome == "lost")}).filter(pl.Series(opp))
    return {"leads": leads, "deals": deals,
            "activities": _activities(rng, kind, first, owner, effect)}


def make_world(kind: str, *, n: int = 20_000, seed: int = 0, effect: float = 1.0):
    """World ``kind`` built into a Dataset the way the sample is: each frame written as
    CSV text and read, mapped, typed and linked by
    :func:`funnel.ingest.build.build_dataset`."""
    return dataset_of(world_frames(kind, n=n, seed=seed, effect=effect),
                      label=f"world {kind} (seed {seed})")


def dataset_of(frames: dict[str, pl.DataFrame], *, label: str = "world"):
    """Canonical frames built into a Dataset through CSV text, as the sample is."""
    def tables():
        for role in ("leads", "deals", "activities"):
            buffer = io.BytesIO()
            frames[role].write_csv(buffer)
            yield role, read_file(buffer.getvalue(), name=f"{role}.csv")

    return build_dataset(tables(), now=END, label=label)
