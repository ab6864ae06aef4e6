"""The distribution's shape: the base install is the SDK and the CLI; dependency directions hold; `pyproject.toml`
declares compatible ranges (so `pip install openqualify` fits beside an application's own pins), `constraints.txt`
(the lock) pins exact versions within them, CI, the README's commands and the Dockerfile install the lock, this
environment is the lock, and the base ranges resolve on their own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCK = ROOT / "constraints.txt"
SERVER_ONLY = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "pydantic_settings", "faker", "psycopg",
               "orjson", "redis", "fastapi_offline", "pythonjsonlogger", "jinja2")  # fmt: skip

# Runs the CLI in a Python where the server's dependencies cannot be imported (as after `pip install openqualify`).
WITHOUT_SERVER = f"""
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {SERVER_ONLY!r}:
            raise ImportError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Blocked())
for name in [n for n in sys.modules if n.split(".")[0] in {SERVER_ONLY!r}]:
    del sys.modules[name]
sys.argv = ["openqualify", *sys.argv[1:]]
import openqualify.client
from openqualify.cli.main import main
main()
"""


def without_server(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_SERVER, *args], capture_output=True, text=True, timeout=60
    )


def test_base_install_is_the_sdk_and_the_cli() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {Requirement(dep).name for dep in project["dependencies"]}
    assert names == {"httpx", "pydantic", "typer", "rich"}
    server = {Requirement(dep).name for dep in project["optional-dependencies"]["server"]}
    assert {"fastapi", "sqlalchemy", "uvicorn", "alembic", "psycopg", "faker"} <= server
    assert "openqualify[server]" in project["optional-dependencies"]["test"]


def test_cli_works_without_the_server_and_says_how_to_get_it() -> None:
    helped = without_server("--help")
    assert helped.returncode == 0 and "offerings" in helped.stdout, helped.stderr
    unreachable = without_server("whoami", "--base-url", "http://127.0.0.1:1/v1", "--token", "t")
    assert unreachable.returncode == 4, unreachable.stderr  # the API command ran, through the SDK alone
    served = without_server("serve")
    assert served.returncode == 1
    assert served.stderr.strip() == (
        "error: this command needs the server, which is not installed (fastapi is missing): "
        "pip install 'openqualify[server]'"
    )


def test_import_contracts_hold() -> None:
    result = subprocess.run([BIN / "lint-imports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


def test_import_contracts_can_fail(tmp_path: Path) -> None:
    """The wildcards match: forbidding what routers and services do import breaks both contracts."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "openqualify"\ninclude_external_packages = true\n'
        '[[tool.importlinter.contracts]]\nname = "r"\ntype = "forbidden"\n'
        'source_modules = ["openqualify.server.**.router"]\nforbidden_modules = ["fastapi"]\n'
        '[[tool.importlinter.contracts]]\nname = "s"\ntype = "forbidden"\n'
        'source_modules = ["openqualify.server.**.service"]\nforbidden_modules = ["openqualify.server.kit"]\n'
        "allow_indirect_imports = true\n"
    )
    result = subprocess.run(
        [BIN / "lint-imports", "--config", str(config)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1 and "0 kept, 2 broken" in result.stdout, result.stdout


# --- ranges in pyproject.toml, exact versions in the lock -------------------------------------------------------

EXACT_ON_PURPOSE = {"faker"}  # the demo's people are drawn from Faker's lists: another release, other names
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^ ;]+)(?:\s*;\s*(?P<marker>.+))?$")
NO_INDEX = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
            "Network is unreachable", "No matching distribution found", "Could not fetch URL")  # fmt: skip


def project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def requirements(extras: bool = True) -> list[Requirement]:
    """The base dependencies and every extra's, less the references to the project itself (`openqualify[server]`)."""
    found = [Requirement(r) for r in project()["dependencies"]]  # type: ignore[attr-defined]
    if extras:
        for group in project()["optional-dependencies"].values():  # type: ignore[attr-defined]
            found += [Requirement(r) for r in group]
    return [r for r in found if canonicalize_name(r.name) != "openqualify"]


def lock() -> dict[str, list[tuple[Version, Marker | None]]]:
    pinned: dict[str, list[tuple[Version, Marker | None]]] = {}
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PINNED.match(line)
        assert match, f"constraints.txt: not an exact pin: {line!r}"
        marker = Marker(match["marker"]) if match["marker"] else None
        pinned.setdefault(canonicalize_name(match["name"]), []).append((Version(match["version"]), marker))
    return pinned


def test_every_dependency_is_a_range() -> None:
    for requirement in requirements():
        operators = sorted(spec.operator for spec in requirement.specifier)
        if canonicalize_name(requirement.name) in EXACT_ON_PURPOSE:
            assert operators == ["=="], requirement
        else:
            assert operators == ["<", ">="], f"{requirement}: a tested lower bound and the next major as the upper"


def test_the_lock_satisfies_every_range() -> None:
    pinned = lock()
    assert len(pinned) >= 80  # every package of every extra, and what they need
    for requirement in requirements():
        versions = pinned.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in constraints.txt: run scripts/lock.sh"
        for version, _ in versions:
            assert requirement.specifier.contains(version, prereleases=True), f"{requirement} vs lock {version}"


def test_ci_the_readme_and_the_container_install_the_lock() -> None:
    readme = (ROOT / "README.md").read_text().split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert len(readme) == 2 and all(" -c constraints.txt " in command for command in readme)
    assert "pip install -q -c constraints.txt -e '.[test]'" in (ROOT / ".ci" / "run").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY [^\n]*constraints\.txt", dockerfile, re.M)
    assert re.search(r"^RUN pip install [^\n]*-c constraints\.txt", dockerfile, re.M)


def test_this_environment_is_the_lock() -> None:
    """The versions installed here are the locked ones (CI installs with the README's command)."""
    checked = 0
    for name, versions in lock().items():
        wanted = [v for v, marker in versions if marker is None or marker.evaluate()]
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue  # another platform's, or an extra not installed here (`lock`)
        assert installed in wanted, f"{name} {installed} is installed, the lock says {wanted}"
        checked += 1
    assert checked >= 60


def test_the_base_ranges_resolve(tmp_path: Path) -> None:
    """What an application gets from `pip install openqualify`: the base ranges alone (no lock) resolve, to the
    SDK's and the CLI's four dependencies and theirs, none of the server's. Needs a package index."""
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_CONSTRAINT", "PIP_NO_INDEX")}
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--disable-pip-version-check", "--report", str(report), str(ROOT)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    if done.returncode != 0 and any(sign in done.stdout + done.stderr for sign in NO_INDEX):
        pytest.skip(f"no package index reachable: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stdout + done.stderr
    resolved = {
        canonicalize_name(item["metadata"]["name"]): Version(item["metadata"]["version"])
        for item in json.loads(report.read_text())["install"]
    }
    for requirement in requirements(extras=False):
        assert requirement.specifier.contains(resolved[canonicalize_name(requirement.name)]), requirement
    assert not {"fastapi", "sqlalchemy", "uvicorn", "alembic"} & set(resolved)
