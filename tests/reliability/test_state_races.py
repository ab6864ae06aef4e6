"""Concurrent changes of the same state answer as if they ran one after the other (issue 19, items 4 and 5).

Two requests that change one learner's membership (a transfer to two offerings, a transfer and a removal), or
many identical removals and toggles at once: exactly one wins, the others answer what they would have answered
running second (404, the contract's "already" errors), and the data ends as one of the serial orders leaves it.
On PostgreSQL the rows a change depends on are locked when read (`SELECT ... FOR NO KEY UPDATE`, decision F1);
on SQLite writers are serialised by the write lock, within a worker (the WriteGate) and across workers
(`BEGIN IMMEDIATE`). Checked with one and two workers on both databases.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.contract.spec import validate_response
from tests.fixtures.live import ServerProcess, running_server
from tests.fixtures.reliability import TIMEOUT, Org, checked

pytestmark = pytest.mark.e2e

MANY = 15  # the figure for identical removals and suspensions
FEW = 6
Request = tuple[str, str, Any]  # method, path under /v1, JSON body or None


@pytest.fixture(scope="module", params=[1, 2], ids=["one-worker", "two-workers"])
def server(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServerProcess]:
    with running_server(database_url, "--workers", str(request.param)) as process:
        yield process


def race(org: Org, requests: list[Request]) -> list[httpx.Response]:
    """Each request from its own connection, all released at the same instant; answers in the requests' order.

    Every answer is checked against the contract (a 500 or a 503 would fail here).
    """
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | None] = [None] * len(requests)

    def racer(index: int, method: str, path: str, body: Any) -> None:
        with org.client() as api:
            api.get("/org")  # connect and authenticate first, so the racers start even
            barrier.wait(timeout=30)
            answers[index] = api.request(method, path, json=body) if body is not None else api.request(method, path)

    threads = [threading.Thread(target=racer, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT.read or 60)
    done = [a for a in answers if a is not None]
    assert len(done) == len(requests), "a racer did not finish"
    for (method, path, _), answer in zip(requests, done, strict=True):
        validate_response(method, urlsplit(path).path, answer.status_code, answer.json() if answer.content else None)
    return done


def outcome(answers: list[httpx.Response]) -> Counter[str]:
    """Statuses with the error's name: Counter({'204': 1, '404 ObjectNotFoundError': 14})."""
    return Counter(
        f"{a.status_code} {a.json()['name']}" if a.status_code >= 400 else str(a.status_code) for a in answers
    )


class Fixture:
    """One organisation with a published course, three offerings of it and an assignment."""

    def __init__(self, org: Org) -> None:
        self.org = org
        with org.client("/_sandbox") as sandbox:
            course = checked(sandbox.post("/courses", json={"name": "Race course"}), 201)
            self.content_id = course["contentId"]
            assessment = {"contentId": self.content_id, "type": "assignment", "title": "Essay"}
            self.assessment_id = checked(sandbox.post("/assessments", json=assessment), 201)["id"]
        with org.client() as api:
            self.offerings = [
                checked(
                    api.post(
                        "/offerings",
                        json={"name": f"Class {n}", "contentId": self.content_id, "start": "2020-01-01T00:00:00Z"},
                    ),
                    201,
                )["id"]
                for n in range(3)
            ]

    def learner(self, email: str, offering: str, *, submitted: bool = False) -> str:
        with self.org.client() as api:
            checked(api.post(f"/offerings/{offering}/users", json=[person(email)]), 201)
        if submitted:
            with self.org.client("/_sandbox") as sandbox:
                path = f"/offerings/{offering}/assessments/{self.assessment_id}/submissions"
                checked(sandbox.post(path, json={"email": email, "status": "submitted"}), 201)
        return email

    def members(self, offering: str) -> set[str]:
        with self.org.client() as api:
            return {m["email"] for m in checked(api.get(f"/offerings/{offering}/users"))}

    def submitters(self, offering: str) -> set[str]:
        with self.org.client() as api:
            rows = checked(api.get(f"/offerings/{offering}/analytics/submissions/assignments"))
        return {row["learnerEmail"] for row in rows}


def person(email: str, **flags: Any) -> dict[str, Any]:
    return {"email": email, "firstName": "Race", "lastName": "Learner", **flags}


def where(fixture: Fixture, email: str) -> tuple[list[int], list[int]]:
    """The offerings (by index) the learner is a member of, and those holding their submission."""
    offerings = fixture.offerings
    return (
        [i for i, o in enumerate(offerings) if email in fixture.members(o)],
        [i for i, o in enumerate(offerings) if email in fixture.submitters(o)],
    )


