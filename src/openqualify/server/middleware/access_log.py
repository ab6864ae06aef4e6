"""The access log: one line per HTTP request, written once the response is complete (`observability.logs`)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.observability.logs import access_logger


class AccessLogMiddleware:
    """One line per HTTP request once the response is complete: method, path, status, ms, organisation."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 500  # what the client gets if the app fails before it starts a response

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
            org = state.get("org_id") or "-"
            extra = {"method": scope["method"], "path": path, "status": status, "ms": ms, "org": org}
            fault = state.get("fault")  # injected by the sandbox (sandbox.faults): say so, and what the client got
            if fault is not None:
                extra["status"] = status = fault.client_status(status)
                extra["fault"] = fault.summary()
            access_logger.info(
                '%s %s %s %.1fms org=%s' + (" fault=[%s]" if fault is not None else ""),
                scope["method"],
                path,
                status,
                ms,
                org,
                *((extra["fault"],) if fault is not None else ()),
                extra=extra,
            )
