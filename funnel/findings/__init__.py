"""The verdict, place by place: where the marketing→sales handoff leaks, with evidence.

Each *place* (contract §4) has a test on the data that yields an effect size, a 95%
interval and counts. A place is a **problem** only when its evidence clears noise:

* the interval excludes "no effect" (a rate ratio of 1, an AUC of 0.5 …) and the effect
  is large enough to matter (``Settings.min_ratio``, 1.5× by default);
* every group compared, and the rest it is compared with, has at least ``min_n`` (30)
  leads;
* when a place compares many groups at once, its intervals are Bonferroni-widened over
  the whole family (family-wise error ``alpha`` = 1% per place, about 5% over the five
  handling places together), so twenty owners or a
  hundred campaign × reason pairs do not produce a "finding" by chance;
* a culprit is named (the owner, campaign/source, arrival window or field).

Otherwise the place has **no evidence** (tested, nothing found) or **can't tell** (the
fields are missing, named in ``missing``; or too few leads to test).

The places, in the contract's order (one file of this package each, ending with its
:class:`Place`; listed here from :data:`REGISTRY`), with the test, its family for
Bonferroni → the culprit:

PLACES_FROM_REGISTRY

Severity ranks problems by what is at stake: an estimate from observed rates (labelled
``at_stake_note`` in the evidence) of the extra qualified leads or wins had the
affected leads converted like the unaffected, valued at the average won deal, as a
share of the revenue won (without amounts: of the qualified leads or wins), in [0, 1].
It is a scenario for ranking, never a forecast.

Every output states the verdict the same way, from :mod:`funnel.findings.summary`: the
status words (:data:`STATUS_WORDS`), the card order (:func:`ranked`) and the one line
:func:`verdict_summary` gives ("3 problems, 2 clear, 4 can't tell: need lead owners, …";
"Nothing could be tested: …" when no place could be).
"""

from funnel.findings.base import Finding, Place, Settings
from funnel.findings.registry import (
    CHARTS,
    PAGES,
    PLACES,
    REGISTRY,
    TITLES,
    describe_places,
    diagnose_places,
    findings,
)
from funnel.findings.summary import (
    STATUS_WORDS,
    VerdictSummary,
    plain_headline,
    ranked,
    verdict_summary,
)

if __doc__:  # not under python -OO
    __doc__ = __doc__.replace("PLACES_FROM_REGISTRY", describe_places())

__all__ = ["CHARTS", "PAGES", "PLACES", "REGISTRY", "STATUS_WORDS", "TITLES", "Finding",
           "Place", "Settings", "VerdictSummary", "diagnose_places", "findings",
           "plain_headline", "ranked", "verdict_summary"]
