"""Shrinkage, prior strength and rate ratios."""

from __future__ import annotations

import math

import polars as pl
import pytest

from funnel.stats.intervals import normal_quantile, prior_strength, rate_ratio, shrink_exprs


def test_normal_quantile_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    assert normal_quantile(0.9) == pytest.approx(scipy_stats.norm.ppf(0.9))


def test_shrink_exprs_pulls_small_groups_harder():
    df = pl.DataFrame({"won": [3, 3000], "leads": [6, 6000]})
    out = df.select(shrink_exprs("won", "leads", prior_rate=0.1, prior_n=100)).to_series()
    assert out.to_list() == pytest.approx([(3 + 10) / 106, (3000 + 10) / 6100])


def test_prior_strength_is_maximal_when_groups_agree():
    assert prior_strength(pl.Series([10, 20, 30]), pl.Series([100, 200, 300])) == 10_000.0


def test_prior_strength_is_weak_when_groups_truly_differ():
    k = pl.Series([50, 500, 100, 900])
    n = pl.Series([1000, 1000, 1000, 1000])
    assert prior_strength(k, n) < 20


def test_prior_strength_does_not_depend_on_the_groups_order():
    # a group-by returns its groups in no set order: the prior, and every rate shrunk
    # with it, must not change in the last digits from one run to the next
    k, n = [3, 17, 40, 9, 1, 55, 12], [100, 230, 410, 95, 60, 700, 180]
    order = [0, 1, 2, 5, 4, 3, 6]
    assert prior_strength(pl.Series(k), pl.Series(n)) == prior_strength(
        pl.Series([k[i] for i in order]), pl.Series([n[i] for i in order]))


def test_prior_strength_matches_method_of_moments_by_hand():
    k, n = [10, 40], [100, 100]
    p = 0.25
    observed = 0.5 * (0.1 - p) ** 2 + 0.5 * (0.4 - p) ** 2
    noise = p * (1 - p) / 100
    expected = p * (1 - p) / (observed - noise) - 1
    assert prior_strength(pl.Series(k), pl.Series(n)) == pytest.approx(expected)


def test_rate_ratio_katz_interval_by_hand():
    ratio, low, high = rate_ratio(30, 100, 10, 100)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)
    assert (ratio, low, high) == pytest.approx((3.0, 3.0 * math.exp(-1.959964 * se),
                                                3.0 * math.exp(1.959964 * se)))


def test_rate_ratio_with_a_zero_count_still_has_an_interval():
    ratio, low, high = rate_ratio(0, 50, 5, 50)
    assert 0 < low < ratio < high


def test_rate_ratio_of_an_empty_group_is_none():
    assert rate_ratio(1, 0, 5, 50) == (None, None, None)
