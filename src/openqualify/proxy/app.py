"""The recording, contract-checking proxy: a plain ASGI application in front of an iQualify API.

Every request under `/v1` goes to the upstream with the caller's own headers (its `Authorization` included) and
comes back with the upstream's status, headers and body. On the way both are checked against the contract
(`openqualify.contract.validate`); the outcome is in `X-OpenQualify-Contract` (`ok` or `violations=N`, then
`; errata=#16.2` where an erratum was needed, `; body=unchecked` past the body cap), in the log and in the
violations report. `strict` answers 502 instead of an answer that breaks the contract.

Bodies are kept in memory up to `max_body_bytes` (what is checked and recorded); an answer beyond it is
streamed on, chunk by chunk, and only its status is checked. Upstream failures answer the flat error body:
502 `ServerError` (unreachable, connection lost, malformed answer) or 504 `ServerError` (no answer in time).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from openqualify import __version__
from openqualify.contract import API_PREFIX, error_name
from openqualify.contract.validate import Check, check_request, check_response
from openqualify.proxy import redact
from openqualify.proxy.record import EXCHANGES, VIOLATIONS, JsonLines, decoded

logger = logging.getLogger("openqualify.proxy")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Any
Send = Any

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
     "content-length", "accept-encoding"}
)  # fmt: skip
NOT_RETURNED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"})
CONTRACT_HEADER = "x-openqualify-contract"
INLINE_CHECK_BYTES = 64 * 1024  # larger bodies are checked on a worker thread, off the event loop


@dataclass(frozen=True)
class ProxyConfig:
    upstream: str  # e.g. https://api.iqualify.com/v1
    record_dir: Path | None = None
    report_file: Path | None = None
    strict: bool = False
    max_body_bytes: int = 10 * 1024 * 1024
    connect_timeout: float = 5.0
    timeout: float = 60.0  # reading the upstream's answer, and sending it the body
    max_connections: int = 100

    @property
    def violations_file(self) -> Path | None:
        if self.report_file is not None:
            return self.report_file
        return self.record_dir / VIOLATIONS if self.record_dir is not None else None


@dataclass
class Exchange:
    started: float
    at: str
    method: str
    path: str
    query: list[tuple[str, str]]
    request_headers: dict[str, str]
    secrets: list[str]
    request_body: bytes | None = None
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes | None = None
    upstream_ms: float = 0.0
    checks: list[Check] = field(default_factory=list)
    error: str | None = None

    @property
    def violations(self) -> list[str]:
        return [v for check in self.checks for v in check.violations]

    @property
    def errata(self) -> list[str]:
        return sorted({e for check in self.checks for e in check.errata})

    @property
    def operation(self) -> str | None:
        return next((c.operation for c in self.checks if c.operation), None)


def _flat(status: int, details: str, extra: dict[str, Any] | None = None) -> tuple[int, bytes]:
    return status, json.dumps({"name": error_name(status), "details": details, **(extra or {})}).encode()


async def _send_json(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class ProxyApp:
    def __init__(self, config: ProxyConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.upstream = config.upstream.rstrip("/")
        timeout = httpx.Timeout(config.timeout, connect=config.connect_timeout, pool=config.connect_timeout)
        limits = httpx.Limits(max_connections=config.max_connections, max_keepalive_connections=config.max_connections)
        self.http = httpx.AsyncClient(timeout=timeout, limits=limits, transport=transport, follow_redirects=False)
        self.recording = JsonLines(config.record_dir / EXCHANGES) if config.record_dir else None
        report = config.violations_file
        self.report = JsonLines(report) if report is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            status, body = _flat(404, f"This proxy forwards {API_PREFIX} only: {path} is not under it.")
            await _send_json(send, status, body, [])
            return
        await self._exchange(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.http.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The request body; None past the cap."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.config.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _check(self, size: int, check: Any, *args: Any) -> Check:
        if size > INLINE_CHECK_BYTES:
            result: Check = await asyncio.to_thread(check, *args)
            return result
        result = check(*args)
        return result

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        headers = dict(raw_headers)
        query_string = scope.get("query_string", b"").decode("latin-1")
        token = redact.bearer_token(headers.get("authorization"))
        exchange = Exchange(
            started=time.perf_counter(),
            at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(query_string, keep_blank_values=True),
            request_headers=headers,
            secrets=[token] if token else [],
        )
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.config.max_body_bytes:
            body = None
        else:
            body = await self._read_body(receive)
        if body is None:
            cap = self.config.max_body_bytes
            _, answer = _flat(400, f"The request body is larger than the proxy's cap of {cap} bytes.")
            await _send_json(send, 413, answer, [])
            return
        exchange.request_body = body
        api_path = exchange.path[len(API_PREFIX) :] or "/"
        exchange.checks.append(await self._check(
            len(body), check_request, exchange.method, api_path, exchange.query, headers.get("content-type"), body
        ))  # fmt: skip
        forwarded = [(k, v) for k, v in raw_headers if k not in HOP_BY_HOP]
        forwarded.append(("accept-encoding", "identity"))
        url = self.upstream + api_path + (f"?{query_string}" if query_string else "")
        request = self.http.build_request(exchange.method, url, headers=forwarded, content=body or None)
        try:
            upstream = await self.http.send(request, stream=True)
        except httpx.TimeoutException as error:
            await self._fail(exchange, send, 504, f"The upstream did not answer in time ({type(error).__name__}).")
            return
        except httpx.TransportError as error:
            reason = str(error) or type(error).__name__
            await self._fail(exchange, send, 502, f"The upstream could not be reached: {reason}.")
            return
        try:
            await self._answer(exchange, upstream, send, api_path)
        finally:
            await upstream.aclose()

    async def _answer(self, exchange: Exchange, upstream: httpx.Response, send: Send, api_path: str) -> None:
        exchange.status = upstream.status_code
        exchange.response_headers = {k.lower(): v for k, v in upstream.headers.items()}
        chunks = upstream.aiter_bytes()
        kept = bytearray()
        over: bytes | None = None  # the chunk that went past the cap
        try:
            async for chunk in chunks:
                if len(kept) + len(chunk) > self.config.max_body_bytes:
                    over = chunk
                    break
                kept += chunk
        except httpx.TimeoutException:
            await self._fail(exchange, send, 504, "The upstream stopped sending its answer (read timeout).")
            return
        except httpx.TransportError as error:
            reason = str(error) or type(error).__name__
            await self._fail(exchange, send, 502, f"The upstream's answer was cut off: {reason}.")
            return
        exchange.upstream_ms = round((time.perf_counter() - exchange.started) * 1000, 1)
        content_type = exchange.response_headers.get("content-type")
        body = bytes(kept) if over is None else None
        exchange.response_body = body
        exchange.checks.append(await self._check(
            len(kept), check_response, exchange.method, api_path, exchange.status, content_type, body
        ))  # fmt: skip
        response_violations = exchange.checks[-1].violations
        if self.config.strict and response_violations and over is None:
            details = f"The upstream's answer ({exchange.status}) breaks the contract: " + "; ".join(
                response_violations
            )
            status, answer = _flat(502, details, {"violations": response_violations})
            exchange.error = "strict"
            self._warn(exchange)
            await _send_json(send, status, answer, [(CONTRACT_HEADER.encode(), self._verdict(exchange).encode())])
            await self._done(exchange, answered=status)
            return
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in upstream.headers.multi_items()
               if k.lower() not in NOT_RETURNED]  # fmt: skip
        verdict = self._verdict(exchange) + ("; body=unchecked" if over else "")
        out.append((CONTRACT_HEADER.encode(), verdict.encode()))
        self._warn(exchange)
        if over is None:
            out.append((b"content-length", str(len(kept)).encode()))
            await send({"type": "http.response.start", "status": exchange.status, "headers": out})
            await send({"type": "http.response.body", "body": bytes(kept)})
        else:
            await send({"type": "http.response.start", "status": exchange.status, "headers": out})
            await self._stream(send, bytes(kept) + over, chunks)
        await self._done(exchange, answered=exchange.status)

    async def _stream(self, send: Send, first: bytes, rest: AsyncIterator[bytes]) -> None:
        """Pass an answer larger than the cap on as it arrives (a failure now can only cut the connection)."""
        await send({"type": "http.response.body", "body": first, "more_body": True})
        async for chunk in rest:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def _verdict(exchange: Exchange) -> str:
        count = len(exchange.violations)
        verdict = "ok" if count == 0 else f"violations={count}"
        if exchange.errata:
            verdict += "; errata=" + ",".join(exchange.errata)
        return verdict

    async def _fail(self, exchange: Exchange, send: Send, status: int, details: str) -> None:
        exchange.error = details
        exchange.upstream_ms = round((time.perf_counter() - exchange.started) * 1000, 1)
        _, body = _flat(status, details)
        self._warn(exchange)
        await _send_json(send, status, body, [(CONTRACT_HEADER.encode(), self._verdict(exchange).encode())])
        await self._done(exchange, answered=status)

    @staticmethod
    def _warn(exchange: Exchange) -> None:
        """The violations' log lines, written before the answer leaves: a caller that has its answer finds them."""
        for violation in exchange.violations:
            logger.warning("contract violation: %s %s: %s", exchange.method, exchange.path, violation)

    async def _done(self, exchange: Exchange, answered: int) -> None:
        ms = round((time.perf_counter() - exchange.started) * 1000, 1)
        verdict = self._verdict(exchange)
        logger.info(
            "%s %s %s %.1fms contract=%s%s", exchange.method, exchange.path, answered, ms, verdict,
            f" error={exchange.error}" if exchange.error else "",
            extra={"method": exchange.method, "path": exchange.path, "status": answered, "ms": ms},
        )  # fmt: skip
        if self.report is not None and (exchange.violations or exchange.errata):
            await self.report.append({
                "at": exchange.at, "operation": exchange.operation, "method": exchange.method,
                "path": exchange.path, "status": exchange.status or None, "violations": exchange.violations,
                "errata": exchange.errata,
            }, exchange.secrets)  # fmt: skip
        if self.recording is not None:
            await self.recording.append(self._recorded(exchange, answered, ms), exchange.secrets)

    def _recorded(self, exchange: Exchange, answered: int, ms: float) -> dict[str, Any]:
        cap = self.config.max_body_bytes
        return {
            "at": exchange.at,
            "operation": exchange.operation,
            "method": exchange.method,
            "path": exchange.path,
            "query": redact.query(exchange.query),
            "status": answered,
            "upstreamStatus": exchange.status or None,
            "durationMs": ms,
            "upstreamMs": exchange.upstream_ms,
            "request": {
                "headers": redact.headers(exchange.request_headers),
                **decoded(exchange.request_body, exchange.request_headers.get("content-type"), cap),
            },
            "response": {
                "headers": redact.headers(exchange.response_headers),
                **decoded(exchange.response_body, exchange.response_headers.get("content-type"), cap),
            },
            "violations": exchange.violations,
            "errata": exchange.errata,
            "error": exchange.error,
            "proxy": __version__,
        }
