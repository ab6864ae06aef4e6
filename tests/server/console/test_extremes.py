"""The console at the calendar's ends (issue 19.3 and 19.7, the console's side): an offering moved to year 1 or
9999, the organisation's clock at year 1 or 9999, a badge that expires ten million years after its award. Every
page and section answers, and answers small: its series are bounded by the data, not by the calendar.

Where the API's own read of the same data fails (a service-level bound that issue 19.3 gives to another change),
the console section is not judged for it and the test says so as an expected failure; it passes whole once the
service answers."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from openqualify.server.sandbox.demo import build_demo
from tests.conftest import Api
from tests.server.console.conftest import NOW

SECTIONS = ("", "/learners", "/assessments", "/pulses", "/channels", "/reactions", "/badges")
SMALL = 400_000  # bytes: a section of the demo is 5-40 KB; the pulses of an offering moved to year 1 were 9-44 MB
YEAR_1, YEAR_9999 = "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"


@pytest.fixture(scope="module")
def org(http: TestClient, sync_engine: Engine) -> Api:
    """A demo organisation of this module's own: its offerings and clock are moved to the calendar's ends."""
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
    """The clock at `now`, or back at the demo's own time (NOW), frozen."""
    at = now or NOW.isoformat().replace("+00:00", "Z")
    assert api.sandbox.put("/clock", json={"now": at, "frozen": True}).status_code == 200


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


def _api_fails(http: TestClient, api: Api, fragment: str) -> bool:
    """Whether the API's own read behind a console section answers 500 (a service-level failure)."""
    reads = {
        "/assessments": "/assessments", "/badges": "/badges", "/pulses": "/analytics/pulses/responses",
        "/learners": "/analytics/learners-progress", "/reactions": "/analytics/unit-reactions",
    }
    base, _, section = fragment.removeprefix("/console/f/offerings/").partition("/")
    path = reads.get("/" + section) if fragment.startswith("/console/f/offerings/") else None
    if fragment.startswith("/console/f/learners/"):
        email = fragment.removeprefix("/console/f/learners/")
        return http.get(f"/v1/users/{email}/badges", headers=_auth(api)).status_code == 500
    return path is not None and http.get(f"/v1/offerings/{base}{path}", headers=_auth(api)).status_code == 500


def _check(http: TestClient, api: Api, fragments: list[str]) -> list[str]:
    """Every fragment answers 200 and small; returns those left unjudged because the API itself fails there."""
    unjudged = []
    for fragment in fragments:
        response = http.get(fragment, headers=_auth(api))
        if response.status_code == 500 and _api_fails(http, api, fragment):
            unjudged.append(fragment)
            continue
        assert response.status_code == 200, (fragment, response.text[:300])
        assert len(response.content) < SMALL, (fragment, len(response.content))
    return unjudged


def test_an_offering_moved_to_year_1_draws_its_sections_from_its_data(http: TestClient, org: Api) -> None:
    offering_id = _with_pulses(org)
    email = org.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    before = len(http.get(f"/console/f/offerings/{offering_id}/pulses", headers=_auth(org)).content)
    assert org.patch(f"/offerings/{offering_id}", json={"start": YEAR_1}).status_code == 200  # an ordinary PATCH
    unjudged = []
    for now in (None, YEAR_1, YEAR_9999):
        _set_clock(org, now)
        unjudged += _check(http, org, _fragments(http, org, offering_id, email))
        pulses = http.get(f"/console/f/offerings/{offering_id}/pulses", headers=_auth(org))
        assert pulses.status_code == 200 and len(pulses.content) < 2 * before, (now, len(pulses.content), before)
    _set_clock(org, None)
    if unjudged:
        pytest.xfail(f"the API's own reads fail behind {sorted(set(unjudged))} (service-level, issue 19.3)")


def test_the_clock_at_the_calendar_ends(http: TestClient, org: Api) -> None:
    offerings = [o["id"] for o in org.get("/offerings").json()]
    email = org.get(f"/offerings/{offerings[0]}/analytics/learners-progress").json()[0]["email"]
    unjudged = []
    for now in (YEAR_1, YEAR_9999):
        _set_clock(org, now)
        for offering_id in offerings[:4]:
            unjudged += _check(http, org, _fragments(http, org, offering_id, email))
    _set_clock(org, None)
    if unjudged:
        pytest.xfail(f"the API's own reads fail behind {sorted(set(unjudged))} (service-level, issue 19.3)")


def test_an_offering_at_year_9999(http: TestClient, org: Api) -> None:
    offering_id = next(o["id"] for o in org.get("/offerings").json()
                       if not o.get("hasEarlyCloseOff") and o["id"] != _with_pulses(org))
    assert org.patch(f"/offerings/{offering_id}", json={"end": "9999-12-31T23:00:00Z"}).status_code == 200
    assert org.patch(f"/offerings/{offering_id}", json={"start": "9999-12-31T00:00:00Z"}).status_code == 200
    email = org.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    unjudged = _check(http, org, _fragments(http, org, offering_id, email))
    if unjudged:
        pytest.xfail(f"the API's own reads fail behind {sorted(set(unjudged))} (service-level, issue 19.3)")


def test_a_badge_that_expires_ten_million_years_after_its_award(http: TestClient, org: Api) -> None:
    counts = {o["id"]: o["learnersCount"] for o in org.get("/offerings/summary").json()}
    offering_id = next(o["id"] for o in org.get("/offerings/future").json() if counts[o["id"]])  # before its start
    expiry = {"expires": True, "expiryType": "timeframe", "timeframeAmount": 10_000_000, "timeframeUnit": "years"}
    patch = http.patch(f"/v1/offerings/{offering_id}", json={"badge": {"title": "Forever", "badgeExpiry": expiry}},
                       headers=_auth(org))
    if patch.status_code == 400 and "timeframe" in patch.text:  # bounded by the API (issue 19.3): never stored
        pytest.skip(f"the API refuses the timeframe: {patch.json()}")
    assert patch.status_code == 200, patch.text
    email = next(u["email"] for u in org.get(f"/offerings/{offering_id}/users").json()
                 if not u.get("isFacilitator") and not u.get("isMarker"))
    assert org.post(f"/offerings/{offering_id}/users/{email}/badges/award").status_code == 201
    fragments = [f"/console/f/learners/{email}", f"/console/f/offerings/{offering_id}/badges"]
    unjudged = _check(http, org, fragments)
    if unjudged:
        pytest.xfail(f"the API's own reads fail behind {unjudged} (service-level, issue 19.3)")
    page = http.get(f"/console/f/learners/{email}", headers=_auth(org)).text
    assert "Forever" in page
