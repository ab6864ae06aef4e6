"""`/docs` in a real browser under its Content-Security-Policy (issue 19.11): Swagger UI renders every operation
and the browser reports no violation. Headless Chromium, as the console's browser tests; skipped without it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from bench._browser import browser_missing, launch

from tests.fixtures.live import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.skipif(browser_missing() is not None, reason=f"no browser: {browser_missing()}"),
]


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    browser = launch()
    yield browser
    browser.quit()


def test_docs_render_under_their_policy(driver: Any, live_server: LiveServer) -> None:
    from selenium.webdriver.common.by import By

    driver.get_log("browser")  # forget earlier pages
    driver.get(f"{live_server.base_url}/docs")
    deadline = time.monotonic() + 60
    while not (operations := driver.find_elements(By.CSS_SELECTOR, ".opblock")):
        assert time.monotonic() < deadline, "Swagger UI did not render"
        time.sleep(0.2)
    assert len(operations) > 80
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
