"""Stage 2 of a lead's life: who the lead is, how likely it is to buy, and its HubSpot score.

Each campaign sends its own mix of companies, titles and budgets (``profile``) and of
leads expecting a free product (``message``); the propensity to buy follows the
profile sales closes; the HubSpot score follows engagement and noise and barely the
fit (``scoring``). A problem not planted makes the matching part uniform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel.sample.draws import pick
from funnel.sample.world import CAMPAIGN_MIX, CAMPAIGNS, FREE_FLAT, INDUSTRY_OTHER_WEIGHT


@dataclass(frozen=True)
class Profile:
    """The latent profile of each lead (what its form and company say about it)."""

    seg: np.ndarray  # 0 student, 1 small (1-49), 2 mid (50-1000), 3 large
    student: np.ndarray
    size_b: np.ndarray  # company size block 0/1/2
    good_ind: np.ndarray  # Software or Financial Services
    ind: np.ndarray  # index into INDUSTRIES
    title_grp: np.ndarray  # 0 finance DM, 1 executive, 2 finance staff, 3 other, 4 student
    fin_dm: np.ndarray
    executive: np.ndarray
    budget: np.ndarray  # budget confirmed
    urgent: np.ndarray  # wants to buy soon
    expects_free: np.ndarray  # expects a free product
    competitor: np.ndarray  # works for a competitor
    engagement: np.ndarray  # drives the HubSpot score


@dataclass(frozen=True)
class Score:
    """How likely each lead is to convert, and the score HubSpot gives it."""

    q: np.ndarray  # propensity to convert, in (0, 1)
    score: np.ndarray  # HubSpot score, 0-100


def draw_profile(rng: np.random.Generator, camp: np.ndarray, plant: frozenset[str]) -> Profile:
    """Draw each lead's company, title, budget, urgency and expectations from its campaign.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    camp : numpy.ndarray
        Each lead's campaign (index into :data:`~funnel.sample.world.CAMPAIGNS`).
    plant : frozenset of str
        The planted problems; without ``profile`` every campaign sends the average mix,
        without ``message`` a free product is expected as often in every campaign.

    Returns
    -------
    Profile
    """
    n = camp.size
    c_seg = np.array([c.segments for c in CAMPAIGNS])
    c_ind = np.array([c.industry for c in CAMPAIGNS])
    c_title = np.array([c.title for c in CAMPAIGNS])
    c_budget = np.array([c.budget for c in CAMPAIGNS])
    c_free = np.array([c.free for c in CAMPAIGNS])
    c_eng = np.array([c.engagement for c in CAMPAIGNS])
    if "profile" not in plant:  # every campaign sends the average mix
        mix = CAMPAIGN_MIX
        c_seg = np.tile(mix @ c_seg, (len(CAMPAIGNS), 1))
        c_ind, c_title, c_budget = (np.full(len(CAMPAIGNS), mix @ c)
                                    for c in (c_ind, c_title, c_budget))

    tq = c_title[camp]
    # A cluster of "ideal" buyers (mid-size, right industry, finance decision maker,
    # budget): common in the well-targeted campaigns, rare in the cheap ones.
    ideal = rng.random(n) < 0.5 * tq**2
    seg = pick(rng, c_seg[camp])  # 0 student, 1 small (1-49), 2 mid (50-1000), 3 large
    seg = np.where(ideal & (rng.random(n) < 0.92), 2, seg)
    student = seg == 0
    size_b = np.clip(seg - 1, 0, 2)  # company size block 0/1/2
    good_ind = rng.random(n) < np.clip(0.32 * c_ind[camp], 0.0, 0.9)
    good_ind |= ideal & (rng.random(n) < 0.92)
    ind = np.where(
        good_ind,
        (rng.random(n) < 0.45).astype(np.int64),
        rng.choice(8, size=n, p=INDUSTRY_OTHER_WEIGHT / INDUSTRY_OTHER_WEIGHT.sum()),
    )
    t_probs = np.stack(
        [
            0.10 + 0.40 * tq + 0.10 * (seg >= 2),  # finance decision maker
            0.10 + 0.18 * (seg == 1),  # executive
            np.full(n, 0.26),  # finance staff
            0.46 - 0.25 * tq,  # others
        ],
        axis=1,
    )
    title_grp = np.where(student, 4, pick(rng, t_probs))
    title_grp = np.where(ideal & ~student & (rng.random(n) < 0.9), 0, title_grp)
    fin_dm = title_grp == 0
    executive = title_grp == 1
    p_budget = (
        0.14
        + 0.34 * (seg >= 2)
        + 0.12 * (fin_dm | executive)
        + c_budget[camp]
        + 0.08 * good_ind
        + 0.45 * ideal
    )
    budget = rng.random(n) < np.where(student, 0.02, np.clip(p_budget, 0.02, 0.95))
    urgent = rng.random(n) < np.clip(0.18 + 0.25 * budget + 0.1 * fin_dm, 0, 1)
    p_free = np.where(student, np.maximum(c_free[camp], 0.2), c_free[camp])
    if "message" not in plant:  # as common in every campaign and among students
        p_free = np.full(n, FREE_FLAT)
    expects_free = rng.random(n) < p_free
    competitor = rng.random(n) < 0.015
    engagement = rng.normal(0.0, 1.0, n) + c_eng[camp]
    return Profile(
        seg=seg, student=student, size_b=size_b, good_ind=good_ind, ind=ind,
        title_grp=title_grp, fin_dm=fin_dm, executive=executive, budget=budget, urgent=urgent,
        expects_free=expects_free, competitor=competitor, engagement=engagement,
    )


def score_leads(
    rng: np.random.Generator, profile: Profile, plant: frozenset[str], seed: int
) -> Score:
    """The propensity to convert (the fit sales closes) and HubSpot's score of each lead.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator.
    profile : Profile
        The leads' profile.
    plant : frozenset of str
        The planted problems; without ``profile`` the propensity is shuffled over the
        leads (unrelated to the profile), without ``scoring`` the score is re-ranked
        by the propensity.
    seed : int
        The sample's seed (the shuffle draws from a second generator seeded by it, so
        the main stream of draws stays the same).

    Returns
    -------
    Score
    """
    p = profile
    n = p.seg.size
    fit_z = (
        -2.6
        + 1.1 * p.good_ind
        + 1.1 * (p.seg == 2)
        + 0.4 * (p.seg == 3)
        + 1.2 * p.budget
        + 1.1 * p.fin_dm
        + 0.5 * p.executive
        + 0.4 * p.urgent
        - 3.0 * p.student
        - 1.0 * p.expects_free
        - 3.0 * p.competitor
    )
    q = 1.0 / (1.0 + np.exp(-fit_z))
    if "profile" not in plant:
        # conversion follows a propensity with the same spread, unrelated to the profile
        # (drawn from a second generator, so the main stream of draws stays the same)
        q = q[np.random.default_rng([seed, 1]).permutation(n)]

    # HubSpot score: engagement and noise, only a little fit.
    score_noise = rng.normal(0, 10, n)
    score = np.clip(np.rint(36 + 12 * p.engagement + 1.2 * fit_z + score_noise), 0, 100)
    score = score.astype(np.int64)
    if "scoring" not in plant:
        # the same scores, re-ranked by the propensity to convert (plus a little noise)
        signal = np.log(q / (1.0 - q)) + 0.07 * score_noise
        score = np.sort(score)[np.argsort(np.argsort(signal, kind="stable"), kind="stable")]
    return Score(q=q, score=score)
