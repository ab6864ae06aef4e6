"""`GET /metrics`: where it is served, what it counts, and that no client can grow it or read secrets in it."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import time

import pytest
from fastapi.testclient import TestClient

from openqualify import __version__
from openqualify.server.config import Mode
from openqualify.server.observability import exposition, metrics
from openqualify.server.observability import hub as hub_metrics
from tests.fixtures.observability import ClientFactory, parse, scrape, value

REQUESTS = "openqualify_http_requests_total"


def _series(client: TestClient) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {key for key in scrape(client) if key[0].startswith("openqualify_")}


def test_off_by_default_in_production_on_in_the_sandbox(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    with make_client(mode=Mode.PRODUCTION) as production:
        answer = production.get("/metrics")
        assert answer.status_code == 404 and answer.json() == {"name": "RouteNotFoundError", "details": "Invalid path."}
    with make_client(mode=Mode.PRODUCTION, metrics="on") as enabled:
        assert enabled.get("/metrics").status_code == 200
    with make_client() as sandbox:
        answer = sandbox.get("/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert answer.headers["cache-control"] == "no-store"
        assert sandbox.post("/metrics").status_code == 405
    with make_client(metrics="off") as off:
        assert off.get("/metrics").status_code == 404


def test_an_application_without_metrics_counts_nothing(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    with make_client() as observed:
        before = value(scrape(observed), REQUESTS, route="/v1/org", method="GET", status_class="2xx")
        with make_client(metrics="off") as quiet:
            for _ in range(3):
                assert quiet.get("/v1/org", headers=auth).status_code == 200
        assert value(scrape(observed), REQUESTS, route="/v1/org", method="GET", status_class="2xx") == before


def test_a_port_of_their_own(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    """`OPENQUALIFY_METRICS=9464`: the metrics answer there (and nothing else does); the API's port has none."""
    with make_client(metrics="9464", base_url="http://testserver:9464") as metrics_port:
        assert metrics_port.get("/metrics").status_code == 200
        assert metrics_port.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}"}).status_code == 404
        assert metrics_port.get("/health").status_code == 404
    with make_client(metrics="127.0.0.1:9464") as api_port:
        assert api_port.get("/metrics").status_code == 404
        assert api_port.get("/health").status_code == 200


def test_requests_by_route_template_method_and_status_class(
    make_client: ClientFactory, org: tuple[str, str, str], database_url: str
) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    labels = {
        "ok": {"route": "/v1/offerings/{offeringId}", "method": "GET", "status_class": "4xx"},
        "unmatched": {"route": "unmatched", "method": "GET", "status_class": "4xx"},
        "refused": {"route": "/v1/users", "method": "POST", "status_class": "4xx"},
        "other": {"route": "/v1/org", "method": "OTHER", "status_class": "4xx"},
    }
    with make_client(max_body_bytes=1000) as client:
        before = scrape(client)
        for n in range(3):
            assert client.get(f"/v1/offerings/missing-{n}", headers=auth).status_code == 404
        assert client.get("/v1/nothing/here/at/all", headers=auth).status_code == 404
        assert client.get("/totally/unknown").status_code == 404
        # refused before routing (413, 401): still named by the route they were for
        assert client.post("/v1/users", headers=auth, content=b"x" * 2000).status_code == 413
        assert client.post("/v1/users", headers={"Authorization": "Bearer wrong"}, json={}).status_code == 401
        assert client.request("PROPFIND", "/v1/org", headers=auth).status_code == 405
        after = scrape(client)
    delta = {name: value(after, REQUESTS, **lab) - value(before, REQUESTS, **lab) for name, lab in labels.items()}
    assert delta == {"ok": 3, "unmatched": 2, "refused": 2, "other": 1}
    duration = "openqualify_http_request_duration_seconds_count"
    route = {"route": "/v1/offerings/{offeringId}", "method": "GET"}
    assert value(after, duration, **route) - value(before, duration, **route) == 3
    assert value(after, "openqualify_http_requests_in_flight") == 0
    database = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert value(after, "openqualify_build_info", version=__version__, mode="sandbox", database=database) == 1


