"""Identical requests at the same moment: one wins, the others get what they would have got running second.

On PostgreSQL two requests pass their "does it exist?" checks together and one insert then fails on the unique
index; the loser's unit of work runs again (middleware.replay) and answers the contract's error. On SQLite writers
are serialised, so the answers are the same by construction; both are checked, with one and two workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.live import ServerProcess, running_server
from tests.fixtures.reliability import TIMEOUT, Org, checked, make_offering

pytestmark = pytest.mark.e2e

RACERS = 6
ROUNDS = 3


@pytest.fixture(scope="module", params=[1, 2], ids=["one-worker", "two-workers"])
def server(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServerProcess]:
    with running_server(database_url, "--workers", str(request.param)) as process:
        yield process


def _race(org: Org, method: str, path: str, body: Any) -> list[httpx.Response]:
    """RACERS clients send the same request at the same instant (each on its own connection)."""
    barrier = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def racer() -> None:
        with org.client() as api:
            api.get("/org")  # connect and authenticate first, so the racers start even
            barrier.wait(timeout=30)
            response = api.request(method, path, json=body)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT.read or 60)
    assert len(answers) == RACERS
    return answers


def test_identical_creates(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)
    for round_ in range(ROUNDS):
        email = f"racer{round_}@example.com"
        answers = _race(org, "POST", "/users", {"email": email, "firstName": "R", "lastName": "C"})
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [400] * (RACERS - 1), [a.text for a in answers]
        assert {a.json()["name"] for a in answers if a.status_code == 400} == {"ObjectExistsError"}
        with org.client() as api:
            found = checked(api.get(f"/users/{email}"))
            assert found["email"] == email


def test_identical_bulk_adds(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)
    offering = make_offering(org)
    for round_ in range(ROUNDS):
        items = [
            {"email": f"bulk{round_}-{n}@example.com", "firstName": "B", "lastName": str(n)} for n in range(25)
        ]
        answers = _race(org, "POST", f"/offerings/{offering}/users", items)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [400] * (RACERS - 1), [(a.status_code, a.text[:200]) for a in answers]
        assert {a.json()["name"] for a in answers if a.status_code == 400} == {"ObjectExistsError"}
    with org.client() as api:
        members = checked(api.get(f"/offerings/{offering}/users"))
    emails = [m["email"] for m in members]
    assert len(emails) == len(set(emails)) == 25 * ROUNDS  # every account and membership exactly once


def test_overlapping_bulk_adds_answer_per_item(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    """Each racer brings one shared account and one of its own: the shared one is added once, the rest 207."""
    org = org_factory(server.base_url)
    offering = make_offering(org)
    barrier = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []

    def racer(n: int) -> None:
        items = [
            {"email": "shared@example.com", "firstName": "S", "lastName": "H"},
            {"email": f"own{n}@example.com", "firstName": "O", "lastName": str(n)},
        ]
        with org.client() as api:
            api.get("/org")
            barrier.wait(timeout=30)
            answers.append(api.post(f"/offerings/{offering}/users", json=items))

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [207] * (RACERS - 1), [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 207:
            shared, own = answer.json()
            assert shared["name"] == "ObjectExistsError" and "invite" not in own
    with org.client() as api:
        emails = sorted(m["email"] for m in checked(api.get(f"/offerings/{offering}/users")))
    assert emails == sorted(["shared@example.com", *(f"own{n}@example.com" for n in range(RACERS))])
