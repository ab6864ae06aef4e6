"""`openqualify hub`: how `listen` adds and removes its endpoint (merge patches of the lists it touches only, so
other receivers' routing stays as it was), and the one-shot commands' requests and output, on a `MockTransport`.
The live run (`listen` as a process, real deliveries) is in tests/client_live/test_cli_hub.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openqualify.cli.api.hub import add_endpoint, remove_endpoint
from tests.fixtures.cli import Cli
from tests.fixtures.sdk import Recorder, body_of

ME = "http://127.0.0.1:5000/openqualify-hub-listen/abc"
THEIRS = {"url": "https://hooks.example.com/iq", "enabled": True, "headers": {"X-Key": "k"}}
BADGES = {"url": "https://zapier.example.com/badges", "enabled": True, "headers": {}}


def settings(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "enabled": True,
        "defaultEndpoints": [THEIRS],
        "events": {
            "badge.awarded": {"enabled": True, "anonymous": False, "endpoints": [BADGES]},
            "user.created": {"enabled": True, "anonymous": False, "endpoints": []},
            "page.viewed": {"enabled": False, "anonymous": False, "endpoints": []},
        },
        "signingSecret": "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MDE=",
    }
    document.update(changes)
    return document


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def mine(**fields: Any) -> dict[str, Any]:
    return {"url": ME, "enabled": True, "headers": {}, **fields}


def test_every_type_adds_a_default_endpoint_after_the_others(recorder: Recorder) -> None:
    recorder.reply(200, settings()).reply(200, settings())
    add_endpoint(recorder.client().event_hub, ME, None)
    patch = recorder.requests[1]
    assert (patch.method, patch.url.path) == ("PATCH", "/event-hub/settings")
    assert body_of(patch) == {"defaultEndpoints": [THEIRS, mine()]}


def test_some_types_join_their_own_lists_or_the_defaults(recorder: Recorder) -> None:
    recorder.reply(200, settings()).reply(200, settings())
    add_endpoint(recorder.client().event_hub, ME, ["badge.awarded"])
    assert body_of(recorder.requests[1]) == {"events": {"badge.awarded": {"endpoints": [BADGES, mine()]}}}

    recorder.requests.clear()
    add_endpoint(recorder.client().event_hub, ME, ["badge.awarded", "user.created"])
    assert body_of(recorder.requests[1]) == {
        "defaultEndpoints": [THEIRS, mine()],  # user.created goes to the defaults: a first own endpoint would not
        "events": {"badge.awarded": {"endpoints": [BADGES, mine()]}},
    }


def test_removal_takes_out_only_this_listener(recorder: Recorder) -> None:
    other_listener = {"url": "http://127.0.0.1:5001/openqualify-hub-listen/xyz", "enabled": True, "headers": {}}
    current = settings(defaultEndpoints=[THEIRS, mine(failing=False), other_listener])
    current["events"]["badge.awarded"]["endpoints"] = [BADGES, mine()]
    recorder.reply(200, current).reply(200, settings())
    assert remove_endpoint(recorder.client().event_hub, ME) is True
    assert body_of(recorder.requests[1]) == {
        "defaultEndpoints": [THEIRS, other_listener],
        "events": {"badge.awarded": {"endpoints": [BADGES]}},
    }
    recorder.requests.clear()
    recorder.responses = []
    recorder.reply(200, settings())
    assert remove_endpoint(recorder.client().event_hub, ME) is False  # already gone: nothing sent
    assert [r.method for r in recorder.requests] == ["GET"]


def test_trigger_events_and_settings_output(cli: Cli) -> None:
    event = {"id": "evt_1", "type": "badge.awarded", "timestamp": "2026-03-02T09:00:00.000Z", "test": True,
             "data": {"user": {"email": "sample.learner@example.com"}}}  # fmt: skip
    cli.recorder.reply(201, {"event": event, "deliveries": []})
    result = cli("hub", "trigger", "badge.awarded")
    assert result.exit_code == 0
    assert result.stdout == "Sent test event evt_1 (badge.awarded) to 0 endpoints (no endpoint receives this type)\n"
    assert body_of(cli.recorder.last) == {"type": "badge.awarded"}

    cli.recorder.reply(200, {"events": [event], "next": "41"})
    result = cli.piped("hub", "events", "--type", "badge.awarded,quiz.attempted", "--after", "40", "--limit", "5")
    assert result.exit_code == 0
    assert result.stdout == (
        "Time\tType\tID\tUser\tTest\n2026-03-02T09:00:00.000Z\tbadge.awarded\tevt_1\tsample.learner@example.com\ttest\n"
    )
    assert result.stderr == "Next cursor: 41 (--after 41)\n"
    assert cli.recorder.last.url.query == b"after=40&type=badge.awarded%2Cquiz.attempted&limit=5"

    cli.recorder.reply(200, settings())
    result = cli.piped("hub", "settings")
    assert result.exit_code == 0
    assert result.stdout.startswith("Event hub: on\nSigning secret: whsec_c2Vj...\nFor\tURL\tEnabled\tState\tHeaders\n")
    assert "(default)\thttps://hooks.example.com/iq\ttrue\t\tX-Key\n" in result.stdout
    assert (
        "page.viewed\tfalse\tfalse\tdefault\n" in result.stdout and "badge.awarded\ttrue\tfalse\t1\n" in result.stdout
    )
    cli.recorder.reply(200, settings())
    assert json.loads(cli("hub", "settings", "--json").stdout)["signingSecret"].startswith("whsec_")


def test_redeliver_needs_an_event_or_a_range(cli: Cli) -> None:
    result = cli("hub", "redeliver")
    assert result.exit_code == 1 and "give an event id, or --since" in result.stderr
    assert cli.recorder.requests == []
    cli.recorder.reply(202, {"redelivered": 3})
    result = cli("hub", "redeliver", "--since", "2026-03-01T00:00:00Z", "--status", "retrying", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"redelivered": 3}
    assert body_of(cli.recorder.last) == {"since": "2026-03-01T00:00:00Z", "status": "retrying"}
    cli.recorder.reply(409, {"name": "HubDisabledError", "details": "The Event hub is off"})
    result = cli("hub", "redeliver", "evt_1")
    assert result.exit_code == 2 and result.stderr == "Error: HubDisabledError (409): The Event hub is off\n"
    assert cli.recorder.last.url.path == "/event-hub/events/evt_1/redeliver"
