"""The SDK against the real server: `openqualify serve --demo` as a process, spoken to over HTTP.

Each scenario gets a brand-new organisation, created straight in the run's database (the server process uses
the same one), with its sandbox clock frozen at `NOW`, so every date-dependent answer is deterministic.
Its data is built through the sandbox control plane (`/_sandbox`, plain httpx) and read and changed through
the SDK. Every SDK request goes through a recording transport: `test_coverage.py` (run last) checks that the
requests of this folder's tests together reached every one of the contract's 84 operations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from openqualify.client import OPERATIONS, AsyncClient, Client, RetryPolicy
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.conftest import LiveServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The frozen sandbox clock of every scenario's organisation."""

API_PREFIX = "/v1"
COVERAGE_MODULE = "test_coverage.py"


# --- recording which contract operation each request reached -------------------------------------------------


def _split(raw_path: str) -> list[str]:
    return raw_path.split("?", 1)[0].strip("/").split("/") if raw_path.strip("/?") else []


_TEMPLATES: list[tuple[str, str, list[str]]] = [(method, template, _split(template)) for method, template in OPERATIONS]


def operation_of(method: str, raw_path: str) -> tuple[str, str] | None:
    """The contract operation `(METHOD, template)` a request path (percent-encoded, under /v1) matches.

    Literal segments win over parameters: `/offerings/current` is not `/offerings/{offeringId}`.
    """
    path = raw_path.split("?", 1)[0]
    if not path.startswith(API_PREFIX):
        return None
    segments = _split(path[len(API_PREFIX) :])
    best: tuple[int, tuple[str, str]] | None = None
    for op_method, template, parts in _TEMPLATES:
        if op_method != method or len(parts) != len(segments):
            continue
        literal = 0
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{"):
                continue
            if part != segment:
                break
            literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, (op_method, template))
    return best[1] if best else None


@dataclass(frozen=True)
class Call:
    kind: str  # "sync" or "async"
    method: str
    path: str
    status: int
    operation: tuple[str, str] | None


@dataclass
class OperationLog:
    """Every SDK request of the session, and which tests ran with a recording client."""

    calls: list[Call] = field(default_factory=list)
    finished_tests: set[str] = field(default_factory=set)
    scenario_tests: set[str] = field(default_factory=set)

    def record(self, kind: str, request: httpx.Request, status: int) -> None:
        raw = request.url.raw_path.decode("ascii")
        self.calls.append(Call(kind, request.method, raw, status, operation_of(request.method, raw)))

    def operations(self, kind: str | None = None) -> set[tuple[str, str]]:
        return {c.operation for c in self.calls if c.operation and (kind is None or c.kind == kind)}

    def unmatched(self) -> list[Call]:
        return [c for c in self.calls if c.operation is None]


LOG = OperationLog()


class RecordingTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        LOG.record("sync", request, response.status_code)
        return response


class RecordingAsyncTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        LOG.record("async", request, response.status_code)
        return response


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the coverage check after every other test, and remember which live tests it depends on."""
    coverage = [item for item in items if item.path.name == COVERAGE_MODULE and item.path.parent.name == "client_live"]
    rest = [item for item in items if item not in coverage]
    items[:] = rest + coverage
    LOG.scenario_tests = {item.nodeid for item in rest if "operation_log" in getattr(item, "fixturenames", ())}


@pytest.fixture
def operation_log(request: pytest.FixtureRequest) -> Iterator[OperationLog]:
    yield LOG
    LOG.finished_tests.add(request.node.nodeid.split("@")[0])  # xdist's loadgroup appends "@group"


# --- organisations, clients and the sandbox ----------------------------------------------------------------------


@dataclass
class Org:
    id: str
    token: str
    base_url: str  # .../v1

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def org(live_server: LiveServer, sync_engine: Engine) -> Org:
    """A brand-new organisation (same database as the server process), its clock frozen at `NOW`."""
    with admin_session(sync_engine) as session:
        created, token = create_org(session, f"Live org {uuid.uuid4().hex[:10]}")
        session.commit()
        org = Org(created.id, token, live_server.base_url + API_PREFIX)
    response = httpx.put(
        live_server.base_url + "/_sandbox/clock", json={"now": NOW.isoformat(), "frozen": True}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    return org


NO_RETRY = RetryPolicy(max_retries=0)  # a live server that fails must fail the test, not be retried


@pytest.fixture
def client(org: Org, operation_log: OperationLog) -> Iterator[Client]:
    """The SDK's blocking client for `org`, over real HTTP, recording every request."""
    with Client(base_url=org.base_url, token=org.token, transport=RecordingTransport(), retry=NO_RETRY) as sdk:
        yield sdk


def async_client(org: Org) -> AsyncClient:
    return AsyncClient(base_url=org.base_url, token=org.token, transport=RecordingAsyncTransport(), retry=NO_RETRY)


