#!/usr/bin/env python3
"""Screenshots of every console page for docs/console.md, taken in headless Chromium from a fresh demo server:
on a laptop (1440 x 900, the whole page) and on a phone (390 x 844 at 2x, the first screen).

Usage: .venv/bin/python scripts/console_screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._browser import launch, open_page, screenshot, sign_in, wait_ready  # noqa: E402
from bench._server import free_port, start, stop  # noqa: E402
from bench._server import wait_ready as wait_server  # noqa: E402

LAPTOP = (1440, 900)
PHONE = (390, 844)


def _pick(api: httpx.Client) -> tuple[str, str]:
    """The current offering with a badge and the most learners, and one of its learners with a badge, marked work
    and quiz attempts (the fullest pages the demo has)."""
    summary = {o["id"]: o["learnersCount"] for o in api.get("/offerings/summary").json()}
    current = [o["id"] for o in api.get("/offerings/current").json()]
    with_badge = [i for i in current if api.get(f"/offerings/{i}/badges").status_code == 200]
    offering = max(with_badge or current, key=lambda i: summary[i])
    quizzes = {r["learnerEmail"] for r in api.get(f"/offerings/{offering}/analytics/marks/quizzes").json()}
    marked = {r["learnerEmail"] for r in api.get(f"/offerings/{offering}/analytics/marks/assignments").json()}
    for row in api.get(f"/offerings/{offering}/analytics/learners-progress").json():
        email = row["email"]
        if email in quizzes and email in marked and api.get(f"/users/{email}/badges").json():
            return offering, email
    raise SystemExit("no learner with a badge, quiz attempts and marked work in the demo")


def _settle(driver: Any) -> None:
    """Every section loaded (no skeleton left), the fonts drawn."""
    wait_ready(driver)
    deadline = time.monotonic() + 30
    while driver.execute_script("return document.querySelectorAll('.skeleton').length") and time.monotonic() < deadline:
        time.sleep(0.05)
    wait_ready(driver)
    driver.execute_script("return document.fonts.ready")


def _save(driver: Any, path: Path, whole: bool) -> None:
    driver.execute_script("window.scrollTo(0, 0)")  # the sticky header at the top, where a reader first sees it
    time.sleep(0.3)  # smooth scrolling ends
    if whole:
        screenshot(driver, path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))  # what the screen shows first
    print(f"{path}  ({path.stat().st_size // 1024} KiB)")


def _shoot(driver: Any, url: str, path: Path, whole: bool = True) -> None:
    open_page(driver, url)
    _settle(driver)
    _save(driver, path, whole)


def _open_journal_entry(driver: Any) -> None:
    deadline = time.monotonic() + 20
    while not driver.execute_script("return document.querySelectorAll('#journal-rows [data-journal-entry]').length"):
        if time.monotonic() > deadline:
            raise SystemExit("the journal listed no request")
        time.sleep(0.1)
    driver.execute_script(
        "const rows = [...document.querySelectorAll('#journal-rows [data-journal-entry]')];"
        "(rows.find(b => b.textContent.includes('POST')) || rows[0]).click()"
    )
    time.sleep(0.1)
    wait_ready(driver)


def _journal_traffic(base: str, token: str) -> None:
    """A few requests of an integrator, for the journal to show."""
    with httpx.Client(base_url=f"{base}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        api.post("/users", json={"email": "new.hire@example.com", "firstName": "Aroha", "lastName": "Ngata"})
        api.get("/users/nobody@example.com")
        api.get("/offerings/current")


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver on loopback for the Event hub's screenshot: answers 200 with a small body."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b'{"received": true}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _hub_and_faults(base: str, token: str, receiver: str) -> None:
    """The Event hub on with a default endpoint and a few events delivered; a fault rule, for the sandbox page."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as api:
        document = {"enabled": True,
                    "defaultEndpoints": [{"url": f"{receiver}/webhooks", "headers": {"X-Receiver-Key": "demo"}}],
                    "events": {"page.viewed": {"enabled": False},
                               "badge.awarded": {"anonymous": True, "endpoints": [{"url": f"{receiver}/badges"}]}}}
        api.put("/event-hub/settings", json=document).raise_for_status()
        for kind in ("badge.awarded", "assessment.submitted"):
            api.post("/event-hub/test", json={"type": kind}).raise_for_status()
        api.post("/v1/users", json={"email": "hub.learner@example.com", "firstName": "Mere", "lastName": "Tane"})
        rule = {"match": {"method": "GET", "path": "/v1/offerings/{offeringId}/users"}, "status": 503,
                "retryAfter": 5, "probability": 0.25, "seed": 7, "times": 10}
        api.post("/_sandbox/faults", json=rule).raise_for_status()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            listed = api.get("/event-hub/deliveries").json()["deliveries"]
            if listed and all(d["status"] == "delivered" for d in listed):
                return
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args()
    out = Path(args.out)
    token = secrets.token_urlsafe(24)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = f"sqlite:///{tempfile.mkdtemp(prefix='oq-shots-')}/demo.db"
    command = [sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--token", token, "--db", db,
               "--port", str(port)]
    server = start(command, dict(os.environ))
    try:
        wait_server(f"{base}/ready", {}, server)
        with httpx.Client(base_url=f"{base}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
            offering, email = _pick(api)
        _journal_traffic(base, token)
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        _hub_and_faults(base, token, f"http://127.0.0.1:{receiver.server_address[1]}")
        search = f"{base}/console/search?q={email.split('.')[0]}"
        driver = launch(width=LAPTOP[0], height=LAPTOP[1])
        try:
            _shoot(driver, f"{base}/console", out / "console-sign-in.png")
            sign_in(driver, base, token)
            _settle(driver)
            _save(driver, out / "console-overview.png", whole=True)
            _shoot(driver, f"{base}/console/offerings/{offering}", out / "console-offering.png")
            _save(driver, out / "console-offering-top.png", whole=False)
            _shoot(driver, f"{base}/console/learners/{email}", out / "console-learner.png")
            _shoot(driver, search, out / "console-search.png")
            open_page(driver, f"{base}/console/sandbox")
            _open_journal_entry(driver)
            _save(driver, out / "console-sandbox.png", whole=True)
            open_page(driver, f"{base}/console/event-hub")
            _settle(driver)
            driver.execute_script("document.querySelector('#hub-deliveries .hub-attempts')?.setAttribute('open', '');"
                                  "document.querySelector('.action-bar').style.position = 'static'")  # a whole page
            _save(driver, out / "console-event-hub.png", whole=True)

            # The same pages on a phone: its first screen.
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True})
            _shoot(driver, f"{base}/console", out / "console-phone-overview.png", whole=False)
            _shoot(driver, f"{base}/console/offerings/{offering}#completion", out / "console-phone-offering.png",
                   whole=False)
            _shoot(driver, f"{base}/console/learners/{email}", out / "console-phone-learner.png", whole=False)
            open_page(driver, f"{base}/console/sandbox")
            _open_journal_entry(driver)
            driver.execute_script("document.getElementById('journal').scrollIntoView()")
            driver.save_screenshot(str(out / "console-phone-journal.png"))
            print(out / "console-phone-journal.png")
            _shoot(driver, f"{base}/console/event-hub", out / "console-phone-event-hub.png", whole=False)
        finally:
            driver.quit()
    finally:
        stop(server)


if __name__ == "__main__":
    main()
