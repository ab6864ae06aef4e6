"""Secrets and personal data stay out of logs and `ps`, and a 500 keeps the connection (issues 19.11, 19.12, 18):
real server processes on both databases."""

from __future__ import annotations

import hashlib
import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from openqualify.cli.admin import _demo_token
from openqualify.cli.admin.serve import ensure_demo_org
from openqualify.server.db.migrate import upgrade
from openqualify.server.db.urls import sync_url
from tests.fixtures.database import postgres_database
from tests.fixtures.live import start_server

pytestmark = pytest.mark.e2e

POISON_EMAIL = "poison.person@example.com"
POISON_NAME = "Secretname"


@pytest.fixture
def own_database(database_url: str, tmp_path: Path, worker_id: str) -> Iterator[str]:
    """A database of the test's own (its schema gets a fault the other tests must not meet)."""
    if database_url.startswith("postgresql"):
        for url in postgres_database(os.environ["OPENQUALIFY_TEST_DATABASE_URL"], f"{worker_id}_own"):
            upgrade(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path / 'own.db'}"
        upgrade(url)
        yield url


def _add_fault(url: str) -> None:
    """Inserting a user named `POISON_NAME` fails in the database: an unexpected error with personal data in it."""
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(
                f"CREATE TRIGGER poison BEFORE INSERT ON users WHEN NEW.last_name = '{POISON_NAME}' "
                "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"))  # fmt: skip
        else:
            connection.execute(text(f"ALTER TABLE users ADD CONSTRAINT poison CHECK (last_name <> '{POISON_NAME}')"))
    engine.dispose()


def test_a_500_keeps_the_connection_and_its_log_holds_no_personal_data(own_database: str) -> None:
    token = "secret-token-for-the-log-test-0123456789"
    server = start_server(own_database, "--demo", env={"OPENQUALIFY_DEMO_TOKEN": token})
    try:
        _add_fault(own_database)
        host, port = server.base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = f'{{"email": "{POISON_EMAIL}", "firstName": "Pat", "lastName": "{POISON_NAME}"}}'
        connection.request("POST", "/v1/users", body=body, headers=headers)
        failed = connection.getresponse()
        assert (failed.status, failed.read()) == (500, b'{"name":"ServerError","details":"We\'re sorry, but something '
                                                       b'went wrong."}')
        assert failed.getheader("connection") != "close"
        connection.request("GET", "/v1/org", headers=headers)  # the same connection serves the next request
        assert connection.getresponse().status == 200
        connection.close()
        server.stop()
        log = server.log()
        assert "unhandled error" in log and "Traceback" in log  # the failure is logged, with its trace
        for secret in (POISON_EMAIL, POISON_NAME, token, hashlib.sha256(token.encode()).hexdigest()):
            assert secret not in log, secret  # before: "[parameters: (..., 'poison.person@example.com', ...)]"
        assert "[SQL parameters hidden due to hide_parameters=True]" in log
    finally:
        server.stop()


def test_the_demo_token_file_on_postgresql(database_url: str, tmp_path: Path, worker_id: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: on PostgreSQL the demo token was shown once and kept nowhere; now `<database>.demo-token` in the
    current folder (mode 600), reused while valid, updated by `org rotate-token`."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's token file; SQLite's is tested in test_startup")
    monkeypatch.chdir(tmp_path)
    for url in postgres_database(os.environ["OPENQUALIFY_TEST_DATABASE_URL"], f"{worker_id}_demo"):
        upgrade(url)
        first = ensure_demo_org(url, None, keep_in_file=True)
        name = url.rsplit("/", 1)[1]
        assert first.origin == "new" and first.where == str(tmp_path / f"{name}.demo-token")
        path = Path(first.where)
        assert path.read_text().strip() == first.token and oct(path.stat().st_mode & 0o777) == "0o600"
        again = ensure_demo_org(url, None, keep_in_file=True)
        assert (again.origin, again.token) == ("saved", first.token)
        assert _demo_token.load(url) == (path, first.token)


def _serve_help_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENQUALIFY_")}


def test_token_on_the_command_line_is_warned_about_and_a_token_file_works(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("token-from-a-file-0123456789abcdef\n")
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    server = start_server(db, "--demo", "--token-file", str(token_file))
    try:
        import httpx

        headers = {"Authorization": "Bearer token-from-a-file-0123456789abcdef"}
        assert httpx.get(f"{server.base_url}/v1/org", headers=headers, timeout=30).status_code == 200
        assert "token-from-a-file" not in server.log()
        assert "Token: the one given (--token, --token-file or OPENQUALIFY_DEMO_TOKEN)" in server.log()
    finally:
        server.stop()
    missing = subprocess.run(
        [sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--db", db, "--token-file",
         str(tmp_path / "absent")], env=_serve_help_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 1 and "cannot read the token file" in missing.stderr
    on_line = start_server(db, "--demo", "--token", "token-on-the-command-line-0123456789")
    try:
        assert "visible to every user of this machine (ps)" in on_line.log()
        assert "token-on-the-command-line" not in on_line.log()
    finally:
        on_line.stop()
