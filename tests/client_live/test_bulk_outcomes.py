"""Each item of a bulk add gets its own true outcome, whatever the order and mix of the batch (issue 18's blocker).

When every item of a batch is refused, the server answers one 400 with the first item's error (decision M2); the
SDK then reads the offering's members and sends every other item again alone. Every order and mix of up to three
items of six kinds (a new person, an existing member, a bad e-mail, an unknown role, an existing member with an
unknown role, a new person without names) goes through the blocking client, the refused orders of four and
every pair through `AsyncClient`, and the offering's members and the organisation's accounts are read back to
check that what the SDK reported is what happened.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from openqualify.client import (
    BulkAddResult,
    Client,
    IQualifyError,
    MissingInfoError,
    ObjectExistsError,
    ObjectNotFoundError,
    OfferingUser,
    SchemaValidationError,
)
from tests.fixtures.client_live import NOW, Org, Sandbox, async_client

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)

KINDS = ("new", "existing", "bad_email", "bad_role", "member_bad_role", "incomplete")
EXPECTED: dict[str, type[IQualifyError] | None] = {
    "new": None,  # added
    "existing": ObjectExistsError,
    "bad_email": SchemaValidationError,
    "bad_role": SchemaValidationError,  # an unknown key: `should NOT have additional properties`
    "member_bad_role": SchemaValidationError,  # the shape is checked before membership
    "incomplete": MissingInfoError,  # a new account needs first and last names
}


@dataclass
class People:
    """Makes one request item of a kind; remembers whom it made, to check the offering afterwards."""

    existing: list[str]
    tag: str
    added: set[str]
    never_created: set[str]
    count: int = 0

    def item(self, kind: str, position: int) -> OfferingUser | dict[str, Any]:
        self.count += 1
        fresh = f"bulk.{self.tag}.{self.count:04d}@outcomes.example"
        if kind == "new":
            self.added.add(fresh)
            return OfferingUser(email=fresh, first_name="New", last_name=f"P{self.count}", send_invite=False)
        if kind == "existing":
            return OfferingUser(email=self.existing[position], send_notification_email=False)
        if kind == "bad_email":
            return {"email": f"not-an-email-{self.count}"}
        if kind == "bad_role":
            self.never_created.add(fresh)
            return {"email": fresh, "firstName": "Role", "lastName": "Less", "role": "boss"}
        if kind == "member_bad_role":
            return {"email": self.existing[position].upper(), "role": "boss"}
        self.never_created.add(fresh)
        return OfferingUser(email=fresh, send_invite=False)  # incomplete: no names


def check(kinds: Sequence[str], items: Sequence[OfferingUser | dict[str, Any]], result: BulkAddResult) -> None:
    shown = "+".join(kinds)
    assert len(result.items) == len(kinds), shown
    for position, (kind, item, outcome) in enumerate(zip(kinds, items, result.items, strict=True)):
        sent = item.email if isinstance(item, OfferingUser) else item["email"]
        assert (outcome.index, outcome.email) == (position, sent), shown
        expected = EXPECTED[kind]
        if expected is None:
            assert outcome.ok and outcome.user is not None and outcome.user.email == sent, (shown, outcome.error)
        else:
            assert type(outcome.error) is expected, (shown, position, outcome.error)
            assert outcome.user is None
    refused = all(EXPECTED[kind] for kind in kinds)
    assert result.status == (400 if refused else 207 if any(EXPECTED[k] for k in kinds) else 201), shown
    # a refused batch of several: the batch, the members, then every item but the plain members' alone
    asked = 2 + sum(kind != "existing" for kind in kinds) if refused and len(kinds) > 1 else 1
    assert result.requests == asked, shown


@pytest.fixture
def offering(client: Client, sandbox: Sandbox) -> str:
    root = sandbox.course("Bulk Outcomes")["rootContentId"]
    created = client.offerings.create(start=NOW - DAY, end=NOW + 30 * DAY, root_content_id=root, name="Outcomes")
    return created.id or ""


def members_of(client: Client, offering: str, existing: list[str]) -> Callable[[People], None]:
    def verify(people: People) -> None:
        members = {row.email for row in client.offerings.users(offering)}
        assert members == set(existing) | people.added
        for email in sorted(people.never_created)[:40]:  # bounded: each is one request
            with pytest.raises(ObjectNotFoundError):
                client.users.get(email)

    return verify


def make_existing(client: Client, offering: str, tag: str) -> list[str]:
    existing = [f"member.{tag}.{i}@outcomes.example" for i in range(5)]
    people = [
        OfferingUser(email=e, first_name="Old", last_name=str(i), send_invite=False) for i, e in enumerate(existing)
    ]
    assert client.offerings.add_users(offering, people).status == 201
    return existing


def every_mix(longest: int) -> Iterator[tuple[str, ...]]:
    for length in range(1, longest + 1):
        yield from itertools.product(KINDS, repeat=length)


def test_every_order_and_mix_of_up_to_three_items(client: Client, offering: str) -> None:
    tag = uuid.uuid4().hex[:8]
    existing = make_existing(client, offering, tag)
    people = People(existing, tag, set(), set())
    batches = 0
    for kinds in every_mix(3):  # 6 + 36 + 216 batches
        items = [people.item(kind, position) for position, kind in enumerate(kinds)]
        check(kinds, items, client.offerings.add_users(offering, items))
        batches += 1
    assert batches == 258
    members_of(client, offering, existing)(people)


def test_async_client_every_order_of_refused_items(org: Org, client: Client, offering: str) -> None:
    """Every order of four refused kinds and every pair of the six, several batches at a time, each resolved
    with at most two resends in flight."""
    tag = uuid.uuid4().hex[:8]
    existing = make_existing(client, offering, tag)
    people = People(existing, tag, set(), set())
    refused = ("existing", "bad_email", "bad_role", "incomplete")
    mixes = [*itertools.permutations(refused), *itertools.product(KINDS, repeat=2)]  # 24 + 36
    batches = [(kinds, [people.item(kind, position) for position, kind in enumerate(kinds)]) for kinds in mixes]

    async def run() -> list[BulkAddResult]:
        async with async_client(org) as sdk:
            gate = asyncio.Semaphore(4)

            async def one(items: list[OfferingUser | dict[str, Any]]) -> BulkAddResult:
                async with gate:
                    return await sdk.offerings.add_users(offering, items, concurrency=2)

            return await asyncio.gather(*(one(items) for _, items in batches))

    for (kinds, items), result in zip(batches, asyncio.run(run()), strict=True):
        check(kinds, items, result)
    members_of(client, offering, existing)(people)


def test_the_same_person_twice_in_one_batch(client: Client, offering: str) -> None:
    tag = uuid.uuid4().hex[:8]
    person = f"twice.{tag}@outcomes.example"
    named = OfferingUser(email=person, first_name="Twice", last_name="Over", send_invite=False)
    nameless = OfferingUser(email=person, send_invite=False)

    refused = client.offerings.add_users(offering, [nameless, nameless])
    assert refused.status == 400 and [type(i.error) for i in refused.items] == [MissingInfoError] * 2
    with pytest.raises(ObjectNotFoundError):
        client.users.get(person)

    mixed = client.offerings.add_users(offering, [nameless, named, named])
    assert [type(i.error) if i.error else None for i in mixed.items] == [MissingInfoError, None, ObjectExistsError]
    again = client.offerings.add_users(offering, [named, nameless])  # both refused: already a member
    assert [type(i.error) for i in again.items] == [ObjectExistsError, ObjectExistsError]
