"""The mirror's mapping (`mirror.build`), without a server: the ids it makes up are the same as on every earlier
run, and the rows it builds do not depend on the order the answers come back in."""

from __future__ import annotations

import asyncio
from typing import Any

from openqualify.server.mirror.build import Mirror, document
from openqualify.server.mirror.ids import made_id, ordered_id


def test_made_up_ids_are_those_of_earlier_runs() -> None:
    """A mirror made again (or resumed) gives its links the ids it gave them before: the values are fixed."""
    assert ordered_id(0, "a", "0", "") == "0000000000EXYmQcLYHo"
    assert ordered_id(1, "a", "1", "x") == "0000000001vDBBvFIAQ2"
    assert ordered_id(1234, "submission", "o1", "a1", "u1").startswith("0000001234")
    assert made_id("m", "0") == "-----TZtZKeSkRNWDBia"
    assert made_id("m", "1") == "-----XT6trkokzYmtubq"


START = "2024-01-08T09:00:00.000Z"
ANSWERS: dict[str, Any] = {
    "/org": {"name": "Source"},
    "/offerings": [
        {"id": "o1", "contentId": "c1", "name": "First", "start": START},
        {"id": "o2", "contentId": "c1", "name": "Second", "start": START},
    ],
    "/courses": [{"id": "c1"}],
    "/courses/c1": {"name": "Course", "createdAt": START, "metadata": {}},
    "/offerings/o1/users": [{"email": "a@example.com", "id": "u1"}],
    "/offerings/o2/users": [{"email": "b@example.com", "id": "u2"}],
    # Pages are known only from the reactions and notes that name them, numbered as the walk meets them.
    "/offerings/o1/analytics/unit-reactions": [{"pageId": "p1", "feedback": {"thumbs-up": 1}}],
    "/offerings/o2/analytics/unit-reactions": [{"pageId": "p2", "feedback": {"thumbs-up": 1}}],
}


class Answers:
    """A fetcher answering from `ANSWERS` (404 otherwise), the reads of `slow` offerings coming back last."""

    def __init__(self, slow: str) -> None:
        self.slow = slow

    async def get(self, path: str, params: Any = None, tolerate: frozenset[int] = frozenset()) -> Any:
        await asyncio.sleep(0.05 if path.startswith(f"/offerings/{self.slow}/") else 0)
        return ANSWERS.get(path)


def _mirror(slow: str) -> dict[str, list[str]]:
    """Each table's rows (in any order: the order rows are written in is not part of what a mirror answers)."""
    mirror = Mirror(Answers(slow), now=START)  # type: ignore[arg-type]
    asyncio.run(mirror.run(lambda _step: None))
    return {table: sorted(map(repr, rows)) for table, rows in document(mirror).items()}


def test_rows_do_not_depend_on_the_order_answers_come_back_in() -> None:
    first_slow, second_slow = _mirror("o1"), _mirror("o2")
    assert first_slow == second_slow
    assert next(page for page in first_slow["course_pages"] if "'Page 1'" in page).startswith("{'id': 'p1'")
