"""Pulses: answered pulse ids, responses with type and responseTime filters, errors and isolation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.progress import Scenario

ANN, BOB = "ann@example.com", "bob@example.com"


def pulse(api: Api, offering: str, pulse_type: str, options: list[str] | None = None) -> str:
    body = {"question": f"A {pulse_type} question?", "pulseType": pulse_type, "options": options or []}
    response = api.sandbox.post(f"/offerings/{offering}/pulses", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def run(api: Api, offering: str, pulse_id: str, start: str = "2026-01-10T09:00:00Z") -> str:
    response = api.sandbox.post(
        f"/offerings/{offering}/pulses/{pulse_id}/runs", json={"start": start, "durationMinutes": 90}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def answer(api: Api, offering: str, pulse_id: str, run_id: str, email: str, at: str, response: dict[str, Any]) -> Any:
    return api.sandbox.post(
        f"/offerings/{offering}/pulses/{pulse_id}/runs/{run_id}/responses",
        json={"email": email, "responseTime": at, "response": response},
    )


@pytest.fixture
def world(api: Api, sync_engine: Engine) -> dict[str, str]:
    s = Scenario(api, sync_engine, learners=(ANN, BOB))
    text = pulse(api, s.offering, "submit_text")
    mcq = pulse(api, s.offering, "MCQ", ["Yes", "No"])
    spatial = pulse(api, s.offering, "spatial_linear", ["Ready"])
    unanswered = pulse(api, s.offering, "submit_text")
    text_run, mcq_run, spatial_run = (
        run(api, s.offering, text),
        run(api, s.offering, mcq),
        run(api, s.offering, spatial),
    )
    run(api, s.offering, unanswered)
    for email, at, pid, rid, body in [
        (ANN, "2026-01-10T09:05:00Z", text, text_run, {"textAnswer": "Fine"}),
        (BOB, "2026-01-11T10:00:00Z", mcq, mcq_run, {"multiChoiceAnswer": [{"option": "Yes", "value": True}]}),
        (ANN, "2026-01-12T11:00:00Z", spatial, spatial_run, {"spatialAnswer": [{"option": "Ready", "value": 0.75}]}),
    ]:
        assert answer(api, s.offering, pid, rid, email, at, body).status_code == 201
    return {
        "offering": s.offering,
        "text": text,
        "mcq": mcq,
        "spatial": spatial,
        "unanswered": unanswered,
        "text_run": text_run,
        "ann": s.user_ids[ANN],
    }


def responses(api: Api, offering: str, params: Any = None) -> list[dict[str, Any]]:
    got = api.get(f"/offerings/{offering}/analytics/pulses/responses", params=params)
    assert got.status_code == 200, got.text
    return list(got.json())


def test_pulse_ids_are_those_with_responses(api: Api, world: dict[str, str]) -> None:
    got = api.get(f"/offerings/{world['offering']}/analytics/pulses").json()
    assert got == [world["text"], world["mcq"], world["spatial"]]


def test_response_shape(api: Api, world: dict[str, str]) -> None:
    first = responses(api, world["offering"])[0]
    assert first == {
        "pulseBaseId": world["text"],
        "pulseInstanceId": world["text_run"],
        "pulseQuestion": "A submit_text question?",
        "pulseType": "submit_text",
        "pulseRunStart": "2026-01-10T09:00:00.000Z",
        "pulseRunDurationMinutes": 90,
        "learnerId": world["ann"],
        "learnerFirstName": "Ann",
        "learnerLastName": "Learner",
        "responseTime": "2026-01-10T09:05:00.000Z",
        "response": {"textAnswer": "Fine"},
    }


def test_filters(api: Api, world: dict[str, str]) -> None:
    offering = world["offering"]
    assert [r["pulseType"] for r in responses(api, offering, {"pulseType": "MCQ"})] == ["MCQ"]
    assert responses(api, offering, {"pulseType": "spatial_planar"}) == []
    ranged = responses(
        api, offering, [("responseTime", "gte__2026-01-11T00:00:00Z"), ("responseTime", "lt__2026-01-12T11:00:00Z")]
    )
    assert [r["pulseBaseId"] for r in ranged] == [world["mcq"]]
    assert len(responses(api, offering, {"responseTime": "__gt__2026-01-10T09:05:00Z__"})) == 2
    assert len(responses(api, offering, {"responseTime": "lte__2026-01-10T09:05:00Z"})) == 1
    assert len(responses(api, offering, {"responseTime": "2026-01-11T10:00:00Z"})) == 1  # bare: equal
    assert len(responses(api, offering, {"responseTime": "gte__2026-01-11T23:00:00+13:00"})) == 2
    exact = "2026-01-10T09:05:00Z"  # the first response's time: strict bounds leave it out, wide ones keep it
    assert responses(api, offering, [("responseTime", f"gt__{exact}"), ("responseTime", f"lt__{exact}")]) == []
    assert len(responses(api, offering, [("responseTime", f"gte__{exact}"), ("responseTime", f"lte__{exact}")])) == 1
    assert len(responses(api, offering, [("responseTime", exact), ("responseTime", "lt__2030-01-01T00:00:00Z")])) == 1
    assert len(responses(api, offering, {"responseTime": "lt__2026-01-10T09:05:00.001Z"})) == 1


def test_one_pulse(api: Api, world: dict[str, str]) -> None:
    base = f"/offerings/{world['offering']}/analytics/pulses"
    assert [r["pulseBaseId"] for r in api.get(f"{base}/{world['mcq']}/responses").json()] == [world["mcq"]]
    assert api.get(f"{base}/{world['unanswered']}/responses").json() == []
    missing = api.get(f"{base}/nope/responses")
    assert missing.status_code == 404
    assert missing.json()["details"] == "The pulse nope was not found."


def test_bad_filters_are_schema_errors(api: Api, world: dict[str, str]) -> None:
    path = f"/offerings/{world['offering']}/analytics/pulses/responses"
    bad_type = api.get(path, params={"pulseType": "mcq"})
    assert bad_type.status_code == 400
    assert bad_type.json()["details"] == (
        "[pulseType] mcq should be equal to one of the allowed values "
        "submit_text, MCQ, spatial_triangular, spatial_planar, spatial_linear"
    )
    assert api.get(path, params={"responseTime": ""}).json() == api.get(path).json()  # empty is absent (issue 18)
    for value in ("eq__2026-01-01T00:00:00Z", "gte__yesterday", "gte__2026-01-01", "between__x"):
        response = api.get(path, params={"responseTime": value})
        assert response.status_code == 400, value
        assert error_name(response) == "SchemaValidationError"


def test_unknown_offering_and_isolation(api: Api, other_api: Api, world: dict[str, str]) -> None:
    offering = world["offering"]
    for path in ("pulses", "pulses/responses", f"pulses/{world['text']}/responses"):
        assert api.get(f"/offerings/nope/analytics/{path}").status_code == 404
        assert other_api.get(f"/offerings/{offering}/analytics/{path}").status_code == 404


def test_sandbox_answer_must_match_pulse_type(api: Api, world: dict[str, str]) -> None:
    offering, mcq = world["offering"], world["mcq"]
    mcq_run = run(api, offering, mcq)
    at = "2026-01-20T00:00:00Z"
    cases = [
        {"textAnswer": "wrong kind"},
        {"multiChoiceAnswer": [{"option": "Maybe", "value": True}]},
        {"multiChoiceAnswer": [{"option": "Yes", "value": "true"}]},
        {},
    ]
    for body in cases:
        response = answer(api, offering, mcq, mcq_run, ANN, at, body)
        assert error_name(response) == "SchemaValidationError", body
    assert error_name(answer(api, offering, mcq, mcq_run, "fran@example.com", at, {"multiChoiceAnswer": []})) == (
        "UserNotInOfferingError"
    )
    assert len(responses(api, offering)) == 3
