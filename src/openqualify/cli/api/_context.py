"""What every API command shares: connection options, the client factory, output and exit codes."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from openqualify.cli._pipes import quiet_on_closed_pipe
from openqualify.client import APIConnectionError, Client, IQualifyError, ServerError

EXIT_OK = 0
EXIT_USAGE = 1  # a command line the CLI cannot run: unknown command or option, missing argument, unreadable file
EXIT_CLIENT_ERROR = 2  # the API answered 4xx
EXIT_SERVER_ERROR = 3  # the API answered 5xx
EXIT_CONNECTION_ERROR = 4  # no answer: refused, DNS, timeout
EXIT_ROWS_FAILED = 5  # the command ran to the end, but some of its rows failed (each is reported)

ClientFactory = Callable[[str | None, str | None], Client]


def default_client_factory(base_url: str | None, token: str | None) -> Client:
    return Client(base_url=base_url, token=token)


_factory: list[ClientFactory] = [default_client_factory]


def set_client_factory(factory: ClientFactory | None) -> None:
    """Replace how commands build their `Client` (tests inject one backed by `httpx.MockTransport`)."""
    _factory[0] = factory or default_client_factory


def exit_code_for(error: IQualifyError) -> int:
    if isinstance(error, APIConnectionError):
        return EXIT_CONNECTION_ERROR
    if isinstance(error, ServerError) or error.status >= 500:
        return EXIT_SERVER_ERROR
    return EXIT_CLIENT_ERROR


@dataclass
class Api:
    """Handed to every API command: the client, the output mode and the consoles."""

    client: Client
    json: bool
    out: Console
    err: Console

    def print_json(self, data: Any) -> None:
        """Plain JSON on stdout, never wrapped or coloured, so scripts can parse it."""
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))

    def fail(self, message: str, code: int = EXIT_USAGE) -> typer.Exit:
        self.err.print(f"Error: {message}", markup=False)
        return typer.Exit(code)

    def report(self, error: IQualifyError) -> typer.Exit:
        if self.json:
            typer.echo(json.dumps(error.to_dict(), ensure_ascii=False), err=True)
        else:
            label = error.name or "Error"
            status = f" ({error.status})" if error.status else ""
            self.err.print(f"Error: {label}{status}: {error.details}", markup=False, highlight=False)
        return typer.Exit(exit_code_for(error))


BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", envvar="OPENQUALIFY_BASE_URL", help="API base URL, e.g. http://127.0.0.1:8000/v1."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="OPENQUALIFY_TOKEN", help="API token of the organisation.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the raw JSON instead of a table.")]


def _common_parameters() -> list[inspect.Parameter]:
    kind = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter("base_url", kind, default=None, annotation=BaseUrlOption),
        inspect.Parameter("token", kind, default=None, annotation=TokenOption),
        inspect.Parameter("as_json", kind, default=False, annotation=JsonOption),
    ]


@contextmanager
def _session(base_url: str | None, token: str | None, as_json: bool) -> Iterator[Api]:
    out = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    err = Console(file=sys.stderr, highlight=False, soft_wrap=True)
    client = _factory[0](base_url, token)
    api = Api(client=client, json=as_json, out=out, err=err)
    try:
        yield api
    except IQualifyError as error:
        raise api.report(error) from error
    finally:
        client.close()


def api_command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn `func(api, ...)` into a Typer command with `--base-url`, `--token` and `--json` added."""
    signature = inspect.signature(func, eval_str=True)
    own = list(signature.parameters.values())[1:]  # drop `api`

    @functools.wraps(func)
    def command(*args: Any, base_url: str | None, token: str | None, as_json: bool, **kwargs: Any) -> None:
        with quiet_on_closed_pipe(), _session(base_url, token, as_json) as api:
            func(api, *args, **kwargs)

    parameters = own + _common_parameters()
    command.__signature__ = signature.replace(parameters=parameters, return_annotation=None)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    del command.__wrapped__  # Typer must read the new signature, not the original one
    return command


# Typer bundles its own Click; its UsageError is the base of the public `typer.BadParameter`.
UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def as_usage(error: Exception) -> Exception:
    """A Click usage error that exits with `EXIT_USAGE` (1) rather than Click's 2, which means a 4xx here."""
    error.exit_code = EXIT_USAGE  # type: ignore[attr-defined]
    return error


def _is_dash_id(arg: str, options: set[str]) -> bool:
    """A word like `-NbX0J8Y2q3N5sd1xkQa`: iQualify ids (offerings, channels, content) are push ids starting
    with `-`. Long options (`--x`) and one-letter flags (`-x`) keep their usual meaning."""
    return arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 and arg not in options


class ApiCommand(TyperCommand):
    """A command whose usage errors exit with `EXIT_USAGE` (1) rather than Click's 2, and whose arguments may
    start with `-` (`openqualify offerings get -NbX0J8Y2q3N5sd1xkQa`)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as error:
            raise as_usage(error) from None

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        options = {name for param in self.get_params(ctx) for name in (*param.opts, *param.secondary_opts)}
        if any(_is_dash_id(arg, options) for arg in args):
            # Click would read `-NbX…` as the unknown short options -N, -b, -X…; no API command has short
            # options, so an unknown one is passed on, intact, as an argument.
            ctx.ignore_unknown_options = True
        return super().parse_args(ctx, args)


class ApiGroup(TyperGroup):
    """A command group with the same usage exit code, for its own arguments and unknown subcommands."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as error:
            raise as_usage(error) from None

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            raise as_usage(error) from None


def group(name: str, help: str) -> typer.Typer:
    """A Typer sub-app for one resource, using `ApiGroup` and `ApiCommand`."""
    return typer.Typer(name=name, help=help, cls=ApiGroup, no_args_is_help=True, add_completion=False)


def command(app: typer.Typer, name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(api, ...)` on `app` as an API command."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        app.command(name, cls=ApiCommand, help=inspect.getdoc(func))(api_command(func))
        return func

    return decorate
