"""Chart geometry: scales, bars (grouped, stacked, horizontal), time series, and the data table of each chart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from openqualify.server.console import charts


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
    ],
)
def test_nice_scale(top: float, integer: bool, expected: tuple[float, float]) -> None:
    assert charts.nice_scale(top, integer=integer) == expected


def test_vertical_bars_stand_on_the_axis_with_heights_in_proportion() -> None:
    chart = charts.histogram("Completion", [("a", 10), ("b", 5), ("c", 0)], x_label="x", y_label="Learners")
    assert chart.marks == 2  # an empty bin draws nothing
    first, second = chart.rects
    assert first.y + first.h == pytest.approx(chart.bottom) == second.y + second.h
    assert first.h == pytest.approx(2 * second.h, abs=0.2)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    assert chart.y_ticks[-1].at == pytest.approx(chart.top)  # 10 is the axis maximum
    assert first.title == "a: 10"
    assert chart.table.headers == ["x", "Learners"]
    assert chart.table.rows == [["a", "10"], ["b", "5"], ["c", "0"]]
    assert not chart.empty


def test_stacked_bars_sit_on_each_other() -> None:
    chart = charts.bars(
        "Work", ["quiz"], [charts.Series("Marked", [3], "ok"), charts.Series("Pending", [1], "muted")], stacked=True
    )
    marked, pending = chart.rects
    assert pending.y + pending.h == pytest.approx(marked.y, abs=0.2)
    assert marked.x == pending.x
    assert chart.legend == [("ok", "Marked"), ("muted", "Pending")]
    assert marked.title == "quiz: 3 marked"


def test_horizontal_bars_grow_from_the_left_axis_and_get_taller_with_categories() -> None:
    few = charts.bars("Pages", ["a"], [charts.Series("Up", [4])], horizontal=True)
    many = charts.bars("Pages", list("abcdef"), [charts.Series("Up", [1, 2, 3, 4, 5, 6])], horizontal=True)
    assert many.height > few.height
    assert all(r.x == many.left for r in many.rects)
    widths = [r.w for r in many.rects]
    assert widths == sorted(widths)
    assert [t.label for t in many.y_ticks] == list("abcdef")


def test_links_long_labels_and_an_empty_chart() -> None:
    chart = charts.bars("x", ["A very long category name indeed, longer than most"], [charts.Series("n", [1])],
                        hrefs=["/console/offerings/o1"])
    assert chart.rects[0].href == "/console/offerings/o1"
    assert chart.x_ticks[0].label.endswith("…") and len(chart.x_ticks[0].label) <= 14
    assert chart.table.rows[0][0] == "A very long category name indeed, longer than most"
    empty = charts.bars("x", [], [])
    assert empty.empty and empty.marks == 0


def test_crowded_x_labels_are_thinned() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]
    chart = charts.timeline("Per day", days, [charts.Series("n", [1] * 60)], y_label="n")
    assert chart.marks == 60
    assert 5 <= len(chart.x_ticks) < 30
    assert chart.table.rows[0][0] == "2026-01-01"
    assert "from 2026-01-01 to 2026-03-01, total 60" in chart.summary


def test_a_line_goes_through_every_point() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(3)]
    chart = charts.timeline("Cumulative", days, [charts.Series("n", [1, 2, 4], "s2")], y_label="n", line=True)
    assert chart.rects == [] and len(chart.lines) == 1 and len(chart.dots) == 3
    ys = [d.cy for d in chart.dots]
    assert ys == sorted(ys, reverse=True)  # rising values, rising line (SVG y grows downwards)
    assert chart.lines[0].points.count(",") == 3
