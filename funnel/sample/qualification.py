"""Stage 5 of a lead's life: accepted by sales (SAL), qualified (SQL), an opportunity, and
marked marketing-qualified (MQL).

The chance to move on follows the propensity to convert and, with ``speed``, falls
steeply with the hours to the first touch; with ``profile`` students are rarely
accepted; with ``pipeline`` "Tom Becker" qualifies and opens opportunities early.
A lead is MQL when its HubSpot score reaches 40, or at the latest when sales accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.calendar import Window, add_business_hours
from funnel.sample.profile import Profile, Score
from funnel.sample.response import Response
from funnel.sample.routing import Routing
from funnel.sample.world import SPEED_FLAT, TOM


@dataclass(frozen=True)
class SalesStages:
    """Which sales stages each lead reached before the export, and when."""

    tom: np.ndarray  # worked by Tom Becker, who opens opportunities early (``pipeline``)
    sal: np.ndarray
    sql: np.ndarray
    opp: np.ndarray
    sal_t: np.ndarray  # moments (hours since epoch), also where the stage is not reached
    sql_t: np.ndarray
    opp_t: np.ndarray


@dataclass(frozen=True)
class Mql:
    """Whether and when each lead became a marketing-qualified lead."""

    mql: np.ndarray
    mql_t: np.ndarray  # inf when never


def qualify(
    rng: np.random.Generator,
    profile: Profile,
    score: Score,
    routing: Routing,
    response: Response,
    plant: frozenset[str],
    window: Window,
) -> SalesStages:
    """Draw which touched leads sales accepts, qualifies and turns into opportunities.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    profile, score : funnel.sample.profile.Profile, funnel.sample.profile.Score
        The leads' profile and propensity to convert.
    routing : funnel.sample.routing.Routing
        Who works each lead.
    response : funnel.sample.response.Response
        The first touch.
    plant : frozenset of str
        The planted problems (``speed``, ``profile``, ``pipeline``).
    window : funnel.sample.calendar.Window
        The window (holidays; stages after the export are not reached).

    Returns
    -------
    SalesStages
    """
    q, hol, t_export = score.q, window.holidays, window.t_export
    touched, first_touch = response.touched, response.first_touch
    n = q.size
    speed = ((1.0 + response.resp_h) ** -0.6) ** 0.5 if "speed" in plant else np.full(n, SPEED_FLAT)
    tom = (routing.worker == TOM) & ~routing.unassigned & ("pipeline" in plant)
    p_sal = (0.34 + 0.62 * q) * speed * (1.0 + 0.04 * profile.engagement)
    p_sal = np.where(response.quit_early, p_sal * 0.35, p_sal)
    if "profile" in plant:
        p_sal = np.where(profile.student, p_sal * 0.3, p_sal)
    sal = touched & (rng.random(n) < np.clip(p_sal, 0.0, 0.97))
    p_sql = (0.52 + 0.5 * q) * speed
    p_sql = np.where(tom, np.maximum(p_sql, 0.8), p_sql)
    sql = sal & (rng.random(n) < np.clip(p_sql, 0.0, 0.97))
    p_opp = np.where(tom, 0.97, 0.58 + 0.35 * q)
    opp = sql & (rng.random(n) < p_opp)

    sal_t = add_business_hours(first_touch + rng.exponential(10.0, n), rng.random(n) * 2.0, hol)
    sql_gap = np.where(tom, rng.gamma(1.0, 6.0, n), rng.gamma(2.0, 60.0, n))
    sql_t = add_business_hours(sal_t + sql_gap, rng.random(n), hol)
    opp_gap = np.where(tom, rng.uniform(0.1, 3.0, n), rng.gamma(2.0, 48.0, n))
    opp_t = add_business_hours(sql_t + opp_gap, rng.random(n), hol)
    sal &= sal_t < t_export
    sql &= sal & (sql_t < t_export)
    opp &= sql & (opp_t < t_export)
    return SalesStages(tom=tom, sal=sal, sql=sql, opp=opp, sal_t=sal_t, sql_t=sql_t, opp_t=opp_t)


def mark_mql(
    rng: np.random.Generator,
    created: np.ndarray,
    score: Score,
    stages: SalesStages,
    window: Window,
) -> Mql:
    """Mark the leads whose score reaches 40, or that sales accepted, as MQL.

    Drawn after the sales stages, since an accepted lead is MQL by its SAL date.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    created : numpy.ndarray
        The leads' creation moments.
    score : funnel.sample.profile.Score
        The HubSpot score.
    stages : SalesStages
        The sales stages.
    window : funnel.sample.calendar.Window
        The window (MQL after the export is not visible).

    Returns
    -------
    Mql
    """
    n = created.size
    mql_nat = score.score >= 40
    mql_nat_t = created + np.where(rng.random(n) < 0.55, rng.uniform(0, 0.1, n),
                                   rng.exponential(60.0, n))
    mql_t = np.minimum(np.where(mql_nat, mql_nat_t, np.inf),
                       np.where(stages.sal, stages.sal_t, np.inf))
    return Mql(mql=mql_t < window.t_export, mql_t=mql_t)
