"""The places, in the contract's order, and the diagnosis that runs them all.

Each place lives in its own file, which ends with its registration
(``PLACE = Place("speed", ...)``); :data:`REGISTRY` lists them in the order of contract
§4. Adding a place: a new file, imported here, and its line in ``_ORDER``.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable

from funnel.dataset.errors import InputError, StopCheck, stop_if
from funnel.dataset.tables import Dataset
from funnel.findings import (
    definition,
    follow_up,
    message,
    pipeline,
    profile,
    readiness,
    routing,
    scoring,
    speed,
)
from funnel.findings.base import Context, Finding, Place, Settings

_ORDER = (
    speed.PLACE,
    routing.PLACE,
    follow_up.PLACE,
    profile.PLACE,
    definition.PLACE,
    readiness.PLACE,
    message.PLACE,
    scoring.PLACE,
    pipeline.PLACE,
)

REGISTRY: dict[str, Place] = {p.key: p for p in _ORDER}
"""Place key -> its :class:`~funnel.findings.base.Place`, in the contract's order."""
PLACES = tuple(REGISTRY)
"""The place keys in the contract's order (the order of :func:`diagnose_places`)."""
PAGES = {p.key: p.page for p in REGISTRY.values()}
"""Place key -> URL path of the app page with the chart behind its finding."""
TITLES = {p.key: p.title for p in REGISTRY.values()}
"""Place key -> its name on screen."""
CHARTS = {p.key: p.chart for p in REGISTRY.values() if p.chart}
"""Place key -> the heading (or tab) of its page whose chart shows its evidence, for the
places whose page has one (speed's *Conversion by speed* tab …); routing, readiness and
pipeline have none (their pages show their numbers in tables only)."""
PROFILE_PLACES = tuple(k for k, p in REGISTRY.items() if p.uses_profile)
"""The places whose test reads the stated profile (the only ones a profile edit changes)."""
Finding.pages = PAGES


def describe_places() -> str:
    """The registered places as a reST definition list: key, title, page, needs and what
    each tests (its docstring).

    Examples
    --------
    >>> describe_places().splitlines()[0]
    '``speed`` — Speed to lead (page ``speed``; needs created_at, first_response_at, outcome)'
    """
    return "\n\n".join(
        f"``{p.key}`` — {p.title} (page ``{p.page}``; needs {', '.join(p.needs)})\n"
        + textwrap.indent(p.description, "    ") for p in REGISTRY.values())


def diagnose_places(
    ds: Dataset,
    *,
    profile=None,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    places: Iterable[str] | None = None,
    context: Context | None = None,
    should_stop: StopCheck | None = None,
) -> list[Finding]:
    """One :class:`Finding` per place, in the contract's order.

    Parameters
    ----------
    ds
        The loaded dataset.
    profile
        The sales team's stated profile (:class:`funnel.analyses.profile.fit.Profile`); without one
        the *profile* place uses a profile learned on half the leads and checked on the
        other half, and *definition* can't tell.
    settings
        Thresholds (:class:`Settings`).
    now
        The export's end for censoring (default: the latest timestamp in the data).
    places
        Only these places (keys of :data:`REGISTRY`), in the contract's order; e.g.
        :data:`PROFILE_PLACES` after a profile edit.
    context
        ``ds`` already prepared (:meth:`Context.prepare`), to share across calls (a live
        edit re-runs some places on the same leads); ``now`` is then ignored.
    should_stop
        Called before each place; ``True`` stops with
        :class:`~funnel.dataset.errors.Cancelled` and no cards (the app: the browser
        session they were for has gone).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> cards = diagnose_places(load_sample())
    >>> [f.place for f in cards][:3]
    ['speed', 'routing', 'follow_up']
    >>> [f.place for f in diagnose_places(load_sample(), places=PROFILE_PLACES)]
    ['speed', 'profile', 'definition', 'readiness']
    """
    s = settings or Settings()
    wanted = PLACES if places is None else set(places)
    unknown = set(wanted) - set(PLACES)
    if unknown:
        raise InputError(f"No such place: {', '.join(sorted(unknown))} "
                         f"(the places are {', '.join(PLACES)}).")
    ctx = context if context is not None else Context.prepare(ds, now)
    cards = []
    for key, place in REGISTRY.items():
        if key in wanted:
            stop_if(should_stop, f"the {key} place")
            cards.append(place.run(ctx, s, profile=profile))
    return cards


def findings(ds: Dataset, *, profile=None, settings: Settings | None = None,
             now: dt.datetime | None = None) -> list[Finding]:
    """The problems only, most severe first (the CLI's ``findings`` key).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> "follow_up" in [f.place for f in findings(load_sample())]
    True
    """
    cards = diagnose_places(ds, profile=profile, settings=settings, now=now)
    return sorted((f for f in cards if f.status == "problem"), key=lambda f: -f.severity)
