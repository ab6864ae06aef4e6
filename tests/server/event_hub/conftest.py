"""A real webhook receiver on loopback, verifying every delivery's signature with the `standardwebhooks` package as
an integrator's receiver would, and helpers to configure the hub and to raise events through real operations."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, update
from standardwebhooks import Webhook, WebhookVerificationError

from openqualify.server.event_hub.models import HubDelivery
from openqualify.server.kit.tenancy import admin_session
from tests.conftest import Api

WAIT_SECONDS = 20.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified_with: list[int]  # indexes of the receiver's secrets that verify the signature

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class Receiver:
    """Records every POST; answers from `script` (one answer per request, in order), else `default`."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self.secrets: list[str] = []
        self.script: list[Answer] = []
        self.default = Answer()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified = []
                for index, secret in enumerate(receiver.secrets):
                    try:
                        Webhook(secret).verify(body, headers)
                        verified.append(index)
                    except WebhookVerificationError:
                        pass
                with receiver.lock:
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                    receiver.received.append(Received(self.path, headers, body, verified))
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):  # the sender is gone (killed, or timed out)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def events(self, type_: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            items = list(self.received)
        chosen = [r for r in items if path is None or r.path == path]
        return [r.event for r in chosen if type_ is None or r.event["type"] == type_]

    def wait_for(
        self, count: int, type_: str | None = None, path: str | None = None, timeout: float = WAIT_SECONDS
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(type_, path)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def endpoint(url: str, **fields: Any) -> dict[str, Any]:
    return {"url": url, "enabled": True, "headers": {}, **fields}


def configure(api: Api, receiver: Receiver | None = None, **document: Any) -> dict[str, Any]:
    """PUT the hub's settings (on, with the receiver as the default endpoint unless told otherwise); the
    receiver learns the signing secret."""
    body: dict[str, Any] = {"enabled": True, "defaultEndpoints": [endpoint(receiver.url())] if receiver else []}
    body.update(document)
    response = hub(api).put("/settings", json=body)
    assert response.status_code == 200, response.text
    settings = response.json()
    if receiver is not None:
        receiver.secrets = [settings["signingSecret"]]
    return settings  # type: ignore[no-any-return]


def hub(api: Api) -> Api:
    """The same organisation's `/event-hub` surface."""
    return Api(api.http, api.token, api.org_id, prefix="/event-hub")


def feed(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every event of the organisation's feed (following the cursor)."""
    events: list[dict[str, Any]] = []
    after = ""
    for _ in range(1000):
        page = hub(api).get("/events", params={"after": after, "limit": 1000, **params}).json()
        events += page["events"]
        if not page["events"]:
            return events
        after = page["next"]
    raise AssertionError("the feed did not end")


def wait_until(condition: Callable[[], Any], timeout: float = WAIT_SECONDS, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def deliveries(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = hub(api).get("/deliveries", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()["deliveries"]  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _nothing_left_due(sync_engine: Engine) -> Iterator[None]:
    """After each test, deliveries still waiting are closed, so that no retry falls due during later tests of the
    session (whose apps' dispatchers share the database)."""
    yield
    with admin_session(sync_engine) as session:
        session.execute(
            update(HubDelivery)
            .where(HubDelivery.status.in_(("pending", "retrying")))
            .values(status="failed", last_error="the test is over", next_attempt_at=None)
        )
        session.commit()
