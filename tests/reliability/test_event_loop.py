"""Nothing a request runs may leave the event loop: FastAPI runs plain `def` dependencies and endpoints in a
worker thread, which on the embedded database meant a request holding SQLite's write lock while waiting for a
thread (the stall of issue 7). Every dependency and endpoint of every route is a coroutine."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


def _calls(dependant: Dependant) -> Iterator[object]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def test_every_dependency_and_endpoint_is_async(app: FastAPI) -> None:
    blocking = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for call in _calls(route.dependant):
            if not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)):
                blocking.append(f"{route.path}: {getattr(call, '__qualname__', call)}")
    assert not blocking, blocking
    assert len([r for r in app.routes if isinstance(r, APIRoute)]) > 84
