"""`openqualify mirror --from URL --token T`: an organisation read through the public API, written into a new local
organisation with the same ids (docs/mirror.md). Its token is the last line printed."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from openqualify.cli.admin._common import database_url, fail, masked, note, require_server, upgrade_or_fail
from openqualify.cli.admin._database import DbOption

T = TypeVar("T")


def _run(main: Coroutine[Any, Any, T]) -> T:
    """On uvloop where it is installed (the server's `uvicorn[standard]` brings it, except on Windows): a read
    costs the mirror a fifth less CPU (docs/benchmarks.md, "Mirror")."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while the mirror runs (docs/decisions.md T29). The mirror builds a
    heap of millions of objects that live to the end (answers, rows, checked rows), and each of the collector's
    full passes walks all of them: a third of the mapping's and writing's CPU on a medium organisation. What it
    would have freed is a few objects per read (asyncio's and aiohttp's reference cycles): reference counting
    frees everything else as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()  # what the run made is left to the end of the process: no last pass over it (1.3 s)
            gc.enable()


def mirror(
    source: Annotated[str, typer.Option("--from", help="The API to read, e.g. https://api.iqualify.com/v1.")],
    token: Annotated[str, typer.Option("--token", envvar="OPENQUALIFY_MIRROR_TOKEN", help="Its token.")],
    db: DbOption = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Name of the new organisation (default: the source's).")
    ] = None,
    anonymise: Annotated[
        bool, typer.Option("--anonymise", help="Replace names, e-mails and person ids, the same way every time.")
    ] = False,
    only: Annotated[
        str | None, typer.Option("--only", help="Comma-separated areas: users,courses,offerings,members,progress,"
                                 "mappings,badges,channels,groups,work (offerings always; work: learners' work).")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", help="Requests at once.", min=1, max=64)] = 16,
    state: Annotated[
        Path | None, typer.Option("--state", help="Where answers are kept to resume (default ./.openqualify-mirror/).")
    ] = None,
) -> None:
    """Mirror an organisation into a new local one; rerun the same command to resume after an interruption."""
    require_server()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from openqualify.server.mirror.anonymise import Pseudonyms
    from openqualify.server.mirror.build import AREAS, MADE_UP, Mirror, document
    from openqualify.server.mirror.fetch import AnswerStore, Fetcher, MirrorReadError
    from openqualify.server.mirror.write import write

    areas = frozenset(AREAS) if only is None else frozenset(a.strip() for a in only.split(",") if a.strip())
    unknown = sorted(areas - set(AREAS))
    if unknown:
        fail(f"--only: unknown area {unknown[0]} (one of {', '.join(AREAS)})", code=1)
    url = database_url(db)
    key = hashlib.sha256(f"{source.rstrip('/')}\0{token}".encode()).hexdigest()[:16]
    store = AnswerStore((state or Path(".openqualify-mirror")) / f"{key}.sqlite")
    resumed = store.count()
    note(f"Database: {masked(url)}")
    note(f"Reading {source}" + (f" (resuming: {resumed} answers kept)" if resumed else ""))
    upgrade_or_fail(url)
    started = time.perf_counter()
    with _no_cyclic_gc(), Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        transient=True, disable=None,
    ) as progress:  # fmt: skip
        task = progress.add_task("reading", total=None)

        def on_read(_cached: bool) -> None:
            progress.advance(task)

        def step(name: str) -> None:
            progress.update(task, description=f"reading {name}")

        async def run() -> Mirror:
            fetcher = Fetcher(source, token, store, concurrency=concurrency, on_read=on_read)
            found = Mirror(fetcher, only=areas, pseudonyms=Pseudonyms() if anonymise else None)
            try:
                await found.run(step)
            finally:
                await fetcher.close()
                note(
                    f"Read {store.count()} answers ({fetcher.requests} requests, {fetcher.retries} retries) "
                    f"in {time.perf_counter() - started:.1f} s"
                )
            return found

        try:
            found = _run(run())
        except MirrorReadError as error:
            fail(f"{error} (rerun the same command to resume)")
        progress.update(task, description="writing")
        name = org or f"{found.org_name or 'Mirror'} (mirror)"
        try:
            org_id, new_token, counts = _run(write(url, name, document(found)))
        except Exception as error:  # an id taken by another organisation, a schema problem: say which
            fail(f"could not write the organisation: {str(error).splitlines()[0]}")
    seconds = time.perf_counter() - started
    rows = ", ".join(f"{table} {n}" for table, n in sorted(counts.items()))
    note(f"Mirrored into {name} ({org_id}) in {seconds:.1f} s: {rows}")
    note("Made up (the API does not show them): " + "; ".join(f"{k}: {v}" for k, v in MADE_UP.items()))
    store.close()
    print(new_token)


def register(root: typer.Typer) -> None:
    root.command("mirror", context_settings={"help_option_names": ["-h", "--help"]})(mirror)
