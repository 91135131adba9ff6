"""Marketing's export: the HubSpot contacts, one row per lead, every value as text.

The form fields are filled in unevenly (blanks, "N/A", "Select", "-"), as real form
data is; the dates are HubSpot's "YYYY-MM-DD HH:MM".
"""

from __future__ import annotations

import numpy as np
import polars as pl

from funnel.sample.activities import Activities
from funnel.sample.arrival import Arrival
from funnel.sample.calendar import format_time
from funnel.sample.details import Details
from funnel.sample.draws import pick
from funnel.sample.profile import Profile, Score
from funnel.sample.qualification import Mql, SalesStages
from funnel.sample.routing import Routing
from funnel.sample.status import LeadStatus
from funnel.sample.text import masked, placeholder, take, thousands
from funnel.sample.world import (
    CAMPAIGNS,
    COUNTRIES,
    COUNTRY_WEIGHT,
    DQ_REASONS,
    FIRST_NAMES,
    INDUSTRIES,
    INDUSTRY_SUFFIX,
    LAST_NAMES,
    REPS,
    TIMELINES,
    TITLES_EXEC,
    TITLES_FIN_DM,
    TITLES_FIN_IC,
    TITLES_OTHER,
    WORD_A,
    WORD_B,
)


def contacts_frame(
    rng: np.random.Generator,
    *,
    arrival: Arrival,
    profile: Profile,
    score: Score,
    routing: Routing,
    stages: SalesStages,
    mql: Mql,
    won: np.ndarray,
    status: LeadStatus,
    activities: Activities,
    details: Details,
) -> pl.DataFrame:
    """Turn the leads' lives into HubSpot's contacts export (text columns, blanks as null).

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator (blanks and placeholders in the form fields are drawn).
    arrival, profile, score, routing, stages, mql, status, activities, details
        The stages of the leads' lives (``activities`` holds the final Owner Assigned
        Date).
    won : numpy.ndarray
        Per lead: has a won deal (lifecycle stage "Customer").

    Returns
    -------
    polars.DataFrame
        One row per lead, in order of creation, with HubSpot's column headers.
    """
    n = arrival.created.size
    person = _person_columns(rng, profile.student, profile.ind, details)
    funnel = _funnel_columns(arrival, score, routing, stages, mql, won, status,
                             activities.assigned)
    form = _form_columns(rng, profile, details)
    return pl.DataFrame(
        {
            "Record ID": pl.Series(np.arange(5_100_001, 5_100_001 + n)).cast(pl.String),
            **person,
            **funnel,
            **form,
        }
    )


def _person_columns(
    rng: np.random.Generator, student: np.ndarray, ind: np.ndarray, details: Details
) -> dict[str, pl.Series]:
    """First and last name, email, phone and company name."""
    n = student.size
    firsts = take(FIRST_NAMES, details.first)
    lasts = take(LAST_NAMES, details.last)
    ind_words = [s for suf in INDUSTRY_SUFFIX for s in suf]
    word = take([a + b for a in WORD_A for b in WORD_B], details.word)
    suffix = take(ind_words, ind * 5 + details.suffix)
    has_company = ~student | (rng.random(n) < 0.2)
    uni = pl.concat_str(pl.lit("University of "), pl.lit(take(WORD_A, details.word % len(WORD_A))))
    company = pl.select(
        pl.when(pl.lit(pl.Series(student)))
        .then(uni)
        .otherwise(pl.concat_str([pl.lit(word), pl.lit(" "), pl.lit(suffix)]))
    ).to_series()
    company = masked(company, has_company)
    domain = pl.select(
        pl.when(pl.lit(pl.Series(student)))
        .then(pl.lit("mail.example"))
        .otherwise(
            pl.concat_str(pl.lit(word), pl.lit(suffix), pl.lit(".example")).str.to_lowercase()
        )
    ).to_series()
    digits = pl.Series(rng.integers(1, 99, size=n)).cast(pl.String)
    email = pl.select(
        pl.concat_str(
            [
                pl.lit(firsts).str.to_lowercase(),
                pl.lit("."),
                pl.lit(lasts).str.to_lowercase().str.replace_all(r"[^a-z]", ""),
                pl.when(pl.lit(pl.Series(student))).then(pl.lit(digits)).otherwise(pl.lit("")),
                pl.lit("@"),
                pl.lit(domain),
            ]
        )
    ).to_series()
    phone = pl.select(
        pl.concat_str(
            [
                pl.lit("+1 555 01"),
                pl.lit(pl.Series(rng.integers(0, 100, size=n))).cast(pl.String).str.zfill(2),
                pl.lit(" "),
                pl.lit(pl.Series(rng.integers(0, 10_000, size=n))).cast(pl.String).str.zfill(4),
            ]
        )
    ).to_series()
    phone = masked(phone, rng.random(n) >= 0.18)
    return {
        "First Name": firsts,
        "Last Name": lasts,
        "Email": email,
        "Phone Number": phone,
        "Company Name": company,
    }


