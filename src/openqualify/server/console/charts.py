"""Charts as geometry: bars, histograms and time series laid out in SVG user units, drawn by `_charts.html`.

No JavaScript and no library: the server computes every rectangle, line and tick, the template writes them as
SVG. Each chart carries the table of its data, shown beside it for readers who cannot see it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH = 640  # the viewBox width; the SVG scales to its container, so each layout has its own width:
FULL = 1040  # across a whole card
WIDE = 760  # beside its data table in a whole card
HALF = 560  # in half a row of cards
PANEL = 500  # in a panel of a card's grid
HEIGHT = 240
BAND_HEIGHT = 26  # per category of a horizontal chart
LABEL_CHARS = 26  # longer category labels are shortened (the full text is in the tooltip and the table)
MIN_LABEL_GAP = 56  # x tick labels closer than this are thinned out


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]
    css: str = "s0"  # colour class (console.css: .s0 … .s5, .ok, .warn, .bad, .muted)


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # position along its axis, in user units
    label: str


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str  # tooltip and accessible name of the mark
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    points: str  # "x,y x,y ..."
    css: str


@dataclass(frozen=True, slots=True)
class Dot:
    cx: float
    cy: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class DataTable:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(slots=True)
class Chart:
    title: str
    summary: str  # one sentence for the SVG's <desc>
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    horizontal: bool
    x_label: str
    y_label: str
    table: DataTable
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css, name)
    empty: bool = False

    @property
    def marks(self) -> int:
        """How many data marks were drawn (tests check that a chart has data)."""
        return len(self.rects) + len(self.dots)


def number(value: float) -> str:
    """12,345 or 12.5: integers without decimals, others with one."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def nice_scale(top: float, ticks: int = 4, *, integer: bool = True) -> tuple[float, float]:
    """(axis maximum, step) with a 1-2-2.5-5 step; at least 1 for counts (`integer`)."""
    if top <= 0:
        return 1.0, 1.0
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    # Counts take whole steps (no 2.5 below 25).
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10)]
    step = next(s for s in steps if s >= raw and not (integer and s % 1))
    if integer:
        step = max(step, 1.0)
    return round(math.ceil(round(top / step, 9)) * step, 9), step


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _value_ticks(maximum: float, step: float, to_pos: Callable[[float], float]) -> list[Tick]:
    count = round(maximum / step)
    return [Tick(round(to_pos(i * step), 1), number(round(i * step, 6))) for i in range(count + 1)]


def _table(categories: Sequence[str], series: Sequence[Series], first_header: str) -> DataTable:
    headers = [first_header, *(s.name for s in series)]
    rows = [[category, *(number(s.values[i]) for s in series)] for i, category in enumerate(categories)]
    return DataTable(headers, rows)


def _thin(ticks: list[Tick], spacing: float) -> list[Tick]:
    """Keep every k-th label so that neighbours are at least MIN_LABEL_GAP apart."""
    every = max(1, math.ceil(MIN_LABEL_GAP / spacing)) if spacing > 0 else 1
    return [tick for i, tick in enumerate(ticks) if i % every == 0]


def bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    horizontal: bool = False,
    x_label: str = "",
    y_label: str = "",
    hrefs: Sequence[str | None] | None = None,
    first_header: str = "",
    width: int = WIDTH,
    integer: bool = True,
) -> Chart:
    """A bar chart: one bar per category and series (grouped side by side, or stacked).

    `width` is the viewBox width: about the width the chart is shown at, so that its text is read at its size.
    `integer`: the values are counts (ticks at whole numbers).
    """
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = max(totals if stacked else [v for s in series for v in s.values], default=0)
    maximum, step = nice_scale(peak, integer=integer)
    table = _table(categories, series, first_header or x_label or "Category")
    summary = f"{title}: " + (
        "no data." if not categories else f"{len(categories)} categories, highest {number(peak)}."
    )
    if horizontal:
        chart = _horizontal(title, summary, categories, series, maximum, step, stacked, hrefs, table, width)
        chart.x_label, chart.y_label = y_label, x_label  # values run along x here
    else:
        chart = _vertical(title, summary, categories, series, maximum, step, stacked, hrefs, table, width)
        chart.x_label, chart.y_label = x_label, y_label
    if len(series) > 1:
        chart.legend = [(s.css, s.name) for s in series]
    chart.empty = not categories or peak == 0
    return chart


