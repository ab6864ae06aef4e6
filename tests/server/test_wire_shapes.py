"""Every GET of `/v1` answers exactly its declared `response_model`, as FastAPI would have serialised it.

Read routes build their JSON from rows (`kit.reads`, `kit.json_rows`) without passing through the response model;
this test proves the bytes are the same shape: for each GET route, on the demo organisation with real ids, the
answer validates against the route's `response_model`, and dumping that model (absent values left out, as every
route does) gives back exactly the answer. The contract check of the `Api` fixture runs on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from openqualify.server.offerings.schemas import OfferingOut
from tests.fixtures.api import Api


@pytest.fixture
def demo(new_api: Callable[[], Api]) -> tuple[Api, dict[str, str]]:
    api = new_api()
    assert api.sandbox.post("/demo").status_code == 201
    current = api.get("/offerings/current").json()
    offering = next(o for o in current if api.get(f"/offerings/{o['id']}/badges").is_success)
    oid = offering["id"]
    assessments = api.get(f"/offerings/{oid}/assessments").json()
    members = api.get(f"/offerings/{oid}/users").json()
    mappings = api.get("/course-mappings").json()
    channels = api.get(f"/offerings/{oid}/channels").json()
    group_channel = next(
        c["id"] for c in channels if api.get(f"/offerings/{oid}/channels/{c['id']}/learners").status_code == 200
    )
    ids = {
        "offeringId": oid,
        "contentId": offering["contentId"],
        "channelId": channels[0]["id"],
        "groupChannelId": group_channel,
        "groupId": api.get(f"/offerings/{oid}/groups").json()[0]["id"],
        "pulseId": api.get(f"/offerings/{oid}/analytics/pulses").json()[0],
        "userEmail": next(m["email"] for m in members if not m["isFacilitator"] and not m["isMarker"]),
        "markerEmail": next(m["email"] for m in members if m["isMarker"]),
        "assignment": next(a["id"] for a in assessments if a["type"] == "assignment"),
        "open-response": next(a["id"] for a in assessments if a["type"] == "open-response"),
        "externalCourseId": next(iter(mappings.values())),
        "textPattern": offering["name"][:5],
    }
    return api, ids


def _get_routes(app: FastAPI) -> list[APIRoute]:
    return [
        route for route in app.routes
        if isinstance(route, APIRoute) and "GET" in route.methods and route.path.startswith("/v1/")
        and route.response_model is not None
    ]


def _fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "assessmentId":
            name = "open-response" if "open-response" in path else "assignment"
        if name == "channelId" and path.endswith("/learners"):
            name = "groupChannelId"
        return quote(ids[name], safe="")

    return re.sub(r"\{(\w+)\}", value, path.removeprefix("/v1"))


def test_every_get_answers_its_response_model_exactly(app: FastAPI, demo: tuple[Api, dict[str, str]]) -> None:
    api, ids = demo
    checked = []
    for route in _get_routes(app):
        path = _fill(route.path, ids)
        response = api.get(path)
        assert response.status_code == 200, (route.path, response.text)
        raw = response.json()
        adapter = TypeAdapter(route.response_model)
        assert adapter.dump_python(adapter.validate_python(raw), exclude_none=True, mode="json") == raw, route.path
        checked.append(route.path)
    assert len(checked) >= 40, checked


def test_single_offering_reads_match_their_model_for_every_offering(demo: tuple[Api, dict[str, str]]) -> None:
    """Every demo offering, plus a bare one (no metadata, no end): absent values are left out the same way."""
    api, ids = demo
    bare = api.post("/offerings", json={"contentId": ids["contentId"], "start": "2031-01-01T00:00:00Z"})
    assert bare.status_code == 201, bare.text
    adapter = TypeAdapter(OfferingOut)
    for offering in api.get("/offerings").json():
        raw = api.get(f"/offerings/{offering['id']}").json()
        assert raw == offering  # the read path and the list (built through the model) agree
        assert adapter.dump_python(adapter.validate_python(raw), exclude_none=True, mode="json") == raw
