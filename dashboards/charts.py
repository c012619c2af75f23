"""Server-rendered bar charts: geometry computed here, drawn as inline SVG by templates.

No chart library and no script: the chart reads on a projector, a phone and a
printout, and passes a strict content security policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    maximum: int
    baseline: float


def bar_chart(
    points: Sequence[tuple[str, int]], *, width: int = 640, height: int = 180, label_room: int = 36
) -> BarChart:
    """Bars for (label, value) points, scaled to the largest value."""
    maximum = max((value for _, value in points), default=0)
    baseline = height - label_room
    slot = width / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = (baseline - 16) * value / maximum if maximum else 0
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 1),
                y=round(baseline - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                label=label,
                value=value,
            )
        )
    return BarChart(width=width, height=height, bars=bars, maximum=maximum, baseline=baseline)
