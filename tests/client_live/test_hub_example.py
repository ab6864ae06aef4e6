"""The Event hub's worked example (docs/event-hub.md, docs/examples/badge_on_progress.py) runs as written: the
program as a process on loopback, real deliveries from the server, the badge awarded through the API only when
progress has reached 60 % and the case study is submitted, whichever comes last."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openqualify.client import Client, OfferingUser, RetryPolicy
from tests.fixtures.client_live import NOW, Org, Sandbox

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "docs" / "examples" / "badge_on_progress.py"
WAIT = 30.0
ANA, BEN = "ana.case@example.com", "ben.case@example.com"


class Program:
    def __init__(self, org: Org, secret: str) -> None:
        env = {**os.environ, "OPENQUALIFY_BASE_URL": org.base_url, "OPENQUALIFY_TOKEN": org.token,
               "OPENQUALIFY_HUB_SECRET": secret, "PYTHONUNBUFFERED": "1"}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, str(PROGRAM), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def line(self, pattern: str) -> str:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {WAIT} s; saw {self.seen}") from None
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT)


@pytest.fixture
def api(org: Org) -> Iterator[Client]:
    with Client(base_url=org.base_url, token=org.token, retry=RetryPolicy(max_retries=0)) as client:
        yield client


def test_the_docs_show_the_program_as_it_is() -> None:
    """docs/event-hub.md shows the program from its imports (`from __future__` must open a file, and the docs'
    snippets run as one) to its `__main__` part, unchanged."""
    program = PROGRAM.read_text()
    code = program.split("from __future__ import annotations\n\n", 1)[1].split("\n\nif __name__ ==", 1)[0]
    page = (ROOT / "docs" / "event-hub.md").read_text()
    assert f"```python\n{code.rstrip()}\n```" in page


def test_the_badge_is_awarded_at_60_percent_with_the_case_study(org: Org, api: Client, sandbox: Sandbox) -> None:
    course = sandbox.course("Warehouse Operations")
    pages = [sandbox.page(course["contentId"], f"Part {n}")["id"] for n in range(1, 6)]  # 20 % each
    badge = {"title": "Warehouse Practitioner", "description": "60 % of the course and the case study"}
    offering = api.offerings.create(start=NOW, content_id=course["contentId"], name="Warehouse T1", badge=badge).id
    assert offering is not None
    people = [OfferingUser(email=e, first_name=e.split(".")[0].title(), last_name="Case", send_invite=False)
              for e in (ANA, BEN)]  # fmt: skip
    assert api.offerings.add_users(offering, people).ok
    case_study = sandbox.assessment(offering, "assignment", "Case study: a warehouse layout")["id"]
    other = sandbox.assessment(offering, "assignment", "Reflection journal")["id"]

    secret = api.event_hub.settings().signing_secret or api.event_hub.rotate_signing_secret().signing_secret
    program = Program(org, secret)
    try:
        url = program.line(r"^listening on http://127\.0\.0\.1:\d+/$").split()[-1]
        own = {"endpoints": [{"url": url}]}
        api.event_hub.patch_settings({"enabled": True, "events": {"page.viewed": own, "assessment.submitted": own}})

        for page in pages[:2]:
            sandbox.page_progress(offering, ANA, page)
        program.line(rf"^page\.viewed evt_\S+: {ANA} at 40 %$")
        sandbox.submission(offering, case_study, ANA, status="submitted")
        program.line(rf"^assessment\.submitted evt_\S+: {ANA} at 40 %$")
        assert api.badges.for_user(ANA) == []

        for page in pages[:3]:  # Ben reaches 60 % without the case study; another task is not it
            sandbox.page_progress(offering, BEN, page)
        sandbox.submission(offering, other, BEN, status="submitted")
        program.line(rf"^assessment\.submitted evt_\S+: {BEN} at 60 %, case study not submitted$")

        sandbox.page_progress(offering, ANA, pages[2])  # Ana reaches 60 %: both criteria hold
        awarded = program.line(rf"^page\.viewed evt_\S+: {ANA} at 60 % with the case study: badge \S+ awarded$")

        [mine] = api.badges.for_user(ANA)
        assert (mine.offering_id, mine.title) == (offering, "Warehouse Practitioner")
        assert api.badges.for_user(BEN) == []
        events = list(api.event_hub.iter_events(type="badge.awarded"))
        assert [e.data["user"]["email"] for e in events] == [ANA]  # the award raised its own event
        assert awarded.split()[-2] == events[0].data["badge"]["id"]
    finally:
        program.stop()
