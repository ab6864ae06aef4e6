"""Hostile input answers a named 400/413/414, never a 500, the same on both databases; the server answers a
probe at once afterwards.

The cases once answered 500: a lone surrogate in any JSON string (both databases); NUL in body strings, path
ids, query values and `$filter` (PostgreSQL); strings longer than their columns (PostgreSQL), which SQLite
stored whole.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course

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


# Issue 19.1: no body may cost a worker more than a small multiple of its size. Every route that takes a body gets
# an object of 20,000 keys (before: one error object per extra key, a gigabyte for a million) and, where it takes a
# list, 10,000 wrong items; the answer is the first error, and the memory the request allocates stays small.

def _body_routes(api: Api) -> list[Any]:
    from fastapi.routing import APIRoute

    app = api.http.app  # type: ignore[attr-defined]
    return [
        route for route in app.routes
        if isinstance(route, APIRoute) and route.dependant.body_params and route.path.startswith(("/v1", "/_sandbox"))
    ]


PATH_VALUES = {"userEmail": "someone@example.com", "markerEmail": "someone@example.com", "groupId": "0" * 24}


def _concrete(path: str, ids: dict[str, str]) -> str:
    import re

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        return ids["content"] if "content" in name.lower() else ids["offering"]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _is_list_body(route: Any) -> bool:
    from typing import get_args, get_origin

    annotation = route.dependant.body_params[0].field_info.annotation
    return get_origin(annotation) is list or any(get_origin(arg) is list for arg in get_args(annotation))


def test_every_body_route_refuses_huge_objects_cheaply(api: Api, ids: dict[str, str]) -> None:
    import tracemalloc

    routes = _body_routes(api)
    assert len(routes) > 30, "the route walk found the API's body routes"
    hostile = orjson_dumps({f"k{n}": n for n in range(20_000)})
    for route in routes:
        for method in route.methods:
            path = _concrete(route.path, ids)
            body = b"[" + hostile + b"]" if _is_list_body(route) else hostile
            tracemalloc.start()
            try:
                response = api.http.request(method, path, content=body, headers={
                    "Authorization": f"Bearer {api.token}", "Content-Type": "application/json"})
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert response.status_code == 400, (method, path, response.text)
            assert "should NOT have more than 1000 properties" in response.json()["details"], (method, path)
            assert peak < 40 * len(body), (method, path, peak)  # the body is ~260 KB: a few MB at most


def test_every_body_route_reports_only_the_first_error(api: Api, ids: dict[str, str]) -> None:
    """Within the bounds (999 unknown keys, 10,000 wrong items), validation stops at its first error: each route's
    body field validates through `FirstErrorAdapter`, and one such body allocates a small, fixed amount."""
    import tracemalloc

    from openqualify.server.kit.routing import FirstErrorAdapter

    extra = orjson_dumps({f"unknown{n}": n for n in range(999)})
    wrong_items = orjson_dumps([n for n in range(10_000)])
    for route in _body_routes(api):
        assert all(isinstance(field._type_adapter, FirstErrorAdapter) for field in route.dependant.body_params)
        for method in route.methods:
            path = _concrete(route.path, ids)
            body = wrong_items if _is_list_body(route) else extra
            tracemalloc.start()
            try:
                response = api.http.request(method, path, content=body, headers={
                    "Authorization": f"Bearer {api.token}", "Content-Type": "application/json"})
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert response.status_code in (200, 201, 204, 207, 400, 404), (method, path, response.text)
            assert peak < 8 * 1024 * 1024, (method, path, peak)  # bulk add keeps one outcome per item (M2)


def orjson_dumps(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value)


def test_bounds_on_a_body_structure(api: Api, ids: dict[str, str]) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    cases = [
        ("POST", "/users", {"email": "d@example.com", "profile": deep}, "should NOT be nested deeper than 32 levels"),
        ("PUT", f"/offerings/{ids['offering']}/metadata/tags", {"tags": ["t"] * 10_001},
         "data.tags should NOT have more than 10000 items"),
        ("POST", "/users", {"email": "s@example.com", "firstName": "x" * 1_000_001},
         "data.firstName should NOT be longer than 1000000 characters"),
        ("POST", f"/offerings/{ids['offering']}/users", [{"email": f"v{n}@example.com", "metadata": {"tags": [1] * 30}}
                                                          for n in range(8_000)],
         "request body should NOT have more than 200000 values"),
    ]
    for method, path, body, detail in cases:
        _expect_400(api, api.request(method, path, json=body), detail)


def test_bad_token_is_refused_before_the_body_is_read(api: Api) -> None:
    """Decision 8, issue 19.9: malformed JSON or a bound passed, with a bad token, is a 401."""
    for body in (b'{"email": ', b"{" + b",".join(b'"k%d":1' % n for n in range(5_000)) + b"}"):
        response = api.http.post("/v1/users", content=body, headers={
            "Authorization": "Bearer not-a-token", "Content-Type": "application/json"})
        assert response.status_code == 401, response.text
        assert error_name(response) == "NotAuthorizedError"
