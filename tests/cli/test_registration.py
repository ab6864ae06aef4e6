"""`openqualify.cli.main` lists every command module, and each module is named after the one command or group it
registers."""

from __future__ import annotations

import pkgutil

import typer
from typer.main import get_command

import openqualify.cli.admin
import openqualify.cli.api
from openqualify.cli.main import ADMIN_COMMANDS, API_COMMANDS


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
