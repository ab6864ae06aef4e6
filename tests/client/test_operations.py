"""Every SDK method against `httpx.MockTransport`, and every contract operation reachable through one."""

from __future__ import annotations

import asyncio
import re

import pytest

from openqualify.client import OPERATIONS
from tests.contract.spec import load_spec
from tests.fixtures.sdk import TOKEN, Recorder, body_of

from .operations import CASES, NO_BODY, Case

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _verify(recorder: Recorder, case: Case, result: object) -> None:
    request = recorder.last
    assert len(recorder.requests) == 1
    assert request.method == case.method
    assert request.url.raw_path.split(b"?")[0].decode() == case.raw_path
    assert list(request.url.params.multi_items()) == case.query
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    if case.body is NO_BODY:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert body_of(request) == case.body
    assert case.check(result), result


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^/v1" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template}")
def test_sync_method(recorder: Recorder, case: Case) -> None:
    recorder.reply(case.status, case.response)
    with recorder.client() as client:
        result = case.call(client)
    _verify(recorder, case, result)
    # The method is the one the registry names for this operation, and the path fits the template.
    assert _template_pattern(case.template).match(case.raw_path)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template}")
def test_async_method(recorder: Recorder, case: Case) -> None:
    recorder.reply(case.status, case.response)

    async def run() -> object:
        async with recorder.async_client() as client:
            return await case.call(client)

    _verify(recorder, case, asyncio.run(run()))


def test_every_case_calls_the_registered_method(recorder: Recorder) -> None:
    client = recorder.client()
    attribute_of = {type(value).__name__: name for name, value in vars(client).items() if not name.startswith("_")}
    for case in CASES:
        resource, method = OPERATIONS[case.key].split(".")
        names = case.call.__code__.co_names
        assert attribute_of[resource] in names and method in names, (case.key, OPERATIONS[case.key])


def test_registry_covers_the_contract() -> None:
    spec = load_spec()
    contract = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert len(contract) == 84
    assert set(OPERATIONS) == contract
    assert {case.key for case in CASES} == contract
