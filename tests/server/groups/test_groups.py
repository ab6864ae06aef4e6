"""`/offerings/{offeringId}/groups`: assessment groups and their learners."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member, insert_offering, make_course

PATTERN_DETAILS = '[groupId] {} should match pattern "^[0-9a-fA-F]{{24}}$"'


@pytest.fixture
def offering(api: Api, sync_engine: Engine) -> str:
    offering_id = insert_offering(sync_engine, api, make_course(api))
    for email in ("ann@example.com", "ben@example.com"):
        insert_member(sync_engine, api, offering_id, email)
    insert_member(sync_engine, api, offering_id, "fay@example.com", facilitator=True)
    return offering_id


def _group(api: Api, offering: str, title: str = "Team A") -> dict:
    response = api.post(f"/offerings/{offering}/groups", json={"title": title})
    assert response.status_code == 201, response.text
    return response.json()


def _learners(api: Api, offering: str, group: dict) -> list[str]:
    response = api.get(f"/offerings/{offering}/groups/{group['id']}/learners")
    assert response.status_code == 200, response.text
    return [user["email"] for user in response.json()]


def test_create_and_list(api: Api, offering: str) -> None:
    assert api.get(f"/offerings/{offering}/groups").json() == []
    first = _group(api, offering, "Team A")
    assert re.fullmatch(r"[0-9a-f]{24}", first["id"])
    assert first["title"] == "Team A"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["createdAt"])
    second = _group(api, offering, "Team B")
    assert api.get(f"/offerings/{offering}/groups").json() == [first, second]


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": 3}, {"title": None}])
def test_create_rejects_bad_bodies(api: Api, offering: str, body: dict) -> None:
    response = api.post(f"/offerings/{offering}/groups", json=body)
    assert response.status_code == 400
    assert error_name(response) == "SchemaValidationError"
    assert api.get(f"/offerings/{offering}/groups").json() == []


def test_add_list_remove_learners(api: Api, offering: str) -> None:
    group = _group(api, offering)
    url = f"/offerings/{offering}/groups/{group['id']}/learners"
    added = api.post(url, json={"email": "Ben@Example.com"})
    assert added.status_code == 201
    assert added.json()["email"] == "ben@example.com" and added.json()["id"]
    api.post(url, json={"email": "ann@example.com"})
    assert _learners(api, offering, group) == ["ann@example.com", "ben@example.com"]
    removed = api.delete(f"{url}/ben@example.com")
    assert removed.status_code == 204 and removed.content == b""
    assert _learners(api, offering, group) == ["ann@example.com"]


def test_a_learner_may_be_in_several_groups(api: Api, offering: str) -> None:
    a, b = _group(api, offering, "A"), _group(api, offering, "B")
    for group in (a, b):
        assert (
            api.post(
                f"/offerings/{offering}/groups/{group['id']}/learners", json={"email": "ann@example.com"}
            ).status_code
            == 201
        )
    assert _learners(api, offering, a) == _learners(api, offering, b) == ["ann@example.com"]


def test_add_rules_are_api_validation_errors(api: Api, offering: str) -> None:
    group = _group(api, offering)
    url = f"/offerings/{offering}/groups/{group['id']}/learners"
    api.post(url, json={"email": "ann@example.com"})
    api.post("/users", json={"email": "out@example.com", "firstName": "O", "lastName": "S"})
    cases = [
        ({"email": "ann@example.com"}, f"The user ann@example.com is already in the group {group['id']}."),
        ({"email": "fay@example.com"}, f"The user fay@example.com is not a learner in the offering {offering}."),
        ({"email": "out@example.com"}, f"The user out@example.com is not a learner in the offering {offering}."),
        ({}, "The field 'email' is missing or invalid."),
        ({"email": ""}, "The field 'email' is missing or invalid."),
    ]
    for body, details in cases:
        response = api.post(url, json=body)
        assert response.status_code == 400, body
        assert response.json() == {"name": "ApiValidationError", "details": details}
    assert error_name(api.post(url, json={"email": "not-an-email"})) == "ApiValidationError"
    assert error_name(api.post(url, json={"email": 5})) == "SchemaValidationError"
    assert _learners(api, offering, group) == ["ann@example.com"]


def test_remove_learner_not_in_group(api: Api, offering: str) -> None:
    group = _group(api, offering)
    response = api.delete(f"/offerings/{offering}/groups/{group['id']}/learners/ann@example.com")
    assert response.status_code == 400
    assert error_name(response) == "ApiValidationError"
    missing = api.delete(f"/offerings/{offering}/groups/{group['id']}/learners/nobody@example.com")
    assert missing.status_code == 404
    bad = api.delete(f"/offerings/{offering}/groups/{group['id']}/learners/not-an-email")
    assert error_name(bad) == "SchemaValidationError"


def test_unknown_user_on_add_is_404(api: Api, offering: str) -> None:
    group = _group(api, offering)
    response = api.post(f"/offerings/{offering}/groups/{group['id']}/learners", json={"email": "nobody@example.com"})
    assert response.status_code == 404
    assert response.json()["details"] == "The user nobody@example.com was not found."


def test_group_id_pattern_before_404(api: Api) -> None:
    for method, suffix, kwargs in (
        ("GET", "learners", {}),
        ("POST", "learners", {"json": {"email": "ann@example.com"}}),
        ("DELETE", "learners/ann@example.com", {}),
    ):
        response = api.request(method, f"/offerings/unknown/groups/nothex/{suffix}", **kwargs)
        assert response.status_code == 400, method
        assert response.json() == {"name": "SchemaValidationError", "details": PATTERN_DETAILS.format("nothex")}


def test_unknown_group_and_offering(api: Api, offering: str) -> None:
    missing = "0123456789abcdef01234567"
    response = api.get(f"/offerings/{offering}/groups/{missing}/learners")
    assert response.status_code == 404
    assert response.json()["details"] == f"The group {missing} was not found."
    assert api.get("/offerings/nope/groups").status_code == 404
    assert api.post("/offerings/nope/groups", json={"title": "x"}).status_code == 404


def test_upper_case_group_id_is_accepted(api: Api, offering: str) -> None:
    group = _group(api, offering)
    assert api.get(f"/offerings/{offering}/groups/{group['id'].upper()}/learners").status_code == 200


def test_group_of_another_offering_is_not_found(api: Api, offering: str, sync_engine: Engine) -> None:
    group = _group(api, offering)
    other = insert_offering(sync_engine, api, make_course(api, "Other"))
    assert api.get(f"/offerings/{other}/groups/{group['id']}/learners").status_code == 404


def test_isolation(api: Api, other_api: Api, offering: str) -> None:
    group = _group(api, offering)
    api.post(f"/offerings/{offering}/groups/{group['id']}/learners", json={"email": "ann@example.com"})
    assert other_api.get(f"/offerings/{offering}/groups").status_code == 404
    assert other_api.get(f"/offerings/{offering}/groups/{group['id']}/learners").status_code == 404
    assert other_api.delete(f"/offerings/{offering}/groups/{group['id']}/learners/ann@example.com").status_code == 404
    assert _learners(api, offering, group) == ["ann@example.com"]
