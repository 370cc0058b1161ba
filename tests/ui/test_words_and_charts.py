"""The win/loss sentence a person reads, and charts that escape what they draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.reports.models import Comparison, RateInterval, Segment
from app.ui import words
from app.ui.charts import (
    Bar,
    RateBar,
    Series,
    StackedBar,
    bar_chart,
    interval_chart,
    line_chart,
    stacked_chart,
)


def _segment(won: int, closed: int) -> Segment:
    return Segment(
        closed=closed,
        won=won,
        lost=closed - won,
        win_rate=won / closed,
        won_amount=0.0,
        lost_amount=0.0,
        win_rate_95=RateInterval(low=0.0, high=1.0),
    )


@pytest.mark.parametrize(
    ("p_value", "expected"),
    [
        (0.0712, "about 7% of the time"),
        (0.5, "about 50% of the time"),
        (0.0042, "about 4 times in 1,000"),
        (0.00001, "less than once in 1,000"),
        (0.999, "almost every time"),
    ],
)
def test_chance_in_words(p_value: float, expected: str) -> None:
    assert words.chance(p_value) == expected


def test_the_sentence_of_the_issue() -> None:
    sentence = words.win_loss_sentence(
        _segment(31, 57), _segment(20, 54), Comparison(difference_pp=17.3, z=1.8, p_value=0.067)
    )
    assert sentence == (
        "MQLs win 17 points more often than other opportunities (54.4% against 37.0%); "
        "a difference this large would appear by chance about 7% of the time."
    )


def test_less_often_and_nothing_to_compare() -> None:
    less = words.win_loss_sentence(
        _segment(1, 10), _segment(5, 10), Comparison(difference_pp=-40.0, z=-2, p_value=0.05)
    )
    assert less.startswith("MQLs win 40 points less often")
    empty = words.win_loss_sentence(
        _segment(1, 10), _segment(5, 10), Comparison(difference_pp=None, z=None, p_value=None)
    )
    assert "not enough closed opportunities" in empty


def test_charts_are_valid_svg_that_escape_labels() -> None:
    hostile = '<script>alert("x")</script>'
    charts = [
        bar_chart("t", [Bar(hostile, 3), Bar("b", 0)], "c1", words.count),
        interval_chart(
            "t", [RateBar(hostile, 0.5, 0.4, 0.6), RateBar("none", None, None, None)], "c2"
        ),
        line_chart("t", ["w1", "w2", "w3"], [Series(hostile, [1.0, None, 3.0])], "c3", str),
        stacked_chart("t", [StackedBar(hostile, [1, 2, 0, 4])], ["a", "b", "c", "d"], "c4", str),
    ]
    for svg in charts:
        assert "<script>" not in svg
        root = ET.fromstring(str(svg))
        assert root.get("role") == "img"
        labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert hostile in labels