def _vertical(
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    maximum: float,
    step: float,
    stacked: bool,
    hrefs: Sequence[str | None] | None,
    table: DataTable,
    width: int,
) -> Chart:
    left, top, right, bottom = 52.0, 12.0, width - 12.0, HEIGHT - 46.0
    chart = Chart(title, summary, width, HEIGHT, left, top, right, bottom, False, "", "", table)
    chart.y_ticks = _value_ticks(maximum, step, lambda v: bottom - (bottom - top) * v / maximum)
    band = (right - left) / max(1, len(categories))
    inner = band * (0.78 if len(categories) < 40 else 0.9)
    per_series = inner if stacked else inner / max(1, len(series))
    scale = (bottom - top) / maximum
    for i, category in enumerate(categories):
        x0 = left + i * band + (band - inner) / 2
        base = bottom
        href = hrefs[i] if hrefs else None
        for j, s in enumerate(series):
            value = s.values[i]
            height = value * scale
            x = x0 if stacked else x0 + j * per_series
            y = base - height
            if value > 0:
                label = f"{category}: {number(value)}" + (f" {s.name.lower()}" if len(series) > 1 else "")
                chart.rects.append(
                    Rect(round(x, 1), round(y, 1), round(max(per_series - 1, 1), 1), round(height, 1), s.css, label,
                         href)
                )
            if stacked:
                base = y
        chart.x_ticks.append(Tick(round(left + i * band + band / 2, 1), shorten(category, 14)))
    chart.x_ticks = _thin(chart.x_ticks, band)
    return chart


def _horizontal(
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    maximum: float,
    step: float,
    stacked: bool,
    hrefs: Sequence[str | None] | None,
    table: DataTable,
    width: int,
) -> Chart:
    height = int(24 + 40 + BAND_HEIGHT * max(1, len(categories)))
    left, top, right, bottom = 178.0, 10.0, width - 20.0, height - 40.0
    chart = Chart(title, summary, width, height, left, top, right, bottom, True, "", "", table)
    chart.x_ticks = _value_ticks(maximum, step, lambda v: left + (right - left) * v / maximum)
    scale = (right - left) / maximum
    band = (bottom - top) / max(1, len(categories))
    inner = band * 0.72
    per_series = inner if stacked else inner / max(1, len(series))
    for i, category in enumerate(categories):
        y0 = top + i * band + (band - inner) / 2
        base = left
        href = hrefs[i] if hrefs else None
        for j, s in enumerate(series):
            value = s.values[i]
            length = value * scale
            y = y0 if stacked else y0 + j * per_series
            if value > 0:
                label = f"{category}: {number(value)}" + (f" {s.name.lower()}" if len(series) > 1 else "")
                chart.rects.append(
                    Rect(round(base, 1), round(y, 1), round(length, 1), round(max(per_series - 1, 1), 1), s.css, label,
                         href)
                )
            if stacked:
                base += length
        chart.y_ticks.append(Tick(round(top + i * band + band / 2, 1), shorten(category)))
    return chart


def histogram(
    title: str, bins: Sequence[tuple[str, int]], *, x_label: str, y_label: str, css: str = "s0",
    hrefs: Sequence[str | None] | None = None, width: int = WIDTH,
) -> Chart:
    """Counts per bin, as adjacent bars."""
    return bars(
        title,
        [label for label, _ in bins],
        [Series(y_label, [count for _, count in bins], css)],
        x_label=x_label,
        y_label=y_label,
        hrefs=hrefs,
        width=width,
    )


def timeline(
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    *,
    y_label: str,
    line: bool = False,
    stacked: bool = True,
    width: int = WIDTH,
) -> Chart:
    """Values per day (or per week, given each week's first day): bars, or a line with a dot per point."""
    labels = [f"{d.day} {d:%b}" for d in days]
    chart = bars(title, labels, series, stacked=stacked, x_label="Date", y_label=y_label, first_header="Date",
                 width=width)
    chart.table = DataTable(
        ["Date", *(s.name for s in series)],
        [[d.isoformat(), *(number(s.values[i]) for s in series)] for i, d in enumerate(days)],
    )
    if days:
        chart.summary = (
            f"{title}: from {days[0].isoformat()} to {days[-1].isoformat()}, "
            f"total {number(sum(sum(s.values) for s in series))}."
        )
    if line and days:
        _as_line(chart, len(days), series)
    return chart


def _as_line(chart: Chart, count: int, series: Sequence[Series]) -> None:
    """Replace the bars by one polyline per series through the tops of where the bars were."""
    peak = max((v for s in series for v in s.values), default=0)
    maximum, step = nice_scale(peak)
    top, bottom = chart.top, chart.bottom
    chart.y_ticks = _value_ticks(maximum, step, lambda v: bottom - (bottom - top) * v / maximum)
    band = (chart.right - chart.left) / max(1, count)
    chart.rects = []
    for s in series:
        points = []
        for i, value in enumerate(s.values):
            x = round(chart.left + i * band + band / 2, 1)
            y = round(bottom - (bottom - top) * value / maximum, 1)
            points.append(f"{x},{y}")
            if count <= 60 or i == count - 1:
                chart.dots.append(Dot(x, y, s.css, f"{chart.table.rows[i][0]}: {number(value)}"))
        chart.lines.append(Line(" ".join(points), s.css))
