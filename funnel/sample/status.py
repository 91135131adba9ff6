"""Stage 7 of a lead's life: how often it is touched, and where HubSpot's Lead Status and
Disqualification Reason leave it at the export.

A lead never touched stays "New"; one not reached is "Attempted to Contact" or
"Unqualified: Not reachable"; a lead sales did not take further is "Unqualified" for
a reason its profile gives (no budget, student, too small, ...) or parked as "Bad Timing".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.calendar import Window
from funnel.sample.draws import pick
from funnel.sample.profile import Profile, Score
from funnel.sample.qualification import SalesStages
from funnel.sample.response import Response
from funnel.sample.world import DQ_REASONS


@dataclass(frozen=True)
class LeadStatus:
    """How many touches each lead gets, and its status at the export."""

    n_act: np.ndarray  # number of touches (activities), 0 when never touched
    status: np.ndarray  # 0 New, 1 Attempted to Contact, 2 Connected, 3 Open Deal,
    #                     4 Unqualified, 5 Bad Timing
    dq: np.ndarray  # index into DQ_REASONS
    dq_keep: np.ndarray  # the reason is filled in (the lead is Unqualified)


def lead_status(
    rng: np.random.Generator,
    created: np.ndarray,
    profile: Profile,
    score: Score,
    response: Response,
    stages: SalesStages,
    window: Window,
) -> LeadStatus:
    """Draw each lead's number of touches, its Lead Status and its disqualification reason.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    created : numpy.ndarray
        The leads' creation moments (a recent lead is still being worked).
    profile, score : funnel.sample.profile.Profile, funnel.sample.profile.Score
        The profile (the reasons to reject a lead) and propensity to convert.
    response : funnel.sample.response.Response
        Whether the lead was touched, and given up after one attempt.
    stages : funnel.sample.qualification.SalesStages
        The sales stages reached.
    window : funnel.sample.calendar.Window
        The window (its export moment).

    Returns
    -------
    LeadStatus
    """
    sal, sql, opp = stages.sal, stages.sql, stages.opp
    touched, q = response.touched, score.q
    p = profile
    n = created.size
    recent = (window.t_export - created) < 21 * 24.0
    n_act = 1 + rng.poisson(1.7, n)
    n_act += sal * (1 + rng.poisson(1.0, n)) + sql * (1 + rng.poisson(0.8, n)) + opp * rng.poisson(
        1.2, n
    )
    n_act = np.where(response.quit_early & ~sal, 1, np.minimum(n_act, 14))
    n_act = np.where(touched, n_act, 0)

    dq_probs = np.zeros((n, len(DQ_REASONS)))
    dq_probs[:, 0] = 0.05 + 1.1 * ~p.budget  # No budget
    dq_probs[:, 1] = 60.0 * p.student  # Student / job seeker
    dq_probs[:, 2] = 1.3 * (p.seg == 1)  # Too small
    dq_probs[:, 3] = 80.0 * p.competitor  # Competitor
    dq_probs[:, 4] = 0.9 * (p.title_grp == 3) + 0.2 * (p.title_grp == 2)  # Wrong contact
    dq_probs[:, 6] = 12.0 * p.expects_free  # Expected a free product
    dq = pick(rng, dq_probs)
    u = rng.random(n)
    # 0 New, 1 Attempted to Contact, 2 Connected, 3 Open Deal, 4 Unqualified, 5 Bad Timing
    reached = sal | ((rng.random(n) < 0.5 + 0.4 * q) & (n_act >= 2))
    status = np.select(
        [
            ~touched,
            opp,
            sql & (u < 0.4),
            sql & (u < 0.7),
            sql,
            sal & recent,
            sal & (u < 0.15),
            sal & (u < 0.40),
            sal,
            ~reached & (recent | (n_act < 2) | (u < 0.35)),
            ~reached,
            recent & (u < 0.6),
            u < 0.18,
        ],
        [0, 3, 2, 5, 4, 2, 2, 5, 4, 1, 4, 2, 5],
        4,
    )
    dq = np.where(~reached & (status == 4), 5, dq)
    # a reached lead with no reason to reject it is parked as "Bad Timing" instead
    status = np.where(reached & (status == 4) & (dq_probs.sum(axis=1) < 0.5), 5, status)
    return LeadStatus(n_act=n_act, status=status, dq=dq, dq_keep=status == 4)
