"""The per-process principal cache: hits, expiry, and forgetting an organisation whose clock moved."""

from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.kit.auth import Principal, PrincipalCache
from openqualify.server.kit.clock import OrgClock
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org


def _principal(org_id: str) -> Principal:
    return Principal(org_id=org_id, org_name="x", clock=OrgClock())


def test_entries_expire_and_are_forgotten_by_org() -> None:
    cache = PrincipalCache(ttl=0.05)
    cache.put("a", _principal("org-1"))
    cache.put("b", _principal("org-2"))
    assert cache.get("a") is not None
    cache.forget_org("org-1")
    assert cache.get("a") is None and cache.get("b") is not None
    time.sleep(0.06)
    assert cache.get("b") is None


def test_disabled_cache_keeps_nothing() -> None:
    cache = PrincipalCache(ttl=0)
    cache.put("a", _principal("org-1"))
    assert cache.get("a") is None


def test_defaults_by_mode() -> None:
    assert Settings(mode="sandbox").principal_cache_ttl == 1  # one worker: clock changes all pass through it
    assert Settings(mode="sandbox", workers=2).principal_cache_ttl == 0  # another worker may move the clock
    assert Settings(mode="production").principal_cache_ttl == 5
    assert Settings(mode="production", workers=4).principal_cache_ttl == 5
    assert Settings(mode="sandbox", auth_cache_seconds=30).principal_cache_ttl == 30


def test_clock_change_reaches_cached_principal(database_url: str, sync_engine: Engine) -> None:
    app = create_app(Settings(database_url=database_url, auth_cache_seconds=600))
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Cache org {uuid.uuid4().hex[:8]}")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        course = client.post("/_sandbox/courses", json={"name": "Clocked"}, headers=headers).json()
        offering = client.post(
            "/v1/offerings",
            json={"rootContentId": course["rootContentId"], "start": "2040-01-01T00:00:00Z"},
            headers=headers,
        ).json()
        assert [o["id"] for o in client.get("/v1/offerings/future", headers=headers).json()] == [offering["id"]]
        moved = client.put("/_sandbox/clock", json={"now": "2040-06-01T00:00:00Z"}, headers=headers)
        assert moved.status_code == 200, moved.text
        assert [o["id"] for o in client.get("/v1/offerings/current", headers=headers).json()] == [offering["id"]]


def test_a_headers_token_hash_is_remembered_within_a_bound() -> None:
    """Authentication remembers the hash of each Authorization header it parsed (every spelling of a token gives
    the same hash); a flood of distinct headers never holds more than `MAX_HASHES` of at most `MAX_HASHED_HEADER`
    characters."""
    import asyncio

    import pytest

    from openqualify.server.kit import auth
    from openqualify.server.kit.errors import NotAuthorizedError

    looked_up: list[str] = []

    async def first(_statement: object, params: dict[str, str]) -> None:
        looked_up.append(params["token_hash"])
        return None  # no such token

    async def attempt(header: str | None) -> None:
        with pytest.raises(NotAuthorizedError):
            await auth.authenticate(first, header)

    for header in ("Bearer tok-1", "bearer  tok-1 ", "tok-1"):
        asyncio.run(attempt(header))
        assert auth._HASHES[header] == auth.hash_token("tok-1")
    assert looked_up == [auth.hash_token("tok-1")] * 3  # remembered hashes are still looked up, never trusted
    asyncio.run(attempt(None))
    assert None not in auth._HASHES
    long = "Bearer " + "x" * 10_000
    asyncio.run(attempt(long))
    assert long not in auth._HASHES  # (so the bound holds in bytes too)

    async def flood() -> None:
        for n in range(auth.MAX_HASHES + 10):
            with pytest.raises(NotAuthorizedError):
                await auth.authenticate(first, f"Bearer made-up-{n}")

    asyncio.run(flood())
    assert 0 < len(auth._HASHES) <= auth.MAX_HASHES
