"""Property-based contract run: Schemathesis generates requests from the official contract (with the documented
errata) and sends them to the live server; no answer may be a server error or break the contract's schemas."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.conftest import LiveServer
from tests.contract.spec import load_spec

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = int(os.environ.get("OPENQUALIFY_SCHEMATHESIS_EXAMPLES", "25"))
CASES: Counter[str] = Counter()

schema = schemathesis.openapi.from_dict(load_spec())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@pytest.fixture(scope="module", autouse=True)
def _report_case_count() -> object:
    yield
    total = sum(CASES.values())
    print(f"\nschemathesis: {total} cases over {len(CASES)} operations")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_contract(case: schemathesis.Case, live_server: LiveServer) -> None:
    CASES[f"{case.method} {case.path}"] += 1
    case.call_and_validate(
        base_url=live_server.base_url + "/v1",
        headers={"Authorization": f"Bearer {live_server.token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
