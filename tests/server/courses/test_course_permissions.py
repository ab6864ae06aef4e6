"""`/courses/{id}/permissions`: collaborators (builders and reviewers) of a course."""

from __future__ import annotations

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course, publish_version


def make_user(api: Api, email: str, *, builder: bool = False, first: str = "Ada", last: str = "Lovelace") -> None:
    response = api.post("/users", json={"email": email, "firstName": first, "lastName": last})
    assert response.status_code == 201, response.text
    if builder:
        assert api.post(f"/users/{email}/permissions/builder").status_code == 200


def test_grant_builder_then_list(api: Api) -> None:
    course = make_course(api)
    root = course["rootContentId"]
    make_user(api, "Ada@Example.com", builder=True)
    response = api.post(f"/courses/{root}/permissions/ada@example.com", json={})
    assert response.status_code == 201, response.text
    assert response.json() == {"contentId": root}
    listed = api.get(f"/courses/{root}/permissions")
    assert listed.status_code == 200
    assert listed.json() == [
        {"email": "Ada@Example.com", "name": "Ada Lovelace", "isBuilder": True, "isReviewer": False}
    ]


def test_permissions_are_per_course_and_seen_from_every_version(api: Api) -> None:
    course = make_course(api)
    other = make_course(api, "Other")
    root = course["rootContentId"]
    v2 = publish_version(api, root)["contentId"]
    make_user(api, "rev@example.com", first="Grace", last="Hopper")
    make_user(api, "ada@example.com", builder=True)
    reviewer = {"isBuilder": False, "isReviewer": True}
    assert api.post(f"/courses/{root}/permissions/rev@example.com", json=reviewer).status_code == 201
    assert api.post(f"/courses/{root}/permissions/ada@example.com", json={"isBuilder": True}).status_code == 201
    listed = api.get(f"/courses/{v2}/permissions").json()
    assert [(p["email"], p["name"], p["isBuilder"], p["isReviewer"]) for p in listed] == [
        ("ada@example.com", "Ada Lovelace", True, False),
        ("rev@example.com", "Grace Hopper", False, True),
    ]
    assert api.get(f"/courses/{other['contentId']}/permissions").json() == []


def test_grant_replaces_previous_permission(api: Api) -> None:
    root = make_course(api)["rootContentId"]
    make_user(api, "ada@example.com", builder=True)
    api.post(f"/courses/{root}/permissions/ada@example.com", json={})
    again = api.post(f"/courses/{root}/permissions/ada@example.com", json={"isBuilder": False, "isReviewer": True})
    assert again.status_code == 201
    assert api.get(f"/courses/{root}/permissions").json() == [
        {"email": "ada@example.com", "name": "Ada Lovelace", "isBuilder": False, "isReviewer": True}
    ]


def test_both_true_is_the_contracts_object_is_not_error(api: Api) -> None:
    root = make_course(api)["rootContentId"]
    make_user(api, "ada@example.com", builder=True)
    response = api.post(f"/courses/{root}/permissions/ada@example.com", json={"isBuilder": True, "isReviewer": True})
    assert response.status_code == 400
    assert response.json() == {
        "name": "ObjectIsNotError",
        "details": "There are multiple permission with value true (isBuilder | isReviewer).",
    }
    assert api.get(f"/courses/{root}/permissions").json() == []


def test_builder_needs_the_organisation_builder_permission(api: Api) -> None:
    root = make_course(api)["rootContentId"]
    make_user(api, "john.doe@test.te")
    response = api.post(f"/courses/{root}/permissions/john.doe@test.te", json={})
    assert response.status_code == 400
    assert response.json() == {"name": "ObjectIsNotError", "details": "The user john.doe@test.te is not a builder."}
    # A reviewer needs no organisation permission.
    reviewer = api.post(f"/courses/{root}/permissions/john.doe@test.te", json={"isBuilder": False, "isReviewer": True})
    assert reviewer.status_code == 201


def test_both_false_is_incompatible(api: Api) -> None:
    root = make_course(api)["rootContentId"]
    make_user(api, "ada@example.com", builder=True)
    response = api.post(f"/courses/{root}/permissions/ada@example.com", json={"isBuilder": False})
    assert response.status_code == 400
    assert error_name(response) == "IncompatibleParametersError"
    assert api.get(f"/courses/{root}/permissions").json() == []


def test_schema_errors(api: Api) -> None:
    root = make_course(api)["rootContentId"]
    make_user(api, "ada@example.com", builder=True)
    for body in ({"isBuilder": "true"}, {"isReviewer": 1}, []):
        response = api.post(f"/courses/{root}/permissions/ada@example.com", json=body)
        assert response.status_code == 400, body
        assert error_name(response) == "SchemaValidationError"
    no_body = api.post(f"/courses/{root}/permissions/ada@example.com")
    assert no_body.status_code == 400
    assert error_name(no_body) == "SchemaValidationError"
    bad_email = api.post(f"/courses/{root}/permissions/not-an-email", json={})
    assert bad_email.status_code == 400
    assert error_name(bad_email) == "SchemaValidationError"
    assert api.get(f"/courses/{root}/permissions").json() == []


def test_unknown_course_or_user_is_404(api: Api, other_api: Api) -> None:
    course = make_course(api)
    root = course["rootContentId"]
    v2 = publish_version(api, root)["contentId"]
    make_user(api, "ada@example.com", builder=True)
    missing_user = api.post(f"/courses/{root}/permissions/nobody@example.com", json={})
    assert missing_user.status_code == 404
    assert missing_user.json()["details"] == "The user nobody@example.com was not found."
    missing_course = api.post("/courses/nope/permissions/ada@example.com", json={})
    assert missing_course.status_code == 404
    assert missing_course.json()["details"] == "The content nope was not found."
    # The grant names the course by its rootContentId; a later version's id is not one.
    assert api.post(f"/courses/{v2}/permissions/ada@example.com", json={}).status_code == 404
    # Another organisation's course.
    make_user(other_api, "ada@example.com", builder=True)
    assert other_api.post(f"/courses/{root}/permissions/ada@example.com", json={}).status_code == 404
    assert api.get(f"/courses/{root}/permissions").json() == []
