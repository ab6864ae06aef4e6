"""The Prometheus metrics, and the functions the rest of the server calls to count.

Every label value comes from a fixed set or from the application's own route templates, never from a request
(no path, organisation, token or e-mail): the number of series is bounded whatever clients send. docs/operations.md
lists every metric with its meaning.

Counting is off until an application of this process exposes metrics (`enable()`, from `create_app`): the
functions below then return at their first line, so a server without metrics pays nothing for them.

With several workers (`serve --workers N`) prometheus-client's multiprocess mode keeps each worker's values in
files under `PROMETHEUS_MULTIPROC_DIR` (set up by `serve`); a scrape answered by any worker adds them up. Gauges say
how: `livesum` sums the live workers' values (a worker's are dropped when it exits), `max` takes the largest.
"""

from __future__ import annotations

import re
from typing import Final

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from openqualify import __version__

_enabled = False
# No `_created` series beside each counter and histogram (multiprocess mode has none either).
disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds. Requests: from a millisecond (a cached read) to the 30 s of a whole-organisation import.
REQUEST_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Waits for a connection or a lock: most are none at all; a wait of the lock timeout (30 s) ends in a 503.
WAIT_BUCKETS: Final = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0)
# Webhook deliveries: an attempt's round trip, and an event's time from being raised to being delivered.
DELIVERY_BUCKETS: Final = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0)

UNMATCHED_ROUTE: Final = "unmatched"
"""The route label of a request no route matches (any path: one value)."""
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD: Final = "OTHER"
STATUS_CLASSES: Final = ("1xx", "2xx", "3xx", "4xx", "5xx")

# HTTP
HTTP_REQUESTS = Counter(
    "openqualify_http_requests",
    "Requests answered, by route template (the contract's, e.g. /v1/offerings/{offeringId}), method and status class.",
    ["route", "method", "status_class"],
)
HTTP_DURATION = Histogram(
    "openqualify_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "openqualify_http_requests_in_flight", "Requests being served now.", multiprocess_mode="livesum"
)

# Refusals before the application runs
REQUEST_REFUSALS = Counter(
    "openqualify_request_refusals",
    "Requests refused by the request layer's bounds, by reason: body_too_large (413), url_too_long (400), "
    "head_too_large (431), head_timeout (408), json_bounds (400: keys, items, values, depth or string length).",
    ["reason"],
)
REFUSAL_REASONS: Final = ("body_too_large", "url_too_long", "head_too_large", "head_timeout", "json_bounds")
RATE_LIMIT_REFUSALS = Counter(
    "openqualify_rate_limit_refusals",
    "Requests refused with 429, by reason: limit (the token's or address's count is past the limit), blocked "
    "(an address past its failed authentications, refused without a lookup).",
    ["reason"],
)
RATE_LIMIT_REASONS: Final = ("limit", "blocked")
RATE_LIMIT_STORE_FAILURES = Counter(
    "openqualify_rate_limit_store_failures",
    "Requests let through unlimited because the rate-limit counter store (Redis or the database) failed.",
)

