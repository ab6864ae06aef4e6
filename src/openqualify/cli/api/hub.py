"""`openqualify hub ...`: the Event hub for integrators, through the SDK's `client.event_hub`.

`listen` is what `stripe listen` is to Stripe's users: a local receiver, registered as a temporary endpoint of the
organisation's hub, that verifies each delivery's signature, prints it, forwards it, and removes its endpoint
when it stops (Ctrl-C, SIGTERM, or an error). `trigger`, `events`, `deliveries`, `redeliver` and `settings` wrap
the rest of `/event-hub` (docs/event-hub.md).
"""

from __future__ import annotations

import json
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Annotated, Any

import httpx
import typer

from openqualify.client.event_hub import Delivery, Endpoint, Event, EventHubResource, EventHubSettings
from openqualify.client.models import format_datetime
from openqualify.client.webhooks import INSTALL_HINT, WebhookVerificationError, verify

from ._context import EXIT_USAGE, Api, command, group
from ._output import cell, show_rows

app = group("hub", "The Event hub: listen for deliveries locally, send test events, read the feed and the log.")

LISTEN_PATH = "/openqualify-hub-listen/"
"""Endpoints registered by `listen` have this path (and a random part), so each listener removes only its own."""
HOP_BY_HOP = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive"})
FORWARD_TIMEOUT = 30.0
MAX_BODY = 10 * 1024 * 1024


# --- stopping on Ctrl-C and SIGTERM alike ------------------------------------------------------------------


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM ends the block like Ctrl-C (a KeyboardInterrupt), so `finally` clauses run either way."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Ctrl-C and SIGTERM do nothing during the block (the endpoint's removal must finish)."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Lines:
    """One line per event on stdout (whole, flushed at once), from any thread."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.lock = threading.Lock()

    def event(self, event: Event, suffix: str = "") -> None:
        text = json.dumps(event.to_json(), ensure_ascii=False) if self.as_json else event_line(event) + suffix
        self.out(text)

    def out(self, text: str) -> None:
        with self.lock:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def err(self, text: str) -> None:
        with self.lock:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


def who(event: Event) -> str:
    user = event.data.get("user")
    return str(user.get("email") or "") if isinstance(user, dict) else ""


def event_line(event: Event) -> str:
    """`2026-03-02T09:00:00.000Z  badge.awarded  evt_...  ann@example.com  [test]`"""
    parts = [format_datetime(event.timestamp), f"{event.type:<25}", event.id]
    if who(event):
        parts.append(who(event))
    if event.test:
        parts.append("[test]")
    return "  ".join(parts)


def _types(value: str | None) -> list[str] | None:
    if value is None:
        return None
    types = [t.strip() for t in value.split(",") if t.strip()]
    return types or None


# --- listen ---------------------------------------------------------------------------------------------


def add_endpoint(hub: EventHubResource, url: str, types: Sequence[str] | None) -> EventHubSettings:
    """Add the listener's endpoint: a default endpoint for every type (no `types`), else the endpoint in each
    type's own list where it has one, and a default endpoint for the types that go to the defaults, so the
    routing of every other receiver stays as it was (a type that gets its first own endpoint would stop going to
    the defaults). One merge patch: the lists not touched stay as they are."""
    current = hub.settings()
    ours = Endpoint(url=url)
    patch: dict[str, Any] = {}
    if types is None or any(not current.events[t].endpoints for t in types):
        patch["defaultEndpoints"] = [*current.default_endpoints, ours]
    for event_type in types or ():
        own = current.events[event_type].endpoints
        if own:
            patch.setdefault("events", {})[event_type] = {"endpoints": [*own, ours]}
    return hub.patch_settings(patch)


def remove_endpoint(hub: EventHubResource, url: str) -> bool:
    """Remove the listener's endpoint from every list it is in; whether there was one."""
    current = hub.settings()
    patch: dict[str, Any] = {}
    if any(e.url == url for e in current.default_endpoints):
        patch["defaultEndpoints"] = [e for e in current.default_endpoints if e.url != url]
    for event_type, setting in current.events.items():
        if any(e.url == url for e in setting.endpoints):
            patch.setdefault("events", {})[event_type] = {"endpoints": [e for e in setting.endpoints if e.url != url]}
    if patch:
        hub.patch_settings(patch)
    return bool(patch)


