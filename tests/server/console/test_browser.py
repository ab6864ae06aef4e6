"""The console in a real browser: headless Chromium (Debian's package, driven by Selenium) against a real server
process on this run's database, over real HTTP. Skipped, saying why, where no browser is installed.

Set OPENQUALIFY_CONSOLE_SCREENSHOTS=DIR to keep a screenshot of every page visited.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench._browser import browser_missing, launch, open_page, screenshot, sign_in, wait_ready
from sqlalchemy import Engine

from openqualify.server.kit.clock import system_now
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from openqualify.server.sandbox.demo import build_demo
from tests.fixtures.live import ServerProcess, start_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.skipif(browser_missing() is not None, reason=f"no browser: {browser_missing()}"),
]


@dataclass(frozen=True)
class Org:
    token: str
    org_id: str


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[ServerProcess]:
    process = start_server(database_url)
    yield process
    process.stop()


def _org(engine: Engine, *, demo: bool) -> Org:
    with admin_session(engine) as session:
        org, token = create_org(session, f"Console browser {uuid.uuid4().hex[:10]}")
        org_id = org.id
        if demo:
            build_demo(session, org_id, system_now())
        session.commit()
    return Org(token, org_id)


@pytest.fixture(scope="module")
def demo(sync_engine: Engine) -> Org:
    return _org(sync_engine, demo=True)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    browser = launch()
    yield browser
    browser.quit()


def _api(server: ServerProcess, org: Org, path: str) -> Any:
    response = httpx.get(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {org.token}"}, timeout=30)
    response.raise_for_status()
    return response.json()


def _css(driver: Any, selector: str) -> list[Any]:
    return list(driver.find_elements("css selector", selector))


def _marks(driver: Any, chart_id: str) -> int:
    """Data marks drawn in a chart's SVG (bars and dots)."""
    return len(_css(driver, f"#{chart_id} svg .mark"))


def _shot(driver: Any, name: str) -> None:
    folder = os.environ.get("OPENQUALIFY_CONSOLE_SCREENSHOTS")
    if folder:
        screenshot(driver, Path(folder) / f"{name}.png")


def _fresh_sign_in(driver: Any, server: ServerProcess, org: Org) -> None:
    open_page(driver, f"{server.base_url}/console")
    driver.execute_script("sessionStorage.clear()")
    sign_in(driver, server.base_url, org.token)


def _click(driver: Any, element: Any) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    time.sleep(0.05)  # let the click start its request before waiting for the page to settle
    wait_ready(driver)


