"""The demo organisation's learning data, read back through the public API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.sandbox.demo import build_demo
from tests.fixtures.api import Api


def test_demo_learning_data(api: Api, sync_engine: Engine) -> None:
    with admin_session(sync_engine) as session:
        build_demo(session, api.org_id, datetime.now(UTC), seed=11)
        session.commit()
    current = [o["id"] for o in api.get("/offerings/current").json()]
    assert current
    completions: set[str] = set()
    answered = reacted = noted = logged_in = 0
    for offering in current:
        rows = api.get(f"/offerings/{offering}/analytics/learners-progress").json()
        completions.update(r["completion"] for r in rows)
        logged_in += sum("lastLoggedInAt" in r for r in rows)
        answered += len(api.get(f"/offerings/{offering}/analytics/pulses").json())
        reacted += len(api.get(f"/offerings/{offering}/analytics/unit-reactions").json())
        noted += len(api.get(f"/offerings/{offering}/analytics/social-notes").json())
    assert {"0", "100"} <= completions and len(completions) > 5
    assert answered >= 2 * len(current) and reacted and noted and logged_in
    types = {r["pulseType"] for r in api.get(f"/offerings/{current[0]}/analytics/pulses/responses").json()}
    assert len(types) >= 2
    page = api.get("/users/all/progress", params={"$filter": "offerings/any(o: o/completion eq 100)"}).json()
    assert page["data"]["progress"]
