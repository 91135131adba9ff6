"""The fixed story of the sample: the company's reps, campaigns, and the words its CRM uses.

Everything here is constant; the planted problems (:data:`PROBLEMS`) choose which of
the reps' bad habits hold (:func:`rep_habits`). The stages of a lead's life
(``arrival`` -> ``profile`` -> ``routing`` -> ``response`` -> ``qualification`` ->
``deals`` -> ``status`` -> ``activities`` -> ``details``) draw from these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

#: The eight planted problems (the contract's finding places), in the order documented.
PROBLEMS: tuple[str, ...] = (
    "speed", "follow_up", "routing", "profile", "message", "scoring", "pipeline", "readiness",
)

#: The seven sales reps (Pipedrive users and HubSpot contact owners).
REPS: tuple[str, ...] = (
    "Marcus Reed",
    "Priya Shah",
    "Tom Becker",
    "Lena Park",
    "Sofia Alvarez",
    "James Okafor",
    "Emma Lindqvist",
)
#: The culprits' positions in :data:`REPS`.
MARCUS = 0
PRIYA = 1
TOM = 2
LENA = 3
#: Share of the leads each rep owns (before normalising).
REP_WEIGHT = np.array([0.14, 0.14, 0.14, 0.16, 0.14, 0.14, 0.14])
# Business hours from routing to the first touch: median, log-sd; share never touched;
# share that gives up after a single attempt; share of leads reassigned; win factor.
REP_DELAY_MEDIAN = np.array([9.0, 2.0, 1.8, 0.2, 1.4, 3.0, 2.2])
REP_DELAY_SIGMA = np.array([1.3, 1.5, 1.5, 0.9, 1.6, 1.6, 1.5])
REP_NEVER = np.array([0.35, 0.10, 0.09, 0.05, 0.08, 0.10, 0.09])
REP_QUIT = np.array([0.55, 0.08, 0.08, 0.05, 0.06, 0.08, 0.07])
REP_REASSIGN = np.array([0.04, 0.30, 0.04, 0.03, 0.04, 0.04, 0.04])
REP_WIN = np.array([1.0, 1.0, 0.55, 0.35, 1.05, 1.0, 1.05])
# A typical rep, for a culprit whose problem is not planted.
TYPICAL_DELAY = (2.0, 1.5)
TYPICAL_NEVER, TYPICAL_QUIT, TYPICAL_REASSIGN = 0.09, 0.07, 0.04
# Without ``speed``: the factor (1 + hours to first touch) ** -0.3 on the chance to be
# accepted and qualified is this constant (its mean over the touched leads of the sample).
SPEED_FLAT = 0.6

#: HubSpot's "Original Source" values.
SOURCES: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Email Marketing",
    "Referrals",
    "Direct Traffic",
    "Offline Sources",
)


class Campaign(NamedTuple):
    """One marketing campaign: where its leads come from and what kind of leads they are."""

    source: str  # HubSpot "Original Source"
    name: str  # UTM campaign ("" = none)
    share: float  # share of all leads
    segments: tuple[float, float, float, float]  # P(student, small 1-49, mid 50-1000, large)
    industry: float  # multiplier on the share of Software / Financial Services
    title: float  # title quality in [0, 1]: finance decision makers, "ideal" buyers
    budget: float  # lift of P(budget confirmed)
    free: float  # P(expects a free product)
    engagement: float  # offset of the engagement that drives the HubSpot score
    cpl: float | None  # cost per lead in dollars (None = unpaid, not in the spend file)


#: The campaigns that bring the leads (the UTM campaign "" is none).
CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("Paid Search", "brand-search", 0.085, (0.03, 0.42, 0.43, 0.12),
             1.3, 0.55, 0.10, 0.03, 0.1, 55.0),
    Campaign("Paid Search", "competitor-keywords", 0.095, (0.03, 0.45, 0.40, 0.12),
             1.2, 0.45, 0.05, 0.04, 0.0, 78.0),
    Campaign("Paid Social", "linkedin-cfo-webinar", 0.04, (0.02, 0.28, 0.53, 0.17),
             1.7, 0.85, 0.15, 0.02, 0.6, 165.0),
    Campaign("Paid Social", "facebook-free-tool", 0.22, (0.24, 0.58, 0.14, 0.04),
             0.7, 0.05, -0.10, 0.45, 0.5, 11.0),
    Campaign("Paid Social", "retargeting", 0.07, (0.08, 0.52, 0.32, 0.08),
             1.0, 0.30, 0.0, 0.05, 0.2, 24.0),
    Campaign("Email Marketing", "newsletter-nurture", 0.08, (0.06, 0.50, 0.35, 0.09),
             1.0, 0.30, 0.0, 0.04, 0.7, None),
    Campaign("Referrals", "partner-referral", 0.06, (0.01, 0.30, 0.52, 0.17),
             1.6, 0.70, 0.20, 0.02, 0.1, None),
    Campaign("Offline Sources", "spring-trade-show", 0.035, (0.04, 0.40, 0.42, 0.14),
             1.2, 0.45, 0.05, 0.03, -0.3, 125.0),
    Campaign("Organic Search", "blog-content", 0.06, (0.12, 0.52, 0.29, 0.07),
             1.0, 0.25, 0.0, 0.05, 0.2, None),
    Campaign("Organic Search", "", 0.13, (0.10, 0.52, 0.30, 0.08),
             1.0, 0.25, 0.0, 0.04, 0.0, None),
    Campaign("Direct Traffic", "", 0.095, (0.05, 0.47, 0.36, 0.12),
             1.1, 0.35, 0.05, 0.04, 0.0, None),
    Campaign("Email Marketing", "product-update-email", 0.03, (0.04, 0.48, 0.37, 0.11),
             1.0, 0.35, 0.0, 0.04, 0.5, None),
)

# Without ``message``: the share expecting a free product, the same for every lead (the
# campaigns' average, students included).
FREE_FLAT = 0.135

#: HubSpot's "Industry" values; the first two are the ones sales closes.
INDUSTRIES: tuple[str, ...] = (
    "Software",
    "Financial Services",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Education",
    "Professional Services",
    "Other",
)
#: Industry mix of the leads outside Software / Financial Services.
INDUSTRY_OTHER_WEIGHT = np.array([0.0, 0.0, 0.20, 0.19, 0.14, 0.10, 0.21, 0.16])
#: Company-name suffixes, five per industry.
INDUSTRY_SUFFIX: tuple[tuple[str, ...], ...] = (
    ("Software", "Labs", "Systems", "Technologies", "Cloud"),
    ("Capital", "Financial", "Bank", "Insurance", "Wealth"),
    ("Manufacturing", "Industries", "Components", "Works", "Machinery"),
    ("Retail", "Stores", "Outfitters", "Market", "Goods"),
    ("Health", "Clinics", "Medical", "Care", "Pharma"),
    ("Academy", "Learning", "Education", "Institute", "School"),
    ("Consulting", "Advisors", "Group", "Legal", "Partners"),
    ("Holdings", "Logistics", "Energy", "Co", "Media"),
)
#: The two halves of a company name ("North" + "wind").
WORD_A = (
    "North", "Blue", "Bright", "Silver", "Iron", "Clear", "Swift", "Green", "Red", "Stone",
    "Oak", "Pine", "River", "Summit", "Harbor", "Cedar", "Maple", "Golden", "Polar", "Sun",
    "Star", "Lake", "Crest", "Prime", "Nova", "Apex", "Ever", "High", "West", "East",
)
WORD_B = (
    "wind", "peak", "field", "bridge", "gate", "stone", "way", "point", "line", "works",
    "ridge", "view", "path", "light", "wave", "port", "dale", "brook", "forge", "mark",
    "wood", "side", "haven", "core", "vale", "crest", "rock", "spring", "star", "leaf",
)
#: Contacts' first and last names.
FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty",
    "Mark", "Sandra", "Paul", "Ashley", "Steven", "Emily", "Andrew", "Donna", "Joshua",
    "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Ryan", "Deborah",
    "Jacob", "Stephanie", "Gary", "Rebecca", "Nicholas", "Laura", "Eric", "Sharon", "Jonathan",
    "Cynthia", "Aisha", "Wei", "Carlos", "Sofia", "Hiroshi", "Fatima", "Lukas", "Ingrid",
    "Mateo", "Chloe", "Arjun", "Olga", "Kwame", "Yuki", "Noah", "Emma", "Liam", "Olivia",
    "Ethan", "Ava", "Lucas", "Mia", "Omar", "Zara", "Diego", "Hannah", "Rafael", "Leila",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Schmidt", "Muller", "Fischer",
    "Weber", "Dubois", "Moreau", "Rossi", "Bianchi", "Jansen", "de Vries", "Kowalski", "Novak",
    "Patel", "Sharma", "Kumar", "Singh", "Chen", "Wang", "Li", "Zhang", "Kim", "Park", "Tanaka",
    "Sato", "Okafor", "Mensah", "Haddad", "Cohen", "O'Brien", "Murphy", "Kelly", "Byrne",
    "Larsen", "Nilsson", "Berg", "Costa", "Silva", "Santos", "Oliveira", "Ivanova", "Popescu",
)
#: Contacts' countries and their weights.
COUNTRIES = (
    "United States", "United Kingdom", "Canada", "Germany", "Australia", "Netherlands",
    "France", "India", "Ireland", "Singapore", "Sweden", "Brazil",
)
COUNTRY_WEIGHT = np.array([0.52, 0.11, 0.08, 0.07, 0.05, 0.03, 0.03, 0.05, 0.02, 0.02, 0.01, 0.01])

# Title groups: finance decision makers, executives, finance staff, others, students.
TITLES_FIN_DM = ("CFO", "Head of Finance", "VP Finance", "Finance Director", "Controller")
TITLES_EXEC = ("CEO", "Founder", "Owner", "COO", "Managing Director")
TITLES_FIN_IC = ("Finance Manager", "Accountant", "Financial Analyst", "Analyst", "Bookkeeper")
TITLES_OTHER = (
    "Marketing Manager", "Operations Manager", "IT Manager", "Office Manager", "Consultant",
    "Sales Manager", "HR Manager", "Project Manager", "Software Engineer",
)
#: HubSpot form answers: purchase timeline, and the reasons to disqualify a lead.
TIMELINES = ("0-3 months", "3-6 months", "6-12 months", "No timeline")
DQ_REASONS = (
    "No budget",
    "Student / job seeker",
    "Too small",
    "Competitor",
    "Wrong contact",
    "Not reachable",
    "Expected a free product",
)
#: Pipedrive's lost reasons and open deal stages.
LOST_REASONS = (
    "Price too high",
    "Chose competitor",
    "No decision",
    "Missing feature",
    "Expected a free product",
    "Bad timing",
)
DEAL_STAGES = ("Qualified", "Demo Scheduled", "Proposal Made", "Negotiation")
#: Activity subjects by activity type.
SUBJECTS = {
    "call": ("Intro call", "Follow-up call", "Left voicemail", "Discovery call", "Call back"),
    "email": ("Intro email", "Follow-up", "Re: your inquiry", "Checking in", "Case study"),
    "meeting": ("Demo", "Discovery meeting", "Pricing review", "Product walkthrough"),
}


#: Each campaign's share of the leads, normalised to sum to one.
CAMPAIGN_MIX: np.ndarray = np.array([c.share for c in CAMPAIGNS])
CAMPAIGN_MIX = CAMPAIGN_MIX / CAMPAIGN_MIX.sum()

#: Seasonal weight of each calendar month (January first).
MONTH_SEASON = np.array([1.05, 1.0, 1.1, 1.05, 1.0, 0.95, 0.85, 0.8, 1.1, 1.1, 1.0, 0.75])
#: Weight of each hour of a working day for a lead to arrive.
HOUR_WEIGHT = np.array(
    [0.08] * 6
    + [0.3, 0.8, 2.5, 4.0, 4.5, 4.5, 3.5, 4.0, 4.5, 4.2, 3.5, 2.5, 1.0, 0.6, 0.5, 0.4, 0.3, 0.2]
)


def problem_set(problems: Collection[str] | str | None) -> frozenset[str]:
    """The problems to plant; ``None`` is all of them, a string a comma-separated list.

    Parameters
    ----------
    problems : collection of str, str or None
        Names among :data:`PROBLEMS`; ``"none"`` (any case) is the empty set.

    Returns
    -------
    frozenset of str
        The problems to plant.

    Raises
    ------
    ValueError
        If a name is not in :data:`PROBLEMS`.

    Examples
    --------
    >>> sorted(problem_set("speed, routing"))
    ['routing', 'speed']
    >>> problem_set("none")
    frozenset()
    >>> len(problem_set(None))
    8
    """
    if problems is None:
        return frozenset(PROBLEMS)
    if isinstance(problems, str):
        problems = [] if problems.strip().lower() == "none" else problems.split(",")
    names = [str(p).strip() for p in problems]
    names = [p for p in names if p]
    unknown = sorted(set(names) - set(PROBLEMS))
    if unknown:
        raise ValueError(
            f"Unknown problem{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"choose among {', '.join(PROBLEMS)}."
        )
    return frozenset(names)


@dataclass(frozen=True)
class RepHabits:
    """Each rep's habits (one value per rep of :data:`REPS`)."""

    delay_median: np.ndarray  # business hours from routing to the first touch: median
    delay_sigma: np.ndarray  # ... and log-sd
    never: np.ndarray  # share of the rep's leads never touched
    quit: np.ndarray  # share given up after a single attempt
    reassign: np.ndarray  # share of the rep's leads reassigned to another rep
    win: np.ndarray  # factor on the chance to win an opportunity


