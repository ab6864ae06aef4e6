"""One function per state change that raises an event: what services call, in the unit of work of the change.

Each is one awaited line at its call site (`await hub.user_created(session, user)`); the payload is built here,
and only when the hub raises that type (a quick check of the unit of work's cached hub state otherwise).
Functions that report what changed (`user_updated`, `offering_updated`) read the entity's unflushed history:
call them after setting the attributes and before the flush.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import (
    Assessment,
    BadgeAward,
    Channel,
    ChannelComment,
    ChannelPost,
    Course,
    CoursePage,
    Mark,
    Membership,
    Offering,
    OfferingBadge,
    Pulse,
    PulseAnswerRow,
    QuizAttempt,
    Submission,
    User,
)
from openqualify.server.event_hub.emit import stage, wants
from openqualify.server.event_hub.payloads import (
    OFFERING_FIELDS,
    USER_FIELDS,
    account,
    assessment_block,
    changed_fields,
    course_block,
    offering_block,
    page_block,
    person,
    role_of,
    when,
)
from openqualify.server.kit.chunks import IN_CHUNK, chunks, pause
from openqualify.server.kit.reads import org_scope, registered
from openqualify.server.kit.tenancy import TENANT_PARAM


async def _raise(session: AsyncSession, event_type: str, data: dict[str, Any]) -> None:
    state = await wants(session, event_type)
    if state is not None:
        await stage(session, state, event_type, [data])


def _changes(entity: Any, names: Mapping[str, str]) -> list[str]:
    """The API names of the entity's attributes changed since it was loaded (not flushed yet)."""
    attrs = inspect(entity).attrs
    changed = {}
    for attribute in names:
        history = attrs[attribute].history
        changed[attribute] = bool(history.added) and list(history.added) != list(history.deleted)
    return changed_fields(changed, names)


# What the course block needs, not the whole course: a Core read on the unit of work's connection (built once;
# the ORM's execution around a statement of three columns cost more than the statement).
_COURSES = cast(Table, Course.__table__)
_COURSE = registered(
    select(_COURSES.c.id, _COURSES.c.name, _COURSES.c.tags).where(
        _COURSES.c.id == bindparam("course_id"), org_scope(_COURSES)
    )
)


COURSES_KEY = "event_hub.courses"


def course_known(session: AsyncSession, course: Any) -> None:
    """A course's `id`, `name` and `tags` the unit of work read anyway: its events' course blocks do not read
    them again."""
    if course is not None and course.id is not None:
        session.info.setdefault(COURSES_KEY, {})[course.id] = course


async def _course(session: AsyncSession, offering: Offering) -> dict[str, Any]:
    known = session.info.get(COURSES_KEY)
    if known is not None and (course := known.get(offering.course_id)) is not None:
        return course_block(course, offering.content_id)
    connection = await session.connection()
    found = await connection.execute(_COURSE, {TENANT_PARAM: offering.org_id, "course_id": offering.course_id})
    return course_block(found.one_or_none(), offering.content_id)


async def _learning(session: AsyncSession, offering: Offering, user: Any) -> dict[str, Any]:
    """Who (the learner), where (the offering) and in which course: the common part of learner events."""
    return {"user": person(user), "offering": offering_block(offering), "course": await _course(session, offering)}


# --- users ----------------------------------------------------------------------------------------------


async def user_created(session: AsyncSession, user: User) -> None:
    await _raise(session, "user.created", {"user": account(user)})


