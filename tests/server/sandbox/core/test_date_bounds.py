"""Dates and durations are bounded where they come in, and arithmetic on what is already stored never raises
(issue 19.3: each case below answered 500 before, most of them for good).

Accepted date-times lie within 1900-01-01T00:00:00.000Z .. 9000-12-31T23:59:59.999Z; a clock move, a badge's
timeframe and a pending-submission window are at most 100 years. Values stored before the bounds existed
(written here straight into the database) are read with arithmetic that saturates at 9999-12-31.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, update

from openqualify.server.db.models import Offering, OfferingBadge, Organisation
from openqualify.server.kit.tenancy import admin_session
from tests.fixtures.api import Api

RANGE = 'should be a date-time from "1900-01-01T00:00:00.000Z" to "9000-12-31T23:59:59.999Z"'
ADVANCE = "data should move the clock by at most 36500 days (100 years) either way"
LAST = "9999-12-31T23:59:59.999Z"


def _course(api: Api) -> dict[str, Any]:
    response = api.sandbox.post("/courses", json={"name": "Bounds"})
    assert response.status_code == 201
    return response.json()


def _offering(api: Api, content_id: str, **fields: Any) -> str:
    body = {"name": "Bounded", "contentId": content_id, "start": "2030-01-01T00:00:00Z", **fields}
    response = api.post("/offerings", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _details(response: Any) -> Any:
    assert response.status_code == 400, response.text
    return response.json()


@pytest.mark.parametrize("start", ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59.999Z",
                                   "9001-01-01T00:00:00Z", "1900-01-01T00:00:00+00:01"])
def test_an_offering_outside_the_dates_is_refused_with_the_bounds(api: Api, start: str) -> None:
    content = _course(api)["contentId"]
    response = api.post("/offerings", json={"name": "x", "contentId": content, "start": start})
    assert _details(response) == {"name": "SchemaValidationError", "details": f"data.start {RANGE}"}


def test_the_edges_of_the_range_are_accepted_everywhere(api: Api) -> None:
    content = _course(api)["contentId"]
    offering = _offering(api, content, start="1900-01-01T00:00:00Z", end="9000-12-31T23:59:59.999Z")
    patched = api.patch(f"/offerings/{offering}", json={"earlyCloseOffDate": "9000-12-31T13:59:59.999-10:00"})
    assert patched.json()["earlyCloseOffDate"] == "9000-12-31T23:59:59.999Z"
    assert api.patch(f"/offerings/{offering}", json={"end": "9001-01-01T00:00:00Z"}).json() == {
        "name": "SchemaValidationError", "details": f"data.end {RANGE}"}
    created = api.sandbox.post("/courses", json={"name": "Old", "createdAt": "1899-01-01T00:00:00Z"})
    assert _details(created)["details"] == f"data.createdAt {RANGE}"


def test_the_sandbox_clock_is_bounded(api: Api) -> None:
    for body in ({"days": 1e10}, {"seconds": 1e300}, {"hours": -1e12}, {"days": 36_501}, {"minutes": 1e308,
                                                                                           "seconds": -1e308}):
        assert _details(api.sandbox.post("/clock/advance", json=body)) == {
            "name": "SchemaValidationError", "details": ADVANCE}, body
    for now in ("9999-12-31T23:00:00Z", "0001-01-01T00:00:00Z"):
        assert _details(api.sandbox.put("/clock", json={"now": now}))["details"] == f"data.now {RANGE}"
    assert api.sandbox.put("/clock", json={"now": "9000-12-01T00:00:00Z"}).status_code == 200
    assert _details(api.sandbox.post("/clock/advance", json={"days": 31})) == {
        "name": "SchemaValidationError",
        "details": f"data would move the clock to 9001-01-01T00:00:00.000Z: the clock {RANGE}",
    }
    assert api.sandbox.post("/clock/advance", json={"days": 30, "hours": 23}).json()["now"] == (
        "9000-12-31T23:00:00.000Z"
    )
    assert api.sandbox.post("/clock/advance", json={"days": -36_500}).json()["now"] == "8901-01-24T23:00:00.000Z"
    running = api.sandbox.put("/clock", json={"now": "1900-01-02T00:00:00Z", "frozen": False}).json()
    assert running["frozen"] is False
    assert _details(api.sandbox.post("/clock/advance", json={"days": -2}))["details"].startswith(
        "data would move the clock to 1899-12-31")


@pytest.mark.parametrize(("amount", "unit", "limit"), [(1e7, "years", 100), (101, "years", 100),
                                                       (1201, "months", 1200), (1e300, "days", 36500)])
def test_a_badge_timeframe_is_at_most_100_years(api: Api, amount: float, unit: str, limit: int) -> None:
    content = _course(api)["contentId"]
    badge = {"title": "B", "badgeExpiry": {"expires": True, "expiryType": "timeframe", "timeframeAmount": amount,
                                           "timeframeUnit": unit}}
    response = api.post("/offerings", json={"name": "x", "contentId": content, "start": "2030-01-01T00:00:00Z",
                                            "badge": badge})
    assert _details(response) == {
        "name": "SchemaValidationError",
        "details": f'data.badge.badgeExpiry.timeframeAmount should be <= {limit} when timeframeUnit is "{unit}" (a '
        "badge expires at most 100 years after its award: 36500 days, 1200 months or 100 years)",
    }
    badge["badgeExpiry"]["timeframeAmount"] = limit
    assert api.post("/offerings", json={"name": "x", "contentId": content, "start": "2030-01-01T00:00:00Z",
                                        "badge": badge}).status_code == 201


def _member(api: Api, offering: str, email: str = "ann@example.com") -> str:
    added = api.post(f"/offerings/{offering}/users", json=[{"email": email, "firstName": "A", "lastName": "B"}])
    assert added.status_code == 201, added.text
    return email


@pytest.mark.parametrize(("amount", "unit"), [(1e7, "years"), (1e300, "days"), (1e300, "months"), (1e7, "days")])
def test_a_stored_huge_timeframe_saturates(api: Api, sync_engine: Engine, amount: float, unit: str) -> None:
    """A badge stored before the bound: `GET /users/{e}/badges` answered 500 for good, even after the learner left."""
    content = _course(api)["contentId"]
    offering = _offering(api, content, start="2020-01-01T00:00:00Z", badge={
        "title": "B", "badgeExpiry": {"expires": True, "expiryType": "timeframe", "timeframeAmount": 1,
                                      "timeframeUnit": "days"}})
    email = _member(api, offering)
    assert api.post(f"/offerings/{offering}/users/{email}/badges/award").status_code == 201
    with admin_session(sync_engine) as session:
        session.execute(update(OfferingBadge).where(OfferingBadge.offering_id == offering)
                        .values(timeframe_amount=amount, timeframe_unit=unit))
        session.commit()
    for _ in range(2):
        badges = api.get(f"/users/{email}/badges").json()
        assert badges[0]["badgeExpiry"] == {"expires": True, "expirationDate": LAST}
        assert api.http.get(f"/console/f/learners/{email}", headers={"Authorization": f"Bearer {api.token}"}
                            ).status_code == 200
        assert api.delete(f"/offerings/{offering}/users/{email}").status_code in (204, 404)


def _store(engine: Engine, model: Any, key: Any, **values: Any) -> None:
    with admin_session(engine) as session:
        session.execute(update(model).where(key).values(**values))
        session.commit()


def _forget_clock(api: Api) -> None:
    """The worker keeps a checked token's organisation (and clock) for a second: read the stored one now."""
    api.http.app.state.principal_cache.forget_org(api.org_id)  # type: ignore[attr-defined]


