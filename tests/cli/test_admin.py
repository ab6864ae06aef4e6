"""Admin commands of the CLI: organisations, tokens, schema."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from openqualify.cli.main import app
from openqualify.server.app import create_app
from openqualify.server.config import Settings

runner = CliRunner()


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_org_create_list_rotate(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'admin.db'}"
    created = runner.invoke(app, ["org", "create", "Acme Ltd", "--db", db])
    assert created.exit_code == 0, created.output
    token = _last_line(created.output)
    assert len(token) >= 32

    duplicate = runner.invoke(app, ["org", "create", "Acme Ltd", "--db", db])
    assert duplicate.exit_code == 1
    assert "exists already" in duplicate.output

    listed = runner.invoke(app, ["org", "list", "--db", db])
    assert listed.exit_code == 0 and "Acme Ltd" in listed.output

    with TestClient(create_app(Settings(database_url=db))) as client:
        assert client.get("/v1/org", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "Acme Ltd"
        rotated = runner.invoke(app, ["org", "rotate-token", "Acme Ltd", "--token", "new-token-0123456789", "--db", db])
        assert rotated.exit_code == 0, rotated.output
        assert _last_line(rotated.output) == "new-token-0123456789"
        # A running server trusts a checked token for its cache's lifetime (1 s in a one-worker sandbox).
        time.sleep(Settings(database_url=db).principal_cache_ttl)
        assert client.get("/v1/org", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert client.get("/v1/org", headers={"Authorization": "Bearer new-token-0123456789"}).status_code == 200

    unknown = runner.invoke(app, ["org", "rotate-token", "Nobody", "--db", db])
    assert unknown.exit_code == 1


def test_db_upgrade(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--db", db])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh.db").exists()
