"""Numbers as a person reads them: percentages, hours, times, and the win/loss test in words.

A p-value printed as `p=0.071` means little to most of RevOps; "a difference this large would
appear by chance about 7% of the time" says the same thing. The figures stay exact in the tables
and the CSV; these are for sentences and labels.
"""

from __future__ import annotations

from datetime import datetime

from app.reports.models import Comparison, Segment


def percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def hours(value: float | None) -> str:
    """Hours as hours under two days, as days beyond."""
    if value is None:
        return "–"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} d"


def count(value: float) -> str:
    return f"{value:,.0f}"


def when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def chance(p_value: float) -> str:
    """How often chance alone would give a difference this large, in words."""
    if p_value >= 0.995:
        return "almost every time"
    if p_value >= 0.01:
        return f"about {p_value * 100:.0f}% of the time"
    if p_value >= 0.001:
        return f"about {p_value * 1000:.0f} times in 1,000"
    return "less than once in 1,000"


def win_loss_sentence(mql: Segment, other: Segment, comparison: Comparison) -> str:
    """ "MQLs win 17 points more often; a difference this large would appear by chance ..."."""
    if comparison.difference_pp is None or comparison.p_value is None:
        return (
            "There are not enough closed opportunities on both sides to compare MQLs with the "
            "rest yet."
        )
    points = round(abs(comparison.difference_pp))
    rates = f"({percent(mql.win_rate)} against {percent(other.win_rate)})"
    if points == 0:
        head = f"MQLs win about as often as other opportunities {rates}"
    else:
        direction = "more" if comparison.difference_pp > 0 else "less"
        unit = "point" if points == 1 else "points"
        head = f"MQLs win {points} {unit} {direction} often than other opportunities {rates}"
    return f"{head}; a difference this large would appear by chance {chance(comparison.p_value)}."
