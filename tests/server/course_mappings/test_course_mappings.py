"""`/course-mappings`: one external course id per offering, many offerings per external id."""

from __future__ import annotations

from typing import Any

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course


def offering(api: Api, course: dict[str, Any], name: str) -> str:
    response = api.post(
        "/offerings", json={"rootContentId": course["rootContentId"], "start": "2030-01-01T00:00:00Z", "name": name}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_put_get_replace_delete(api: Api) -> None:
    course = make_course(api)
    a, b = offering(api, course, "A"), offering(api, course, "B")
    assert api.get("/course-mappings").json() == {}
    assert api.get(f"/course-mappings/{a}").json() == []

    put = api.put(f"/course-mappings/{a}/SKU-1")
    assert put.status_code == 200 and put.json() == ["SKU-1"]
    assert api.put(f"/course-mappings/{a}/SKU-1").json() == ["SKU-1"]  # idempotent
    assert api.put(f"/course-mappings/{b}/SKU-1").json() == ["SKU-1"]
    assert api.get("/course-mappings").json() == {a: "SKU-1", b: "SKU-1"}
    assert api.get("/course-mappings/externalcourse/SKU-1").json() == [a, b]

    assert api.put(f"/course-mappings/{a}/SKU-2").json() == ["SKU-2"]  # replaces
    assert api.get(f"/course-mappings/{a}").json() == ["SKU-2"]
    assert api.get("/course-mappings/externalcourse/SKU-1").json() == [b]
    assert api.get("/course-mappings/externalcourse/SKU-2").json() == [a]

    deleted = api.delete(f"/course-mappings/{a}/SKU-2")
    assert deleted.status_code == 200 and deleted.json() == []
    assert api.get("/course-mappings").json() == {b: "SKU-1"}
    missing = api.get("/course-mappings/externalcourse/SKU-2")
    assert missing.status_code == 404 and error_name(missing) == "ObjectNotFoundError"


def test_not_found_cases(api: Api) -> None:
    course = make_course(api)
    a = offering(api, course, "A")
    api.put(f"/course-mappings/{a}/SKU-1")
    for response in (
        api.get("/course-mappings/nope"),
        api.put("/course-mappings/nope/SKU-1"),
        api.delete("/course-mappings/nope/SKU-1"),
        api.delete(f"/course-mappings/{a}/SKU-9"),  # not this offering's mapping
        api.get("/course-mappings/externalcourse/SKU-9"),
    ):
        assert response.status_code == 404, response.text
        assert error_name(response) == "ObjectNotFoundError"
    assert api.get("/course-mappings/nope").json()["details"] == "The offering nope was not found."
    assert api.get("/course-mappings").json() == {a: "SKU-1"}  # nothing changed


def test_isolation(api: Api, other_api: Api) -> None:
    course = make_course(api)
    a = offering(api, course, "A")
    api.put(f"/course-mappings/{a}/SKU-1")
    assert other_api.get("/course-mappings").json() == {}
    assert other_api.get("/course-mappings/externalcourse/SKU-1").status_code == 404
    assert other_api.get(f"/course-mappings/{a}").status_code == 404
    assert other_api.put(f"/course-mappings/{a}/SKU-2").status_code == 404
    assert other_api.delete(f"/course-mappings/{a}/SKU-1").status_code == 404
    other_offering = offering(other_api, make_course(other_api), "Other")
    other_api.put(f"/course-mappings/{other_offering}/SKU-1")
    assert api.get("/course-mappings/externalcourse/SKU-1").json() == [a]
    assert api.get("/course-mappings").json() == {a: "SKU-1"}
