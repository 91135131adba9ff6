"""A lead's life, stage by stage: the seeded generator of a deliberately leaky B2B CRM export.

The story: a B2B finance-software company. Marketing runs HubSpot (contacts),
sales runs Pipedrive (deals and activities) and sales reps paste the HubSpot
contact id into Pipedrive. The generator draws every lead from a latent model
(profile fit x handling by the sales rep) and plants eight marketing-to-sales
problems that the diagnosis should find:

========== ==================================================================
place      what is planted
========== ==================================================================
speed      response time is right-skewed, weekend/evening leads wait for
           Monday, and the chance to qualify falls steeply with the hours to
           the first touch
follow_up  ~15% of leads are never touched; "Marcus Reed" leaves ~35% of his
           leads untouched and often gives up after one attempt
routing    ~4% of leads have no owner; "Priya Shah" gets her leads hours late
           and has many reassigned leads
profile    sales closes mid-size Software / Financial Services companies with
           a confirmed budget and a finance decision maker; marketing mostly
           sends small companies and students ("facebook-free-tool")
message    "Expected a free product" rejections concentrate in
           "facebook-free-tool"
scoring    the HubSpot score follows engagement and noise, barely fit
pipeline   "Tom Becker" opens opportunities early; many end "No decision"
readiness  "Lena Park" answers fastest but wins few of her opportunities
========== ==================================================================

Each problem can be switched off (``generate_sample(problems=...)``, CLI
``--problems``) to check the diagnosis on data where it is absent, or on data where
nothing is wrong (``problems=()``). A problem that is not planted has no effect at all:

========== ==================================================================
off        what changes
========== ==================================================================
speed      the chance to qualify does not depend on the hours to the first
           touch, and reps answer on the elapsed clock (night and weekend
           leads are not held to the next working morning)
follow_up  every assigned lead is worked (none left untouched), no rep gives
           up after one attempt, and "Marcus Reed" answers like a typical rep
routing    "Priya Shah" gets her leads as fast as everyone, every rep has the
           same share of reassigned leads, and leads without an owner are
           handled like the others (same touch rate and response time)
profile    every campaign sends the same mix of companies, titles and
           budgets, and conversion follows a latent propensity unrelated to
           the profile fields (students are not less likely to qualify)
message    expecting a free product is equally common in every campaign (and
           among students), so its rejections and losses are spread evenly
scoring    the HubSpot score tracks the propensity to convert (same score
           distribution, re-ranked by it): a score that predicts
pipeline   "Tom Becker" qualifies, opens and wins opportunities like the others
readiness  "Lena Park" answers, follows up and wins like a typical rep
========== ==================================================================

The default (all eight planted) is unchanged by the switch. Arrival, campaign and
owner are drawn first and do not depend on what is planted, so for one seed every
variant holds the same leads, arriving at the same moments through the same campaigns
to the same owners (later draws, such as names and activity times, differ).

:func:`generate_sample` runs the stages in the order of a lead's life, each drawing from
the same generator in a fixed order (so a seed always gives the same bytes):
``arrival`` -> ``profile`` (and score) -> ``routing`` -> ``response`` ->
``qualification`` -> ``deals`` -> ``status`` -> ``activities`` -> ``details``; then
``hubspot``, ``pipedrive`` and ``spend`` write the exports. ``export`` writes and
loads the files: run ``python -m funnel.sample --out sample_data`` to write the
bundled sample.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

import numpy as np
import polars as pl

from funnel.sample.activities import log_activities
from funnel.sample.arrival import arrive
from funnel.sample.calendar import arrival_window
from funnel.sample.deals import close_deals, deal_terms
from funnel.sample.details import contact_details
from funnel.sample.hubspot import contacts_frame
from funnel.sample.pipedrive import activities_frame, deals_frame
from funnel.sample.profile import draw_profile, score_leads
from funnel.sample.qualification import mark_mql, qualify
from funnel.sample.response import respond
from funnel.sample.routing import route
from funnel.sample.spend import spend_frame
from funnel.sample.status import lead_status
from funnel.sample.world import problem_set, rep_habits

__all__ = ["generate_sample"]


def generate_sample(
    *,
    n_leads: int = 30_000,
    seed: int = 7,
    start: date = date(2025, 11, 1),
    months: int = 12,
    export_at: datetime | None = None,
    problems: Collection[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Generate a seeded CRM export with planted marketing-to-sales problems.

    Parameters
    ----------
    n_leads : int, default 30_000
        Number of contacts (leads); the deals (~10%) and activities (~3 per lead)
        scale with it.
    seed : int, default 7
        Seed of the random generator; the same arguments always give the same data.
    start : datetime.date, default 2025-11-01
        First day on which leads arrive.
    months : int, default 12
        Length of the arrival window in months.
    export_at : datetime.datetime or None, default None
        Moment of the export; nothing after it is visible (stages not yet reached are
        blank, deals still running are ``open``). Defaults to ``start + months`` at
        00:00, so the last month's leads are still maturing. An earlier moment cuts
        the arrival window short.
    problems : collection of str, or None, default None
        The problems to plant, named as in :data:`PROBLEMS` (``speed``, ``follow_up``,
        ``routing``, ``profile``, ``message``, ``scoring``, ``pipeline``,
        ``readiness``); a string is read as a comma-separated list. ``None`` plants all
        eight (the bundled sample); ``()`` plants none: data where nothing is wrong.
        A problem not planted has no effect at all (see the module docstring); the
        leads' arrival, campaign and owner stay the same for a seed.

    Returns
    -------
    dict of str to polars.DataFrame
        ``"contacts"`` (HubSpot), ``"deals"`` and ``"activities"`` (Pipedrive) and
        ``"spend"``, with the export's column headers; every column is ``pl.String``
        holding the text exactly as written to the CSV (blank cells are null).

    Raises
    ------
    ValueError
        If ``n_leads`` < 1, ``months`` < 1, ``export_at`` is not after ``start`` or
        ``problems`` names an unknown problem.

    Examples
    --------
    >>> frames = generate_sample(n_leads=1_000, seed=1)
    >>> frames["contacts"].height
    1000
    >>> sorted(frames)
    ['activities', 'contacts', 'deals', 'spend']
    >>> clean = generate_sample(n_leads=1_000, seed=1, problems=())  # nothing wrong
    >>> clean["contacts"]["Contact owner"].drop_nulls().n_unique()
    7
    """
    plant = problem_set(problems)
    if n_leads < 1:
        raise ValueError("n_leads must be at least 1")
    window = arrival_window(start, months, export_at)
    habits = rep_habits(plant)
    rng = np.random.default_rng(seed)
    n = int(n_leads)

    # The stages of a lead's life, in the order they draw from ``rng`` (do not reorder).
    arrival = arrive(rng, window, n)
    profile = draw_profile(rng, arrival.camp, plant)
    score = score_leads(rng, profile, plant, seed)
    routing = route(rng, arrival, habits, plant, window)
    response = respond(rng, arrival, routing, habits, plant, window)
    stages = qualify(rng, profile, score, routing, response, plant, window)
    mql = mark_mql(rng, arrival.created, score, stages, window)
    deals = close_deals(rng, stages, score, profile, routing, habits, window)
    terms = deal_terms(rng, deals, profile, routing, window)
    status = lead_status(rng, arrival.created, profile, score, response, stages, window)
    activities = log_activities(rng, status.n_act, response.first_touch, stages.sal, routing,
                                window)
    details = contact_details(rng, profile)

    # The exports, as HubSpot, Pipedrive and the spend sheet write them.
    contacts = contacts_frame(
        rng, arrival=arrival, profile=profile, score=score, routing=routing, stages=stages,
        mql=mql, won=deals.won_lead, status=status, activities=activities, details=details,
    )
    return {
        "contacts": contacts,
        "deals": deals_frame(contacts, deals, terms),
        "activities": activities_frame(contacts, activities),
        "spend": spend_frame(rng, arrival.created, arrival.camp),
    }
