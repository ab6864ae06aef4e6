"""The demo organisation: built into a fresh organisation, read back through the public API, deterministic."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

from faker import Faker
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.sandbox.demo import build_demo, core
from openqualify.server.sandbox.demo.context import DemoContext
from tests.conftest import Api

NOW = datetime(2026, 3, 10, 14, 37, tzinfo=UTC)


def build(
    engine: Engine, api: Api, now: datetime | None = None, seed: int = 7, *, core_only: bool = False
) -> DemoContext:
    """The whole demo (or only its core area) in the organisation of `api`, committed."""
    with admin_session(engine) as session:
        if core_only:
            faker = Faker("en_NZ")
            faker.seed_instance(seed)
            ctx = DemoContext(session, api.org_id, now or datetime.now(UTC), random.Random(seed), faker, seed)
            core.seed(ctx)
        else:
            ctx = build_demo(session, api.org_id, now or datetime.now(UTC), seed=seed)
        session.commit()
        # Read what the tests need before the session closes (rows expire at commit).
        for user in ctx.users:
            _ = (user.email, user.suspended, user.is_builder)
        for offering in ctx.offerings:
            _ = (offering.id, offering.name, offering.content_id)
        for course in ctx.courses:
            _ = (course.id, course.draft_id, course.latest_content_id)
        for version in ctx.versions:
            _ = (version.id, version.course_id)
    return ctx


def test_demo_is_readable_through_the_api(api: Api, sync_engine: Engine) -> None:
    ctx = build(sync_engine, api)
    assert len(ctx.users) >= 200
    assert len(ctx.offerings) >= 12
    assert len(ctx.courses) >= 6

    for bucket in ("current", "past", "future"):
        response = api.get(f"/offerings/{bucket}")
        assert response.status_code == 200, response.text
        assert response.json(), bucket
    everything = api.get("/offerings").json()
    assert len(everything) == len(ctx.offerings)
    assert any(o.get("useRelativeDates") for o in everything)
    assert any(o.get("hasEarlyCloseOff") for o in everything)
    assert all(o["identifier"] and o["metadata"]["tags"] for o in everything)

    courses = api.get("/courses").json()
    assert len(courses) >= 5
    assert all(c["metadata"]["learning_outcomes"] for c in courses)
    draft_only = [c for c in ctx.courses if c.latest_content_id is None]
    assert len(draft_only) == 1
    assert draft_only[0].draft_id in {c["id"] for c in courses}
    several_versions = [c for c in ctx.courses if sum(v.course_id == c.id for v in ctx.versions) >= 2]
    assert len(several_versions) >= 3

    activations = [a for o in ctx.offerings for a in api.get(f"/courses/{o.content_id}/activations").json()]
    assert activations
    assert {a["id"] for a in activations} == {o.id for o in ctx.offerings}
    for activation in activations:
        assert 10 <= int(activation["learnersCount"]) <= 60

    staff = next(u for u in ctx.users if u.is_builder)
    assert api.get(f"/users/{staff.email}").status_code == 200
    assert api.get(f"/courses/{ctx.courses[0].id}/permissions").json()
    suspended = [u for u in ctx.users if u.suspended]
    assert suspended


def test_same_seed_gives_the_same_core_data(new_api: Callable[[], Api], sync_engine: Engine) -> None:
    first, second = new_api(), new_api()
    one = build(sync_engine, first, NOW, core_only=True)
    two = build(sync_engine, second, NOW.replace(minute=59), core_only=True)  # the hour is what counts
    assert [u.email for u in one.users] == [u.email for u in two.users]
    names = [[o["name"] for o in api.get("/offerings").json()] for api in (first, second)]
    assert names[0] == names[1] and names[0]
    assert [c["name"] for c in first.get("/courses").json()] == [c["name"] for c in second.get("/courses").json()]
    assert {o.id for o in one.offerings}.isdisjoint(o.id for o in two.offerings)  # ids stay unique


def _ids(export: dict[str, object]) -> dict[str, list[str]]:
    tables = export["tables"]
    assert isinstance(tables, dict)
    return {name: sorted(str(row["id"]) for row in rows if "id" in row) for name, rows in tables.items()}


def test_reset_and_demo_give_the_same_ids_later_and_other_organisations_other_ids(api: Api, other_api: Api) -> None:
    """`POST /_sandbox/reset` then `POST /_sandbox/demo` rebuilds the organisation with the same ids, even days
    later; another organisation's demo has ids of its own (ids are unique database-wide)."""
    api.sandbox.put("/clock", json={"now": "2030-03-01T09:20:00Z"})
    assert api.sandbox.post("/demo").status_code in (200, 201)
    first = _ids(api.sandbox.get("/export").json())
    assert sum(len(ids) for ids in first.values()) > 1000

    api.sandbox.post("/reset")
    api.sandbox.put("/clock", json={"now": "2030-07-14T17:45:00Z"})
    assert api.sandbox.post("/demo").status_code in (200, 201)
    assert _ids(api.sandbox.get("/export").json()) == first

    other_api.sandbox.put("/clock", json={"now": "2030-03-01T09:20:00Z"})
    assert other_api.sandbox.post("/demo").status_code in (200, 201)
    theirs = _ids(other_api.sandbox.get("/export").json())
    assert not {i for ids in theirs.values() for i in ids} & {i for ids in first.values() for i in ids}
