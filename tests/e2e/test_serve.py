"""End to end: the `openqualify serve --demo` process, spoken to over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.live import LiveServer

pytestmark = pytest.mark.e2e


TIMEOUT = httpx.Timeout(60.0)  # generous: CI runs two test workers on two cores


def _client(server: LiveServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url + "/v1", headers={"Authorization": f"Bearer {server.token}"}, timeout=TIMEOUT
    )


def test_demo_organisation_is_served(live_server: LiveServer) -> None:
    with _client(live_server) as client:
        assert client.get("/org").json()["name"] == "Demo Academy"
        courses = client.get("/courses").json()
        assert len(courses) >= 5


def test_writes_are_visible_to_later_reads(live_server: LiveServer) -> None:
    with _client(live_server) as client:
        created = client.post("/users", json={"email": "e2e.user@example.com", "firstName": "E", "lastName": "Two"})
        assert created.status_code == 201, created.text
        assert client.get("/users/e2e.user%40example.com").json()["id"] == created.json()["id"]
        patched = client.patch("/users/e2e.user@example.com", json={"lastName": "Changed"})
        assert patched.json()["lastName"] == "Changed"
        assert client.get("/users/e2e.user@example.com").json()["lastName"] == "Changed"


def test_docs_work_offline(live_server: LiveServer) -> None:
    page = httpx.get(live_server.base_url + "/docs", timeout=TIMEOUT)
    assert page.status_code == 200
    assert "/_static/swagger-ui-bundle.js" in page.text
    assert httpx.get(live_server.base_url + "/_static/swagger-ui-bundle.js", timeout=TIMEOUT).status_code == 200
    assert httpx.get(live_server.base_url + "/openapi.json", timeout=TIMEOUT).json()["info"]["version"]


def test_requests_without_token_are_refused(live_server: LiveServer) -> None:
    response = httpx.get(live_server.base_url + "/v1/offerings", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json()["name"] == "NotAuthorizedError"
