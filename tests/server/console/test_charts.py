"""Chart geometry: scales, bars (grouped, stacked, horizontal), time series, the data table of each chart, and the
layout for the reader's viewport (one SVG unit per CSS pixel, fewer ticks and labels above the bars when narrow)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from openqualify.server.console import charts
from openqualify.server.console.periods import DAY, WEEK


@pytest.mark.parametrize(
    ("top", "integer", "expected"),
    [
        (0, True, (1.0, 1.0)),
        (3, True, (3.0, 1.0)),
        (17, True, (20.0, 5.0)),
        (98, True, (100.0, 25.0)),
        (1234, True, (1500.0, 500.0)),
        (0.43, False, (0.6, 0.2)),
        (10, True, (10.0, 5.0)),
        (10, False, (10.0, 2.5)),
        (0.43, True, (1.0, 1.0)),
        (float("inf"), True, (1.0, 1.0)),
        (float("nan"), True, (1.0, 1.0)),
    ],
)
def test_nice_scale(top: float, integer: bool, expected: tuple[float, float]) -> None:
    assert charts.nice_scale(top, integer=integer) == expected


def test_vertical_bars_stand_on_the_axis_with_heights_in_proportion() -> None:
    figure = charts.histogram("Completion", [("a", 10), ("b", 5), ("c", 0)], x_label="x", y_label="Learners")
    chart = figure.at(600)
    assert chart.marks == 2  # an empty bin draws nothing
    first, second = chart.rects
    assert first.y + first.h == pytest.approx(chart.bottom) == second.y + second.h
    assert first.h == pytest.approx(2 * second.h, abs=0.2)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    assert chart.y_ticks[-1].at == pytest.approx(chart.top)  # 10 is the axis maximum
    assert first.title == "a: 10"
    assert figure.table.headers == ["x", "Learners"]
    assert figure.table.rows == [["a", "10"], ["b", "5"], ["c", "0"]]
    assert figure.table.values == [["a", 10], ["b", 5], ["c", 0]]  # the CSV's numbers, not their display
    assert not chart.empty and chart.width == 600


def test_stacked_bars_sit_on_each_other() -> None:
    chart = charts.bars(
        "Work", ["quiz"], [charts.Series("Marked", [3], "ok"), charts.Series("Pending", [1], "muted")], stacked=True
    ).at(600)
    marked, pending = chart.rects
    assert pending.y + pending.h == pytest.approx(marked.y, abs=0.2)
    assert marked.x == pending.x
    assert chart.legend == [("ok", "Marked"), ("muted", "Pending")]
    assert marked.title == "quiz: 3 marked"


def test_horizontal_bars_grow_from_the_left_axis_and_get_taller_with_categories() -> None:
    few = charts.bars("Pages", ["a"], [charts.Series("Up", [4])], horizontal=True).at(600)
    many = charts.bars("Pages", list("abcdef"), [charts.Series("Up", [1, 2, 3, 4, 5, 6])], horizontal=True).at(600)
    assert many.height > few.height
    assert all(r.x == many.left for r in many.rects)
    widths = [r.w for r in many.rects]
    assert widths == sorted(widths)
    assert [t.label for t in many.y_ticks] == list("abcdef")
    assert not many.labels_above


def test_a_percentage_axis_runs_to_100_whatever_the_data() -> None:
    figure = charts.bars("Mean completion", ["a", "b"], [charts.Series("Mean", [51.5, 37.3])], horizontal=True,
                         integer=False, value_max=100)
    chart = figure.at(600)
    assert [t.label for t in chart.x_ticks][-1] == "100"
    assert chart.x_ticks[-1].at == pytest.approx(chart.right)
    assert chart.rects[0].w == pytest.approx((chart.right - chart.left) * 0.515, abs=0.2)


def test_long_names_go_whole_on_a_line_above_their_bar_and_keep_their_full_title() -> None:
    name = "Workplace Health and Safety Essentials - Auckland (Term 4 2026)"
    chart = charts.bars("Offerings", [name, "Short"], [charts.Series("n", [3, 4])], horizontal=True).at(580)
    assert chart.labels_above
    label = chart.y_ticks[0]
    assert label.label == name and label.title == ""  # 580 units hold it whole
    phone = charts.bars("Offerings", [name], [charts.Series("n", [3])], horizontal=True).at(300)
    cut = phone.y_ticks[0]
    assert cut.label.endswith("…") and len(cut.label) * charts.CHAR <= 300 and cut.title == name
    assert phone.rects[0].x == phone.left  # the bar uses the whole width under its label


def test_links_long_labels_and_an_empty_chart() -> None:
    chart = charts.bars("x", ["A very long category name indeed, longer than most"], [charts.Series("n", [1])],
                        hrefs=["/console/offerings/o1"]).at(600)
    assert chart.rects[0].href == "/console/offerings/o1"
    assert chart.x_ticks[0].label.endswith("…") and len(chart.x_ticks[0].label) <= 14
    assert chart.x_ticks[0].title == "A very long category name indeed, longer than most"
    assert chart.table.rows[0][0] == "A very long category name indeed, longer than most"
    empty = charts.bars("x", [], [])
    assert empty.empty and empty.marks == 0


def test_crowded_x_labels_are_thinned_more_when_narrow() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]
    figure = charts.timeline("Per day", DAY, days, [charts.Series("n", [1] * 60)], y_label="n")
    wide, narrow = figure.at(1000), figure.at(330)
    assert wide.marks == narrow.marks == 60
    assert 5 <= len(narrow.x_ticks) < len(wide.x_ticks) < 30
    assert narrow.height < wide.height
    assert figure.table.rows[0][0] == "2026-01-01"
    assert "per day, from 2026-01-01 to 2026-03-01, total 60" in figure.summary
    # Labels never overlap: neighbours are at least a label's width apart.
    for chart in (wide, narrow):
        gaps = [b.at - a.at for a, b in zip(chart.x_ticks, chart.x_ticks[1:], strict=False)]
        assert min(gaps) >= max(len(t.label) for t in chart.x_ticks) * charts.CHAR


def test_a_line_goes_through_every_point() -> None:
    weeks = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(3)]
    figure = charts.timeline("Cumulative", WEEK, weeks, [charts.Series("n", [1, 2, 4], "s2")], y_label="n",
                             line=True)
    chart = figure.at(500)
    assert chart.rects == [] and len(chart.lines) == 1 and len(chart.dots) == 3
    ys = [d.cy for d in chart.dots]
    assert ys == sorted(ys, reverse=True)  # rising values, rising line (SVG y grows downwards)
    assert chart.lines[0].points.count(",") == 3
    assert figure.table.headers[0] == "Week from"


@pytest.mark.parametrize("width", [320, 390, 768, 1024, 1440, 2560])
def test_the_viewport_gives_each_placement_the_width_console_css_gives_it(width: int) -> None:
    viewport = charts.Viewport(width)
    placements = (charts.FULL, charts.BESIDE, charts.HALF, charts.SPLIT, charts.SIDE, charts.PANEL, charts.PAIR)
    spaces = {p: viewport.space(p) for p in placements}
    assert all(200 <= w <= width for w in spaces.values())
    assert spaces[charts.FULL] == max(spaces.values())
    if width <= charts.ONE_COLUMN_MAX:  # one column: every chart as wide as a card's inside (panels a little less)
        assert spaces[charts.FULL] == spaces[charts.HALF] == spaces[charts.SIDE] == spaces[charts.BESIDE]
        assert spaces[charts.PANEL] == spaces[charts.PAIR] < spaces[charts.FULL]
    if width <= charts.PHONE_MAX:
        assert spaces[charts.FULL] == width - 2 * 10 - 2 * 14 - 2 - 2


def test_the_viewport_header_is_read_within_bounds() -> None:
    assert charts.Viewport.of(None).width == charts.DESKTOP
    assert charts.Viewport.of("390").width == 390
    assert charts.Viewport.of(" 1440 ").width == 1440
    assert charts.Viewport.of("abc").width == charts.DESKTOP
    assert charts.Viewport.of("-5").width == charts.DESKTOP
    assert charts.Viewport.of("1").width == charts.MIN_VIEWPORT
    assert charts.Viewport.of("9" * 40).width == charts.MAX_VIEWPORT


def test_numbers() -> None:
    assert [charts.number(v) for v in (0, 12345, 12.5, 0.25, 0.5, 1.25, -3)] == [
        "0", "12,345", "12.5", "0.25", "0.5", "1.2", "-3"
    ]