class Listener:
    """The local receiver: verifies, prints, forwards; answers the hub with the forward target's status."""

    def __init__(
        self, lines: Lines, secret: str, types: Sequence[str] | None, forward_to: str | None, path: str
    ) -> None:
        self.lines, self.secret, self.path = lines, secret, path
        self.types = set(types) if types else None
        self.forward_to = forward_to
        self.http = httpx.Client(timeout=FORWARD_TIMEOUT, follow_redirects=False)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if path.split("?", 1)[0] != self.path:
            return 404, b'{"name": "RouteNotFoundError", "details": "not a listener path"}'
        if not self.secret:  # registered, but the answer with the signing secret is not read yet: come again
            return 503, b'{"name": "NotReadyError", "details": "the listener is starting"}'
        try:
            event = verify(body, headers, self.secret)
        except WebhookVerificationError as refused:
            self.lines.err(f"Refused a delivery ({headers.get('webhook-id', 'no webhook-id')}): {refused.reason}")
            return 401, json.dumps({"name": "WebhookVerificationError", "details": refused.reason}).encode()
        if self.types is not None and event.type not in self.types:
            return 200, b'{"ignored": true}'  # another type reaching the default endpoint: not asked for
        if self.forward_to is None:
            self.lines.event(event)
            return 200, b'{"ok": true}'
        status, answer, note = self.forward(headers, body)
        self.lines.event(event, f"  -> {note}")
        if self.lines.as_json:
            self.lines.err(f"{event.id} -> {note}")
        return status, answer

    def forward(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        """POST the delivery as received (body and headers, signature included) to `--forward-to`."""
        assert self.forward_to is not None
        sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            response = self.http.post(self.forward_to, content=body, headers=sent)
        except httpx.HTTPError as error:
            return 502, json.dumps({"name": "ForwardError", "details": str(error)}).encode(), f"error: {error}"
        return response.status_code, response.content[:2048], f"{response.status_code} {self.forward_to}"

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = listener.handle(self.path, headers, body)
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):  # the hub gave up waiting
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="hub-listen", daemon=True).start()
        return server

    def close(self) -> None:
        self.http.close()


def _check_types(api: Api, settings: EventHubSettings, types: Sequence[str] | None) -> None:
    unknown = [t for t in types or () if t not in settings.events]
    if unknown:
        known = ", ".join(sorted(settings.events))
        raise api.fail(f"unknown event type {unknown[0]!r} (known: {known})", EXIT_USAGE)


@command(app, "listen")
def listen(
    api: Api,
    forward_to: Annotated[
        str | None, typer.Option("--forward-to", help="POST each verified delivery, as received, to this URL.")
    ] = None,
    events: Annotated[
        str | None, typer.Option("--events", help="Only these event types, comma-separated (default: every type).")
    ] = None,
    port: Annotated[int, typer.Option("--port", help="Local port to receive on (0: any free port).")] = 0,
    host: Annotated[
        str, typer.Option("--host", help="Address to receive on; the server must reach it (sandbox: loopback).")
    ] = "127.0.0.1",
) -> None:
    """Receive the hub's deliveries here: register a temporary endpoint, verify each delivery's signature, print
    it (--json: the event's JSON, one per line), forward it; the endpoint is removed on exit (Ctrl-C, SIGTERM)."""
    try:
        import standardwebhooks  # noqa: F401
    except ImportError:
        raise api.fail(f"hub listen verifies signatures with the standardwebhooks package: {INSTALL_HINT}") from None
    hub = api.client.event_hub
    types = _types(events)
    lines = Lines(api.json)
    _check_types(api, hub.settings(), types)
    path = LISTEN_PATH + secrets.token_urlsafe(12)
    listener = Listener(lines, "", types, forward_to, path)
    try:
        server = listener.serve(host, port)
    except OSError as error:
        listener.close()
        raise api.fail(f"cannot receive on {host}:{port}: {error.strerror or error}") from None
    url = f"http://{host}:{server.server_address[1]}{path}"
    registering = False
    try:
        with stopped_by_signals():
            try:
                registering = True  # from here on, the endpoint may exist (even if the answer is lost)
                settings = add_endpoint(hub, url, types)
                listener.secret = settings.signing_secret or ""
                _warn_about(lines, settings, types)
                what = ", ".join(types) if types else "every event type"
                target = f"; forwarding to {forward_to}" if forward_to else ""
                lines.err(f"Ready: {url} receives {what}{target}. Ctrl-C to stop.")
                threading.Event().wait()  # until Ctrl-C or SIGTERM
            except KeyboardInterrupt:
                pass
    finally:
        server.shutdown()
        server.server_close()
        listener.close()
        if registering:
            with signals_ignored():  # a second Ctrl-C must not leave the endpoint behind
                removed = remove_endpoint(hub, url)
            if removed:
                lines.err(f"Removed the endpoint {url}.")


