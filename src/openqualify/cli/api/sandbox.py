"""`openqualify sandbox faults add|list|delete|clear`: OpenQualify's fault rules, through the SDK's
`openqualify.client.sandbox` (not part of iQualify's API)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from openqualify.client.sandbox import FaultRule, Sandbox

from ._context import Api, command, group
from ._output import show_done, show_item, show_rows

app = group("sandbox", "OpenQualify's sandbox control plane (not part of iQualify's API).")
faults = group("faults", "Fault and latency rules for this organisation's /v1 requests and webhook deliveries.")
app.add_typer(faults)


def _match(rule: FaultRule) -> str:
    if rule.target == "deliveries":
        return f"deliveries {rule.match.get('eventType', '*')} {rule.match.get('url', '*')}"
    return f"{rule.match.get('method', '*')} {rule.match.get('path', '*')}"


def _effect(rule: FaultRule) -> str:
    parts = []
    if rule.status is not None:
        parts.append(f"{rule.status} {rule.name or ''}".strip())
    if rule.drop:
        parts.append(f"drop {rule.drop}")
    if rule.latency_ms:
        parts.append(f"+{rule.latency_ms} ms")
    if rule.latency:
        drawn = {k: v for k, v in rule.latency.items() if k != "distribution"}
        parts.append(f"+{rule.latency.get('distribution')}({', '.join(f'{k}={v:g}' for k, v in drawn.items())}) ms")
    if rule.drop_first:
        parts.append(f"drop first {rule.drop_first}")
    if rule.duplicate:
        parts.append("duplicate")
    if rule.reorder_window_ms:
        parts.append(f"reorder within {rule.reorder_window_ms} ms")
    return ", ".join(parts)


def _when(rule: FaultRule) -> str:
    parts = []
    if rule.probability is not None:
        parts.append(f"p={rule.probability:g}" + (f" seed={rule.seed}" if rule.seed is not None else ""))
    if rule.every:
        parts.append(f"every {rule.every}")
    if rule.times:
        parts.append(f"{rule.times} times")
    return ", ".join(parts) or "always"


COLUMNS: list[tuple[str, Any]] = [
    ("ID", "id"),
    ("Match", _match),
    ("Fault", _effect),
    ("When", _when),
    ("Matched", "matched"),
    ("Hits", "hits"),
]


@command(faults, "add")
def add(
    api: Api,
    target: Annotated[
        str, typer.Option("--target", help="requests (to /v1) or deliveries (the Event hub's webhooks).")
    ] = "requests",
    path: Annotated[
        str | None,
        typer.Option("--path", help="Requests: a contract route template with /v1, a prefix ending in /*, or *."),
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="Requests: GET, POST, PUT, PATCH, DELETE or *.")
    ] = None,
    event_type: Annotated[
        str | None, typer.Option("--event-type", help="Deliveries: an event type, a prefix such as user.*, or *.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Deliveries: an endpoint URL, a prefix ending in *, or *.")
    ] = None,
    status: Annotated[int | None, typer.Option("--status", help="Answer this status instead (not run).")] = None,
    retry_after: Annotated[int | None, typer.Option("--retry-after", help="Retry-After seconds.")] = None,
    latency_ms: Annotated[int | None, typer.Option("--latency-ms", help="Delay the answer by this much.")] = None,
    latency: Annotated[
        str | None,
        typer.Option("--latency", help='A drawn delay as JSON: \'{"distribution": "lognormal", "median": 200, '
                     '"sigma": 0.5}\'.'),
    ] = None,
    drop: Annotated[str | None, typer.Option("--drop", help="reset, empty or malformed (after running).")] = None,
    probability: Annotated[float | None, typer.Option("--probability", help="Chance of firing, 0 to 1.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Makes --probability reproducible.")] = None,
    times: Annotated[int | None, typer.Option("--times", help="Stop after this many faults.")] = None,
    every: Annotated[int | None, typer.Option("--every", help="Fire on every Nth matching request.")] = None,
    duplicate: Annotated[
        bool, typer.Option("--duplicate", help="Deliveries: send twice, with the same webhook-id.")
    ] = False,
    reorder_window_ms: Annotated[
        int | None, typer.Option("--reorder-window-ms", help="Deliveries: hold each for a drawn part of this.")
    ] = None,
    drop_first: Annotated[
        int | None, typer.Option("--drop-first", help="Deliveries: fail the first N attempts without sending.")
    ] = None,
) -> None:
    """Add a fault rule; prints it (its id first)."""
    drawn = None
    if latency is not None:
        try:
            drawn = json.loads(latency)
        except ValueError as error:
            raise api.fail(f"--latency is not JSON: {error}") from None
    if target not in ("requests", "deliveries"):
        raise api.fail(f"--target should be requests or deliveries: {target}")
    rule = Sandbox(api.client).faults.add(
        target=target, method=method, path=path, event_type=event_type, url=url,  # type: ignore[arg-type]
        status=status, retry_after=retry_after, latency_ms=latency_ms, latency=drawn,
        drop=drop, probability=probability, seed=seed, times=times, every=every,  # type: ignore[arg-type]
        duplicate=duplicate or None, reorder_window_ms=reorder_window_ms, drop_first=drop_first,
    )  # fmt: skip
    show_item(api, rule)


@command(faults, "list")
def list_rules(api: Api) -> None:
    """List the organisation's fault rules in the order they apply, with their counters."""
    show_rows(api, Sandbox(api.client).faults.list(), COLUMNS)


@command(faults, "delete")
def delete(api: Api, rule_id: Annotated[str, typer.Argument(help="The rule's id.")]) -> None:
    """Delete one fault rule."""
    Sandbox(api.client).faults.delete(rule_id)
    show_done(api, f"Deleted fault rule {rule_id}.")


@command(faults, "clear")
def clear(api: Api) -> None:
    """Delete every fault rule of the organisation."""
    deleted = Sandbox(api.client).faults.clear()
    show_done(api, f"Deleted {deleted} fault rule{'s' if deleted != 1 else ''}.", {"deleted": deleted})


def register(root: typer.Typer) -> None:
    root.add_typer(app)