async def users_created(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Accounts opened by a bulk add (their column values), one event each."""
    if rows and (state := await wants(session, "user.created")) is not None:
        await stage(session, state, "user.created", ({"user": account(row)} for row in rows))


async def user_updated(session: AsyncSession, user: User) -> None:
    """Call before the flush: `changed` comes from the entity's history; no change, no event."""
    changed = _changes(user, USER_FIELDS)
    if changed:
        await _raise(session, "user.updated", {"user": account(user), "changed": changed})


async def user_suspended(session: AsyncSession, user: User) -> None:
    """Suspending raises user.suspended; reinstating is an update of `suspended`."""
    if user.suspended:
        await _raise(session, "user.suspended", {"user": account(user)})
    else:
        await _raise(session, "user.updated", {"user": account(user), "changed": ["suspended"]})


async def permission_added(
    session: AsyncSession, user: User, permission: str, course: Course | None = None
) -> None:
    """An organisation permission (builder, manager) or, with `course`, a course one (builder, reviewer)."""
    data: dict[str, Any] = {"user": account(user), "permission": permission}
    if course is not None:
        data["course"] = course_block(course, course.latest_content_id or course.id)
    await _raise(session, "user.permission_added", data)


# --- offerings --------------------------------------------------------------------------------------------


async def offering_created(session: AsyncSession, offering: Offering) -> None:
    if await wants(session, "offering.created") is not None:
        data = {"offering": offering_block(offering, detailed=True), "course": await _course(session, offering)}
        await _raise(session, "offering.created", data)


async def offering_updated(session: AsyncSession, offering: Offering) -> None:
    """Call before the flush (see `user_updated`)."""
    changed = _changes(offering, OFFERING_FIELDS)
    if changed and await wants(session, "offering.updated") is not None:
        data = {
            "offering": offering_block(offering, detailed=True),
            "course": await _course(session, offering),
            "changed": changed,
        }
        await _raise(session, "offering.updated", data)


# --- enrolment --------------------------------------------------------------------------------------------


def _membership(is_facilitator: bool, is_marker: bool, is_readonly: bool) -> dict[str, Any]:
    return {
        "role": role_of(is_facilitator, is_marker),
        "isFacilitator": is_facilitator,
        "isMarker": is_marker,
        "isReadonly": is_readonly,
    }


async def members_added(
    session: AsyncSession,
    offering: Offering,
    members: Sequence[tuple[str, bool, bool, bool]],
    known: Sequence[Mapping[str, Any]] = (),
) -> None:
    """`(user id, isFacilitator, isMarker, isReadonly)` of each new member, in the request's order; `known`: column
    values of some of those users (accounts the request opened), which are not read again."""
    state = await wants(session, "offering.user_added")
    if state is None or not members:
        return
    users: dict[str, Any] = {row["id"]: row for row in known}
    for ids in chunks([m[0] for m in members if m[0] not in users], IN_CHUNK):
        found = await session.execute(select(User).where(User.id.in_(ids)))
        users.update((u.id, u) for u in found.scalars())
        await pause()
    common = {"offering": offering_block(offering), "course": await _course(session, offering)}
    items = (
        {"user": person(users[user_id]), **common, **_membership(fac, marker, readonly)}
        for user_id, fac, marker, readonly in members
    )
    await stage(session, state, "offering.user_added", items)


async def member_removed(session: AsyncSession, offering: Offering, user: User, membership: Membership) -> None:
    if await wants(session, "offering.user_removed") is not None:
        data = {**await _learning(session, offering, user), "role": role_of(membership.is_facilitator,
                                                                            membership.is_marker)}
        await _raise(session, "offering.user_removed", data)


async def member_transferred(
    session: AsyncSession, user: User, membership: Membership, source: Offering, target: Offering
) -> None:
    if await wants(session, "offering.user_transferred") is not None:
        data = {
            **await _learning(session, target, user),
            "fromOffering": offering_block(source),
            "role": role_of(membership.is_facilitator, membership.is_marker),
        }
        await _raise(session, "offering.user_transferred", data)


# --- content ----------------------------------------------------------------------------------------------


async def page_viewed(session: AsyncSession, offering: Offering, user: User, page: CoursePage, tasks_done: int) -> None:
    if await wants(session, "page.viewed") is not None:
        data = {**await _learning(session, offering, user), "page": page_block(page), "tasksDone": tasks_done}
        await _raise(session, "page.viewed", data)


async def unit_reacted(session: AsyncSession, offering: Offering, user: User, page: CoursePage, reaction: str) -> None:
    if await wants(session, "unit.reacted") is not None:
        data = {**await _learning(session, offering, user), "page": page_block(page), "reaction": reaction}
        await _raise(session, "unit.reacted", data)


async def badge_awarded(
    session: AsyncSession, offering: Offering, user: User, award: BadgeAward, badge_url: str
) -> None:
    if await wants(session, "badge.awarded") is not None:
        badge = await session.get(OfferingBadge, offering.id)
        data = {
            **await _learning(session, offering, user),
            "badge": {
                "id": award.id,
                "title": badge.title if badge is not None else None,
                "awardedAt": when(award.awarded_at),
                "badgeUrl": badge_url,
            },
        }
        await _raise(session, "badge.awarded", data)


async def learners_completed(session: AsyncSession, offering: Offering, user_ids: Sequence[str]) -> None:
    """Learners whose completion of the offering just reached 100 %."""
    state = await wants(session, "learner.completed")
    if state is None or not user_ids:
        return
    users = (await session.execute(select(User).where(User.id.in_(list(user_ids))))).scalars()
    common = {"offering": offering_block(offering), "course": await _course(session, offering)}
    await stage(
        session, state, "learner.completed", ({"user": person(u), **common, "completion": 100} for u in users)
    )


# --- assessment -------------------------------------------------------------------------------------------


async def assessment_submitted(
    session: AsyncSession, offering: Offering, assessment: Assessment, user: User, submission: Submission
) -> None:
    if await wants(session, "assessment.submitted") is not None:
        data = {
            **await _learning(session, offering, user),
            "assessment": assessment_block(assessment),
            "submission": {"id": submission.id, "submittedAt": when(submission.submitted_at)},
        }
        await _raise(session, "assessment.submitted", data)


async def assessment_marked(session: AsyncSession, mark: Mark, marker: User) -> None:
    """A new mark, or a mark given again (with new feedback)."""
    if await wants(session, "assessment.marked") is not None:
        submission = await session.get(Submission, mark.submission_id)
        assert submission is not None
        offering = await session.get(Offering, submission.offering_id)
        assessment = await session.get(Assessment, submission.assessment_id)
        learner = await session.get(User, submission.user_id)
        assert offering is not None and assessment is not None and learner is not None
        data = {
            **await _learning(session, offering, learner),
            "assessment": assessment_block(assessment),
            "submission": {"id": submission.id},
            "mark": {"id": mark.id, "mark": mark.mark, "feedback": mark.feedback},
            "marker": {"email": marker.email, "firstName": marker.first_name, "lastName": marker.last_name},
        }
        await _raise(session, "assessment.marked", data)


async def assessment_reset(
    session: AsyncSession, offering: Offering, assessment: Assessment, user: User, submission: Submission
) -> None:
    if await wants(session, "assessment.reset") is not None:
        data = {
            **await _learning(session, offering, user),
            "assessment": assessment_block(assessment),
            "submission": {"id": submission.id},
        }
        await _raise(session, "assessment.reset", data)


async def quiz_attempted(
    session: AsyncSession, offering: Offering, assessment: Assessment, user: User, attempt: QuizAttempt
) -> None:
    if await wants(session, "quiz.attempted") is not None:
        data = {
            **await _learning(session, offering, user),
            "quiz": assessment_block(assessment),
            "attempt": {"id": attempt.id, "mark": attempt.mark, "attemptedAt": when(attempt.attempted_at)},
        }
        await _raise(session, "quiz.attempted", data)


# --- social -----------------------------------------------------------------------------------------------


def _channel(channel: Channel) -> dict[str, Any]:
    return {"id": channel.id, "title": channel.title}


async def post_created(session: AsyncSession, channel: Channel, post: ChannelPost, author: User) -> None:
    if await wants(session, "channel.post_created") is not None:
        offering = await session.get(Offering, channel.offering_id)
        assert offering is not None
        data = {
            **await _learning(session, offering, author),
            "channel": _channel(channel),
            "post": {"id": post.id, "title": post.title, "content": post.content},
        }
        await _raise(session, "channel.post_created", data)


async def comment_created(session: AsyncSession, channel: Channel, comment: ChannelComment, author: User) -> None:
    if await wants(session, "channel.comment_created") is not None:
        offering = await session.get(Offering, channel.offering_id)
        post = await session.get(ChannelPost, comment.post_id)
        assert offering is not None and post is not None
        data = {
            **await _learning(session, offering, author),
            "channel": _channel(channel),
            "post": {"id": post.id, "title": post.title},
            "comment": {"id": comment.id, "content": comment.content, "parentCommentId": comment.parent_comment_id},
        }
        await _raise(session, "channel.comment_created", data)


async def pulse_responded(
    session: AsyncSession, offering: Offering, pulse: Pulse, user: User, response: PulseAnswerRow
) -> None:
    if await wants(session, "pulse.responded") is not None:
        data = {
            **await _learning(session, offering, user),
            "pulse": {"id": pulse.id, "question": pulse.question, "pulseType": pulse.pulse_type, "tags": []},
            "response": {
                "id": response.id,
                "pulseInstanceId": response.run_id,
                "responseTime": when(response.response_time),
                "answer": response.answer,
            },
        }
        await _raise(session, "pulse.responded", data)
