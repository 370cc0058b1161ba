"""The statistics in closed form, against known values and their defining properties."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reports import stats


class TestWilson:
    def test_known_value(self) -> None:
        interval = stats.wilson_interval(54, 300)
        assert interval is not None
        assert (interval.low, interval.high) == pytest.approx((0.140658, 0.227434), abs=1e-6)

    def test_no_trials_gives_none(self) -> None:
        assert stats.wilson_interval(0, 0) is None

    @given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
    def test_contains_the_rate_and_stays_in_bounds(self, counts: tuple[int, int]) -> None:
        won, closed = counts
        interval = stats.wilson_interval(won, closed)
        assert interval is not None
        assert 0.0 <= interval.low <= won / closed + 1e-12
        assert won / closed - 1e-12 <= interval.high <= 1.0


class TestZTest:
    def test_known_value(self) -> None:
        test = stats.two_proportion_z_test(28, 100, 26, 200)
        assert test is not None
        assert test.z == pytest.approx(3.18788, abs=1e-5)
        assert test.p_value == pytest.approx(math.erfc(3.18788 / math.sqrt(2)), rel=1e-4)

    @pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(0, 0, 1, 2), (0, 5, 0, 5), (5, 5, 3, 3)])
    def test_undefined_cases_give_none(self, x1: int, n1: int, x2: int, n2: int) -> None:
        assert stats.two_proportion_z_test(x1, n1, x2, n2) is None

    @given(st.integers(1, 500), st.integers(1, 500), st.data())
    def test_symmetric_and_p_in_unit_interval(self, n1: int, n2: int, data: st.DataObject) -> None:
        x1 = data.draw(st.integers(0, n1))
        x2 = data.draw(st.integers(0, n2))
        one = stats.two_proportion_z_test(x1, n1, x2, n2)
        other = stats.two_proportion_z_test(x2, n2, x1, n1)
        if one is None:
            assert other is None
            return
        assert other is not None
        assert one.z == pytest.approx(-other.z)
        assert 0.0 <= one.p_value <= 1.0


class TestPercentiles:
    @given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60), st.data())
    def test_matches_the_standard_library_inclusive_method(
        self, values: list[float], data: st.DataObject
    ) -> None:
        fraction = data.draw(st.sampled_from([0.1, 0.5, 0.9]))
        ordered = sorted(values)
        low, high, weight = stats.percentile_ranks(len(ordered), fraction)
        got = stats.interpolate([ordered[low], ordered[high]], weight)
        if len(values) == 1:
            assert got == values[0]
            return
        cuts = statistics.quantiles(ordered, n=10, method="inclusive")
        expected = {0.1: cuts[0], 0.5: statistics.median(ordered), 0.9: cuts[8]}[fraction]
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)

    def test_percentage_points_are_rounded(self) -> None:
        assert stats.percentage_points(0.18, 0.13) == 5.0
        assert stats.percentage_points(None, 0.1) is None
