"""Run last (see conftest): the live tests together sent every contract operation through the SDK over HTTP."""

from __future__ import annotations

import pytest

from openqualify.client import OPERATIONS
from tests.fixtures.client_live import LOG

pytestmark = pytest.mark.e2e


def test_every_sdk_method_reached_the_live_server() -> None:
    not_run = LOG.scenario_tests - LOG.finished_tests
    if not_run:
        pytest.skip(f"needs every live test in this process; {len(not_run)} did not run here (-k, -x or xdist)")
    assert len(OPERATIONS) == 84
    assert LOG.unmatched() == [], "requests that match no contract operation"

    called = LOG.operations("sync")
    missing = sorted(f"{OPERATIONS[op]} ({op[0]} {op[1]})" for op in set(OPERATIONS) - called)
    assert missing == [], f"{len(missing)} SDK methods never reached the server"
    assert called == set(OPERATIONS)

    # Each operation answered successfully at least once (errors alone would not prove the typed result).
    succeeded = {c.operation for c in LOG.calls if c.kind == "sync" and c.status < 400}
    assert sorted(f"{OPERATIONS[op]}" for op in set(OPERATIONS) - succeeded) == []
    assert [c for c in LOG.calls if c.status >= 500] == []
    assert LOG.operations("async"), "the AsyncClient scenario ran"