# Database pools
POOLS: Final = ("units_of_work", "reads")
DB_POOL_MAX = Gauge(
    "openqualify_db_pool_connections_max",
    "Connections a pool may hold, by pool: units_of_work (SQLAlchemy's: units of work and reads through Core), "
    "reads (the read path's psycopg pool, PostgreSQL only).",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_IN_USE = Gauge(
    "openqualify_db_pool_connections_in_use", "Connections checked out of a pool now.", ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_WAIT = Histogram(
    "openqualify_db_pool_wait_seconds",
    "Time to get a connection from a pool (waiting for a free one, or opening one), by pool.",
    ["pool"],
    buckets=WAIT_BUCKETS,
)
DB_POOL_TIMEOUTS = Counter(
    "openqualify_db_pool_timeouts",
    "Requests that found no free connection within the lock timeout (answered 503), by pool.",
    ["pool"],
)

# SQLite's locks (db.sqlite_inline)
SQLITE_LOCK_WAIT = Histogram(
    "openqualify_sqlite_lock_wait_seconds",
    "Waits for SQLite's locks, by lock: write_gate (this process's writers queue for the write lock, one wait per "
    "write transaction), busy (another process holds a lock: retries until it is free).",
    ["lock"],
    buckets=WAIT_BUCKETS,
)
SQLITE_LOCKS: Final = ("write_gate", "busy")
SQLITE_BUSY_TIMEOUTS = Counter(
    "openqualify_sqlite_busy_timeouts",
    "Statements that gave up waiting for another process's lock after the lock timeout (answered 503).",
)

# The list cache (kit.listcache)
LIST_CACHE_LOOKUPS = Counter(
    "openqualify_list_cache_lookups",
    "Whole-offering list reads looked up in the list cache, by result: hit, miss (absent or built at an older "
    "data version).",
    ["result"],
)
LIST_CACHE_BYTES = Gauge(
    "openqualify_list_cache_bytes", "Bytes of answers the list cache holds.", multiprocess_mode="livesum"
)
LIST_CACHE_EVICTIONS = Counter(
    "openqualify_list_cache_evictions", "Answers dropped from the list cache to stay within its budget."
)

BUILD_INFO = Gauge(
    "openqualify_build_info",
    "1, labelled with the server's version, mode and database kind.",
    ["version", "mode", "database"],
    multiprocess_mode="max",
)


def enable(*, mode: str, database: str) -> None:
    """Start counting (idempotent): create every series whose labels are known, so that they read 0 rather
    than being absent until their first event."""
    global _enabled
    BUILD_INFO.labels(__version__, mode, database).set(1)
    for reason in REFUSAL_REASONS:
        REQUEST_REFUSALS.labels(reason)
    for reason in RATE_LIMIT_REASONS:
        RATE_LIMIT_REFUSALS.labels(reason)
    for result in ("hit", "miss"):
        LIST_CACHE_LOOKUPS.labels(result)
    if database == "sqlite":
        for lock in SQLITE_LOCKS:
            SQLITE_LOCK_WAIT.labels(lock)
    _enabled = True


def enabled() -> bool:
    return _enabled


# What the request layer calls
def request_refused(reason: str) -> None:
    if _enabled:
        REQUEST_REFUSALS.labels(reason).inc()


def rate_limit_refused(reason: str) -> None:
    if _enabled:
        RATE_LIMIT_REFUSALS.labels(reason).inc()


def rate_limit_store_failed() -> None:
    if _enabled:
        RATE_LIMIT_STORE_FAILURES.inc()


# What the database code calls
def sqlite_lock_waited(lock: str, seconds: float) -> None:
    if _enabled:
        SQLITE_LOCK_WAIT.labels(lock).observe(seconds)


def sqlite_busy_timed_out() -> None:
    if _enabled:
        SQLITE_BUSY_TIMEOUTS.inc()


def list_cache_lookup(hit: bool) -> None:
    if _enabled:
        LIST_CACHE_LOOKUPS.labels("hit" if hit else "miss").inc()


def list_cache_stored(size: int, evicted: int) -> None:
    """The cache now holds `size` bytes, after dropping `evicted` answers."""
    if _enabled:
        LIST_CACHE_BYTES.set(size)
        if evicted:
            LIST_CACHE_EVICTIONS.inc(evicted)


class PoolMetrics:
    """One connection pool's series. Built only when metrics are on; the pools' code holds None otherwise."""

    __slots__ = ("_in_use", "_max", "_timeouts", "_wait")

    def __init__(self, pool: str) -> None:
        self._max = DB_POOL_MAX.labels(pool)
        self._in_use = DB_POOL_IN_USE.labels(pool)
        self._wait = DB_POOL_WAIT.labels(pool)
        self._timeouts = DB_POOL_TIMEOUTS.labels(pool)

    def checked_out(self) -> None:
        self._in_use.inc()

    def checked_in(self) -> None:
        self._in_use.dec()

    def timed_out(self) -> None:
        self._timeouts.inc()

    def waited(self, seconds: float) -> None:
        self._wait.observe(seconds)

    def opened(self, max_size: int) -> None:
        self._max.inc(max_size)  # several pools of one name (replicas, later) add up

    def closed(self, max_size: int) -> None:
        self._max.dec(max_size)


def pool_metrics(pool: str) -> PoolMetrics | None:
    return PoolMetrics(pool) if _enabled else None


# Label hygiene
_EVENT_TYPE = re.compile(r"[a-z][a-z0-9_.]{0,63}")
MAX_EVENT_TYPES: Final = 100
OTHER: Final = "other"
_event_types: set[str] = set()


def bounded_event_type(event_type: str) -> str:
    """An event type as a label value: one of at most MAX_EVENT_TYPES names of the hub's shape, else `other`."""
    if event_type in _event_types:
        return event_type
    if _EVENT_TYPE.fullmatch(event_type) is None or len(_event_types) >= MAX_EVENT_TYPES:
        return OTHER
    _event_types.add(event_type)
    return event_type


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER_METHOD