def _warn_about(lines: Lines, settings: EventHubSettings, types: Sequence[str] | None) -> None:
    if not settings.enabled:
        lines.err("Warning: the Event hub is off, so only test events (openqualify hub trigger TYPE) arrive until "
                  "it is turned on (PUT /event-hub/settings).")  # fmt: skip
    off = [t for t in types or () if not settings.events[t].enabled]
    if off:
        lines.err(f"Warning: these event types are off (only their test events arrive): {', '.join(off)}")


# --- trigger, events, deliveries, redeliver, settings ---------------------------------------------------------


def _last(delivery: Delivery) -> str:
    if delivery.last_status_code is not None:
        return str(delivery.last_status_code)
    return delivery.last_error or ""


DELIVERY_COLUMNS: list[tuple[str, Callable[[Delivery], Any] | str]] = [
    ("ID", "id"),
    ("Event", "event_id"),
    ("Type", "event_type"),
    ("Endpoint", "endpoint"),
    ("Status", "status"),
    ("Attempts", "attempt_count"),
    ("Last", _last),
    ("Next attempt", "next_attempt_at"),
]

EVENT_COLUMNS: list[tuple[str, Callable[[Event], Any] | str]] = [
    ("Time", "timestamp"),
    ("Type", "type"),
    ("ID", "id"),
    ("User", who),
    ("Test", lambda e: "test" if e.test else ""),
]


@command(app, "trigger")
def trigger(api: Api, event_type: Annotated[str, typer.Argument(help="An event type, e.g. badge.awarded.")]) -> None:
    """Send a sample event of the type, marked test, to that type's endpoints (POST /event-hub/test)."""
    sent = api.client.event_hub.test(event_type)
    if api.json:
        api.print_json(sent.to_json())
        return
    count = len(sent.deliveries)
    targets = f": {', '.join(d.endpoint for d in sent.deliveries)}" if count else " (no endpoint receives this type)"
    plural = "s" if count != 1 else ""
    typer.echo(f"Sent test event {sent.event.id} ({event_type}) to {count} endpoint{plural}{targets}")


@command(app, "events")
def list_events(
    api: Api,
    type: Annotated[str | None, typer.Option("--type", help="Only these types, comma-separated.")] = None,
    after: Annotated[str | None, typer.Option("--after", help="The cursor to start after (a page's next).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Events in one page, at most 1000.")] = 100,
    follow: Annotated[bool, typer.Option("--follow", help="Print new events as they come (Ctrl-C to stop).")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls with --follow.")] = 1.0,
) -> None:
    """The feed in commit order: one page (the next cursor on stderr), or every event from there on (--follow)."""
    hub = api.client.event_hub
    if not follow:
        page = hub.events(after=after, type=_types(type), limit=limit)
        if api.json:
            api.print_json(page.to_json())
            return
        show_rows(api, page.events, EVENT_COLUMNS)
        api.err.print(f"Next cursor: {page.next} (--after {page.next})", markup=False, highlight=False)
        return
    lines = Lines(api.json)
    stream = hub.iter_events(after=after, type=_types(type), page_size=limit, follow=True, poll_interval=interval)
    with stopped_by_signals():
        try:
            for event in stream:
                lines.event(event)
        except KeyboardInterrupt:
            pass
    lines.err(f"Next cursor: {stream.cursor} (--after {stream.cursor})")


@command(app, "deliveries")
def list_deliveries(
    api: Api,
    event: Annotated[str | None, typer.Option("--event", help="Only this event's deliveries.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, retrying, delivered or failed.")] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="Only this endpoint (its URL).")] = None,
    after: Annotated[
        str | None, typer.Option("--after", help="Continue after this delivery id (a page's next).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Deliveries in one page, at most 200.")] = 50,
) -> None:
    """The delivery log, newest first (--json: every attempt too)."""
    page = api.client.event_hub.deliveries(event_id=event, status=status, endpoint=endpoint, after=after, limit=limit)
    if api.json:
        api.print_json(page.to_json())
        return
    show_rows(api, page.deliveries, DELIVERY_COLUMNS)
    if page.next:
        api.err.print(f"More: --after {page.next}", markup=False, highlight=False)


