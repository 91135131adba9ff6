"""Stage 3 of a lead's life: routed to a sales rep (or to nobody), maybe reassigned.

Owners are drawn the same way whatever is planted. With ``routing``, "Priya Shah"
gets her leads hours late and loses many of them to another rep, and some leads end
with no owner at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.arrival import Arrival
from funnel.sample.calendar import Window, add_business_hours, floor_minutes
from funnel.sample.world import PRIYA, REP_WEIGHT, REPS, RepHabits


@dataclass(frozen=True)
class Routing:
    """Who owns each lead, since when, and who works it."""

    owner: np.ndarray  # HubSpot contact owner (index into REPS; meaningless when unassigned)
    unassigned: np.ndarray  # no owner at the export
    rep: np.ndarray  # the owner, 0 when unassigned (a safe index into the reps' habits)
    assigned: np.ndarray  # moment the owner was assigned
    reassigned: np.ndarray  # another rep worked the lead first
    prev_rep: np.ndarray  # that other rep
    worker: np.ndarray  # the rep who works the lead (the owner, or anyone when unassigned)
    first_rep: np.ndarray  # the rep who touches it first


def route(
    rng: np.random.Generator,
    arrival: Arrival,
    habits: RepHabits,
    plant: frozenset[str],
    window: Window,
) -> Routing:
    """Draw each lead's owner, the moment it is assigned, and whether it is reassigned.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    arrival : funnel.sample.arrival.Arrival
        The leads.
    habits : funnel.sample.world.RepHabits
        The reps' habits (their share of reassigned leads).
    plant : frozenset of str
        The planted problems; ``routing`` delays Priya's assignments.
    window : funnel.sample.calendar.Window
        The window (holidays, and the export: a lead assigned after it has no owner).

    Returns
    -------
    Routing
    """
    created = arrival.created
    n = created.size
    owner = rng.choice(len(REPS), size=n, p=REP_WEIGHT / REP_WEIGHT.sum())
    unassigned = rng.random(n) < 0.04
    rep = np.where(unassigned, 0, owner)  # safe index for parameter lookups
    assigned = created + np.maximum(1.0, np.rint(rng.lognormal(np.log(2.0), 0.8, n))) / 60.0
    priya = (owner == PRIYA) & ~unassigned & ("routing" in plant)
    slow_route = add_business_hours(created, rng.lognormal(np.log(4.0), 0.9, n), window.holidays)
    assigned = floor_minutes(np.where(priya, slow_route, assigned) + 0.5 / 60.0)
    unassigned |= assigned >= window.t_export

    reassigned = ~unassigned & (rng.random(n) < habits.reassign[rep])
    prev_rep = (owner + rng.integers(1, len(REPS), size=n)) % len(REPS)
    worker = np.where(unassigned, rng.integers(0, len(REPS), size=n), owner)
    first_rep = np.where(reassigned, prev_rep, worker)
    return Routing(
        owner=owner, unassigned=unassigned, rep=rep, assigned=assigned, reassigned=reassigned,
        prev_rep=prev_rep, worker=worker, first_rep=first_rep,
    )