def _until(condition: Any, timeout: float = 15.0) -> None:
    """Until `condition()` holds; elements replaced meanwhile (a table reloading) just mean "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except (StaleElementReferenceException, NoSuchElementException):
            pass
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_wrong_token_is_refused(driver: Any, server: ServerProcess) -> None:
    open_page(driver, f"{server.base_url}/console")
    driver.execute_script("sessionStorage.clear()")
    sign_in(driver, server.base_url, "not-a-token")
    error = driver.find_element("id", "sign-in-error")
    assert error.is_displayed() and "Invalid authorization token" in error.text
    assert driver.execute_script("return sessionStorage.length") == 0
    assert _css(driver, "#view *") == []


def test_every_page_with_the_demo_token(driver: Any, server: ServerProcess, demo: Org) -> None:
    _fresh_sign_in(driver, server, demo)
    assert driver.find_element("id", "session-org").text.startswith("Console browser")
    # Overview: the charts drew bars, the offerings are listed by bucket as the API lists them.
    for chart in ("chart-completion", "chart-by-offering", "chart-enrolments"):
        assert _marks(driver, chart) > 0, chart
    current = _api(server, demo, "/v1/offerings/current")
    rows = _css(driver, "table[data-bucket=current] tbody tr")
    assert sorted(r.get_attribute("data-offering") for r in rows) == sorted(o["id"] for o in current)
    _shot(driver, "console-overview")

    # The offering page: every section loaded, every chart drawn.
    summary = {o["id"]: o["learnersCount"] for o in _api(server, demo, "/v1/offerings/summary")}
    biggest = max(current, key=lambda o: summary[o["id"]])
    _click(driver, driver.find_element("css selector", f"tr[data-offering='{biggest['id']}'] a"))
    assert driver.current_url.endswith(f"/console/offerings/{biggest['id']}")
    assert _css(driver, ".skeleton") == [] and _css(driver, ".error-panel") == []
    for chart in ("chart-completion", "chart-assessment-status", "chart-pulses", "chart-channels", "chart-reactions"):
        assert _marks(driver, chart) > 0, chart
    assert driver.find_element("css selector", "#chart-completion .chart-table tbody tr").is_displayed()
    learners = _api(server, demo, f"/v1/offerings/{biggest['id']}/analytics/learners-progress")
    status = driver.find_element("css selector", ".table-status")
    assert status.get_attribute("data-total") == str(len(learners))
    _shot(driver, "console-offering")

    # Sort by completion (twice: descending, then ascending), by keyboard.
    def completions() -> list[int]:
        return [int(v.text.rstrip("%")) for v in _css(driver, "table.learners .completion-value")]

    sort = driver.find_element("css selector", "[data-sort=completion]")
    driver.execute_script("arguments[0].focus()", sort)
    sort.send_keys("\n")
    time.sleep(0.05)
    wait_ready(driver)
    assert completions() == sorted((int(r["completion"]) for r in learners), reverse=True)[: len(completions())]
    focused = driver.switch_to.active_element
    assert focused.get_attribute("data-sort") == "completion"  # focus stays on the header after the reload
    focused.send_keys("\n")
    time.sleep(0.05)
    wait_ready(driver)
    assert completions() == sorted(int(r["completion"]) for r in learners)[: len(completions())]
    assert "sort=completion" in driver.current_url

    # Filter by e-mail, then select a bar of the completion chart.
    someone = learners[len(learners) // 2]
    search = driver.find_element("css selector", "[data-table-filter]")
    search.send_keys(someone["email"])
    _until(lambda: [e.text for e in _css(driver, "table.learners td.email")] == [someone["email"]])
    wait_ready(driver)
    search.clear()
    search.send_keys(" ")
    _until(lambda: len(_css(driver, "table.learners tbody tr")) > 1)
    wait_ready(driver)
    bar = _css(driver, "#chart-completion svg a")[-1]  # 100 %
    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", bar)
    _until(lambda: "completion 100" in driver.find_element("css selector", ".table-status").text)
    wait_ready(driver)
    assert all(v == 100 for v in completions()) and completions()
    assert driver.find_element("css selector", "[data-table-param=band]").get_attribute("value") == "10"

    # A learner's page, and back to an offering from it.
    _click(driver, driver.find_element("css selector", "table.learners tbody th a"))
    assert "/console/learners/" in driver.current_url
    offerings = _css(driver, "#learner-offerings tbody tr")
    assert biggest["id"] in [r.get_attribute("data-offering") for r in offerings]
    _shot(driver, "console-learner")
    _click(driver, driver.find_element("css selector", f"#learner-offerings tr[data-offering='{biggest['id']}'] a"))
    assert driver.current_url.endswith(f"/console/offerings/{biggest['id']}")

    # Keyboard: the first Tab stop is the skip link.
    open_page(driver, f"{server.base_url}/console")
    driver.find_element("tag name", "body").send_keys("\t")
    assert driver.switch_to.active_element.get_attribute("class") == "skip"


def test_another_organisation_sees_none_of_the_first(
    driver: Any, server: ServerProcess, demo: Org, sync_engine: Engine
) -> None:
    other = _org(sync_engine, demo=False)
    _fresh_sign_in(driver, server, other)
    source = driver.page_source
    assert "No current offerings." in source
    for offering in _api(server, demo, "/v1/offerings"):
        assert offering["id"] not in source
    first = _api(server, demo, "/v1/offerings/current")[0]["id"]
    open_page(driver, f"{server.base_url}/console/offerings/{first}")
    panel = driver.find_element("css selector", ".error-panel")
    assert panel.get_attribute("data-status") == "404" and "ObjectNotFoundError" in panel.text


def test_the_sandbox_clock_moves_a_current_offering_to_the_past(
    driver: Any, server: ServerProcess, sync_engine: Engine
) -> None:
    org = _org(sync_engine, demo=True)  # its own organisation: this test moves its clock
    _fresh_sign_in(driver, server, org)
    ending = [o for o in _api(server, org, "/v1/offerings/current") if o.get("end")]
    moving = min(ending, key=lambda o: o["end"])["id"]
    assert _css(driver, f"table[data-bucket=current] tr[data-offering='{moving}']")
    _click(driver, driver.find_element("css selector", "a[data-nav=sandbox]"))
    _shot(driver, "console-sandbox")
    served = httpx.get(f"{server.base_url}/_sandbox/requests", headers={"Authorization": f"Bearer {org.token}"})
    # The journal panel shows once its first poll answers, which the page's readiness does not wait for.
    _until(lambda: driver.find_element("id", "journal").is_displayed() == (served.status_code == 200))
    _click(driver, driver.find_element("css selector", "[data-action=advance][data-amount='365']"))
    _until(lambda: "Clock:" in driver.find_element("id", "sandbox-status").text)
    assert _api(server, org, "/_sandbox/clock")["offsetSeconds"] >= 365 * 86400 - 5
    _click(driver, driver.find_element("css selector", "[data-action=freeze]"))
    _until(lambda: "(frozen)" in driver.find_element("id", "sandbox-status").text)
    assert driver.find_element("css selector", ".orgbar .pill").text == "frozen"
    _click(driver, driver.find_element("css selector", "a[data-nav=overview]"))
    assert _css(driver, f"table[data-bucket=past] tr[data-offering='{moving}']")
    assert not _css(driver, f"table[data-bucket=current] tr[data-offering='{moving}']")


def test_sandbox_data_export_reset_demo_and_import(
    driver: Any, server: ServerProcess, sync_engine: Engine, tmp_path: Path
) -> None:
    org = _org(sync_engine, demo=True)  # its own organisation: this test deletes and reloads its data
    exported = tmp_path / "fixture.json"
    exported.write_text(json.dumps(_api(server, org, "/_sandbox/export")))
    offerings = len(_api(server, org, "/v1/offerings"))
    _fresh_sign_in(driver, server, org)
    open_page(driver, f"{server.base_url}/console/sandbox")

    def status() -> str:
        return str(driver.find_element("id", "sandbox-status").text)

    def counted() -> int:
        return sum(int(d.text) for d in _css(driver, "#data dd[data-count]"))

    assert counted() == offerings
    _click(driver, driver.find_element("css selector", "[data-action=export]"))
    _until(lambda: status() == "Export downloaded.")
    driver.find_element("css selector", ".danger-zone summary").click()
    _click(driver, driver.find_element("css selector", "[data-action=reset]"))
    _until(lambda: status() == "All data deleted.")
    assert counted() == 0 and _api(server, org, "/v1/offerings") == []
    _click(driver, driver.find_element("css selector", "[data-action=demo]"))
    _until(lambda: status().startswith("Demo data loaded"), timeout=60)
    assert counted() == len(_api(server, org, "/v1/offerings")) > 0
    driver.find_element("css selector", ".danger-zone summary").click()
    _click(driver, driver.find_element("css selector", "[data-action=reset]"))
    _until(lambda: status() == "All data deleted.")
    driver.find_element("css selector", "input[data-sandbox-import]").send_keys(str(exported))
    _until(lambda: status().startswith("Imported fixture.json"), timeout=60)
    wait_ready(driver)
    assert counted() == offerings == len(_api(server, org, "/v1/offerings"))


def test_the_journal_opens_a_request_and_filters_by_status_and_path(
    driver: Any, server: ServerProcess, demo: Org
) -> None:
    """The sandbox page's journal: the organisation's own requests, each one opened with its headers and bodies."""
    headers = {"Authorization": f"Bearer {demo.token}"}
    assert httpx.get(f"{server.base_url}/v1/users/nobody-{uuid.uuid4().hex[:6]}@example.com", headers=headers,
                     timeout=30).status_code == 404
    _fresh_sign_in(driver, server, demo)
    open_page(driver, f"{server.base_url}/console/sandbox")
    _until(lambda: len(_css(driver, "#journal-rows tbody tr")) > 0)
    heads = [h.text for h in _css(driver, "#journal-rows thead th")]
    assert [h.lower() for h in heads] == ["request", "time (utc)", "status", "duration"]
    shown = driver.find_element("css selector", "#journal-rows tbody time").text
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z", shown), shown  # ISO 8601, UTC
    driver.find_element("css selector", "#journal-filter select[name=status]").send_keys("4xx")
    _until(lambda: all(s.text.startswith("4") for s in _css(driver, "#journal-rows td .status"))
           and len(_css(driver, "#journal-rows tbody tr")) > 0)
    path = driver.find_element("css selector", "#journal-filter input[name=path]")
    path.send_keys("nobody-")
    _until(lambda: len(_css(driver, "#journal-rows tbody tr")) == 1)
    _click(driver, driver.find_element("css selector", "#journal-rows [data-journal-entry]"))
    _until(lambda: driver.find_element("id", "journal-detail").is_displayed()
           and "ObjectNotFoundError" in driver.find_element("id", "journal-detail").text)
    detail = driver.find_element("id", "journal-detail").text
    assert "Request" in detail and "Answer" in detail and "404" in detail and "content-type" in detail
    assert demo.token not in detail and "authorization" not in detail.lower()
    _shot(driver, "console-journal")
    time.sleep(3.5)  # a refresh of the list leaves the opened request open
    assert driver.find_element("id", "journal-detail").is_displayed()
    assert _css(driver, "#journal-rows tr[aria-current=true]")
    _click(driver, driver.find_element("css selector", "[data-journal-close]"))
    assert not driver.find_element("id", "journal-detail").is_displayed()


def test_a_csv_download_from_the_page(driver: Any, server: ServerProcess, demo: Org, tmp_path: Path) -> None:
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    _fresh_sign_in(driver, server, demo)
    offering = max(_api(server, demo, "/v1/offerings/summary"), key=lambda o: o["learnersCount"])
    open_page(driver, f"{server.base_url}/console/offerings/{offering['id']}?size=25")
    _click(driver, driver.find_element("css selector", "#learners-table [data-csv]"))
    deadline = time.monotonic() + 20
    while not [p for p in tmp_path.iterdir() if p.suffix == ".csv"] and time.monotonic() < deadline:
        time.sleep(0.1)
    (saved,) = [p for p in tmp_path.iterdir() if p.suffix == ".csv"]
    assert saved.name.endswith("-learners.csv")
    text = saved.read_bytes().decode("utf-8-sig")
    assert text.startswith("Name,E-mail,Completion (%),Last login\r\n")
    assert text.count("\r\n") == offering["learnersCount"] + 1  # every learner, not the page of 25


def test_the_token_stays_out_of_urls_cookies_and_the_log(driver: Any, server: ServerProcess, demo: Org) -> None:
    driver.get_log("browser")  # forget what earlier tests logged (their refused tokens, their 404s)
    _fresh_sign_in(driver, server, demo)
    open_page(driver, f"{server.base_url}/console/sandbox")
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/console/f/" in u for u in urls)
    assert not [u for u in urls if demo.token in u]
    assert demo.token not in driver.current_url and driver.execute_script("return document.cookie") == ""
    assert demo.token not in server.log()
    logged = driver.get_log("browser")
    errors = [e for e in logged if e["level"] == "SEVERE"]
    assert errors == []  # no script error, no refused resource (the CSP allows only this origin)


# --- every page on a phone and on a laptop --------------------------------------------------------------------

PHONE, TABLET, SMALL_LAPTOP, LAPTOP = (390, 844), (768, 1024), (1100, 800), (1440, 900)
MIN_CHART_FONT_PX = 10.0  # the smallest text of a chart, as rendered (12 px drawn at about one unit per pixel)

LAYOUT_PROBE = """
const bar = document.querySelector('.topbar').getBoundingClientRect();
const inside = (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.left >= bar.left - 0.5 && r.right <= bar.right + 0.5
    && r.top >= bar.top - 0.5 && r.bottom <= bar.bottom + 0.5 && r.right <= window.innerWidth + 0.5;
};
const onBar = [...document.querySelectorAll('.nav a, #sign-out, #search-q')]
  .map((el) => [el.textContent.trim() || el.id, inside(el), getComputedStyle(el).color]);
