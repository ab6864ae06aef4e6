"""The console at the calendar's ends (issue 19.3 and 19.7, the console's side): an offering moved to year 1 or
9999, the organisation's clock at year 1 or 9999, a badge that expires ten million years after its award. Every
page and section answers, and answers small: its series are bounded by the data, not by the calendar.

The API now refuses such dates and durations (decision B1), so the values are written into the database as an
older version or a hand-made change could have left them: stored values must still be served (saturated)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from openqualify.server.db.models import Offering, OfferingBadge, Organisation
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from openqualify.server.sandbox.demo import build_demo
from tests.fixtures.api import Api
from tests.fixtures.console import NOW

SECTIONS = ("", "/learners", "/assessments", "/pulses", "/channels", "/reactions", "/badges")
SMALL = 400_000  # bytes: a section of the demo is 5-40 KB; the pulses of an offering moved to year 1 were 9-44 MB
YEAR_1, YEAR_9999 = "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"


_ENGINE: list[Engine] = []


@pytest.fixture(scope="module")
def org(http: TestClient, sync_engine: Engine) -> Api:
    """A demo organisation of this module's own: its offerings and clock are moved to the calendar's ends."""
    _ENGINE[:] = [sync_engine]
    with admin_session(sync_engine) as session:
        made, token = create_org(session, f"Console extremes {uuid.uuid4().hex[:10]}")
        org_id = made.id
        build_demo(session, org_id, NOW)
        session.commit()
    api = Api(http, token, org_id)
    _set_clock(api, None)
    return api


def _auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


def _set_clock(api: Api, now: str | None) -> None:
    """The clock at `now`, or back at the demo's own time (NOW), frozen; through the sandbox within the API's
    bounds, else straight into the database (what the API refuses may still be stored)."""
    at = now or NOW.isoformat().replace("+00:00", "Z")
    answer = api.sandbox.put("/clock", json={"now": at, "frozen": True})
    if answer.status_code == 400 and now is not None:
        _stored(api, update(Organisation).where(Organisation.id == api.org_id).values(clock_frozen_at=_at(now)))
        return
    assert answer.status_code == 200, answer.text


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stored(api: Api, statement: object) -> None:
    """Write straight into the database, then forget what the server keeps of the organisation (its clock) and
    raise its data version (cached lists), as a write through the API would."""
    with admin_session(_ENGINE[0]) as session:
        session.execute(statement)  # type: ignore[call-overload]
        session.commit()
    api.http.app.state.principal_cache.forget_org(api.org_id)  # type: ignore[attr-defined]
    assert api.sandbox.delete("/faults").status_code == 200  # any committed write raises the data version


def _with_pulses(api: Api) -> str:
    """A current offering with pulse responses, without an early close-off (its dates can move freely)."""
    for offering in api.get("/offerings/current").json():
        if offering.get("hasEarlyCloseOff"):
            continue
        if api.get(f"/offerings/{offering['id']}/analytics/pulses/responses").json():
            return str(offering["id"])
    raise AssertionError("the demo has a current offering with pulse responses")


def _fragments(http: TestClient, api: Api, offering_id: str, email: str) -> list[str]:
    return [
        "/console/f/overview", "/console/f/overview?period=12w", "/console/f/overview?period=12m",
        "/console/f/overview?from=0001-01-01&to=9999-12-31", "/console/f/overview?from=9999-12-31",
        *(f"/console/f/offerings/{offering_id}{s}" for s in SECTIONS),
        f"/console/f/learners/{email}", f"/console/f/search?q={email}", "/console/f/sandbox",
        "/console/f/sandbox/journal",
    ]


def _check(http: TestClient, api: Api, fragments: list[str]) -> None:
    """Every fragment answers 200 and small."""
    for fragment in fragments:
        response = http.get(fragment, headers=_auth(api))
        assert response.status_code == 200, (fragment, response.text[:300])
        assert len(response.content) < SMALL, (fragment, len(response.content))


def test_an_offering_moved_to_year_1_draws_its_sections_from_its_data(http: TestClient, org: Api) -> None:
    offering_id = _with_pulses(org)
    email = org.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    before = len(http.get(f"/console/f/offerings/{offering_id}/pulses", headers=_auth(org)).content)
    _stored(org, update(Offering).where(Offering.id == offering_id).values(start=_at(YEAR_1)))
    for now in (None, YEAR_1, YEAR_9999):
        _set_clock(org, now)
        _check(http, org, _fragments(http, org, offering_id, email))
        pulses = http.get(f"/console/f/offerings/{offering_id}/pulses", headers=_auth(org))
        assert pulses.status_code == 200 and len(pulses.content) < 2 * before, (now, len(pulses.content), before)
    _set_clock(org, None)


def test_the_clock_at_the_calendar_ends(http: TestClient, org: Api) -> None:
    offerings = [o["id"] for o in org.get("/offerings").json()]
    email = org.get(f"/offerings/{offerings[0]}/analytics/learners-progress").json()[0]["email"]
    for now in (YEAR_1, YEAR_9999):
        _set_clock(org, now)
        for offering_id in offerings[:4]:
            _check(http, org, _fragments(http, org, offering_id, email))
    _set_clock(org, None)


def test_an_offering_at_year_9999(http: TestClient, org: Api) -> None:
    offering_id = next(o["id"] for o in org.get("/offerings").json()
                       if not o.get("hasEarlyCloseOff") and o["id"] != _with_pulses(org))
    email = org.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    ends = {"start": _at("9999-12-31T00:00:00Z"), "end": _at("9999-12-31T23:00:00Z")}
    _stored(org, update(Offering).where(Offering.id == offering_id).values(**ends))
    _check(http, org, _fragments(http, org, offering_id, email))
    assert org.get(f"/offerings/{offering_id}/assessments").status_code == 200  # the API's own read too


def test_a_badge_that_expires_ten_million_years_after_its_award(http: TestClient, org: Api) -> None:
    counts = {o["id"]: o["learnersCount"] for o in org.get("/offerings/summary").json()}
    offering_id = next(o["id"] for o in org.get("/offerings/future").json() if counts[o["id"]])  # before its start
    expiry = {"expires": True, "expiryType": "timeframe", "timeframeAmount": 10_000_000, "timeframeUnit": "years"}
    refused = http.patch(f"/v1/offerings/{offering_id}", json={"badge": {"title": "Forever", "badgeExpiry": expiry}},
                         headers=_auth(org))
    assert refused.status_code == 400 and "timeframe" in refused.text  # bounded by the API (decision B1)
    expiry["timeframeAmount"] = 100
    badge = {"badge": {"title": "Forever", "badgeExpiry": expiry}}
    assert org.patch(f"/offerings/{offering_id}", json=badge).status_code == 200
    stored = update(OfferingBadge).where(OfferingBadge.offering_id == offering_id).values(timeframe_amount=10_000_000)
    _stored(org, stored)
    email = next(u["email"] for u in org.get(f"/offerings/{offering_id}/users").json()
                 if not u.get("isFacilitator") and not u.get("isMarker"))
    assert org.post(f"/offerings/{offering_id}/users/{email}/badges/award").status_code == 201
    fragments = [f"/console/f/learners/{email}", f"/console/f/offerings/{offering_id}/badges"]
    _check(http, org, fragments)
    assert org.get(f"/users/{email}/badges").status_code == 200  # the API's own read too
    page = http.get(f"/console/f/learners/{email}", headers=_auth(org)).text
    assert "Forever" in page
