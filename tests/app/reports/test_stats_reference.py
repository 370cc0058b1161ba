"""The closed-form statistics against the reference implementations (statsmodels, scipy).

Those libraries are dev dependencies only: the service computes the same figures without them.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from app.reports import stats

counts = st.integers(1, 5_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=300)
@given(counts)
def test_wilson_equals_statsmodels(case: tuple[int, int]) -> None:
    successes, trials = case
    low, high = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    interval = stats.wilson_interval(successes, trials)
    assert interval is not None
    assert interval.low == pytest.approx(max(0.0, low), abs=1e-9)
    assert interval.high == pytest.approx(min(1.0, high), abs=1e-9)
    assert interval.method == stats.WILSON_METHOD


def test_z_95_is_the_normal_quantile() -> None:
    assert pytest.approx(norm.ppf(0.975), abs=1e-12) == stats.Z_95


@settings(max_examples=300)
@given(counts, counts)
def test_pooled_z_test_equals_statsmodels(one: tuple[int, int], two: tuple[int, int]) -> None:
    (x1, n1), (x2, n2) = one, two
    ours = stats.two_proportion_z_test(x1, n1, x2, n2)
    if ours is None:
        pooled = (x1 + x2) / (n1 + n2)
        assert pooled in (0.0, 1.0)
        return
    z, p_value = proportions_ztest([x1, x2], [n1, n2], alternative="two-sided")
    assert ours.z == pytest.approx(z, rel=1e-9, abs=1e-9)
    assert ours.p_value == pytest.approx(p_value, rel=1e-7, abs=1e-12)
    assert ours.p_value == pytest.approx(2 * norm.sf(abs(ours.z)), rel=1e-7, abs=1e-12)
    assert ours.method == stats.Z_TEST_METHOD


def test_the_worked_example_by_hand() -> None:
    # 30 of 100 against 10 of 100: pooled p = 0.2, se = sqrt(0.2 * 0.8 * 0.02) = 0.05657
    test = stats.two_proportion_z_test(30, 100, 10, 100)
    assert test is not None
    assert test.z == pytest.approx(0.2 / math.sqrt(0.2 * 0.8 * 0.02))
    assert test.favours_first()
    assert not stats.two_proportion_z_test(10, 100, 30, 100).favours_first()  # type: ignore[union-attr]
