"""What a fault rule decides, without I/O: which requests it matches, whether the n-th match fires, how long a
drawn latency is, and what a `Prefer` header asks for.

Reproducibility (docs/decisions.md T3): a seeded rule draws from a counter-based generator, `blake2b(seed, n)`,
where n is the rule's match count (kept in the database, so every worker continues the same sequence). The same
seed and the same sequence of matching requests therefore give the same faults on any machine and Python version.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any

from openqualify.contract import API_PREFIX, find_template

MAX_LATENCY_MS = 60_000  # a fault may slow an answer down, never hold a connection for longer than this


@dataclass(frozen=True, slots=True)
class Match:
    method: str  # upper case, or "*"
    path: str  # "*", a prefix ending in "/*", or a route template with /v1

    def matches(self, method: str, path: str, template: str | None) -> bool:
        """`path` is the request's path (with /v1), `template` its contract route template (with /v1) or None."""
        if self.method != "*" and self.method != method:
            return False
        if self.path == "*":
            return True
        if self.path.endswith("/*"):
            prefix = self.path[:-1]  # keeps the slash: /v1/offerings/* matches /v1/offerings/x, not /v1/offeringsx
            return path.startswith(prefix) or (template is not None and template.startswith(prefix))
        return template == self.path


def request_template(path: str) -> str | None:
    """The contract route template (with /v1) that a request path falls under, or None."""
    if not path.startswith(API_PREFIX):
        return None
    template = find_template(path[len(API_PREFIX) :] or "/")
    return None if template is None else API_PREFIX + template


def uniform(seed: int, n: int, purpose: str) -> float:
    """A number in [0, 1) fixed by (seed, n, purpose): the same on every machine and Python version."""
    digest = hashlib.blake2b(f"{seed}:{n}:{purpose}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / float(1 << 53)


class Draws:
    """The random numbers of one match of one rule: seeded (reproducible) or not."""

    def __init__(self, seed: int | None, n: int) -> None:
        self.seed, self.n = seed, n

    def next(self, purpose: str) -> float:
        if self.seed is None:
            return random.random()
        return uniform(self.seed, self.n, purpose)


def fires(rule: dict[str, Any], n: int, hits: int, draws: Draws) -> bool:
    """Whether the rule injects its fault into its n-th matching request (n counts from 1), having fired `hits`
    times before."""
    times = rule.get("times")
    if times is not None and hits >= times:
        return False
    every = rule.get("every")
    if every is not None and n % every != 0:
        return False
    probability = rule.get("probability")
    return probability is None or draws.next("fire") < probability


def latency_ms(rule: dict[str, Any], draws: Draws) -> float:
    """The delay this firing adds: `latencyMs` plus a draw from `latency`, capped."""
    total = float(rule.get("latencyMs") or 0)
    spec = rule.get("latency")
    if spec:
        kind = spec["distribution"]
        if kind == "uniform":
            low, high = spec["min"], spec["max"]
            total += low + (high - low) * draws.next("latency")
        else:  # lognormal (median, sigma) and normal (mean, sigma) from one Box-Muller draw
            u1 = max(draws.next("latency"), 1e-12)
            u2 = draws.next("latency-2")
            z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
            if kind == "lognormal":
                total += spec["median"] * math.exp(spec["sigma"] * z)
            else:
                total += max(0.0, spec["mean"] + spec["sigma"] * z)
    return min(total, MAX_LATENCY_MS)


@dataclass(frozen=True, slots=True)
class Preference:
    """What a `Prefer` header asks of this one request (RFC 7240; Prism's `code=`, plus `latency=`)."""

    code: int | None = None
    latency_ms: float = 0.0

    @property
    def wanted(self) -> bool:
        return self.code is not None or self.latency_ms > 0


def parse_prefer(values: list[str], allowed_statuses: frozenset[int]) -> Preference:
    """`Prefer: code=503`, `Prefer: latency=300`, or both (`code=429, latency=100`). Preferences this server does
    not know, and values it cannot honour (a 2xx code, which Prism uses to choose an example), are ignored, as
    RFC 7240 asks; a preference is never an error."""
    code: int | None = None
    latency = 0.0
    for value in values:
        for item in value.replace(";", ",").split(","):
            name, _, raw = item.strip().partition("=")
            name, raw = name.strip().lower(), raw.strip().strip('"')
            if name == "code" and raw.isdigit() and int(raw) in allowed_statuses:
                code = int(raw)
            elif name == "latency":
                try:
                    latency = min(max(float(raw), 0.0), MAX_LATENCY_MS)
                except ValueError:
                    continue
    return Preference(code, latency)
