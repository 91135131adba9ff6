"""Chart specs from a kept layout (funnel/outputs/templates.py): the same spec as building the
chart, for every chart given as parts, on the sample and on filtered subsets of it; and the
layout is made once per shape, not once per frame."""

from __future__ import annotations

import json
from functools import cache

import altair as alt
import polars as pl
import pytest

from funnel.analyses.funnel import cohort_trend, funnel_by, funnel_table
from funnel.analyses.leakage import leak_flags, leak_summary, stop_reasons
from funnel.analyses.profile.criteria import SAMPLE_SALES_PROFILE
from funnel.analyses.profile.fit import ProfileFit
from funnel.analyses.profile.holdout import HeldOutProfile
from funnel.analyses.velocity import velocity_table
from funnel.charts import ChartParts
from funnel.charts import leakage as charts
from funnel.charts import profile as profile_charts
from funnel.dataset.filters import Filters, apply_filters
from funnel.dataset.tables import export_end
from funnel.outputs.export import chart_spec
from funnel.outputs.templates import parts_key, parts_spec
from funnel.sample import load_sample
from ui.memo import LRU


@cache
def _sample():
    return load_sample()


@cache
def _ds(subset: str):
    """The sample, whole or with one source only."""
    ds = _sample()
    return ds if subset == "all" else apply_filters(ds, Filters(source=(subset,)), related=False)


@cache
def _fit(subset: str) -> ProfileFit:
    return ProfileFit(SAMPLE_SALES_PROFILE).fit(_ds(subset))


def _now():
    return export_end(_sample())


PARTS = {
    "funnel": lambda d: charts.funnel_parts(funnel_table(d.leads)),
    "funnel_by_source": lambda d: charts.funnel_by_parts(funnel_by(d.leads, by="source"),
                                                         by="source"),
    "funnel_by_owner": lambda d: charts.funnel_by_parts(funnel_by(d.leads, by="owner"),
                                                        by="owner"),
    "cohort_won": lambda d: charts.cohort_parts(cohort_trend(d.leads, now=_now()), stage="won"),
    "reasons": lambda d: charts.reasons_parts(stop_reasons(d.leads)),
    "velocity": lambda d: charts.velocity_parts(velocity_table(d.leads, now=_now())),
    "velocity_by_owner": lambda d: charts.velocity_parts(
        velocity_table(d.leads, now=_now(), by="owner"), by="owner"),
    "leak_by_owner": lambda d: charts.leak_parts(
        leak_summary(d.leads, leak_flags(d), by="owner"), flag="stalled", by="owner"),
}

# the Profile page's charts, per subset (their rows inline in the spec)
PROFILE_PARTS = {
    "criteria": lambda s: profile_charts.criteria_parts(_fit(s).criteria_),
    "win_rates": lambda s: profile_charts.win_rates_parts(_fit(s).outcomes_),
    "distribution": lambda s: profile_charts.distribution_parts(
        _fit(s).distribution(0), title=_fit(s).matches_[0].criterion.describe() + s),
    "distribution_range": lambda s: profile_charts.distribution_parts(
        _fit(s).distribution(len(_fit(s).matches_) - 1), title=s),
    "learned": lambda s: profile_charts.learned_parts(HeldOutProfile().fit(_ds(s)).top(15)),
}


def _same(a: dict, b: dict) -> bool:
    """Equal specs (as JSON: a NaN rate equals itself)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("subset", ["all", "Referrals"])
@pytest.mark.parametrize("name", sorted(PARTS))
def test_parts_spec_equals_the_built_chart_spec(name, subset):
    parts = PARTS[name](_ds(subset))
    templates: dict = {}
    parts_spec(PARTS[name](_ds("all")), templates=templates)  # template from other rows
    assert _same(parts_spec(parts, templates=templates), chart_spec(parts.build(),
                                                                    validate=False))


@pytest.mark.parametrize("subset", ["all", "Referrals"])
@pytest.mark.parametrize("name", sorted(PROFILE_PARTS))
def test_profile_parts_spec_equals_the_built_chart_spec(name, subset):
    parts = PROFILE_PARTS[name](subset)
    templates: dict = {}
    parts_spec(PROFILE_PARTS[name]("all"), templates=templates)  # template from other rows
    assert _same(parts_spec(parts, templates=templates), chart_spec(parts.build(),
                                                                    validate=False))


def test_profile_distribution_title_is_filled_in_not_a_new_template():
    templates: dict = {}
    for subset in ("all", "Referrals"):
        parts_spec(PROFILE_PARTS["distribution"](subset), templates=templates)
    assert len(templates) == 1


def test_parts_spec_makes_one_template_per_layout_and_options():
    templates: dict = {}
    for subset in ("Referrals", "Paid Search", "Organic Search"):  # as many groups
        parts_spec(PARTS["funnel_by_source"](_ds(subset)), templates=templates)
    assert len(templates) == 1


def test_parts_key_differs_by_text_option():
    trend = cohort_trend(_sample().leads)
    won, sql = charts.cohort_parts(trend, stage="won"), charts.cohort_parts(trend, stage="sql")
    assert parts_key(won) != parts_key(sql)


def test_parts_spec_returns_a_fresh_spec_each_time():
    parts = PARTS["funnel"](_ds("all"))
    templates: dict = {}
    first = parts_spec(parts, templates=templates)
    first["datasets"].clear()  # Streamlit moves the rows out of the spec it is given
    first["layer"][0]["encoding"]["y"]["sort"].clear()
    assert _same(parts_spec(parts, templates=templates), chart_spec(parts.build(),
                                                                    validate=False))


def _two_datasets(data: pl.DataFrame, *, order: list[str]) -> alt.LayerChart:
    dots = alt.Chart(data).mark_point().encode(x=alt.X("x:Q"), y=alt.Y("k:N", sort=order))
    rule = alt.Chart(data.filter(pl.col("x") > 1)).mark_rule().encode(x=alt.X("x:Q"))
    return alt.layer(dots, rule)


def _marker_in_text(data: pl.DataFrame, *, order: list[str]) -> alt.Chart:
    return alt.Chart(data).mark_point().encode(x=alt.X("x:Q")).properties(
        title=" then ".join(order))


@pytest.mark.parametrize("layout", [_two_datasets, _marker_in_text])
def test_parts_spec_builds_in_full_what_a_template_cannot_hold(layout):
    parts = ChartParts(layout, pl.DataFrame({"x": [1, 2, 3], "k": ["a", "b", "c"]}),
                       {"order": ["c", "a", "b"]})
    assert _same(parts_spec(parts, templates={}), chart_spec(parts.build(), validate=False))


def test_lru_keeps_the_most_recently_used_entries():
    store = LRU(2)
    store["a"], store["b"] = 1, 2
    store.get("a")  # "a" is now the most recent: "b" goes first
    store["c"] = 3
    assert list(store) == ["a", "c"]
