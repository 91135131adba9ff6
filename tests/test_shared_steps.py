"""Work a page shares between analyses (issue 13, a fast live edit): the stage ranks
computed once (``ranked``), the funnel's stages remembered per live table, the recycling
rule given to the flags that need it. Each gives the same results as computing afresh."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from funnel.analyses.funnel import cohort_trend, funnel_by, funnel_table
from funnel.analyses.leakage import (
    leak_flags,
    recycle_rule,
    stage_exits,
    stop_reasons,
    stopped_leads,
    unavailable_flags,
)
from funnel.dataset.schema import Mapping
from funnel.dataset.stages import RANKED, funnel_stages, ranked
from funnel.dataset.tables import Dataset, Health

D = dt.datetime


def _leads() -> pl.DataFrame:
    return pl.DataFrame({
        "lead_id": ["a", "b", "c", "d", "e", "f"],
        "created_at": [D(2025, 1, 3), D(2025, 1, 9), D(2025, 2, 2), D(2025, 2, 5),
                       D(2025, 3, 1), D(2025, 3, 7)],
        "source": ["Ads", "ads ", "Referral", "Ads", "Referral", None],
        "sql_at": [None, D(2025, 1, 20), None, D(2025, 2, 10), None, None],
        "stage": ["mql", "opportunity", "lead", "sql", "mql", "lead"],
        "outcome": ["lost", "won", "open", "lost", "lost", None],
        "lost_reason": ["Price", None, None, "Timing", None, None],
        "Lead Status": ["Bad Timing", None, "New", None, "Nurture", None],
        "closed_at": [D(2025, 1, 30), D(2025, 2, 1), None, D(2025, 3, 1), D(2025, 3, 20), None],
    })


ANALYSES = {
    "funnel_table": funnel_table,
    "funnel_by": lambda lv: funnel_by(lv, by="source"),
    "cohort_trend": lambda lv: cohort_trend(lv, now=D(2025, 4, 1)),
    "stage_exits": stage_exits,
    "stop_reasons": lambda lv: stop_reasons(lv, categories={"Price": "Money"}),
    "stop_reasons_by": lambda lv: stop_reasons(lv, by="source"),
    "stopped_leads": lambda lv: stopped_leads(lv, stage="mql").drop(RANKED, strict=False),
}


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_ranked_leads_give_the_same_analysis(name):
    leads = _leads()
    assert ANALYSES[name](ranked(leads)).equals(ANALYSES[name](leads))


def test_ranked_adds_only_the_rank_column():
    leads = _leads()
    assert ranked(leads).columns == [*leads.columns, RANKED]


def test_funnel_stages_of_a_new_table_are_its_own():
    first = pl.DataFrame({"stage": ["opportunity", "won"], "outcome": ["open", "won"]})
    assert funnel_stages(first) == ["opportunity", "won"]
    second = pl.DataFrame({"stage": ["lead", "won"], "outcome": ["open", "won"]})
    assert funnel_stages(second) == ["lead", "won"]


def test_funnel_stages_asked_twice_give_a_list_the_caller_may_change():
    leads = _leads()
    funnel_stages(leads).append("extra")
    assert "extra" not in funnel_stages(leads)


def _ds(leads: pl.DataFrame) -> Dataset:
    health = Health([], pl.DataFrame(schema={"file": pl.String, "row": pl.Int64,
                                             "reason": pl.String}), [], [])
    return Dataset(leads, None, None, None, [], Mapping(), health, "test")


def test_leak_flags_with_the_recycling_rule_given_equal_computed():
    ds = _ds(_leads())
    given = leak_flags(ds, now=D(2025, 4, 1), recycle=recycle_rule(ds.leads))
    assert given.equals(leak_flags(ds, now=D(2025, 4, 1)))


def test_unavailable_flags_with_the_recycling_rule_given_equal_computed():
    ds = _ds(_leads().drop("Lead Status", "stage"))  # no way to see recycling
    assert unavailable_flags(ds, recycle=recycle_rule(ds.leads)) == unavailable_flags(ds)
