"""The Event hub page and the sandbox page's fault rules in a real browser (headless Chromium, Selenium) against a
real server process on this run's database: the whole round trip to a real receiver on loopback (hub on, a
default endpoint typed by keyboard, a test event delivered and signed, its delivery shown, redelivered), the API's
validation errors on the page, the secret revealed and rotated, a fault rule added, acting on an API request and
removed; a delivery rule added from the same form (its target chosen by keyboard), acting on a real delivery and
refused with the API's detail, at 375 and 1440 px; another organisation sees none of it; phone (390 px) and laptop
(1440 px) layouts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from bench._browser import browser_missing, launch, open_page, sign_in
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.event_hub import Receiver
from tests.fixtures.live import ServerProcess, start_server
from tests.server.console.test_browser import LAPTOP, PHONE, _check_layout, _click, _css, _resize, _settled, _until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.skipif(browser_missing() is not None, reason=f"no browser: {browser_missing()}"),
]

FAST = {"OPENQUALIFY_EVENT_HUB_POLL_SECONDS": "0.2"}


class Org:
    def __init__(self, server: ServerProcess, token: str) -> None:
        self.server, self.token = server, token

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, self.server.base_url + path, headers=headers, timeout=30, **kwargs)

    def json(self, path: str) -> Any:
        response = self.call("GET", path)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[ServerProcess]:
    process = start_server(database_url, env=FAST)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    browser = launch()
    yield browser
    browser.quit()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _org(engine: Engine, server: ServerProcess) -> Org:
    with admin_session(engine) as session:
        _, token = create_org(session, f"Console hub {uuid.uuid4().hex[:10]}")
        session.commit()
    return Org(server, token)


def _signed_in(driver: Any, org: Org, path: str) -> None:
    open_page(driver, f"{org.server.base_url}/console")
    driver.execute_script("sessionStorage.clear()")
    sign_in(driver, org.server.base_url, org.token)
    open_page(driver, f"{org.server.base_url}{path}")
    _settled(driver)


def _find(driver: Any, selector: str) -> Any:
    return driver.find_element("css selector", selector)


def _text(driver: Any, selector: str) -> str:
    return str(_find(driver, selector).text)


def _choose(driver: Any, selector: str, value: str) -> None:
    from selenium.webdriver.support.select import Select

    Select(_find(driver, selector)).select_by_value(value)


def _type(element: Any, text: str) -> None:
    element.clear()
    element.send_keys(text)


def _hub_on_with(driver: Any, url: str, header: str) -> None:
    """Turn the hub on and add a default endpoint, by keyboard: Enter on "Add an endpoint" focuses its URL."""
    _click(driver, _find(driver, "#hub-enabled"))
    add = _find(driver, "[data-endpoints=default] [data-endpoint-add]")
    driver.execute_script("arguments[0].focus()", add)
    add.send_keys("\n")
    focused = driver.switch_to.active_element
    assert focused.get_attribute("data-field") == "url"
    focused.send_keys(url)
    _find(driver, "[data-endpoints=default] [data-endpoint]:last-child textarea").send_keys(header)


def _save(driver: Any) -> None:
    _click(driver, _find(driver, "#hub-save"))


def test_the_hub_round_trip_to_a_receiver(driver: Any, server: ServerProcess, sync_engine: Engine,
                                          hook: Receiver) -> None:
    org = _org(sync_engine, server)
    _signed_in(driver, org, "/console")
    _click(driver, _find(driver, "a[data-nav=event-hub]"))
    assert driver.current_url.endswith("/console/event-hub")
    assert _find(driver, "a[data-nav=event-hub]").get_attribute("aria-current") == "page"
    _settled(driver)

    _hub_on_with(driver, hook.url("/hook"), "X-Console: yes")
    badge = _find(driver, "[data-event-type='badge.awarded']")
    _click(driver, badge.find_element("css selector", "[data-field=anonymous]"))
    viewed = _find(driver, "[data-event-type='page.viewed']")
    _click(driver, viewed.find_element("css selector", "[data-field=enabled]"))
    _save(driver)
    _until(lambda: _text(driver, "#hub-status") == "Settings saved.")
    settings = org.json("/event-hub/settings")
    assert settings["enabled"] is True
    assert [(e["url"], e["headers"]) for e in settings["defaultEndpoints"]] == [(hook.url("/hook"),
                                                                                  {"X-Console": "yes"})]
    assert settings["events"]["badge.awarded"]["anonymous"] is True
    assert settings["events"]["page.viewed"]["enabled"] is False
    assert _text(driver, "#hub-state") == "on" and _find(driver, "#hub-enabled").is_selected()
    hook.secrets = [settings["signingSecret"]]

    # A test event: delivered to the receiver, signed, with the custom header, anonymous; shown on the page.
    _click(driver, _find(driver, "[data-hub-test='badge.awarded']"))
    _until(lambda: _text(driver, "#hub-status").startswith("Test badge.awarded event evt_"))
    assert len(hook.wait_for(1)) == 1
    received = hook.received[0]
    event = received.event
    assert received.verified_with == [0] and received.headers["x-console"] == "yes" and received.path == "/hook"
    assert event["type"] == "badge.awarded" and event["test"] is True and "user" not in event["data"]
    assert received.headers["webhook-id"] == event["id"]
    _until(lambda: bool(_css(driver, f"#hub-deliveries [data-event='{event['id']}'][data-status=delivered]")))
    assert _css(driver, f"#hub-events [data-event='{event['id']}']")
    row = _find(driver, f"#hub-deliveries [data-event='{event['id']}']")
    assert "200" in row.find_element("css selector", "[data-result]").text
    _click(driver, row.find_element("css selector", ".hub-attempts summary"))
    assert row.find_element("css selector", "[data-response]").text == "ok"  # the receiver's answer, as kept

    # Its JSON, opened by keyboard from the events list.
    summary = _find(driver, f"#hub-events [data-event='{event['id']}'] .hub-json summary")
    driver.execute_script("arguments[0].focus()", summary)
    summary.send_keys("\n")
    shown = _find(driver, f"#hub-events [data-event='{event['id']}'] pre").text
    assert f'"id": "{event["id"]}"' in shown and '"test": true' in shown

    # Redeliver: the same event (same webhook-id) reaches the receiver again; the delivery shows two attempts.
    _click(driver, row.find_element("css selector", "[data-hub-redeliver]"))
    _until(lambda: _text(driver, "#hub-status").startswith(f"{event['id']} will be delivered again to 1 endpoint"))
    again = hook.wait_for(2)
    assert len(again) == 2 and hook.received[1].headers["webhook-id"] == event["id"]
    assert hook.received[1].verified_with == [0]
    _until(lambda: "Attempts (2)" in _text(driver, f"#hub-deliveries [data-event='{event['id']}'] .hub-attempts"))
    opened = _find(driver, f"#hub-deliveries [data-event='{event['id']}'] .hub-attempts")
    assert opened.get_attribute("open") is not None  # opened before the reloads, still open after them
    delivery = org.json(f"/event-hub/deliveries?eventId={event['id']}")["deliveries"][0]
    assert delivery["status"] == "delivered" and len(delivery["attempts"]) == 2

    # The filters: events of another type, and the deliveries of one event (from its "Its deliveries" button).
    _find(driver, "#hub-events select[name=type]").send_keys("user.created")  # type-ahead, by keyboard
    _until(lambda: "No user.created events." in _text(driver, "#hub-events"))
    assert driver.switch_to.active_element.get_attribute("name") == "type"  # the filter keeps the focus
    _choose(driver, "#hub-events select[name=type]", "badge.awarded")
    _until(lambda: bool(_css(driver, f"#hub-events [data-event='{event['id']}']")))
    _click(driver, _find(driver, f"#hub-events [data-event='{event['id']}'] [data-load-into]"))
    _until(lambda: _find(driver, "#hub-deliveries input[name=eventId]").get_attribute("value") == event["id"])
    assert [d.get_attribute("data-event") for d in _css(driver, "#hub-deliveries [data-delivery]")] == [event["id"]]

    # A real API write raises a real event that the page lists (the hub is on).
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    assert org.call("POST", "/v1/users", json={"email": email}).status_code == 201
    hook.wait_for(1, type_="user.created")
    _choose(driver, "#hub-events select[name=type]", "user.created")
    _until(lambda: [e.get_attribute("data-type") for e in _css(driver, "#hub-events [data-event]")] == ["user.created"])
    [created] = _css(driver, "#hub-events [data-event]")
    assert email in created.find_element("css selector", "pre").get_attribute("textContent")


def test_the_api_s_validation_errors_show_and_nothing_changes(driver: Any, server: ServerProcess,
                                                              sync_engine: Engine) -> None:
    org = _org(sync_engine, server)
    _signed_in(driver, org, "/console/event-hub")
    before = org.json("/event-hub/settings")
    _hub_on_with(driver, "ftp://example.com/hook", "X-Ok: 1")
    _save(driver)
    _until(lambda: "SchemaValidationError" in _text(driver, "#hub-status"))
    assert "data.defaultEndpoints[0].url should be an http or https URL" in _text(driver, "#hub-status")
    url = _find(driver, "[data-endpoints=default] [data-endpoint] [data-field=url]")
    assert url.get_attribute("aria-invalid") == "true" and driver.switch_to.active_element == url
    assert org.json("/event-hub/settings") == before  # a refused save changed nothing

    # An event's own endpoint, with a header the hub sets itself: the API's message, the field marked.
    _type(url, "https://example.com/hook")
    own = _find(driver, "[data-event-type='quiz.attempted']")
    _click(driver, own.find_element("css selector", ".hub-own summary"))
    _click(driver, own.find_element("css selector", "[data-endpoint-add]"))
    own.find_element("css selector", "[data-field=url]").send_keys("https://example.com/quizzes")
    own.find_element("css selector", "[data-field=headers]").send_keys("Webhook-Id: mine")
    _save(driver)
    _until(lambda: "is set by the hub and cannot be overridden" in _text(driver, "#hub-status"))
    assert "data.events.quiz.attempted.endpoints[0].headers.Webhook-Id" in _text(driver, "#hub-status")
    assert own.find_element("css selector", "[data-field=headers]").get_attribute("aria-invalid") == "true"
    # A header line the form cannot read is said before anything is sent.
    _type(own.find_element("css selector", "[data-field=headers]"), "no colon here")
    _save(driver)
    _until(lambda: 'header line 1 should be "Name: value"' in _text(driver, "#hub-status"))
    assert org.json("/event-hub/settings") == before
    # Removing the endpoint by keyboard and saving: accepted.
    remove = own.find_element("css selector", "[data-endpoint-remove]")
    driver.execute_script("arguments[0].focus()", remove)
    remove.send_keys("\n")
    assert driver.switch_to.active_element.get_attribute("data-endpoint-add") is not None
    _save(driver)
    _until(lambda: _text(driver, "#hub-status") == "Settings saved.")
    assert [e["url"] for e in org.json("/event-hub/settings")["defaultEndpoints"]] == ["https://example.com/hook"]


def test_the_secret_is_masked_revealed_and_rotated(driver: Any, server: ServerProcess, sync_engine: Engine) -> None:
    org = _org(sync_engine, server)
    assert org.call("PUT", "/event-hub/settings", json={"enabled": False}).status_code == 200
    secret = org.json("/event-hub/settings")["signingSecret"]
    _signed_in(driver, org, "/console/event-hub")
    value = _find(driver, "#hub-secret-value")
    assert secret not in driver.page_source and value.text.endswith(secret[-4:]) and "•" in value.text
    reveal = _find(driver, "#hub-secret-reveal")
    _click(driver, reveal)
    _until(lambda: _text(driver, "#hub-secret-value") == secret)
    assert reveal.get_attribute("aria-pressed") == "true"
    _click(driver, reveal)
    assert secret not in _text(driver, "#hub-secret-value")
    _click(driver, _find(driver, "[data-endpoints=default] [data-endpoint-add]"))  # an edit not saved yet
    _find(driver, "[data-endpoints=default] [data-field=url]").send_keys("https://example.com/not-saved")
    _click(driver, _find(driver, "[data-hub-rotate]"))
    _until(lambda: _text(driver, "#hub-status").startswith("New signing secret."))
    rotated = org.json("/event-hub/settings")
    assert rotated["signingSecret"] != secret and rotated["previousSigningSecretExpiresAt"]
    assert _text(driver, "#hub-secret-value").endswith(rotated["signingSecret"][-4:])
    assert _css(driver, "#hub-secret-previous")
    assert _find(driver, "[data-endpoints=default] [data-field=url]").get_attribute("value").endswith("not-saved")
    open_page(driver, f"{server.base_url}/console/event-hub")  # as the server masks it
    _settled(driver)
    assert _text(driver, "#hub-secret-value").endswith(rotated["signingSecret"][-4:])
    assert rotated["signingSecret"] not in driver.page_source


def test_a_fault_rule_added_acts_on_the_api_and_is_removed(driver: Any, server: ServerProcess,
                                                            sync_engine: Engine) -> None:
    org, other = _org(sync_engine, server), _org(sync_engine, server)
    _signed_in(driver, org, "/console/sandbox")
    assert "No fault rules" in _text(driver, "#faults")
    form = _find(driver, "#fault-form")
    form.find_element("css selector", "select[name=method]").send_keys("GET")
    _type(form.find_element("css selector", "input[name=path]"), "/v1/offerings")
    form.find_element("css selector", "select[name=status]").send_keys("503")
    form.find_element("css selector", "input[name=retryAfter]").send_keys("5")
    form.find_element("css selector", "input[name=times]").send_keys("2")
    _click(driver, form.find_element("css selector", "button[type=submit]"))
    _until(lambda: _text(driver, "#faults-status").startswith("Rule ")
           and len(_css(driver, "#fault-rows tbody tr")) == 1)
    [rule] = org.json("/_sandbox/faults")
    assert rule["match"] == {"method": "GET", "path": "/v1/offerings"} and rule["status"] == 503
    assert "503 ServerError, Retry-After 5 s" in _text(driver, "#fault-rows")

    # It acts on the organisation's request, not on another organisation's.
    answer = org.call("GET", "/v1/offerings")
    assert answer.status_code == 503 and answer.json()["name"] == "ServerError"
    assert answer.headers["retry-after"] == "5"
    assert other.call("GET", "/v1/offerings").status_code == 200
    open_page(driver, f"{server.base_url}/console/sandbox")
    _settled(driver)
    assert _text(driver, f"#fault-rows [data-fault='{rule['id']}'] [data-hits]") == "1"

    # The API's validation error, shown; nothing added.
    form = _find(driver, "#fault-form")
    _type(form.find_element("css selector", "input[name=path]"), "/v1/nowhere")
    _click(driver, form.find_element("css selector", "button[type=submit]"))
    _until(lambda: "SchemaValidationError" in _text(driver, "#faults-status"))
    assert "is not a route template of the contract" in _text(driver, "#faults-status")
    assert len(org.json("/_sandbox/faults")) == 1

    _click(driver, _find(driver, f"[data-fault-remove='{rule['id']}']"))
    _until(lambda: _text(driver, "#faults-status") == f"Rule {rule['id']} removed.")
    assert org.json("/_sandbox/faults") == [] and "No fault rules" in _text(driver, "#faults")
    assert org.call("GET", "/v1/offerings").status_code == 200

    # Two rules, then every rule removed at once.
    for path in ("/v1/users/*", "*"):
        form = _find(driver, "#fault-form")
        _type(form.find_element("css selector", "input[name=path]"), path)
        form.find_element("css selector", "input[name=latencyMs]").send_keys("1")
        _click(driver, form.find_element("css selector", "button[type=submit]"))
        _until(lambda: _text(driver, "#faults-status").startswith("Rule "))
    _until(lambda: len(_css(driver, "#fault-rows tbody tr")) == 2)
    _click(driver, _find(driver, "#faults .danger-zone summary"))
    _click(driver, _find(driver, "[data-faults-clear]"))
    _until(lambda: _text(driver, "#faults-status") == "2 rules removed.")
    assert org.json("/_sandbox/faults") == []


def test_a_delivery_rule_is_listed_and_removed(driver: Any, server: ServerProcess, sync_engine: Engine) -> None:
    org = _org(sync_engine, server)
    delivery = {"target": "deliveries", "match": {"eventType": "user.created"}, "duplicate": True}
    rule = org.call("POST", "/_sandbox/faults", json=delivery).json()
    _signed_in(driver, org, "/console/sandbox")
    row = _text(driver, f"#fault-rows [data-fault='{rule['id']}']")
    assert "WEBHOOK user.created → *" in row and "sent twice (same webhook-id)" in row
    _click(driver, _find(driver, f"[data-fault-remove='{rule['id']}']"))
    _until(lambda: _text(driver, "#faults-status") == f"Rule {rule['id']} removed.")
    assert org.json("/_sandbox/faults") == [] and "No fault rules" in _text(driver, "#faults")


SMALL_PHONE = (375, 812)
FORM_FIELDS_OUTSIDE = """
return [...document.querySelectorAll('#fault-form input, #fault-form select, #fault-form button, #fault-form legend')]
  .filter((el) => el.checkVisibility())
  .filter((el) => { const r = el.getBoundingClientRect(); return r.left < -0.5 || r.right > window.innerWidth + 0.5; })
  .map((el) => el.name || el.textContent.trim());
