"""The verdict's one vocabulary: the status words, the order cards are shown in, and the
one-line summary of a diagnosis every output states (the Diagnosis page, the report, the
CLI's text output).

The summary never reads "0 problems" when nothing could be tested: when every place
*can't tell*, it says so and names what the data would need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from funnel.findings.base import FIELD_WORDS, Finding, fmt_ratio

STATUS_WORDS = {"problem": "Problem", "no_evidence": "Clear", "cant_tell": "Can't tell"}
"""Status -> its word on screen, in the report and in the CLI."""
STATUS_LEGEND = ("A problem is one the data supports beyond noise (95% intervals, corrected "
                 "for every group searched: reps, sources, campaigns, reasons); clear: tested "
                 "with enough data, nothing found; can't tell: the data lacks what the test "
                 "needs, or has too few leads to tell yet.")
"""What the three statuses mean, under the verdict on the page and in the report."""
STATUS_ORDER = {"problem": 0, "no_evidence": 1, "cant_tell": 2}
"""Status -> its rank when cards are listed: problems first, can't tell last."""
_HINT = re.compile(r"\s*\([^()]*\)$")  # a trailing "(load the activities export)"


def ranked(cards: Iterable[Finding]) -> list[Finding]:
    """``cards`` in the order they are shown: problems (most severe first), then no
    evidence, then can't tell, each group in the contract's order.

    Examples
    --------
    >>> cards = [Finding("speed", "cant_tell", "Can't tell: no owners."),
    ...          Finding("routing", "problem", "Slow", severity=0.1),
    ...          Finding("message", "problem", "Off", severity=0.3)]
    >>> [f.place for f in ranked(cards)]
    ['message', 'routing', 'speed']
    """
    return sorted(cards, key=lambda f: (STATUS_ORDER[f.status], -f.severity))


def effect_text(f: Finding) -> str:
    """A finding's effect with its interval written as its headline writes it: a ratio as
    ``2.0× (95% CI 1.8–2.1)`` (``1/29×`` below 0.1), the score's AUC as ``AUC 0.54 (95%
    CI 0.52–0.57)``; empty without an interval. The card, the report and the CLI's
    findings agree on one form.

    Examples
    --------
    >>> effect_text(Finding("speed", "problem", "", evidence={
    ...     "effect": 0.034, "ci_low": 0.015, "ci_high": 0.077}))
    '1/29× (95% CI 1/67–1/13)'
    """
    ev = f.evidence
    if ev.get("effect") is None or ev.get("ci_low") is None or ev.get("ci_high") is None:
        return ""
    if f.place == "scoring":
        return f"AUC {ev['effect']:.2f} (95% CI {ev['ci_low']:.2f}–{ev['ci_high']:.2f})"
    return fmt_ratio(ev["effect"], ev["ci_low"], ev["ci_high"])


def plain_headline(f: Finding) -> str:
    """The headline without a leading repeat of its status word, for lines that state the
    status already (``Speed to lead — Can't tell: no first-touch times …``).

    Examples
    --------
    >>> plain_headline(Finding("speed", "cant_tell", "Can't tell: no lead score."))
    'no lead score.'
    >>> plain_headline(Finding("speed", "problem", "Slow replies."))
    'Slow replies.'
    """
    prefix = f"{STATUS_WORDS[f.status]}: "
    return f.headline[len(prefix):] if f.headline.startswith(prefix) else f.headline


def field_word(name: str) -> str:
    """A field's plain words (:data:`~funnel.findings.base.FIELD_WORDS`) without the hint
    in brackets at the end, for lists of what is needed.

    Examples
    --------
    >>> field_word("first_response_at"), field_word("sql_at"), field_word("odd")
    ('first-touch times', 'qualification (SQL) stage date', 'odd')
    """
    return _HINT.sub("", FIELD_WORDS.get(name, name))


