"""Award an offering's badge when a learner's progress reaches 60 % and their case study is submitted.

iQualify's help centre builds this automation with Zapier ("Awarding a badge using specific criteria"); here it
is a small receiver of the Event hub's deliveries that uses the SDK. Register its URL as the endpoint of
`page.viewed` and `assessment.submitted` (progress moves with page views, the case study arrives as a
submission), then run it:

    OPENQUALIFY_BASE_URL=http://127.0.0.1:8000/v1 OPENQUALIFY_TOKEN=... OPENQUALIFY_HUB_SECRET=whsec_... \
        python docs/examples/badge_on_progress.py --port 8787

Each event is checked with the hub's signature, handled once (deliveries are at least once: de-duplicate on the
event id), and decided on the API's current state, so the order in which deliveries arrive does not matter.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openqualify.client import Client, IQualifyError
from openqualify.client.event_hub import Event
from openqualify.client.webhooks import WebhookVerificationError, verify

THRESHOLD = 60  # per cent
CASE_STUDY = "case study"  # an assessment whose title contains this (any case)
WATCHED = ("page.viewed", "assessment.submitted")


def is_case_study(title: str | None) -> bool:
    return CASE_STUDY in (title or "").lower()


def case_study_submitted(client: Client, offering_id: str, email: str) -> bool:
    case_studies = [a.id for a in client.assessments.list(offering_id) if a.id and is_case_study(a.title)]
    return any(client.analytics.learner_submission(offering_id, email, one) for one in case_studies)


def decide(client: Client, event: Event) -> str:
    """Award the badge if both criteria hold now; what was decided, in a few words."""
    user, offering = event.data.get("user"), event.data.get("offering")
    if event.type not in WATCHED or not user or not offering:  # anonymous events name nobody
        return "ignored"
    email, offering_id = user["email"], offering["id"]
    completion = int(client.progress.user_offering(email, offering_id).completion or 0)
    if completion < THRESHOLD:
        return f"{email} at {completion} %"
    submitted = event.type == "assessment.submitted" and is_case_study(event.data["assessment"]["title"])
    if not submitted and not case_study_submitted(client, offering_id, email):
        return f"{email} at {completion} %, case study not submitted"
    award = client.badges.award(offering_id, email)  # awarding again changes nothing
    return f"{email} at {completion} % with the case study: badge {award.badge_id} awarded"


class Automation:
    """The receiver: verify, de-duplicate, decide; a failure answers 503 so that the hub delivers again."""

    def __init__(self, client: Client, secret: str) -> None:
        self.client, self.secret = client, secret
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def handle(self, body: bytes, headers: Mapping[str, str]) -> int:
        try:
            event = verify(body, headers, self.secret)
        except WebhookVerificationError:
            return 401
        with self.lock:
            if event.id in self.seen:
                return 200
            self.seen.add(event.id)
        try:
            outcome = decide(self.client, event)
        except IQualifyError as error:
            with self.lock:
                self.seen.discard(event.id)
            self.report(f"{event.type} {event.id}: failed ({error}), the hub will deliver it again")
            return 503
        self.report(f"{event.type} {event.id}: {outcome}")
        return 200

    def report(self, line: str) -> None:
        with self.lock:  # deliveries arrive concurrently: one whole line at a time
            print(line, flush=True)

    def serve(self, port: int = 0) -> ThreadingHTTPServer:
        """Receive on 127.0.0.1:`port` in a background thread; `server.server_address` says where."""
        automation = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(automation.handle(body, dict(self.headers.items())))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8787)
    port = parser.parse_args().port
    with Client() as api:  # OPENQUALIFY_BASE_URL and OPENQUALIFY_TOKEN
        server = Automation(api, os.environ["OPENQUALIFY_HUB_SECRET"]).serve(port)
        print(f"listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            server.shutdown()
