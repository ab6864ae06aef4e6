"""Every shell and Python snippet of the README and docs/ runs as written, and prints what the page shows.

A newcomer's path: the server runs in a folder of its own (its database and `openqualify.db.demo-token` there),
and each page's snippets run in that folder, in page order, as a reader would paste them: the `sh` blocks and the
`$ ` lines of `console` blocks of one page in one bash session (every command must succeed, `sh` blocks under
`set -e`, pipelines with `pipefail`), and its `python` blocks in one Python process, one after the other, as
pasted into one interpreter. Each page starts from a fresh demo (data reset and rebuilt, the clock back to real
time, the journal empty, files of earlier pages gone), so pages never depend on each other.

What a page shows is checked against what its snippets print (`snippets.expect`):
- in a `console` block, the lines after a `$ ` command up to the next one are that command's output (stdout and
  stderr, as a terminal shows them);
- a fenced `output` block right after a `sh` or `python` block is that block's whole output;
- in a `python` block, `print(...)  # → text` shows the line that this call prints;
- ids, tokens and times are normalised on both sides, and `...` stands for any text (alone on a line: any lines).
A `sh` or `python` block that prints something must show it one of these ways. `curl` in a snippet runs with
`-f` (`-fsS`), so an HTTP error stops the page instead of printing an error body nobody reads.

The only liberty taken: the server listens on a free port, so `127.0.0.1:8000` reads `127.0.0.1:<port>`. A block
preceded by `<!-- snippet: skip (reason) -->` is not run (a server start, a container engine, another machine);
the README's first block (the two commands) is checked against `.ci/run` instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.docs import snippets as doc
from tests.fixtures.live import ServerProcess, start_server

pytestmark = pytest.mark.e2e

ROOT = doc.ROOT
PAGES = ["README.md", "docs/sandbox.md", "docs/cli.md", "docs/sdk.md", "docs/deployment.md", "docs/architecture.md",
         "docs/proxy.md", "docs/mirror.md", "docs/event-hub.md", "docs/operations.md",
         "docs/decisions.md", "docs/benchmarks.md", "docs/console.md"]  # fmt: skip
KEEP = {".venv", "scripts", "openqualify.db", "openqualify.db-wal", "openqualify.db-shm", "openqualify.db.demo-token"}


@dataclass
class Newcomer:
    server: ServerProcess
    folder: Path
    port: str

    def env(self) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENQUALIFY_")}
        venv_bin = str(Path(sys.executable).parent)
        return {**clean, "PATH": venv_bin + os.pathsep + clean.get("PATH", ""), "COLUMNS": "100"}

    def localise(self, code: str) -> str:
        return code.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")

    @property
    def token(self) -> str:
        return (self.folder / "openqualify.db.demo-token").read_text().strip()

    def fresh_demo(self) -> None:
        """The state `serve --demo` starts with: the demo rebuilt, real time, an empty journal, no leftover files."""
        with httpx.Client(base_url=self.server.base_url, headers={"Authorization": f"Bearer {self.token}"}) as http:
            for method, path, body in [
                ("PUT", "/_sandbox/clock", {"now": None}),
                ("POST", "/_sandbox/reset", None),
                ("POST", "/_sandbox/demo", None),
                ("DELETE", "/_sandbox/requests", None),
            ]:
                response = http.request(method, path, json=body, timeout=120)
                assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        for entry in self.folder.iterdir():
            if entry.name not in KEEP:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newcomer]:
    folder = tmp_path_factory.mktemp("newcomer")
    (folder / ".venv").symlink_to(Path(sys.executable).parent.parent)  # `.venv/bin/openqualify` as in the docs
    (folder / "scripts").symlink_to(ROOT / "scripts")
    server = start_server(f"sqlite:///{folder / 'openqualify.db'}", "--demo")
    try:
        yield Newcomer(server, folder, server.base_url.rsplit(":", 1)[1])
    finally:
        server.stop()


def test_readme_starts_with_the_two_commands_ci_runs() -> None:
    first = doc.snippets("README.md")[0]
    commands = first.code.strip().splitlines()
    assert first.line == 3 and first.lang == "sh" and len(commands) == 2
    assert commands[0].endswith(".venv/bin/openqualify serve --demo")
    assert "pip install -c constraints.txt -e '.[server]'" in commands[0]  # the lock's exact versions
    assert commands[1].replace("pip install -c", "pip install -q -c") in (ROOT / ".ci" / "run").read_text()


def test_skipped_snippets_say_why_and_are_few() -> None:
    skipped = [s for page in PAGES for s in doc.snippets(page) if s.skipped]
    assert all(len(s.skipped or "") > 10 for s in skipped)
    assert len(skipped) <= 6, [f"{s.page}:{s.line}" for s in skipped]


def test_curl_fails_on_http_errors() -> None:
    """`curl -s` hides a 404 behind an error body that the next command reads as data."""
    quiet = [
        f"{s.page}:{s.line}: {line.strip()}"
        for page in PAGES
        for s in doc.snippets(page)
        if s.lang in doc.RUN and not s.skipped
        for line in s.code.splitlines()
        if re.search(r"(?<![\w'-])curl\s", line) and not doc.curl_fails_on_errors(line)
    ]
    assert quiet == []


def test_output_blocks_follow_a_runnable_block() -> None:
    stray = [f"{s.page}:{s.line}" for page in PAGES for s in doc.snippets(page) if s.lang == "output" and not s.owner]
    assert stray == []


@pytest.mark.parametrize("page", [p for p in PAGES if doc.runnable(p)])
def test_page_snippets_run_and_print_what_the_page_shows(page: str, newcomer: Newcomer) -> None:
    newcomer.fresh_demo()
    runnable = doc.runnable(page)
    if page == "README.md":
        runnable = runnable[1:]  # the two commands (test above)
    problems: list[str] = []
    shell = [s for s in runnable if s.lang != "python"]
    if shell:
        script, units = doc.shell_script(shell)
        done = subprocess.run(
            ["bash", "-c", newcomer.localise(script)], cwd=newcomer.folder, env=newcomer.env(),
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, f"{page}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        problems += doc.compare(units, done.stdout)
    python = [s for s in runnable if s.lang == "python"]
    if python:
        env = {**newcomer.env(), "OPENQUALIFY_BASE_URL": f"http://127.0.0.1:{newcomer.port}/v1",
               "OPENQUALIFY_TOKEN": newcomer.token}  # fmt: skip
        session, units = doc.python_session(python)
        done = subprocess.run(
            [sys.executable, "-c", newcomer.localise(session)], cwd=newcomer.folder, env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"{page}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        problems += doc.compare(units, done.stdout)
    assert not problems, "\n\n".join(problems)


def test_sandbox_tables_name_every_required_field() -> None:
    """Each `/_sandbox` operation's row in docs/sandbox.md shows its required body fields in bold."""
    from openqualify.server.app import create_app
    from openqualify.server.config import Settings

    schema = create_app(Settings(database_url="sqlite:///:memory:")).openapi()
    components = schema["components"]["schemas"]
    text = (ROOT / "docs" / "sandbox.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    checked = 0
    for path, item in schema["paths"].items():
        if not path.startswith("/_sandbox"):
            continue
        for method, operation in item.items():
            named = re.compile(rf"`{method.upper()} {re.escape(path)}[`?]")
            row = next((r for r in rows if named.search(r.split(" | ")[0])), None)
            assert row is not None, f"{method.upper()} {path} is not in docs/sandbox.md"
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            while body and "$ref" in body:
                body = components[body["$ref"].rsplit("/", 1)[-1]]
            for field in (body or {}).get("required", []):
                assert f"**{field}**" in row, f"{method.upper()} {path}: required {field!r} not in bold in {row}"
                checked += 1
    assert checked >= 20


# The checker itself: a snippet checker that cannot fail would be a defect.


def test_shown_output_is_compared_with_ellipsis_and_normalised_ids() -> None:
    shown = "Added: 2  Existing: 1\n...\nid -Nn1JUF-sQMtCZkUvOG8 at 2026-01-02T03:04:05.000Z\nexit=..."
    printed = "Added: 2  Existing: 1\nrow a\nrow b\nid -AAAAAAAAAAAAAAAAAAA at 2031-05-06T07:08:09Z\nexit=2\n"
    assert doc.matches(shown, printed)
    assert not doc.matches(shown, printed.replace("Existing: 1", "Existing: 2"))
    assert not doc.matches("Wrote 30 rows to progress.csv", "Wrote 42 rows to progress.csv\n")
    assert not doc.matches("", "something the page does not show\n")
    assert doc.matches("", "")
    assert doc.matches("5", "5\n")
    assert not doc.matches("5", "6\n")


def test_a_python_arrow_comment_is_checked(tmp_path: Path) -> None:
    block = doc.Snippet("x.md", 1, "python", 'print(2 + 3)  # → 5\nprint("a", "b")  # → a ...\n', None)
    session, units = doc.python_session([block])
    done = subprocess.run([sys.executable, "-c", session], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert doc.compare(units, done.stdout) == []
    wrong = doc.Snippet("x.md", 1, "python", "print(2 + 2)  # → 5\n", None)
    session, units = doc.python_session([wrong])
    done = subprocess.run([sys.executable, "-c", session], capture_output=True, text=True, timeout=60)
    assert doc.compare(units, done.stdout) != []
    unshown = doc.Snippet("x.md", 1, "python", "print('not shown')\n", None)
    session, units = doc.python_session([unshown])
    done = subprocess.run([sys.executable, "-c", session], capture_output=True, text=True, timeout=60)
    assert doc.compare(units, done.stdout) != []


def test_console_lines_are_split_per_command() -> None:
    block = doc.Snippet("x.md", 1, "console", "$ echo one\none\n$ echo two; echo err >&2\ntwo\nerr\n", None)
    script, units = doc.shell_script([block])
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and doc.compare(units, done.stdout) == []
    wrong = doc.Snippet("x.md", 1, "console", "$ echo one\ntwo\n", None)
    script, units = doc.shell_script([wrong])
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert doc.compare(units, done.stdout) != []


def test_curl_flags_are_read_as_curl_reads_them() -> None:
    assert doc.curl_fails_on_errors("curl -fsS http://x")
    assert doc.curl_fails_on_errors('api() { curl -fsS -H "A: b" "$@"; }')
    assert doc.curl_fails_on_errors("curl --fail -s http://x")
    assert not doc.curl_fails_on_errors("curl -s http://x")
    assert not doc.curl_fails_on_errors("curl -sS -H 'X: -f' http://x")
