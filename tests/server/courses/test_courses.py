"""`/courses`: the list, a version's detail, activations and shared metadata."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from openqualify.server.db.models import Offering
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import admin_session
from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member, make_course, publish_version


def insert_offering(
    engine: Engine, api: Api, course: dict[str, Any], *, name: str, start: datetime, end: datetime | None = None,
    identifier: str | None = None,
) -> str:
    """An offering row on `course`'s latest version (the shared factory's id read-back fails after commit)."""
    offering_id = push_id()
    with admin_session(engine) as session:
        session.add(
            Offering(
                id=offering_id, org_id=api.org_id, content_id=course["contentId"], course_id=course["rootContentId"],
                name=name, identifier=identifier, info=identifier or name, start=start, end=end, tags=[],
                created_at=start,
            )
        )
        session.commit()
    return offering_id


def test_list_is_empty_for_a_new_organisation(api: Api) -> None:
    response = api.get("/courses")
    assert response.status_code == 200
    assert response.json() == []


def test_list_has_one_entry_per_course_with_latest_or_draft_id(api: Api) -> None:
    first = make_course(
        api,
        "Workplace Safety",
        coverImageUrl="https://cdn.example.com/safety.jpg",
        learningOutcomes=[{"id": "lo1", "description": "Spot hazards"}, {"description": "Report incidents"}],
        createdAt="2025-01-01T00:00:00Z",
    )
    republished = publish_version(api, first["rootContentId"])
    draft = make_course(api, "Cyber Basics", publish=False, createdAt="2025-02-01T00:00:00Z")
    courses = api.get("/courses").json()
    assert [c["name"] for c in courses] == ["Workplace Safety", "Cyber Basics"]
    safety, cyber = courses
    assert safety["id"] == republished["contentId"] != first["rootContentId"]
    assert safety["coverImageUrl"] == "https://cdn.example.com/safety.jpg"
    assert safety["createdAt"] == "2025-01-01T00:00:00.000Z"
    assert safety["metadata"]["learning_outcomes"] == [
        {"id": "lo1", "description": "Spot hazards"},
        {"id": "lo2", "description": "Report incidents"},
    ]
    assert cyber["id"] == draft["draftId"]
    assert cyber["metadata"] == {"learning_outcomes": []}
    assert "coverImageUrl" not in cyber  # absent, never null


def test_list_is_ordered_by_creation(api: Api) -> None:
    make_course(api, "Later", createdAt="2025-06-01T00:00:00Z")
    make_course(api, "Earlier", createdAt="2024-06-01T00:00:00Z")
    assert [c["name"] for c in api.get("/courses").json()] == ["Earlier", "Later"]


def test_detail_by_any_version_or_draft_id(api: Api) -> None:
    course = make_course(api, "Leadership", category="Management", level="Advanced", topic="People", tags=["lead"])
    root = course["rootContentId"]
    v2 = publish_version(api, root)["contentId"]
    for content_id in (root, v2):
        got = api.get(f"/courses/{content_id}")
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["id"] == content_id
        assert body["name"] == "Leadership"
        assert body["tasksEnabled"] is True
        assert body["metadata"] == {
            "category": "Management",
            "level": "Advanced",
            "tags": ["lead"],
            "topic": "People",
            "rootContentId": root,
            "learning_outcomes": [],
        }
    # Back under construction: the draft id answers too, with the same root.
    draft_id = api.sandbox.post(f"/courses/{root}/draft").json()["draftId"]
    draft = api.get(f"/courses/{draft_id}").json()
    assert draft["id"] == draft_id
    assert draft["metadata"]["rootContentId"] == root


def test_detail_of_a_draft_only_course_and_legacy_course(api: Api) -> None:
    draft = make_course(api, "Unpublished", publish=False, tasksEnabled=False)
    body = api.get(f"/courses/{draft['draftId']}").json()
    assert body["tasksEnabled"] is False
    assert body["metadata"]["rootContentId"] == draft["rootContentId"]
    assert body["metadata"]["tags"] == []


def test_version_keeps_the_name_it_was_published_under(api: Api) -> None:
    course = make_course(api, "Old name")
    v2 = api.sandbox.post(f"/courses/{course['rootContentId']}/versions", json={"name": "New name"}).json()
    assert api.get(f"/courses/{course['rootContentId']}").json()["name"] == "Old name"
    assert api.get(f"/courses/{v2['contentId']}").json()["name"] == "New name"
    assert api.get("/courses").json()[0]["name"] == "New name"


def test_unknown_content_is_404_with_contract_wording(api: Api) -> None:
    for path in ("/courses/badcontentId", "/courses/badcontentId/activations", "/courses/badcontentId/permissions"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"name": "ObjectNotFoundError", "details": "The content badcontentId was not found."}


def test_other_organisations_courses_are_not_found(api: Api, other_api: Api) -> None:
    course = make_course(other_api, "Theirs")
    assert api.get("/courses").json() == []
    for path in ("", "/activations", "/permissions"):
        assert api.get(f"/courses/{course['contentId']}{path}").status_code == 404
    put = api.put(f"/courses/{course['contentId']}/metadata/topic", json={"topic": "Mine"})
    assert put.status_code == 404
    assert "topic" not in other_api.get(f"/courses/{course['contentId']}").json()["metadata"]


# --- metadata -------------------------------------------------------------------------------------------------


def test_metadata_puts_replace_one_field_shared_by_all_versions(api: Api) -> None:
    course = make_course(api, "Data", category="Old", tags=["a", "b"])
    root = course["rootContentId"]
    v2 = publish_version(api, root)["contentId"]
    cases = [
        ("category", "Analytics"),
        ("level", "Beginner"),
        ("topic", "Data literacy"),
        ("tags", ["data", "excel"]),
    ]
    for field, value in cases:
        response = api.put(f"/courses/{v2}/metadata/{field}", json={field: value})
        assert response.status_code == 200, response.text
        assert response.json()["id"] == v2
        assert response.json()["metadata"][field] == value
    metadata = api.get(f"/courses/{root}").json()["metadata"]
    assert metadata["category"] == "Analytics"
    assert metadata["level"] == "Beginner"
    assert metadata["topic"] == "Data literacy"
    assert metadata["tags"] == ["data", "excel"]
    assert api.put(f"/courses/{root}/metadata/tags", json={"tags": []}).json()["metadata"]["tags"] == []


def test_metadata_on_a_draft_id(api: Api) -> None:
    draft = make_course(api, "Draft", publish=False)
    response = api.put(f"/courses/{draft['draftId']}/metadata/level", json={"level": "Expert"})
    assert response.status_code == 200
    assert response.json()["metadata"]["level"] == "Expert"


def test_bad_metadata_bodies_are_schema_errors_and_change_nothing(api: Api) -> None:
    course = make_course(api, "Data", category="Kept", tags=["kept"])
    cid = course["contentId"]
    cases = [
        ("category", {}, "should have required property 'category'"),
        ("category", {"category": 1}, "should be string"),
        ("category", {"category": "x", "other": "y"}, "should NOT have additional properties"),
        ("tags", {"tags": "a"}, "should be array"),
        ("tags", {"tags": ["a", 2]}, "should be string"),
        ("level", {"level": None}, "should be string"),
        ("topic", {"category": "x"}, "should have required property 'topic'"),  # ajv checks `required` first
    ]
    for field, body, details in cases:
        response = api.put(f"/courses/{cid}/metadata/{field}", json=body)
        assert response.status_code == 400, (field, body, response.text)
        assert error_name(response) == "SchemaValidationError"
        assert details in response.json()["details"], (body, response.json())
    no_body = api.put(f"/courses/{cid}/metadata/category")
    assert no_body.status_code == 400
    assert error_name(no_body) == "SchemaValidationError"
    metadata = api.get(f"/courses/{cid}").json()["metadata"]
    assert metadata["category"] == "Kept"
    assert metadata["tags"] == ["kept"]
    assert "level" not in metadata and "topic" not in metadata


def test_metadata_of_unknown_content_is_404(api: Api) -> None:
    response = api.put("/courses/nope/metadata/category", json={"category": "x"})
    assert response.status_code == 404
    assert response.json()["details"] == "The content nope was not found."


# --- activations ----------------------------------------------------------------------------------------------


def test_activations_list_offerings_of_that_exact_version(api: Api, sync_engine: Engine) -> None:
    course = make_course(api, "Safety")
    root = course["rootContentId"]
    now = datetime.now(UTC).replace(microsecond=0)
    old = insert_offering(
        sync_engine, api, course, name="Old class", identifier="SAF-2025-T4", start=now - timedelta(days=90),
        end=now - timedelta(days=30),
    )
    later = insert_offering(sync_engine, api, course, name="Later class", start=now + timedelta(days=10))
    v2 = publish_version(api, root)
    newer = insert_offering(sync_engine, api, v2, name="On version 2", start=now)
    for i in range(3):
        insert_member(sync_engine, api, old, f"learner{i}@example.com")
    insert_member(sync_engine, api, old, "fac@example.com", facilitator=True)
    insert_member(sync_engine, api, old, "coach@example.com", marker=True)

    response = api.get(f"/courses/{root}/activations")
    assert response.status_code == 200
    items = response.json()
    assert [a["id"] for a in items] == [old, later]  # by start; version 2's offering is not here
    first = items[0]
    assert first["name"] == "Old class"
    assert first["info"] == "SAF-2025-T4"
    assert first["learnersCount"] == "3"  # learners only, as a string
    assert first["metadata"] == {"rootContentId": root}
    assert first["start"] == (now - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert items[1]["learnersCount"] == "0"
    assert [a["id"] for a in api.get(f"/courses/{v2['contentId']}/activations").json()] == [newer]


def test_activations_of_a_draft_are_empty(api: Api) -> None:
    draft = make_course(api, "Draft", publish=False)
    response = api.get(f"/courses/{draft['draftId']}/activations")
    assert response.status_code == 200
    assert response.json() == []
