"""funnel.stats.power against scipy: binomial tails, power and sample size, Holm."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from funnel.stats.power import (
    binomial_tail,
    holm,
    min_detectable_ratio,
    ratio_power,
    units_needed,
)


@pytest.mark.parametrize(("k", "n", "p"), [(15, 93, 0.06), (40, 358, 0.06), (3, 500, 0.02),
                                           (700, 10_000, 0.06)])
def test_binomial_tail_matches_scipy(k, n, p):
    assert binomial_tail(k, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-6)
    assert binomial_tail(k, n, p, upper=False) == pytest.approx(stats.binom.cdf(k, n, p),
                                                                 rel=1e-6)


def test_ratio_power_matches_the_normal_formula():
    se = math.sqrt(0.85 / 150 + 0.9 / 100)
    want = stats.norm.cdf(math.log(1.5) / se - stats.norm.ppf(0.975))
    assert ratio_power(1.5, n1=1000, n0=1000, p0=0.1, alpha=0.05) == pytest.approx(want)


def test_min_detectable_ratio_has_the_asked_power():
    r = min_detectable_ratio(n1=800, n0=3000, p0=0.08, alpha=0.01)
    assert ratio_power(r, n1=800, n0=3000, p0=0.08, alpha=0.01) == pytest.approx(0.8, abs=1e-3)


def test_units_needed_reaches_the_asked_power():
    n = units_needed(1.5, share=0.2, p0=0.1, alpha=0.01)
    assert ratio_power(1.5, n1=0.2 * n, n0=0.8 * n, p0=0.1, alpha=0.01) >= 0.8


def test_holm_rejects_what_bonferroni_does_and_more():
    p = [0.001, 0.012, 0.02, 0.5]
    assert holm(p, alpha=0.05).tolist() == [True, True, True, False]
    assert [x <= 0.05 / 4 for x in p] == [True, True, False, False]
