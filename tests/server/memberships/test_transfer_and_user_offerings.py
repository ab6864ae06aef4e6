"""`PATCH /users/{userEmail}/transfer` and `/users/{userEmail}/offerings`."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course, publish_version
from tests.fixtures.memberships import add, emails, members, offering, person


def _transfer(api: Api, email: str, **body: object) -> httpx.Response:
    return api.patch(f"/users/{email}/transfer", json=body)


def test_transfer_moves_the_membership(api: Api, sync_engine: Engine) -> None:
    course = make_course(api)
    source, target = offering(api, sync_engine, course), offering(api, sync_engine, course)
    add(api, source, person("coach@example.com", isMarker=True), person("ada@example.com", isReadonly=True))
    add(api, target, person("other@example.com"))
    api.post(f"/offerings/{source}/users/coach@example.com/marks", json=["ada@example.com"])
    before = len(emails(api))
    response = _transfer(api, "Ada@example.com", fromOfferingId=source, toOfferingId=target)
    assert response.status_code == 200
    assert response.content == b""
    assert set(members(api, source)) == {"coach@example.com"}
    moved = members(api, target)["ada@example.com"]
    assert moved["isReadonly"] is True
    assert moved["markedBy"] == []
    assert api.get(f"/offerings/{source}/users/coach@example.com/marks").json() == []
    assert len(emails(api)) == before  # sendInvite absent: nobody is told
    back = _transfer(api, "ada@example.com", fromOfferingId=target, toOfferingId=source, sendInvite=True)
    assert back.status_code == 200
    assert next((e["to"], e["kind"], e["offeringId"]) for e in emails(api)) == ("ada@example.com", "transfer", source)


def test_transfer_errors(api: Api, sync_engine: Engine) -> None:
    course = make_course(api)
    source, target = offering(api, sync_engine, course), offering(api, sync_engine, course)
    newer = offering(api, sync_engine, publish_version(api, course["rootContentId"]))
    add(api, source, person("ada@example.com"), person("both@example.com"))
    add(api, target, {"email": "both@example.com"})
    add(api, newer, person("x@example.com"))

    same = _transfer(api, "ada@example.com", fromOfferingId=source, toOfferingId=source)
    assert same.json() == {
        "name": "InvalidSourceAndTargetError", "details": "Source and target offerings cannot be the same."
    }
    content = _transfer(api, "ada@example.com", fromOfferingId=source, toOfferingId=newer)
    assert content.json() == {
        "name": "ContentDoNotMatchError",
        "details": "contentId needs to be the same in order to perform the requested operation.",
    }
    exists = _transfer(api, "both@example.com", fromOfferingId=source, toOfferingId=target)
    assert exists.status_code == 400
    assert error_name(exists) == "ObjectExistsError"
    missing = api.patch("/users/ada@example.com/transfer", json={"toOfferingId": target})
    assert missing.status_code == 400
    assert error_name(missing) == "SchemaValidationError"
    assert "should have required property 'fromOfferingId'" in missing.json()["details"]
    wrong_type = _transfer(api, "ada@example.com", fromOfferingId=source, toOfferingId=target, sendInvite="yes")
    assert error_name(wrong_type) == "SchemaValidationError"
    bad_email = _transfer(api, "not-an-email", fromOfferingId=source, toOfferingId=target)
    assert bad_email.status_code == 400
    assert error_name(bad_email) == "SchemaValidationError"
    for email, body in (
        ("ghost@example.com", {"fromOfferingId": source, "toOfferingId": target}),
        ("ada@example.com", {"fromOfferingId": "-Nothing000000000000", "toOfferingId": target}),
        ("ada@example.com", {"fromOfferingId": source, "toOfferingId": "-Nothing000000000000"}),
        ("x@example.com", {"fromOfferingId": source, "toOfferingId": target}),  # not in the source
    ):
        response = _transfer(api, email, **body)
        assert response.status_code == 404, (email, body)
        assert error_name(response) == "ObjectNotFoundError"
    assert set(members(api, source)) == {"ada@example.com", "both@example.com"}
    assert set(members(api, target)) == {"both@example.com"}


def test_transfer_isolation(api: Api, other_api: Api, sync_engine: Engine) -> None:
    course = make_course(api)
    source, target = offering(api, sync_engine, course), offering(api, sync_engine, course)
    add(api, source, person("ada@example.com"))
    add(other_api, offering(other_api, sync_engine), person("ada@example.com"))
    response = _transfer(other_api, "ada@example.com", fromOfferingId=source, toOfferingId=target)
    assert response.status_code == 404
    assert set(members(api, source)) == {"ada@example.com"}


def test_user_offerings_list_and_enrol(api: Api, sync_engine: Engine) -> None:
    course = make_course(api)
    later = offering(api, sync_engine, course, name="Later", days=30)
    earlier = offering(api, sync_engine, course, name="Earlier", days=-30)
    third = offering(api, sync_engine, course, name="Third", days=0)
    add(api, later, person("ada@example.com", isFacilitator=True, sendInvite=False))
    listed = api.get("/users/ADA@example.com/offerings")
    assert listed.status_code == 200
    [only] = listed.json()
    assert only["id"] == later
    assert only["contentId"] == course["contentId"]
    assert only["metadata"]["rootContentId"] == course["rootContentId"]
    assert only["tasksEnabled"] is True
    before = len(emails(api))
    response = api.post("/users/ada@example.com/offerings", json=[third, earlier, later, earlier])
    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == [earlier, third, later]
    assert [o["name"] for o in response.json()] == ["Earlier", "Third", "Later"]
    roles = {oid: members(api, oid)["ada@example.com"] for oid in (earlier, third, later)}
    assert roles[later]["isFacilitator"] is True  # an existing membership is left as it is
    assert roles[earlier]["isFacilitator"] is False and roles[earlier]["isMarker"] is False
    assert len(emails(api)) == before + 2  # one notification per new enrolment


def test_enrol_errors_change_nothing(api: Api, other_api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    assert api.post("/users", json=person("ada@example.com")).status_code == 201
    empty = api.post("/users/ada@example.com/offerings", json=[])
    assert empty.json() == {"name": "MissingInfoError", "details": "The field 'offeringIds' is missing or invalid."}
    unknown = api.post("/users/ada@example.com/offerings", json=[oid, "-Nothing000000000000"])
    assert unknown.status_code == 404
    assert unknown.json() == {
        "name": "ObjectNotFoundError", "details": "The offering -Nothing000000000000 was not found."
    }
    assert api.get("/users/ada@example.com/offerings").json() == []
    for body in ([1], oid, {"ids": [oid]}):
        response = api.post("/users/ada@example.com/offerings", json=body)
        assert response.status_code == 400, body
        assert error_name(response) == "SchemaValidationError"
    assert error_name(api.post("/users/bad/offerings", json=[oid])) == "SchemaValidationError"
    assert api.post("/users/ghost@example.com/offerings", json=[oid]).status_code == 404
    assert api.get("/users/ghost@example.com/offerings").status_code == 404
    assert error_name(api.get("/users/bad/offerings")) == "SchemaValidationError"
    # another organisation's offering is unknown; its user too
    assert other_api.post("/users", json=person("ada@example.com")).status_code == 201
    assert other_api.post("/users/ada@example.com/offerings", json=[oid]).status_code == 404
    assert other_api.get("/users/ada@example.com/offerings").json() == []
    assert api.put("/users/ada@example.com/suspend", json={"suspended": True}).status_code == 204
    suspended = api.post("/users/ada@example.com/offerings", json=[oid])
    assert suspended.json() == {
        "name": "UserSuspendedError", "details": "The user (ada@example.com) has been suspended."
    }
    assert members(api, oid) == {}
