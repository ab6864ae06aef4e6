"""The Event hub page and the sandbox page's fault rules over HTTP: what the fragments show against the
`/event-hub` and `/_sandbox/faults` answers, errors as the API's, another organisation's nothing, production mode."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from openqualify.server.console.views.event_hub import DELIVERIES_SHOWN, EVENTS_SHOWN, mask
from openqualify.server.event_hub.catalogue import CATALOGUE, CATEGORIES
from openqualify.server.event_hub.models import HubEndpoint
from openqualify.server.event_hub.retry import FAILING_AFTER
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.api import Api
from tests.fixtures.event_hub import (
    Receiver,
    configure,
    deliveries,
    endpoint,
    feed,
    hub,
    wait_until,
)
from tests.fixtures.event_hub import _nothing_left_due as _nothing_left_due  # autouse: no retry left due


@pytest.fixture
def hook() -> Iterator[Receiver]:
    """A webhook receiver on loopback that verifies signatures (the hub tests' own)."""
    server = Receiver()
    yield server
    server.stop()


def _auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


def _get(api: Api, path: str, status: int = 200) -> str:
    response = api.http.get(path, headers=_auth(api))
    assert response.status_code == status, response.text
    return str(response.text)


def _attr(text: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'{name}="([^"]*)"', text)]


def _send_test(api: Api, type_: str) -> dict[str, object]:
    response = hub(api).post("/test", json={"type": type_})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


# --- settings -----------------------------------------------------------------------------------------------------


def test_a_new_organisation_sees_the_hub_off_with_every_event_type_by_category(api: Api) -> None:
    page = _get(api, "/console/f/event-hub").partition('id="endpoint-template"')[0]  # not the new rows' template
    assert re.search(r'id="hub-enabled"(?! checked)[^>]*>', page)  # off
    assert _attr(page, "data-category") == list(CATEGORIES)
    assert _attr(page, "data-event-type") == [kind.type for kind in CATALOGUE]
    for kind in CATALOGUE:
        assert html.escape(kind.name) in page
    assert page.count('data-field="enabled" checked') == len(CATALOGUE)  # every type on unless it says otherwise
    assert 'data-field="anonymous" checked' not in page
    assert "No secret yet" in page and "data-endpoint>" not in page
    assert 'data-src="/console/f/event-hub/events"' in page and 'data-src="/console/f/event-hub/deliveries"' in page


def test_the_settings_show_as_put_with_the_secret_masked(api: Api, hook: Receiver) -> None:
    settings = configure(
        api,
        defaultEndpoints=[endpoint(hook.url("/all"), headers={"X-Tenant": "acme & co", "X-Key": "k1"}),
                          endpoint(hook.url("/off"), enabled=False)],
        events={"badge.awarded": {"enabled": True, "anonymous": True,
                                  "endpoints": [endpoint(hook.url("/badges"), headers={"X-Only": "badges"})]},
                "page.viewed": {"enabled": False, "anonymous": False, "endpoints": []}},
    )
    page = _get(api, "/console/f/event-hub")
    assert re.search(r'id="hub-enabled" checked', page)
    default_box = page.partition('data-endpoints="default"')[2].partition("</ol>")[0]
    assert _attr(default_box, "value") == [hook.url("/all"), hook.url("/off")]
    assert "X-Tenant: acme &amp; co\nX-Key: k1" in default_box  # one `Name: value` a line, escaped
    assert default_box.count('data-field="enabled" checked') == 1  # /off is not enabled
    badge = page.partition('data-event-type="badge.awarded"')[2].partition("</li>\n      \n")[0]
    assert 'data-field="anonymous" checked' in badge and hook.url("/badges") in badge and "X-Only: badges" in badge
    viewed = page.partition('data-event-type="page.viewed"')[2].partition('data-hub-test')[0]
    assert 'data-field="enabled" checked' not in viewed
    secret = settings["signingSecret"]
    assert secret not in page and mask(secret) in page and mask(secret).endswith(secret[-4:])


def test_a_failing_endpoint_is_marked(api: Api, hook: Receiver, sync_engine: Engine) -> None:
    configure(api, hook)
    with admin_session(sync_engine) as session:
        session.execute(update(HubEndpoint).where(HubEndpoint.org_id == api.org_id)
                        .values(consecutive_failures=FAILING_AFTER, failing_since=datetime(2026, 1, 2, tzinfo=UTC)))
        session.commit()
    default_box = _get(api, "/console/f/event-hub").partition('data-endpoints="default"')[2].partition("</ol>")[0]
    assert "Failing since" in default_box and "2 Jan 2026" in default_box


