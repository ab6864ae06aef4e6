#!/usr/bin/env python3
"""Screenshots of every console page for docs/console.md, taken in headless Chromium from a fresh demo server.

Usage: .venv/bin/python scripts/console_screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._browser import launch, open_page, screenshot, sign_in  # noqa: E402
from bench._server import free_port, start, stop, wait_ready  # noqa: E402


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


def _shoot(driver: Any, url: str, path: Path) -> None:
    open_page(driver, url)
    screenshot(driver, path)
    print(f"{path}  ({path.stat().st_size // 1024} KiB)")


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
        wait_ready(f"{base}/ready", {}, server)
        with httpx.Client(base_url=f"{base}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
            offering, email = _pick(api)
        driver = launch(width=1440, height=900)
        try:
            _shoot(driver, f"{base}/console", out / "console-sign-in.png")
            sign_in(driver, base, token)
            screenshot(driver, out / "console-overview.png")
            print(out / "console-overview.png")
            _shoot(driver, f"{base}/console/offerings/{offering}", out / "console-offering.png")
            driver.save_screenshot(str(out / "console-offering-top.png"))  # what a laptop screen shows first
            _shoot(driver, f"{base}/console/learners/{email}", out / "console-learner.png")
            _shoot(driver, f"{base}/console/sandbox", out / "console-sandbox.png")
        finally:
            driver.quit()
    finally:
        stop(server)


if __name__ == "__main__":
    main()
