"""Bearer-token authentication: the token selects the organisation (the `Principal`).

`middleware.authenticate_first` checks the token of every request to the API's prefixes before anything reads
its body (decision 8: 401 first, issue 19.9): a bad token answers at once, whatever the body, and the unread
body is discarded by the HTTP layer (`kit.protocol`). The principal it finds is the request's
(`REQUEST_PRINCIPAL`): the routes' own authentication (`authenticate`) returns it without a second lookup.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import ApiToken, Organisation
from openqualify.server.kit.clock import OrgClock
from openqualify.server.kit.errors import AccessDeniedError, NotAuthorizedError


@dataclass(frozen=True, slots=True)
class Principal:
    """The organisation a request acts for, and the clock it runs on."""

    org_id: str
    org_name: str
    clock: OrgClock

    def now(self) -> datetime:
        return self.clock.now()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_key(header: bytes | str | None) -> str | None:
    """A stable key for the token a header carries, however it is spelt (`Bearer`, `bearer`, no scheme, extra
    spaces): what authentication would look up. None when the header names no token."""
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    try:
        return hash_token(token_from_header(header))
    except NotAuthorizedError:
        return None


def token_from_header(header: str | None) -> str:
    """`Bearer <t>` (scheme case-insensitive) or a bare `<t>`."""
    if header is None or not header.strip():
        raise NotAuthorizedError("No authorization token was found.")
    parts = header.strip().split(None, 1)
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1].strip()
    if len(parts) == 1:
        return parts[0]
    raise NotAuthorizedError("Invalid authorization token.")


class PrincipalCache:
    """Token hash -> Principal, for `ttl` seconds, in this process.

    Saves the token lookup on every request. Changes to an organisation made through this process (its
    sandbox clock) forget its entries at commit; a token revoked from the CLI stops working in running
    workers within `ttl` seconds. `ttl` 0 disables the cache.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(token_hash, None)
            return None
        return entry[1]

    def put(self, token_hash: str, principal: Principal) -> None:
        if self.ttl > 0:
            if len(self._entries) > 10_000:  # bound memory against floods of distinct valid tokens
                self._entries.clear()
            self._entries[token_hash] = (time.monotonic() + self.ttl, principal)

    def forget_org(self, org_id: str) -> None:
        for key in [k for k, (_, p) in self._entries.items() if p.org_id == org_id]:
            self._entries.pop(key, None)


ORG_CHANGED = "org_changed"


def mark_org_changed(session: AsyncSession) -> None:
    """Say that this unit of work changes the organisation row (e.g. its clock): cached principals go."""
    session.info[ORG_CHANGED] = True


# Authorization header -> its token's hash, for the headers seen lately (the hash is the same every time: a header
# repeated on every request of a client costs a dictionary look-up instead of parsing and SHA-256).
MAX_HASHES = 4096
MAX_HASHED_HEADER = 256  # characters: a real header is `Bearer ` and a few dozen; longer ones are not kept
_HASHES: dict[str, str] = {}

# The principal `AuthenticateFirstMiddleware` found for the request being served, with the header it came from.
REQUEST_PRINCIPAL: ContextVar[tuple[str | None, Principal] | None] = ContextVar("request_principal", default=None)


def _already_authenticated(header: str | None) -> Principal | None:
    found = REQUEST_PRINCIPAL.get()
    return found[1] if found is not None and found[0] == header else None


FetchFirst = Callable[[Executable, dict[str, Any]], Awaitable[Any]]
"""Runs a statement with parameters and returns its first row (or None)."""


async def authenticate(first: FetchFirst, header: str | None, cache: PrincipalCache | None = None) -> Principal:
    """The organisation behind the request's token: the one `AuthenticateFirstMiddleware` found for this request,
    else the cached one, else the token's row, fetched by `first` (each path runs statements its own way)."""
    if (principal := _already_authenticated(header)) is not None:
        return principal
    token_hash = _HASHES.get(header) if header is not None else None
    if token_hash is None:
        token_hash = hash_token(token_from_header(header))
        if header is not None and len(header) <= MAX_HASHED_HEADER:
            if len(_HASHES) >= MAX_HASHES:  # bounded: a flood of made-up tokens forgets them all
                _HASHES.clear()
            _HASHES[header] = token_hash
    if cache is not None and (cached := cache.get(token_hash)) is not None:
        return cached
    principal = await lookup(first, token_hash)
    if cache is not None:
        cache.put(token_hash, principal)
    return principal


def session_first(session: AsyncSession) -> FetchFirst:
    """`FetchFirst` on a session's connection (Core: the token's statement has no organisation to scope)."""

    async def first(statement: Executable, params: dict[str, Any]) -> Any:
        return (await (await session.connection()).execute(statement, params)).first()

    return first


# Built once: the token check runs on every request whose token is not cached (every request in the sandbox).
_BY_TOKEN = (
    select(
        Organisation.id,
        Organisation.name,
        Organisation.api_enabled,
        Organisation.clock_frozen_at,
        Organisation.clock_offset_seconds,
    )
    .join(ApiToken, ApiToken.org_id == Organisation.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


async def lookup(first: FetchFirst, token_hash: str) -> Principal:
    """The organisation of a token (a Core statement: no ORM entity, no organisation scope to apply)."""
    row = await first(_BY_TOKEN, {"token_hash": token_hash})
    if row is None:
        raise NotAuthorizedError("Invalid authorization token.")
    if not row.api_enabled:
        raise AccessDeniedError("You are not allowed to access this resource")
    return Principal(
        org_id=row.id,
        org_name=row.name,
        clock=OrgClock(frozen_at=row.clock_frozen_at, offset_seconds=row.clock_offset_seconds),
    )
