"""Rate limiting per token against real server processes: headers on every answer, 429 with Retry-After past
the limit, failed authentications limited per address, the count shared by workers, and the SDK's retries
honouring Retry-After."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from openqualify.client import Client
from tests.fixtures.live import running_server
from tests.fixtures.reliability import Org

pytestmark = pytest.mark.e2e

LIMIT = 10
HOUR = "3600"  # a long window: the test never straddles two windows


def _limited(limit: int = LIMIT, window: str = HOUR, **extra: str) -> dict[str, str]:
    return {"OPENQUALIFY_RATE_LIMIT_PER_MINUTE": str(limit), "OPENQUALIFY_RATE_LIMIT_WINDOW_SECONDS": window, **extra}


def test_limit_headers_and_429(database_url: str, org_factory: Callable[[str], Org]) -> None:
    with running_server(database_url, env=_limited()) as server:
        org, other = org_factory(server.base_url), org_factory(server.base_url)
        with org.client() as api:
            answers = [api.get("/org") for _ in range(LIMIT)] + [api.get("/offerings/nope")]
            refused = api.get("/org")
        assert [a.status_code for a in answers] == [200] * LIMIT + [429]
        remaining = [int(a.headers["X-RateLimit-Remaining"]) for a in answers[:LIMIT]]
        assert remaining == list(range(LIMIT - 1, -1, -1))
        assert {a.headers["X-RateLimit-Limit"] for a in answers} == {str(LIMIT)}
        reset = int(answers[0].headers["X-RateLimit-Reset"])
        assert time.time() < reset <= time.time() + 3600
        assert refused.status_code == 429
        assert refused.json()["name"] == "TooManyRequestsError"
        assert f"Rate limit of {LIMIT} requests per hour exceeded" in refused.json()["details"]  # the window's own
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        with other.client() as api:  # another token has its own count
            response = api.get("/offerings/nope")
            assert response.status_code == 404 and response.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)


def test_flood_of_bad_tokens_is_refused(database_url: str, org_factory: Callable[[str], Org]) -> None:
    with running_server(database_url, env=_limited()) as server:
        org = org_factory(server.base_url)
        with org.client() as api:
            assert api.get("/org").status_code == 200  # this token has authenticated here before the flood
        statuses = [
            httpx.get(f"{server.base_url}/v1/org", headers={"Authorization": f"Bearer bad-{n}"}).status_code
            for n in range(LIMIT + 5)
        ]
        assert statuses[:LIMIT] == [401] * LIMIT
        assert set(statuses[LIMIT + 1 :]) == {429}, statuses
        with org.client() as api:  # a good token from the same address still gets through
            assert api.get("/org").status_code == 200


def _count_allowed(base_url: str, token: str, attempts: int) -> int:
    allowed = 0
    for _ in range(attempts):  # a new connection each time, so the workers share the requests
        response = httpx.get(f"{base_url}/v1/org", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert response.status_code in (200, 429), response.text
        allowed += response.status_code == 200
    return allowed


def test_count_is_shared_by_two_workers_through_the_database(
    database_url: str, org_factory: Callable[[str], Org]
) -> None:
    env = _limited(OPENQUALIFY_RATE_LIMIT_BACKEND="database")
    with running_server(database_url, "--workers", "2", env=env) as server:
        org = org_factory(server.base_url)
        assert _count_allowed(server.base_url, org.token, 4 * LIMIT) == LIMIT


def test_count_is_shared_by_two_workers_through_redis(database_url: str, org_factory: Callable[[str], Org]) -> None:
    redis_url = "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception:
        pytest.skip(f"Redis is not reachable at {redis_url}")
    env = _limited(OPENQUALIFY_REDIS_URL=redis_url)  # auto: Redis when it is configured
    with running_server(database_url, "--workers", "2", env=env) as server:
        org = org_factory(server.base_url)
        assert _count_allowed(server.base_url, org.token, 4 * LIMIT) == LIMIT


def test_sdk_retries_honour_retry_after(database_url: str, org_factory: Callable[[str], Org]) -> None:
    """With 3 requests per 2-second window, 6 SDK calls all succeed: the SDK waits out each 429's Retry-After."""
    with running_server(database_url, env=_limited(limit=3, window="2")) as server:
        org = org_factory(server.base_url)
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

        with Client(f"{server.base_url}/v1", org.token, sleep=sleep) as client:
            names = [client.org.get().name for _ in range(6)]
    assert len(names) == 6
    assert waits, "the SDK never met a 429"
    assert all(1 <= w <= 2 for w in waits), waits  # Retry-After, not the exponential backoff


def test_rate_limit_is_off_by_default_in_the_sandbox(database_url: str, org_factory: Callable[[str], Org]) -> None:
    with running_server(database_url) as server:
        org = org_factory(server.base_url)
        with org.client() as api:
            response = api.get("/org")
            assert "X-RateLimit-Limit" not in response.headers


SPELLINGS = ["Bearer {t}", "bearer {t}", "BEARER {t}", "{t}", "Bearer  {t}", "bEaReR {t}", "Bearer\t{t}",
             "BEARER   {t}"]


def _redis_or_skip() -> str:
    redis_url = "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception:
        pytest.skip(f"Redis is not reachable at {redis_url}")
    return redis_url


@pytest.mark.parametrize("backend", ["memory", "database", "redis"])
def test_every_spelling_of_a_token_shares_its_count(
    database_url: str, org_factory: Callable[[str], Org], backend: str
) -> None:
    """Issue 19.2: 8 spellings of one token got 160 requests through a limit of 20; they share one count now."""
    env = _limited(limit=20, OPENQUALIFY_RATE_LIMIT_BACKEND=backend)
    if backend == "redis":
        env["OPENQUALIFY_REDIS_URL"] = _redis_or_skip()
    with running_server(database_url, env=env) as server:
        org = org_factory(server.base_url)  # a new token: no count of an earlier run
        statuses = [
            httpx.get(f"{server.base_url}/v1/org", headers={"Authorization": spelling.format(t=org.token)},
                      timeout=30).status_code
            for spelling in SPELLINGS
            for _ in range(5)
        ]
    assert statuses.count(200) == 20 and set(statuses) == {200, 429}, statuses


def _bad_token_statuses(base_url: str, count: int) -> list[int]:
    return [
        httpx.get(f"{base_url}/v1/org", timeout=30, headers={
            "Authorization": f"Bearer bad-{n}", "X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(count)
    ]


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(database_url: str) -> None:
    """Issue 19.10: rotating X-Forwarded-For dodged the per-address limit on bad tokens (30 x 401, never 429)."""
    with running_server(database_url, env=_limited()) as server:
        statuses = _bad_token_statuses(server.base_url, LIMIT + 5)
    assert statuses[:LIMIT] == [401] * LIMIT and set(statuses[LIMIT + 1 :]) == {429}, statuses
    with running_server(database_url, env=_limited(OPENQUALIFY_TRUSTED_PROXIES="127.0.0.1")) as behind_proxy:
        statuses = _bad_token_statuses(behind_proxy.base_url, LIMIT + 5)
    assert set(statuses) == {401}, statuses  # each forwarded address is a client of its own
