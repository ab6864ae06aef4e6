"""The Event hub's tests: a webhook receiver per test, no delivery left due after one (`tests.fixtures.event_hub`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.event_hub import Receiver
from tests.fixtures.event_hub import _nothing_left_due as _nothing_left_due  # autouse


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()
