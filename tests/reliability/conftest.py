"""Fixtures for the reliability tests: organisations to load their servers with (`tests.fixtures.reliability`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.fixtures.reliability import Org, new_token


@pytest.fixture
def org_factory(sync_engine: Engine) -> Iterator[Any]:
    def make(base_url: str) -> Org:
        return Org(base_url, new_token(sync_engine))

    yield make
