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