# --- the latest events --------------------------------------------------------------------------------------------


def test_the_latest_events_newest_first_a_page_at_a_time_and_by_type(api: Api) -> None:
    types = ["badge.awarded", "user.created", "page.viewed"]
    for index in range(EVENTS_SHOWN + 5):
        _send_test(api, types[index % 3])
    assert api.post("/users", json={"email": f"ada-{uuid.uuid4().hex[:6]}@example.com"}).status_code == 201
    newest_first = [e["id"] for e in reversed(feed(api))]  # the hub is off: the test events and no user.created
    assert len(newest_first) == EVENTS_SHOWN + 5

    first = _get(api, "/console/f/event-hub/events")
    assert _attr(first, "data-event") == newest_first[:EVENTS_SHOWN]
    older = re.search(r'data-load="([^"]+)" id="hub-events-older"', first)
    assert older is not None
    second = _get(api, html.unescape(older.group(1)))
    assert _attr(second, "data-event") == newest_first[EVENTS_SHOWN:]
    assert 'id="hub-events-older"' not in second and ">Newest<" in second

    badges = [e["id"] for e in reversed(feed(api, type="badge.awarded"))]
    only = _get(api, "/console/f/event-hub/events?type=badge.awarded")
    assert _attr(only, "data-event") == badges and set(_attr(only, "data-type")) == {"badge.awarded"}
    assert '<option value="badge.awarded" selected>' in only
    # Each event with its JSON, as the feed gives it (test events marked).
    event = feed(api)[-1]
    assert f'"id": "{event["id"]}"' in html.unescape(first) and '"test": true' in html.unescape(first)


def test_events_and_deliveries_refuse_what_the_api_refuses(api: Api) -> None:
    for query, api_query in (("type=nope", "type=nope"), ("before=x1", "after=x1")):
        response = api.http.get(f"/console/f/event-hub/events?{query}", headers=_auth(api))
        answer = hub(api).get(f"/events?{api_query}")
        assert (response.status_code, response.json()["name"]) == (400, "SchemaValidationError")
        assert answer.status_code == 400
    response = api.http.get("/console/f/event-hub/deliveries?status=lost", headers=_auth(api))
    assert (response.status_code, response.json()) == (400, hub(api).get("/deliveries?status=lost").json())


# --- deliveries ---------------------------------------------------------------------------------------------------


def test_deliveries_with_their_attempts_answers_and_filters(api: Api, hook: Receiver) -> None:
    configure(api, hook)
    sent = _send_test(api, "badge.awarded")
    wait_until(lambda: [d for d in deliveries(api) if d["status"] == "delivered"], what="a delivery")
    other = _send_test(api, "user.created")
    wait_until(lambda: len([d for d in deliveries(api) if d["status"] == "delivered"]) == 2, what="two deliveries")
    listed = deliveries(api)
    page = _get(api, "/console/f/event-hub/deliveries")
    assert _attr(page, "data-delivery") == [d["id"] for d in listed]
    assert _attr(page, "data-status") == ["delivered", "delivered"]
    assert hook.url() in page and '<span class="status status-2xx">200</span>' in page
    assert "<pre class=\"body\" tabindex=\"0\" data-response>ok</pre>" in page  # the receiver's answer, as kept
    assert page.count(f'data-hub-redeliver="{sent["event"]["id"]}"') == 1  # type: ignore[index]

    only = _get(api, f"/console/f/event-hub/deliveries?eventId={other['event']['id']}")  # type: ignore[index]
    assert _attr(only, "data-event") == [other["event"]["id"]]  # type: ignore[index]
    assert _attr(_get(api, "/console/f/event-hub/deliveries?status=failed"), "data-delivery") == []
    assert "No delivery matches." in _get(api, "/console/f/event-hub/deliveries?status=failed")


def test_deliveries_page_on(api: Api) -> None:
    configure(api, defaultEndpoints=[endpoint("http://127.0.0.1:9/closed")], enabled=False)
    for _ in range(DELIVERIES_SHOWN + 2):
        _send_test(api, "user.updated")  # the hub is off: test events wait, nothing is sent
    every = [d["id"] for d in deliveries(api)]
    first = _get(api, "/console/f/event-hub/deliveries")
    assert _attr(first, "data-delivery") == every[:DELIVERIES_SHOWN]
    older = re.search(r'data-load="([^"]+)" id="hub-deliveries-older"', first)
    assert older is not None
    assert _attr(_get(api, html.unescape(older.group(1))), "data-delivery") == every[DELIVERIES_SHOWN:]


