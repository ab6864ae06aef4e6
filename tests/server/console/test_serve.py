"""`openqualify serve` says where the console is, next to the API."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.live import running_server

pytestmark = pytest.mark.e2e


def test_serve_prints_the_console_url(database_url: str) -> None:
    with running_server(database_url) as server:
        printed = server.log()
        api_line = next(line for line in printed.splitlines() if line.startswith("API: "))
        console_line = next(line for line in printed.splitlines() if line.startswith("Console: "))
        assert f"{server.base_url}/v1" in api_line
        url = console_line.split()[1]
        assert url == f"{server.base_url}/console"
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and "Sign in to the console" in page.text
