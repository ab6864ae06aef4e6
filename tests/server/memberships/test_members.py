"""`/offerings/{offeringId}/users`: bulk add (201/207/400), listing by role, removal."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.memberships import add, emails, members, offering, person


def test_add_new_users_creates_accounts_and_memberships(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    result = add(
        api,
        oid,
        person("ada@example.com", personId="P-1", metadata={"tags": ["x"]}, profile={"displayName": "Ada"}),
        person("fac@example.com", isFacilitator=True, sendInvite=False),
    )
    first, second = result
    assert first == {
        "email": "ada@example.com", "firstName": "Ada", "lastName": "Tester", "personId": "P-1",
        "metadata": {"tags": ["x"]}, "profile": {"displayName": "Ada"}, "isFacilitator": False, "isMarker": False,
        "isReadonly": False, "sendInvite": True, "sendNotificationEmail": True,
    }
    assert second["isFacilitator"] is True
    assert second["invite"]["url"].startswith("https://")  # created without an e-mail: the caller gets the link
    user = api.get("/users/ada@example.com").json()
    assert user["personId"] == "P-1"
    listed = members(api, oid)
    assert set(listed) == {"ada@example.com", "fac@example.com"}
    ada = listed["ada@example.com"]
    assert ada["id"] == user["id"]
    assert ada["profile"] == {"displayName": "Ada"}
    assert (ada["marks"], ada["markedBy"], ada["evaluates"], ada["evaluatedBy"]) == ([], [], [], [])
    sent = [(e["to"], e["kind"]) for e in emails(api)]
    assert ("ada@example.com", "invite") in sent
    assert not [e for e in sent if e[0] == "fac@example.com"]


def test_existing_user_gets_notification_unless_disabled(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    for email in ("old@example.com", "quiet@example.com"):
        assert api.post("/users", json=person(email, sendInvite=False)).status_code == 201
    add(api, oid, {"email": "OLD@example.com"}, {"email": "quiet@example.com", "sendNotificationEmail": False})
    sent = [(e["to"], e["kind"], e["offeringId"]) for e in emails(api)]
    assert sent == [("old@example.com", "offering-notification", oid)]
    assert set(members(api, oid)) == {"old@example.com", "quiet@example.com"}  # stored spelling


def test_mixed_results_are_207_in_request_order(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(api, oid, person("member@example.com"))
    assert api.post("/users", json=person("sus@example.com")).status_code == 201
    assert api.put("/users/sus@example.com/suspend", json={"suspended": True}).status_code == 204
    response = api.post(
        f"/offerings/{oid}/users",
        json=[
            person("new@example.com"),
            {"email": "Member@example.com"},
            {"email": "sus@example.com"},
            {"email": "nameless@example.com"},
            {"email": "not-an-email"},
            {"email": "x@example.com", "unknown": 1},
            {"email": "y@example.com", "isMarker": "true"},
            5,
            person("twice@example.com"),
            person("TWICE@example.com"),
            person("okay@example.com", isMarker=True),
        ],
    )
    assert response.status_code == 207, response.text
    body = response.json()
    assert [item.get("name") for item in body] == [
        None, "ObjectExistsError", "UserSuspendedError", "MissingInfoError", "SchemaValidationError",
        "SchemaValidationError", "SchemaValidationError", "SchemaValidationError", None, "ObjectExistsError", None,
    ]
    assert body[1] == {
        "name": "ObjectExistsError",
        "details": f"The user member@example.com is already in the offering {oid}.",
        "email": "Member@example.com",
    }
    assert body[2]["details"] == "The user (sus@example.com) has been suspended."
    assert body[3]["details"] == "The field 'firstName' is missing or invalid."
    assert 'should match format "email"' in body[4]["details"]
    assert "additional properties" in body[5]["details"]
    assert "should be boolean" in body[6]["details"]
    assert "email" not in body[7]
    assert body[9]["email"] == "TWICE@example.com"
    assert set(members(api, oid)) == {
        "member@example.com", "new@example.com", "twice@example.com", "okay@example.com"
    }
    assert api.get("/users/nameless@example.com").status_code == 404


def test_all_failed_is_400_with_first_error_and_changes_nothing(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(api, oid, person("member@example.com"))
    before = emails(api)
    response = api.post(
        f"/offerings/{oid}/users", json=[{"email": "member@example.com"}, {"email": "nameless@example.com"}]
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": "ObjectExistsError",
        "details": f"The user member@example.com is already in the offering {oid}.",
    }
    single = api.post(f"/offerings/{oid}/users", json=[{"email": "bad"}])
    assert single.status_code == 400
    assert error_name(single) == "SchemaValidationError"
    missing_last = api.post(f"/offerings/{oid}/users", json=[{"email": "n@example.com", "firstName": "N"}])
    assert missing_last.json() == {"name": "MissingInfoError", "details": "The field 'lastName' is missing or invalid."}
    assert set(members(api, oid)) == {"member@example.com"}
    assert api.get("/users/nameless@example.com").status_code == 404
    assert emails(api) == before


def test_bad_request_bodies(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    for body in ({"email": "a@example.com"}, [], "x"):
        response = api.post(f"/offerings/{oid}/users", json=body)
        assert response.status_code == 400, body
        assert error_name(response) == "SchemaValidationError"
    assert members(api, oid) == {}


def test_unknown_offering_and_isolation(api: Api, other_api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(api, oid, person("ada@example.com"))
    for client, target in ((api, "-Nothing000000000000"), (other_api, oid)):
        assert client.get(f"/offerings/{target}/users").status_code == 404
        post = client.post(f"/offerings/{target}/users", json=[person("bob@example.com")])
        assert post.status_code == 404
        assert post.json() == {"name": "ObjectNotFoundError", "details": f"The offering {target} was not found."}
        assert client.delete(f"/offerings/{target}/users/ada@example.com").status_code == 404
    assert other_api.get("/users/bob@example.com").status_code == 404
    assert set(members(api, oid)) == {"ada@example.com"}


def test_list_filters_by_role(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(
        api,
        oid,
        person("learner@example.com", isReadonly=True),
        person("fac@example.com", isFacilitator=True),
        person("marker@example.com", isMarker=True),
        person("both@example.com", isFacilitator=True, isMarker=True),
    )
    everyone = members(api, oid)
    assert list(everyone) == sorted(everyone)
    assert everyone["learner@example.com"]["isReadonly"] is True
    assert set(members(api, oid, facilitators="false", markers="false")) == {"learner@example.com"}
    assert set(members(api, oid, learners="false", markers="false")) == {"fac@example.com", "both@example.com"}
    assert set(members(api, oid, learners="false", facilitators="false")) == {
        "marker@example.com", "both@example.com"
    }
    assert members(api, oid, learners="false", facilitators="false", markers="false") == {}
    bad = api.get(f"/offerings/{oid}/users", params={"learners": "yes"})
    assert bad.status_code == 400
    assert bad.json() == {
        "name": "SchemaValidationError",
        "details": "[learners] yes should be equal to one of the allowed values true, false",
    }


def test_list_shows_marker_links(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(api, oid, person("m@example.com", isMarker=True), person("a@example.com"), person("b@example.com"))
    assert api.post(f"/offerings/{oid}/users/m@example.com/marks", json=["b@example.com", "a@example.com"]).is_success
    listed = members(api, oid)
    assert listed["m@example.com"]["marks"] == ["a@example.com", "b@example.com"]
    assert listed["a@example.com"]["markedBy"] == ["m@example.com"]
    assert listed["m@example.com"]["markedBy"] == []


def test_remove_member_and_cascade(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(api, oid, person("m@example.com", isMarker=True), person("a@example.com"))
    add(api, oid, person("f@example.com", isFacilitator=True))
    assert api.post(f"/offerings/{oid}/users/m@example.com/marks", json=["a@example.com"]).status_code == 200
    assert api.delete(f"/offerings/{oid}/users/A@example.com").status_code == 204
    listed = members(api, oid)
    assert set(listed) == {"m@example.com", "f@example.com"}
    assert listed["m@example.com"]["marks"] == []
    assert api.get(f"/offerings/{oid}/users/m@example.com/marks").json() == []
    assert api.get("/users/a@example.com").status_code == 200  # the account stays
    assert api.delete(f"/offerings/{oid}/users/f@example.com").status_code == 204
    again = api.delete(f"/offerings/{oid}/users/a@example.com")
    assert again.status_code == 404
    assert error_name(again) == "ObjectNotFoundError"
    bad = api.delete(f"/offerings/{oid}/users/not-an-email")
    assert bad.status_code == 400
    assert error_name(bad) == "SchemaValidationError"
    # a removed member can be added back
    add(api, oid, {"email": "a@example.com"})
    assert set(members(api, oid)) == {"m@example.com", "a@example.com"}


def test_remove_marker_drops_links(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    add(api, oid, person("m@example.com", isMarker=True), person("a@example.com"))
    assert api.post(f"/offerings/{oid}/users/m@example.com/marks", json=["a@example.com"]).status_code == 200
    assert api.delete(f"/offerings/{oid}/users/m@example.com").status_code == 204
    assert members(api, oid)["a@example.com"]["markedBy"] == []


def test_thousand_users_in_one_request(api: Api, sync_engine: Engine) -> None:
    oid = offering(api, sync_engine)
    people = [person(f"user{i:04d}@example.com", sendInvite=i % 2 == 0) for i in range(1000)]
    response = api.post(f"/offerings/{oid}/users", json=people)
    assert response.status_code == 201, response.text[:500]
    body = response.json()
    assert len(body) == 1000
    assert [item["email"] for item in body] == [p["email"] for p in people]
    assert sum(1 for item in body if "invite" in item) == 500
    assert len(members(api, oid)) == 1000
    again = api.post(f"/offerings/{oid}/users", json=[*people[:10], person("extra@example.com")])
    assert again.status_code == 207
    assert len(members(api, oid)) == 1001
