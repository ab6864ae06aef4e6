"""A scrape: every series of this process, or of every worker (multiprocess mode), plus gauges computed now.

`PROMETHEUS_MULTIPROC_DIR` set (by `serve --workers N`): the values are read from the workers' files
(prometheus-client's `MultiProcessCollector`), so any worker answers for all of them. Unset: this process's
registry, with prometheus-client's process and Python collectors (CPU, memory, file descriptors, garbage
collection).

Gauges computed at scrape time (the Event hub's oldest undelivered event) come from async callbacks registered with
`register_scrape_gauge`: each is awaited with a time bound, and a callback that fails or is slow leaves its gauge
out of that scrape (logged) rather than failing the scrape.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger("openqualify")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CALLBACK_TIMEOUT_SECONDS = 2.0

ScrapeCallback = Callable[[], Awaitable[float | None]]


@dataclass(frozen=True)
class _ScrapeGauge:
    name: str
    documentation: str
    callback: ScrapeCallback


_scrape_gauges: dict[str, _ScrapeGauge] = {}


def register_scrape_gauge(name: str, documentation: str, callback: ScrapeCallback) -> None:
    """A gauge whose value `callback` works out at each scrape (None: no value now). Registering a name again
    replaces its callback."""
    _scrape_gauges[name] = _ScrapeGauge(name, documentation, callback)


def unregister_scrape_gauge(name: str) -> None:
    _scrape_gauges.pop(name, None)


def registered() -> frozenset[str]:
    return frozenset(_scrape_gauges)


class _Delegate(Collector):
    """This process's default registry, inside a registry of one scrape."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _Computed(Collector):
    def __init__(self, values: list[tuple[_ScrapeGauge, float]]) -> None:
        self._values = values

    def collect(self) -> Iterable[Metric]:
        for gauge, value in self._values:
            family = GaugeMetricFamily(gauge.name, gauge.documentation)
            family.add_metric([], value)
            yield family


async def _computed_values() -> list[tuple[_ScrapeGauge, float]]:
    values = []
    for gauge in list(_scrape_gauges.values()):
        try:
            value = await asyncio.wait_for(gauge.callback(), CALLBACK_TIMEOUT_SECONDS)
        except Exception as error:  # a scrape never fails for one gauge
            logger.warning("metric %s left out of this scrape: %s", gauge.name, error or type(error).__name__)
            continue
        if value is not None:
            values.append((gauge, float(value)))
    return values


def _render(accept: str | None, computed: list[tuple[_ScrapeGauge, float]]) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Delegate())
    if computed:
        registry.register(_Computed(computed))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


async def scrape(accept: str | None = None) -> tuple[bytes, str]:
    """The exposition (Prometheus text, or OpenMetrics when `accept` asks for it) and its content type.

    Reading the registry (and the workers' files) happens on a thread: never on the event loop."""
    computed = await _computed_values()
    return await asyncio.to_thread(_render, accept, computed)
