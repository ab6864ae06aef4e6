"""`/_sandbox/requests`: the organisation's last requests with status, timing and bodies, bounded, never a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from tests.fixtures.api import Api


def test_journal_records_requests_newest_first_without_the_token(api: Api, other_api: Api) -> None:
    api.sandbox.delete("/requests")
    created = api.post("/users", json={"email": "journal@example.com", "firstName": "Jo", "lastName": "Ur"})
    assert created.status_code == 201
    assert api.get("/users/nobody@example.com").status_code == 404
    other_api.get("/org")

    entries = api.sandbox.get("/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/v1/users/nobody@example.com", 404),
        ("POST", "/v1/users", 201),
    ]
    post = entries[1]
    assert post["request"]["body"] == {"email": "journal@example.com", "firstName": "Jo", "lastName": "Ur"}
    assert post["response"]["body"]["email"] == "journal@example.com"
    assert post["durationMs"] >= 0 and post["at"].endswith("Z")
    assert entries[0]["response"]["body"]["name"] == "ObjectNotFoundError"
    assert api.token not in str(entries) and "authorization" not in entries[0]["request"]["headers"]
    # Another organisation's requests are not listed; reading or clearing the journal does not fill it.
    assert all(e["path"] != "/v1/org" for e in entries)
    assert len(api.sandbox.get("/requests", params={"limit": 1}).json()) == 1

    assert api.sandbox.delete("/requests").status_code == 204
    assert api.sandbox.get("/requests").json() == []


@pytest.fixture
def small_journal(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, journal_size=3, journal_body_bytes=16)
    with TestClient(create_app(settings)) as client:
        yield client


def test_journal_is_bounded_in_count_and_body_size(api: Api, small_journal: TestClient) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    for n in range(5):
        small_journal.get(f"/v1/users/n{n}@example.com", headers=headers)
    long_body = {"email": "someone.with.a.long.address@example.com", "firstName": "A", "lastName": "B"}
    small_journal.post("/v1/users", json=long_body, headers=headers)
    entries = small_journal.get("/_sandbox/requests", headers=headers).json()
    assert len(entries) == 3
    newest = entries[0]["request"]
    assert newest["truncated"] is True and newest["bodyBytes"] > 16 and len(newest["body"]) == 16


def test_journal_is_absent_in_production(database_url: str, api: Api) -> None:
    with TestClient(create_app(Settings(database_url=database_url, mode=Mode.PRODUCTION))) as client:
        response = client.get("/_sandbox/requests", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 404