const fonts = [...document.querySelectorAll('svg.chart-svg text')]
  .filter((t) => t.checkVisibility() && t.textContent.trim())
  .map((t) => { const m = t.getScreenCTM(); return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); });
const scrolled = [...document.querySelectorAll('.table-wrap, .chart-table')]
  .filter((w) => w.checkVisibility() && w.scrollWidth > w.clientWidth + 1)
  .map((w) => (w.querySelector('table') || w).id || w.closest('[id]').id);
return {
  innerWidth: window.innerWidth,
  documentWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  barBackground: getComputedStyle(document.querySelector('.topbar')).backgroundColor,
  onBar, scrolled,
  minFont: fonts.length ? Math.min(...fonts) : null, texts: fonts.length,
  charts: document.querySelectorAll('svg.chart-svg').length,
};
"""


def _resize(driver: Any, size: tuple[int, int]) -> None:
    """The page as a phone or a tablet (touch, device width) or a laptop window shows it."""
    width, height = size
    if size in (PHONE, TABLET):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(width, height)


def _settled(driver: Any) -> None:
    """Every section of the page loaded (no skeleton left)."""
    wait_ready(driver)
    _until(lambda: not _css(driver, ".skeleton"), timeout=30)
    wait_ready(driver)


def _check_layout(driver: Any, size: tuple[int, int], page: str, signed_in: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = driver.execute_script(LAYOUT_PROBE)
    width = size[0]
    where = f"{page} at {width} px"
    assert found["innerWidth"] == width, (where, found["innerWidth"])  # the page did not widen the viewport
    assert found["documentWidth"] <= width, (where, "the document scrolls sideways", found["documentWidth"])
    assert found["scrolled"] == [], (where, "tables hidden behind a sideways scroll", found["scrolled"])
    if signed_in:
        names = [name for name, _, _ in found["onBar"]]
        assert "Sign out" in names and "Overview" in names and "search-q" in names, (where, names)
        off = [name for name, inside, _ in found["onBar"] if not inside]
        assert off == [], (where, "not on the dark bar", off)
        assert found["barBackground"] == "rgb(21, 24, 51)"
    if found["charts"]:
        assert found["minFont"] is not None and found["minFont"] >= MIN_CHART_FONT_PX, (where, found["minFont"])
    _shot(driver, f"layout-{page}-{width}")
    return found


@pytest.mark.parametrize("size", [PHONE, TABLET, SMALL_LAPTOP, LAPTOP],
                         ids=["phone-390x844", "tablet-768x1024", "laptop-1100x800", "laptop-1440x900"])
def test_every_page_fits_its_screen_with_legible_charts(
    driver: Any, server: ServerProcess, demo: Org, size: tuple[int, int]
) -> None:
    """At 390 x 844 and 1440 x 900 (and between the layout's breakpoints): no page scrolls sideways, no table hides
    its columns behind a scrollbar, the navigation, search and Sign out sit on the dark bar, chart text is at least
    10 px as rendered."""
    _resize(driver, size)
    try:
        open_page(driver, f"{server.base_url}/console")
        driver.execute_script("sessionStorage.clear()")
        open_page(driver, f"{server.base_url}/console")
        _check_layout(driver, size, "sign-in", signed_in=False)
        sign_in(driver, server.base_url, demo.token)
        summary = _api(server, demo, "/v1/offerings/summary")
        current = {o["id"] for o in _api(server, demo, "/v1/offerings/current")}
        biggest = max((o for o in summary if o["id"] in current), key=lambda o: o["learnersCount"])
        email = _api(server, demo, f"/v1/offerings/{biggest['id']}/analytics/learners-progress")[0]["email"]
        pages = {
            "overview": "/console",
            "overview-period": "/console?period=12w",
            "offering": f"/console/offerings/{biggest['id']}",
            "offering-filtered": f"/console/offerings/{biggest['id']}?band=10&sort=completion&dir=desc",
            "learner": f"/console/learners/{email}",
            "search": f"/console/search?q={email.split('.')[0]}",
            "sandbox": "/console/sandbox",
            "event-hub": "/console/event-hub",
        }
        pages |= {f"offering-{o['id']}": f"/console/offerings/{o['id']}" for o in summary if o["id"] != biggest["id"]}
        fonts = []
        for name, path in pages.items():
            open_page(driver, f"{server.base_url}{path}")
            _settled(driver)
            if name == "sandbox":
                _until(lambda: len(_css(driver, "#journal-rows tbody tr")) > 0)
                _click(driver, driver.find_element("css selector", "#journal-rows [data-journal-entry]"))
                _until(lambda: bool(_css(driver, "#journal-detail .journal-entry")))
            found = _check_layout(driver, size, name)
            if found["minFont"] is not None:
                fonts.append(found["minFont"])
        assert len(fonts) >= 4  # the charts of the overview, the offerings and the learner were measured
        # The header's search, from any page: typed and sent with Enter.
        open_page(driver, f"{server.base_url}/console/learners/{email}")
        field = driver.find_element("id", "search-q")
        field.send_keys(email + "\n")
        time.sleep(0.05)
        wait_ready(driver)
        assert "/console/search?q=" in driver.current_url
        assert [r.get_attribute("data-email") for r in _css(driver, "#search-learner-rows tbody tr")] == [email]
        _check_layout(driver, size, "search-result")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(*LAPTOP)


def test_turning_a_phone_lays_the_charts_out_again(driver: Any, server: ServerProcess, demo: Org) -> None:
    _resize(driver, LAPTOP)
    _fresh_sign_in(driver, server, demo)
    wide = int(driver.find_element("css selector", "#chart-completion svg").get_attribute("width"))
    try:
        _resize(driver, PHONE)
        _until(lambda: int(driver.find_element("css selector", "#chart-completion svg").get_attribute("width")) < 390)
        wait_ready(driver)
        narrow = int(driver.find_element("css selector", "#chart-completion svg").get_attribute("width"))
        assert narrow < wide
        _check_layout(driver, PHONE, "overview-turned")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(*LAPTOP)
