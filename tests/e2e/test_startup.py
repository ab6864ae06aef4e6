"""`openqualify serve` and the admin commands as an operator meets them: the banner, one-line failures, the demo
token across restarts, the access log, `--help`; real processes, real ports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from openqualify import __version__
from tests.fixtures.live import free_port, start_server

pytestmark = pytest.mark.e2e

CLI = [sys.executable, "-m", "openqualify.cli.main"]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENQUALIFY_")}
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=120
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def test_demo_banner_token_reuse_access_log_and_busy_port(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    token_file = tmp_path / "demo.db.demo-token"
    server = start_server(db, "--demo")
    try:
        log = server.log()
        assert f"OpenQualify {__version__} · sandbox mode · 1 worker" in log
        assert f"Database: {db}" in log and f"API: {server.base_url}/v1" in log
        token = token_file.read_text().strip()
        # Not a terminal: the banner says where the token is, never the token (issue 19.12).
        assert f"Token: new, kept in {token_file} (mode 600): TOKEN=$(cat {token_file})" in log
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        org = httpx.get(f"{server.base_url}/v1/org", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        # The access log has the request with its organisation, never the token (written once the answer is sent).
        deadline = time.monotonic() + 10
        while not (access := [line for line in server.log().splitlines() if "GET /v1/org 200 " in line]):
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        assert "openqualify.access" in access[0] and access[0].endswith(f"org={org['id']}"), access
        assert token not in server.log()

        busy = run("serve", "--db", db, "--port", server.base_url.rsplit(":", 1)[1])
        assert "already in use" in one_line_error(busy) and "Serving" not in busy.stdout
    finally:
        server.stop()

    again = start_server(db, "--demo")
    try:
        assert f"Token: reused, kept in {token_file} (mode 600)" in again.log() and token not in again.log()
    finally:
        again.stop()

    rotated = run("org", "rotate-token", "Demo Academy", "--db", db)
    assert rotated.returncode == 0, rotated.stderr
    new_token = rotated.stdout.strip().splitlines()[-1]
    assert new_token != token and token_file.read_text().strip() == new_token
    assert f"Database: {db}" in rotated.stderr

    fixed = start_server(db, "--demo", env={"OPENQUALIFY_DEMO_TOKEN": "my-fixed-sandbox-token-0123456789"})
    try:
        assert "Token: the one given (--token, --token-file or OPENQUALIFY_DEMO_TOKEN)" in fixed.log()
        assert "my-fixed-sandbox-token" not in fixed.log()
        headers = {"Authorization": "Bearer my-fixed-sandbox-token-0123456789"}
        assert httpx.get(f"{fixed.base_url}/v1/org", headers=headers, timeout=30).status_code == 200
    finally:
        fixed.stop()


def test_bad_configuration_and_unreachable_databases_are_one_line(tmp_path: Path) -> None:
    port = str(free_port())
    bad_mode = one_line_error(run("serve", "--port", port, cwd=tmp_path, env={"OPENQUALIFY_MODE": "prod"}))
    assert "OPENQUALIFY_MODE='prod'" in bad_mode
    unreachable = "postgresql://oq:s3cret@127.0.0.1:1/openqualify"
    for args in (("serve", "--port", port, "--db", unreachable), ("db", "upgrade", "--db", unreachable)):
        line = one_line_error(run(*args, cwd=tmp_path))
        assert "postgresql://oq:***@127.0.0.1:1/openqualify" in line and "s3cret" not in line
    no_dir = one_line_error(run("serve", "--port", port, "--db", f"sqlite:///{tmp_path}/missing/dir/x.db"))
    assert "unable to open database file" in no_dir
    assert not list(tmp_path.iterdir())  # nothing was created on the way


def test_admin_commands_never_create_a_database(tmp_path: Path) -> None:
    for args in (("org", "list"), ("org", "rotate-token", "Demo Academy")):
        result = run(*args, cwd=tmp_path)
        assert "no database at openqualify.db" in one_line_error(result)
    assert not list(tmp_path.iterdir())
    created = run("org", "create", "Acme", cwd=tmp_path)
    assert created.returncode == 0 and "Database: sqlite:///./openqualify.db (created)" in created.stderr
    listed = run("org", "list", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.splitlines()[0] == "id\tname\tcreated\tactive tokens"
    assert listed.stderr == "Database: sqlite:///./openqualify.db\n"  # which database, on stderr


def test_serve_help_shows_every_variable_and_default() -> None:
    result = run("serve", "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for name in ("HOST", "PORT", "DATABASE_URL", "MODE", "DEMO", "DEMO_TOKEN", "DEMO_TOKEN_FILE", "WORKERS",
                 "LOG_LEVEL", "LOG_FORMAT", "LOG_ACCESS", "PUBLIC_BASE_URL"):  # fmt: skip
        assert f"env var: OPENQUALIFY_{name}" in text, name
    assert "default: 127.0.0.1" in text and "default: 8000" in text and "sqlite:///./openqualify.db" in text
    assert "<bool>" not in result.stdout


def test_closed_pipe_exits_quietly_and_pipes_get_whole_ids(live_server: object) -> None:
    base_url, token = live_server.base_url, live_server.token  # type: ignore[attr-defined]
    args = ["offerings", "list", "--base-url", f"{base_url}/v1", "--token", token]
    piped = run(*args)
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.splitlines()
    assert lines[0].split("\t")[0] == "ID" and len(lines) > 5
    assert all(len(line.split("\t")[0]) == 20 for line in lines[1:])  # whole push ids, one row per line
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENQUALIFY_")}
    process = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `| head` does once it has read enough
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0 and stderr == ""
