"""Kaplan–Meier in polars, checked against lifelines on the same durations."""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel.stats.survival import KaplanMeier, km_medians, km_table

lifelines = pytest.importorskip("lifelines")


def _lifelines(durations, events):
    kmf = lifelines.KaplanMeierFitter().fit(durations, events)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        median = kmf.median_survival_time_
        med_ci = lifelines.utils.median_survival_times(ci)
    return kmf, sf, ci, median, med_ci


CASES = {
    "no censoring": ([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1]),
    "ties between events and censoring": ([1, 2, 2, 2, 3, 5, 5, 8], [1, 1, 0, 1, 0, 1, 1, 0]),
    "heavy censoring, median never reached": ([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0]),
    "all censored": ([1.5, 2.5, 9.0], [0, 0, 0]),
    "zero durations": ([0, 0, 1, 2, 3], [1, 0, 1, 1, 0]),
}


@pytest.mark.parametrize("durations, events", CASES.values(), ids=CASES.keys())
def test_kaplanmeier_curve_matches_lifelines(durations, events):
    ours = KaplanMeier().fit([float(d) for d in durations], [bool(e) for e in events])
    _, sf, ci, _, _ = _lifelines(durations, events)
    table = ours.survival_function_
    ref = sf.loc[table["time"].to_list()]
    np.testing.assert_allclose(table["survival"].to_numpy(), ref.to_numpy(), atol=1e-12)
    ref_ci = ci.loc[table["time"].to_list()]
    np.testing.assert_allclose(table["ci_low"].to_numpy(), ref_ci.iloc[:, 0].to_numpy(),
                               atol=1e-9)
    np.testing.assert_allclose(table["ci_high"].to_numpy(), ref_ci.iloc[:, 1].to_numpy(),
                               atol=1e-9)


@pytest.mark.parametrize("durations, events", CASES.values(), ids=CASES.keys())
def test_kaplanmeier_median_and_interval_match_lifelines(durations, events):
    ours = KaplanMeier().fit([float(d) for d in durations], [bool(e) for e in events])
    _, _, _, median, med_ci = _lifelines(durations, events)

    def same(a, b):
        return (a is None and math.isinf(b)) or (a is not None and a == pytest.approx(b))

    assert same(ours.median_, median)
    assert same(ours.median_ci_[0], med_ci.iloc[0, 0])
    assert same(ours.median_ci_[1], med_ci.iloc[0, 1])


def test_kaplanmeier_matches_lifelines_on_many_random_durations():
    rng = np.random.default_rng(3)
    d = np.round(rng.exponential(10, 5000), 1)
    e = rng.random(5000) < 0.7
    ours = KaplanMeier().fit(d.tolist(), e.tolist())
    _, sf, _, median, _ = _lifelines(d, e)
    table = ours.survival_function_
    np.testing.assert_allclose(table["survival"].to_numpy(),
                               sf.loc[table["time"].to_list()].to_numpy(), atol=1e-10)
    assert ours.median_ == pytest.approx(median)


def test_kaplanmeier_counts_subjects_and_events():
    km = KaplanMeier().fit([1.0, 2.0, 3.0], [True, False, True])
    assert (km.n_, km.events_) == (3, 2)


def test_kaplanmeier_percentile_is_lifelines_percentile():
    d, e = [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 0, 1, 1, 1, 0, 1]
    km = KaplanMeier().fit([float(x) for x in d], [bool(x) for x in e])
    kmf = lifelines.KaplanMeierFitter().fit(d, e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert km.percentile(0.25) == kmf.percentile(0.25)


def test_kaplanmeier_survival_at_steps():
    km = KaplanMeier().fit([1.0, 2.0, 2.0, 5.0], [True, True, False, True])
    assert [km.survival_at(t) for t in (0.5, 1.0, 3.0)] == pytest.approx([1.0, 0.75, 0.5])


def test_kaplanmeier_rejects_negative_durations():
    with pytest.raises(ValueError, match="negative"):
        KaplanMeier().fit([1.0, -2.0], [True, True])


def test_kaplanmeier_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="same length"):
        KaplanMeier().fit([1.0, 2.0], [True])


def test_km_table_censored_subject_stays_at_risk_until_its_time():
    t = pl.DataFrame({"h": [1.0, 3.0, 2.0], "e": [True, True, False]})
    out = km_table(t, duration="h", event="e").select("time", "at_risk", "events", "censored")
    expected = pl.DataFrame({"time": [1.0, 2.0, 3.0], "at_risk": [3, 2, 1],
                             "events": [1, 0, 1], "censored": [0, 1, 0]})
    assert_frame_equal(out, expected)


def test_km_table_skips_missing_durations():
    t = pl.DataFrame({"h": [1.0, None, 2.0], "e": [True, True, True]})
    assert km_table(t, duration="h", event="e")["at_risk"].to_list() == [2, 1]


