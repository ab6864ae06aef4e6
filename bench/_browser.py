"""Headless Chromium driven by Selenium, for the console's browser tests, its benchmark and its screenshots.

Debian's `chromium` and `chromium-driver` packages only (`.ci/run` installs them): no browser is ever downloaded.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
READY_TIMEOUT_S = 60.0


def browser_missing() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install -e '.[test]')"
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not Path(binary).exists():
            return f"{binary} is missing: apt-get install chromium chromium-driver"
    return None


def launch(width: int = 1440, height: int = 900) -> Any:
    """A fresh headless Chromium (its own profile directory) at a laptop-sized window."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='oq-chromium-')}")
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def wait_ready(driver: Any, timeout: float = READY_TIMEOUT_S) -> None:
    """Until the console has loaded every fragment of the page (`body[data-ready=true]`)."""
    deadline = time.monotonic() + timeout
    while driver.execute_script("return document.body && document.body.dataset.ready") != "true":
        if time.monotonic() > deadline:
            raise TimeoutError(f"the console page did not finish loading within {timeout} s: {driver.current_url}")
        time.sleep(0.02)


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    wait_ready(driver)


def sign_in(driver: Any, base_url: str, token: str) -> None:
    """Sign in through the form, as a person would."""
    from selenium.webdriver.common.by import By

    open_page(driver, f"{base_url}/console")
    field = driver.find_element(By.ID, "token")
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#sign-in-form button[type=submit]").click()
    time.sleep(0.05)
    wait_ready(driver)


def screenshot(driver: Any, path: Path) -> None:
    """The whole page, not only the window (Chrome DevTools' captureBeyondViewport)."""
    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True,
         "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
