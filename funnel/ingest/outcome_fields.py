"""Fields set by or after the outcome: never a profile attribute, trait or explanation.

A lead's *Converted* flag, its *Converted Opportunity ID*, a *# Converted
Opportunities* or *Conversion Rate* column, its status or stage, a probability, a record
type: each is written when (or after) the lead converts or the deal closes, so a profile
made of them describes the outcome, not the lead. Three rules find them, each with its
reason (:func:`outcome_reason`):

* by name (:data:`OUTCOME_NAME`);
* empty for every lead that has not converted (no deal, no opportunity, not won) and
  filled for some that have;
* on its own, separating won from not-won, or converted from not-converted, almost
  perfectly (:data:`SEPARATES`).

:func:`left_out_fields` lists, for a loaded dataset, the fields left out and why (the
Profile page shows them).
"""

from __future__ import annotations

import re

import polars as pl

from funnel.dataset.schema import FIELDS, is_text, normalise_header
from funnel.dataset.tables import Dataset

OUTCOME_NAME = re.compile(
    r"^(?:is )?convert(?:ed|ion)\b|\bconverted\b|\bconversion rate\b|\bstatus\b|\bstage\b"
    r"|\bprobability\b|\brecord type\b|\bforecast\b|^(?:is )?(?:won|closed)$|\bwon\b"
    r"|\bclosed (?:won|lost)\b"
    # counts and sums of a lead's deals (HubSpot, Pipedrive): written when a deal is made
    r"|\b(?:open|closed|lost) deals?\b|\bnumber of (?:associated )?deals\b"
    r"|\bassociated deals?\b|\b(?:recent|first|last) deal\b|\btotal revenue\b"
    r"|\bweighted (?:value|amount)\b|\bexpected revenue\b"
    # when or how fast it closed (HubSpot's Days To Close; Pipedrive's Deal closed on)
    r"|\bdays to close\b|\bclosed? on\b|\bbecame a customer\b"
    # Marketo's SFDC Type: Lead until Salesforce converts it into a Contact
    r"|\bsfdc type\b", re.IGNORECASE)
"""Header words (as :func:`funnel.dataset.schema.normalise_header` writes them) of a
field set by or after the outcome: a status or stage, a probability or forecast, a won
or closed flag, a lead's deal counts and revenue (HubSpot's *Number of Associated
Deals*, *Recent Deal Amount*, *Total Revenue*; Pipedrive's *Open deals*, *Closed
deals*), a weighted value (amount × the stage's probability), when or how fast it
closed."""

SEPARATES = 0.95
"""A field whose values, each read as the commoner outcome of its leads, tell at least
this share of the won leads *and* of the others right (values with ``MIN_GROUP`` leads or
more, covering 90% of them; at least ``MIN_GROUP`` won and not-won leads) says the
outcome."""
MIN_GROUP = 5
MIN_UNCONVERTED = 20
"""A field empty for every lead that has not converted says the outcome only when at
least this many have not (and ``MIN_GROUP`` converted leads have it)."""

_FIRST = 1_000  # values trimmed and looked at before the whole column

_NOT_ATTRIBUTES = set(FIELDS["leads"]) | {"outcome", "closed_at", "deals", "touches",
                                         "close_forecast"}


def _won(leads: pl.DataFrame) -> pl.Series:
    return (leads["outcome"] == "won").fill_null(False) if "outcome" in leads.columns \
        else pl.Series([False] * leads.height)


def _converted(leads: pl.DataFrame) -> pl.Series:
    """Leads that converted: won, or with a deal or an opportunity date."""
    out = _won(leads)
    if "deals" in leads.columns:
        out = out | (leads["deals"].fill_null(0) > 0)
    if "opportunity_at" in leads.columns:
        out = out | leads["opportunity_at"].is_not_null()
    return out


NAMED = "set at or after conversion (its name says so)"
"""The reason given for a field named for the outcome."""


def named_for_outcome(column: str) -> bool:
    """Whether a field's name says it is set by or after the outcome (:data:`OUTCOME_NAME`).

    Examples
    --------
    >>> [named_for_outcome(c) for c in ("# Converted Opportunities", "Industry")]
    [True, False]
    """
    return bool(OUTCOME_NAME.search(normalise_header(column.removesuffix(" (raw)"))))


def outcome_reason(leads: pl.DataFrame, column: str) -> str | None:
    """Why ``column`` of the lead table is set by or after the outcome, or ``None``.

    Examples
    --------
    >>> leads = pl.DataFrame({"outcome": ["won", "lost"] * 5, "Region": ["N", "S"] * 5,
    ...                       "Conversion Rate": ["100%", "0%"] * 5})
    >>> outcome_reason(leads, "Conversion Rate")
    'set at or after conversion (its name says so)'
    >>> outcome_reason(leads, "Region")
    'on its own it tells won from not-won (100% of won leads, 100% of the others)'
    """
    return _reason(leads, column, _targets(leads))


