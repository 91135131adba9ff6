"""What a truth-suite world plants: the problems (each alone, with an effect knob), the
null world and the trap worlds, and what the findings must say about each.

Each entry of :data:`WORLDS` is ``kind -> Expect(place, culprit)``: the place that must
be a problem and a ``(key, value)`` its culprit must contain (``None`` for null and trap
worlds: no place may raise a problem).
"""

from __future__ import annotations

from typing import NamedTuple

from funnel.analyses.profile.criteria import Criterion, Profile

REPS = ("Ana Silva", "Ben Cole", "Cara Diaz", "Dev Patel", "Eli Moss", "Fay Wong")
CULPRIT = REPS[2]  # the rep a planted problem (or a trap) is about
SOURCES = ("Paid Search", "Organic", "Paid Social", "Events", "Syndication")
SOURCE_SHARE = (0.25, 0.2, 0.25, 0.1, 0.2)
CAMPAIGNS = {
    "Paid Search": ("ps-brand", "ps-generic"),
    "Organic": ("org-blog", "org-seo"),
    "Paid Social": ("soc-linkedin", "soc-facebook", "soc-retarget"),
    "Events": ("ev-summit", "ev-webinar"),
    "Syndication": ("syn-report", "syn-guide"),
}
INDUSTRIES = ("Software", "Finance", "Manufacturing", "Retail", "Healthcare")
INDUSTRY_SHARE = (0.25, 0.2, 0.2, 0.2, 0.15)
FIT_INDUSTRIES = ("Software", "Finance", "Manufacturing")
SIZES = ("1-49", "50-499", "500+")
SIZE_SHARE = (0.45, 0.4, 0.15)
FIT_SIZES = ("50-499", "500+")
REASONS = ("No budget", "Bad timing", "Went with a competitor", "Not a fit", "No response")
FREE = "Expected a free product"
TRUE_PROFILE = Profile("Sales: closable lead", (
    Criterion("industry", values=FIT_INDUSTRIES), Criterion("company_size", values=FIT_SIZES)))
"""The profile that wins in every world (the one stated, except in ``definition``)."""
WRONG_PROFILE = Profile("Marketing: big retail", (
    Criterion("industry", values=("Retail", "Healthcare")),))
"""The stated profile of the ``definition`` world (it does not separate winners)."""


class Expect(NamedTuple):
    """The place that must be found and a culprit ``(key, value)`` it must name."""

    place: str | None
    culprit: tuple[str, str] | None = None
    forbid: tuple[str, str] | None = None  # a culprit no card may name (traps)


PLANTED: dict[str, Expect] = {
    "slow_rep": Expect("speed", ("owner", CULPRIT)),
    "slow_window": Expect("speed", ("window", "weekend")),
    "late_assignment": Expect("routing", ("owner", CULPRIT)),
    "handovers": Expect("routing", ("owner", CULPRIT)),
    "follow_up_owner": Expect("follow_up", ("owner", CULPRIT)),
    "follow_up_source": Expect("follow_up", ("source", "Syndication")),
    "profile": Expect("profile", ("source", "Syndication")),
    "definition": Expect("definition", ("profile", WRONG_PROFILE.name)),
    "readiness": Expect("readiness", ("owner", CULPRIT)),
    "message": Expect("message", ("campaign", "soc-facebook")),
    "scoring": Expect("scoring", ("field", "score")),
    "pipeline": Expect("pipeline", ("owner", CULPRIT)),
}
"""Each problem planted alone: the place and culprit the findings must name."""

TRAPS: dict[str, Expect] = {
    "null": Expect(None),
    "fit_speed": Expect(None),  # good-fit leads answered faster; fit, not speed, wins
    "territory_rep": Expect(None, forbid=("owner", CULPRIT)),  # a rep given a low-win vertical
    "immature_rep": Expect(None, forbid=("owner", CULPRIT)),  # a rep whose leads are recent
    "night_shift": Expect("speed", forbid=("owner", CULPRIT)),  # a rep given the night leads
    "simpson": Expect(None),  # a slow source that converts less for its own reasons
    "small_campaigns": Expect(None),  # 200 campaigns of ~100 leads, nothing planted
}
"""Null and trap worlds: nothing may be raised (``night_shift`` plants a real speed
effect of the arrival windows, so speed must be found, but not blamed on the rep)."""

WORLDS = {**PLANTED, **TRAPS}


def stated_profile(kind: str) -> Profile:
    """The profile the sales team states in world ``kind``."""
    return WRONG_PROFILE if kind == "definition" else TRUE_PROFILE
