"""`/event-hub/settings`, event types and the signing secret: the document, strict input with bounds, merge
patches, SSRF refusal in production, and the answers of a token that is not the organisation's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from openqualify.server.event_hub.catalogue import CATEGORIES, EVENT_TYPES
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.event_hub.schemas import MAX_DEFAULT_ENDPOINTS, MAX_HEADERS
from tests.fixtures.api import Api
from tests.fixtures.event_hub import configure, endpoint, hub

URL = "http://127.0.0.1:9/hook"
MANY_HEADERS = {f"h{i}": "v" for i in range(MAX_HEADERS + 1)}


def _error(response: Any, status: int = 400) -> tuple[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"name", "details"}
    return body["name"], body["details"]


def test_event_types_list_every_type_with_its_category(api: Api) -> None:
    body = hub(api).get("/event-types").json()
    assert body["categories"] == list(CATEGORIES)
    assert [t["type"] for t in body["eventTypes"]] == list(EVENT_TYPES)
    badge = next(t for t in body["eventTypes"] if t["type"] == "badge.awarded")
    assert badge["category"] == "Content" and badge["name"] == "Awarded a badge" and badge["description"]


def test_the_document_before_and_after_saving(api: Api) -> None:
    before = hub(api).get("/settings").json()
    assert before["enabled"] is False and before["defaultEndpoints"] == [] and "signingSecret" not in before
    assert set(before["events"]) == set(EVENT_TYPES)
    assert before["events"]["page.viewed"] == {"enabled": True, "anonymous": False, "endpoints": []}
    saved = configure(
        api,
        defaultEndpoints=[endpoint(URL, headers={"X-Key": "v"})],
        events={"quiz.attempted": {"enabled": True, "anonymous": True, "endpoints": [endpoint(URL, enabled=False)]},
                "page.viewed": {"enabled": False}},
    )
    assert saved["signingSecret"].startswith("whsec_")
    assert saved["defaultEndpoints"] == [{"url": URL, "enabled": True, "headers": {"X-Key": "v"}, "failing": False}]
    assert saved["events"]["quiz.attempted"]["anonymous"] is True
    assert saved["events"]["quiz.attempted"]["endpoints"][0]["enabled"] is False
    assert saved["events"]["page.viewed"] == {"enabled": False, "anonymous": False, "endpoints": []}
    assert saved["events"]["badge.awarded"]["enabled"] is True
    assert hub(api).get("/settings").json() == saved
    # What GET gives can be sent back as it is (read-only fields ignored), and the secret stays.
    again = hub(api).put("/settings", json=saved)
    assert again.status_code == 200 and again.json() == saved


def test_merge_patch(api: Api) -> None:
    configure(api, defaultEndpoints=[endpoint(URL)])
    patched = hub(api).patch("/settings", json={"events": {"user.created": {"anonymous": True}}})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["events"]["user.created"]["anonymous"] is True and body["defaultEndpoints"][0]["url"] == URL
    off = hub(api).patch("/settings", json={"enabled": False, "defaultEndpoints": []}).json()
    assert off["enabled"] is False and off["defaultEndpoints"] == [] and off["events"]["user.created"]["anonymous"]
    assert _error(hub(api).patch("/settings", json={"enabled": "yes"}))[0] == "SchemaValidationError"
    assert _error(hub(api).patch("/settings", json=[1]))[0] == "SchemaValidationError"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({}, "should have required property 'enabled'"),
        ({"enabled": 1}, "enabled should be boolean"),
        ({"enabled": True, "extra": 1}, "additional properties ('extra')"),
        ({"enabled": True, "events": {"nope.nope": {}}}, "'nope.nope'"),
        ({"enabled": True, "defaultEndpoints": [{"url": "ftp://x/y"}]}, "http or https"),
        ({"enabled": True, "defaultEndpoints": [{"url": "not a url"}]}, "http or https"),
        ({"enabled": True, "defaultEndpoints": [{"url": "https://u:p@x.example/"}]}, "credentials"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL}, {"url": URL}]}, "listed twice"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": {"webhook-id": "x"}}]}, "set by the hub"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": {"Host": "x"}}]}, "set by the hub"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": {"a": "1", "A": "2"}}]}, "twice"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": {"bad name": "1"}}]}, "should match pattern"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": {"X": "a\nb"}}]}, "should match pattern"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": {"X": "v" * 1025}}]}, "longer than 1024"),
        ({"enabled": True, "defaultEndpoints": [{"url": "http://x.example/" + "a" * 2048}]}, "longer than 2048"),
        ({"enabled": True, "defaultEndpoints": [{"url": URL, "headers": MANY_HEADERS}]}, "more than 20 items"),
        ({"enabled": True, "defaultEndpoints": [{"url": f"{URL}{i}"} for i in range(MAX_DEFAULT_ENDPOINTS + 1)]},
         "more than 10 items"),
        ({"enabled": True, "events": {"user.created": {"endpoints": [{"url": f"{URL}{i}"} for i in range(11)]}}},
         "more than 10 items"),
    ],
)
def test_bad_documents_answer_400_and_change_nothing(api: Api, document: dict[str, Any], expected: str) -> None:
    name, details = _error(hub(api).put("/settings", json=document))
    assert name == "SchemaValidationError" and expected in details, details
    assert "signingSecret" not in hub(api).get("/settings").json()


def test_the_other_routes_check_their_input(api: Api) -> None:
    assert _error(hub(api).get("/events", params={"after": "x"}))[0] == "SchemaValidationError"
    assert _error(hub(api).get("/events", params={"limit": 0}))[0] == "SchemaValidationError"
    assert _error(hub(api).get("/events", params={"limit": 1001}))[0] == "SchemaValidationError"
    assert _error(hub(api).get("/events", params={"type": "user.nope"}))[0] == "SchemaValidationError"
    assert _error(hub(api).get("/deliveries", params={"status": "lost"}))[0] == "SchemaValidationError"
    assert _error(hub(api).post("/redeliver", json={"status": "failed"}))[0] == "SchemaValidationError"
    assert _error(hub(api).post("/redeliver", json={"since": 5}))[0] == "SchemaValidationError"
    assert _error(hub(api).post("/test", json={"type": "x", "more": 1}))[0] == "SchemaValidationError"
    unknown = hub(api).get("/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["name"] == "RouteNotFoundError"


def test_a_bad_or_missing_token_is_refused(api: Api) -> None:
    for path in ("/settings", "/events", "/deliveries", "/event-types"):
        assert api.http.get(f"/event-hub{path}").status_code == 401
        assert api.http.get(f"/event-hub{path}", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_rotation_creates_the_secret_if_needed_and_keeps_the_previous_for_a_day(api: Api) -> None:
    first = hub(api).post("/signing-secret/rotate").json()
    second = hub(api).post("/signing-secret/rotate").json()
    assert first["signingSecret"] != second["signingSecret"]
    assert "previousSigningSecretExpiresAt" in second
    assert hub(api).get("/settings").json()["signingSecret"] == second["signingSecret"]


@pytest.fixture
def production(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, mode=Mode.PRODUCTION))
    app.state.event_hub_config = HubConfig(event_hub_dispatcher=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://169.254.10.10/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://0.0.0.0/", "not a public address"),
    ],
)
def test_production_refuses_private_addresses(production: TestClient, new_api: Any, url: str, reason: str) -> None:
    org = new_api()
    client = Api(production, org.token, org.org_id, prefix="/event-hub")
    name, details = _error(client.put("/settings", json={"enabled": True, "defaultEndpoints": [endpoint(url)]}))
    assert name == "UnsafeEndpointError" and reason in details and "OPENQUALIFY_EVENT_HUB_ALLOW_PRIVATE" in details
    events = {"user.created": {"endpoints": [endpoint(url)]}}
    assert _error(client.put("/settings", json={"enabled": True, "events": events}))[0] == "UnsafeEndpointError"
    assert _error(client.patch("/settings", json={"defaultEndpoints": [endpoint(url)]}))[0] == "UnsafeEndpointError"


def test_production_allows_private_addresses_when_told(database_url: str, new_api: Any) -> None:
    app = create_app(Settings(database_url=database_url, mode=Mode.PRODUCTION))
    app.state.event_hub_config = HubConfig(event_hub_dispatcher=False, event_hub_allow_private=True)
    org = new_api()
    with TestClient(app) as client:
        answer = Api(client, org.token, org.org_id, prefix="/event-hub").put(
            "/settings", json={"enabled": True, "defaultEndpoints": [endpoint(URL)]}
        )
    assert answer.status_code == 200, answer.text