def test_transfers_to_two_offerings_at_once(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    """From A to B and from A to C at the same instant: one moves the learner with their work, the other finds
    them no longer in A (404), never both 200 with the membership in one offering and the work in the other."""
    fixture = Fixture(org_factory(server.base_url))
    a, b, c = fixture.offerings
    for round_ in range(4):
        email = fixture.learner(f"mover{round_}@example.com", a, submitted=True)
        answers = race(
            fixture.org,
            [
                ("PATCH", f"/users/{email}/transfer", {"fromOfferingId": a, "toOfferingId": b}),
                ("PATCH", f"/users/{email}/transfer", {"fromOfferingId": a, "toOfferingId": c}),
            ],
        )
        assert outcome(answers) == {"200": 1, "404 ObjectNotFoundError": 1}, [x.text for x in answers]
        winner = 1 if answers[0].status_code == 200 else 2
        assert where(fixture, email) == ([winner], [winner])


def test_transfer_racing_a_removal(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    """A transfer from A and a removal from A at once: either the transfer wins (the learner is in B with their
    work, the removal finds nobody in A) or the removal wins (the learner is nowhere, the transfer finds nobody)."""
    fixture = Fixture(org_factory(server.base_url))
    a, b, _ = fixture.offerings
    for round_ in range(5):
        email = fixture.learner(f"leaver{round_}@example.com", a, submitted=True)
        transfer, removal = race(
            fixture.org,
            [
                ("PATCH", f"/users/{email}/transfer", {"fromOfferingId": a, "toOfferingId": b}),
                ("DELETE", f"/offerings/{a}/users/{email}", None),
            ],
        )
        statuses = (transfer.status_code, removal.status_code)
        assert statuses in ((200, 404), (404, 204)), [transfer.text, removal.text]
        if transfer.status_code == 200:
            assert where(fixture, email) == ([1], [1])
        else:
            assert where(fixture, email) == ([], [0])  # submissions stay where they were (decision M3)


def test_identical_removals(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    for round_ in range(2):
        email = fixture.learner(f"removed{round_}@example.com", offering)
        answers = race(fixture.org, [("DELETE", f"/offerings/{offering}/users/{email}", None)] * MANY)
        assert outcome(answers) == {"204": 1, "404 ObjectNotFoundError": MANY - 1}
        assert email not in fixture.members(offering)


def test_identical_suspensions(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    """Decision U4: setting the state the user already has answers ObjectExistsError."""
    org = org_factory(server.base_url)
    with org.client() as api:
        checked(api.post("/users", json=person("toggled@example.com")), 201)
    for suspended in (True, False):
        answers = race(org, [("PUT", "/users/toggled@example.com/suspend", {"suspended": suspended})] * MANY)
        assert outcome(answers) == {"204": 1, "400 ObjectExistsError": MANY - 1}


def test_identical_permission_grants(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)
    with org.client() as api:
        checked(api.post("/users", json=person("builder@example.com")), 201)
    answers = race(org, [("POST", "/users/builder@example.com/permissions/builder", None)] * FEW)
    assert outcome(answers) == {"200": 1, "400 ObjectAlreadyIsError": FEW - 1}


def test_identical_group_removals(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    email = fixture.learner("grouped@example.com", offering)
    with fixture.org.client() as api:
        group = checked(api.post(f"/offerings/{offering}/groups", json={"title": "Team"}), 201)["id"]
        checked(api.post(f"/offerings/{offering}/groups/{group}/learners", json={"email": email}), 201)
    answers = race(fixture.org, [("DELETE", f"/offerings/{offering}/groups/{group}/learners/{email}", None)] * FEW)
    assert outcome(answers) == {"204": 1, "400 ApiValidationError": FEW - 1}


def test_identical_group_and_channel_adds(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    """Held before issue 19 (unique indexes, decision R5), kept tested: one add, the others "already in"."""
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    email = fixture.learner("joiner@example.com", offering)
    with fixture.org.client() as api:
        group = checked(api.post(f"/offerings/{offering}/groups", json={"title": "Team"}), 201)["id"]
        body = {"title": "Team talk", "groupDiscussion": True}
        channel = checked(api.post(f"/offerings/{offering}/channels", json=body), 201)["id"]
    join_group = ("POST", f"/offerings/{offering}/groups/{group}/learners", {"email": email})
    answers = race(fixture.org, [join_group] * FEW)
    assert outcome(answers) == {"201": 1, "400 ApiValidationError": FEW - 1}
    join_channel = ("POST", f"/offerings/{offering}/channels/{channel}/learners", {"email": email})
    answers = race(fixture.org, [join_channel] * FEW)
    assert outcome(answers) == {"204": 1, "400 ObjectExistsError": FEW - 1}


def test_identical_channel_learner_removals(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    email = fixture.learner("chatty@example.com", offering)
    with fixture.org.client() as api:
        body = {"title": "Team talk", "groupDiscussion": True}
        channel = checked(api.post(f"/offerings/{offering}/channels", json=body), 201)["id"]
        checked(api.post(f"/offerings/{offering}/channels/{channel}/learners", json={"email": email}), 204)
    path = f"/offerings/{offering}/channels/{channel}/learners"
    answers = race(fixture.org, [("DELETE", path, {"email": email})] * FEW)
    assert outcome(answers) == {"204": 1, "400 UserNotInChannelError": FEW - 1}


def test_identical_mapping_deletions(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    with fixture.org.client() as api:
        checked(api.put(f"/course-mappings/{offering}/EXT-1"))
    answers = race(fixture.org, [("DELETE", f"/course-mappings/{offering}/EXT-1", None)] * FEW)
    assert outcome(answers) == {"200": 1, "404 ObjectNotFoundError": FEW - 1}


def test_identical_resets_to_draft(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    email = fixture.learner("drafted@example.com", offering, submitted=True)
    path = f"/offerings/{offering}/users/{email}/assessments/{fixture.assessment_id}"
    answers = race(fixture.org, [("DELETE", path, None)] * FEW)
    assert outcome(answers) == {"204": 1, "400 AssessmentNotSubmittedError": FEW - 1}


def test_identical_document_removals(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    """Both kinds: a document of this offering only, and a course-wide one hidden from this offering."""
    fixture = Fixture(org_factory(server.base_url))
    offering = fixture.offerings[0]
    documents = []
    with fixture.org.client("/_sandbox") as sandbox:
        for scope in ({"offeringId": offering}, {}):
            body = {"filename": "brief.pdf", **scope}
            documents.append(checked(sandbox.post(f"/assessments/{fixture.assessment_id}/documents", json=body), 201))
    for document in documents:
        path = f"/offerings/{offering}/assessments/{fixture.assessment_id}/documents/{document['id']}"
        answers = race(fixture.org, [("DELETE", path, None)] * FEW)
        assert outcome(answers) == {"204": 1, "404 ObjectNotFoundError": FEW - 1}