"""


def _screen(driver: Any, size: tuple[int, int]) -> None:
    """A phone (touch, its device width, as `_resize` makes one) or a laptop window."""
    width, height = size
    if width < 600:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    else:
        _resize(driver, size)


@pytest.mark.parametrize("size", [SMALL_PHONE, LAPTOP], ids=["phone-375x812", "laptop-1440x900"])
def test_a_delivery_rule_added_from_the_form_acts_on_a_delivery(driver: Any, server: ServerProcess,
                                                                sync_engine: Engine, hook: Receiver,
                                                                size: tuple[int, int]) -> None:
    from selenium.webdriver.common.keys import Keys

    org = _org(sync_engine, server)
    document = {"enabled": True, "defaultEndpoints": [{"url": hook.url("/hook")}]}
    answer = org.call("PUT", "/event-hub/settings", json=document)
    assert answer.status_code == 200, answer.text
    hook.secrets = [answer.json()["signingSecret"]]
    _screen(driver, size)
    driver.get_log("browser")  # forget what earlier tests logged
    try:
        _signed_in(driver, org, "/console/sandbox")
        form = _find(driver, "#fault-form")
        requests_fields = form.find_element("css selector", "[data-fault-target=requests]")
        delivery_fields = form.find_element("css selector", "[data-fault-target=deliveries]")
        assert requests_fields.is_displayed() and not delivery_fields.is_displayed()

        # The target chosen by keyboard (an arrow key in the radio group); Tab goes on into the delivery fields.
        choice = form.find_element("css selector", "input[name=target][value=requests]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", choice)
        choice.send_keys(Keys.ARROW_RIGHT)
        assert form.find_element("css selector", "input[name=target][value=deliveries]").is_selected()
        assert delivery_fields.is_displayed() and not requests_fields.is_displayed()
        driver.switch_to.active_element.send_keys(Keys.TAB)
        assert driver.switch_to.active_element.get_attribute("name") == "eventType"
        _choose(driver, "#fault-form select[name=eventType]", "user.created")
        _type(delivery_fields.find_element("css selector", "input[name=url]"), "http://127.0.0.1:*")
        duplicate = delivery_fields.find_element("css selector", "input[name=duplicate]")
        driver.execute_script("arguments[0].focus()", duplicate)
        duplicate.send_keys(Keys.SPACE)
        assert duplicate.is_selected()
        assert driver.execute_script(FORM_FIELDS_OUTSIDE) == []
        _check_layout(driver, size, "sandbox-delivery-form")
        _click(driver, form.find_element("css selector", "button[type=submit]"))
        _until(lambda: _text(driver, "#faults-status").startswith("Rule ")
               and len(_css(driver, "#fault-rows tbody tr")) == 1)

        # The API's rule, as the form posted it; listed with its target; the form kept the target chosen.
        [rule] = org.json("/_sandbox/faults")
        assert {k: v for k, v in rule.items() if v is not None and k not in ("id", "createdAt")} == {
            "target": "deliveries", "match": {"eventType": "user.created", "url": "http://127.0.0.1:*"},
            "duplicate": True, "matched": 0, "hits": 0, "exhausted": False,
        }
        assert _text(driver, "#faults-status") == f"Rule {rule['id']} added: webhook user.created → http://127.0.0.1:*."
        row = _text(driver, f"#fault-rows [data-fault='{rule['id']}']")
        assert "WEBHOOK" in row and "user.created → http://127.0.0.1:*" in row and "sent twice (same webhook-id)" in row
        assert _find(driver, "#fault-form input[name=target][value=deliveries]").is_selected()
        assert _find(driver, "#fault-form [data-fault-target=deliveries]").is_displayed()

        # A real event: delivered twice with the same webhook-id; the delivery log shows the duplicate.
        email = f"twice-{uuid.uuid4().hex[:6]}@example.com"
        assert org.call("POST", "/v1/users", json={"email": email}).status_code == 201
        received = hook.wait_for(2, type_="user.created")
        assert len(received) == 2 and received[0]["id"] == received[1]["id"]
        assert [r.headers["webhook-id"] for r in hook.received] == [received[0]["id"]] * 2
        assert [r.verified_with for r in hook.received] == [[0], [0]]
        open_page(driver, f"{server.base_url}/console/event-hub")
        _settled(driver)
        selector = f"#hub-deliveries [data-event='{received[0]['id']}']"
        _until(lambda: "Attempts (2)" in _text(driver, f"{selector} .hub-attempts summary"))
        _click(driver, _find(driver, f"{selector} .hub-attempts summary"))
        attempts = _text(driver, f"{selector} .hub-attempt-list")
        duplicate_note = f"sandbox fault: duplicate (the same delivery sent again, same webhook-id) (rule {rule['id']})"
        assert duplicate_note in attempts
        assert _find(driver, selector).get_attribute("data-status") == "delivered"

        # Refused: the API's own detail under the form, its field marked; nothing added.
        open_page(driver, f"{server.base_url}/console/sandbox")
        _settled(driver)
        assert _text(driver, f"#fault-rows [data-fault='{rule['id']}'] [data-hits]") == "1"
        _click(driver, _find(driver, "#fault-form input[name=target][value=deliveries]"))
        url = _find(driver, "#fault-form [data-fault-target=deliveries] input[name=url]")
        _type(url, "ftp://hooks.example.com/")
        _choose(driver, "#fault-form [data-fault-target=deliveries] select[name=status]", "503")
        _click(driver, _find(driver, "#fault-form button[type=submit]"))
        _until(lambda: "SchemaValidationError" in _text(driver, "#faults-status"))
        assert _text(driver, "#faults-status") == ("SchemaValidationError: data.match.url should be *, an endpoint "
                                                   "URL or a prefix ending in *: ftp://hooks.example.com/")
        assert url.get_attribute("aria-invalid") == "true" and driver.switch_to.active_element == url
        _type(url, "*")
        drop_first = _find(driver, "#fault-form input[name=dropFirst]")
        drop_first.send_keys("12")
        _click(driver, _find(driver, "#fault-form button[type=submit]"))
        _until(lambda: "data.dropFirst" in _text(driver, "#faults-status"))
        assert _text(driver, "#faults-status").startswith("SchemaValidationError: data.dropFirst")
        assert drop_first.get_attribute("aria-invalid") == "true" and url.get_attribute("aria-invalid") is None
        assert len(org.json("/_sandbox/faults")) == 1
        assert driver.execute_script(FORM_FIELDS_OUTSIDE) == []
        _check_layout(driver, size, "sandbox-delivery-refused")
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
                and "/_sandbox/faults" not in e["message"]] == []  # no script error (the refusals are logged)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(*LAPTOP)


def test_another_organisation_sees_none_of_the_first(driver: Any, server: ServerProcess, sync_engine: Engine,
                                                      hook: Receiver) -> None:
    first, second = _org(sync_engine, server), _org(sync_engine, server)
    document = {"enabled": True, "defaultEndpoints": [{"url": hook.url("/first"), "headers": {"X-First": "1"}}]}
    assert first.call("PUT", "/event-hub/settings", json=document).status_code == 200
    sent = first.call("POST", "/event-hub/test", json={"type": "user.created"}).json()
    rule = first.call("POST", "/_sandbox/faults", json={"match": {"path": "*"}, "latencyMs": 1}).json()
    hook.wait_for(1)
    _signed_in(driver, second, "/console/event-hub")
    source = driver.page_source
    for private in (hook.url("/first"), "X-First", sent["event"]["id"]):
        assert private not in source
    assert "No events yet" in _text(driver, "#hub-events") and "No deliveries yet" in _text(driver, "#hub-deliveries")
    open_page(driver, f"{server.base_url}/console/sandbox")
    _settled(driver)
    assert rule["id"] not in driver.page_source and "No fault rules" in _text(driver, "#faults")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone-390x844", "laptop-1440x900"])
def test_the_pages_fit_a_phone_and_a_laptop(driver: Any, server: ServerProcess, sync_engine: Engine,
                                            hook: Receiver, size: tuple[int, int]) -> None:
    """With endpoints, events, deliveries (their JSON and answers opened) and fault rules on the pages: nothing
    scrolls sideways and the navigation stays on the dark bar."""
    org = _org(sync_engine, server)
    long_url = hook.url("/" + "a-very-long-path-segment/" * 6)
    document = {"enabled": True, "defaultEndpoints": [{"url": long_url, "headers": {"X-Long": "v" * 120}}],
                "events": {"badge.awarded": {"endpoints": [{"url": hook.url("/badges")}]}}}
    assert org.call("PUT", "/event-hub/settings", json=document).status_code == 200
    for type_ in ("badge.awarded", "user.created"):
        assert org.call("POST", "/event-hub/test", json={"type": type_}).status_code == 201
    hook.wait_for(2)
    rule = {"match": {"method": "GET", "path": "/v1/offerings/{offeringId}/analytics/learners-progress"},
            "status": 429, "retryAfter": 30, "probability": 0.25, "seed": 7, "times": 10, "every": 2}
    assert org.call("POST", "/_sandbox/faults", json=rule).status_code == 201
    _resize(driver, size)
    driver.get_log("browser")  # forget what earlier tests logged (their refused saves)
    try:
        _signed_in(driver, org, "/console/event-hub")
        _until(lambda: len(_css(driver, "#hub-deliveries [data-status=delivered]")) == 2)
        for summary in _css(driver, "#hub-events .hub-json summary, #hub-deliveries .hub-attempts summary"):
            driver.execute_script("arguments[0].click()", summary)
        _check_layout(driver, size, "event-hub")
        open_page(driver, f"{server.base_url}/console/sandbox")
        _settled(driver)
        driver.execute_script("document.querySelector('#faults .fault-latency').open = true")
        _check_layout(driver, size, "sandbox-faults")
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []  # no script error, no refusal
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(*LAPTOP)
