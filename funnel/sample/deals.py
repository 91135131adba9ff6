"""Stage 6 of a lead's life: its opportunity becomes a Pipedrive deal that is won, lost or
still open at the export (and a few leads get a second deal later).

The chance to win follows the propensity to convert and the rep's win factor; a lead
expecting a free product rarely buys. With ``pipeline`` "Tom Becker"'s early
opportunities often end "No decision"; with ``readiness`` "Lena Park" wins few.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.calendar import Window, add_business_hours, floor_minutes
from funnel.sample.draws import pick
from funnel.sample.profile import Profile, Score
from funnel.sample.qualification import SalesStages
from funnel.sample.routing import Routing
from funnel.sample.world import REPS, RepHabits


@dataclass(frozen=True)
class Deals:
    """The deals (first deals, then second ones), in no particular order."""

    lead: np.ndarray  # index of the deal's lead
    first: int  # the first ``first`` deals are the leads' first deals
    created: np.ndarray  # moments (hours since epoch)
    close: np.ndarray  # moment of winning or losing (also for open deals: the planned one)
    status: np.ndarray  # 0 open, 1 won, 2 lost
    tom_no_decision: np.ndarray  # Tom's deal that ends "No decision"
    won_lead: np.ndarray  # per lead: has a won deal


@dataclass(frozen=True)
class DealTerms:
    """What each deal's record says besides its dates."""

    value: np.ndarray  # dollars, whole 500s
    lost_reason: np.ndarray  # index into LOST_REASONS
    stage: np.ndarray  # index into DEAL_STAGES
    owner: np.ndarray  # index into REPS


def close_deals(
    rng: np.random.Generator,
    stages: SalesStages,
    score: Score,
    profile: Profile,
    routing: Routing,
    habits: RepHabits,
    window: Window,
) -> Deals:
    """Open a deal for each opportunity and draw whether and when it is won or lost.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    stages : funnel.sample.qualification.SalesStages
        The opportunities and their moments.
    score, profile : funnel.sample.profile.Score, funnel.sample.profile.Profile
        The propensity to convert; who expects a free product.
    routing : funnel.sample.routing.Routing
        Who works each lead.
    habits : funnel.sample.world.RepHabits
        The reps' win factors.
    window : funnel.sample.calendar.Window
        The window (holidays; deals still running at the export are open).

    Returns
    -------
    Deals
    """
    hol, t_export = window.holidays, window.t_export
    n = stages.opp.size
    lead_of_deal = np.flatnonzero(stages.opp)
    m = lead_of_deal.size
    d_created = floor_minutes(stages.opp_t[lead_of_deal]) + rng.integers(0, 60, size=m) / 3600.0
    d_q = score.q[lead_of_deal]
    d_rep = routing.worker[lead_of_deal]
    d_tom = stages.tom[lead_of_deal]
    d_free = profile.expects_free[lead_of_deal]
    p_win = (0.03 + 0.75 * d_q) * habits.win[d_rep] * np.where(d_free, 0.1, 1.0)
    will_win = rng.random(m) < np.clip(p_win, 0, 0.95)
    no_decision = d_tom & ~will_win & (rng.random(m) < 0.7)
    cycle_days = np.where(
        will_win, rng.gamma(4.0, 10.0, m), np.where(no_decision, rng.gamma(4.0, 14.0, m),
                                                   rng.gamma(2.5, 12.0, m))
    ) + 3.0
    d_close = add_business_hours(d_created + cycle_days * 24.0, rng.random(m) * 8.0, hol)
    d_closed = d_close < t_export
    d_status = np.where(d_closed, np.where(will_win, 1, 2), 0)  # 0 open, 1 won, 2 lost

    # a handful of leads get a second deal after the first one closed
    second = d_closed & (rng.random(m) < 0.015)
    s_idx = np.flatnonzero(second)
    s_created = d_close[s_idx] + rng.uniform(14, 120, s_idx.size) * 24.0
    keep2 = s_created < t_export
    s_idx, s_created = s_idx[keep2], floor_minutes(s_created[keep2]) + 0.5 / 60.0
    s_win = rng.random(s_idx.size) < np.where(will_win[s_idx], 0.45, 0.2)
    s_cycle = (rng.gamma(3.0, 10.0, s_idx.size) + 3.0) * 24.0
    s_close = add_business_hours(s_created + s_cycle, rng.random(s_idx.size) * 8.0, hol)
    s_status = np.where(s_close < t_export, np.where(s_win, 1, 2), 0)

    all_lead = np.concatenate([lead_of_deal, lead_of_deal[s_idx]])
    all_status = np.concatenate([d_status, s_status])
    won_lead = np.zeros(n, dtype=bool)
    won_lead[all_lead[all_status == 1]] = True
    return Deals(
        lead=all_lead,
        first=m,
        created=np.concatenate([d_created, s_created]),
        close=np.concatenate([d_close, s_close]),
        status=all_status,
        tom_no_decision=np.concatenate([no_decision, np.zeros(s_idx.size, dtype=bool)]),
        won_lead=won_lead,
    )


def deal_terms(
    rng: np.random.Generator,
    deals: Deals,
    profile: Profile,
    routing: Routing,
    window: Window,
) -> DealTerms:
    """Draw each deal's value, lost reason, pipeline stage and owner.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    deals : Deals
        The deals.
    profile : funnel.sample.profile.Profile
        The leads' company size, budget and expectations.
    routing : funnel.sample.routing.Routing
        Who works each lead.
    window : funnel.sample.calendar.Window
        The window (an open deal's stage follows how far along it is at the export).

    Returns
    -------
    DealTerms
    """
    all_lead, all_status, all_tom_nd = deals.lead, deals.status, deals.tom_no_decision
    all_created, all_close = deals.created, deals.close
    all_free = profile.expects_free[all_lead]
    k = all_lead.size
    m = deals.first
    size_value = np.array([9_000.0, 9_000.0, 24_000.0, 46_000.0])[profile.seg[all_lead]]
    size_value *= np.concatenate([np.ones(m), np.full(k - m, 0.5)])
    value = np.clip(np.rint(size_value * rng.lognormal(0, 0.35, k) / 500.0) * 500.0, 5_000, 80_000)

    lost_probs = np.tile(np.array([0.27, 0.23, 0.15, 0.17, 0.02, 0.16]), (k, 1))
    lost_probs[:, 0] += 0.25 * ~profile.budget[all_lead]
    lost_reason = pick(rng, lost_probs)
    lost_reason = np.where(all_free & (rng.random(k) < 0.85), 4, lost_reason)
    lost_reason = np.where(all_tom_nd, 2, lost_reason)

    frac = np.clip((window.t_export - all_created) / np.maximum(all_close - all_created, 1.0),
                   0, 0.999)
    stage_open = np.floor(frac * 4).astype(np.int64)
    stage_won = np.where(rng.random(k) < 0.75, 3, 2)
    stage_lost = pick(rng, np.tile(np.array([0.3, 0.3, 0.25, 0.15]), (k, 1)))
    stage_lost = np.where(all_tom_nd, pick(rng, np.tile(np.array([0.55, 0.35, 0.1, 0.0]), (k, 1))),
                          stage_lost)
    stage = np.select([all_status == 0, all_status == 1], [stage_open, stage_won], stage_lost)
    deal_owner = np.where(rng.random(k) < 0.04, rng.integers(0, len(REPS), size=k),
                          routing.worker[all_lead])
    return DealTerms(value=value, lost_reason=lost_reason, stage=stage, owner=deal_owner)
