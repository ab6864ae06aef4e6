"""A request's dealings with the database beyond its own statements: lost races and lost connections run the
request again, long waits and over-long statements answer 503, abandoned reads are stopped.

Lost races answer what the request would have got had it run second: the unit of work is run again.
Two requests that create the same thing at once (the same e-mail, the same member of an offering) both pass
their "does it exist?" check on PostgreSQL's READ COMMITTED; one insert then fails on the unique index. The
loser's transaction is rolled back whole (nothing of it persisted), so running the request again is safe: the
second run sees the winner's row and answers the contract's error (`ObjectExistsError`, a 207 item) or
succeeds where the winner's row does not matter. Deadlocks, serialisation failures and ORM updates of rows
changed meanwhile are retried the same way. (Changes that check a row before changing it lock it as they read
it, `Repository.for_change`, so they queue instead of racing.)

A lost connection (a restart, a failover, a terminated backend) is the same story: the transaction died with
it, so the request runs again on a fresh connection, for up to `RECONNECT_SECONDS`; after that the database is
away and the answer is 503 with Retry-After (decision F3). A connection lost during COMMIT is the exception
(`kit.deps`): the change may have been saved, so that request is not run again.

`ReplayOnConflictMiddleware` keeps a write request's body (already capped by `middleware.request_caps`) so it can
dispatch the request again, always before any response byte was sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.db.faults import is_connection_lost, is_damaged_file, is_statement_timeout
from openqualify.server.kit.deps import UnitOfWorkConflict
from openqualify.server.kit.errors import ApiError, DatabaseUnavailableError, StatementTimeoutError
from openqualify.server.middleware.asgi import read_body, replay_body, send_error

logger = logging.getLogger("openqualify")

MAX_ATTEMPTS = 4
# A request whose database connection was lost is run again, after 50 ms doubling to 1 s, for up to this long
# (a restart of PostgreSQL takes a few seconds); past it the database is away: 503 with Retry-After.
RECONNECT_SECONDS = 5.0
FIRST_RECONNECT_DELAY = 0.05
MAX_RECONNECT_DELAY = 1.0
CLIENT_CLOSED_REQUEST = 499  # what the access log and the journal record for a read whose client went away
WATCH_AFTER_SECONDS = 0.05  # a read still running after this long is stopped if its client goes away
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
class ReplayOnConflictMiddleware:
    """Runs a request again when its unit of work lost a race (writes) or its database connection was lost
    before it committed anything (any request); answers 503 when the database stays away or a statement ran past
    its budget; stops a read whose client went away (decisions R5, F3-F6).

    Everything here happens before the first byte of the answer: a request whose answer started is never run
    again. A write's body (already capped by `middleware.request_caps`) is kept so that it can be dispatched again.
    """

    def __init__(self, app: ASGIApp, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.app = app
        self.max_attempts = max_attempts
        self.reads = ReadsInFlight()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reads = scope["method"] in _READ_METHODS
        body = b"" if reads else await read_body(receive)
        if body is None:  # the client went away before its request arrived whole: nothing to run
            return
        answer = _Answer()

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.started = True
            await send(message)

        conflicts = 0
        give_up_at = time.monotonic() + RECONNECT_SECONDS
        delay = FIRST_RECONNECT_DELAY
        while True:
            try:
                if reads:  # (its own `send` wrapper tracks the answer)
                    await _until_the_client_leaves(self.app, scope, receive, send, self.reads, answer)
                else:
                    await self.app(scope, replay_body(body, receive), tracking_send)
                return
            except UnitOfWorkConflict as conflict:
                conflicts += 1
                if answer.started or conflicts == self.max_attempts:
                    raise (conflict.__cause__ or conflict) from None
                logger.info("unit of work lost a race, running it again (attempt %d)", conflicts + 1)
                await asyncio.sleep(random.uniform(0, 0.005 * conflicts))  # let the winner commit first
            except Exception as error:
                if is_damaged_file(error):
                    scope["app"].state.database_damaged = _first_line(error)  # /ready says so from now on
                    raise
                if answer.started:
                    raise
                if is_statement_timeout(error):
                    await _answer(send, StatementTimeoutError(scope["app"].state.settings.statement_timeout_ms))
                    return
                if not is_connection_lost(error):
                    raise
                if time.monotonic() + delay > give_up_at:
                    logger.warning("database unavailable, answering 503: %s", _first_line(error))
                    await _answer(send, DatabaseUnavailableError())
                    return
                logger.info("database connection lost, running the request again: %s", _first_line(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY)


class _Answer:
    """Whether a request's answer has started (then it is never run again)."""

    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False


