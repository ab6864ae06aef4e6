"""The sandbox's data operations: demo on demand, reset, export and import, learner start dates."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member, insert_offering, make_course


def _state(api: Api) -> dict[str, object]:
    """A fingerprint of the organisation seen through the public API."""
    offerings = api.get("/offerings").json()
    first = offerings[0]["id"]
    return {
        "offerings": sorted(o["id"] for o in offerings),
        "courses": sorted(c["id"] for c in api.get("/courses").json()),
        "members": sorted(u["email"] for u in api.get(f"/offerings/{first}/users").json()),
        "channels": api.get(f"/offerings/{first}/channels").json(),
        "mappings": api.get("/course-mappings").json(),
    }


def test_demo_reset_export_import_round_trip(api: Api, other_api: Api) -> None:
    created = api.sandbox.post("/demo")
    assert created.status_code == 201, created.text
    counts = created.json()["tables"]
    assert counts["offerings"] >= 12 and counts["users"] >= 200
    assert error_name(api.sandbox.post("/demo")) == "ObjectExistsError"
    api.sandbox.put("/clock", json={"now": "2031-03-01T00:00:00Z"})
    before = _state(api)

    exported = api.sandbox.get("/export").json()
    assert "api_tokens" not in exported["tables"]
    assert len(exported["tables"]["users"]) == counts["users"]

    reset = api.sandbox.post("/reset").json()["tables"]
    assert reset["offerings"] == counts["offerings"]
    assert api.get("/offerings").json() == []
    assert api.get("/org").status_code == 200  # the token survives a reset
    api.sandbox.put("/clock", json={"now": None})

    imported = api.sandbox.post("/import", json=exported)
    assert imported.status_code == 200, imported.text
    assert imported.json()["tables"] == counts
    assert _state(api) == before
    assert api.sandbox.get("/clock").json()["now"] == "2031-03-01T00:00:00.000Z"
    assert other_api.get("/offerings").json() == []  # nothing leaked into another organisation


def test_import_rejects_unknown_tables_and_changes_nothing(api: Api) -> None:
    make_course(api, "Keep me")
    bad = {"format": "openqualify-export", "version": 1, "tables": {"nope": []}}
    response = api.sandbox.post("/import", json=bad)
    assert error_name(response) == "SchemaValidationError"
    assert [c["name"] for c in api.get("/courses").json()] == ["Keep me"]


def test_learner_start_date(api: Api, sync_engine: Engine) -> None:
    course = make_course(api)
    offering = insert_offering(sync_engine, api, course, use_relative_dates=True)
    insert_member(sync_engine, api, offering, "rel@example.com")
    url = f"/offerings/{offering}/users/rel@example.com/start"
    response = api.sandbox.put(url, json={"start": "2030-02-01T00:00:00Z"})
    assert response.status_code == 200, response.text
    assert response.json()["start"] == "2030-02-01T00:00:00.000Z"
    ghost = api.sandbox.put(f"/offerings/{offering}/users/ghost@example.com/start", json={"start": None})
    assert ghost.status_code == 404


def test_import_of_broken_rows_is_a_named_error(api: Api) -> None:
    make_course(api, "Keep me")
    broken = {"format": "openqualify-export", "version": 1, "tables": {"users": [{"id": "u1", "email": "x@y.z"}]}}
    response = api.sandbox.post("/import", json=broken)
    assert response.status_code == 400
    assert response.json() == {
        "name": "SchemaValidationError",
        "details": "data.tables.users[0] should have required property 'created_at'",
    }
    assert [c["name"] for c in api.get("/courses").json()] == ["Keep me"]


def _planted_document(other_api: Api) -> dict[str, object]:
    """An export of `other_api`'s organisation, with one planted user (a fresh id and e-mail)."""
    make_course(other_api, "Theirs")
    document = other_api.sandbox.get("/export").json()
    document["tables"]["users"] = [
        {"id": "planted-user-0001", "email": "planted@example.com", "email_key": "planted@example.com",
         "first_name": "P", "last_name": "Q", "created_at": "2030-01-01T00:00:00.000Z", "org_id": other_api.org_id}
    ]
    return document


def test_import_writes_the_callers_organisation_whatever_the_rows_say(api: Api, other_api: Api) -> None:
    document = _planted_document(other_api)
    other_api.sandbox.post("/reset")  # their ids are free again: only the org_id column names them
    imported = api.sandbox.post("/import", json=document)
    assert imported.status_code == 200, imported.text
    assert api.get("/users/planted@example.com").status_code == 200
    assert other_api.get("/users/planted@example.com").status_code == 404
    assert other_api.get("/courses").json() == []
    api.sandbox.post("/reset")
    assert api.get("/users/planted@example.com").status_code == 404
    assert other_api.get("/users/planted@example.com").status_code == 404


def test_import_refuses_ids_of_another_organisation(api: Api, other_api: Api) -> None:
    make_course(api, "Keep me")
    document = _planted_document(other_api)  # their course ids are still theirs
    response = api.sandbox.post("/import", json=document)
    assert response.status_code == 400, response.text
    assert error_name(response) == "ObjectExistsError"
    assert "belongs to another organisation" in response.json()["details"]
    assert [c["name"] for c in api.get("/courses").json()] == ["Keep me"]
    assert [c["name"] for c in other_api.get("/courses").json()] == ["Theirs"]


def test_import_refuses_references_into_another_organisation(api: Api, other_api: Api, sync_engine: Engine) -> None:
    """A row pointing at another organisation's row (here a membership of their user in our offering)."""
    course = make_course(api)
    offering = insert_offering(sync_engine, api, course)
    insert_member(sync_engine, api, offering, "ours@example.com")
    other_api.post("/users", json={"email": "theirs@example.com", "firstName": "T", "lastName": "H"})
    document = api.sandbox.get("/export").json()
    their_user = other_api.sandbox.get("/export").json()["tables"]["users"][0]["id"]
    document["tables"]["memberships"][0]["user_id"] = their_user
    response = api.sandbox.post("/import", json=document)
    assert error_name(response) == "SchemaValidationError"
    assert f"'{their_user}' refers to no row of table users" in response.json()["details"]
    assert [u["email"] for u in api.get(f"/offerings/{offering}/users").json()] == ["ours@example.com"]
