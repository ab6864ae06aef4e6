"""Membership hooks (`assessments.cascade`): removal keeps work, transfer moves it; tested through the public API and
directly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine, func, select

from openqualify.server.assessments import cascade
from openqualify.server.db.engine import make_async_engine, make_sessionmaker
from openqualify.server.db.models import AssessmentDueOverride, User
from openqualify.server.kit.tenancy import admin_session, bind_org
from tests.fixtures.api import Api
from tests.fixtures.assessments import (
    NOW,
    add_assessment,
    add_attempt,
    add_mark,
    add_submission,
    insert_offering,
    iso,
    make_setup,
)
from tests.fixtures.factories import insert_member


def _overrides(engine: Engine, api: Api) -> int:
    with admin_session(engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AssessmentDueOverride)
                .where(AssessmentDueOverride.org_id == api.org_id)
            )
            or 0
        )


def test_removed_member_keeps_work_but_loses_own_due_dates(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(api, s.course["contentId"], dueDate=iso(NOW + timedelta(days=1)))
    quiz = add_assessment(api, s.course["contentId"], type="quiz", dueDate=iso(NOW + timedelta(days=1)))
    learner = s.learners[0]
    mine = add_submission(api, s.offering_id, task["id"], learner)
    add_mark(api, mine["id"], s.facilitator)
    add_attempt(api, s.offering_id, quiz["id"], s.learners[0], "50", NOW - timedelta(hours=1))
    assert (
        api.patch(
            f"/offerings/{s.offering_id}/assessments/{quiz['id']}/{s.learners[1]}",
            json={"dueDate": iso(NOW + timedelta(days=2))},
        ).status_code
        == 204
    )
    assert api.delete(f"/offerings/{s.offering_id}/users/{s.learners[1]}").status_code == 204
    assert _overrides(sync_engine, api) == 0
    assert api.delete(f"/offerings/{s.offering_id}/users/{learner}").status_code == 204
    # Analytics still show the ex-member's work; pending-submission lists current learners only.
    assert [r["learnerEmail"] for r in api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments").json()] == [
        learner
    ]
    assert len(api.get(f"/offerings/{s.offering_id}/analytics/marks/quizzes").json()) == 1
    pending = api.get(f"/offerings/{s.offering_id}/learners/pending-submission").json()
    assert all(u["email"] == s.learners[2] for a in pending for u in a["users"])


def test_transfer_moves_work(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    target = insert_offering(sync_engine, api, s.course, name="Target")
    task = add_assessment(api, s.course["contentId"], type="open-response")
    quiz = add_assessment(api, s.course["contentId"], type="quiz", dueDate=iso(NOW + timedelta(days=5)))
    activity = api.sandbox.post("/activities", json={"contentId": s.course["contentId"], "title": "A"}).json()
    learner = s.learners[0]
    submission = add_submission(api, s.offering_id, task["id"], learner, html="moved")
    add_mark(api, submission["id"], s.facilitator, "90")
    add_attempt(api, s.offering_id, quiz["id"], learner, "80", NOW - timedelta(hours=2))
    api.sandbox.post(
        f"/offerings/{s.offering_id}/activities/{activity['activityId']}/attempts",
        json={"email": learner, "responseText": "hello"},
    )
    api.patch(
        f"/offerings/{s.offering_id}/assessments/{quiz['id']}/{learner}", json={"dueDate": iso(NOW + timedelta(days=7))}
    )
    response = api.patch(f"/users/{learner}/transfer", json={"fromOfferingId": s.offering_id, "toOfferingId": target})
    assert response.status_code == 200, response.text

    base = f"/offerings/{target}"
    (moved,) = api.get(f"{base}/users/{learner}/submissions/open-response").json()
    assert moved["status"] == "marked"
    assert moved["marks"][0]["mark"] == "90"
    assert api.get(f"{base}/analytics/marks/quizzes").json()[0]["learnerEmail"] == learner
    assert api.get(f"{base}/analytics/activities/responses").json()[0]["offeringId"] == target
    for op in ("analytics/marks/quizzes", "analytics/activities/responses", "analytics/submissions/assignments"):
        assert api.get(f"/offerings/{s.offering_id}/{op}").json() == [], op
    assert api.get(f"/offerings/{s.offering_id}/users/{learner}/submissions/open-response").json() == []
    assert _overrides(sync_engine, api) == 1  # the learner's own quiz due date moved along


def test_transfer_replaces_stale_work_in_target(database_url: str, sync_engine: Engine, api: Api) -> None:
    """Work left in the target by an earlier membership gives way to the work the learner brings."""
    s = make_setup(sync_engine, api)
    target = insert_offering(sync_engine, api, s.course, name="Target")
    task = add_assessment(api, s.course["contentId"], type="open-response")
    learner = s.learners[0]
    add_submission(api, s.offering_id, task["id"], learner, html="new")
    insert_member(sync_engine, api, target, learner)
    stale = add_submission(api, target, task["id"], learner, html="old")
    add_mark(api, stale["id"], s.facilitator, "10")
    with admin_session(sync_engine) as session:
        user_id = session.execute(
            select(User.id).where(User.org_id == api.org_id, User.email_key == learner)
        ).scalar_one()

    async def main() -> None:
        engine = make_async_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                bind_org(session.sync_session, api.org_id)
                await cascade.on_learner_transferred(session, user_id, s.offering_id, target)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())
    rows = api.get(f"/offerings/{target}/analytics/submissions/open-response/{task['id']}").json()
    assert [(r["html"], r["marks"]) for r in rows] == [("new", [])]
    assert api.get(f"/offerings/{s.offering_id}/analytics/submissions/open-response/{task['id']}").json() == []
