"""`/users`: accounts, invitations, suspension, organisation permissions."""

from __future__ import annotations

from tests.fixtures.api import Api, error_name


def make_user(api: Api, email: str = "ada@example.com", **fields: object) -> dict:
    body = {"email": email, "firstName": "Ada", "lastName": "Lovelace", **fields}
    response = api.post("/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_then_read(api: Api) -> None:
    created = make_user(api, personId="P-1", metadata={"tags": ["a", "b"]}, profile={"displayName": "Ada L"})
    assert created["email"] == "ada@example.com"
    assert "invite" not in created  # sendInvite defaults to true: the e-mail carries the link
    got = api.get("/users/ada@example.com").json()
    assert got["id"] == created["id"]
    assert got["personId"] == "P-1"
    assert got["metadata"] == {"tags": ["a", "b"]}
    assert got["profile"]["displayName"] == "Ada L"
    assert "firstAccessAt" not in got  # never logged in: absent, not null


def test_invite_url_only_when_not_sent(api: Api) -> None:
    created = make_user(api, sendInvite=False)
    assert created["invite"]["url"].startswith("https://")


def test_email_is_case_insensitive_key(api: Api) -> None:
    make_user(api, "Grace.Hopper@Example.com")
    got = api.get("/users/grace.hopper@example.COM")
    assert got.status_code == 200
    assert got.json()["email"] == "Grace.Hopper@Example.com"
    again = api.post("/users", json={"email": "GRACE.HOPPER@example.com"})
    assert again.status_code == 400
    assert error_name(again) == "ObjectExistsError"


def test_bad_bodies_are_schema_errors(api: Api) -> None:
    cases = [
        {"firstName": "No email"},
        {"email": "not-an-email"},
        {"email": "x@example.com", "unknown": 1},
        {"email": "x@example.com", "firstName": ""},
        {"email": "x@example.com", "firstName": 5},
        {"email": "x@example.com", "sendInvite": "yes"},
        {"email": "x@example.com", "metadata": {"tags": "a"}},
        {"email": "x@example.com", "metadata": {"other": []}},
    ]
    for body in cases:
        response = api.post("/users", json=body)
        assert response.status_code == 400, (body, response.text)
        assert error_name(response) == "SchemaValidationError", body
    assert api.get("/users/x@example.com").status_code == 404  # nothing was created


def test_malformed_json_is_schema_error(api: Api) -> None:
    response = api.post("/users", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_name(response) == "SchemaValidationError"


def test_path_email_is_validated_before_lookup(api: Api) -> None:
    response = api.get("/users/not-an-email")
    assert response.status_code == 400
    assert error_name(response) == "SchemaValidationError"
    assert "email" in response.json()["details"]


def test_unknown_user_is_404(api: Api) -> None:
    response = api.get("/users/nobody@example.com")
    assert response.status_code == 404
    assert response.json() == {"name": "ObjectNotFoundError", "details": "The user nobody@example.com was not found."}


def test_patch_merges_and_can_change_email(api: Api) -> None:
    make_user(api, personId="P-1")
    make_user(api, "taken@example.com")
    response = api.patch("/users/ada@example.com", json={"lastName": "King", "metadata": {"tags": ["x"]}})
    assert response.status_code == 200
    body = response.json()
    assert (body["firstName"], body["lastName"], body["personId"]) == ("Ada", "King", "P-1")
    assert body["metadata"]["tags"] == ["x"]
    clash = api.patch("/users/ada@example.com", json={"email": "TAKEN@example.com"})
    assert error_name(clash) == "ObjectExistsError"
    moved = api.patch("/users/ada@example.com", json={"email": "ada.king@example.com"})
    assert moved.json()["email"] == "ada.king@example.com"
    assert api.get("/users/ada@example.com").status_code == 404
    assert api.get("/users/ada.king@example.com").status_code == 200


def test_patch_without_body_returns_user(api: Api) -> None:
    make_user(api)
    response = api.patch("/users/ada@example.com")
    assert response.status_code == 200
    assert response.json()["firstName"] == "Ada"


def test_suspend_and_reactivate(api: Api) -> None:
    make_user(api)
    assert api.put("/users/ada@example.com/suspend", json={"suspended": True}).status_code == 204
    again = api.put("/users/ada@example.com/suspend", json={"suspended": True})
    assert error_name(again) == "ObjectExistsError"
    recreate = api.post("/users", json={"email": "ada@example.com"})
    assert error_name(recreate) == "UserSuspendedError"
    assert api.post("/users/ada@example.com/invite-email").status_code == 204
    assert api.put("/users/ada@example.com/suspend", json={"suspended": False}).status_code == 204
    missing = api.put("/users/ada@example.com/suspend", json={})
    assert error_name(missing) == "InvalidParameterError"
    wrong_type = api.put("/users/ada@example.com/suspend", json={"suspended": "yes"})
    assert error_name(wrong_type) == "SchemaValidationError"


def test_invite_email_unknown_user(api: Api) -> None:
    assert api.post("/users/ghost@example.com/invite-email").status_code == 404


def test_permissions(api: Api) -> None:
    make_user(api)
    response = api.post("/users/ada@example.com/permissions/manager")
    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"
    again = api.post("/users/ada@example.com/permissions/manager")
    assert again.status_code == 400
    assert again.json() == {"name": "ObjectAlreadyIsError", "details": "The user ada@example.com is already a manager."}
    assert api.post("/users/ada@example.com/permissions/builder").status_code == 200
    bad = api.post("/users/ada@example.com/permissions/admin")
    assert error_name(bad) == "SchemaValidationError"


def test_permission_needs_names(api: Api) -> None:
    api.post("/users", json={"email": "nameless@example.com"})
    response = api.post("/users/nameless@example.com/permissions/builder")
    assert error_name(response) == "MissingInfoError"


def test_organisations_are_isolated(api: Api, other_api: Api) -> None:
    make_user(api, "shared@example.com")
    assert other_api.get("/users/shared@example.com").status_code == 404
    # The same e-mail is free in another organisation.
    assert other_api.post("/users", json={"email": "shared@example.com"}).status_code == 201
    assert other_api.patch("/users/shared@example.com", json={"firstName": "Other"}).status_code == 200
    assert api.get("/users/shared@example.com").json()["firstName"] == "Ada"
