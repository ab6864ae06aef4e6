"""The list cache: bounded LRU of answers keyed by the organisation's data version, and the version itself
(raised by every committed write, left alone by failed ones, kept out of export/import/reset)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.models import OrgDataVersion
from openqualify.server.kit.listcache import ListCache
from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course

KEY = ("org", "/v1/offerings/x/analytics/learners-progress", b"")


def test_answers_are_kept_per_version() -> None:
    cache = ListCache(1000)
    cache.put(KEY, 7, b"[1]")
    assert cache.get(KEY, 7) == b"[1]"
    assert cache.get(KEY, 8) is None  # a write since: built again
    assert cache.get(("other org", *KEY[1:]), 7) is None


def test_bytes_are_bounded_least_recently_used_first_out() -> None:
    cache = ListCache(100)
    for n in range(4):
        cache.put(("org", f"/{n}", b""), 1, b"x" * 25)
    cache.get(("org", "/0", b""), 1)  # used: now the most recent
    cache.put(("org", "/4", b""), 1, b"x" * 25)
    assert cache.size == 100
    assert cache.get(("org", "/1", b""), 1) is None  # the least recently used went
    assert cache.get(("org", "/0", b""), 1) is not None
    cache.put(("org", "/big", b""), 1, b"x" * 26)  # over a quarter of the budget: never kept
    assert cache.get(("org", "/big", b""), 1) is None and cache.size <= 100


def test_replacing_an_entry_counts_its_bytes_once() -> None:
    cache = ListCache(100)
    cache.put(KEY, 1, b"x" * 20)
    cache.put(KEY, 2, b"y" * 10)
    assert cache.size == 10 and cache.get(KEY, 2) == b"y" * 10


def _version(engine: Engine, org_id: str) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            select(OrgDataVersion.version).where(OrgDataVersion.organisation_id == org_id)
        ).scalar_one_or_none()
    return found or 0


def test_committed_writes_raise_the_version_failed_ones_do_not(api: Api, sync_engine: Engine) -> None:
    start = _version(sync_engine, api.org_id)
    assert api.post("/users", json={"email": "v@example.com", "firstName": "V", "lastName": "W"}).status_code == 201
    created = _version(sync_engine, api.org_id)
    assert created > start
    assert error_name(api.post("/users", json={"email": "v@example.com"})) == "ObjectExistsError"
    assert error_name(api.patch("/users/v@example.com", json={"firstName": 5})) == "SchemaValidationError"
    assert _version(sync_engine, api.org_id) == created
    assert api.get("/users/v@example.com").status_code == 200  # reads never write
    assert _version(sync_engine, api.org_id) == created


def _progress_names(api: Api, offering: str) -> list[str]:
    rows = api.get(f"/offerings/{offering}/analytics/learners-progress").json()
    return sorted(row.get("lastName", "") for row in rows)


def _offering_with_learner(api: Api) -> str:
    course = make_course(api)
    offering = api.post(
        "/offerings", json={"name": "Cached", "contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"}
    ).json()["id"]
    learner = [{"email": "l@example.com", "firstName": "L", "lastName": "Before"}]
    assert api.post(f"/offerings/{offering}/users", json=learner).status_code == 201
    return str(offering)


def test_writes_through_the_api_and_the_sandbox_show_in_the_next_read(api: Api, other_api: Api) -> None:
    offering = _offering_with_learner(api)
    assert _progress_names(api, offering) == ["Before"]
    assert _progress_names(api, offering) == ["Before"]  # the second from the cache
    api.patch("/users/l@example.com", json={"lastName": "After"})
    assert _progress_names(api, offering) == ["After"]
    exported = api.sandbox.get("/export").json()
    api.sandbox.post("/reset")
    assert error_name(api.get(f"/offerings/{offering}/analytics/learners-progress")) == "ObjectNotFoundError"
    assert api.sandbox.post("/import", json=exported).status_code == 200
    assert _progress_names(api, offering) == ["After"]
    # The same path from another organisation is that organisation's answer, never the cached one.
    assert error_name(other_api.get(f"/offerings/{offering}/analytics/learners-progress")) == "ObjectNotFoundError"


def test_a_write_through_another_process_shows_in_the_next_read(api: Api, database_url: str) -> None:
    """Two apps on one database stand for two workers: each has its own cache, the version is shared."""
    offering = _offering_with_learner(api)
    assert _progress_names(api, offering) == ["Before"]  # cached in the session's app
    with TestClient(create_app(Settings(database_url=database_url))) as second_worker:
        other = Api(second_worker, api.token, api.org_id)
        assert other.patch("/users/l@example.com", json={"lastName": "Elsewhere"}).status_code == 200
    assert _progress_names(api, offering) == ["Elsewhere"]


def test_the_cache_can_be_turned_off(api: Api, database_url: str) -> None:
    with TestClient(create_app(Settings(database_url=database_url, list_cache_mb=0))) as uncached:
        offering = _offering_with_learner(api)
        path = f"/v1/offerings/{offering}/analytics/learners-progress"
        headers = {"Authorization": f"Bearer {api.token}"}
        assert uncached.get(path, headers=headers).json() == api.get(path.removeprefix("/v1")).json()
        assert uncached.app.state.list_cache.size == 0  # type: ignore[attr-defined]
