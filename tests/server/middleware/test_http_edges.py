"""The HTTP edges of the API, in process: security headers, `GET /`, empty query values, the 429 wording, the
body's order of checks (issues 18 and 19.11)."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.middleware.empty_query_values import without_empty_values
from openqualify.server.middleware.rate_limit import window_text
from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course


def test_api_answers_are_neither_sniffed_nor_cached(api: Api) -> None:
    for response in (api.get("/org"), api.get("/offerings/nope"), api.http.get("/v1/org"), api.sandbox.get("/clock")):
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["cache-control"] == "no-store", response.url


def test_docs_have_a_content_security_policy_and_cannot_be_framed(api: Api) -> None:
    page = api.http.get("/docs")
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in (
        policy.split("script-src", 1)[1].split(";", 1)[0]
    )
    for script in re.findall(r"<script>(.*?)</script>", page.text, re.S):  # each inline script allowed by its hash
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_home_page_links_the_api_the_docs_and_the_console(api: Api) -> None:
    page = api.http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for link in ('href="/v1/"', 'href="/docs"', 'href="/console"'):
        assert link in page.text
    as_json = api.http.get("/", headers={"Accept": "application/json"})
    assert as_json.json()["links"] == {"api": "/v1", "docs": "/docs", "openapi": "/openapi.json", "console": "/console"}
    assert as_json.json()["mode"] == "sandbox"


def test_empty_query_values_count_as_absent() -> None:
    assert without_empty_values(b"days=&$top=5&learners&x=1&=") == b"$top=5&x=1"
    assert without_empty_values(b"a=1") == b"a=1"


def test_empty_query_values_are_absent_on_every_kind_of_route(api: Api) -> None:
    course = make_course(api)
    offering = api.post("/offerings", json={"name": "Q", "contentId": course["contentId"],
                                            "start": "2020-01-01T00:00:00Z"}).json()["id"]
    for path in (
        f"/offerings/{offering}/learners/pending-submission?days=",  # the community n8n node sends it
        f"/offerings/{offering}/users?learners=&markers=&facilitators=",
        "/offerings/summary?$top=&$filter=&$orderby=",
        "/users/all/progress?$top=&$filter=",
        f"/offerings/{offering}/analytics/pulses/responses?responseTime=",
    ):
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.json() == api.get(path.split("?")[0]).json(), path


def test_bad_token_before_everything_and_unknown_routes_with_it(api: Api) -> None:
    for method, path in (("GET", "/v1/nothing-here"), ("DELETE", "/v1/org"), ("POST", "/_sandbox/courses")):
        response = api.http.request(method, path, headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401 and error_name(response) == "NotAuthorizedError", (method, path)
    assert api.http.get("/health").status_code == 200  # outside the API: no token


def test_rate_limit_message_names_the_window() -> None:
    assert [window_text(s) for s in (60, 3600, 10, 1, 120, 86400, 90)] == [
        "minute", "hour", "10 seconds", "second", "2 minutes", "day", "90 seconds"]  # fmt: skip


def test_links_of_the_api_follow_the_bound_address_not_the_host_header(database_url: str, api: Api) -> None:
    with TestClient(create_app(Settings(database_url=database_url)), base_url="http://127.0.0.1:8123") as client:
        headers = {"Authorization": f"Bearer {api.token}", "Host": "evil.example"}
        body = client.get("/v1/", headers=headers).json()
    assert all(url.startswith("http://127.0.0.1:8123/v1/") for url in body.values())  # the server's address


def test_every_api_answer_has_the_security_headers_once_with_or_without_cors(database_url: str, api: Api) -> None:
    """Without CORS the request-id layer adds them, with CORS a layer inside CORS: the same headers on every kind of
    answer (the app's, the request layer's refusals, a 500), once each; CORS's preflight answer keeps its own."""
    auth = {"Authorization": f"Bearer {api.token}"}
    preflight = {"Origin": "http://app.example", "Access-Control-Request-Method": "GET"}
    for cors in ([], ["http://app.example"]):
        app = create_app(Settings(database_url=database_url, max_body_bytes=2000, max_url_bytes=500,
                                  cors_origins=cors))

        async def fails() -> None:
            raise RuntimeError("a bug")

        app.add_api_route("/v1/test-only/failure", fails)
        with TestClient(app, raise_server_exceptions=False) as client:
            answers = [
                (client.get("/v1/org", headers=auth), 200),
                (client.get("/v1/offerings?q=" + "x" * 600, headers=auth), 400),
                (client.get("/v1/org"), 401),
                (client.get("/v1/no/such/route", headers=auth), 404),
                (client.delete("/v1/org", headers=auth), 405),
                (client.post("/v1/users", headers=auth, json={"email": "x" * 3000}), 413),
                (client.get("/v1/test-only/failure", headers=auth), 500),
                (client.get("/_sandbox/clock", headers=auth), 200),
            ]
            for response, status in answers:
                assert response.status_code == status, (cors, response.url, response.text)
                assert response.headers.get_list("x-content-type-options") == ["nosniff"], (cors, response.url)
                assert response.headers.get_list("cache-control") == ["no-store"], (cors, response.url)
                assert list(response.headers)[-1] == "x-request-id"  # the id last, as it always was
            health = client.get("/health")
            assert "x-content-type-options" not in health.headers and "cache-control" not in health.headers
            if cors:
                answered = client.options("/v1/org", headers=preflight)
                assert answered.status_code == 200 and "x-content-type-options" not in answered.headers


def test_the_url_cap_counts_the_query_without_its_empty_values(database_url: str, api: Api) -> None:
    """The request layer's steps keep their order: empty values are dropped, then the URL is held to its cap."""
    app = create_app(Settings(database_url=database_url, max_url_bytes=200))
    auth = {"Authorization": f"Bearer {api.token}"}
    empty = "&".join(f"blank{n}=" for n in range(40))  # 320 bytes, all of them empty values
    with TestClient(app) as client:
        assert client.get(f"/v1/org?{empty}", headers=auth).status_code == 200
        refused = client.get(f"/v1/org?{empty.replace('=', '=x')}", headers=auth)
        assert (refused.status_code, error_name(refused)) == (400, "SchemaValidationError")