@dataclass(frozen=True)
class VerdictSummary:
    """How many places show a problem, are clear (tested, no evidence) or can't tell,
    and what the can't-tells need.

    ``needs`` lists the fields the can't-tells name as missing, the one that would let
    the most places be tested first (ties in the contract's order); ``thin`` counts
    can't-tells that name no field (too little data), ``failed`` those whose test could
    not run on this data. :attr:`text` is the one line every output states.

    Examples
    --------
    >>> s = VerdictSummary(problems=0, clear=0, cant_tell=9, needs=("first_response_at",))
    >>> s.tested, s.text
    (0, "Nothing could be tested: 9 can't tell — need first-touch times")
    """

    problems: int
    clear: int
    cant_tell: int
    needs: tuple[str, ...] = ()
    thin: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        """Places in the diagnosis."""
        return self.problems + self.clear + self.cant_tell

    @property
    def tested(self) -> int:
        """Places whose test could run (problem or clear)."""
        return self.problems + self.clear

    @property
    def need_words(self) -> tuple[str, ...]:
        """:attr:`needs` in plain words."""
        return tuple(field_word(n) for n in self.needs)

    def _wants(self) -> str:
        parts = [f"need {', '.join(self.need_words)}"] if self.needs else []
        if self.thin:
            parts.append(f"{self.thin} with too little data")
        if self.failed:
            parts.append(f"{self.failed} that could not run on this data")
        return "; ".join(parts)

    @property
    def text(self) -> str:
        """The verdict in one line: ``3 problems, 2 clear, 4 can't tell: need lead
        owners, first-touch times``; ``Nothing could be tested: …`` when no place could
        be, and ``No places were tested`` for an empty diagnosis."""
        if self.total == 0:
            return "No places were tested"
        wants = self._wants()
        if self.tested == 0:
            return f"Nothing could be tested: {self.cant_tell} can't tell" + (
                f" — {wants}" if wants else "")
        noun = "problem" if self.problems == 1 else "problems"
        text = f"{self.problems} {noun}, {self.clear} clear"
        if self.cant_tell:
            text += f", {self.cant_tell} can't tell" + (f": {wants}" if wants else "")
        return text


def _needs(cant: Sequence[Finding]) -> tuple[str, ...]:
    """Missing fields of ``cant``, named by the most places first (then by first
    mention)."""
    count: dict[str, int] = {}
    for f in cant:
        for m in dict.fromkeys(f.missing):
            count[m] = count.get(m, 0) + 1
    first = {m: i for i, m in enumerate(count)}
    return tuple(sorted(count, key=lambda m: (-count[m], first[m])))


def verdict_summary(cards: Iterable[Finding]) -> VerdictSummary:
    """The verdict of a diagnosis (its cards, one per place) as counts and one line.

    Parameters
    ----------
    cards
        The findings, e.g. :func:`funnel.findings.registry.diagnose_places`.

    Returns
    -------
    VerdictSummary
        Counts of problems, clear places and can't-tells, what the can't-tells need, and
        its :attr:`~VerdictSummary.text`.

    Examples
    --------
    >>> cards = [Finding("speed", "problem", "Slow."),
    ...          Finding("routing", "no_evidence", "Fine."),
    ...          Finding("follow_up", "cant_tell", "Can't tell: …",
    ...                  missing=["first_response_at", "owner"]),
    ...          Finding("readiness", "cant_tell", "Can't tell: …", missing=["owner"])]
    >>> verdict_summary(cards).text
    "1 problem, 1 clear, 2 can't tell: need lead owners, first-touch times"
    >>> verdict_summary(cards[2:]).text
    "Nothing could be tested: 2 can't tell — need lead owners, first-touch times"
    """
    cards = list(cards)
    cant = [f for f in cards if f.status == "cant_tell"]
    unnamed = [f for f in cant if not f.missing]
    failed = sum("error" in f.evidence for f in unnamed)
    return VerdictSummary(
        problems=sum(f.status == "problem" for f in cards),
        clear=sum(f.status == "no_evidence" for f in cards),
        cant_tell=len(cant), needs=_needs(cant), thin=len(unnamed) - failed, failed=failed)
