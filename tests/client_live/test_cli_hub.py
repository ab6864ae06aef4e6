"""`openqualify hub ...` against the real server: `listen` end to end as a subprocess (a temporary endpoint
registered, each delivery's signature verified, printed, forwarded with its headers to a receiver that verifies it
again, the endpoint removed on SIGTERM and on Ctrl-C), `events --follow`, and the one-shot commands with their exit
codes. Every wait is bounded."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import IO

import httpx
import pytest
from typer.testing import CliRunner

from openqualify.cli.api.hub import LISTEN_PATH
from openqualify.cli.main import app
from openqualify.client import Client, RetryPolicy
from openqualify.client.event_hub import EventHubSettings
from tests.fixtures.client_live import NOW, Org
from tests.fixtures.event_hub import Receiver
from tests.fixtures.live import free_port

pytestmark = pytest.mark.e2e

WAIT = 30.0


class Cli:
    """`openqualify` as a subprocess whose output lines are read as they come (never blocking past `WAIT`)."""

    def __init__(self, org: Org, *args: str) -> None:
        env = {**os.environ, "OPENQUALIFY_BASE_URL": org.base_url, "OPENQUALIFY_TOKEN": org.token,
               "PYTHONUNBUFFERED": "1"}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "openqualify.cli.main", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    def line(self, lines: queue.Queue[str], containing: str) -> str:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {containing!r} within {WAIT} s: {self.err_lines}") from None
            if lines is self.err:
                self.err_lines.append(line)
            if containing in line:
                return line

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(how)
        return self.process.wait(timeout=WAIT)

    def rest(self, lines: queue.Queue[str]) -> list[str]:
        found = []
        while not lines.empty():
            found.append(lines.get_nowait())
        return found

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT)


@pytest.fixture
def hub_client(org: Org) -> Iterator[Client]:
    with Client(base_url=org.base_url, token=org.token, retry=RetryPolicy(max_retries=0)) as client:
        yield client


@pytest.fixture
def target() -> Iterator[Receiver]:
    """Where `listen --forward-to` sends: a receiver that verifies signatures itself."""
    server = Receiver()
    yield server
    server.stop()


def listener_urls(settings: EventHubSettings) -> list[tuple[str, str]]:
    lists = [("default", settings.default_endpoints)] + [(t, s.endpoints) for t, s in settings.events.items()]
    return [(where, e.url) for where, endpoints in lists for e in endpoints if LISTEN_PATH in e.url]


def new_user(client: Client) -> str:
    email = f"listen.{uuid.uuid4().hex[:8]}@example.com"
    client.users.create(email=email, first_name="Lis", last_name="Ten", send_invite=False)
    return email


def test_listen_verifies_prints_forwards_and_removes_its_endpoint(
    org: Org, hub_client: Client, target: Receiver
) -> None:
    hub = hub_client.event_hub
    before = hub.put_settings({"enabled": True, "defaultEndpoints": [{"url": "http://127.0.0.1:9/elsewhere"}]})
    assert before.signing_secret is not None
    target.secrets = [before.signing_secret]
    target.default.status = 202
    listen = Cli(org, "hub", "listen", "--forward-to", target.url("/forwarded"))
    try:
        ready = listen.line(listen.err, "Ready:")
        assert "receives every event type; forwarding to" in ready
        [(where, url)] = listener_urls(hub.settings())
        assert where == "default" and url in ready and url.startswith("http://127.0.0.1:")
        assert [e.url for e in hub.settings().default_endpoints] == ["http://127.0.0.1:9/elsewhere", url]

        email = new_user(hub_client)
        line = listen.line(listen.out, "user.created")
        assert email in line and line.endswith(f"-> 202 {target.url('/forwarded')}")
        [forwarded] = target.wait_for(1, path="/forwarded")
        received = target.received[0]
        assert received.verified_with == [0]  # forwarded with the hub's own signature, still valid
        assert received.headers["webhook-id"] == forwarded["id"] and forwarded["data"]["user"]["email"] == email
        assert received.headers["user-agent"].startswith("OpenQualify-EventHub/")

        # A forged delivery is refused (401) and neither printed nor forwarded.
        forged = httpx.post(url, content=b'{"id": "evt_x"}', headers={"webhook-id": "evt_x", "webhook-timestamp":
                            str(int(time.time())), "webhook-signature": "v1,Zm9yZ2Vk"})  # fmt: skip
        assert forged.status_code == 401 and forged.json()["name"] == "WebhookVerificationError"
        listen.line(listen.err, "Refused a delivery (evt_x): No matching signature found")
        assert httpx.post(url.rsplit("/", 1)[0] + "/other", content=b"{}").status_code == 404

        # The hub's log shows the forward target's answer.
        deliveries = hub.deliveries(endpoint=url).deliveries
        assert deliveries and deliveries[0].last_status_code in (202, None)
    finally:
        code = listen.stop(signal.SIGTERM)
        listen.kill()
    assert code == 0
    assert listen.line(listen.err, "Removed the endpoint") == f"Removed the endpoint {url}."
    after = hub.settings()
    assert listener_urls(after) == [] and [e.url for e in after.default_endpoints] == ["http://127.0.0.1:9/elsewhere"]
    assert len(target.events(path="/forwarded")) == 1


def test_listen_for_some_types_keeps_everyone_elses_routing(org: Org, hub_client: Client) -> None:
    hub = hub_client.event_hub
    own = "http://127.0.0.1:9/badges"
    hub.put_settings({"enabled": True, "events": {"badge.awarded": {"endpoints": [{"url": own}]}}})
    listen = Cli(org, "hub", "listen", "--events", "badge.awarded,user.created", "--json")
    try:
        ready = listen.line(listen.err, "Ready:")
        assert "receives badge.awarded, user.created." in ready
        registered = listener_urls(hub.settings())
        # badge.awarded has its own endpoint: the listener joins it there; user.created goes to the defaults.
        assert sorted(where for where, _ in registered) == ["badge.awarded", "default"]
        assert hub.settings().events["badge.awarded"].endpoints[0].url == own

        hub.test("badge.awarded")
        printed = json.loads(listen.line(listen.out, '"badge.awarded"'))
        assert printed["type"] == "badge.awarded" and printed["test"] is True and printed["id"].startswith("evt_")
        hub.test("quiz.attempted")  # reaches the listener's default endpoint, but was not asked for
        email = new_user(hub_client)
        created = json.loads(listen.line(listen.out, '"user.created"'))
        assert created["data"]["user"]["email"] == email
        assert all("quiz.attempted" not in line for line in listen.rest(listen.out))
    finally:
        code = listen.stop(signal.SIGINT)  # Ctrl-C
        listen.kill()
    assert code == 0
    listen.line(listen.err, "Removed the endpoint")
    after = hub.settings()
    assert listener_urls(after) == [] and after.default_endpoints == []
    assert [e.url for e in after.events["badge.awarded"].endpoints] == [own]


def test_listen_refuses_an_unknown_type_and_a_busy_port(org: Org, target: Receiver, hub_client: Client) -> None:
    unknown = Cli(org, "hub", "listen", "--events", "no.such")
    assert unknown.process.wait(timeout=WAIT) == 1
    assert "unknown event type 'no.such'" in unknown.line(unknown.err, "Error")
    busy = Cli(org, "hub", "listen", "--port", str(target.port))
    assert busy.process.wait(timeout=WAIT) == 1
    assert f"cannot receive on 127.0.0.1:{target.port}" in busy.line(busy.err, "Error")
    assert listener_urls(hub_client.event_hub.settings()) == []


def test_events_follow_prints_new_events_until_stopped(org: Org, hub_client: Client) -> None:
    hub_client.event_hub.put_settings({"enabled": True})
    first = new_user(hub_client)
    follow = Cli(org, "hub", "events", "--follow", "--interval", "0.2")
    try:
        assert first in follow.line(follow.out, "user.created")
        later = new_user(hub_client)
        assert later in follow.line(follow.out, "user.created")
    finally:
        code = follow.stop()
        follow.kill()
    assert code == 0
    cursor = follow.line(follow.err, "Next cursor:")
    assert cursor == "Next cursor: 2 (--after 2)"


def invoke(org: Org, *args: str) -> tuple[int, str]:
    env = {"OPENQUALIFY_BASE_URL": org.base_url, "OPENQUALIFY_TOKEN": org.token, "OPENQUALIFY_TABLES": "tsv"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr  # stderr after stdout, whatever the buffering


def test_trigger_events_deliveries_redeliver_and_settings(org: Org, hub_client: Client, target: Receiver) -> None:
    code, out = invoke(org, "hub", "trigger", "badge.awarded")
    assert code == 0 and "(badge.awarded) to 0 endpoints (no endpoint receives this type)" in out
    settings = hub_client.event_hub.put_settings({"enabled": True, "defaultEndpoints": [{"url": target.url()}]})
    target.secrets = [settings.signing_secret or ""]

    code, out = invoke(org, "hub", "trigger", "badge.awarded", "--json")
    sent = json.loads(out)
    assert code == 0 and sent["event"]["test"] is True and sent["deliveries"][0]["endpoint"] == target.url()
    target.wait_for(1)

    code, out = invoke(org, "hub", "events", "--type", "badge.awarded")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Time\tType\tID\tUser\tTest" and len(lines) == 4
    assert lines[2].split("\t")[1:3] == ["badge.awarded", sent["event"]["id"]]
    assert lines[-1] == "Next cursor: 2 (--after 2)"

    code, out = invoke(org, "hub", "deliveries", "--event", sent["event"]["id"], "--json")
    assert code == 0 and json.loads(out)["deliveries"][0]["eventId"] == sent["event"]["id"]
    code, out = invoke(org, "hub", "deliveries")
    assert code == 0 and out.splitlines()[0].split("\t")[:5] == ["ID", "Event", "Type", "Endpoint", "Status"]

    code, out = invoke(org, "hub", "redeliver", sent["event"]["id"])
    assert code == 0 and sent["event"]["id"] in out
    target.wait_for(2)
    since = (NOW - timedelta(days=1)).isoformat()
    code, out = invoke(org, "hub", "redeliver", "--since", since, "--status", "retrying")
    assert (code, out.strip()) == (0, "Redelivering 0 deliveries.")

    code, out = invoke(org, "hub", "settings")
    assert code == 0 and out.startswith("Event hub: on\nSigning secret: whsec_")
    assert f"(default)\t{target.url()}\ttrue" in out and "badge.awarded\ttrue\tfalse\tdefault" in out
    code, out = invoke(org, "hub", "settings", "--json")
    assert code == 0 and json.loads(out)["signingSecret"] == settings.signing_secret

    # Exit codes as docs/cli.md lists them.
    assert invoke(org, "hub", "trigger", "no.such")[0] == 2
    assert invoke(org, "hub", "redeliver", "evt_nosuchevent000000000")[0] == 2
    assert invoke(org, "hub", "redeliver")[0] == 1
    assert invoke(org, "hub", "redeliver", "evt_x", "--since", since)[0] == 1
    assert invoke(org, "hub", "events", "--base-url", "http://127.0.0.1:1/v1")[0] == 4


def test_a_receiver_that_is_down_fails_the_delivery_and_listen_still_cleans_up(org: Org, hub_client: Client) -> None:
    hub_client.event_hub.put_settings({"enabled": True})
    down = f"http://127.0.0.1:{free_port()}/down"
    listen = Cli(org, "hub", "listen", "--forward-to", down)
    try:
        url = listen.line(listen.err, "Ready:").split()[1]
        sent = hub_client.event_hub.test("quiz.attempted")
        line = listen.line(listen.out, "quiz.attempted")
        assert sent.event.id in line and "-> error: " in line
        deadline = time.monotonic() + WAIT
        while not (log := hub_client.event_hub.deliveries(event_id=sent.event.id).deliveries)[0].attempt_count:
            assert time.monotonic() < deadline, "the attempt was not recorded"
            time.sleep(0.05)
        assert (log[0].endpoint, log[0].last_status_code, log[0].status) == (url, 502, "retrying")
    finally:
        code = listen.stop(signal.SIGTERM)
        listen.kill()
    assert code == 0 and listen_removed(listen, url)
    assert listener_urls(hub_client.event_hub.settings()) == []
    # Its waiting retry failed with the endpoint, visibly (docs/event-hub.md, Settings).
    [failed] = hub_client.event_hub.deliveries(event_id=sent.event.id).deliveries
    assert (failed.status, failed.last_error) == ("failed", "endpoint removed")


def listen_removed(listen: Cli, url: str) -> bool:
    return listen.line(listen.err, "Removed the endpoint") == f"Removed the endpoint {url}."
