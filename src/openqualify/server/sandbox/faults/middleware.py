"""Injects the organisation's faults into its requests to `/v1` (sandbox mode only).

Per request: one indexed statement on the read path finds the token's organisation and its rules
(`repository.RULES_BY_TOKEN`); requests of organisations without rules and without a `Prefer` header go on
untouched. Matching rules count the request in the database (one short write transaction, so every worker sees
the same counts and a seeded rule gives the same sequence whichever worker serves it), then:

- a status fault answers the contract's flat error body with the contract's name for that status and does not run
  the request (`Retry-After` on a 429 always, on others when the rule sets `retryAfter`);
- `drop` runs the request, then loses its answer: `reset` resets the TCP connection, `empty` closes it without a
  byte, `malformed` sends the status, headers and half of the body, then closes;
- latency delays the answer (the largest delay of the rules that fired, plus `Prefer: latency=`).

The fault is written in `scope["state"]["fault"]`, which the journal and the access log show, and in the
`X-OpenQualify-Fault` response header. Dropping a connection needs the server's transport: `TransportCapture`,
the outermost layer, keeps uvicorn's in the scope (other servers: the answer is lost, the connection stays).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.contract import API_PREFIX, error_name
from openqualify.server.db.engine import write_intent
from openqualify.server.db.faults import is_connection_lost
from openqualify.server.kit.auth import hash_token
from openqualify.server.middleware.asgi import send_error
from openqualify.server.sandbox.faults.repository import RULES_BY_TOKEN, count_hit, count_match
from openqualify.server.sandbox.faults.rules import (
    Draws,
    Match,
    Preference,
    fires,
    latency_ms,
    parse_prefer,
    request_template,
)
from openqualify.server.sandbox.faults.schemas import FAULT_STATUSES

logger = logging.getLogger("openqualify.sandbox.faults")

TRANSPORT_KEY = "openqualify.transport"
FAULT_HEADER = b"x-openqualify-fault"
DEFAULT_RETRY_AFTER = 1  # seconds, on a 429 whose rule gives none


class TransportCapture:
    """Outermost: keeps the server's connection transport in the scope, for `drop` faults (uvicorn's request
    cycle hands the app its own bound `receive`, whose object holds the transport)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = getattr(getattr(receive, "__self__", None), "transport", None)
            if transport is not None:
                scope[TRANSPORT_KEY] = transport
        await self.app(scope, receive, send)


@dataclass
class Fault:
    """What was injected into one request: the journal's `fault` and the access log's `fault=`."""

    source: str  # "rule" or "prefer"
    rules: list[str] = field(default_factory=list)
    status: int | None = None
    drop: str | None = None
    latency_ms: float = 0.0
    retry_after: int | None = None
    answered: int | None = None  # the status of the real answer a drop lost

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "rules": self.rules}
        if self.status is not None:
            out["status"] = self.status
        if self.drop is not None:
            out["drop"] = self.drop
        if self.latency_ms:
            out["latencyMs"] = round(self.latency_ms, 1)
        if self.answered is not None:
            out["answered"] = self.answered
        return out

    def summary(self) -> str:
        """`status=503 rule=-Nabc`: the header's and the access log's form."""
        parts = []
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.drop is not None:
            parts.append(f"drop={self.drop}")
        if self.latency_ms:
            parts.append(f"latency={round(self.latency_ms)}ms")
        parts += [f"rule={rule}" for rule in self.rules] or ["prefer"]
        return " ".join(parts)

    def client_status(self, observed: int) -> int:
        """What the client got: 0 when the connection was lost before an answer (HAR's convention)."""
        if self.drop in ("reset", "empty"):
            return 0
        return self.status if self.status is not None else observed


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    rule: dict[str, Any]


def _header(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]


class FaultMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        if not authorization:
            await self.app(scope, receive, send)
            return
        try:
            fault = await self._decide(scope, authorization[0])
        except Exception as error:  # the rules could not be read or counted: serve the request as if there were none
            if is_connection_lost(error):  # the request itself will meet it and answer 503
                logger.warning("fault rules skipped for %s %s: the database is unavailable", scope["method"], path)
            else:
                logger.exception("fault rules skipped for %s %s", scope["method"], path)
            fault = None
        if fault is None:
            await self.app(scope, receive, send)
            return
        await self._inject(fault, scope, receive, send)

    async def _decide(self, scope: Scope, authorization: str) -> Fault | None:
        parts = authorization.strip().split(None, 1)
        token = parts[1].strip() if len(parts) == 2 and parts[0].lower() == "bearer" else parts[0] if parts else ""
        if not token:
            return None
        state = scope["app"].state
        reader = state.reader
        query = reader.compiled(RULES_BY_TOKEN)
        rows = await reader.rows(query, {"token_hash": hash_token(token)})
        if not rows:
            return None  # not a valid token: the app answers 401 or 403
        rules = [
            _Rule(row.rule_id, row.rule)
            for row in rows
            if row.rule_id is not None and row.rule.get("target", "requests") == "requests"  # not deliveries'
        ]
        prefer = parse_prefer(_header(scope, b"prefer"), FAULT_STATUSES)
        if not rules and not prefer.wanted:
            return None
        method: str = scope["method"]
        path: str = scope["path"]
        template = request_template(path)
        matching = [r for r in rules if Match(r.rule["match"]["method"], r.rule["match"]["path"]).matches(
            method, path, template
        )]
        fired = await self._count(state.engine, matching) if matching else []
        fault = self._combine(fired, prefer)
        if fault is not None:
            scope.setdefault("state", {})["org_id"] = rows[0].org_id
        return fault

    async def _count(self, engine: Any, matching: list[_Rule]) -> list[tuple[_Rule, float]]:
        """Count the request for every matching rule, in one transaction; the rules that fire, with their delay."""
        fired: list[tuple[_Rule, float]] = []
        intent = write_intent.set(True)
        try:
            async with engine.begin() as connection:
                for rule in matching:
                    counted = await count_match(connection, rule.id)
                    if counted is None:
                        continue  # deleted meanwhile
                    n, hits = counted
                    draws = Draws(rule.rule.get("seed"), n)
                    times = rule.rule.get("times")
                    if fires(rule.rule, n, hits, draws) and await count_hit(connection, rule.id, times):
                        fired.append((rule, latency_ms(rule.rule, draws)))
        finally:
            write_intent.reset(intent)
        return fired

    @staticmethod
    def _combine(fired: list[tuple[_Rule, float]], prefer: Preference) -> Fault | None:
        """Every rule that fired delays (the longest wins); the first with a status or a drop answers; a `Prefer`
        header's code wins over rules (it is this request's own wish)."""
        if not fired and not prefer.wanted:
            return None
        delay = max([ms for _, ms in fired] + [prefer.latency_ms])
        if prefer.code is not None:
            retry = DEFAULT_RETRY_AFTER if prefer.code == 429 else None
            return Fault("prefer", status=prefer.code, latency_ms=delay, retry_after=retry)
        answering = next((rule for rule, _ in fired if "status" in rule.rule or "drop" in rule.rule), None)
        if answering is None:
            source = "rule" if fired else "prefer"
            return Fault(source, [rule.id for rule, _ in fired], latency_ms=delay)
        status = answering.rule.get("status")
        retry = answering.rule.get("retryAfter")
        if status == 429 and retry is None:
            retry = DEFAULT_RETRY_AFTER
        rules = [answering.id] + [rule.id for rule, ms in fired if rule is not answering and ms > 0]
        return Fault("rule", rules, status=status, drop=answering.rule.get("drop"), latency_ms=delay, retry_after=retry)

    async def _inject(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["fault"] = fault
        header = (FAULT_HEADER, fault.summary().encode())
        if fault.latency_ms > 0:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.status is not None:
            headers = {"X-OpenQualify-Fault": fault.summary()}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            if fault.source == "prefer":
                headers["Preference-Applied"] = f"code={fault.status}"
            details = f"Injected by the sandbox ({fault.summary()}): the request was not run."
            await send_error(send, fault.status, error_name(fault.status), details, headers)
            return
        if fault.drop is None:  # latency only: the real answer, marked

            async def marked(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), header]}
                await send(message)

            await self.app(scope, receive, marked)
            return
        await self._drop(fault, scope, receive, send)

    async def _drop(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, then lose its answer on the way back."""
        transport = scope.get(TRANSPORT_KEY)
        cut = False

        async def losing(message: Message) -> None:
            nonlocal cut
            if message["type"] == "http.response.start":
                fault.answered = message["status"]
                if fault.drop == "malformed":
                    await send(message)
            elif message["type"] == "http.response.body" and fault.drop == "malformed" and not cut:
                body: bytes = message.get("body", b"")
                if body or not message.get("more_body", False):
                    cut = True
                    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
                    _close(transport, reset=False)

        await self.app(scope, receive, losing)
        if fault.drop != "malformed":
            _close(transport, reset=fault.drop == "reset")
        elif not cut:
            _close(transport, reset=False)
        # Let the server notice the lost connection before the app returns, so it sends nothing itself.
        for _ in range(3):
            await asyncio.sleep(0)


def _close(transport: Any, *, reset: bool) -> None:
    if transport is None or transport.is_closing():
        return
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # SO_LINGER 0: closing sends RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