def test_km_medians_per_group_match_separate_fits():
    rng = np.random.default_rng(5)
    n = 600
    frame = pl.DataFrame({"h": np.round(rng.exponential(5, n), 2),
                          "e": rng.random(n) < 0.8,
                          "g": rng.choice(["a", "b", "c"], n)})
    out = km_medians(frame, duration="h", event="e", by="g")
    for row in out.iter_rows(named=True):
        part = frame.filter(pl.col("g") == row["g"])
        km = KaplanMeier().fit(part["h"], part["e"])
        assert (row["n"], row["median"], row["ci_low"], row["ci_high"]) == (
            km.n_, km.median_, *km.median_ci_)


_GROUPS = {  # grouping columns of every kind, a missing value being a group of its own
    "text with a missing group": {"g": ["b", None, "a", "b", "a", None] * 100},
    "compact text": {"g": pl.Series(["b", "c", "a"] * 200, dtype=pl.Categorical)},
    "yes/no": {"g": [True, False, None] * 200},
    "two columns": {"g": ["b", "a"] * 300, "k": [1, 1, 2] * 200},
}


def _grouped(groups: dict, seed: int) -> pl.DataFrame:
    """600 random durations (to 0.1, with ties) and events beside the columns ``groups``."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame({"h": np.round(rng.exponential(5, 600), 1),
                         "e": rng.random(600) < 0.8, **groups})


def _group(values: dict) -> pl.Expr:
    """The rows whose grouping columns hold ``values`` (a missing value included)."""
    return pl.all_horizontal(pl.col(b).eq_missing(v) for b, v in values.items())


@pytest.mark.parametrize("groups", list(_GROUPS.values()), ids=list(_GROUPS))
def test_km_medians_of_any_grouping_match_separate_fits_in_sorted_order(groups):
    frame, by = _grouped(groups, 8), list(groups)
    out = km_medians(frame, duration="h", event="e", by=by)
    assert_frame_equal(out.select(by), frame.select(by).unique().sort(by))
    for row in out.iter_rows(named=True):
        part = frame.filter(_group({b: row[b] for b in by}))
        km = KaplanMeier().fit(part["h"], part["e"])
        assert (row["n"], row["median"], row["ci_low"], row["ci_high"]) == (
            km.n_, km.median_, *km.median_ci_)


@pytest.mark.parametrize("groups", list(_GROUPS.values()), ids=list(_GROUPS))
def test_km_table_of_any_grouping_is_each_groups_own_table(groups):
    frame, by = _grouped(groups, 9), list(groups)
    table = km_table(frame, duration="h", event="e", by=by)
    for key, part in frame.group_by(by):
        mine = table.filter(_group(dict(zip(by, key, strict=True))))
        assert_frame_equal(mine.drop(by), km_table(part, duration="h", event="e"))


def test_km_medians_keep_apart_groups_whose_combined_codes_would_overflow():
    # ten columns of 100 values each: 100**10 combinations, more than 2**64
    digits = [int(str(2**64).zfill(20)[i:i + 2]) for i in range(0, 20, 2)]
    rows = [[j] * 10 for j in range(100)] + [digits]
    frame = pl.DataFrame(rows, schema=[f"c{i}" for i in range(10)], orient="row").with_columns(
        h=pl.lit(1.0), e=pl.lit(True))
    out = km_medians(frame, duration="h", event="e", by=[f"c{i}" for i in range(10)])
    assert (out.height, out["n"].max(), out.row(-1)[:10]) == (101, 1, tuple(rows[99]))


@pytest.mark.parametrize("groups", [{"_g": ["a", "b", "a", "b"]}, {"g": [[1], [2], [1], [2]]}],
                         ids=["named _g", "lists"])
def test_km_medians_group_by_any_column(groups):
    frame = pl.DataFrame({"h": [1.0, 2.0, 3.0, 4.0], "e": [True] * 4, **groups})
    out = km_medians(frame, duration="h", event="e", by=list(groups))
    assert out.select(list(groups)).to_series().to_list() == frame[list(groups)[0]][:2].to_list()
    assert out["median"].to_list() == [1.0, 2.0]


@pytest.mark.parametrize("name", ["n", "events", "median", "time", "survival"])
def test_km_grouping_named_like_a_result_column_is_refused(name):
    frame = pl.DataFrame({"h": [1.0, 2.0], "e": [True, True], name: ["a", "b"]})
    with pytest.raises(ValueError, match=f"cannot be named '{name}'"):
        km_medians(frame, duration="h", event="e", by=name)


def test_km_table_shows_a_negative_zero_duration_as_zero():
    frame = pl.DataFrame({"h": [-0.0, 0.0, 0.0, -0.0], "e": [True] * 4, "g": ["a", "a", "b", "b"]})
    times = km_table(frame, duration="h", event="e", by="g")["time"]
    assert [math.copysign(1.0, t) for t in times] == [1.0, 1.0]


def test_km_medians_null_when_median_not_reached():
    t = pl.DataFrame({"h": [1.0, 2.0, 3.0], "e": [True, False, False]})
    assert km_medians(t, duration="h", event="e")["median"].to_list() == [None]


def test_km_medians_of_nothing_is_a_row_of_nulls():
    t = pl.DataFrame({"h": [None], "e": [True]}, schema={"h": pl.Float64, "e": pl.Boolean})
    assert km_medians(t, duration="h", event="e").row(0) == (0, 0, None, None, None)
