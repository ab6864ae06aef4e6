"""The demo's assessment area: every read op answers with data for at least one current offering."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.sandbox.demo import build_demo
from tests.fixtures.api import Api
from tests.fixtures.assessments import freeze

NOW = datetime(2026, 3, 10, 14, 37, tzinfo=UTC)
READ_OPS = (
    "learners/pending-submission",
    "activities/openresponse",
    "analytics/marks/assignments",
    "analytics/marks/quizzes",
    "analytics/submissions/assignments",
    "analytics/activities/responses",
)


def test_demo_assessment_data_is_readable(api: Api, sync_engine: Engine) -> None:
    started = time.perf_counter()
    with admin_session(sync_engine) as session:
        build_demo(session, api.org_id, NOW)
        session.commit()
    assert time.perf_counter() - started < 60
    freeze(api, NOW)
    current = api.get("/offerings/current").json()
    assert current
    found: dict[str, int] = defaultdict(int)
    for offering in current:
        base = f"/offerings/{offering['id']}"
        assessments = api.get(f"{base}/assessments").json()
        assert assessments, offering["name"]
        found["assessments"] += 1
        for op in READ_OPS:
            response = api.get(f"{base}/{op}")
            assert response.status_code == 200, (op, response.text)
            found[op] += bool(response.json())
        open_response = next(a for a in assessments if a["type"] == "open-response")
        rows = api.get(f"{base}/analytics/submissions/open-response/{open_response['id']}").json()
        found["open-response"] += bool(rows)
        for row in rows[:1]:
            email = row["learnerEmail"]
            found["learner"] += bool(
                api.get(f"{base}/analytics/submissions/{email}/assignments/{open_response['id']}").json()
            )
            found["own"] += bool(api.get(f"{base}/users/{email}/submissions/open-response").json())
    assert all(found[key] for key in ("assessments", *READ_OPS, "open-response", "learner", "own")), dict(found)
