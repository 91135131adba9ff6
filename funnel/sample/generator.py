"""Seeded generator of a realistic, deliberately leaky B2B CRM export.

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

Run ``python -m funnel.sample --out sample_data`` to write the bundled sample.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from funnel.dataset.tables import Dataset

__all__ = [
    "PROBLEMS",
    "SAMPLE_DIR",
    "SAMPLE_FILES",
    "generate_sample",
    "load_sample",
    "sample_dataset",
    "write_sample",
]

#: The eight planted problems (the contract's finding places), in the order documented.
PROBLEMS: tuple[str, ...] = (
    "speed", "follow_up", "routing", "profile", "message", "scoring", "pipeline", "readiness",
)
_LABEL = "Sample: B2B software (HubSpot + Pipedrive)"

#: Folder of the bundled sample (written by ``python -m funnel.sample``).
SAMPLE_DIR: Path = Path(__file__).resolve().parents[2] / "sample_data"

#: Role -> file name of the bundled sample.
SAMPLE_FILES: dict[str, str] = {
    "leads": "contacts.csv",
    "deals": "deals.csv",
    "activities": "activities.csv",
    "spend": "marketing_spend.csv",
}
_FRAME_KEYS = {"leads": "contacts", "deals": "deals", "activities": "activities", "spend": "spend"}

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

REPS: tuple[str, ...] = (
    "Marcus Reed",
    "Priya Shah",
    "Tom Becker",
    "Lena Park",
    "Sofia Alvarez",
    "James Okafor",
    "Emma Lindqvist",
)
_MARCUS, _PRIYA, _TOM, _LENA = 0, 1, 2, 3
_REP_WEIGHT = np.array([0.14, 0.14, 0.14, 0.16, 0.14, 0.14, 0.14])
# Business hours from routing to the first touch: median, log-sd; share never touched;
# share that gives up after a single attempt; share of leads reassigned; win factor.
_REP_DELAY_MEDIAN = np.array([9.0, 2.0, 1.8, 0.2, 1.4, 3.0, 2.2])
_REP_DELAY_SIGMA = np.array([1.3, 1.5, 1.5, 0.9, 1.6, 1.6, 1.5])
_REP_NEVER = np.array([0.35, 0.10, 0.09, 0.05, 0.08, 0.10, 0.09])
_REP_QUIT = np.array([0.55, 0.08, 0.08, 0.05, 0.06, 0.08, 0.07])
_REP_REASSIGN = np.array([0.04, 0.30, 0.04, 0.03, 0.04, 0.04, 0.04])
_REP_WIN = np.array([1.0, 1.0, 0.55, 0.35, 1.05, 1.0, 1.05])
# A typical rep, for a culprit whose problem is not planted.
_TYPICAL_DELAY = (2.0, 1.5)
_TYPICAL_NEVER, _TYPICAL_QUIT, _TYPICAL_REASSIGN = 0.09, 0.07, 0.04
# Without ``speed``: the factor (1 + hours to first touch) ** -0.3 on the chance to be
# accepted and qualified is this constant (its mean over the touched leads of the sample).
_SPEED_FLAT = 0.6

SOURCES: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Email Marketing",
    "Referrals",
    "Direct Traffic",
    "Offline Sources",
)

class _Campaign(NamedTuple):
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


_CAMPAIGNS: tuple[_Campaign, ...] = (
    _Campaign("Paid Search", "brand-search", 0.085, (0.03, 0.42, 0.43, 0.12),
              1.3, 0.55, 0.10, 0.03, 0.1, 55.0),
    _Campaign("Paid Search", "competitor-keywords", 0.095, (0.03, 0.45, 0.40, 0.12),
              1.2, 0.45, 0.05, 0.04, 0.0, 78.0),
    _Campaign("Paid Social", "linkedin-cfo-webinar", 0.04, (0.02, 0.28, 0.53, 0.17),
              1.7, 0.85, 0.15, 0.02, 0.6, 165.0),
    _Campaign("Paid Social", "facebook-free-tool", 0.22, (0.24, 0.58, 0.14, 0.04),
              0.7, 0.05, -0.10, 0.45, 0.5, 11.0),
    _Campaign("Paid Social", "retargeting", 0.07, (0.08, 0.52, 0.32, 0.08),
              1.0, 0.30, 0.0, 0.05, 0.2, 24.0),
    _Campaign("Email Marketing", "newsletter-nurture", 0.08, (0.06, 0.50, 0.35, 0.09),
              1.0, 0.30, 0.0, 0.04, 0.7, None),
    _Campaign("Referrals", "partner-referral", 0.06, (0.01, 0.30, 0.52, 0.17),
              1.6, 0.70, 0.20, 0.02, 0.1, None),
    _Campaign("Offline Sources", "spring-trade-show", 0.035, (0.04, 0.40, 0.42, 0.14),
              1.2, 0.45, 0.05, 0.03, -0.3, 125.0),
    _Campaign("Organic Search", "blog-content", 0.06, (0.12, 0.52, 0.29, 0.07),
              1.0, 0.25, 0.0, 0.05, 0.2, None),
    _Campaign("Organic Search", "", 0.13, (0.10, 0.52, 0.30, 0.08),
              1.0, 0.25, 0.0, 0.04, 0.0, None),
    _Campaign("Direct Traffic", "", 0.095, (0.05, 0.47, 0.36, 0.12),
              1.1, 0.35, 0.05, 0.04, 0.0, None),
    _Campaign("Email Marketing", "product-update-email", 0.03, (0.04, 0.48, 0.37, 0.11),
              1.0, 0.35, 0.0, 0.04, 0.5, None),
)

# Without ``message``: the share expecting a free product, the same for every lead (the
# campaigns' average, students included).
_FREE_FLAT = 0.135

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
_INDUSTRY_OTHER_WEIGHT = np.array([0.0, 0.0, 0.20, 0.19, 0.14, 0.10, 0.21, 0.16])
_INDUSTRY_SUFFIX: tuple[tuple[str, ...], ...] = (
    ("Software", "Labs", "Systems", "Technologies", "Cloud"),
    ("Capital", "Financial", "Bank", "Insurance", "Wealth"),
    ("Manufacturing", "Industries", "Components", "Works", "Machinery"),
    ("Retail", "Stores", "Outfitters", "Market", "Goods"),
    ("Health", "Clinics", "Medical", "Care", "Pharma"),
    ("Academy", "Learning", "Education", "Institute", "School"),
    ("Consulting", "Advisors", "Group", "Legal", "Partners"),
    ("Holdings", "Logistics", "Energy", "Co", "Media"),
)
_WORD_A = (
    "North", "Blue", "Bright", "Silver", "Iron", "Clear", "Swift", "Green", "Red", "Stone",
    "Oak", "Pine", "River", "Summit", "Harbor", "Cedar", "Maple", "Golden", "Polar", "Sun",
    "Star", "Lake", "Crest", "Prime", "Nova", "Apex", "Ever", "High", "West", "East",
)
_WORD_B = (
    "wind", "peak", "field", "bridge", "gate", "stone", "way", "point", "line", "works",
    "ridge", "view", "path", "light", "wave", "port", "dale", "brook", "forge", "mark",
    "wood", "side", "haven", "core", "vale", "crest", "rock", "spring", "star", "leaf",
)
_FIRST_NAMES = (
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
_LAST_NAMES = (
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
_COUNTRIES = (
    "United States", "United Kingdom", "Canada", "Germany", "Australia", "Netherlands",
    "France", "India", "Ireland", "Singapore", "Sweden", "Brazil",
)
_COUNTRY_WEIGHT = np.array([0.52, 0.11, 0.08, 0.07, 0.05, 0.03, 0.03, 0.05, 0.02, 0.02, 0.01, 0.01])

# Title groups: finance decision makers, executives, finance staff, others, students.
_TITLES_FIN_DM = ("CFO", "Head of Finance", "VP Finance", "Finance Director", "Controller")
_TITLES_EXEC = ("CEO", "Founder", "Owner", "COO", "Managing Director")
_TITLES_FIN_IC = ("Finance Manager", "Accountant", "Financial Analyst", "Analyst", "Bookkeeper")
_TITLES_OTHER = (
    "Marketing Manager", "Operations Manager", "IT Manager", "Office Manager", "Consultant",
    "Sales Manager", "HR Manager", "Project Manager", "Software Engineer",
)
_TIMELINES = ("0-3 months", "3-6 months", "6-12 months", "No timeline")
_DQ_REASONS = (
    "No budget",
    "Student / job seeker",
    "Too small",
    "Competitor",
    "Wrong contact",
    "Not reachable",
    "Expected a free product",
)
_LOST_REASONS = (
    "Price too high",
    "Chose competitor",
    "No decision",
    "Missing feature",
    "Expected a free product",
    "Bad timing",
)
_DEAL_STAGES = ("Qualified", "Demo Scheduled", "Proposal Made", "Negotiation")
_SUBJECTS = {
    "call": ("Intro call", "Follow-up call", "Left voicemail", "Discovery call", "Call back"),
    "email": ("Intro email", "Follow-up", "Re: your inquiry", "Checking in", "Case study"),
    "meeting": ("Demo", "Discovery meeting", "Pricing review", "Product walkthrough"),
}

# Business calendar (local time): Monday-Friday 08:00-18:00, a few fixed holidays.
_OPEN, _CLOSE = 8.0, 18.0
_SPAN = _CLOSE - _OPEN
_MONTH_SEASON = np.array([1.05, 1.0, 1.1, 1.05, 1.0, 0.95, 0.85, 0.8, 1.1, 1.1, 1.0, 0.75])
_HOUR_WEIGHT = np.array(
    [0.08] * 6
    + [0.3, 0.8, 2.5, 4.0, 4.5, 4.5, 3.5, 4.0, 4.5, 4.2, 3.5, 2.5, 1.0, 0.6, 0.5, 0.4, 0.3, 0.2]
)


# --------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------


def _hours(moment: datetime) -> float:
    """Hours since 1970-01-01 00:00 (naive local time)."""
    return (moment - datetime(1970, 1, 1)).total_seconds() / 3600.0


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1) if day.day == 1 else _clamp_day(total, day.day)


def _clamp_day(total: int, day: int) -> date:
    year, month = total // 12, total % 12 + 1
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day, (nxt - timedelta(days=1)).day))


def _holidays(first_year: int, last_year: int) -> np.ndarray:
    days = []
    for year in range(first_year, last_year + 1):
        days += [f"{year}-01-01", f"{year}-07-04", f"{year}-12-24", f"{year}-12-25"]
    return np.array(days, dtype="datetime64[D]")


def _next_open(t: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Earliest business moment at or after ``t`` (hours since epoch)."""
    day = np.floor(t / 24.0).astype(np.int64)
    hour = t - day * 24.0
    d64 = day.astype("datetime64[D]")
    busy = np.is_busday(d64, holidays=holidays)
    nxt = np.busday_offset(d64, 1, roll="backward", holidays=holidays).astype(np.int64)
    return np.where(
        busy & (hour < _OPEN),
        day * 24.0 + _OPEN,
        np.where(busy & (hour < _CLOSE), t, nxt * 24.0 + _OPEN),
    )


