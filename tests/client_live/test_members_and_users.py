"""Offering members (bulk add with 201, 207 and 400, roles, coaches' lists), users, suspension and transfers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openqualify.client import (
    BulkAddResult,
    Client,
    ContentDoNotMatchError,
    InvalidSourceAndTargetError,
    MissingInfoError,
    ObjectExistsError,
    ObjectIsNotError,
    ObjectNotFoundError,
    OfferingUser,
    SchemaValidationError,
    UserNotInOfferingError,
    UserSuspendedError,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, Sandbox

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)

MERE = "mere.tane@example.com"
RAWIRI = "rawiri.parata@example.com"
SIONE = "sione.fifita@example.com"
COACH = "kiri.coach@example.com"
TUTOR = "anna.tutor@example.com"


def emails(rows: list[m.OfferingUserResponse]) -> list[str]:
    return sorted(row.email or "" for row in rows)


def test_bulk_add_members_roles_and_coaches(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Customer Service")["rootContentId"]
    offering = client.offerings.create(start=NOW - 7 * DAY, end=NOW + 50 * DAY, root_content_id=root).id
    client.users.create(RAWIRI, first_name="Rawiri", last_name="Parata", send_invite=False)  # already in the org

    first = client.offerings.add_users(offering, [
        OfferingUser(email=MERE, first_name="Mere", last_name="Tane", person_id="S-1001", send_invite=False),
        {"email": RAWIRI, "sendNotificationEmail": False},
        OfferingUser(email=COACH, first_name="Kiri", last_name="Coach", is_marker=True, send_invite=False),
        OfferingUser(email=TUTOR, first_name="Anna", last_name="Tutor", is_facilitator=True),
    ])  # fmt: skip
    assert isinstance(first, BulkAddResult)
    assert (first.status, first.ok, first.error) == (201, True, None)
    assert [item.email for item in first.items] == [MERE, RAWIRI, COACH, TUTOR]
    mere = first.items[0].user
    assert isinstance(mere, m.OfferingUserAddResponse)
    assert (mere.first_name, mere.person_id) == ("Mere", "S-1001")
    assert mere.invite is not None and mere.invite.url and mere.invite.url.startswith("https://")
    assert first.items[2].user.is_marker is True and first.items[3].user.is_facilitator is True
    invited = {(e["to"], e["kind"]) for e in sandbox.emails()}
    assert (TUTOR, "invite") in invited and (MERE, "invite") not in invited

    mixed = client.offerings.add_users(offering, [
        OfferingUser(email=SIONE, first_name="Sione", last_name="Fifita", send_invite=False),
        OfferingUser(email=MERE),  # already a member
        OfferingUser(email="nameless@example.com"),  # a new account needs a name
        {"email": "not-an-email"},
    ])  # fmt: skip
    assert (mixed.status, mixed.ok, mixed.error) == (207, False, None)
    assert [item.ok for item in mixed.items] == [True, False, False, False]
    assert [item.email for item in mixed.items] == [SIONE, MERE, "nameless@example.com", "not-an-email"]
    assert isinstance(mixed.items[1].error, ObjectExistsError)
    assert isinstance(mixed.items[2].error, MissingInfoError)
    assert isinstance(mixed.items[3].error, SchemaValidationError)
    assert [item.email for item in mixed.added] == [SIONE]

    refused = client.offerings.add_users(offering, [OfferingUser(email=MERE), OfferingUser(email=SIONE)])
    assert refused.status == 400 and isinstance(refused.error, ObjectExistsError)  # every item failed
    assert all(isinstance(item.error, ObjectExistsError) for item in refused.items)
    assert [item.email for item in refused.items] == [MERE, SIONE]

    everyone = client.offerings.users(offering)
    assert emails(everyone) == sorted([MERE, RAWIRI, SIONE, COACH, TUTOR])
    assert all(isinstance(row, m.OfferingUserResponse) and row.id for row in everyone)
    assert emails(client.offerings.users(offering, facilitators=False, markers=False)) == sorted([MERE, RAWIRI, SIONE])
    assert emails(client.offerings.users(offering, learners=False, markers=False)) == [TUTOR]
    assert emails(client.offerings.users(offering, learners=False, facilitators=False)) == [COACH]

    # The coach's marking list.
    assert client.offerings.marker_learners(offering, COACH) == []
    listed = client.offerings.add_marker_learners(offering, COACH, [MERE, SIONE])
    assert emails(listed) == sorted([MERE, SIONE])
    assert emails(client.offerings.add_marker_learners(offering, COACH, [MERE])) == sorted([MERE, SIONE])  # a union
    assert emails(client.offerings.marker_learners(offering, COACH)) == sorted([MERE, SIONE])
    by_email = {row.email: row for row in client.offerings.users(offering)}
    assert sorted(by_email[COACH].marks or []) == sorted([MERE, SIONE])
    assert by_email[MERE].marked_by == [COACH]
    assert emails(client.offerings.remove_marker_learners(offering, COACH, [SIONE])) == [MERE]
    with pytest.raises(ObjectIsNotError):
        client.offerings.add_marker_learners(offering, TUTOR, [MERE])  # not a marker
    with pytest.raises(ObjectIsNotError):
        client.offerings.add_marker_learners(offering, COACH, [TUTOR])  # not a learner

    assert client.offerings.remove_user(offering, SIONE) is None
    assert SIONE not in emails(client.offerings.users(offering))
    with pytest.raises(ObjectNotFoundError):
        client.offerings.remove_user(offering, SIONE)
    with pytest.raises(ObjectNotFoundError):
        client.offerings.add_users("-NoSuchOffering00000", [OfferingUser(email=MERE)])


def test_user_accounts_suspension_offerings_and_transfer(client: Client, sandbox: Sandbox) -> None:
    course = sandbox.course("Food Hygiene")
    other = sandbox.course("Forklift Operation")
    morning = client.offerings.create(start=NOW - 2 * DAY, root_content_id=course["rootContentId"], name="Morning")
    evening = client.offerings.create(start=NOW - 2 * DAY, root_content_id=course["rootContentId"], name="Evening")
    forklift = client.offerings.create(start=NOW - 2 * DAY, root_content_id=other["rootContentId"], name="Forklift")

    created = client.users.create(
        "Wiremu.Ngata@Example.com", first_name="Wiremu", last_name="Ngata", person_id="EMP-77",
        tags=["kitchen", "night-shift"], display_name="Wiremu N.", send_invite=False,
    )  # fmt: skip
    assert isinstance(created, m.UserResponse)
    assert created.email == "Wiremu.Ngata@Example.com"
    assert created.metadata.tags == ["kitchen", "night-shift"] and created.profile.display_name == "Wiremu N."
    assert created.invite is not None and created.invite.url
    assert created.first_access_at is None
    assert client.users.get("wiremu.ngata@example.com").id == created.id  # e-mails are case-insensitive

    updated = client.users.update(
        "wiremu.ngata@example.com", new_email="wiremu@example.com", last_name="Ngata-Smith", tags=["kitchen"]
    )
    assert (updated.id, updated.email, updated.last_name) == (created.id, "wiremu@example.com", "Ngata-Smith")
    assert updated.metadata.tags == ["kitchen"] and updated.person_id == "EMP-77"
    with pytest.raises(ObjectNotFoundError):
        client.users.get("Wiremu.Ngata@Example.com")

    assert client.users.send_invite("wiremu@example.com") is None
    assert ("wiremu@example.com", "invite") in {(e["to"], e["kind"]) for e in sandbox.emails()}

    assert client.users.offerings("wiremu@example.com") == []
    joined = client.users.add_offerings("wiremu@example.com", [morning.id])
    assert [o.id for o in joined] == [morning.id] and isinstance(joined[0], m.OfferingMetadataResponse)
    assert [o.id for o in client.users.add_offerings("wiremu@example.com", [morning.id])] == [morning.id]  # no-op
    with pytest.raises(ObjectNotFoundError):
        client.users.add_offerings("wiremu@example.com", ["-NoSuchOffering00000"])

    # Transfer: same course version only, with progress kept.
    assert client.users.transfer("wiremu@example.com", from_offering_id=morning.id, to_offering_id=evening.id) is None
    assert [o.id for o in client.users.offerings("wiremu@example.com")] == [evening.id]
    assert [row.email for row in client.offerings.users(evening.id)] == ["wiremu@example.com"]
    assert client.offerings.users(morning.id) == []
    with pytest.raises(InvalidSourceAndTargetError):
        client.users.transfer("wiremu@example.com", from_offering_id=evening.id, to_offering_id=evening.id)
    with pytest.raises(ContentDoNotMatchError):
        client.users.transfer("wiremu@example.com", from_offering_id=evening.id, to_offering_id=forklift.id)
    with pytest.raises(ObjectNotFoundError):  # not a member of the source any more
        client.users.transfer("wiremu@example.com", from_offering_id=morning.id, to_offering_id=evening.id)

    manager = client.users.grant_permission("wiremu@example.com", "manager")
    assert manager.email == "wiremu@example.com"
    with pytest.raises(UserNotInOfferingError):
        client.progress.user_offering("wiremu@example.com", forklift.id)

    # Suspension: kept in the organisation, but cannot be added anywhere.
    assert client.users.suspend("wiremu@example.com") is None
    with pytest.raises(ObjectExistsError):
        client.users.suspend("wiremu@example.com")  # already suspended
    with pytest.raises(UserSuspendedError):
        client.users.create("wiremu@example.com", first_name="W", last_name="N")
    blocked = client.offerings.add_users(forklift.id, [OfferingUser(email="wiremu@example.com")])
    assert blocked.status == 400 and isinstance(blocked.items[0].error, UserSuspendedError)
    assert blocked.items[0].error.details == "The user (wiremu@example.com) has been suspended."
    assert client.users.suspend("wiremu@example.com", suspended=False) is None
    assert client.offerings.add_users(forklift.id, [OfferingUser(email="wiremu@example.com")]).status == 201
