"""What static type checkers see: `Client` methods return values, `AsyncClient` methods return coroutines of
the same values. mypy --strict checks this module (scripts/test.sh); pytest runs it against a mock server, so
every `assert_type` below also holds at run time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, assert_type

from openqualify.client import AsyncClient, BulkAddResult, Client, OfferingUser
from openqualify.client.models import AllProgressResponse, OfferingMetadataResponse, UserResponse
from tests.fixtures.sdk import Recorder

from .operations import OFFERING, USER


def test_the_blocking_client_returns_values(recorder: Recorder) -> None:
    recorder.reply(200, OFFERING).reply(200, [OFFERING]).reply(204)
    with recorder.client() as client:
        offering = assert_type(client.offerings.get("o1"), OfferingMetadataResponse)
        offerings = assert_type(client.offerings.current(), list[OfferingMetadataResponse])
        assert_type(client.offerings.remove_user("o1", "ann@example.com"), None)
    assert isinstance(offering, OfferingMetadataResponse) and offering.id == "o1"
    assert isinstance(offerings[0], OfferingMetadataResponse)


def test_the_async_client_returns_coroutines_of_the_same_values(recorder: Recorder) -> None:
    recorder.reply(200, USER).reply(200, {"data": {"progress": []}, "top": 5})

    async def run() -> tuple[UserResponse, AllProgressResponse]:
        async with recorder.async_client() as client:
            pending = assert_type(client.users.get("ann@example.com"), Coroutine[Any, Any, UserResponse])
            user = assert_type(await pending, UserResponse)
            progress = assert_type(await client.progress.all(top=5), AllProgressResponse)
            return user, progress

    user, progress = asyncio.run(run())
    assert isinstance(user, UserResponse) and user.first_name == "Ann"
    assert isinstance(progress, AllProgressResponse) and progress.top == 5


def test_bulk_add_is_typed_on_both_clients(recorder: Recorder) -> None:
    recorder.reply(201, [{"email": "ann@example.com"}])
    people = [OfferingUser(email="ann@example.com")]
    with recorder.client() as client:
        assert_type(client.offerings.add_users("o1", people), BulkAddResult)

    async def run() -> BulkAddResult:
        async with recorder.async_client() as client:
            return assert_type(await client.offerings.add_users("o1", people), BulkAddResult)

    assert asyncio.run(run()).ok


def test_page_iterators_are_typed_on_both_clients(recorder: Recorder) -> None:
    recorder.reply(200, {"data": {"progress": []}, "top": 1000})
    with recorder.client() as client:
        pages = assert_type(client.progress.all_pages(), Iterator[AllProgressResponse])
        assert list(pages) == []

    async def run() -> list[AllProgressResponse]:
        async with recorder.async_client() as client:
            pages = assert_type(client.progress.all_pages(), AsyncIterator[AllProgressResponse])
            return [page async for page in pages]

    assert asyncio.run(run()) == []


async def _misuse_is_a_type_error(client: Client, async_client: AsyncClient) -> None:
    """Never run: mypy must report both lines (its `warn_unused_ignores` fails the check if one is not)."""
    await client.offerings.get("o1")  # type: ignore[misc]  # a value, not an awaitable
    offering: OfferingMetadataResponse = async_client.offerings.get("o1")  # type: ignore[assignment]  # a coroutine
    del offering
