"""Setup shared by the assessment tests: a course with an offering, members, and sandbox assessment data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from tests import factories
from tests.conftest import Api
from tests.factories import insert_member, make_course

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def insert_offering(engine: Engine, api: Api, course: dict[str, Any], **columns: Any) -> str:
    """`tests.factories.insert_offering` around the assessment tests' fixed `NOW`."""
    return factories.insert_offering(engine, api, course, now=NOW, **columns)


@dataclass
class Setup:
    api: Api
    course: dict[str, Any]
    offering_id: str
    learners: list[str]
    facilitator: str
    marker: str


def freeze(api: Api, now: datetime = NOW) -> None:
    assert api.sandbox.put("/clock", json={"now": iso(now)}).status_code == 200


def make_setup(engine: Engine, api: Api, *, learners: int = 3, **offering: Any) -> Setup:
    """A course, one offering of it (started 10 days before NOW), learners, a facilitator and a marker."""
    freeze(api)
    course = make_course(api, "Workplace Safety")
    offering.setdefault("start", NOW - timedelta(days=10))
    offering.setdefault("end", NOW + timedelta(days=80))
    offering_id = insert_offering(engine, api, course, **offering)
    emails = [f"learner{i}@example.com" for i in range(1, learners + 1)]
    for i, email in enumerate(emails, 1):
        insert_member(engine, api, offering_id, email, first_name=f"L{i}", last_name="Learner")
    insert_member(
        engine, api, offering_id, "fac@example.com", first_name="Fay", last_name="Cilitator", facilitator=True
    )
    insert_member(engine, api, offering_id, "coach@example.com", first_name="Cody", last_name="Coach", marker=True)
    return Setup(api, course, offering_id, emails, "fac@example.com", "coach@example.com")


def add_assessment(api: Api, content_id: str, **fields: Any) -> dict[str, Any]:
    body = {"contentId": content_id, "type": "assignment", "title": "Hazard report", **fields}
    response = api.sandbox.post("/assessments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def add_submission(api: Api, offering_id: str, assessment_id: str, email: str, **fields: Any) -> dict[str, Any]:
    response = api.sandbox.post(
        f"/offerings/{offering_id}/assessments/{assessment_id}/submissions", json={"email": email, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def add_mark(api: Api, submission_id: str, marked_by: str, mark: str = "80", **fields: Any) -> dict[str, Any]:
    response = api.sandbox.post(
        f"/submissions/{submission_id}/marks", json={"mark": mark, "markedBy": marked_by, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def add_attempt(api: Api, offering_id: str, quiz_id: str, email: str, mark: str, at: datetime) -> dict[str, Any]:
    response = api.sandbox.post(
        f"/offerings/{offering_id}/assessments/{quiz_id}/attempts",
        json={"email": email, "mark": mark, "attemptedAt": iso(at)},
    )
    assert response.status_code == 201, response.text
    return response.json()
