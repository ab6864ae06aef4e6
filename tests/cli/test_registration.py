"""`openqualify.cli.main` lists every command module, each module is named after the one command or group it
registers, and every usage error exits with 1 (docs/cli.md's exit codes)."""

from __future__ import annotations

import pkgutil

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

import openqualify.cli.admin
import openqualify.cli.api
from openqualify.cli.api import EXIT_USAGE
from openqualify.cli.main import ADMIN_COMMANDS, API_COMMANDS, app


def _public_modules(package: object) -> set[str]:
    return {m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")}  # type: ignore[attr-defined]


def test_main_lists_every_command_module() -> None:
    assert {m.__name__.rsplit(".", 1)[-1] for m in ADMIN_COMMANDS} == _public_modules(openqualify.cli.admin)
    assert {m.__name__.rsplit(".", 1)[-1] for m in API_COMMANDS} == _public_modules(openqualify.cli.api)


def test_each_module_registers_the_command_it_is_named_after() -> None:
    for module in (*ADMIN_COMMANDS, *API_COMMANDS):
        root = typer.Typer()
        module.register(root)
        root.command("placeholder")(lambda: None)  # a root of one command would be that command itself
        names = set(get_command(root).commands) - {"placeholder"}  # type: ignore[attr-defined]
        assert names == {module.__name__.rsplit(".", 1)[-1]}, module.__name__


@pytest.mark.parametrize(
    "args",
    [
        ["nosuch"],  # an unknown command (Click would exit 2, which is a refused request here)
        [],  # no command: help, as a usage error
        ["offerings", "nosuch"],
        ["offerings", "get"],  # a missing argument
        ["progress", "--bogus"],
        ["serve", "--bogus"],  # admin commands too
        ["org", "nosuch"],
        ["db", "upgrade", "--nope"],
    ],
)
def test_every_usage_error_exits_1_as_docs_cli_md_says(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == EXIT_USAGE == 1, (args, result.output)


def test_help_exits_0() -> None:
    assert CliRunner().invoke(app, ["--help"]).exit_code == 0
    assert CliRunner().invoke(app, ["offerings", "enrol", "--help"]).exit_code == 0