def test_events_and_deliveries_download_as_csv(api: Api, hook: Receiver) -> None:
    configure(api, hook)
    sent = _send_test(api, "quiz.attempted")
    wait_until(lambda: [d for d in deliveries(api) if d["status"] == "delivered"], what="a delivery")
    for path, sheet, header in (("events", "events", "Id,Type,Time (UTC),Test,Data (JSON)"),
                                ("deliveries", "deliveries", "Id,Event,Type,Endpoint,Status,Attempts")):
        response = api.http.get(f"/console/f/event-hub/{path}?csv={sheet}", headers=_auth(api))
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert ",".join(rows[0]).startswith(header) and len(rows) == 2
        assert sent["event"]["id"] in rows[1]  # type: ignore[index]


# --- fault rules --------------------------------------------------------------------------------------------------


def test_the_fault_rules_as_the_sandbox_lists_them(api: Api) -> None:
    assert "No fault rules" in _get(api, "/console/f/sandbox/faults")
    rules = [
        {"match": {"method": "GET", "path": "/v1/offerings/{offeringId}/users"}, "status": 503, "retryAfter": 5,
         "probability": 0.25, "seed": 7, "times": 10},
        {"match": {"method": "*", "path": "/v1/users/*"}, "drop": "reset", "every": 3},
        {"match": {"path": "*"}, "latencyMs": 300, "latency": {"distribution": "lognormal", "median": 200,
                                                                 "sigma": 0.5}},
    ]
    for rule in rules:
        assert api.sandbox.post("/faults", json=rule).status_code == 201
    listed = api.sandbox.get("/faults").json()
    page = _get(api, "/console/f/sandbox/faults")
    assert _attr(page, "data-fault") == [r["id"] for r in listed]
    assert "503 ServerError, Retry-After 5 s" in page and "25 % (seed 7), at most 10 times" in page
    assert "drop: reset" in page and "every 3" in page
    assert "+300 ms; +lognormal latency (median 200.0, sigma 0.5)" in page
    assert f'data-fault-remove="{listed[0]["id"]}"' in page and "data-faults-clear" in page
    # The form offers the contract's route templates and the statuses a rule may answer.
    assert '<option value="/v1/offerings/{offeringId}/users">' in page
    assert '<option value="429">429 TooManyRequestsError</option>' in page

    # A rule acting on a request shows in its counts.
    assert api.get("/offerings").status_code == 200  # matched by the latency rule only (path *), delayed 300 ms+
    counts = re.search(rf'data-fault="{listed[2]["id"]}".*?data-matched>(\d+)<.*?data-hits>(\d+)<', page, re.S)
    assert counts is not None and counts.groups() == ("0", "0")
    again = _get(api, "/console/f/sandbox/faults")
    counts = re.search(rf'data-fault="{listed[2]["id"]}".*?data-matched>(\d+)<.*?data-hits>(\d+)<', again, re.S)
    assert counts is not None and counts.groups() == ("1", "1")
    response = api.http.get("/console/f/sandbox/faults?csv=faults", headers=_auth(api))
    assert response.status_code == 200 and response.content.decode("utf-8-sig").count("\r\n") == 4


def _between(page: str, start: str, end: str) -> str:
    assert start in page, start
    return page.partition(start)[2].partition(end)[0]


def test_the_add_form_offers_delivery_rules(api: Api) -> None:
    """A target choice; the delivery fields (hidden and disabled until chosen) offer `*`, every prefix and every
    type of the catalogue, the organisation's endpoints' URLs, and the statuses a delivery rule records."""
    page = _get(api, "/console/f/sandbox/faults")
    assert _attr(_between(page, "<legend>It acts on</legend>", "</fieldset>"), "value") == ["requests", "deliveries"]
    requests = _between(page, 'data-fault-target="requests"', "</fieldset>")
    assert requests.startswith(">") and 'name="method"' in requests and 'name="eventType"' not in requests
    fields = _between(page, 'data-fault-target="deliveries"', "</fieldset>")
    assert fields.startswith(" hidden disabled>")
    event_types = _between(fields, 'name="eventType"', "</select>")
    prefixes = sorted({kind.type.split(".")[0] + ".*" for kind in CATALOGUE})
    assert _attr(event_types, "value") == ["*", *prefixes, *[k.type for c in CATEGORIES for k in CATALOGUE
                                                             if k.category == c]]
    assert '<option value="offering.*">offering.* (5 types)</option>' in event_types
    assert '<option value="user.created">user.created: Created a user</option>' in event_types
    assert _attr(_between(fields, 'name="status"', "</select>"), "value") == ["", "429", "500", "503"]
    for name in ("url", "duplicate", "reorderWindowMs", "dropFirst", "latencyMs"):
        assert f'name="{name}"' in fields, name
    assert 'name="retryAfter"' not in fields and 'name="drop"' not in fields
    assert _attr(_between(page, '<datalist id="fault-urls">', "</datalist>"), "value") == ["*"]

    # The URL field suggests the endpoints the hub sends to: default and per event, each once.
    configure(api, defaultEndpoints=[endpoint("https://hooks.example.com/all?a=1&b=2")], enabled=False,
              events={"user.created": {"endpoints": [endpoint("https://hooks.example.com/users"),
                                                     endpoint("https://hooks.example.com/all?a=1&b=2")]}})
    page = _get(api, "/console/f/sandbox/faults")
    urls = _between(page, '<datalist id="fault-urls">', "</datalist>")
    assert _attr(urls, "value") == ["*", "https://hooks.example.com/all?a=1&b=2", "https://hooks.example.com/users"]
    assert "a=1&amp;b=2" in urls  # escaped


