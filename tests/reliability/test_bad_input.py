"""Hostile input answers a named 400/413/414, never a 500, the same on both databases; the server answers a
probe at once afterwards.

The cases once answered 500: a lone surrogate in any JSON string (both databases); NUL in body strings, path
ids, query values and `$filter` (PostgreSQL); strings longer than their columns (PostgreSQL), which SQLite
stored whole.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, error_name
from tests.factories import make_course

NUL = "\u0000"


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    course = make_course(api)
    offering = api.post("/offerings", json={"name": "Hygiene", "contentId": course["contentId"],
                                           "start": "2020-01-01T00:00:00Z"}).json()
    api.post("/users", json={"email": "someone@example.com", "firstName": "S", "lastName": "O"})
    return {"offering": offering["id"], "content": course["contentId"]}


def _expect_400(api: Api, response: Any, fragment: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert error_name(response) == "SchemaValidationError"
    assert fragment in response.json()["details"], response.json()
    assert api.get("/org").status_code == 200  # the server answers at once afterwards


def _raw_json(api: Api, method: str, path: str, raw: bytes) -> Any:
    return api.request(method, path, content=raw, headers={"Content-Type": "application/json"})


# (method, path template, raw JSON body with a lone surrogate in a string)
SURROGATE_BODIES = [
    ("POST", "/users", b'{"email": "s@example.com", "firstName": "\\ud800"}'),
    ("PATCH", "/users/someone@example.com", b'{"lastName": "x\\udfffy"}'),
    ("POST", "/offerings", b'{"name": "\\ud83d", "start": "2020-01-01T00:00:00Z"}'),
    ("PUT", "/offerings/{offering}/metadata/tags", b'{"tags": ["\\udc00"]}'),
    ("POST", "/offerings/{offering}/channels", b'{"title": "\\ud800"}'),
    ("POST", "/offerings/{offering}/groups", b'{"title": "\\ud800"}'),
    ("POST", "/offerings/{offering}/users", b'[{"email": "b@example.com", "firstName": "\\ud800", "lastName": "L"}]'),
]


@pytest.mark.parametrize(("method", "path", "raw"), SURROGATE_BODIES, ids=lambda v: v if isinstance(v, str) else "")
def test_lone_surrogates_in_bodies(api: Api, ids: dict[str, str], method: str, path: str, raw: bytes) -> None:
    _expect_400(api, _raw_json(api, method, path.format(**ids), raw), "surrogate")


NUL_BODIES = [
    ("POST", "/users", {"email": "n@example.com", "firstName": f"a{NUL}b"}, "data.firstName"),
    ("PATCH", "/users/someone@example.com", {"profile": {"displayName": NUL}}, "data.profile.displayName"),
    ("POST", "/offerings", {"name": f"x{NUL}", "start": "2020-01-01T00:00:00Z"}, "data.name"),
    ("PUT", "/offerings/{offering}/metadata/tags", {"tags": ["ok", NUL]}, "data.tags[1]"),
    ("POST", "/offerings/{offering}/channels", {"title": NUL}, "data.title"),
    ("POST", "/offerings/{offering}/users", [{"email": "c@example.com", "firstName": NUL, "lastName": "L"}],
     "data[0].firstName"),
    ("PUT", "/courses/{content}/metadata/topic", {"topic": f"t{NUL}"}, "data.topic"),
]


@pytest.mark.parametrize(("method", "path", "body", "where"), NUL_BODIES, ids=lambda v: v if isinstance(v, str) else "")
def test_nul_in_body_strings(api: Api, ids: dict[str, str], method: str, path: str, body: Any, where: str) -> None:
    response = api.request(method, path.format(**ids), json=body)
    _expect_400(api, response, f"{where} should NOT contain the NUL character")


NUL_PATHS_AND_QUERIES = [
    ("GET", "/offerings/ab%00cd", "[offeringId]"),
    ("GET", "/users/a%00b@example.com", "[userEmail]"),
    ("PUT", "/course-mappings/{offering}/ext%00id", "[externalCourseId]"),
    ("GET", "/offerings/info/na%00me", "[textPattern]"),
    ("GET", "/offerings/summary?$filter=name%20eq%20%27a%00b%27", "[$filter]"),
    ("GET", "/offerings/summary?$top=1%00", "[$top]"),
    ("GET", "/users/all/progress?$filter=email%20eq%20%27%00%27", "[$filter]"),
    ("GET", "/offerings/{offering}/users?learners=tr%00ue", "[learners]"),
    ("GET", "/offerings/{offering}/analytics/pulses/responses?responseTime=gte__2020%00", "[responseTime]"),
]


@pytest.mark.parametrize(("method", "path", "where"), NUL_PATHS_AND_QUERIES, ids=lambda v: v)
def test_nul_in_paths_and_queries(api: Api, ids: dict[str, str], method: str, path: str, where: str) -> None:
    response = api.request(method, path.format(**ids))
    _expect_400(api, response, f"{where} value should NOT contain the NUL character")


LONGER = "should NOT be longer than"
START = "2020-01-01T00:00:00Z"
OVERLONG = [
    ("POST", "/users", {"email": "l@example.com", "firstName": "x" * 201}, f"data.firstName {LONGER} 200"),
    ("POST", "/users", {"email": "x" * 309 + "@example.com"}, f"data.email {LONGER} 320"),
    ("PATCH", "/users/someone@example.com", {"personId": "p" * 201}, f"data.personId {LONGER} 200"),
    ("POST", "/offerings", {"name": "n" * 301, "start": START}, f"data.name {LONGER} 300"),
    ("PATCH", "/offerings/{offering}", {"identifier": "i" * 201}, f"data.identifier {LONGER} 200"),
    ("PUT", "/offerings/{offering}/metadata/tags", {"tags": ["t" * 201]}, f"data.tags[0] {LONGER} 200"),
    ("PUT", "/offerings/{offering}/metadata/tags", {"tags": ["t"] * 201}, "data.tags should NOT have more than 200"),
    ("PUT", "/offerings/{offering}/metadata/category", {"category": "c" * 201}, f"data.category {LONGER} 200"),
    ("PUT", "/courses/{content}/metadata/level", {"level": "l" * 201}, f"data.level {LONGER} 200"),
    ("PUT", "/course-mappings/{offering}/" + "e" * 501, None, f"[externalCourseId] value {LONGER} 500"),
    ("POST", "/offerings/{offering}/users", [{"email": "d@example.com", "firstName": "f" * 201, "lastName": "L"}],
     f"data[0].firstName {LONGER} 200"),
]


@pytest.mark.parametrize(("method", "path", "body", "detail"), OVERLONG, ids=lambda v: v if isinstance(v, str) else "")
def test_strings_longer_than_their_columns(
    api: Api, ids: dict[str, str], method: str, path: str, body: Any, detail: str
) -> None:
    response = api.request(method, path.format(**ids), json=body)
    _expect_400(api, response, detail)


def test_a_string_that_fits_its_column_is_stored_whole(api: Api) -> None:
    name = "é" * 200  # characters, not bytes: 400 bytes of UTF-8 fit a 200-character column
    response = api.post("/users", json={"email": "fits@example.com", "firstName": name, "lastName": "L"})
    assert response.status_code == 201, response.text
    assert api.get("/users/fits@example.com").json()["firstName"] == name


def test_json_body_without_content_type_names_the_header(api: Api) -> None:
    response = api.request("POST", "/users", content=b'{"email": "ct@example.com"}', headers={"Content-Type": ""})
    _expect_400(api, response, "Content-Type: application/json")
    response = api.request("POST", "/users", content=b'{"email": "ct@example.com"}',
                           headers={"Content-Type": "text/plain"})
    _expect_400(api, response, "Content-Type: application/json")


def test_bulk_items_are_capped(api: Api, ids: dict[str, str]) -> None:
    limit = api.http.app.state.settings.max_bulk_items  # type: ignore[attr-defined]
    items = [{"email": f"cap{n}@example.com"} for n in range(limit + 1)]
    response = api.post(f"/offerings/{ids['offering']}/users", json=items)
    _expect_400(api, response, f"data should NOT have more than {limit} items")
    emails = [f"cap{n}@example.com" for n in range(limit + 1)]
    _expect_400(api, api.post("/offerings/{}/users/someone@example.com/marks".format(ids["offering"]), json=emails),
                f"data should NOT have more than {limit} items")
    assert api.get(f"/offerings/{ids['offering']}/users").json() == []  # nothing was added


def test_overlong_url_is_a_schema_error(api: Api) -> None:
    response = api.get("/offerings/" + "x" * 9_000)
    _expect_400(api, response, "request URL should NOT be longer than 8192 bytes")
