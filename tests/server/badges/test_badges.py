"""Badges: the offering's badge, awarding it (idempotent), a user's badges with computed expiry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from openqualify.server.badges.service import add_months
from openqualify.server.db.models import OfferingBadge
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import admin_session
from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member
from tests.fixtures.progress import Scenario

ANN = "ann@example.com"


def insert_badge(engine: Engine, api: Api, offering_id: str, **columns: Any) -> str:
    badge_id = push_id()
    fields: dict[str, Any] = {"title": "Safety Champion", "description": "Completed Site Safety", "expires": False}
    fields.update(columns)
    with admin_session(engine) as session:
        session.add(
            OfferingBadge(
                offering_id=offering_id,
                id=badge_id,
                org_id=api.org_id,
                requires_approval=False,
                created_at=datetime.now(UTC),
                **fields,
            )
        )
        session.commit()
    return badge_id


def award(api: Api, offering: str, email: str = ANN) -> Any:
    return api.post(f"/offerings/{offering}/users/{email}/badges/award")


def test_offering_badge(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    missing = api.get(f"/offerings/{s.offering}/badges")
    assert missing.status_code == 404 and error_name(missing) == "ObjectNotFoundError"
    badge_id = insert_badge(
        sync_engine, api, s.offering, expires=True, expiry_type="timeframe", timeframe_amount=2, timeframe_unit="years"
    )
    body = api.get(f"/offerings/{s.offering}/badges").json()
    assert body["title"] == "Safety Champion" and body["description"] == "Completed Site Safety"
    assert body["criterias"] == {"hasCompletedCourse": True, "hasPassedMandatoryAssessedQuizzes": True}
    assert body["badgeExpiry"] == {
        "expires": True,
        "expiryType": "timeframe",
        "timeframeAmount": 2,
        "timeframeUnit": "years",
    }
    open_badge = body["openBadge"]
    assert open_badge["type"] == "BadgeClass" and open_badge["name"] == "Safety Champion"
    assert badge_id in open_badge["id"] and body["badgeUrl"] == open_badge["id"]
    assert {"image", "issuer", "criteria"} <= set(open_badge)


def test_award_is_idempotent_and_listed(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    insert_badge(sync_engine, api, s.offering)
    first = award(api, s.offering)
    assert first.status_code == 201
    assert first.json()["awarded"] is True
    again = award(api, s.offering, ANN.upper())
    assert again.status_code == 201 and again.json() == first.json()
    badges = api.get(f"/users/{ANN}/badges").json()
    assert len(badges) == 1
    got = badges[0]
    assert got["offeringId"] == s.offering and got["title"] == "Safety Champion"
    assert got["badgeUrl"] == first.json()["badgeUrl"]
    assert got["badgeExpiry"] == {"expires": False}
    assert got["awardedAt"].endswith("Z") and got["openBadge"]["type"] == "BadgeClass"


def test_expiry_is_computed(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    dated = s.second_offering("Dated")
    insert_member(sync_engine, api, dated, ANN)
    insert_badge(
        sync_engine, api, dated, expires=True, expiry_type="date", expiration_date=datetime(2030, 1, 1, tzinfo=UTC)
    )
    insert_badge(
        sync_engine, api, s.offering, expires=True, expiry_type="timeframe", timeframe_amount=6, timeframe_unit="months"
    )
    clock = api.sandbox.put("/clock", json={"now": "2026-08-31T10:00:00Z"})
    assert clock.status_code == 200
    assert award(api, s.offering).status_code == 201
    assert award(api, dated).status_code == 201
    expiries = {b["offeringId"]: b["badgeExpiry"] for b in api.get(f"/users/{ANN}/badges").json()}
    assert expiries[s.offering] == {"expires": True, "expirationDate": "2027-02-28T10:00:00.000Z"}
    assert expiries[dated] == {"expires": True, "expirationDate": "2030-01-01T00:00:00.000Z"}


def test_add_months_clamps_the_day() -> None:
    assert add_months(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)
    assert add_months(datetime(2024, 11, 15), 14) == datetime(2026, 1, 15)


def test_award_errors_change_nothing(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    no_badge = award(api, s.offering)
    assert no_badge.status_code == 400
    assert no_badge.json() == {
        "name": "MissingInfoError",
        "details": "The field 'Offering Badge' is missing or invalid.",
    }
    insert_badge(sync_engine, api, s.offering)
    staff = award(api, s.offering, "fran@example.com")
    assert error_name(staff) == "UserNotInOfferingError"
    assert error_name(award(api, s.offering, "not-an-email")) == "SchemaValidationError"
    assert award(api, s.offering, "nobody@example.com").status_code == 404
    assert award(api, "nope").status_code == 404
    assert api.get("/users/fran@example.com/badges").json() == []
    assert api.get("/users/nobody@example.com/badges").status_code == 404
    assert error_name(api.get("/users/bad/badges")) == "SchemaValidationError"


def test_isolation(api: Api, other_api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    insert_badge(sync_engine, api, s.offering)
    assert award(api, s.offering).status_code == 201
    assert other_api.get(f"/offerings/{s.offering}/badges").status_code == 404
    assert award(other_api, s.offering).status_code == 404
    assert other_api.get(f"/users/{ANN}/badges").status_code == 404


def test_transfer_moves_the_award_when_the_target_has_a_badge(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    target = s.second_offering("Target")
    insert_badge(sync_engine, api, s.offering)
    insert_badge(sync_engine, api, target, title="Target badge")
    awarded = award(api, s.offering).json()
    moved = api.patch(f"/users/{ANN}/transfer", json={"fromOfferingId": s.offering, "toOfferingId": target})
    assert moved.status_code == 200, moved.text
    badges = api.get(f"/users/{ANN}/badges").json()
    assert [(b["offeringId"], b["title"], b["badgeUrl"]) for b in badges] == [
        (target, "Target badge", awarded["badgeUrl"])
    ]
