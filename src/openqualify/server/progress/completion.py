"""Completion: every page of the offering's course version weighs the same; a viewed page counts in full when
it has no tasks, else by the share of its tasks done; an unviewed page counts nothing (DOMAIN §1.26).

The result is stored per (offering, learner) in `learner_progress` whenever page progress changes, so lists
read one integer instead of aggregating page progress.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import LearnerProgress, Offering
from openqualify.server.event_hub import emitters as hub
from openqualify.server.progress.repository import ProgressRepository


def page_fraction(viewed: bool, tasks_done: int, task_count: int) -> float:
    if not viewed:
        return 0.0
    if task_count <= 0 or tasks_done >= task_count:
        return 1.0
    return max(tasks_done, 0) / task_count


def completion_percent(fraction_sum: float, page_count: int) -> int:
    """Whole percent, rounded down (100 only when every page is complete); 0 for a course without pages."""
    if page_count <= 0:
        return 0
    return max(0, min(100, math.floor(round(100 * fraction_sum / page_count, 6))))


async def recompute(
    session: AsyncSession, offering: Offering, now: datetime, user_ids: Iterable[str] | None = None
) -> dict[str, int]:
    """Recompute and store the completion of the given learners (all with stored progress when None).

    Returns the new completion by user id.
    """
    wanted = None if user_ids is None else set(user_ids)
    if wanted is not None and not wanted:
        return {}
    repo = ProgressRepository(session)
    pages = await repo.page_count(offering.content_id)
    sums = await repo.fraction_sums(offering, wanted)
    values = {user_id: completion_percent(total, pages) for user_id, total in sums}
    rows = await repo.stored_completions(offering.id, wanted)
    completed = [u for u, v in values.items() if v == 100 and (u not in rows or rows[u].completion != 100)]
    for user_id in set(values) | set(rows) | (wanted or set()):
        value = values.get(user_id, 0)
        row = rows.get(user_id)
        if row is None:
            repo.add(LearnerProgress(offering_id=offering.id, user_id=user_id, completion=value, updated_at=now))
        elif row.completion != value:
            row.completion = value
            row.updated_at = now
        values[user_id] = value
    await repo.flush()
    await hub.learners_completed(session, offering, completed)
    return values
