"""A root Typer app with the API commands registered on a `MockTransport`-backed client (`tests.fixtures.cli`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openqualify.cli.api import set_client_factory
from tests.fixtures.cli import Cli
from tests.fixtures.sdk import Recorder


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.delenv("OPENQUALIFY_BASE_URL", raising=False)
    monkeypatch.delenv("OPENQUALIFY_TOKEN", raising=False)
    yield Cli(Recorder())
    set_client_factory(None)
