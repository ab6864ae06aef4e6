"""`/_sandbox/faults` bodies: a rule as an integrator writes it, and as the sandbox lists it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openqualify.contract import ERROR_NAMES
from openqualify.server.event_hub.retry import MAX_ATTEMPTS
from openqualify.server.kit.timefmt import DateTimeOut
from openqualify.server.kit.validation import bounded
from openqualify.server.sandbox.faults.rules import MAX_LATENCY_MS

Int = Annotated[int, Field(strict=True)]
Real = Annotated[float, Field(strict=False)]  # an integer is a number too (JSON Schema's `number`)

FAULT_STATUSES = frozenset(ERROR_NAMES)
"""Statuses a rule or `Prefer: code=` may answer: those the contract names an error for (plus 502-504)."""
DELIVERY_STATUSES = frozenset({429, 500, 503})
"""Statuses a delivery rule records instead of sending: the failures a receiver's retries must survive."""
MAX_REORDER_WINDOW_MS = 10_000
MAX_DROP_FIRST = MAX_ATTEMPTS - 1  # 11: the schedule's last attempt always goes out


class MatchIn(BaseModel):
    """`method` and `path` for a request rule (both default to `*`), `eventType` and `url` for a delivery rule."""

    model_config = ConfigDict(extra="forbid")
    method: bounded(10, min_length=1) | None = None  # type: ignore[valid-type]
    path: bounded(500, min_length=1) | None = None  # type: ignore[valid-type]
    eventType: bounded(100, min_length=1) | None = None  # type: ignore[valid-type]
    url: bounded(2000, min_length=1) | None = None  # type: ignore[valid-type]


class LatencyIn(BaseModel):
    """A drawn delay: `lognormal` (median, sigma), `normal` (mean, sigma) or `uniform` (min, max), in ms."""

    model_config = ConfigDict(extra="forbid")
    distribution: Literal["lognormal", "normal", "uniform"]
    median: Annotated[float, Field(gt=0, le=MAX_LATENCY_MS)] | None = None
    mean: Annotated[float, Field(ge=0, le=MAX_LATENCY_MS)] | None = None
    sigma: Annotated[float, Field(ge=0, le=10)] | None = None
    min: Annotated[float, Field(ge=0, le=MAX_LATENCY_MS)] | None = None
    max: Annotated[float, Field(ge=0, le=MAX_LATENCY_MS)] | None = None

    @model_validator(mode="after")
    def _parameters(self) -> LatencyIn:
        needed = {"lognormal": ("median", "sigma"), "normal": ("mean", "sigma"), "uniform": ("min", "max")}
        missing = [name for name in needed[self.distribution] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} latency needs {' and '.join(needed[self.distribution])}")
        if self.distribution == "uniform" and self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("latency.min should be <= latency.max")
        return self


class FaultRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Literal["requests", "deliveries"] = "requests"  # deliveries: the Event hub's webhooks (deliveries.py)
    match: MatchIn
    status: Int | None = None
    retryAfter: Annotated[int, Field(strict=True, ge=0, le=3600)] | None = None
    latencyMs: Annotated[int, Field(strict=True, ge=0, le=MAX_LATENCY_MS)] | None = None
    latency: LatencyIn | None = None
    drop: Literal["reset", "empty", "malformed"] | None = None
    probability: Annotated[float, Field(ge=0, le=1)] | None = None
    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)] | None = None
    times: Annotated[int, Field(strict=True, ge=1, le=1_000_000_000)] | None = None
    every: Annotated[int, Field(strict=True, ge=1, le=1_000_000_000)] | None = None
    # Delivery rules only (docs/decisions.md T16-T18).
    duplicate: Annotated[bool, Field(strict=True)] | None = None
    reorderWindowMs: Annotated[int, Field(strict=True, ge=1, le=MAX_REORDER_WINDOW_MS)] | None = None
    dropFirst: Annotated[int, Field(strict=True, ge=1, le=MAX_DROP_FIRST)] | None = None


class FaultRuleOut(BaseModel):
    id: str
    createdAt: DateTimeOut
    target: str
    match: dict[str, str]
    status: int | None = None
    name: str | None = None  # the error name a status fault answers with
    retryAfter: int | None = None
    latencyMs: int | None = None
    latency: dict[str, float | str] | None = None
    drop: str | None = None
    probability: float | None = None
    seed: int | None = None
    times: int | None = None
    every: int | None = None
    duplicate: bool | None = None
    reorderWindowMs: int | None = None
    dropFirst: int | None = None
    matched: int  # requests (or delivery attempts) that matched the rule so far
    hits: int  # faults it injected so far
    exhausted: bool  # `times` reached: the rule no longer fires


class FaultsCleared(BaseModel):
    deleted: int
