"""Stage 8 of a lead's life: its touches, logged in Pipedrive as calls, emails and meetings.

The first touch is at the response moment; later ones follow at random gaps and move
to business hours. A reassigned lead's first touches are by the previous rep, and its
HubSpot "Owner Assigned Date" becomes the hand-over to the owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.calendar import Window, floor_minutes, next_open
from funnel.sample.draws import pick
from funnel.sample.routing import Routing
from funnel.sample.world import SUBJECTS

#: The activity types of Pipedrive, in the order of :data:`Activities.kind`.
KINDS: tuple[str, ...] = ("call", "email", "meeting")


@dataclass(frozen=True)
class Activities:
    """Every touch (grouped by lead, in order), and the owners' final assignment moments."""

    lead: np.ndarray  # index of the touched lead
    at: np.ndarray  # moment the activity was marked done (hours since epoch)
    keep: np.ndarray  # done before the export (visible)
    kind: np.ndarray  # index into KINDS
    rep: np.ndarray  # the rep who did it (index into REPS)
    subject: np.ndarray  # index into the subjects of all KINDS, in order
    assigned: np.ndarray  # per lead: Owner Assigned Date (hand-over for a reassigned lead)


def log_activities(
    rng: np.random.Generator,
    n_act: np.ndarray,
    first_touch: np.ndarray,
    sal: np.ndarray,
    routing: Routing,
    window: Window,
) -> Activities:
    """Draw each touch's moment, type, rep and subject; move reassigned leads' assignment.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    n_act : numpy.ndarray
        Number of touches of each lead.
    first_touch : numpy.ndarray
        Moment of each lead's first touch.
    sal : numpy.ndarray
        Accepted by sales (more meetings).
    routing : funnel.sample.routing.Routing
        Owners, reassignment and assignment moments.
    window : funnel.sample.calendar.Window
        The window (holidays; touches after the export are not visible).

    Returns
    -------
    Activities
    """
    hol, t_export = window.holidays, window.t_export
    reassigned = routing.reassigned
    n = n_act.size
    total = int(n_act.sum())
    act_lead = np.repeat(np.arange(n), n_act)
    starts = np.cumsum(n_act) - n_act
    act_idx = np.arange(total) - np.repeat(starts, n_act)
    gaps = np.where(act_idx == 0, 0.0, rng.exponential(36.0, total))
    cum = np.cumsum(gaps)
    cum -= np.repeat(cum[starts[n_act > 0]], n_act[n_act > 0])
    raw = first_touch[act_lead] + cum
    snapped = next_open(raw, hol)
    act_t = np.where(act_idx == 0, raw, np.where(snapped > raw, snapped + rng.random(total) * 2.0,
                                                 raw))
    # keep each lead's touches in order (leads are contiguous; 1e7 h separates them)
    act_t = np.maximum.accumulate(act_t - first_touch[act_lead] + act_lead * 1e7)
    act_t = act_t - act_lead * 1e7 + first_touch[act_lead]
    a_sal = sal[act_lead]
    kind_probs = np.where(
        (act_idx == 0)[:, None],
        np.array([0.6, 0.4, 0.0]),
        np.where(a_sal[:, None], np.array([0.45, 0.38, 0.17]), np.array([0.52, 0.45, 0.03])),
    )
    kind = pick(rng, kind_probs)
    n_prev = np.maximum(1, np.floor(n_act * rng.uniform(0.2, 0.6, n))).astype(np.int64)
    by_prev = reassigned[act_lead] & (act_idx < n_prev[act_lead])
    act_rep = np.where(by_prev, routing.prev_rep[act_lead], routing.worker[act_lead])
    # A reassigned lead's Owner Assigned Date is the hand-over from the previous rep.
    handed = np.flatnonzero(reassigned & (n_act > 0))
    prev_last = act_t[starts[handed] + np.minimum(n_prev[handed], n_act[handed]) - 1]
    later = n_act[handed] > n_prev[handed]
    owner_first = act_t[starts[handed] + np.where(later, n_prev[handed], 0)]
    hand_over = np.where(
        later,
        prev_last + (owner_first - prev_last) * rng.uniform(0.2, 0.8, handed.size),
        prev_last + rng.exponential(24.0, handed.size),
    )
    assigned = routing.assigned.copy()
    assigned[handed] = np.minimum(floor_minutes(hand_over + 0.5 / 60.0),
                                  floor_minutes(np.array([t_export - 1.0 / 60.0]))[0])
    subj_n = np.array([len(SUBJECTS[x]) for x in KINDS])
    subj_off = np.concatenate([[0], np.cumsum(subj_n)[:-1]])
    subj = subj_off[kind] + np.floor(rng.random(total) * subj_n[kind]).astype(np.int64)
    return Activities(lead=act_lead, at=act_t, keep=act_t < t_export, kind=kind, rep=act_rep,
                      subject=subj, assigned=assigned)