def _funnel_columns(
    arrival: Arrival,
    score: Score,
    routing: Routing,
    stages: SalesStages,
    mql: Mql,
    won: np.ndarray,
    status: LeadStatus,
    assigned: np.ndarray,
) -> dict[str, pl.Series]:
    """Creation, source and campaign, owner, lifecycle dates, status and score (no draws)."""
    n = arrival.created.size
    unassigned = routing.unassigned
    owner = masked(take(REPS, np.where(unassigned, 0, routing.owner)), ~unassigned)
    campaign_names = [c.name or None for c in CAMPAIGNS]
    sal, sql, opp = stages.sal, stages.sql, stages.opp
    life = np.select([won, opp, sql, mql.mql], [4, 3, 2, 1], 0)
    lifecycle = take(
        ("Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer"),
        life,
    )
    lead_status = take(
        ("New", "Attempted to Contact", "Connected", "Open Deal", "Unqualified", "Bad Timing"),
        status.status,
    )
    return {
        "Create Date": format_time(arrival.created, np.ones(n, dtype=bool), seconds=False),
        "Original Source": take([c.source for c in CAMPAIGNS], arrival.camp),
        "UTM Campaign": pl.Series(values=campaign_names, dtype=pl.String).gather(arrival.camp),
        "Contact owner": owner,
        "Owner Assigned Date": format_time(assigned, ~unassigned, seconds=False),
        "Lifecycle Stage": lifecycle,
        "Became a Marketing Qualified Lead Date": format_time(mql.mql_t, mql.mql, seconds=False),
        "SAL Date": format_time(stages.sal_t, sal, seconds=False),
        "Became a Sales Qualified Lead Date": format_time(stages.sql_t, sql, seconds=False),
        "Became an Opportunity Date": format_time(stages.opp_t, opp, seconds=False),
        "Lead Status": lead_status,
        "Disqualification Reason": masked(take(DQ_REASONS, status.dq), status.dq_keep),
        "HubSpot Score": pl.Series(score.score).cast(pl.String),
    }


def _form_columns(
    rng: np.random.Generator, profile: Profile, details: Details
) -> dict[str, pl.Series]:
    """The form fields: industry, size, revenue, title, country, budget, decision, timeline."""
    student = profile.student
    n = student.size
    industry_idx = np.where(student, 5, profile.ind)
    industry = masked(take(INDUSTRIES, industry_idx), (~student | (rng.random(n) < 0.5))
                      & (rng.random(n) >= 0.06))
    industry = placeholder(rng, industry, "Select", 0.02)

    emp_text = pl.select(thousands(pl.lit(pl.Series(details.employees)))).to_series()
    emp_text = masked(emp_text, ~student & (rng.random(n) >= 0.10))
    emp_text = placeholder(rng, emp_text, "N/A", 0.015)
    rev_thousands = thousands(pl.lit(pl.Series(details.revenue // 1000)))  # whole 100,000s
    rev_text = pl.select(pl.concat_str(pl.lit("$"), rev_thousands, pl.lit(",000"))).to_series()
    rev_text = masked(rev_text, ~student & (rng.random(n) >= 0.28))

    tg = profile.title_grp
    groups = (TITLES_FIN_DM, TITLES_EXEC, TITLES_FIN_IC, TITLES_OTHER, ("Student",))
    sizes = np.array([len(g) for g in groups])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    t_idx = offsets[tg] + np.floor(rng.random(n) * sizes[tg]).astype(np.int64)
    title = take([t for g in groups for t in g], t_idx)
    title = masked(title, rng.random(n) >= 0.05)
    title = placeholder(rng, title, "N/A", 0.02)
    title = placeholder(rng, title, "-", 0.005)

    country = take(COUNTRIES, rng.choice(len(COUNTRIES), size=n, p=COUNTRY_WEIGHT))
    country = placeholder(rng, masked(country, rng.random(n) >= 0.03), "Select", 0.01)

    yes_no = ("No", "Yes")
    budget = masked(take(yes_no, profile.budget.astype(np.int64)), rng.random(n) >= 0.15)
    dm_true = (tg <= 1) & (rng.random(n) < 0.92) | (tg > 1) & (rng.random(n) < 0.08)
    decision = masked(take(yes_no, dm_true.astype(np.int64)), rng.random(n) >= 0.25)
    t_probs = np.where(
        profile.urgent[:, None],
        np.array([0.7, 0.2, 0.08, 0.02]),
        np.array([0.08, 0.3, 0.32, 0.3]),
    )
    timeline = masked(take(TIMELINES, pick(rng, t_probs)), rng.random(n) >= 0.30)
    timeline = placeholder(rng, timeline, "Select", 0.015)
    return {
        "Industry": industry,
        "Number of Employees": emp_text,
        "Annual Revenue": rev_text,
        "Job Title": title,
        "Country/Region": country,
        "Budget Confirmed": budget,
        "Decision Maker": decision,
        "Purchase Timeline": timeline,
    }
