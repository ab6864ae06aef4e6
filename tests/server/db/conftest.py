"""A brand-new, empty database per test, on the backend the suite runs on (SQLite, or PostgreSQL when
OPENQUALIFY_TEST_DATABASE_URL names a server): migration tests need a database no other test has touched."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.database import TEST_DB_ENV, postgres_database


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get(TEST_DB_ENV, "")
    if base.startswith("postgresql"):
        yield from postgres_database(base, f"mig_{uuid.uuid4().hex[:6]}")
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
