"""The sandbox's data operations: demo on demand, reset, export and import, learner start dates."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.conftest import Api, error_name
from tests.factories import insert_member, insert_offering, make_course


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
    assert error_name(response) == "ApiValidationError"
    assert [c["name"] for c in api.get("/courses").json()] == ["Keep me"]
