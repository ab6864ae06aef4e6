"""Request dependencies: one transaction per request, the authenticated principal, common path checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.engine import write_intent
from openqualify.server.db.faults import is_conflict, is_connection_lost, is_lock_timeout
from openqualify.server.db.statistics import refresh_after
from openqualify.server.kit.auth import ORG_CHANGED, Principal, authenticate, session_first
from openqualify.server.kit.errors import CommitUncertainError, SchemaValidationError, ServerBusyError
from openqualify.server.kit.listcache import bump_data_version
from openqualify.server.kit.repository import CHANGES
from openqualify.server.kit.tenancy import bind_org, bound_org
from openqualify.server.kit.validation import is_email
from openqualify.server.observability.tracing import unit_of_work_span

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnitOfWorkConflict(Exception):
    """The request's transaction lost a race and was rolled back; it may run again (`middleware.replay`)."""


async def _unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session. A write commits once when the endpoint returns; any failure rolls back.

    Function-scoped, so the commit happens before the response is sent: a client never sees a success
    for a write that did not persist.
    """
    writes = request.method not in _READ_METHODS
    write_intent.set(writes)
    with unit_of_work_span(request.app.state.tracer, writes):
        async with request.app.state.sessionmaker() as session:
            session.info[CHANGES] = writes  # the rows a write depends on are locked as it reads them (F1)
            try:
                yield session
                if writes:
                    if (org_id := bound_org(session.sync_session)) is not None:
                        await bump_data_version(session, org_id)  # cached lists of the organisation go stale
                    await _commit(session)
                    refresh_after(session, request.app.state.engine)
            except BaseException as error:
                await _roll_back(session, error)
                if is_conflict(error):  # lost a race: middleware.replay runs the request again
                    raise UnitOfWorkConflict from error
                if is_lock_timeout(error):
                    raise ServerBusyError from error
                raise
            # A read ends here: closing the session releases its connection (rolled back, nothing to keep).
            org_id = bound_org(session.sync_session)
            if session.info.get(ORG_CHANGED) and org_id is not None:
                request.app.state.principal_cache.forget_org(org_id)


async def _commit(session: AsyncSession) -> None:
    """A connection lost before COMMIT changed nothing (the request may run again, `middleware.replay`); lost during
    it, the change may or may not be saved, so the request is answered 503 and not run again (decision F3)."""
    try:
        await session.commit()
    except Exception as error:
        if is_connection_lost(error):
            raise CommitUncertainError from error
        raise


async def _roll_back(session: AsyncSession, error: BaseException) -> None:
    try:
        await session.rollback()
    except Exception:
        if not is_connection_lost(error):  # on a lost connection there is nothing to roll back
            raise


SessionDep = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]


async def _principal(
    request: Request,
    session: SessionDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    principal = await authenticate(session_first(session), authorization, request.app.state.principal_cache)
    bind_org(session.sync_session, principal.org_id)
    request.scope.setdefault("state", {})["org_id"] = principal.org_id  # for the access log and the journal
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]


async def _bulk_limit(request: Request) -> int:
    return int(request.app.state.settings.max_bulk_items)


BulkLimit = Annotated[int, Depends(_bulk_limit)]
"""`OPENQUALIFY_MAX_BULK_ITEMS`, for routes that take lists (`middleware.request_caps.check_bulk_size`)."""


def valid_email(value: str, name: str) -> str:
    """Path e-mails answer 400 before any lookup, as the contract's `format: email` asks."""
    if not is_email(value):
        raise SchemaValidationError(f'{name} {value} should match format "email".')
    return value


async def _user_email(userEmail: str) -> str:
    # async on purpose: FastAPI runs plain `def` dependencies in a thread, and no dependency may leave the loop
    return valid_email(userEmail, "userEmail")


UserEmailPath = Annotated[str, Depends(_user_email)]
