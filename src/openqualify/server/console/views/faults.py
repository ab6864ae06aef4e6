"""The sandbox page's fault rules: the organisation's rules as `GET /_sandbox/faults` lists them, and what the add
form offers: for a request rule the methods, the contract's route templates and the statuses a rule may answer; for
a delivery rule (`"target": "deliveries"`) the hub's event types and their `category.*` prefixes, the endpoints'
URLs and the statuses a delivery rule records.

Adding, removing and clearing are `/_sandbox/faults` operations called by console.js with the signed-in token, so
the page shows the API's own validation errors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from openqualify.contract import API_PREFIX, error_name, templates
from openqualify.server.console.sheets import Sheet
from openqualify.server.event_hub import service as hub_service
from openqualify.server.event_hub.catalogue import CATALOGUE, CATEGORIES
from openqualify.server.kit.reads import ReadContext
from openqualify.server.sandbox.faults import service
from openqualify.server.sandbox.faults.schemas import DELIVERY_STATUSES, FAULT_STATUSES, FaultRuleOut

METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE")
DROPS = ("reset", "empty", "malformed")
DISTRIBUTIONS = ("lognormal", "normal", "uniform")


def effect(rule: FaultRuleOut) -> str:
    """What the rule does when it fires, in words: `503 ServerError, Retry-After 5 s`, `drop: reset`, `+300 ms`."""
    parts = []
    if rule.status is not None:
        parts.append(f"{rule.status} {rule.name}" + (f", Retry-After {rule.retryAfter} s" if rule.retryAfter else ""))
    if rule.drop:
        parts.append(f"drop: {rule.drop}")
    if rule.latencyMs:
        parts.append(f"+{rule.latencyMs} ms")
    if rule.latency:
        spread = ", ".join(f"{k} {v}" for k, v in rule.latency.items() if k != "distribution")
        parts.append(f"+{rule.latency['distribution']} latency ({spread})")
    if rule.dropFirst:
        parts.append(f"first {rule.dropFirst} attempt{'' if rule.dropFirst == 1 else 's'} fail unsent")
    if rule.duplicate:
        parts.append("sent twice (same webhook-id)")
    if rule.reorderWindowMs:
        parts.append(f"held up to {rule.reorderWindowMs} ms (reorder)")
    return "; ".join(parts)


def when(rule: FaultRuleOut) -> str:
    """How often it fires: `always`, `25 % (seed 7)`, `every 3rd`, `10 times`."""
    parts = []
    if rule.probability is not None:
        parts.append(f"{rule.probability * 100:g} %" + (f" (seed {rule.seed})" if rule.seed is not None else ""))
    if rule.every:
        parts.append(f"every {rule.every}")
    if rule.times:
        parts.append(f"at most {rule.times} time{'' if rule.times == 1 else 's'}")
    return ", ".join(parts) or "always"


@dataclass(frozen=True, slots=True)
class FaultRow:
    """A request rule shows its method and path; a delivery rule `webhook` and its event type and endpoint URL."""

    id: str
    method: str
    path: str
    effect: str
    when: str
    matched: int
    hits: int
    exhausted: bool

    target: str = "requests"

    @classmethod
    def of(cls, rule: FaultRuleOut) -> FaultRow:
        if rule.target == "deliveries":
            method, path = "WEBHOOK", f"{rule.match['eventType']} → {rule.match['url']}"
        else:
            method, path = rule.match["method"], rule.match["path"]
        return cls(rule.id, method, path, effect(rule), when(rule), rule.matched, rule.hits, rule.exhausted,
                   rule.target)


@dataclass(frozen=True, slots=True)
class DeliveryChoices:
    """What the form offers a delivery rule: `*`, then these."""

    prefixes: list[tuple[str, int]]  # (`user.*`, how many of the catalogue's types it covers)
    categories: list[tuple[str, list[tuple[str, str]]]]  # (category, [(type, iQualify's label)])
    urls: list[str]  # the organisation's endpoints (default and per event), for the URL field's suggestions
    statuses: list[int]


@dataclass(frozen=True, slots=True)
class FaultsView:
    rules: list[FaultRow]
    methods: tuple[str, ...]
    paths: list[str]  # the contract's route templates, for the path field's suggestions
    statuses: list[tuple[int, str]]  # (status, the contract's error name)
    drops: tuple[str, ...]
    distributions: tuple[str, ...]
    deliveries: DeliveryChoices

    def sheets(self) -> list[Sheet]:
        return [Sheet("faults", ["Id", "Method", "Path", "Effect", "When", "Matched", "Hits",
                                 "Exhausted", "Target"],
                      lambda: [[r.id, r.method, r.path, r.effect, r.when, r.matched, r.hits, r.exhausted, r.target]
                               for r in self.rules])]


def delivery_choices(settings: dict[str, Any]) -> DeliveryChoices:
    """The catalogue's types by category, their prefixes (`offering.*` spans two categories), and the endpoints'
    URLs of the hub's settings (`event_hub.service.get_settings`), each once, in the order the settings list them."""
    prefixes = Counter(kind.type.split(".", 1)[0] + ".*" for kind in CATALOGUE)
    categories = [(category, [(kind.type, kind.name) for kind in CATALOGUE if kind.category == category])
                  for category in CATEGORIES]
    endpoints = [*settings["defaultEndpoints"], *(e for own in settings["events"].values() for e in own["endpoints"])]
    urls = list(dict.fromkeys(str(endpoint["url"]) for endpoint in endpoints))
    return DeliveryChoices(sorted(prefixes.items()), categories, urls, sorted(DELIVERY_STATUSES))


async def faults_view(ctx: ReadContext) -> FaultsView:
    session = await ctx.session()
    rules = await service.list_rules(session)
    paths = [API_PREFIX + "/*", *sorted(API_PREFIX + t for t in templates())]
    statuses = [(status, error_name(status)) for status in sorted(FAULT_STATUSES)]
    deliveries = delivery_choices(await hub_service.get_settings(session))
    return FaultsView([FaultRow.of(r) for r in rules], METHODS, paths, statuses, DROPS, DISTRIBUTIONS, deliveries)
