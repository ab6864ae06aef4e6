"""Rule-level tests of completion (`progress.completion`): every page weighs the same, a viewed page counts in full
without tasks, else by its share of tasks done, an unviewed page counts nothing; the percentage is whole, rounded
down, and 100 only when every page is complete."""

from __future__ import annotations

import pytest

from openqualify.server.progress.completion import completion_percent, page_fraction


@pytest.mark.parametrize(
    ("viewed", "done", "count", "fraction"),
    [
        (False, 0, 0, 0.0),
        (False, 5, 5, 0.0),  # tasks done on a page never viewed count nothing
        (True, 0, 0, 1.0),  # a viewed page without tasks is complete
        (True, 0, 4, 0.0),
        (True, 1, 4, 0.25),
        (True, 4, 4, 1.0),
        (True, 9, 4, 1.0),  # more tasks done than the page has (its tasks were removed since): complete, not more
        (True, -2, 4, 0.0),
        (True, 3, -1, 1.0),  # a negative task count is no tasks
    ],
)
def test_a_page_counts_by_its_share_of_tasks_once_viewed(viewed: bool, done: int, count: int, fraction: float) -> None:
    assert page_fraction(viewed, done, count) == fraction


def test_the_percentage_is_rounded_down() -> None:
    assert completion_percent(0.0, 3) == 0
    assert completion_percent(1.0, 3) == 33
    assert completion_percent(2.0, 3) == 66  # 66.67 rounds down
    assert completion_percent(0.999, 1) == 99
    assert completion_percent(199.0, 200) == 99  # 99.5 %: still not complete


def test_100_only_when_every_page_is_complete() -> None:
    assert completion_percent(1.0, 1) == 100
    assert completion_percent(1.0 - 1e-4, 1) == 99
    # Three pages of a third of their tasks each, summed in floating point, make exactly one page.
    third = page_fraction(True, 1, 3)
    assert completion_percent(third + third + third + 2.0, 3) == 100
    tenths = sum(page_fraction(True, 1, 10) for _ in range(10))  # 0.9999999999999999 in floating point
    assert completion_percent(tenths, 1) == 100


def test_a_course_without_pages_is_0_and_the_result_stays_within_0_to_100() -> None:
    assert completion_percent(0.0, 0) == 0
    assert completion_percent(5.0, 0) == 0
    assert completion_percent(5.0, 3) == 100
    assert completion_percent(-1.0, 3) == 0
