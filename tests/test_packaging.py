"""The distribution's shape: the base install is the SDK and the CLI; dependency directions hold."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
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
    names = {dep.split("==")[0].split("[")[0] for dep in project["dependencies"]}
    assert names == {"httpx", "pydantic", "typer", "rich"}
    server = {dep.split("==")[0].split("[")[0] for dep in project["optional-dependencies"]["server"]}
    assert {"fastapi", "sqlalchemy", "uvicorn", "alembic", "psycopg", "faker"} <= server
    assert "openqualify[server]" in project["optional-dependencies"]["test"]
    every = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    assert all("==" in dep for dep in every if not dep.startswith("openqualify[")), "pin versions exactly"


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
    assert "4 kept, 0 broken" in result.stdout


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
