"""`/_sandbox/faults` through the API: rules checked against the contract, status faults that never run the
request, latency, `Prefer`, every/times, seeded reproducibility, isolation, reset, journal and access log."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.fixtures.api import Api

OFFERING_USERS = "/v1/offerings/{offeringId}/users"


def add(api: Api, rule: dict[str, Any]) -> dict[str, Any]:
    response = api.sandbox.post("/faults", json=rule)
    assert response.status_code == 201, response.text
    return dict(response.json())


def raw(api: Api, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request to /v1 without the contract check of `Api.request` (injected 503s are not in the contract)."""
    headers = {"Authorization": f"Bearer {api.token}", **kwargs.pop("headers", {})}
    return api.http.request(method, "/v1" + path, headers=headers, **kwargs)


def test_a_rule_is_listed_with_its_counters_and_deleted(api: Api) -> None:
    rule = add(api, {"match": {"method": "GET", "path": OFFERING_USERS}, "status": 503, "retryAfter": 5,
                     "probability": 0.5, "seed": 7, "times": 10, "every": 3})  # fmt: skip
    assert rule["id"] and rule["createdAt"].endswith("Z") and rule["target"] == "requests"
    assert rule["name"] == "ServerError" and rule["matched"] == 0 and rule["hits"] == 0
    assert rule["match"] == {"method": "GET", "path": OFFERING_USERS}
    second = add(api, {"match": {"path": "*"}, "latencyMs": 1})
    assert second["match"] == {"method": "*", "path": "*"} and "status" not in second
    listed = api.sandbox.get("/faults").json()
    assert [r["id"] for r in listed] == [rule["id"], second["id"]]
    assert api.sandbox.delete(f"/faults/{rule['id']}").status_code == 204
    assert api.sandbox.delete(f"/faults/{rule['id']}").status_code == 404
    assert api.sandbox.delete("/faults").json() == {"deleted": 1}
    assert api.sandbox.get("/faults").json() == []


@pytest.mark.parametrize(
    ("rule", "details"),
    [
        ({"match": {"path": "/v1/nope/{id}"}, "status": 503}, "is not a route template of the contract"),
        ({"match": {"path": "/offerings/*"}, "status": 503}, "starting with /v1/"),
        ({"match": {"method": "DELETE", "path": "/v1/org"}, "status": 503}, "has no operation DELETE /v1/org"),
        ({"match": {"method": "FETCH", "path": "*"}, "status": 503}, "data.match.method should be one of"),
        ({"match": {"path": "*"}}, "at least one of status, drop, latencyMs, latency"),
        ({"match": {"path": "*"}, "status": 503, "drop": "reset"}, "status or drop, not both"),
        ({"match": {"path": "*"}, "status": 418}, "data.status should be one of"),
        ({"match": {"path": "*"}, "latencyMs": 5, "retryAfter": 1}, "retryAfter needs a status"),
        ({"match": {"path": "*"}, "status": 503, "colour": "red"}, "should NOT have additional properties"),
        ({"match": {"path": "*"}, "status": "503"}, "data.status should be integer"),
        ({"match": {"path": "*"}, "status": 503, "probability": 1.5}, "data.probability"),
        ({"match": {"path": "*"}, "latency": {"distribution": "lognormal", "median": 200}}, "median and sigma"),
        ({"match": {"path": "*"}, "drop": "explode"}, "data.drop"),
        ({"target": "deliveries", "match": {"path": "*"}, "status": 503}, "path is for a rule with target requests"),
        ({"target": "trains", "match": {"path": "*"}, "status": 503}, "data.target"),
        ({"match": {"path": "*"}, "duplicate": True}, "data.duplicate is for a rule with target deliveries"),
        ({"match": {"eventType": "*"}, "status": 503}, "data.match.eventType is for a rule with target deliveries"),
    ],
)
def test_a_rule_is_checked_before_it_is_kept(api: Api, rule: dict[str, Any], details: str) -> None:
    response = api.sandbox.post("/faults", json=rule)
    assert response.status_code == 400, response.text
    assert response.json()["name"] == "SchemaValidationError" and details in response.json()["details"]
    assert api.sandbox.get("/faults").json() == []


