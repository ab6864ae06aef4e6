"""A recording `httpx.MockTransport` and clients built on it (`tests.fixtures.sdk`)."""

from __future__ import annotations

import pytest

from tests.fixtures.sdk import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
