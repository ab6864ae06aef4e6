"""The alerting rules and the Grafana dashboard name only metrics a real scrape has, in valid PromQL.

Valid: `promtool check rules` (Debian's prometheus package) on the rules and on the dashboard's expressions turned
into recording rules, and `promtool test rules` (alerts.test.yml: each alert fires on what should fire it). Without
promtool the names are still checked, from the expressions' text.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from openqualify.server.observability import hub as hub_metrics
from tests.fixtures.observability import ClientFactory

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts.test.yml"
DASHBOARD = DEPLOY / "grafana" / "openqualify.json"
PROMETHEUS_OWN = {"up"}  # series Prometheus makes itself, about the scrape
_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")
needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus) absent")


def _rule_expressions() -> list[str]:
    rules = yaml.safe_load(RULES.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    found = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    found += [v["query"]["query"] for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)]
    return found


def _metric_names(expression: str) -> set[str]:
    """The series names an expression reads (not its functions, keywords, labels or strings)."""
    text = re.sub(r"\{[^}]*\}", "{}", expression)  # label matchers: names and strings inside
    text = re.sub(r"\[[^\]]*\]", "[]", text)  # ranges: [5m], [$__rate_interval]
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)  # label lists
    text = re.sub(r"label_values\(([^,]+),[^)]*\)", r"\1", text)  # Grafana's variable query
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        name = match.group(0)
        following = text[match.end():].lstrip()[:1]
        if following == "(":  # a function or an aggregation
            continue
        if name in {"by", "without", "and", "or", "unless", "bool", "offset", "le"} or name.startswith("__"):
            continue
        names.add(name)
    return names


@pytest.fixture
def scraped_families(make_client: ClientFactory, org: tuple[str, str, str]) -> set[str]:
    """The metric families of a real scrape, after some traffic (families without samples are named too)."""
    with make_client() as client:
        client.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}"})
        hub_metrics.event_raised("offering.created")
        text = client.get("/metrics").text
    return {family.name for family in text_string_to_metric_families(text)}


def _exists(name: str, families: set[str]) -> bool:
    return name in families or any(name == family + suffix for family in families for suffix in _SUFFIXES)


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_metric_named_exists_in_a_real_scrape(source: str, scraped_families: set[str]) -> None:
    expressions = _rule_expressions() if source == "alerts" else _dashboard_expressions()
    assert expressions
    named = set().union(*(_metric_names(e) for e in expressions))
    assert any(name.startswith("openqualify_") for name in named)
    missing = sorted(name for name in named - PROMETHEUS_OWN if not _exists(name, scraped_families))
    assert not missing, missing


def test_the_name_finder_finds_names() -> None:
    """The check above cannot pass by finding nothing."""
    expression = (
        'histogram_quantile(0.95, sum by (le, pool) (rate(openqualify_db_pool_wait_seconds_bucket{job=~"$job", '
        'pool="reads"}[5m]))) / on(pool) up > 0'
    )
    assert _metric_names(expression) == {"openqualify_db_pool_wait_seconds_bucket", "up"}
    assert not _exists("openqualify_no_such_metric_total", {"openqualify_http_requests"})


def test_the_dashboard_is_grafana_json() -> None:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "openqualify" and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"] and all('job=~"$job"' in target["expr"] for target in panel["targets"])


@needs_promtool
def test_promtool_checks_the_rules_and_their_unit_tests() -> None:
    checked = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(["promtool", "test", "rules", str(RULE_TESTS)], capture_output=True, text=True,
                            timeout=60, cwd=RULES.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_promtool_parses_every_dashboard_expression(tmp_path: Path) -> None:
    """Each expression as a recording rule, with Grafana's variables as Prometheus would get them."""
    rules = [
        {"record": f"dashboard:expression_{n}", "expr": e.replace("$__rate_interval", "5m").replace("$job", ".+")}
        for n, e in enumerate(_dashboard_expressions()) if not e.startswith("label_values")
    ]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    checked = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
