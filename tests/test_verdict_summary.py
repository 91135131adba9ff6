"""The verdict's one vocabulary (funnel.findings.summary): counts, needs and the line every
output states."""

from __future__ import annotations

import pytest

import funnel
from funnel.findings.base import FIELD_WORDS, Finding
from funnel.findings.registry import CHARTS, PAGES, REGISTRY
from funnel.findings.summary import (
    STATUS_WORDS,
    field_word,
    plain_headline,
    ranked,
    verdict_summary,
)


def problem(place: str, severity: float = 0.1) -> Finding:
    return Finding(place, "problem", "Slow.", severity=severity)


def clear(place: str) -> Finding:
    return Finding(place, "no_evidence", "Fine.")


def cant(place: str, *missing: str, evidence: dict | None = None) -> Finding:
    return Finding(place, "cant_tell", "Can't tell: something.", missing=list(missing),
                   evidence=evidence or {})


CASES = {
    "all problems": ([problem("speed"), problem("routing"), problem("message")],
                     (3, 0, 0), "3 problems, 0 clear"),
    "mixed": ([problem("speed"), clear("routing"), clear("message"),
               cant("follow_up", "first_response_at", "owner"), cant("readiness", "owner")],
              (1, 2, 2), "1 problem, 2 clear, 2 can't tell: need lead owners, first-touch times"),
    "all can't tell": ([cant("speed", "first_response_at"), cant("scoring", "score")],
                       (0, 0, 2),
                       "Nothing could be tested: 2 can't tell — need first-touch times, "
                       "lead score"),
    "none at all": ([], (0, 0, 0), "No places were tested"),
}


@pytest.mark.parametrize(("cards", "counts", "text"), CASES.values(), ids=CASES.keys())
def test_verdict_summary_counts_each_status(cards, counts, text):
    s = verdict_summary(cards)
    assert (s.problems, s.clear, s.cant_tell) == counts


@pytest.mark.parametrize(("cards", "counts", "text"), CASES.values(), ids=CASES.keys())
def test_verdict_summary_text_reads(cards, counts, text):
    assert verdict_summary(cards).text == text


def test_verdict_summary_never_says_zero_problems_when_nothing_was_tested():
    text = verdict_summary([cant(k, "owner") for k in REGISTRY]).text
    assert text.startswith(f"Nothing could be tested: {len(REGISTRY)} can't tell")
    assert "0 problems" not in text


def test_verdict_summary_lists_the_field_most_places_need_first():
    cards = [cant("speed", "first_response_at"), cant("routing", "owner"),
             cant("follow_up", "first_response_at", "owner"), cant("readiness", "owner")]
    assert verdict_summary(cards).needs == ("owner", "first_response_at")


def test_verdict_summary_names_each_needed_field_once():
    cards = [cant("profile", "profile", "lead attributes"), cant("definition", "profile")]
    assert verdict_summary(cards).needs == ("profile", "lead attributes")


def test_verdict_summary_need_words_come_from_field_words():
    s = verdict_summary([cant("speed", *FIELD_WORDS)])
    assert all(w in FIELD_WORDS[f] for f, w in zip(s.needs, s.need_words, strict=True))


def test_verdict_summary_counts_cant_tells_without_a_missing_field():
    cards = [clear("speed"), cant("routing"), cant("scoring", evidence={"error": "boom"})]
    s = verdict_summary(cards)
    assert (s.thin, s.failed, s.needs) == (1, 1, ())
    assert s.text == ("0 problems, 1 clear, 2 can't tell: 1 with too little data; "
                      "1 that could not run on this data")


def test_verdict_summary_is_on_the_flat_api():
    assert funnel.verdict_summary is verdict_summary
    assert {"verdict_summary", "VerdictSummary"} <= set(funnel.__all__)


def test_field_word_drops_the_trailing_hint_only():
    assert (field_word("first_response_at"), field_word("sal_at")) == (
        "first-touch times", "accepted (SAL) stage date")


@pytest.mark.parametrize("status", STATUS_WORDS)
def test_plain_headline_drops_a_leading_status_word(status):
    f = Finding("speed", status, f"{STATUS_WORDS[status]}: no lead score.")
    assert plain_headline(f) == "no lead score."


def test_plain_headline_keeps_a_headline_without_the_status_word():
    assert plain_headline(Finding("speed", "cant_tell", "Too few leads.")) == "Too few leads."


def test_ranked_puts_problems_first_most_severe_first():
    cards = [cant("speed", "owner"), clear("routing"), problem("message", 0.1),
             problem("scoring", 0.5)]
    assert [f.place for f in ranked(cards)] == ["scoring", "message", "routing", "speed"]


def test_charts_leave_out_places_whose_page_shows_no_chart_of_them():
    assert set(PAGES) - set(CHARTS) == {"routing", "readiness", "pipeline"}