def _add_business_hours(t: np.ndarray, h: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Add ``h`` business hours to ``t``; ``t`` is first moved to the next business moment."""
    t = _next_open(t, holidays)
    h = np.minimum(h, 4000.0)
    day = np.floor(t / 24.0).astype(np.int64)
    left = _CLOSE - (t - day * 24.0)
    rest = h - left
    k = np.floor(np.maximum(rest, 0.0) / _SPAN).astype(np.int64)
    later = np.busday_offset(day.astype("datetime64[D]"), k + 1, roll="backward", holidays=holidays)
    return np.where(h < left, t + h, later.astype(np.int64) * 24.0 + _OPEN + (rest - k * _SPAN))


def _problem_set(problems: Collection[str] | str | None) -> frozenset[str]:
    """The problems to plant; ``None`` is all of them, a string a comma-separated list."""
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


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _take(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(values=list(values), dtype=pl.String).gather(idx)


def _masked(series: pl.Series, keep: np.ndarray) -> pl.Series:
    """``series`` with nulls where ``keep`` is False."""
    return pl.select(
        pl.when(pl.lit(pl.Series(keep, dtype=pl.Boolean))).then(pl.lit(series)).otherwise(None)
    ).to_series()


def _fmt_time(hours: np.ndarray, keep: np.ndarray, *, seconds: bool) -> pl.Series:
    """Format hours since epoch as text; rows where ``keep`` is False become null.

    Built from small lookup tables (days, "HH:MM", ":SS") instead of ``strftime``,
    which is several times slower on millions of rows.
    """
    hours = np.where(keep & np.isfinite(hours), hours, 0.0)
    secs = np.floor(hours * 3600.0 + 1e-6).astype(np.int64)
    day = secs // 86_400
    if keep.any():
        d0, d1 = int(day[keep].min()), int(day[keep].max())
    else:
        d0 = d1 = 0
    day = np.clip(day, d0, d1) - d0
    days = np.arange(d0, d1 + 1).astype("datetime64[D]").astype(str).tolist()
    clock = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]
    parts = [
        pl.Series(values=days, dtype=pl.String).gather(day),
        pl.Series(values=clock, dtype=pl.String).gather((secs % 86_400) // 60),
    ]
    if seconds:
        tail = [f":{x:02d}" for x in range(60)]
        parts.append(pl.Series(values=tail, dtype=pl.String).gather(secs % 60))
    text = pl.select(
        pl.concat_str([pl.lit(parts[0]), pl.lit(" "), *[pl.lit(x) for x in parts[1:]]])
    ).to_series()
    return _masked(text, keep)


def _floor_minutes(hours: np.ndarray) -> np.ndarray:
    return np.floor(hours * 60.0 + 1e-6) / 60.0


def _thousands(x: pl.Expr) -> pl.Expr:
    """Non-negative integers (< 10**12) as text with comma thousands separators."""

    def group(i: int) -> pl.Expr:
        return ((x // 10 ** (3 * i)) % 1000).cast(pl.String).str.zfill(3)

    def head(i: int) -> pl.Expr:
        return (x // 10 ** (3 * i)).cast(pl.String)

    return (
        pl.when(x >= 10**9)
        .then(pl.concat_str([head(3), group(2), group(1), group(0)], separator=","))
        .when(x >= 10**6)
        .then(pl.concat_str([head(2), group(1), group(0)], separator=","))
        .when(x >= 10**3)
        .then(pl.concat_str([head(1), group(0)], separator=","))
        .otherwise(x.cast(pl.String))
    )


def _money(cents: pl.Expr) -> pl.Expr:
    """Integer cents as "$12,345.67"."""
    cents_text = (cents % 100).cast(pl.String).str.zfill(2)
    return pl.concat_str([pl.lit("$"), _thousands(cents // 100), pl.lit("."), cents_text])


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


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
    plant = _problem_set(problems)
    if n_leads < 1:
        raise ValueError("n_leads must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    end_day = _add_months(start, months)
    if export_at is None:
        export_at = datetime(end_day.year, end_day.month, end_day.day)
    t0 = _hours(datetime(start.year, start.month, start.day))
    t_export = _hours(export_at)
    if t_export <= t0:
        raise ValueError("export_at must be after start")
    window_days = int(min((end_day - start).days, np.ceil((t_export - t0) / 24.0)))

    rng = np.random.default_rng(seed)
    n = int(n_leads)
    hol = _holidays(start.year - 1, max(end_day.year, export_at.year) + 2)

    # ---------------------------------------------------------------- campaigns & arrival
    camp_share = np.array([c.share for c in _CAMPAIGNS])
    camp = rng.choice(len(_CAMPAIGNS), size=n, p=camp_share / camp_share.sum())
    show = next(i for i, c in enumerate(_CAMPAIGNS) if c.name == "spring-trade-show")

    day0 = int(np.floor(t0 / 24.0))
    days = day0 + np.arange(window_days)
    d64 = days.astype("datetime64[D]")
    cal_month = d64.astype("datetime64[M]").astype(np.int64) % 12  # 0 = January
    busy = np.is_busday(d64, holidays=hol)
    weekday = np.is_busday(d64)
    w_day = np.where(busy, 1.0, np.where(weekday, 0.3, 0.2))
    w_day = w_day * _MONTH_SEASON[cal_month] * (1.0 + 0.2 * np.arange(window_days) / window_days)
    day_idx = rng.choice(window_days, size=n, p=w_day / w_day.sum())
    lead_day = days[day_idx]
    flat = np.sqrt(_HOUR_WEIGHT)
    hour = np.where(
        busy[day_idx],
        rng.choice(24, size=n, p=_HOUR_WEIGHT / _HOUR_WEIGHT.sum()),
        rng.choice(24, size=n, p=flat / flat.sum()),
    )
    minute = rng.integers(0, 60, size=n)
    # The trade show's badge scans are imported in one go, a few days after the show.
    show_day = day0 + min(int(_add_months(start, 4).toordinal() - start.toordinal()) + 15,
                          int(window_days * 0.45))
    show_day = int(np.busday_offset(np.array(show_day, dtype="datetime64[D]"), 0, roll="forward",
                                    holidays=hol).astype(np.int64))
    at_show = camp == show
    if show_day < day0 + window_days:
        lead_day = np.where(at_show, show_day, lead_day)
        hour = np.where(at_show, rng.integers(9, 17, size=n), hour)
    created = lead_day * 24.0 + hour + minute / 60.0
    late = np.flatnonzero(created >= t_export)  # only when export_at cuts the last day
    created[late] = _floor_minutes(t0 + rng.random(late.size) * (t_export - t0 - 1.0 / 60.0))
    order = np.argsort(created, kind="stable")
    created, camp = created[order], camp[order]

    # ---------------------------------------------------------------- profile (latent)
    c_seg = np.array([c.segments for c in _CAMPAIGNS])
    c_ind = np.array([c.industry for c in _CAMPAIGNS])
    c_title = np.array([c.title for c in _CAMPAIGNS])
    c_budget = np.array([c.budget for c in _CAMPAIGNS])
    c_free = np.array([c.free for c in _CAMPAIGNS])
    c_eng = np.array([c.engagement for c in _CAMPAIGNS])
    if "profile" not in plant:  # every campaign sends the average mix
        mix = camp_share / camp_share.sum()
        c_seg = np.tile(mix @ c_seg, (len(_CAMPAIGNS), 1))
        c_ind, c_title, c_budget = (np.full(len(_CAMPAIGNS), mix @ c)
                                    for c in (c_ind, c_title, c_budget))

    tq = c_title[camp]
    # A cluster of "ideal" buyers (mid-size, right industry, finance decision maker,
    # budget): common in the well-targeted campaigns, rare in the cheap ones.
    ideal = rng.random(n) < 0.5 * tq**2
    seg = _pick(rng, c_seg[camp])  # 0 student, 1 small (1-49), 2 mid (50-1000), 3 large
    seg = np.where(ideal & (rng.random(n) < 0.92), 2, seg)
    student = seg == 0
    size_b = np.clip(seg - 1, 0, 2)  # company size block 0/1/2
    good_ind = rng.random(n) < np.clip(0.32 * c_ind[camp], 0.0, 0.9)
    good_ind |= ideal & (rng.random(n) < 0.92)
    ind = np.where(
        good_ind,
        (rng.random(n) < 0.45).astype(np.int64),
        rng.choice(8, size=n, p=_INDUSTRY_OTHER_WEIGHT / _INDUSTRY_OTHER_WEIGHT.sum()),
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
    title_grp = np.where(student, 4, _pick(rng, t_probs))
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
        p_free = np.full(n, _FREE_FLAT)
    expects_free = rng.random(n) < p_free
    competitor = rng.random(n) < 0.015
    engagement = rng.normal(0.0, 1.0, n) + c_eng[camp]

    fit_z = (
        -2.6
        + 1.1 * good_ind
        + 1.1 * (seg == 2)
        + 0.4 * (seg == 3)
        + 1.2 * budget
        + 1.1 * fin_dm
        + 0.5 * executive
        + 0.4 * urgent
        - 3.0 * student
        - 1.0 * expects_free
        - 3.0 * competitor
    )
    q = 1.0 / (1.0 + np.exp(-fit_z))
    if "profile" not in plant:
        # conversion follows a propensity with the same spread, unrelated to the profile
        # (drawn from a second generator, so the main stream of draws stays the same)
        q = q[np.random.default_rng([seed, 1]).permutation(n)]

    # HubSpot score: engagement and noise, only a little fit.
    score_noise = rng.normal(0, 10, n)
    score = np.clip(np.rint(36 + 12 * engagement + 1.2 * fit_z + score_noise), 0, 100)
    score = score.astype(np.int64)
    if "scoring" not in plant:
        # the same scores, re-ranked by the propensity to convert (plus a little noise)
        signal = np.log(q / (1.0 - q)) + 0.07 * score_noise
        score = np.sort(score)[np.argsort(np.argsort(signal, kind="stable"), kind="stable")]

    # ---------------------------------------------------------------- routing & handling
    rep_delay_median, rep_delay_sigma = _REP_DELAY_MEDIAN.copy(), _REP_DELAY_SIGMA.copy()
    rep_never, rep_quit = _REP_NEVER.copy(), _REP_QUIT.copy()
    rep_reassign, rep_win = _REP_REASSIGN.copy(), _REP_WIN.copy()
    if "readiness" not in plant:  # Lena is a typical rep
        rep_delay_median[_LENA], rep_delay_sigma[_LENA] = _TYPICAL_DELAY
        rep_never[_LENA], rep_quit[_LENA], rep_win[_LENA] = _TYPICAL_NEVER, _TYPICAL_QUIT, 1.0
    if "follow_up" not in plant:  # every lead worked, nobody gives up after one try
        rep_delay_median[_MARCUS], rep_delay_sigma[_MARCUS] = _TYPICAL_DELAY
        rep_never[:], rep_quit[:] = 0.0, 0.0
    if "routing" not in plant:
        rep_reassign[:] = _TYPICAL_REASSIGN
    if "pipeline" not in plant:
        rep_win[_TOM] = 1.0

    owner = rng.choice(len(REPS), size=n, p=_REP_WEIGHT / _REP_WEIGHT.sum())
    unassigned = rng.random(n) < 0.04
    rep = np.where(unassigned, 0, owner)  # safe index for parameter lookups
    assigned = created + np.maximum(1.0, np.rint(rng.lognormal(np.log(2.0), 0.8, n))) / 60.0
    priya = (owner == _PRIYA) & ~unassigned & ("routing" in plant)
    slow_route = _add_business_hours(created, rng.lognormal(np.log(4.0), 0.9, n), hol)
    assigned = _floor_minutes(np.where(priya, slow_route, assigned) + 0.5 / 60.0)
    unassigned |= assigned >= t_export

    reassigned = ~unassigned & (rng.random(n) < rep_reassign[rep])
    prev_rep = (owner + rng.integers(1, len(REPS), size=n)) % len(REPS)
    worker = np.where(unassigned, rng.integers(0, len(REPS), size=n), owner)
    first_rep = np.where(reassigned, prev_rep, worker)

    routed = "routing" in plant  # leads without an owner are mostly left alone
    never_p = np.where(unassigned, 0.75 if routed else rep_never[worker], rep_never[rep])
    touched = rng.random(n) >= never_p
    delay = rng.lognormal(np.log(rep_delay_median[first_rep]), rep_delay_sigma[first_rep])
    slow_unowned = rng.lognormal(np.log(24.0), 1.0, n)
    delay = np.where(unassigned & routed, slow_unowned, delay)
    delay = np.maximum(delay, 2.0 / 60.0)
    handle_from = np.where(reassigned | unassigned, created, assigned)
    day_start = _next_open(handle_from, hol)  # backlog from the night/weekend: 8:00-9:00
    day_start += np.where(day_start > handle_from, rng.uniform(0.0, 1.0, n), 0.0)
    after_hours = rng.random(n) < 0.06  # some reps answer from their phone at night
    if "speed" in plant:
        first_touch = _add_business_hours(day_start, delay, hol)
        first_touch = np.where(after_hours, handle_from + delay, first_touch)
    else:  # answered on the elapsed clock: nights and weekends are not held back
        first_touch = handle_from + delay
    first_touch = np.maximum(first_touch, created + 2.0 / 60.0)
    first_touch += rng.integers(0, 60, size=n) / 3600.0
    touched &= first_touch < t_export
    resp_h = first_touch - created

    quit_early = touched & (rng.random(n) < rep_quit[first_rep])

    # ---------------------------------------------------------------- funnel (latent)
    speed = ((1.0 + resp_h) ** -0.6) ** 0.5 if "speed" in plant else np.full(n, _SPEED_FLAT)
    tom = (worker == _TOM) & ~unassigned & ("pipeline" in plant)
    p_sal = (0.34 + 0.62 * q) * speed * (1.0 + 0.04 * engagement)
    p_sal = np.where(quit_early, p_sal * 0.35, p_sal)
    if "profile" in plant:
        p_sal = np.where(student, p_sal * 0.3, p_sal)
    sal = touched & (rng.random(n) < np.clip(p_sal, 0.0, 0.97))
    p_sql = (0.52 + 0.5 * q) * speed
    p_sql = np.where(tom, np.maximum(p_sql, 0.8), p_sql)
    sql = sal & (rng.random(n) < np.clip(p_sql, 0.0, 0.97))
    p_opp = np.where(tom, 0.97, 0.58 + 0.35 * q)
    opp = sql & (rng.random(n) < p_opp)

    sal_t = _add_business_hours(first_touch + rng.exponential(10.0, n), rng.random(n) * 2.0, hol)
    sql_gap = np.where(tom, rng.gamma(1.0, 6.0, n), rng.gamma(2.0, 60.0, n))
    sql_t = _add_business_hours(sal_t + sql_gap, rng.random(n), hol)
    opp_gap = np.where(tom, rng.uniform(0.1, 3.0, n), rng.gamma(2.0, 48.0, n))
    opp_t = _add_business_hours(sql_t + opp_gap, rng.random(n), hol)
    sal &= sal_t < t_export
    sql &= sal & (sql_t < t_export)
    opp &= sql & (opp_t < t_export)

    mql_nat = score >= 40
    mql_nat_t = created + np.where(rng.random(n) < 0.55, rng.uniform(0, 0.1, n),
                                   rng.exponential(60.0, n))
    mql_t = np.minimum(np.where(mql_nat, mql_nat_t, np.inf), np.where(sal, sal_t, np.inf))
    mql = mql_t < t_export

    # ---------------------------------------------------------------- deals
    lead_of_deal = np.flatnonzero(opp)
    m = lead_of_deal.size
    d_created = _floor_minutes(opp_t[lead_of_deal]) + rng.integers(0, 60, size=m) / 3600.0
    d_q = q[lead_of_deal]
    d_rep = worker[lead_of_deal]
    d_tom = tom[lead_of_deal]
    d_free = expects_free[lead_of_deal]
    p_win = (0.03 + 0.75 * d_q) * rep_win[d_rep] * np.where(d_free, 0.1, 1.0)
    will_win = rng.random(m) < np.clip(p_win, 0, 0.95)
    no_decision = d_tom & ~will_win & (rng.random(m) < 0.7)
    cycle_days = np.where(
        will_win, rng.gamma(4.0, 10.0, m), np.where(no_decision, rng.gamma(4.0, 14.0, m),
                                                   rng.gamma(2.5, 12.0, m))
    ) + 3.0
    d_close = _add_business_hours(d_created + cycle_days * 24.0, rng.random(m) * 8.0, hol)
    d_closed = d_close < t_export
    d_status = np.where(d_closed, np.where(will_win, 1, 2), 0)  # 0 open, 1 won, 2 lost

    # a handful of leads get a second deal after the first one closed
    second = d_closed & (rng.random(m) < 0.015)
    s_idx = np.flatnonzero(second)
    s_created = d_close[s_idx] + rng.uniform(14, 120, s_idx.size) * 24.0
    keep2 = s_created < t_export
    s_idx, s_created = s_idx[keep2], _floor_minutes(s_created[keep2]) + 0.5 / 60.0
    s_win = rng.random(s_idx.size) < np.where(will_win[s_idx], 0.45, 0.2)
    s_cycle = (rng.gamma(3.0, 10.0, s_idx.size) + 3.0) * 24.0
    s_close = _add_business_hours(s_created + s_cycle, rng.random(s_idx.size) * 8.0, hol)
    s_status = np.where(s_close < t_export, np.where(s_win, 1, 2), 0)

    all_lead = np.concatenate([lead_of_deal, lead_of_deal[s_idx]])
    all_created = np.concatenate([d_created, s_created])
    all_close = np.concatenate([d_close, s_close])
    all_status = np.concatenate([d_status, s_status])
    all_free = expects_free[all_lead]
    all_tom_nd = np.concatenate([no_decision, np.zeros(s_idx.size, dtype=bool)])
    k = all_lead.size
    won_lead = np.zeros(n, dtype=bool)
    won_lead[all_lead[all_status == 1]] = True

    size_value = np.array([9_000.0, 9_000.0, 24_000.0, 46_000.0])[seg[all_lead]]
    size_value *= np.concatenate([np.ones(m), np.full(s_idx.size, 0.5)])
    value = np.clip(np.rint(size_value * rng.lognormal(0, 0.35, k) / 500.0) * 500.0, 5_000, 80_000)

    lost_probs = np.tile(np.array([0.27, 0.23, 0.15, 0.17, 0.02, 0.16]), (k, 1))
    lost_probs[:, 0] += 0.25 * ~budget[all_lead]
    lost_reason = _pick(rng, lost_probs)
    lost_reason = np.where(all_free & (rng.random(k) < 0.85), 4, lost_reason)
    lost_reason = np.where(all_tom_nd, 2, lost_reason)

    frac = np.clip((t_export - all_created) / np.maximum(all_close - all_created, 1.0), 0, 0.999)
    stage_open = np.floor(frac * 4).astype(np.int64)
    stage_won = np.where(rng.random(k) < 0.75, 3, 2)
    stage_lost = _pick(rng, np.tile(np.array([0.3, 0.3, 0.25, 0.15]), (k, 1)))
    stage_lost = np.where(all_tom_nd, _pick(rng, np.tile(np.array([0.55, 0.35, 0.1, 0.0]), (k, 1))),
                          stage_lost)
    stage = np.select([all_status == 0, all_status == 1], [stage_open, stage_won], stage_lost)
    deal_owner = np.where(rng.random(k) < 0.04, rng.integers(0, len(REPS), size=k),
                          worker[all_lead])

    # ---------------------------------------------------------------- lead status & reasons
    recent = (t_export - created) < 21 * 24.0
    n_act = 1 + rng.poisson(1.7, n)
    n_act += sal * (1 + rng.poisson(1.0, n)) + sql * (1 + rng.poisson(0.8, n)) + opp * rng.poisson(
        1.2, n
    )
    n_act = np.where(quit_early & ~sal, 1, np.minimum(n_act, 14))
    n_act = np.where(touched, n_act, 0)

    dq_probs = np.zeros((n, len(_DQ_REASONS)))
    dq_probs[:, 0] = 0.05 + 1.1 * ~budget  # No budget
    dq_probs[:, 1] = 60.0 * student  # Student / job seeker
    dq_probs[:, 2] = 1.3 * (seg == 1)  # Too small
    dq_probs[:, 3] = 80.0 * competitor  # Competitor
    dq_probs[:, 4] = 0.9 * (title_grp == 3) + 0.2 * (title_grp == 2)  # Wrong contact
    dq_probs[:, 6] = 12.0 * expects_free  # Expected a free product
    dq = _pick(rng, dq_probs)
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
    dq_keep = status == 4

    # ---------------------------------------------------------------- activities
    total = int(n_act.sum())
    act_lead = np.repeat(np.arange(n), n_act)
    starts = np.cumsum(n_act) - n_act
    act_idx = np.arange(total) - np.repeat(starts, n_act)
    gaps = np.where(act_idx == 0, 0.0, rng.exponential(36.0, total))
    cum = np.cumsum(gaps)
    cum -= np.repeat(cum[starts[n_act > 0]], n_act[n_act > 0])
    raw = first_touch[act_lead] + cum
    snapped = _next_open(raw, hol)
    act_t = np.where(act_idx == 0, raw, np.where(snapped > raw, snapped + rng.random(total) * 2.0,
                                                 raw))
    # keep each lead's touches in order (leads are contiguous; 1e7 h separates them)
    act_t = np.maximum.accumulate(act_t - first_touch[act_lead] + act_lead * 1e7)
    act_t = act_t - act_lead * 1e7 + first_touch[act_lead]
    act_keep = act_t < t_export
    a_sal = sal[act_lead]
    kind_probs = np.where(
        (act_idx == 0)[:, None],
        np.array([0.6, 0.4, 0.0]),
        np.where(a_sal[:, None], np.array([0.45, 0.38, 0.17]), np.array([0.52, 0.45, 0.03])),
    )
    kind = _pick(rng, kind_probs)
    n_prev = np.maximum(1, np.floor(n_act * rng.uniform(0.2, 0.6, n))).astype(np.int64)
    by_prev = reassigned[act_lead] & (act_idx < n_prev[act_lead])
    act_rep = np.where(by_prev, prev_rep[act_lead], worker[act_lead])
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
    assigned[handed] = np.minimum(_floor_minutes(hand_over + 0.5 / 60.0),
                                  _floor_minutes(np.array([t_export - 1.0 / 60.0]))[0])
    subj_n = np.array([len(_SUBJECTS[x]) for x in ("call", "email", "meeting")])
    subj_off = np.concatenate([[0], np.cumsum(subj_n)[:-1]])
    subj = subj_off[kind] + np.floor(rng.random(total) * subj_n[kind]).astype(np.int64)
    all_subjects = [s for x in ("call", "email", "meeting") for s in _SUBJECTS[x]]

    # ---------------------------------------------------------------- contact details
    first = rng.integers(0, len(_FIRST_NAMES), size=n)
    last = rng.integers(0, len(_LAST_NAMES), size=n)
    k_comp = int(np.clip(n // 60, 40, 1500))
    comp_k = rng.integers(0, k_comp, size=n)
    combos = len(_WORD_A) * len(_WORD_B) * 5
    perm = rng.permutation(combos)[: 3 * k_comp]
    slot = perm[size_b * k_comp + comp_k]
    word = slot // 5
    suffix = slot % 5
    n_ids = 8 * 3 * k_comp
    comp_id = (ind * 3 + size_b) * k_comp + comp_k
    blk = np.repeat(np.arange(3), k_comp)
    lo = np.array([1.0, 50.0, 1001.0])[blk]
    hi = np.array([49.0, 1000.0, 25_000.0])[blk]
    emp_tab = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).astype(np.int64)
    emp_tab = np.tile(emp_tab, 8)
    rpe_tab = rng.lognormal(np.log(180_000.0), 0.5, n_ids)
    rev_tab = np.maximum(1, np.rint(emp_tab * rpe_tab / 100_000.0)).astype(np.int64) * 100_000
    employees = emp_tab[comp_id]
    revenue = rev_tab[comp_id]

    contacts = _contacts_frame(
        rng=rng,
        n=n,
        created=created,
        camp=camp,
        first=first,
        last=last,
        student=student,
        ind=ind,
        word=word,
        suffix=suffix,
        employees=employees,
        revenue=revenue,
        title_grp=title_grp,
        budget=budget,
        urgent=urgent,
        score=score,
        owner=owner,
        unassigned=unassigned,
        assigned=assigned,
        stage_times=(mql_t, sal_t, sql_t, opp_t),
        stage_flags=(mql, sal, sql, opp),
        won=won_lead,
        status=status,
        dq=dq,
        dq_keep=dq_keep,
    )
    record_id = contacts.get_column("Record ID")
    company = contacts.get_column("Company Name")
    full_name = contacts.select(
        pl.concat_str([pl.col("First Name"), pl.col("Last Name")], separator=" ")
    ).to_series()

    deal_order = np.argsort(all_created, kind="stable")
    deals = pl.DataFrame(
        {
            "Deal - Title": pl.select(
                pl.concat_str(
                    pl.coalesce(
                        pl.lit(company.gather(all_lead)), pl.lit(full_name.gather(all_lead))
                    ),
                    pl.lit(" deal"),
                )
            ).to_series(),
            "Deal - HubSpot Contact ID": record_id.gather(all_lead),
            "Deal - Value": pl.Series(value.astype(np.int64)).cast(pl.String),
            "Deal - Currency": pl.Series(["USD"] * k, dtype=pl.String),
            "Deal - Status": _take(("open", "won", "lost"), all_status),
            "Deal - Stage": _take(_DEAL_STAGES, stage),
            "Deal - Owner": _take(REPS, deal_owner),
            "Deal - Deal created": _fmt_time(all_created, np.ones(k, dtype=bool), seconds=True),
            "Deal - Won time": _fmt_time(all_close, all_status == 1, seconds=True),
            "Deal - Lost time": _fmt_time(all_close, all_status == 2, seconds=True),
            "Deal - Lost reason": _masked(_take(_LOST_REASONS, lost_reason), all_status == 2),
        }
    )[deal_order]
    deal_ids = pl.Series(np.arange(1, k + 1)).cast(pl.String).str.zfill(6)
    deals.insert_column(0, ("D-" + deal_ids).alias("Deal - ID"))

    keep = np.flatnonzero(act_keep)
    keep = keep[np.argsort(act_t[keep], kind="stable")]
    activities = pl.DataFrame(
        {
            "Activity - ID": pl.Series(np.arange(700_001, 700_001 + keep.size)).cast(pl.String),
            "Activity - Type": _take(("call", "email", "meeting"), kind[keep]),
            "Activity - Subject": _take(all_subjects, subj[keep]),
            "Activity - HubSpot Contact ID": record_id.gather(act_lead[keep]),
            "Activity - Assigned to user": _take(REPS, act_rep[keep]),
            "Activity - Marked as done time": _fmt_time(
                act_t[keep], np.ones(keep.size, dtype=bool), seconds=True
            ),
        }
    )

    spend = _spend_frame(rng, created, camp)
    return {"contacts": contacts, "deals": deals, "activities": activities, "spend": spend}


def _contacts_frame(*, rng: np.random.Generator, n: int, **v) -> pl.DataFrame:
    """Turn the latent lead arrays into HubSpot-formatted text columns."""
    student = v["student"]
    firsts = _take(_FIRST_NAMES, v["first"])
    lasts = _take(_LAST_NAMES, v["last"])
    ind_words = [s for suf in _INDUSTRY_SUFFIX for s in suf]
    word = _take([a + b for a in _WORD_A for b in _WORD_B], v["word"])
    suffix = _take(ind_words, v["ind"] * 5 + v["suffix"])
    has_company = ~student | (rng.random(n) < 0.2)
    uni = pl.concat_str(pl.lit("University of "), pl.lit(_take(_WORD_A, v["word"] % len(_WORD_A))))
    company = pl.select(
        pl.when(pl.lit(pl.Series(student)))
        .then(uni)
        .otherwise(pl.concat_str([pl.lit(word), pl.lit(" "), pl.lit(suffix)]))
    ).to_series()
    company = _masked(company, has_company)
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
    phone = _masked(phone, rng.random(n) >= 0.18)

    sources = _take([c.source for c in _CAMPAIGNS], v["camp"])
    campaign_names = [c.name or None for c in _CAMPAIGNS]
    campaign = pl.Series(values=campaign_names, dtype=pl.String).gather(v["camp"])

    owner = _masked(_take(REPS, np.where(v["unassigned"], 0, v["owner"])), ~v["unassigned"])
    assigned = _fmt_time(v["assigned"], ~v["unassigned"], seconds=False)

    mql_t, sal_t, sql_t, opp_t = v["stage_times"]
    mql, sal, sql, opp = v["stage_flags"]
    won = v["won"]
    life = np.select([won, opp, sql, mql], [4, 3, 2, 1], 0)
    lifecycle = _take(
        ("Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer"),
        life,
    )
    status = _take(
        ("New", "Attempted to Contact", "Connected", "Open Deal", "Unqualified", "Bad Timing"),
        v["status"],
    )
    dq = _masked(_take(_DQ_REASONS, v["dq"]), v["dq_keep"])

    industry_idx = np.where(student, 5, v["ind"])
    industry = _masked(_take(INDUSTRIES, industry_idx), (~student | (rng.random(n) < 0.5))
                       & (rng.random(n) >= 0.06))
    industry = _placeholder(rng, industry, "Select", 0.02)

    emp_text = pl.select(_thousands(pl.lit(pl.Series(v["employees"])))).to_series()
    emp_text = _masked(emp_text, ~student & (rng.random(n) >= 0.10))
    emp_text = _placeholder(rng, emp_text, "N/A", 0.015)
    rev_thousands = _thousands(pl.lit(pl.Series(v["revenue"] // 1000)))  # whole 100,000s
    rev_text = pl.select(pl.concat_str(pl.lit("$"), rev_thousands, pl.lit(",000"))).to_series()
    rev_text = _masked(rev_text, ~student & (rng.random(n) >= 0.28))

    tg = v["title_grp"]
    groups = (_TITLES_FIN_DM, _TITLES_EXEC, _TITLES_FIN_IC, _TITLES_OTHER, ("Student",))
    sizes = np.array([len(g) for g in groups])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    t_idx = offsets[tg] + np.floor(rng.random(n) * sizes[tg]).astype(np.int64)
    title = _take([t for g in groups for t in g], t_idx)
    title = _masked(title, rng.random(n) >= 0.05)
    title = _placeholder(rng, title, "N/A", 0.02)
    title = _placeholder(rng, title, "-", 0.005)

    country = _take(_COUNTRIES, rng.choice(len(_COUNTRIES), size=n, p=_COUNTRY_WEIGHT))
    country = _placeholder(rng, _masked(country, rng.random(n) >= 0.03), "Select", 0.01)

    yes_no = ("No", "Yes")
    budget = _masked(_take(yes_no, v["budget"].astype(np.int64)), rng.random(n) >= 0.15)
    dm_true = (tg <= 1) & (rng.random(n) < 0.92) | (tg > 1) & (rng.random(n) < 0.08)
    decision = _masked(_take(yes_no, dm_true.astype(np.int64)), rng.random(n) >= 0.25)
    t_probs = np.where(
        v["urgent"][:, None],
        np.array([0.7, 0.2, 0.08, 0.02]),
        np.array([0.08, 0.3, 0.32, 0.3]),
    )
    timeline = _masked(_take(_TIMELINES, _pick(rng, t_probs)), rng.random(n) >= 0.30)
    timeline = _placeholder(rng, timeline, "Select", 0.015)

    return pl.DataFrame(
        {
            "Record ID": pl.Series(np.arange(5_100_001, 5_100_001 + n)).cast(pl.String),
            "First Name": firsts,
            "Last Name": lasts,
            "Email": email,
            "Phone Number": phone,
            "Company Name": company,
            "Create Date": _fmt_time(v["created"], np.ones(n, dtype=bool), seconds=False),
            "Original Source": sources,
            "UTM Campaign": campaign,
            "Contact owner": owner,
            "Owner Assigned Date": assigned,
            "Lifecycle Stage": lifecycle,
            "Became a Marketing Qualified Lead Date": _fmt_time(mql_t, mql, seconds=False),
            "SAL Date": _fmt_time(sal_t, sal, seconds=False),
            "Became a Sales Qualified Lead Date": _fmt_time(sql_t, sql, seconds=False),
            "Became an Opportunity Date": _fmt_time(opp_t, opp, seconds=False),
            "Lead Status": status,
            "Disqualification Reason": dq,
            "HubSpot Score": pl.Series(v["score"]).cast(pl.String),
            "Industry": industry,
            "Number of Employees": emp_text,
            "Annual Revenue": rev_text,
            "Job Title": title,
            "Country/Region": country,
            "Budget Confirmed": budget,
            "Decision Maker": decision,
            "Purchase Timeline": timeline,
        }
    )


def _placeholder(rng: np.random.Generator, s: pl.Series, text: str, share: float) -> pl.Series:
    """Replace a random ``share`` of the values with a form placeholder such as "N/A"."""
    hit = pl.Series(rng.random(s.len()) < share)
    return pl.select(pl.when(pl.lit(hit)).then(pl.lit(text)).otherwise(pl.lit(s))).to_series()


def _spend_frame(rng: np.random.Generator, created: np.ndarray, camp: np.ndarray) -> pl.DataFrame:
    """Monthly spend per paid campaign: leads x cost per lead x noise."""
    month = (np.floor(created / 24.0).astype(np.int64).astype("datetime64[D]")
             .astype("datetime64[M]").astype(np.int64))
    paid = np.array([c.cpl is not None for c in _CAMPAIGNS])
    cpl = np.array([c.cpl or 0.0 for c in _CAMPAIGNS])
    m0 = int(month.min())
    n_months = int(month.max()) - m0 + 1
    counts = np.bincount((month - m0) * len(_CAMPAIGNS) + camp,
                         minlength=n_months * len(_CAMPAIGNS)).reshape(n_months, len(_CAMPAIGNS))
    mi, ci = np.nonzero(counts * paid[None, :])
    noise = rng.lognormal(0.0, 0.12, mi.size)
    cents = np.rint(counts[mi, ci] * cpl[ci] * noise * 100.0).astype(np.int64)
    months = (np.array(mi + m0).astype("datetime64[M]")).astype(str)
    return pl.DataFrame(
        {
            "Month": pl.Series(months.tolist(), dtype=pl.String),
            "Channel": _take([c.source for c in _CAMPAIGNS], ci),
            "Campaign": _take([c.name for c in _CAMPAIGNS], ci),
            "Spend": pl.select(_money(pl.lit(pl.Series(cents)))).to_series(),
        }
    )


def write_sample(
    directory: str | Path, *, n_leads: int = 30_000, seed: int = 7, **kw: object
) -> list[Path]:
    """Generate the sample and write it as four CSV files.

    Parameters
    ----------
    directory : str or pathlib.Path
        Folder to write into; created when missing.
    n_leads : int, default 30_000
        Number of contacts.
    seed : int, default 7
        Seed of the random generator.
    **kw
        Further keyword options of :func:`generate_sample` (``start``, ``months``,
        ``export_at``, ``problems``).

    Returns
    -------
    list of pathlib.Path
        The written files, in the order of :data:`SAMPLE_FILES` (contacts, deals,
        activities, marketing spend). UTF-8, comma separated, with a header row.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_sample(tempfile.mkdtemp(), n_leads=500)
    >>> [p.name for p in paths]
    ['contacts.csv', 'deals.csv', 'activities.csv', 'marketing_spend.csv']
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate_sample(n_leads=n_leads, seed=seed, **kw)
    paths = []
    for role, filename in SAMPLE_FILES.items():
        path = out / filename
        frames[_FRAME_KEYS[role]].write_csv(path)
        paths.append(path)
    return paths


def load_sample(directory: str | Path | None = None) -> Dataset:
    """Load the bundled sample (or a folder written by :func:`write_sample`) as a Dataset.

    Parameters
    ----------
    directory : str or pathlib.Path or None, default None
        Folder holding the files named in :data:`SAMPLE_FILES`; defaults to
        :data:`SAMPLE_DIR`. Missing optional files (deals, activities, spend) are skipped.

    Returns
    -------
    funnel.dataset.tables.Dataset
        The sample mapped onto the canonical tables by :func:`funnel.ingest.build.load`.

    Examples
    --------
    >>> ds = load_sample()
    >>> ds.leads.height
    30000
    """
    from funnel.ingest.build import load  # local import: funnel.model is the heavier layer

    folder = Path(directory) if directory is not None else SAMPLE_DIR
    paths = {role: folder / name for role, name in SAMPLE_FILES.items()}
    optional = {
        role: (path if path.exists() else None) for role, path in paths.items() if role != "leads"
    }
    return load(paths["leads"], **optional, label=_LABEL)


def sample_dataset(
    *,
    n_leads: int = 30_000,
    seed: int = 7,
    problems: Collection[str] | None = None,
    export_at: datetime | None = None,
) -> Dataset:
    """Generate a sample and load it as a Dataset in memory, without touching the disk.

    The frames of :func:`generate_sample` are written as CSV bytes and go through the
    same readers, mapping and validation as :func:`load_sample` (so
    ``sample_dataset()`` equals ``load_sample()``); made for tests of the diagnosis on
    data with chosen problems, or none.

    Parameters
    ----------
    n_leads : int, default 30_000
        Number of contacts.
    seed : int, default 7
        Seed of the random generator.
    problems : collection of str, or None, default None
        The problems to plant (see :data:`PROBLEMS`); ``None`` plants all eight,
        ``()`` none.
    export_at : datetime.datetime or None, default None
        Moment of the export (see :func:`generate_sample`).

    Returns
    -------
    funnel.dataset.tables.Dataset
        Mapped onto the canonical tables, labelled like the bundled sample (with the
        planted problems named when not all eight are).

    Raises
    ------
    ValueError
        For the bad arguments :func:`generate_sample` refuses.

    Examples
    --------
    >>> ds = sample_dataset(n_leads=500, problems=("speed",))
    >>> ds.leads.height, ds.label
    (500, 'Sample: B2B software (HubSpot + Pipedrive), problems: speed')
    """
    from funnel.ingest.build import build_dataset  # local import: funnel.model is the heavier layer
    from funnel.ingest.readers import read_file

    plant = _problem_set(problems)
    frames = generate_sample(n_leads=n_leads, seed=seed, export_at=export_at, problems=plant)
    label = _LABEL
    if plant != frozenset(PROBLEMS):
        label += ", problems: " + (", ".join(p for p in PROBLEMS if p in plant) or "none")

    def tables():  # one file's text at a time, as load() reads them
        for role, filename in SAMPLE_FILES.items():
            buffer = io.BytesIO()
            frames.pop(_FRAME_KEYS[role]).write_csv(buffer)
            yield role, read_file(buffer.getvalue(), name=filename)

    return build_dataset(tables(), release=True, label=label)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m funnel.sample",
        description="Write the bundled sample CRM export (HubSpot contacts, Pipedrive deals "
        "and activities, marketing spend) as CSV files.",
    )
    parser.add_argument("--out", default="sample_data", help="output folder (default: %(default)s)")
    parser.add_argument("--leads", type=int, default=30_000, help="leads (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--problems",
        default=None,
        help="comma-separated problems to plant, among " + ", ".join(PROBLEMS)
        + "; 'none' for data where nothing is wrong (default: all eight)",
    )
    args = parser.parse_args(argv)
    if args.leads < 1:
        parser.error("--leads must be at least 1")
    try:
        problems = None if args.problems is None else _problem_set(args.problems)
    except ValueError as exc:
        parser.error(str(exc))
    for path in write_sample(args.out, n_leads=args.leads, seed=args.seed, problems=problems):
        print(path)
    return 0