class Sandbox:
    """The organisation's sandbox control plane, for the data the API cannot create."""

    def __init__(self, live_server: LiveServer, org: Org) -> None:
        self.http = httpx.Client(base_url=live_server.base_url + "/_sandbox", headers=org.headers, timeout=30)

    def call(self, method: str, path: str, body: Any = None, expect: int = 201) -> Any:
        response = self.http.request(method, path, json=body)
        assert response.status_code == expect, f"{method} /_sandbox{path}: {response.status_code} {response.text}"
        return response.json()

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body if body is not None else {})

    # courses and their content
    def course(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.post("/courses", {"name": name, **fields})

    def publish(self, root_content_id: str) -> dict[str, Any]:
        return self.post(f"/courses/{root_content_id}/versions")

    def page(self, content_id: str, title: str, task_count: int = 0) -> dict[str, Any]:
        return self.post(f"/content/{content_id}/pages", {"title": title, "taskCount": task_count})

    def assessment(self, offering_id: str, type: str, title: str, **fields: Any) -> dict[str, Any]:
        return self.post("/assessments", {"offeringId": offering_id, "type": type, "title": title, **fields})

    def document(self, assessment_id: str, filename: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/assessments/{assessment_id}/documents", {"filename": filename, **fields})

    def activity(self, offering_id: str, title: str, minutes: float) -> dict[str, Any]:
        return self.post("/activities", {"offeringId": offering_id, "title": title, "time": minutes})

    # learners' work
    def submission(self, offering_id: str, assessment_id: str, email: str, **fields: Any) -> dict[str, Any]:
        return self.post(
            f"/offerings/{offering_id}/assessments/{assessment_id}/submissions", {"email": email, **fields}
        )

    def mark(self, submission_id: str, mark: str, marked_by: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/submissions/{submission_id}/marks", {"mark": mark, "markedBy": marked_by, **fields})

    def feedback(self, mark_id: str, feedback_by: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/marks/{mark_id}/feedback", {"feedbackBy": feedback_by, **fields})

    def quiz_attempt(self, offering_id: str, quiz_id: str, email: str, mark: str, at: str) -> dict[str, Any]:
        body = {"email": email, "mark": mark, "attemptedAt": at}
        return self.post(f"/offerings/{offering_id}/assessments/{quiz_id}/attempts", body)

    def activity_attempt(self, offering_id: str, activity_id: str, email: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/offerings/{offering_id}/activities/{activity_id}/attempts", {"email": email, **fields})

    def page_progress(self, offering_id: str, email: str, page_id: str, tasks_done: int = 0) -> dict[str, Any]:
        body = {"viewed": True, "tasksDone": tasks_done}
        return self.call("PUT", f"/offerings/{offering_id}/users/{email}/pages/{page_id}/progress", body, expect=200)

    def login(self, offering_id: str, email: str, at: str) -> dict[str, Any]:
        return self.post(f"/offerings/{offering_id}/users/{email}/logins", {"at": at})

    def reaction(self, offering_id: str, email: str, page_id: str, reaction: str) -> dict[str, Any]:
        body = {"email": email, "pageId": page_id, "reaction": reaction}
        return self.post(f"/offerings/{offering_id}/unit-reactions", body)

    def note(self, offering_id: str, email: str, page_id: str, paragraph: str, content: str, **f: Any) -> Any:
        body = {"email": email, "pageId": page_id, "paragraphId": paragraph, "content": content, **f}
        return self.post(f"/offerings/{offering_id}/social-notes", body)

    # pulses
    def pulse(self, offering_id: str, question: str, pulse_type: str, options: list[str] | None = None) -> Any:
        body = {"question": question, "pulseType": pulse_type, "options": options or []}
        return self.post(f"/offerings/{offering_id}/pulses", body)

    def run(self, offering_id: str, pulse_id: str, start: str, minutes: int = 60) -> dict[str, Any]:
        return self.post(
            f"/offerings/{offering_id}/pulses/{pulse_id}/runs", {"start": start, "durationMinutes": minutes}
        )

    def answer(self, offering_id: str, pulse_id: str, run_id: str, email: str, at: str, response: Any) -> Any:
        body = {"email": email, "responseTime": at, "response": response}
        return self.post(f"/offerings/{offering_id}/pulses/{pulse_id}/runs/{run_id}/responses", body)

    # talk channels
    def post_in(self, offering_id: str, channel_id: str, email: str, title: str, content: str, **f: Any) -> Any:
        body = {"email": email, "title": title, "content": content, **f}
        return self.post(f"/offerings/{offering_id}/channels/{channel_id}/posts", body)

    def comment(self, post_id: str, email: str, content: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/posts/{post_id}/comments", {"email": email, "content": content, **fields})

    def reply(self, comment_id: str, email: str, content: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/comments/{comment_id}/replies", {"email": email, "content": content, **fields})

    def advance(self, **amount: float) -> dict[str, Any]:
        """Move the frozen clock on (`minutes=5`), so that things created next sort after the previous ones."""
        return self.call("POST", "/clock/advance", amount, expect=200)

    def emails(self) -> list[dict[str, Any]]:
        return self.call("GET", "/emails", expect=200)


@pytest.fixture
def sandbox(live_server: LiveServer, org: Org) -> Iterator[Sandbox]:
    box = Sandbox(live_server, org)
    yield box
    box.http.close()
