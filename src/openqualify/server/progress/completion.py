"""Completion: every page of the offering's course version weighs the same; a viewed page counts in full when
it has no tasks, else by the share of its tasks done; an unviewed page counts nothing (DOMAIN §1.26).

The result is stored per (offering, learner) in `learner_progress` whenever page progress changes, so lists
read one integer instead of aggregating page progress.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import CoursePage, LearnerProgress, Offering, PageProgress


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


def _fraction_sql() -> object:
    return case(
        (PageProgress.viewed.is_(False), 0.0),
        (CoursePage.task_count <= 0, 1.0),
        (PageProgress.tasks_done >= CoursePage.task_count, 1.0),
        else_=cast(PageProgress.tasks_done, Float) / CoursePage.task_count,
    )


async def page_count(session: AsyncSession, content_id: str) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).select_from(CoursePage).where(CoursePage.content_id == content_id)
            )
        ).scalar_one()
    )


async def recompute(
    session: AsyncSession, offering: Offering, now: datetime, user_ids: Iterable[str] | None = None
) -> dict[str, int]:
    """Recompute and store the completion of the given learners (all with stored progress when None).

    Returns the new completion by user id.
    """
    wanted = None if user_ids is None else set(user_ids)
    if wanted is not None and not wanted:
        return {}
    pages = await page_count(session, offering.content_id)
    sums = (
        select(PageProgress.user_id, func.sum(_fraction_sql()))
        .join(CoursePage, CoursePage.id == PageProgress.page_id)
        .where(PageProgress.offering_id == offering.id, CoursePage.content_id == offering.content_id)
        .group_by(PageProgress.user_id)
    )
    stored = select(LearnerProgress).where(LearnerProgress.offering_id == offering.id)
    if wanted is not None:
        sums = sums.where(PageProgress.user_id.in_(wanted))
        stored = stored.where(LearnerProgress.user_id.in_(wanted))
    values = {user_id: completion_percent(float(total or 0), pages) for user_id, total in (await session.execute(sums))}
    rows = {row.user_id: row for row in (await session.execute(stored)).scalars()}
    for user_id in set(values) | set(rows) | (wanted or set()):
        value = values.get(user_id, 0)
        row = rows.get(user_id)
        if row is None:
            session.add(LearnerProgress(offering_id=offering.id, user_id=user_id, completion=value, updated_at=now))
        elif row.completion != value:
            row.completion = value
            row.updated_at = now
        values[user_id] = value
    await session.flush()
    return values
