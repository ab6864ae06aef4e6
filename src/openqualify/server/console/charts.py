"""Charts as geometry: bars, histograms and time series laid out in SVG user units, drawn by `_macros.html`.

No JavaScript and no library: the server computes every rectangle, line and tick, the template writes them as
SVG. A view describes a chart as a `Figure` (its data, its table and where it sits on the page); the template lays
it out for the reader's viewport (`Figure.layout`), so that one SVG unit is about one CSS pixel and its text is read
at its size (12 px) on a phone as on a laptop: a narrow chart gets fewer ticks, shorter labels and, for horizontal
bars, its labels above the bars. Each chart carries the table of its data, shown beside or under it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from openqualify.server.console.periods import Unit

# --- where a chart sits, and how wide that is ------------------------------------------------------------------

DESKTOP = 1440  # the viewport assumed when the page did not say (a fragment fetched outside the console)
MIN_VIEWPORT, MAX_VIEWPORT = 240, 4000
PHONE_MAX = 600  # console.css: @media (max-width: 600px)
ONE_COLUMN_MAX = 960  # console.css: @media (max-width: 960px): cards and panels in one column
WIDE_PAIR_MAX = 1200  # console.css: @media (max-width: 1200px): a wide table beside a chart, in one column
MAIN_MAX = 1320  # console.css: main { max-width }
GAP = 16  # between cards in a row, and between a chart and its table
PANEL_MIN, PANEL_GAP, PANEL_PAD = 420, 14, 14
NARROW_CHART = 480  # charts narrower than this put horizontal bars' labels above the bars

# Placements (console.css lays them out, `Viewport.space` mirrors it):
FULL = "full"  # across a whole card
BESIDE = "beside"  # beside its data table in a card (above it when one column)
HALF = "half"  # in a card sharing a row with another card
SPLIT = "split"  # in one of two columns inside a card
SIDE = "side"  # in the narrower column (2 of 5) of a row of two cards beside a wide table
PANEL = "panel"  # in a panel of a card's grid of panels
PAIR = "pair"  # one of two side by side in a panel as wide as its card


@dataclass(frozen=True, slots=True)
class Viewport:
    """The width (CSS px) the page is shown at, as the console's script reports it."""

    width: int = DESKTOP

    @classmethod
    def of(cls, reported: str | None) -> Viewport:
        if reported is None or not reported.strip().isdigit():
            return cls()
        return cls(min(max(int(reported.strip()), MIN_VIEWPORT), MAX_VIEWPORT))

    @property
    def phone(self) -> bool:
        return self.width <= PHONE_MAX

    def space(self, placement: str) -> int:
        """The width available to a chart at `placement`: console.css's boxes, computed."""
        two_columns = self.width > ONE_COLUMN_MAX
        main_pad = 28 if two_columns else (10 if self.phone else 16)
        card_pad = 14 if self.phone else 20
        content = min(self.width, MAIN_MAX) - 2 * main_pad

        def inside(box: float) -> float:  # a card's content width
            return box - 2 * card_pad - 2

        card = inside(content)
        panel_wide = card - 2 * PANEL_PAD - 2
        widths = {
            FULL: card,
            BESIDE: (card - GAP) * 2.2 / 3.2 if two_columns else card,
            HALF: inside((content - GAP) / 2) if two_columns else card,
            SPLIT: (card - GAP) / 2 if two_columns else card,
            SIDE: inside((content - GAP) * 2 / 5) if self.width > WIDE_PAIR_MAX else card,
            PAIR: (panel_wide - 12) / 2 if two_columns else panel_wide,
        }
        if placement == PANEL:  # auto-fill columns of at least PANEL_MIN, one column at ONE_COLUMN_MAX and below
            columns = max(1, int((card + PANEL_GAP) // (PANEL_MIN + PANEL_GAP))) if two_columns else 1
            width = (card - (columns - 1) * PANEL_GAP) / columns - 2 * PANEL_PAD - 2
        else:
            width = widths[placement]
        return max(200, int(width) - 2)


# --- geometry ---------------------------------------------------------------------------------------------------

HEIGHT = 240
PHONE_HEIGHT = 200
BAND_HEIGHT = 26  # per category of a horizontal chart with its labels beside the bars
SIDE_LABEL_CHARS = 24  # longer category names go on a line above their bar
LABEL_LINE = 16  # the label's line above a bar, in a narrow horizontal chart
CHAR = 6.6  # the width of an average character at 12 px (Inter), for fitting labels
FONT_SIZE = 12  # console.css: .chart-svg .tick, .axis-label


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]
    css: str = "s0"  # colour class (console.css: .s0 … .s5, .ok, .warn, .bad, .muted)


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # position along its axis, in user units
    label: str
    title: str = ""  # the full text, when the label is shortened


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
    rows: Sequence[Sequence[str]]  # as shown
    values: Sequence[Sequence[object]] = ()  # as data (numbers as numbers), for the CSV download


@dataclass(slots=True)
class Chart:
    """A figure laid out at one width: what the template draws."""

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
    labels_above: bool = False  # horizontal bars: category labels on a line above each bar
    empty: bool = False

    @property
    def marks(self) -> int:
        """How many data marks were drawn (tests check that a chart has data)."""
        return len(self.rects) + len(self.dots)


def number(value: float) -> str:
    """12,345 or 12.5: integers without decimals, others with one (two below 1: 0.25)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 1:
        return f"{value:,.2f}".rstrip("0")
    return f"{value:,.1f}"


def nice_scale(top: float, ticks: int = 4, *, integer: bool = True) -> tuple[float, float]:
    """(axis maximum, step) with a 1-2-2.5-5 step; at least 1 for counts (`integer`)."""
    if not top > 0 or math.isinf(top):
        return 1.0, 1.0
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    # Counts take whole steps (no 2.5 below 25).
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10)]
    step = next(s for s in steps if s >= raw and not (integer and s % 1))
    if integer:
        step = max(step, 1.0)
    return round(math.ceil(round(top / step, 9)) * step, 9), step


def shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: max(1, limit - 1)].rstrip() + "…"


def _fits(width: float) -> int:
    """How many characters of 12 px text fit in `width` user units."""
    return max(4, int(width / CHAR))


def _value_ticks(maximum: float, step: float, to_pos: Callable[[float], float]) -> list[Tick]:
    count = round(maximum / step)
    return [Tick(round(to_pos(i * step), 1), number(round(i * step, 6))) for i in range(count + 1)]


def _thin(ticks: list[Tick], spacing: float, gap: float) -> list[Tick]:
    """Keep every k-th label so that neighbours are at least `gap` apart."""
    every = max(1, math.ceil(gap / spacing)) if spacing > 0 else 1
    return [tick for i, tick in enumerate(ticks) if i % every == 0]


# --- figures: what a view describes -----------------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """A chart's data, its table and its place on the page; laid out for a viewport when the page is drawn."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    table: DataTable
    summary: str
    placement: str = FULL
    stacked: bool = False
    horizontal: bool = False
    x_label: str = ""  # the categories' axis
    y_label: str = ""  # the values' axis
    hrefs: Sequence[str | None] | None = None
    integer: bool = True
    value_max: float | None = None  # the values' axis runs at least to this (100 for percentages)
    line: bool = False  # a line with a dot per point, rather than bars
    note: str = ""  # how to read it (a scale, a rule), under the title
    name: str = ""  # its data's CSV download (`?csv=<name>`); none when empty
    dated: bool = False  # a time series: its table's first column holds dates

    @property
    def empty(self) -> bool:
        return not self.categories or self.peak == 0

    @property
    def peak(self) -> float:
        totals = [sum(s.values[i] for s in self.series) for i in range(len(self.categories))]
        return max(totals if self.stacked else [v for s in self.series for v in s.values], default=0)

    @property
    def marks(self) -> int:
        """Data marks drawn at the default width (tests check that a chart has data)."""
        return self.layout().marks

    def layout(self, viewport: Viewport | None = None) -> Chart:
        """The chart's geometry at the width its placement has in `viewport`."""
        return self.at(width=(viewport or Viewport()).space(self.placement))

    def at(self, width: int) -> Chart:
        maximum, step = nice_scale(max(self.peak, self.value_max or 0), integer=self.integer)
        if self.horizontal:
            chart = _horizontal(self, width, maximum, step)
            chart.x_label, chart.y_label = self.y_label, self.x_label  # values run along x here
        else:
            chart = _vertical(self, width, maximum, step)
            chart.x_label, chart.y_label = self.x_label, self.y_label
        if len(self.series) > 1:
            chart.legend = [(s.css, s.name) for s in self.series]
        chart.empty = self.empty
        if self.line and self.categories:
            _as_line(chart, self, maximum, step)
        return chart


def _mark_title(category: str, value: float, series: Series, several: bool) -> str:
    return f"{category}: {number(value)}" + (f" {series.name.lower()}" if several else "")


def _vertical(figure: Figure, width: int, maximum: float, step: float) -> Chart:
    height = PHONE_HEIGHT if width < NARROW_CHART else HEIGHT
    labels = [number(round(i * step, 6)) for i in range(round(maximum / step) + 1)]
    left = 26.0 + max(len(label) for label in labels) * CHAR  # the value labels and the rotated axis name
    top, right, bottom = 12.0, width - 12.0, height - 46.0
    chart = Chart(figure.title, figure.summary, width, height, left, top, right, bottom, False, "", "",
                  figure.table)
    chart.y_ticks = _value_ticks(maximum, step, lambda v: bottom - (bottom - top) * v / maximum)
    categories = figure.categories
    band = (right - left) / max(1, len(categories))
    inner = band * (0.78 if len(categories) < 40 else 0.9)
    several = len(figure.series) > 1
    per_series = inner if figure.stacked else inner / max(1, len(figure.series))
    scale = (bottom - top) / maximum
    limit = 10 if width < NARROW_CHART else 14
    for i, category in enumerate(categories):
        x0 = left + i * band + (band - inner) / 2
        base = bottom
        href = figure.hrefs[i] if figure.hrefs else None
        for j, s in enumerate(figure.series):
            value = s.values[i]
            height_ = value * scale
            x = x0 if figure.stacked else x0 + j * per_series
            y = base - height_
            if value > 0:
                chart.rects.append(Rect(round(x, 1), round(y, 1), round(max(per_series - 1, 1), 1),
                                        round(height_, 1), s.css, _mark_title(category, value, s, several), href))
            if figure.stacked:
                base = y
        label = shorten(category, limit)
        chart.x_ticks.append(Tick(round(left + i * band + band / 2, 1), label, category if label != category else ""))
    widest = max((len(t.label) for t in chart.x_ticks), default=0)
    chart.x_ticks = _thin(chart.x_ticks, band, widest * CHAR + 10)
    return chart


def _horizontal(figure: Figure, width: int, maximum: float, step: float) -> Chart:
    categories = figure.categories
    longest = max((len(c) for c in categories), default=4)
    above = width < NARROW_CHART or longest > SIDE_LABEL_CHARS  # long names get a whole line, not cut
    rows = max(1, len(categories))
    band: float
    if above:  # each category: its label's line, then its bar
        band = LABEL_LINE + max(14.0, 10.0 * len(figure.series) if not figure.stacked else 14.0) + 8
        left, top = 8.0, 6.0
        label_room = width - 16.0
    else:
        band = BAND_HEIGHT if len(figure.series) == 1 or figure.stacked else 10.0 * len(figure.series) + 8
        left = max(60.0, longest * CHAR + 14)
        top = 10.0
        label_room = left - 14
    height = int(top + band * rows + 40)
    right, bottom = width - 20.0, height - 40.0
    chart = Chart(figure.title, figure.summary, width, height, left, top, right, bottom, True, "", "",
                  figure.table, labels_above=above)
    chart.x_ticks = _value_ticks(maximum, step, lambda v: left + (right - left) * v / maximum)
    widest = max((len(t.label) for t in chart.x_ticks), default=1)
    if len(chart.x_ticks) > 1:
        chart.x_ticks = _thin(chart.x_ticks, chart.x_ticks[1].at - chart.x_ticks[0].at, widest * CHAR + 12)
    scale = (right - left) / maximum
    bar_room = band - (LABEL_LINE + 8 if above else band * 0.28)
    several = len(figure.series) > 1
    per_series = bar_room if figure.stacked else bar_room / max(1, len(figure.series))
    limit = _fits(label_room)
    for i, category in enumerate(categories):
        y0 = top + i * band + (LABEL_LINE if above else band * 0.14)
        base = left
        href = figure.hrefs[i] if figure.hrefs else None
        for j, s in enumerate(figure.series):
            value = s.values[i]
            length = value * scale
            y = y0 if figure.stacked else y0 + j * per_series
            if value > 0:
                chart.rects.append(Rect(round(base, 1), round(y, 1), round(length, 1), round(max(per_series - 1, 1), 1),
                                        s.css, _mark_title(category, value, s, several), href))
            if figure.stacked:
                base += length
        label = shorten(category, limit)
        at = top + i * band + (LABEL_LINE - 4 if above else band / 2)
        chart.y_ticks.append(Tick(round(at, 1), label, category if label != category else ""))
    return chart


def _as_line(chart: Chart, figure: Figure, maximum: float, step: float) -> None:
    """Replace the bars by one polyline per series through the tops of where the bars were."""
    top, bottom = chart.top, chart.bottom
    count = len(figure.categories)
    band = (chart.right - chart.left) / max(1, count)
    chart.rects = []
    for s in figure.series:
        points = []
        for i, value in enumerate(s.values):
            x = round(chart.left + i * band + band / 2, 1)
            y = round(bottom - (bottom - top) * value / maximum, 1)
            points.append(f"{x},{y}")
            if count <= 60 or i == count - 1:
                chart.dots.append(Dot(x, y, s.css, f"{figure.table.rows[i][0]}: {number(value)}"))
        chart.lines.append(Line(" ".join(points), s.css))


# --- building figures ---------------------------------------------------------------------------------------------


def _table(categories: Sequence[str], series: Sequence[Series], first_header: str) -> DataTable:
    headers = [first_header, *(s.name for s in series)]
    rows = [[category, *(number(s.values[i]) for s in series)] for i, category in enumerate(categories)]
    values = [[category, *(s.values[i] for s in series)] for i, category in enumerate(categories)]
    return DataTable(headers, rows, values)


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
    placement: str = FULL,
    integer: bool = True,
    value_max: float | None = None,
    note: str = "",
    name: str = "",
) -> Figure:
    """A bar chart: one bar per category and series (grouped side by side, or stacked).

    `x_label` names the categories, `y_label` the values (whichever way the bars run). `integer`: the values are
    counts (ticks at whole numbers). `value_max`: the value axis runs at least this far (100 for percentages).
    """
    table = _table(categories, series, first_header or x_label or "Category")
    figure = Figure(title, categories, series, table, "", placement, stacked, horizontal, x_label, y_label, hrefs,
                    integer, value_max, note=note, name=name)
    figure.summary = f"{title}: " + (
        "no data." if not categories else f"{len(categories)} categories, highest {number(figure.peak)}."
    )
    return figure


