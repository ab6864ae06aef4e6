"""`AsyncClient`'s resources are generated twins of `Client`'s: current with the generator, and mirroring every
blocking method (same name, same signature, a coroutine function, no operation of their own); a blocking
generator (`Iterator[X]`, e.g. `progress.all_pages`) has an async generator twin (`AsyncIterator[X]`)."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType

from openqualify.client import OPERATIONS, AsyncClient, Client
from openqualify.client.resources import AsyncResource, Resource

GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "generate_async_resources.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_async_resources", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def _as_blocking(signature: inspect.Signature) -> inspect.Signature:
    """The twin's signature with `AsyncIterator[X]` read as `Iterator[X]` (annotations are strings here)."""
    returns = signature.return_annotation
    if isinstance(returns, str) and returns.startswith("AsyncIterator["):
        return signature.replace(return_annotation=returns.removeprefix("Async"))
    return signature


def test_generated_twins_are_current() -> None:
    generator = _generator()
    assert generator.TARGET.read_text() == generator.render(), (
        "client/resources/_async.py is stale: run .venv/bin/python scripts/generate_async_resources.py"
    )


def test_every_async_resource_mirrors_its_blocking_one() -> None:
    sync, asyn = vars(Client(base_url="http://x/v1")), vars(AsyncClient(base_url="http://x/v1"))
    resources = {name for name, value in sync.items() if isinstance(value, Resource)}
    assert len(resources) == 12 and resources == {n for n, v in asyn.items() if isinstance(v, AsyncResource)}
    registered = {entry.split(".")[0] for entry in OPERATIONS.values()}
    for name in resources:
        blocking, twin = type(sync[name]), type(asyn[name])
        assert twin.__name__ == "Async" + blocking.__name__
        methods = _public_methods(blocking)
        assert methods and {k: _as_blocking(v) for k, v in _public_methods(twin).items()} == methods, name
        for method in methods:
            if inspect.isgeneratorfunction(getattr(blocking, method)):
                assert inspect.isasyncgenfunction(getattr(twin, method)), (name, method)
                continue
            assert inspect.iscoroutinefunction(getattr(twin, method)), (name, method)
            assert not inspect.iscoroutinefunction(getattr(blocking, method)), (name, method)
        assert blocking.__name__ in registered and twin.__name__ not in registered