def _targets(leads: pl.DataFrame) -> dict[str, pl.Series]:
    """What a field may tell: the won leads, and the converted ones when they differ (a
    field set when the lead converts, a rating turned "Hot", tells those, won or not)."""
    won, conv = _won(leads), _converted(leads)
    return {"won": won} if conv.equals(won) else {"won": won, "converted": conv}


def _reason(leads: pl.DataFrame, column: str, targets: dict[str, pl.Series]) -> str | None:
    """:func:`outcome_reason` with the leads' :func:`_targets` computed once."""
    if named_for_outcome(column):
        return NAMED
    s = leads[column]
    if _filled_at_conversion(s, targets.get("converted", targets["won"])):
        return "empty for every lead that has not converted (filled at conversion)"
    return _separates(s, targets)


def _filled(s: pl.Series) -> pl.Series:
    """True where the field has a value (text: not blank)."""
    return s.is_not_null() & (s.cast(pl.String).str.strip_chars() != "") if is_text(s.dtype) \
        else s.is_not_null()


def _filled_at_conversion(s: pl.Series, conv: pl.Series) -> bool:
    """Whether ``s`` is empty for every lead that has not converted (at least
    ``MIN_UNCONVERTED`` of them) and filled for ``MIN_GROUP`` converted ones. A field
    filled early on for a lead that has not converted is told from the first rows."""
    if int((~conv).sum()) < MIN_UNCONVERTED:
        return False
    before = s.filter(~conv).drop_nulls()
    if _filled(before.head(_FIRST)).any() or _filled(before).any():
        return False
    return int(_filled(s.filter(conv)).sum()) >= MIN_GROUP


def _separates(s: pl.Series, targets: dict[str, pl.Series]) -> str | None:
    """Why ``s`` on its own tells the leads of one of ``targets`` (``{"won": …}``, in
    order) from the others (:data:`SEPARATES`), or ``None``; one group-by for all."""
    n, nulls = s.len(), s.null_count()
    usable = {what: t for what, t in targets.items()
              if MIN_GROUP <= int(t.sum()) <= n - MIN_GROUP}
    if not usable or nulls > 0.5 * n:
        return None
    # values of MIN_GROUP leads or more hold 90% of the values only when there are at
    # most 30% as many distinct values as values; a near-unique field (an e-mail, a
    # phone) is told apart by an estimate of the distinct count (HyperLogLog, off by a
    # few percent at most), with a wide margin
    if s.approx_n_unique() > 0.5 * (n - nulls):
        return None
    names = [f"k{i}" for i in range(len(usable))]
    groups = (pl.DataFrame({"v": s, **dict(zip(names, usable.values(), strict=True))})
              .drop_nulls("v").group_by("v")
              .agg(pl.len().alias("n"), *[pl.col(k).sum() for k in names]))
    big = groups.filter(pl.col("n") >= MIN_GROUP)
    covered = int(big["n"].sum())
    if big.height < 2 or covered < 0.9 * (n - nulls):
        return None
    for what, k in zip(usable, names, strict=True):
        # each value read as the outcome most of its leads had: how many of the leads
        # that are ``what`` and of the others does that tell right?
        says = pl.col(k) > pl.col("n") - pl.col(k)
        other = pl.col("n") - pl.col(k)
        right, all_, other_right, other_all = big.select(
            pl.col(k).filter(says).sum().alias("a"), pl.col(k).sum().alias("b"),
            other.filter(~says).sum().alias("c"), other.sum().alias("d"),
        ).row(0)
        if all_ and other_all and min(right / all_, other_right / other_all) >= SEPARATES:
            return (f"on its own it tells {what} from not-{what} ({right / all_:.0%} of "
                    f"{what} leads, {other_right / other_all:.0%} of the others)")
    return None


def outcome_fields(leads: pl.DataFrame, columns: list[str]) -> list[tuple[str, str]]:
    """The ``(field, reason)`` of each of ``columns`` set by or after the outcome.

    Examples
    --------
    >>> leads = pl.DataFrame({"outcome": ["won", "open"], "Converted": [True, False],
    ...                       "Industry": ["Retail", "Food"]})
    >>> outcome_fields(leads, ["Converted", "Industry"])
    [('Converted', 'set at or after conversion (its name says so)')]
    """
    targets = _targets(leads)
    out = []
    for c in columns:
        if c in leads.columns and (why := _reason(leads, c, targets)):
            out.append((c, why))
    return out


def left_out_fields(ds: Dataset) -> list[tuple[str, str]]:
    """The export's lead fields left out of the profile because they are set by or after
    the outcome, with the reason: the rows the Profile page lists.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> [f for f, _ in left_out_fields(load_sample())]
    ['Lead Status']
    """
    extra = [c for c in ds.leads.columns
             if not c.startswith("__") and c not in _NOT_ATTRIBUTES and c not in ds.attributes]
    return outcome_fields(ds.leads, extra)
