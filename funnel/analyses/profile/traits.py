"""What can be a trait of winners, and what cannot.

A learned profile describes the lead, so it must not be built from: the channel a lead
came by when sources and campaigns are then judged against it (circular), a missing
value ("unknown", "Select", blank), an id, or a field whose being filled depends on the
outcome (recorded at or after the sale). The rules live here, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import polars as pl

from funnel.analyses.profile.fields import field_kind
from funnel.dataset.schema import is_text, normalise_header
from funnel.ingest.parsing import PLACEHOLDERS, detect_date_style, parse_dates

CANONICAL_ATTRIBUTES = ("source", "campaign")
"""Canonical fields treated as lead attributes (besides the export's own attributes)."""

PROCESS_PATTERN = re.compile(
    r"\b(status|stage|tags?|reason|quality|activit(?:y|ies)|notable|owner|disqualif\w*|lost"
    r"|won|(?:times|last) contacted|contacted (?:date|on|at)|last engagement"
    r"|(?:number of|count of) engagements)\b",
    re.IGNORECASE)
"""Field names (as :func:`funnel.dataset.schema.normalise_header` writes them) that look
like something sales records after the handoff: a status, an activity count (HubSpot's
*Number of Sales Activities*, *Number of times contacted*, *Last Engagement Date*;
Salesforce's ``LastActivityDate``)."""

CHANNEL_PATTERN = re.compile(r"\b(origin|source|campaign|utm|channel|medium|hear)\b",
                             re.IGNORECASE)
"""Attribute names that describe the channel rather than the lead: a profile used to
judge sources and campaigns leaves them out (see :func:`is_channel_field`)."""

MISSING_TEXTS = frozenset(PLACEHOLDERS | {
    "unknown", "(unknown)", "not known", "not provided", "not specified", "unspecified",
    "not available", "(missing)", "missing"})
"""Texts that mean "no value" (compared trimmed and lower-cased): never a trait."""

ID_NAME = re.compile(
    r"(?:^|[\s_\-.])(?:id|ids|uuid|guid|key|number|no|nr|num|#)\.?$"
    r"|^(?:id|uuid|guid)(?:[\s_\-.]|$)", re.IGNORECASE)
"""Column names that say "an id" (``Lead Number``, ``account_id``, ``Ref #``)."""

ID_VALUE = re.compile(
    r"^(?:[0-9a-fA-F]{16,}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})$")
"""Values that look like generated ids (hex digests, UUIDs)."""

FILLED_RATIO = 2.0
FILLED_POINTS = 0.10
"""A field filled for ≥ ``FILLED_RATIO``× and ≥ ``FILLED_POINTS`` more of the won leads
than of the others is recorded at or after the sale: never a trait."""


def is_channel_field(name: str) -> bool:
    """Whether a field describes the channel a lead came by (``source``, ``campaign``, or
    a name such as *Lead Origin*, *utm_medium*, *How did you hear about us*).

    Examples
    --------
    >>> [is_channel_field(c) for c in ("source", "Lead Origin", "Industry")]
    [True, True, False]
    """
    return name in CANONICAL_ATTRIBUTES or bool(CHANNEL_PATTERN.search(name))


def is_process_field(name: str) -> bool:
    """Whether a field's name says sales recorded it after the handoff
    (:data:`PROCESS_PATTERN`, matched on the header's words, so ``LastActivityDate``
    counts as *Last Activity Date*).

    Examples
    --------
    >>> [is_process_field(c) for c in ("LastActivityDate", "Number of times contacted",
    ...                                "Industry")]
    [True, True, False]
    """
    return bool(PROCESS_PATTERN.search(normalise_header(name)))


def clean_values(s: pl.Series) -> pl.Series:
    """A text column trimmed, with the texts that mean "no value" (:data:`MISSING_TEXTS`)
    made missing; other columns as they are.

    Examples
    --------
    >>> clean_values(pl.Series(["Software ", "unknown", "N/A", None])).to_list()
    ['Software', None, None, None]
    """
    if field_kind(s.dtype) != "text":
        return s
    text = s.cast(pl.String).str.strip_chars()
    return text.set(text.str.to_lowercase().is_in(list(MISSING_TEXTS)).fill_null(False), None)


DATES_SHARE = 0.9
"""A text column whose first values read as dates at least this often is a date."""


def written_as_dates(s: pl.Series, *, n: int = 200) -> bool:
    """Whether a text column holds dates written as text (an export's *Update time* or
    *Last stage change* left unmapped): at least :data:`DATES_SHARE` of its first ``n``
    values read as dates in one format.

    Examples
    --------
    >>> written_as_dates(pl.Series(["2024-06-30 00:00:00", "2024-05-01 10:00:00"]))
    True
    >>> written_as_dates(pl.Series(["Retail", "2024-05-01"]))
    False
    """
    if not is_text(s.dtype):
        return False
    head = s.head(50 * n).drop_nulls()  # a slice first: never the whole column's text
    sample = (head if head.len() >= n else s.drop_nulls()).head(5 * n)
    sample = sample.cast(pl.String).str.strip_chars()
    sample = sample.filter(sample != "").head(n)
    # a date holds a digit: a column of words is not one (and is not parsed)
    if sample.len() == 0 or sample.str.contains(r"\d").mean() < DATES_SHARE:
        return False
    style = detect_date_style(sample)
    return style is not None and parse_dates(sample, style).is_not_null().mean() >= DATES_SHARE


def id_reason(s: pl.Series) -> str | None:
    """Why a column is an id rather than a trait (``None`` when it is not one): a
    different value on almost every lead, a name that says id with many values, values
    shaped like generated ids, or whole numbers rising row by row.

    Examples
    --------
    >>> id_reason(pl.Series("Lead Number", [660737 - i % 700 for i in range(1000)]))
    'an id (its name says so, 700 distinct values)'
    >>> id_reason(pl.Series("Region", ["North", "South"] * 50)) is None
    True
    """
    values = s.drop_nulls()
    n = values.len()
    kind = field_kind(s.dtype)
    if kind == "text":
        return text_id_reason(s.name, n=n, distinct=values.n_unique() if n >= 20 else 0,
                              id_like=lambda: values.cast(pl.String).str.contains(
                                  ID_VALUE.pattern).mean())
    if n < 20:
        return None
    distinct = values.n_unique()
    integer = kind == "number" and bool((values.cast(pl.Float64) % 1 == 0).all())
    if distinct >= 0.95 * n and integer:
        return "an id (a different value on almost every lead)"
    if kind == "number" and distinct > 20 and _id_name(s.name):
        return f"an id (its name says so, {distinct:,} distinct values)"
    if integer and distinct >= 0.8 * n:
        step = np.diff(values.cast(pl.Float64).to_numpy())
        if (step >= 0).mean() >= 0.99 or (step <= 0).mean() >= 0.99:
            return "an id (whole numbers rising row by row)"
    return None


def _id_name(name: str) -> bool:
    return bool(ID_NAME.search(name.strip()) or re.search(r"[a-z](?:Id|ID)$", name))


def text_id_reason(name: str, *, n: int, distinct: int, id_like: Callable[[], float]
                   ) -> str | None:
    """:func:`id_reason` of a text column from its counts: ``n`` values present,
    ``distinct`` of them different, ``id_like()`` the share shaped like generated ids
    (asked only when needed).

    Examples
    --------
    >>> text_id_reason("Ref", n=100, distinct=99, id_like=lambda: 0.0)
    'an id (a different value on almost every lead)'
    """
    if n < 20:
        return None
    if distinct >= 0.95 * n:
        return "an id (a different value on almost every lead)"
    if distinct > 20 and _id_name(name):
        return f"an id (its name says so, {distinct:,} distinct values)"
    if distinct >= 0.5 * n and id_like() >= 0.9:
        return "an id (its values look like generated ids)"
    return None


def filled_reason(s: pl.Series, won: pl.Series) -> str | None:
    """Why a field is recorded at or after the sale (``None`` when it is not): filled for
    ≥ 2× and ≥ 10 points more of the won leads than of the others (X Education's *Lead
    Quality*: 71% of won leads vs 34%). ``s`` as cleaned by :func:`clean_values`.

    Examples
    --------
    >>> won = pl.Series([True] * 50 + [False] * 50)
    >>> filled_reason(pl.Series(["A"] * 40 + [None] * 10 + ["B"] * 15 + [None] * 35), won)
    'filled for 80% of won leads vs 30% of the others (recorded at or after the sale)'
    """
    filled = s.is_not_null()
    if won.null_count():  # unknown outcomes are neither won nor not won
        k, n = int(won.sum()), won.len()
        if k == 0 or k == n:
            return None
        return _filled_text(float(filled.filter(won).mean()),
                            float(filled.filter(~won).mean()))
    filled_won = int((filled & won).sum())
    return filled_share_reason(k=int(won.sum()), n=won.len(), filled_won=filled_won,
                               filled_other=int(filled.sum()) - filled_won)


def filled_share_reason(*, k: int, n: int, filled_won: int, filled_other: int) -> str | None:
    """:func:`filled_reason` from counts: ``k`` won of ``n`` leads; ``filled_won`` and
    ``filled_other`` the won and other leads with a value.

    Examples
    --------
    >>> filled_share_reason(k=50, n=100, filled_won=40, filled_other=15)
    'filled for 80% of won leads vs 30% of the others (recorded at or after the sale)'
    """
    if k == 0 or k == n:
        return None
    return _filled_text(filled_won / k, filled_other / (n - k))


def _filled_text(f_won: float, f_other: float) -> str | None:
    if f_won >= FILLED_RATIO * f_other and f_won - f_other >= FILLED_POINTS:
        return (f"filled for {f_won:.0%} of won leads vs {f_other:.0%} of the others "
                "(recorded at or after the sale)")
    return None
