"""A bounded load driver: several clients in threads, each with its own HTTP connection, timing every answer."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

Request = tuple[str, str, Any]  # (method, path under the base URL, JSON body or None)
MakeRequest = Callable[[int, int], Request]  # (client index, request index) -> request


@dataclass(frozen=True)
class Answer:
    kind: str
    method: str
    path: str
    status: int
    seconds: float
    body: str


@dataclass
class Load:
    """What to send: `clients` clients of this kind, `requests` requests each."""

    kind: str
    clients: int
    requests: int
    make: MakeRequest
    ok: Sequence[int] = (200, 201, 204)


@dataclass
class Report:
    answers: list[Answer] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Answer]:
        return [a for a in self.answers if a.kind == kind]

    def slowest(self, kind: str | None = None) -> float:
        answers = self.of(kind) if kind else self.answers
        return max((a.seconds for a in answers), default=0.0)

    def median(self, kind: str | None = None) -> float:
        answers = self.of(kind) if kind else self.answers
        return statistics.median(a.seconds for a in answers) if answers else 0.0

    def summary(self) -> str:
        kinds = sorted({a.kind for a in self.answers})
        return "; ".join(
            f"{k}: {len(self.of(k))} answers, median {self.median(k) * 1000:.0f} ms, "
            f"slowest {self.slowest(k) * 1000:.0f} ms"
            for k in kinds
        )


def run(
    base_url: str, token: str, loads: Sequence[Load], *, time_limit: float = 60.0, timeout: float = 60.0
) -> Report:
    """Run every load at once (all clients start together) and collect every answer; bounded by `time_limit`."""
    report = Report()
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit
    start = threading.Barrier(sum(load.clients for load in loads))

    def client(load: Load, index: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as http:
            start.wait(timeout=30)
            for i in range(load.requests):
                if time.monotonic() > deadline:
                    return
                method, path, body = load.make(index, i)
                began = time.perf_counter()
                try:
                    response = http.request(method, path, json=body)
                except httpx.TransportError as error:
                    with lock:
                        report.transport_errors.append(f"{method} {path}: {error!r}")
                    continue
                answer = Answer(load.kind, method, path, response.status_code, time.perf_counter() - began,
                                response.text[:300])
                with lock:
                    report.answers.append(answer)

    threads = [
        threading.Thread(target=client, args=(load, index), daemon=True)
        for load in loads
        for index in range(load.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic()) + timeout)
    return report


def unexpected(report: Report, loads: Sequence[Load]) -> list[Answer]:
    ok = {load.kind: set(load.ok) for load in loads}
    return [a for a in report.answers if a.status not in ok[a.kind]]
