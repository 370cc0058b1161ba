"""The statistics the reports quote, in closed form so they need no numeric library.

Every report that quotes a rate interval or a test (win/loss, the rules backtest, calibration)
takes it from here, and each answer names its method, so a reader can check the figure. The
tests check these against statsmodels and scipy, which are test-only dependencies.

RevOps compares win rates of small segments (a quarter, one owner), where a bare percentage
misleads: the Wilson interval stays inside [0, 1] and behaves with few or extreme counts, unlike
the textbook normal interval, and the pooled two-proportion z-test is the standard answer to
"is the MQL win rate really different from the rest".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The two-sided 95% quantile of the standard normal distribution.
Z_95 = 1.959963984540054

WILSON_METHOD = "Wilson score interval, 95%"
Z_TEST_METHOD = "pooled two-proportion z-test, two-sided"
PERCENTILE_METHOD = "linear interpolation between closest ranks (percentile_cont)"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str = WILSON_METHOD


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float
    method: str = Z_TEST_METHOD

    def favours_first(self, alpha: float = 0.05) -> bool:
        """The first proportion is higher, and the difference significant at `alpha`."""
        return self.z > 0 and self.p_value < alpha


def rate(won: int, closed: int) -> float | None:
    """Won over closed; None when nothing closed, because 0% would claim a result."""
    return won / closed if closed else None


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval for `successes` out of `trials`; None with no trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(low=max(0.0, centre - margin), high=min(1.0, centre + margin))


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> ZTest | None:
    """Pooled z-test of x1/n1 against x2/n2; None when either group is empty or no variance."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return ZTest(z=z, p_value=math.erfc(abs(z) / math.sqrt(2)))


def percentile_ranks(count: int, fraction: float) -> tuple[int, int, float]:
    """Zero-based ranks around `fraction` of `count` sorted values, and the weight of the upper.

    The same definition as PostgreSQL's `percentile_cont`, so both databases agree.
    """
    position = fraction * (count - 1)
    lower = math.floor(position)
    return lower, math.ceil(position), position - lower


def interpolate(values: Sequence[float], weight: float) -> float:
    """Blend the lower and upper value of a rank pair (one value when they coincide)."""
    if len(values) == 1:
        return float(values[0])
    return float(values[0] + (values[1] - values[0]) * weight)


def percentage_points(a: float | None, b: float | None) -> float | None:
    """`a - b` in percentage points, rounded so 18% - 13% reads 5.0, not 5.000000000000002."""
    if a is None or b is None:
        return None
    return round((a - b) * 100, 6)
