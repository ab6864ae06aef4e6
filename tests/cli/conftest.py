"""A root Typer app with the API commands registered on a `MockTransport`-backed client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import typer
from typer.testing import CliRunner, Result

from openqualify.cli.api import set_client_factory
from openqualify.cli.main import API_COMMANDS
from openqualify.client import Client, RetryPolicy
from tests.client.conftest import Recorder


class Cli:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.factory_calls: list[tuple[str | None, str | None]] = []
        self.app = typer.Typer(name="openqualify")

        @self.app.command()
        def serve() -> None:
            """Stands in for the lead's admin commands."""

        set_client_factory(self.client)
        for module in API_COMMANDS:
            module.register(self.app)
        self.runner = CliRunner()

    def client(self, base_url: str | None, token: str | None) -> Client:
        self.factory_calls.append((base_url, token))
        return Client(
            base_url=base_url or "http://api.test/v1",
            token=token or "t",
            transport=httpx.MockTransport(self.recorder.handle),
            retry=RetryPolicy(max_retries=1, jitter=False),
            sleep=self.recorder.sleeps.append,
        )

    def __call__(self, *args: str) -> Result:
        """As typed in a terminal 100 columns wide (without colours)."""
        return self.runner.invoke(self.app, list(args), env={**TERMINAL, "COLUMNS": "100"})

    def piped(self, *args: str) -> Result:
        """With stdout going to a pipe or a file."""
        return self.runner.invoke(self.app, list(args), env={"OPENQUALIFY_TABLES": None, "COLUMNS": "40"})


TERMINAL = {"OPENQUALIFY_TABLES": "rich"}  # tables as drawn on a terminal


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.delenv("OPENQUALIFY_BASE_URL", raising=False)
    monkeypatch.delenv("OPENQUALIFY_TOKEN", raising=False)
    yield Cli(Recorder())
    set_client_factory(None)
