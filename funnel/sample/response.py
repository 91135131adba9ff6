"""Stage 4 of a lead's life: the first touch by a rep (or none), and maybe giving up.

With ``speed``, reps answer in business hours (a night or weekend lead waits for the
next working morning) and the response time is right-skewed; with ``follow_up``,
"Marcus Reed" leaves many leads untouched and reps give up after one attempt; with
``routing``, leads without an owner are mostly left alone and answered late.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.arrival import Arrival
from funnel.sample.calendar import Window, add_business_hours, next_open
from funnel.sample.routing import Routing
from funnel.sample.world import RepHabits


@dataclass(frozen=True)
class Response:
    """Whether and when each lead is first touched."""

    touched: np.ndarray  # touched before the export
    first_touch: np.ndarray  # moment of the first touch (hours since epoch)
    resp_h: np.ndarray  # hours from creation to the first touch
    quit_early: np.ndarray  # the rep gives up after this one attempt


def respond(
    rng: np.random.Generator,
    arrival: Arrival,
    routing: Routing,
    habits: RepHabits,
    plant: frozenset[str],
    window: Window,
) -> Response:
    """Draw whether each lead is touched, when first, and whether its rep gives up early.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    arrival : funnel.sample.arrival.Arrival
        The leads.
    routing : funnel.sample.routing.Routing
        Their owners.
    habits : funnel.sample.world.RepHabits
        The reps' delays, shares never touched and shares given up.
    plant : frozenset of str
        The planted problems (``speed``, ``routing``).
    window : funnel.sample.calendar.Window
        The window (holidays; nothing after the export is visible).

    Returns
    -------
    Response
    """
    created, hol = arrival.created, window.holidays
    r = routing
    n = created.size
    routed = "routing" in plant  # leads without an owner are mostly left alone
    never = habits.never
    never_p = np.where(r.unassigned, 0.75 if routed else never[r.worker], never[r.rep])
    touched = rng.random(n) >= never_p
    delay = rng.lognormal(np.log(habits.delay_median[r.first_rep]), habits.delay_sigma[r.first_rep])
    slow_unowned = rng.lognormal(np.log(24.0), 1.0, n)
    delay = np.where(r.unassigned & routed, slow_unowned, delay)
    delay = np.maximum(delay, 2.0 / 60.0)
    handle_from = np.where(r.reassigned | r.unassigned, created, r.assigned)
    day_start = next_open(handle_from, hol)  # backlog from the night/weekend: 8:00-9:00
    day_start += np.where(day_start > handle_from, rng.uniform(0.0, 1.0, n), 0.0)
    after_hours = rng.random(n) < 0.06  # some reps answer from their phone at night
    if "speed" in plant:
        first_touch = add_business_hours(day_start, delay, hol)
        first_touch = np.where(after_hours, handle_from + delay, first_touch)
    else:  # answered on the elapsed clock: nights and weekends are not held back
        first_touch = handle_from + delay
    first_touch = np.maximum(first_touch, created + 2.0 / 60.0)
    first_touch += rng.integers(0, 60, size=n) / 3600.0
    touched &= first_touch < window.t_export
    resp_h = first_touch - created

    quit_early = touched & (rng.random(n) < habits.quit[r.first_rep])
    return Response(touched=touched, first_touch=first_touch, resp_h=resp_h, quit_early=quit_early)
