"""The learners table: query parameters, filters, sorting and paging on the server."""

from __future__ import annotations

from openqualify.server.console.views.learners_table import LearnerRow, TableQuery, table

ROWS = [
    LearnerRow(
        f"learner{i:04d}@example.com",
        f"First{i} Last{i % 7}",
        i % 101,
        None if i % 5 == 0 else f"2026-01-{1 + i % 28:02d}",
    )
    for i in range(5000)
]


def test_unusable_parameters_fall_back_to_defaults() -> None:
    query = TableQuery.from_params({"sort": "drop table", "dir": "sideways", "band": "99", "page": "-3", "size": "7"})
    assert query == TableQuery()
    query = TableQuery.from_params({"sort": "completion", "dir": "desc", "band": "10", "page": "3", "size": "200",
                                    "q": "  ann  "})
    assert (query.sort, query.descending, query.band, query.page, query.size, query.text) == (
        "completion", True, 10, 3, 200, "ann")
    assert query.params(page=4) == {"sort": "completion", "dir": "desc", "q": "ann", "band": "10", "page": "4",
                                    "size": "200"}
    assert TableQuery().params() == {}


def test_one_page_of_thousands_sorted_by_completion() -> None:
    result = table("o1", ROWS, TableQuery(sort="completion", descending=True, size=50))
    assert (result.total, result.matched, result.pages, len(result.rows)) == (5000, 5000, 100, 50)
    assert [r.completion for r in result.rows] == sorted((r.completion for r in ROWS), reverse=True)[:50]
    assert (result.first, result.last) == (1, 50)
    assert result.sort_state("completion") == "descending" and result.sort_state("name") == "none"


def test_filters_combine_and_the_last_page_is_clamped() -> None:
    result = table("o1", ROWS, TableQuery(text="LAST3", band=10, page=999, size=25))
    expected = [r for r in ROWS if r.completion == 100 and "last3" in r.name.lower()]
    assert result.matched == len(expected) > 0
    assert result.page == result.pages
    assert all(r.completion == 100 and "Last3" in r.name for r in result.rows)
    assert result.band_label == "100"


def test_never_logged_in_sorts_first_ascending_and_the_text_filter_reads_emails() -> None:
    result = table("o1", ROWS, TableQuery(sort="lastLogin", size=25))
    assert result.rows[0].last_login is None
    found = table("o1", ROWS, TableQuery(text="learner0042@"))
    assert [r.email for r in found.rows] == ["learner0042@example.com"]
    assert table("o1", [], TableQuery()).rows == []
