"""Every shell and Python snippet of the README and docs/ runs as written against a fresh `serve --demo`.

A newcomer's path: the server runs in a folder of its own (its database and `openqualify.db.demo-token` there),
and each page's snippets run in that folder, in page order, as a reader would paste them: the `sh` blocks and the
`$ ` lines of `console` blocks of one page in one bash session (every command must succeed, `sh` blocks under
`set -e`, pipelines with `pipefail`), and its `python` blocks in one Python process, one after the other, as
pasted into one interpreter. The only liberty taken: the server listens on a free port, so `127.0.0.1:8000`
reads `127.0.0.1:<port>`. A block preceded by `<!-- snippet: skip (reason) -->` is not run (a
server start, a container engine, another machine); the README's first block (the two commands) is checked
against `.ci/run` instead.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import ServerProcess, start_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/sandbox.md", "docs/cli.md", "docs/sdk.md", "docs/deployment.md", "docs/architecture.md",
         "docs/decisions.md", "docs/benchmarks.md", "docs/console.md", "docs/event-hub.md"]  # fmt: skip
RUN = {"sh", "bash", "console", "python"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
SKIP = re.compile(r"<!-- snippet: skip \((?P<reason>[^)]+)\) -->\s*$")


@dataclass(frozen=True)
class Snippet:
    page: str
    line: int
    lang: str
    code: str
    skipped: str | None  # the reason


def snippets(page: str) -> list[Snippet]:
    text = (ROOT / page).read_text()
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.search(before)
        found.append(
            Snippet(
                page, text[: match.start()].count("\n") + 1, match.group(1), match.group(2),
                skip.group("reason") if skip else None,
            )
        )
    return found


def shell_script(page_snippets: list[Snippet]) -> str:
    """One bash session: `sh` blocks under `set -e`; each `$ ` line must succeed as a typed line would (so
    `cmd; echo "exit=$?"` shows a failure on purpose)."""
    parts = ["set -o pipefail"]
    for snippet in page_snippets:
        where = f"{snippet.page}:{snippet.line}"
        if snippet.lang == "console":
            for line in (line[2:] for line in snippet.code.splitlines() if line.startswith("$ ")):
                parts.append(f"{line} || {{ echo {shlex.quote(f'failed ({where}): {line}')} >&2; exit 1; }}")
        else:
            parts += [f"# {where}", "set -e", snippet.code, "set +e"]
    return "\n".join(parts) + "\n"


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
    first = snippets("README.md")[0]
    commands = first.code.strip().splitlines()
    assert first.line == 3 and first.lang == "sh" and len(commands) == 2
    assert commands[0].endswith(".venv/bin/openqualify serve --demo") and "pip install -e '.[server]'" in commands[0]
    assert commands[1].replace("pip install -e", "pip install -q -e") in (ROOT / ".ci" / "run").read_text()


def test_skipped_snippets_say_why_and_are_few() -> None:
    skipped = [s for page in PAGES for s in snippets(page) if s.skipped]
    assert all(len(s.skipped or "") > 10 for s in skipped)
    assert len(skipped) <= 6, [f"{s.page}:{s.line}" for s in skipped]


@pytest.mark.parametrize("page", [p for p in PAGES if any(s.lang in RUN and not s.skipped for s in snippets(p))])
def test_page_snippets_run(page: str, newcomer: Newcomer) -> None:
    runnable = [s for s in snippets(page) if s.lang in RUN and not s.skipped]
    if page == "README.md":
        runnable = runnable[1:]  # the two commands (test above)
    shell = [s for s in runnable if s.lang != "python"]
    if shell:
        script = newcomer.localise(shell_script(shell))
        done = subprocess.run(
            ["bash", "-c", script], cwd=newcomer.folder, env=newcomer.env(), capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"{page}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    env = {
        **newcomer.env(),
        "OPENQUALIFY_BASE_URL": f"http://127.0.0.1:{newcomer.port}/v1",
        "OPENQUALIFY_TOKEN": (newcomer.folder / "openqualify.db.demo-token").read_text().strip(),
    }
    python = [s for s in runnable if s.lang == "python"]
    if python:
        session = "\n".join(f"# {s.page}:{s.line}\n{s.code}" for s in python)
        done = subprocess.run(
            [sys.executable, "-c", newcomer.localise(session)], cwd=newcomer.folder, env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"{page}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


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