def histogram(
    title: str, bins: Sequence[tuple[str, int]], *, x_label: str, y_label: str, css: str = "s0",
    hrefs: Sequence[str | None] | None = None, placement: str = FULL, note: str = "", name: str = "",
) -> Figure:
    """Counts per bin, as adjacent bars."""
    return bars(
        title,
        [label for label, _ in bins],
        [Series(y_label, [count for _, count in bins], css)],
        x_label=x_label,
        y_label=y_label,
        hrefs=hrefs,
        placement=placement,
        note=note,
        name=name,
    )


PERIOD_HEADERS = {"day": "Date", "week": "Week from", "month": "Month", "year": "Year"}


def timeline(
    title: str,
    unit: Unit,
    starts: Sequence[date],
    series: Sequence[Series],
    *,
    y_label: str,
    line: bool = False,
    stacked: bool = True,
    placement: str = FULL,
    name: str = "",
) -> Figure:
    """Values per period (a day, a week, a month, a year or more, given each period's first day): bars, or a line
    with a dot per point. The table and the CSV give each period in ISO 8601 (2026-03-09, 2026-03, 2026)."""
    header = PERIOD_HEADERS.get(unit.name, "Years from")
    figure = bars(title, [unit.label(d) for d in starts], series, stacked=stacked, x_label=header,
                  y_label=y_label, first_header=header, placement=placement, name=name)
    figure.line = line
    figure.dated = True
    figure.table = DataTable(
        [header, *(s.name for s in series)],
        [[unit.iso(d), *(number(s.values[i]) for s in series)] for i, d in enumerate(starts)],
        [[unit.iso(d), *(s.values[i] for s in series)] for i, d in enumerate(starts)],
    )
    if starts:
        figure.summary = (
            f"{title}: per {unit.name}, from {unit.iso(starts[0])} to {unit.iso(starts[-1])}, "
            f"total {number(sum(sum(s.values) for s in series))}."
        )
    return figure