def test_a_stored_start_at_the_end_of_time_saturates(api: Api, sync_engine: Engine) -> None:
    """An offering starting 9999-12-31 (stored before the bound) with relative due dates: its assessments and
    pending submissions answered 500."""
    course = _course(api)
    offering = _offering(api, course["contentId"], useRelativeDates=True)
    email = _member(api, offering)
    assessment = api.sandbox.post("/assessments", json={
        "contentId": course["contentId"], "type": "assignment", "title": "Late", "openOffsetDays": 1,
        "dueOffsetDays": 3650})
    assert assessment.status_code == 201
    _store(sync_engine, Offering, Offering.id == offering, start=datetime(9999, 12, 31, tzinfo=UTC))
    listed = api.get(f"/offerings/{offering}/assessments").json()
    assert (listed[0]["openDate"], listed[0]["dueDate"]) == (LAST, LAST)
    api.sandbox.put("/clock", json={"now": "9000-12-31T23:59:59.999Z"})
    assert api.get(f"/offerings/{offering}/learners/pending-submission", params={"days": "36500"}).status_code == 200
    assert api.get(f"/users/{email}/offerings/{offering}/progress").status_code == 200
    token = {"Authorization": f"Bearer {api.token}"}
    assert api.http.get(f"/console/f/offerings/{offering}/assessments", headers=token).status_code == 200


@pytest.mark.parametrize("clock", [
    {"clock_frozen_at": datetime(1, 1, 1, tzinfo=UTC)},
    {"clock_frozen_at": datetime(9999, 12, 31, 23, 0, tzinfo=UTC)},
    {"clock_frozen_at": None, "clock_offset_seconds": 1e300},
    {"clock_frozen_at": None, "clock_offset_seconds": -1e300},
])
def test_a_stored_clock_out_of_range_is_read_within_it(api: Api, sync_engine: Engine, clock: dict[str, Any]) -> None:
    """A clock at year 1 broke the console's overview, at 9999 pending-submission, an offset of 1e300 s every
    request that asked for now."""
    course = _course(api)
    offering = _offering(api, course["contentId"])
    _member(api, offering)
    api.sandbox.post("/assessments", json={"contentId": course["contentId"], "type": "assignment", "title": "A"})
    _store(sync_engine, Organisation, Organisation.id == api.org_id, **clock)
    _forget_clock(api)
    now = api.sandbox.get("/clock").json()["now"]
    assert now in ("1900-01-01T00:00:00.000Z", "9000-12-31T23:59:59.999Z")
    for path in ("/offerings", "/offerings/current", "/offerings/past", f"/offerings/{offering}/assessments",
                 f"/offerings/{offering}/learners/pending-submission", "/users/ann@example.com/badges"):
        assert api.get(path).status_code == 200, path
    token = {"Authorization": f"Bearer {api.token}"}
    assert api.http.get("/console/f/overview", headers=token).status_code == 200