class ReadsInFlight:
    """A worker's reads under way, looked over every `WATCH_AFTER_SECONDS` by one task: a read still running then
    gets a watcher for its client's disconnect. Most reads are over in milliseconds; a watcher task (or a timer)
    for each would cost them more than cancelling could ever save."""

    def __init__(self) -> None:
        self._reads: dict[Callable[[], None], float] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def add(self, start_watching: Callable[[], None]) -> None:
        self._reads[start_watching] = time.monotonic()
        loop = asyncio.get_running_loop()
        if self._sweeper is None or self._sweeper.done() or self._sweeper.get_loop() is not loop:
            self._sweeper = loop.create_task(self._sweep())

    def discard(self, start_watching: Callable[[], None]) -> None:
        self._reads.pop(start_watching, None)

    async def _sweep(self) -> None:
        while self._reads:  # ends when no read is under way; the next one starts it again
            await asyncio.sleep(WATCH_AFTER_SECONDS)
            due = time.monotonic() - WATCH_AFTER_SECONDS
            for start_watching, started in list(self._reads.items()):
                if started <= due:
                    del self._reads[start_watching]
                    start_watching()


async def _until_the_client_leaves(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, in_flight: ReadsInFlight, answer: _Answer
) -> None:
    """Run a read; if its client disconnects first, cancel it (decision F6).

    The read's statement is then cancelled too: psycopg sends PostgreSQL a cancel request when the task waiting
    for a result is cancelled, so an abandoned expensive list stops costing the database. A watcher task, started
    once the read has run for about `WATCH_AFTER_SECONDS` (`ReadsInFlight`), waits for the client's
    `http.disconnect` (a client gone earlier is seen at once then). The read gets its empty body, then a channel
    that says `http.disconnect` only once the watcher has seen it. On SQLite a statement runs inline and cannot
    be cancelled halfway: it runs to its end or its budget (`db.sqlite_inline.StatementBudget`), and the read
    stops at its next await. The outer layers (access log, journal) see status 499, nginx's "client closed
    request"; the client sees nothing, it is gone.
    """
    request_task = asyncio.current_task()
    assert request_task is not None
    running = True
    answered = cancelled = False
    client_left: asyncio.Event | None = None  # made when someone waits for it (most reads end first)

    def left() -> asyncio.Event:
        nonlocal client_left
        if client_left is None:
            client_left = asyncio.Event()
        return client_left

    async def watch() -> None:
        nonlocal cancelled
        while (await receive())["type"] != "http.disconnect":  # (also said once the answer is complete)
            pass
        left().set()
        if running and not answered:  # still working on an answer nobody waits for: stop where it waits now
            cancelled = True
            request_task.cancel()

    async def observed_send(message: Message) -> None:
        nonlocal answered
        if message["type"] == "http.response.start":
            answer.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            answered = True
        await send(message)

    body_given = False

    async def app_receive() -> Message:
        nonlocal body_given
        if not body_given:
            body_given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await left().wait()
        return {"type": "http.disconnect"}

    watcher: asyncio.Task[None] | None = None

    def start_watching() -> None:
        nonlocal watcher
        if running:
            watcher = asyncio.get_running_loop().create_task(watch())

    in_flight.add(start_watching)
    try:
        await app(scope, app_receive, observed_send)
    except asyncio.CancelledError:
        if not cancelled or request_task.uncancel() > 0:  # not (only) our own cancellation
            raise
        logger.info("client went away: read cancelled (%s %s)", scope["method"], scope["path"])
        if not answer.started:
            await send({"type": "http.response.start", "status": CLIENT_CLOSED_REQUEST, "headers": []})
            await send({"type": "http.response.body", "body": b""})
    finally:
        running = False
        in_flight.discard(start_watching)
        if watcher is not None:
            watcher.cancel()


async def _answer(send: Send, error: ApiError) -> None:
    await send_error(send, error.status_code, error.name, error.details, error.headers)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