def test_a_thousand_ids_in_paths_make_no_new_series(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    """Cardinality is bounded by the routes: ids, e-mails, unknown paths and methods never become labels."""
    auth = {"Authorization": f"Bearer {org[2]}"}
    with make_client() as client:
        for path in ("/v1/offerings/first", "/v1/users/first@example.com", "/v1/nope/first", "/nope/first"):
            client.get(path, headers=auth)
        client.request("BREW", "/v1/offerings/first", headers=auth)
        before = _series(client)
        for n in range(1000):
            client.get(f"/v1/offerings/id-{n}", headers=auth)
            if n % 10 == 0:
                client.get(f"/v1/users/person{n}@example.com", headers=auth)
                client.get(f"/v1/nope/{n}", headers=auth)
                client.get(f"/nope/{n}")
                client.request(f"BREW{n}", f"/v1/offerings/id-{n}", headers=auth)
        after = _series(client)
    assert after == before, sorted(after - before)[:10]


def test_no_organisation_token_or_person_in_a_scrape(
    make_client: ClientFactory, org: tuple[str, str, str]
) -> None:
    org_id, name, token = org
    auth = {"Authorization": f"Bearer {token}"}
    with make_client() as client:
        client.post("/v1/users", headers=auth, json={"email": "secret.person@example.com", "firstName": "Sec",
                                                     "lastName": "Ret"})
        client.get("/v1/users/secret.person@example.com", headers=auth)
        client.get("/v1/org", headers={"Authorization": f"Bearer {token}x"})
        text = client.get("/metrics").text
    for secret in (org_id, name, token, token[:12], "secret.person", "example.com"):
        assert secret not in text, secret


def test_request_layer_and_rate_limit_refusals(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    refusals = "openqualify_request_refusals_total"
    limited = "openqualify_rate_limit_refusals_total"
    with make_client(max_body_bytes=1000, max_url_bytes=300, rate_limit_per_minute=3,
                     rate_limit_backend="memory") as client:
        before = scrape(client)
        client.post("/v1/users", headers=auth, content=b"x" * 2000)  # 413
        client.get("/v1/offerings?q=" + "x" * 400, headers=auth)  # 400: the URL cap
        client.post("/v1/users", headers={**auth, "Content-Type": "application/json"}, content=b"[" * 40 + b"]" * 40)
        for _ in range(5):  # the 413 and the long URL are refused before they are counted; the bad JSON counts
            client.get("/v1/org", headers=auth)
        after = scrape(client)
    for reason, expected in (("body_too_large", 1), ("url_too_long", 1), ("json_bounds", 1)):
        assert value(after, refusals, reason=reason) - value(before, refusals, reason=reason) == expected, reason
    assert value(after, limited, reason="limit") - value(before, limited, reason="limit") == 3


def test_list_cache_hits_and_misses(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    lookups = "openqualify_list_cache_lookups_total"
    with make_client() as client:
        course = client.post("/_sandbox/courses", headers=auth, json={"name": "Cached"}).json()
        offering = client.post("/v1/offerings", headers=auth, json={
            "name": "Cached", "contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"}).json()
        path = f"/v1/offerings/{offering['id']}/analytics/learners-progress"
        before = scrape(client)
        for _ in range(3):
            assert client.get(path, headers=auth).status_code == 200
        after = scrape(client)
    assert value(after, lookups, result="miss") - value(before, lookups, result="miss") == 1
    assert value(after, lookups, result="hit") - value(before, lookups, result="hit") == 2
    assert value(after, "openqualify_list_cache_bytes") > 0


def test_pools_of_units_of_work_and_reads(
    make_client: ClientFactory, org: tuple[str, str, str], database_url: str
) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    waits = "openqualify_db_pool_wait_seconds_count"
    with make_client(db_pool_size=8) as client:
        before = scrape(client)
        for n in range(3):
            client.post("/v1/users", headers=auth, json={"email": f"pool{n}@example.com", "firstName": "P",
                                                         "lastName": str(n)})
            client.get(f"/v1/users/pool{n}@example.com", headers=auth)
        after = scrape(client)
        # The Event hub's dispatcher (polling in the background) may hold a connection at any moment: wait, bounded,
        # for a scrape where none is in use rather than taking the first one.
        for _ in range(50):
            if value(after, "openqualify_db_pool_connections_in_use", pool="units_of_work") == 0:
                break
            time.sleep(0.1)
            after = scrape(client)
    assert value(after, waits, pool="units_of_work") - value(before, waits, pool="units_of_work") >= 3
    assert value(after, "openqualify_db_pool_connections_in_use", pool="units_of_work") == 0
    if database_url.startswith("postgresql"):
        assert value(after, waits, pool="reads") - value(before, waits, pool="reads") >= 3
        assert value(after, "openqualify_db_pool_connections_max", pool="reads") >= 4  # this app's half of 8
        assert value(after, "openqualify_db_pool_connections_in_use", pool="reads") == 0


def test_sqlite_lock_waits(make_client: ClientFactory, org: tuple[str, str, str], database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's locks")
    auth = {"Authorization": f"Bearer {org[2]}"}
    wait = "openqualify_sqlite_lock_wait_seconds_count"
    with make_client(db_lock_timeout=0.3) as client:
        client.get("/v1/org", headers=auth)  # the token is known before the lock is taken
        before = scrape(client)
        client.post("/v1/users", headers=auth, json={"email": "gate@example.com", "firstName": "G", "lastName": "W"})
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        holder.execute("BEGIN IMMEDIATE")  # another process's writer, for longer than the lock timeout
        try:
            refused = client.post("/v1/users", headers=auth, json={"email": "late@example.com", "firstName": "L",
                                                                   "lastName": "T"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        after = scrape(client)
    assert refused.status_code == 503
    assert value(after, wait, lock="write_gate") - value(before, wait, lock="write_gate") == 2
    assert value(after, wait, lock="busy") - value(before, wait, lock="busy") == 1
    timeouts = "openqualify_sqlite_busy_timeouts_total"
    assert value(after, timeouts) - value(before, timeouts) == 1
    assert value(after, "openqualify_sqlite_lock_wait_seconds_sum", lock="busy") >= 0.25


def test_the_hubs_metrics_and_its_scrape_time_gauge(make_client: ClientFactory) -> None:
    age = hub_metrics.OLDEST_UNDELIVERED
    with make_client() as client:
        # hub.py on its own: the application's hub registered its gauge (test_hub_metrics.py); set it aside.
        exposition.unregister_scrape_gauge(age)
        hub_metrics.enable()
        before = scrape(client)
        assert value(before, age) == 0  # no hub in this process: nothing waits
        hub_metrics.event_raised("offering.created")
        hub_metrics.event_raised("offering.created")
        hub_metrics.delivery_attempted("failed", 0.2)
        hub_metrics.delivery_attempted("delivered", 0.05)
        hub_metrics.delivery_attempted("bogus outcome", 0.05)  # counted as failed, never as a new label
        hub_metrics.event_delivered(12.0)

        async def oldest() -> float:
            return 42.5

        hub_metrics.register_oldest_undelivered_age(oldest)
        try:
            after = scrape(client)

            async def broken() -> float:
                raise RuntimeError("database down")

            hub_metrics.register_oldest_undelivered_age(broken)
            without = client.get("/metrics")

            async def slow() -> float:
                await asyncio.sleep(10)
                return 1.0

            hub_metrics.register_oldest_undelivered_age(slow)
            started = time.monotonic()
            bounded = client.get("/metrics")
            waited = time.monotonic() - started
        finally:
            exposition.unregister_scrape_gauge(age)
            hub_metrics.enable()
    events = "openqualify_hub_events_total"
    attempts = "openqualify_hub_delivery_attempts_total"
    kind = {"event_type": "offering.created"}
    assert value(after, events, **kind) - value(before, events, **kind) == 2
    assert value(after, attempts, outcome="failed") - value(before, attempts, outcome="failed") == 2
    assert value(after, attempts, outcome="delivered") - value(before, attempts, outcome="delivered") == 1
    latency = "openqualify_hub_delivery_latency_seconds_count"
    assert value(after, latency) - value(before, latency) == 1
    assert value(after, age) == 42.5
    # A failing or slow callback leaves its gauge out of that scrape; the scrape still answers.
    assert without.status_code == 200 and (age, ()) not in parse(without.text)
    assert bounded.status_code == 200 and (age, ()) not in parse(bounded.text)
    assert waited < exposition.CALLBACK_TIMEOUT_SECONDS + 5


def test_event_type_labels_are_bounded() -> None:
    assert metrics.bounded_event_type("Not A Type!") == metrics.OTHER
    assert metrics.bounded_event_type("x" * 100) == metrics.OTHER
    kinds = {metrics.bounded_event_type(f"kind.n{n}") for n in range(metrics.MAX_EVENT_TYPES + 50)}
    assert metrics.OTHER in kinds and len(kinds) <= metrics.MAX_EVENT_TYPES + 1


def test_openmetrics_for_a_scraper_that_asks(make_client: ClientFactory) -> None:
    with make_client() as client:
        answer = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.rstrip().endswith("# EOF")


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus) is not installed")
def test_promtool_finds_nothing_to_lint_in_a_scrape(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    with make_client() as client:
        client.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}"})
        text = client.get("/metrics").text
    ours = "\n".join(line for line in text.splitlines() if "openqualify_" in line) + "\n"
    result = subprocess.run(["promtool", "check", "metrics"], input=ours, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