# --- scope and modes ----------------------------------------------------------------------------------------------


def test_another_organisation_sees_none_of_the_first(api: Api, other_api: Api, hook: Receiver) -> None:
    settings = configure(api, hook, defaultEndpoints=[endpoint(hook.url("/secret-place"),
                                                                    headers={"X-Secret": "s3"})])
    sent = _send_test(api, "badge.awarded")
    wait_until(lambda: deliveries(api), what="a delivery")
    rule = api.sandbox.post("/faults", json={"match": {"path": "*"}, "latencyMs": 1}).json()
    seen = "".join(_get(other_api, path) for path in (
        "/console/f/event-hub", "/console/f/event-hub/events", "/console/f/event-hub/deliveries",
        "/console/f/sandbox/faults"))
    for private in (hook.url("/secret-place"), "X-Secret", sent["event"]["id"], rule["id"],  # type: ignore[index]
                    settings["signingSecret"][-4:]):
        assert private not in seen
    response = other_api.http.get(f"/console/f/event-hub/deliveries?eventId={sent['event']['id']}",  # type: ignore[index]
                                  headers=_auth(other_api))
    assert response.status_code == 200 and "data-delivery=" not in response.text
    api.sandbox.delete("/faults")


def test_fragments_need_a_token(http: TestClient) -> None:
    for path in ("/console/f/event-hub", "/console/f/event-hub/events", "/console/f/event-hub/deliveries",
                 "/console/f/sandbox/faults"):
        response = http.get(path)
        assert (response.status_code, response.json()["name"]) == (401, "NotAuthorizedError")
    page = http.get("/console/event-hub")
    assert page.status_code == 200 and 'href="/console/event-hub"' in page.text and "default-src 'none'" in (
        page.headers["content-security-policy"])


@pytest.fixture(scope="module")
def production(database_url: str, sync_engine: Engine) -> Iterator[tuple[TestClient, str]]:
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Console hub production {uuid.uuid4().hex[:10]}")
        session.commit()
    app = create_app(Settings(database_url=database_url, mode=Mode.PRODUCTION))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, token


def test_production_has_the_event_hub_page_and_no_fault_rules(production: tuple[TestClient, str]) -> None:
    client, token = production
    headers = {"Authorization": f"Bearer {token}"}
    assert 'href="/console/event-hub"' in client.get("/console").text
    assert client.get("/console/f/event-hub", headers=headers).status_code == 200
    assert client.get("/console/f/event-hub/events", headers=headers).status_code == 200
    response = client.get("/console/f/sandbox/faults", headers=headers)
    assert (response.status_code, response.json()["name"]) == (404, "RouteNotFoundError")


def test_a_delivery_rule_is_listed_with_its_event_type_and_url(api: Api) -> None:
    rule = {"target": "deliveries", "match": {"eventType": "user.created", "url": "https://hooks.example.com/*"},
            "dropFirst": 2, "duplicate": True, "reorderWindowMs": 500, "probability": 0.5, "seed": 7}
    created = api.sandbox.post("/faults", json=rule)
    assert created.status_code == 201, created.text
    page = _get(api, "/console/f/sandbox/faults")
    assert _attr(page, "data-fault") == [created.json()["id"]]
    assert "WEBHOOK</span> <span class=\"path\">user.created → https://hooks.example.com/*</span>" in page
    assert "first 2 attempts fail unsent; sent twice (same webhook-id); held up to 500 ms (reorder)" in page
    assert "50 % (seed 7)" in page
    response = api.http.get("/console/f/sandbox/faults?csv=faults", headers=_auth(api))
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].endswith(",Target") and lines[1].endswith(",deliveries")