@command(app, "redeliver")
def redeliver(
    api: Api,
    event_id: Annotated[str | None, typer.Argument(help="The event to send again.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Events raised from this date-time on...")] = None,
    until: Annotated[str | None, typer.Option("--until", help="...up to this one (default: now).")] = None,
    status: Annotated[str, typer.Option("--status", help="Deliveries that are failed or retrying.")] = "failed",
) -> None:
    """Send one event again (EVENT_ID), or every failed delivery of a time range (--since [--until] [--status])."""
    hub = api.client.event_hub
    if (event_id is None) == (since is None):
        raise api.fail("give an event id, or --since (and --until) for a time range, not both", EXIT_USAGE)
    if event_id is not None:
        deliveries = hub.redeliver(event_id)
        if api.json:
            api.print_json([d.to_json() for d in deliveries])
        else:
            show_rows(api, deliveries, DELIVERY_COLUMNS)
        return
    assert since is not None
    count = hub.redeliver_range(since=since, until=until, status=status)
    if api.json:
        api.print_json({"redelivered": count})
    else:
        typer.echo(f"Redelivering {count} deliver{'ies' if count != 1 else 'y'}.")


def _masked(secret: str | None) -> str:
    return f"{secret[:10]}..." if secret else "(none yet: created when the settings are first saved)"


def _endpoint_rows(settings: EventHubSettings) -> list[dict[str, str]]:
    scoped = [("(default)", e) for e in settings.default_endpoints]
    scoped += [(t, e) for t, s in settings.events.items() for e in s.endpoints]
    return [
        {
            "for": scope,
            "url": e.url,
            "enabled": cell(e.enabled),
            "failing": "failing" if e.failing else (e.disabled_reason or ""),
            "headers": ", ".join(e.headers),
        }
        for scope, e in scoped
    ]


@command(app, "settings")
def show_settings(api: Api) -> None:
    """The hub's settings: on or off, the endpoints, and each event type (--json: the whole document)."""
    settings = api.client.event_hub.settings()
    if api.json:
        api.print_json(settings.to_json())
        return
    typer.echo(f"Event hub: {'on' if settings.enabled else 'off'}")
    typer.echo(f"Signing secret: {_masked(settings.signing_secret)}")
    if settings.previous_signing_secret_expires_at:
        previous = format_datetime(settings.previous_signing_secret_expires_at)
        typer.echo(f"Previous secret signs until: {previous}")
    endpoints = _endpoint_rows(settings)
    columns = [("For", "for"), ("URL", "url"), ("Enabled", "enabled"), ("State", "failing"), ("Headers", "headers")]
    show_rows(api, endpoints, columns)
    types = [
        {
            "type": t,
            "on": cell(s.enabled),
            "anonymous": cell(s.anonymous),
            "endpoints": str(len(s.endpoints)) if s.endpoints else "default",
        }
        for t, s in settings.events.items()
    ]
    show_rows(api, types, [("Type", "type"), ("On", "on"), ("Anonymous", "anonymous"), ("Endpoints", "endpoints")])


def register(root: typer.Typer) -> None:
    root.add_typer(app)
