"""Charts drawn on the server as SVG: no script, no library download, nothing from outside.

Three shapes cover the dashboard: horizontal bars (counts: SLA states, aging, funnel, rules),
rates with their 95% intervals as error bars (win/loss), and lines over time (first touch by
week). Each SVG scales to its container (`viewBox`), names itself for screen readers (`role=img`
with a title and a description pointing at the table beside it, which holds the same numbers) and
takes its colours from classes in `ui.css`, so the page's Content-Security-Policy needs no inline
style. Elements are built with ElementTree, which escapes every label.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 170
VALUE_WIDTH = 110
ROW_HEIGHT = 26
TOP = 8
AXIS_HEIGHT = 22

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    series: int = 0


@dataclass(frozen=True)
class RateBar:
    """A rate and its interval, all in [0, 1]; `rate` None draws nothing (nothing closed)."""

    label: str
    rate: float | None
    low: float | None
    high: float | None
    series: int = 0


def _svg(title: str, height: float, chart_id: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height:.0f}",
            "class": "chart",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "id": chart_id,
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(
        svg, "desc", {"id": f"{chart_id}-desc"}
    ).text = "The table beside this chart holds the same numbers."
    return svg


def _text(parent: ET.Element, x: float, y: float, text: str, cls: str, anchor: str) -> None:
    attrs = {"x": f"{x:.1f}", "y": f"{y:.1f}", "class": cls, "text-anchor": anchor}
    ET.SubElement(parent, "text", attrs).text = text


def _markup(svg: ET.Element) -> Markup:
    # ElementTree escaped every text and attribute, so the markup is safe as it is.
    return Markup(ET.tostring(svg, encoding="unicode"))


def _line(parent: ET.Element, x1: float, y1: float, x2: float, y2: float, cls: str = "") -> None:
    attrs = {"x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}"}
    ET.SubElement(parent, "line", {**attrs, "class": cls} if cls else attrs)


def bar_chart(title: str, bars: Sequence[Bar], chart_id: str, fmt: Formatter) -> Markup:
    """Horizontal bars from zero, one row per bar, the value printed at the end of each."""
    height = TOP * 2 + ROW_HEIGHT * max(len(bars), 1)
    svg = _svg(title, height, chart_id)
    top = max((bar.value for bar in bars), default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for row, bar in enumerate(bars):
        y = TOP + row * ROW_HEIGHT
        _text(svg, LABEL_WIDTH - 8, y + ROW_HEIGHT * 0.65, bar.label, "label", "end")
        length = max(bar.value, 0.0) / top * span
        attrs = {
            "x": str(LABEL_WIDTH),
            "y": f"{y + 4:.1f}",
            "width": f"{length:.1f}",
            "height": str(ROW_HEIGHT - 8),
            "class": f"bar series-{bar.series}",
        }
        ET.SubElement(svg, "rect", attrs)
        text_y = y + ROW_HEIGHT * 0.65
        _text(svg, LABEL_WIDTH + length + 6, text_y, fmt(bar.value), "value", "start")
    return _markup(svg)


@dataclass(frozen=True)
class StackedBar:
    label: str
    parts: Sequence[float]


def stacked_chart(
    title: str, bars: Sequence[StackedBar], names: Sequence[str], chart_id: str, fmt: Formatter
) -> Markup:
    """Horizontal bars split into parts (one colour per name), the total at the end of each."""
    legend = 22
    height = legend + TOP * 2 + ROW_HEIGHT * max(len(bars), 1)
    svg = _svg(title, height, chart_id)
    for number, name in enumerate(names):
        swatch = {"x": str(LABEL_WIDTH + number * 100), "y": "4", "width": "12", "height": "12"}
        ET.SubElement(svg, "rect", {**swatch, "class": f"bar series-{number}"})
        _text(svg, LABEL_WIDTH + number * 100 + 16, 14, name, "label", "start")
    top = max((sum(bar.parts) for bar in bars), default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for row, bar in enumerate(bars):
        y = legend + TOP + row * ROW_HEIGHT
        _text(svg, LABEL_WIDTH - 8, y + ROW_HEIGHT * 0.65, bar.label, "label", "end")
        x = float(LABEL_WIDTH)
        for number, part in enumerate(bar.parts):
            width = max(part, 0.0) / top * span
            attrs = {"x": f"{x:.1f}", "y": f"{y + 4:.1f}", "width": f"{width:.1f}"}
            attrs |= {"height": str(ROW_HEIGHT - 8), "class": f"bar series-{number}"}
            ET.SubElement(svg, "rect", attrs)
            x += width
        _text(svg, x + 6, y + ROW_HEIGHT * 0.65, fmt(sum(bar.parts)), "value", "start")
    return _markup(svg)


def _percent_axis(svg: ET.Element, y: float) -> None:
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = LABEL_WIDTH + tick * span
        _line(svg, x, TOP, x, y, "grid")
        _text(svg, x, y + 15, f"{tick:.0%}", "axis", "middle")


def interval_chart(title: str, bars: Sequence[RateBar], chart_id: str) -> Markup:
    """Each rate as a dot on a 0-100% axis with its 95% interval as an error bar."""
    body = ROW_HEIGHT * max(len(bars), 1)
    svg = _svg(title, TOP + body + AXIS_HEIGHT + 4, chart_id)
    _percent_axis(svg, TOP + body)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for row, bar in enumerate(bars):
        y = TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2
        _text(svg, LABEL_WIDTH - 8, y + 4, bar.label, "label", "end")
        if bar.rate is None:
            _text(svg, LABEL_WIDTH + 4, y + 4, "nothing closed", "value", "start")
            continue
        group = ET.SubElement(svg, "g", {"class": f"interval series-{bar.series}"})
        if bar.low is not None and bar.high is not None:
            x1, x2 = LABEL_WIDTH + bar.low * span, LABEL_WIDTH + bar.high * span
            _line(group, x1, y, x2, y)
            for x in (x1, x2):
                _line(group, x, y - 6, x, y + 6)
        cx = LABEL_WIDTH + bar.rate * span
        ET.SubElement(group, "circle", {"cx": f"{cx:.1f}", "cy": f"{y:.1f}", "r": "5"})
        _text(svg, WIDTH - VALUE_WIDTH + 8, y + 4, f"{bar.rate:.1%}", "value", "start")
    return _markup(svg)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def line_chart(
    title: str, x_labels: Sequence[str], series: Sequence[Series], chart_id: str, fmt: Formatter
) -> Markup:
    """One line per series over the x labels; a missing value breaks the line."""
    height, left, right, top, bottom = 260, 56, 16, 24, 40
    svg = _svg(title, height, chart_id)
    values = [v for s in series for v in s.values if v is not None]
    ceiling = _nice_ceiling(max(values, default=0.0))
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    steps = max(len(x_labels) - 1, 1)

    def at(index: int, value: float) -> tuple[float, float]:
        return left + index * plot_w / steps, top + plot_h - value / ceiling * plot_h

    for tick in range(5):
        value = ceiling * tick / 4
        _, y = at(0, value)
        _line(svg, left, y, WIDTH - right, y, "grid")
        _text(svg, left - 6, y + 4, fmt(value), "axis", "end")
    every = max(1, len(x_labels) // 6)
    for index, label in enumerate(x_labels):
        if index % every == 0:
            x, _ = at(index, 0)
            _text(svg, x, height - bottom + 16, label, "axis", "middle")
    for number, line in enumerate(series):
        group = ET.SubElement(svg, "g", {"class": f"line series-{number}"})
        points: list[str] = []
        for index, point in enumerate(line.values):
            if point is None:
                _polyline(group, points)
                points = []
                continue
            x, y = at(index, point)
            points.append(f"{x:.1f},{y:.1f}")
            ET.SubElement(group, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "3"})
        _polyline(group, points)
        legend_x = left + number * 160
        swatch = {"x": str(legend_x), "y": "6", "width": "12", "height": "12"}
        ET.SubElement(svg, "rect", {**swatch, "class": f"bar series-{number}"})
        _text(svg, legend_x + 18, 16, line.name, "label", "start")
    return _markup(svg)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 4, 5 or 10 times a power of ten at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 4, 5, 10) if step * power >= value))


def _polyline(group: ET.Element, points: list[str]) -> None:
    if len(points) > 1:
        ET.SubElement(group, "polyline", {"points": " ".join(points)})