def rep_habits(plant: frozenset[str]) -> RepHabits:
    """The reps' habits; a culprit whose problem is not planted behaves like a typical rep.

    Parameters
    ----------
    plant : frozenset of str
        The planted problems (see :func:`problem_set`).

    Returns
    -------
    RepHabits
        Fresh arrays (the module constants are not changed).

    Examples
    --------
    >>> float(rep_habits(frozenset(PROBLEMS)).never[MARCUS])
    0.35
    >>> float(rep_habits(frozenset()).never[MARCUS])
    0.0
    """
    delay_median, delay_sigma = REP_DELAY_MEDIAN.copy(), REP_DELAY_SIGMA.copy()
    never, quit_early = REP_NEVER.copy(), REP_QUIT.copy()
    reassign, win = REP_REASSIGN.copy(), REP_WIN.copy()
    if "readiness" not in plant:  # Lena is a typical rep
        delay_median[LENA], delay_sigma[LENA] = TYPICAL_DELAY
        never[LENA], quit_early[LENA], win[LENA] = TYPICAL_NEVER, TYPICAL_QUIT, 1.0
    if "follow_up" not in plant:  # every lead worked, nobody gives up after one try
        delay_median[MARCUS], delay_sigma[MARCUS] = TYPICAL_DELAY
        never[:], quit_early[:] = 0.0, 0.0
    if "routing" not in plant:
        reassign[:] = TYPICAL_REASSIGN
    if "pipeline" not in plant:
        win[TOM] = 1.0
    return RepHabits(delay_median, delay_sigma, never, quit_early, reassign, win)
