"""`AsyncClient` over real HTTP: the same resources, awaited, with concurrent requests."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from openqualify.client import (
    AsyncClient,
    BulkAddResult,
    ObjectExistsError,
    ObjectNotFoundError,
    OfferingUser,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, OperationLog, Org, Sandbox, async_client

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)
LEARNERS = [f"learner{i:02d}@async.example" for i in range(12)]


async def _scenario(sdk: AsyncClient, sandbox: Sandbox) -> None:
    course = sandbox.course("Async Onboarding")
    page = sandbox.page(course["contentId"], "Welcome", task_count=1)["id"]
    offering = await sdk.offerings.create(
        start=NOW - DAY, end=NOW + 30 * DAY, root_content_id=course["rootContentId"], name="Onboarding — async"
    )
    assert isinstance(offering, m.OfferingMetadataResponse) and offering.start == NOW - DAY

    people = [OfferingUser(email=e, first_name="Learner", last_name=e[7:9], send_invite=False) for e in LEARNERS]
    first = await sdk.offerings.add_users(offering.id, people[:10])
    assert isinstance(first, BulkAddResult) and first.status == 201 and len(first.added) == 10
    mixed = await sdk.offerings.add_users(offering.id, people[8:])  # two already in, two new
    assert mixed.status == 207
    assert [(item.email, item.ok) for item in mixed.items] == [
        (LEARNERS[8], False), (LEARNERS[9], False), (LEARNERS[10], True), (LEARNERS[11], True),
    ]  # fmt: skip
    assert isinstance(mixed.items[0].error, ObjectExistsError)

    for email in LEARNERS[:3]:
        sandbox.page_progress(offering.id, email, page, tasks_done=1)

    # Many requests in flight at once over one connection pool.
    me, members, current, channel, *progress = await asyncio.gather(
        sdk.org.get(),
        sdk.offerings.users(offering.id),
        sdk.offerings.current(),
        sdk.channels.create(offering.id, "Questions"),
        *(sdk.progress.user_offering(email, offering.id) for email in LEARNERS),
    )
    assert isinstance(me, m.OrgResponse) and me.name and me.name.startswith("Live org")
    assert sorted(u.email or "" for u in members) == LEARNERS
    assert [o.id for o in current] == [offering.id]
    assert isinstance(channel, m.ChannelResponse) and channel.title == "Questions"
    assert [(p.email, p.completion) for p in progress] == [(e, "100" if i < 3 else "0") for i, e in enumerate(LEARNERS)]

    assert await sdk.offerings.remove_user(offering.id, LEARNERS[0]) is None
    rows = await sdk.progress.offering(offering.id)
    assert len(rows) == 11 and LEARNERS[0] not in {r.email for r in rows}

    results = await asyncio.gather(sdk.users.get("nobody@async.example"), sdk.users.get(LEARNERS[1]),
                                   return_exceptions=True)  # fmt: skip
    assert isinstance(results[0], ObjectNotFoundError) and results[0].status == 404
    assert isinstance(results[1], m.UserResponse) and results[1].email == LEARNERS[1]


def test_async_client_over_http(org: Org, sandbox: Sandbox, operation_log: OperationLog) -> None:
    async def run() -> None:
        async with async_client(org) as sdk:
            await _scenario(sdk, sandbox)

    before = len(operation_log.calls)
    asyncio.run(run())
    calls = operation_log.calls[before:]
    assert {c.kind for c in calls} == {"async"}
    assert {c.operation for c in calls} >= {
        ("POST", "/offerings"),
        ("POST", "/offerings/{offeringId}/users"),
        ("GET", "/org"),
        ("GET", "/users/{userEmail}/offerings/{offeringId}/progress"),
        ("DELETE", "/offerings/{offeringId}/users/{userEmail}"),
    }
    assert [c.status for c in calls if c.status >= 500] == []