def test_a_status_fault_answers_the_contract_error_and_does_not_run_the_request(api: Api) -> None:
    add(api, {"match": {"method": "POST", "path": "/v1/users"}, "status": 500, "times": 1})
    add(api, {"match": {"method": "GET", "path": "/v1/org"}, "status": 429})
    user = {"email": "fault@example.com", "firstName": "F", "lastName": "T"}
    failed = raw(api, "POST", "/users", json=user)
    assert failed.status_code == 500 and failed.json()["name"] == "ServerError"
    assert "Injected by the sandbox" in failed.json()["details"]
    assert failed.headers["X-OpenQualify-Fault"].startswith("status=500 rule=")
    assert raw(api, "GET", "/users/fault@example.com").status_code == 404  # not run: nothing was created
    assert raw(api, "POST", "/users", json=user).status_code == 201  # times: 1, spent
    limited = raw(api, "GET", "/org")
    assert limited.status_code == 429 and limited.json()["name"] == "TooManyRequestsError"
    assert limited.headers["Retry-After"] == "1"
    rules = api.sandbox.get("/faults").json()
    assert [(r["matched"], r["hits"], r["exhausted"]) for r in rules] == [(2, 1, True), (1, 1, False)]


def test_every_nth_request_and_other_routes_untouched(api: Api) -> None:
    add(api, {"match": {"method": "GET", "path": "/v1/users/{userEmail}"}, "status": 404, "every": 3})
    statuses = [raw(api, "GET", "/users/someone@example.com").status_code for _ in range(6)]
    names = [raw(api, "GET", "/users/someone@example.com").json()["details"][:8] for _ in range(3)]
    assert statuses == [404] * 6  # the user does not exist: only the details tell the injected ones apart
    assert names.count("Injected") == 1
    assert raw(api, "GET", "/org").status_code == 200


def test_prefer_header_code_and_latency(api: Api) -> None:
    answer = raw(api, "GET", "/org", headers={"Prefer": "code=503"})
    assert answer.status_code == 503 and answer.json()["name"] == "ServerError"
    assert answer.headers["Preference-Applied"] == "code=503"
    slow = raw(api, "GET", "/org", headers={"Prefer": "latency=50"})
    assert slow.status_code == 200 and slow.json()["name"]
    assert slow.headers["X-OpenQualify-Fault"] == "latency=50ms prefer"
    assert raw(api, "GET", "/org", headers={"Prefer": "code=200"}).status_code == 200  # Prism's example choice
    # Without a valid token nothing is injected: the API's own 401.
    assert api.http.get("/v1/org", headers={"Prefer": "code=503"}).status_code == 401


def test_seeded_rate_over_400_requests_and_the_same_seed_gives_the_same_sequence(new_api: Any) -> None:
    sequences = []
    for _ in range(2):
        api = new_api()
        add(api, {"match": {"method": "GET", "path": "/v1/org"}, "status": 503, "probability": 0.25, "seed": 7})
        sequences.append([raw(api, "GET", "/org").status_code for _ in range(400)])
    faults = sequences[0].count(503)
    assert 75 <= faults <= 125, faults
    assert sequences[0] == sequences[1]
    assert set(sequences[0]) == {200, 503}


def test_rules_belong_to_their_organisation(api: Api, other_api: Api) -> None:
    rule = add(api, {"match": {"path": "*"}, "status": 503})
    assert raw(other_api, "GET", "/org").status_code == 200
    assert other_api.sandbox.get("/faults").json() == []
    assert other_api.sandbox.delete(f"/faults/{rule['id']}").status_code == 404
    assert raw(api, "GET", "/org").status_code == 503
    # The control plane itself is never faulted: the rule can always be removed.
    assert api.sandbox.get("/faults").status_code == 200


def test_reset_removes_the_rules(api: Api) -> None:
    add(api, {"match": {"path": "*"}, "status": 503})
    assert api.sandbox.post("/reset").status_code == 200
    assert api.sandbox.get("/faults").json() == []
    assert raw(api, "GET", "/org").status_code == 200


def test_journal_and_access_log_mark_injected_faults(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    api.sandbox.delete("/requests")
    rule = add(api, {"match": {"method": "GET", "path": "/v1/org"}, "status": 503, "latencyMs": 5})
    with caplog.at_level(logging.INFO, logger="openqualify.access"):
        raw(api, "GET", "/org")
        raw(api, "GET", "/users/nobody@example.com")
    entries = api.sandbox.get("/requests").json()
    faulted, plain = entries[1], entries[0]
    assert faulted["status"] == 503 and faulted["fault"] == {
        "source": "rule", "rules": [rule["id"]], "status": 503, "latencyMs": 5.0
    }
    assert "fault" not in plain or plain["fault"] is None
    lines = [r.getMessage() for r in caplog.records if r.name == "openqualify.access"]
    marked = f"fault=[status=503 latency=5ms rule={rule['id']}]"
    assert any("GET /v1/org 503" in line and marked in line for line in lines)
    assert any("/v1/users/nobody@example.com 404" in line and "fault=" not in line for line in lines)
