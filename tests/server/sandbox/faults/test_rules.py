"""The rules' decisions without a server: matching (requests and deliveries), reproducible draws, every/times,
`Prefer` headers."""

from __future__ import annotations

from openqualify.server.sandbox.faults.deliveries import DeliveryDraws, matches
from openqualify.server.sandbox.faults.rules import (
    Draws,
    Match,
    fires,
    latency_ms,
    parse_prefer,
    request_template,
    uniform,
)
from openqualify.server.sandbox.faults.schemas import FAULT_STATUSES


def test_a_request_path_resolves_to_its_contract_template_static_segments_first() -> None:
    assert request_template("/v1/offerings/abc/users") == "/v1/offerings/{offeringId}/users"
    assert request_template("/v1/offerings/current") == "/v1/offerings/current"
    assert request_template("/v1/offerings/abc") == "/v1/offerings/{offeringId}"
    assert request_template("/v1/nowhere/at/all") is None
    assert request_template("/_sandbox/faults") is None


def test_matching_by_template_prefix_star_and_method() -> None:
    users = "/v1/offerings/{offeringId}/users"
    path = "/v1/offerings/abc/users"
    assert Match("GET", users).matches("GET", path, users)
    assert not Match("POST", users).matches("GET", path, users)
    assert Match("*", users).matches("POST", path, users)
    assert not Match("*", "/v1/offerings/{offeringId}").matches("GET", path, users)
    assert Match("*", "/v1/offerings/*").matches("GET", path, users)
    assert not Match("*", "/v1/offerings/*").matches("GET", "/v1/offeringsx", None)
    assert Match("*", "*").matches("DELETE", "/v1/anything", None)


def test_seeded_draws_are_fixed_by_seed_and_count() -> None:
    first = [uniform(7, n, "fire") for n in range(1, 50)]
    assert first == [uniform(7, n, "fire") for n in range(1, 50)]
    assert first != [uniform(8, n, "fire") for n in range(1, 50)]
    assert all(0 <= u < 1 for u in first)
    assert uniform(7, 1, "fire") == 0.5470208581801133  # pinned: the same on every machine and Python version


def test_probability_every_and_times() -> None:
    rule = {"probability": 0.25, "seed": 7}
    fired = sum(fires(rule, n, 0, Draws(7, n)) for n in range(1, 4001))
    assert 900 <= fired <= 1100
    every = {"every": 3}
    assert [fires(every, n, 0, Draws(None, n)) for n in range(1, 7)] == [False, False, True, False, False, True]
    assert fires({"times": 2}, 5, 1, Draws(None, 5))
    assert not fires({"times": 2}, 5, 2, Draws(None, 5))
    assert not fires({"probability": 0.0}, 1, 0, Draws(None, 1))


def test_latencies_fixed_drawn_and_capped() -> None:
    assert latency_ms({"latencyMs": 300}, Draws(None, 1)) == 300
    lognormal = {"latency": {"distribution": "lognormal", "median": 200, "sigma": 0.5}}
    draws = [latency_ms(lognormal, Draws(7, n)) for n in range(1, 2001)]
    assert draws == [latency_ms(lognormal, Draws(7, n)) for n in range(1, 2001)]
    median = sorted(draws)[len(draws) // 2]
    assert 170 < median < 230 and min(draws) > 0
    uniform_rule = {"latency": {"distribution": "uniform", "min": 10, "max": 20}, "latencyMs": 5}
    assert all(15 <= latency_ms(uniform_rule, Draws(1, n)) <= 25 for n in range(1, 200))
    assert latency_ms({"latencyMs": 10**9}, Draws(None, 1)) == 60_000


def test_prefer_header_like_prism_plus_latency() -> None:
    assert parse_prefer(["code=503"], FAULT_STATUSES).code == 503
    both = parse_prefer(["code=429, latency=300"], FAULT_STATUSES)
    assert (both.code, both.latency_ms) == (429, 300)
    assert parse_prefer(["latency=120", "respond-async"], FAULT_STATUSES).latency_ms == 120
    # Unknown or unhonourable preferences are ignored (RFC 7240): Prism's code=200 chooses an example there.
    assert not parse_prefer(["code=200", "code=abc", "latency=x", "dynamic=true"], FAULT_STATUSES).wanted


def test_a_delivery_rule_matches_event_type_url_and_its_first_attempts() -> None:
    rule = {"target": "deliveries", "match": {"eventType": "user.*", "url": "https://hooks.example.com/*"},
            "dropFirst": 2}  # fmt: skip
    assert matches(rule, "user.created", "https://hooks.example.com/a", 1)
    assert matches(rule, "user.updated", "https://hooks.example.com/a", 2)
    assert not matches(rule, "user.updated", "https://hooks.example.com/a", 3)  # past dropFirst
    assert not matches(rule, "offering.created", "https://hooks.example.com/a", 1)
    assert not matches(rule, "user.created", "https://other.example.com/a", 1)
    exact = {"target": "deliveries", "match": {"eventType": "user.created", "url": "https://h.example.com/x"}}
    assert matches(exact, "user.created", "https://h.example.com/x", 7)
    assert not matches(exact, "user.created", "https://h.example.com/xy", 1)
    assert not matches({**exact, "target": "requests"}, "user.created", "https://h.example.com/x", 1)
    # Seeded draws depend on the feed position and the attempt, not on the order deliveries were prepared in.
    assert DeliveryDraws(7, 3, 1).next("fire") == uniform(7, 3, "delivery:1:fire")
    assert DeliveryDraws(7, 3, 1).next("fire") != DeliveryDraws(7, 3, 2).next("fire")
    assert DeliveryDraws(7, 3, 1).next("fire") != DeliveryDraws(7, 4, 1).next("fire")
