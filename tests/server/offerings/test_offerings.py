"""`/offerings`: creation rules, merge-patch, time buckets, metadata PUTs, isolation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member, make_course, publish_version

NOW = "2030-06-15T12:00:00.000Z"


@pytest.fixture
def clock(api: Api) -> str:
    """Freeze the organisation's clock at NOW."""
    assert api.sandbox.put("/clock", json={"now": NOW}).status_code == 200
    return NOW


def create(api: Api, course: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"rootContentId": course["rootContentId"], "start": "2030-06-01T00:00:00Z", **fields}
    response = api.post("/offerings", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def fails(response: Any, name: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert error_name(response) == name, response.text
    return str(response.json()["details"])


# --- POST ---------------------------------------------------------------------------------------------


def test_create_with_root_content_uses_latest_version_and_course_defaults(api: Api) -> None:
    course = make_course(api, "Forklift Safety", coverImageUrl="https://img.example/c.png", tasksEnabled=False)
    v2 = publish_version(api, course["rootContentId"])
    created = create(
        api,
        course,
        identifier="FS-101",
        end="2030-07-01T00:00:00+02:00",
        metadata={"category": "Safety", "tags": ["a", "b"]},
        description="Learn to drive a forklift",
        overview="<p>Hi</p>",
        trailerVideoUrl="https://video.example/t",
        isReadonly=True,
    )
    assert created["contentId"] == v2["contentId"] != course["rootContentId"]
    assert created["name"] == "Forklift Safety"  # defaults to the course name
    assert created["tasksEnabled"] is False
    assert created["coverImageUrl"] == "https://img.example/c.png"
    assert created["end"] == "2030-06-30T22:00:00.000Z"
    assert created["start"] == "2030-06-01T00:00:00.000Z"
    assert created["metadata"] == {"category": "Safety", "tags": ["a", "b"], "rootContentId": course["rootContentId"]}
    assert created["isReadonly"] is True
    assert created["useRelativeDates"] is False
    assert created["hasEarlyCloseOff"] is False
    assert "badge" not in created and "earlyCloseOffDate" not in created
    assert api.get(f"/offerings/{created['id']}").json() == created


def test_create_with_content_id_uses_that_version(api: Api) -> None:
    course = make_course(api)
    publish_version(api, course["rootContentId"])
    created = create(api, course, rootContentId=None, contentId=course["rootContentId"], name="Mine")
    assert created["contentId"] == course["rootContentId"]
    assert created["name"] == "Mine"


def test_content_rules(api: Api) -> None:
    course = make_course(api)
    other = make_course(api, "Other")
    draft = make_course(api, "Draft", publish=False)
    start = "2030-06-01T00:00:00Z"
    details = fails(api.post("/offerings", json={"start": start}), "InvalidContentError")
    assert details == "You need to specify content_id or rootContentId."
    details = fails(api.post("/offerings", json={"start": start, "contentId": "nope"}), "ObjectNotFoundError", 404)
    assert details == "The content nope was not found."
    fails(api.post("/offerings", json={"start": start, "rootContentId": "nope"}), "ObjectNotFoundError", 404)
    fails(
        api.post(
            "/offerings",
            json={"start": start, "contentId": course["contentId"], "rootContentId": other["rootContentId"]},
        ),
        "IncompatibleParametersError",
    )
    fails(api.post("/offerings", json={"start": start, "rootContentId": draft["rootContentId"]}), "InvalidContentError")
    fails(api.post("/offerings", json={"start": start, "contentId": draft["draftId"]}), "InvalidContentError")
    assert api.get("/offerings").json() == []  # nothing was created


def test_date_rules(api: Api) -> None:
    course = make_course(api)
    cases = [
        {"end": "2030-05-01T00:00:00Z"},
        {"hasEarlyCloseOff": True},
        {"hasEarlyCloseOff": False, "earlyCloseOffDate": "2030-06-10T00:00:00Z"},
        {"earlyCloseOffDate": "2030-05-10T00:00:00Z", "end": "2030-07-01T00:00:00Z"},
        {"earlyCloseOffDate": "2030-07-10T00:00:00Z", "end": "2030-07-01T00:00:00Z"},
    ]
    for extra in cases:
        body = {"rootContentId": course["rootContentId"], "start": "2030-06-01T00:00:00Z", **extra}
        fails(api.post("/offerings", json=body), "IncompatibleParametersError")
    assert api.get("/offerings").json() == []
    created = create(api, course, earlyCloseOffDate="2030-06-20T00:00:00Z", end="2030-07-01T00:00:00Z")
    assert created["hasEarlyCloseOff"] is True
    assert created["earlyCloseOffDate"] == "2030-06-20T00:00:00.000Z"
    no_end = create(api, course, hasEarlyCloseOff=True, earlyCloseOffDate="2031-01-01T00:00:00Z")
    assert "end" not in no_end


def test_badge_rules(api: Api, sync_engine: Any) -> None:
    course = make_course(api)
    details = fails(
        api.post(
            "/offerings",
            json={"rootContentId": course["rootContentId"], "start": "2030-06-01T00:00:00Z", "badge": {}},
        ),
        "MissingInfoError",
    )
    assert details == "The field 'Offering Badge' is missing or invalid."
    bad_expiries = [
        {"expires": True},
        {"expiryType": "date"},
        {"expiryType": "timeframe", "timeframeUnit": "days"},
        {"expiryType": "timeframe", "timeframeAmount": 0, "timeframeUnit": "days"},
        {"expiryType": "timeframe", "timeframeAmount": 3},
    ]
    for expiry in bad_expiries:
        body = {
            "rootContentId": course["rootContentId"],
            "start": "2030-06-01T00:00:00Z",
            "badge": {"title": "B", "badgeExpiry": expiry},
        }
        fails(api.post("/offerings", json=body), "MissingInfoError")
    assert api.get("/offerings").json() == []
    created = create(
        api,
        course,
        badge={
            "title": "Safe driver",
            "requiresApproval": True,
            "badgeExpiry": {"expires": True, "expiryType": "timeframe", "timeframeAmount": 2, "timeframeUnit": "years"},
        },
    )
    assert "badge" not in created
    with sync_engine.connect() as conn:
        row = conn.execute(
            text("SELECT title, requires_approval, expires, expiry_type, timeframe_amount, timeframe_unit, id "
                 "FROM offering_badges WHERE offering_id = :o"),
            {"o": created["id"]},
        ).one()
    assert tuple(row[:6]) == ("Safe driver", True, True, "timeframe", 2, "years")
    assert len(row[6]) == 20


def test_bad_bodies_are_schema_errors(api: Api) -> None:
    course = make_course(api)
    root = course["rootContentId"]
    cases: list[Any] = [
        {"rootContentId": root},
        {"rootContentId": root, "start": "yesterday"},
        {"rootContentId": root, "start": "2030-06-01"},
        {"rootContentId": root, "start": "2030-06-01T00:00:00Z", "name": ""},
        {"rootContentId": root, "start": "2030-06-01T00:00:00Z", "isReadonly": "true"},
        {"rootContentId": root, "start": "2030-06-01T00:00:00Z", "metadata": {"other": 1}},
        {"rootContentId": root, "start": "2030-06-01T00:00:00Z", "metadata": {"tags": "x"}},
        {"rootContentId": root, "start": "2030-06-01T00:00:00Z", "badge": {"title": "t", "x": 1}},
        {"rootContentId": root, "start": "2030-06-01T00:00:00Z", "badge": {"title": "t", "badgeExpiry": {
            "expiryType": "week"}}},
        {"rootContentId": 5, "start": "2030-06-01T00:00:00Z"},
        [],
    ]
    for body in cases:
        fails(api.post("/offerings", json=body), "SchemaValidationError")
    assert api.get("/offerings").json() == []


def test_create_default_channels_and_relative_dates(api: Api) -> None:
    course = make_course(api)
    created = create(api, course, createDefaultChannels=True, useRelativeDates=True)
    assert created["useRelativeDates"] is True
    channels = api.get(f"/offerings/{created['id']}/channels")
    assert channels.status_code == 200, channels.text
    assert len(channels.json()) == 2  # "General" and "Facilitator support" (channels.defaults)
    plain = create(api, course)
    assert plain["useRelativeDates"] is False
    assert api.get(f"/offerings/{plain['id']}/channels").json() == []


def test_badge_is_readable_through_badges(api: Api) -> None:
    course = make_course(api)
    created = create(api, course, badge={"title": "Safe driver", "description": "Drives safely"})
    response = api.get(f"/offerings/{created['id']}/badges")
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Safe driver"


# --- buckets --------------------------------------------------------------------------------------------


def test_current_past_future_partition(api: Api, clock: str) -> None:
    course = make_course(api)
    past = create(api, course, name="past", start="2030-01-01T00:00:00Z", end="2030-06-15T11:59:59.999Z")
    ends_now = create(api, course, name="ends now", start="2030-01-01T00:00:00Z", end=NOW)
    starts_now = create(api, course, name="starts now", start=NOW, end="2030-12-01T00:00:00Z")
    open_ended = create(api, course, name="open", start="2029-01-01T00:00:00Z")
    future = create(api, course, name="future", start="2030-06-15T12:00:00.001Z")

    def names(path: str) -> list[str]:
        response = api.get(path)
        assert response.status_code == 200
        return [o["name"] for o in response.json()]

    assert names("/offerings/past") == ["past"]
    assert names("/offerings/current") == ["open", "ends now", "starts now"]
    assert names("/offerings/future") == ["future"]
    assert names("/offerings") == ["open", "past", "ends now", "starts now", "future"]
    assert {past["id"], ends_now["id"], starts_now["id"], open_ended["id"], future["id"]} == {
        o["id"] for o in api.get("/offerings").json()
    }
    api.sandbox.post("/clock/advance", json={"days": 365})
    assert names("/offerings/past") == ["past", "ends now", "starts now"]
    assert names("/offerings/future") == []


# --- GET / PATCH ----------------------------------------------------------------------------------------


def test_get_unknown_and_other_org(api: Api, other_api: Api) -> None:
    created = create(api, make_course(api))
    details = fails(api.get("/offerings/nope"), "ObjectNotFoundError", 404)
    assert details == "The offering nope was not found."
    fails(other_api.get(f"/offerings/{created['id']}"), "ObjectNotFoundError", 404)
    fails(other_api.patch(f"/offerings/{created['id']}", json={"name": "x"}), "ObjectNotFoundError", 404)
    fails(
        other_api.put(f"/offerings/{created['id']}/metadata/topic", json={"topic": "x"}), "ObjectNotFoundError", 404
    )
    assert other_api.get("/offerings").json() == []
    assert other_api.get("/offerings/summary").json() == []
    assert api.get(f"/offerings/{created['id']}").json()["name"] == created["name"]


def test_patch_merges_and_null_clears(api: Api, clock: str) -> None:
    course = make_course(api)
    created = create(
        api,
        course,
        identifier="ID-1",
        description="desc",
        end="2030-08-01T00:00:00Z",
        earlyCloseOffDate="2030-07-01T00:00:00Z",
        metadata={"category": "c", "level": "l", "tags": ["t"], "topic": "p"},
    )
    oid = created["id"]
    response = api.patch(f"/offerings/{oid}", json={"name": "Renamed", "metadata": {"tags": ["x", "y"]}})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "Renamed"
    assert patched["identifier"] == "ID-1"
    assert patched["description"] == "desc"
    assert patched["metadata"] == {
        "category": "c", "level": "l", "tags": ["x", "y"], "topic": "p", "rootContentId": course["rootContentId"]
    }
    cleared = api.patch(f"/offerings/{oid}", json={"earlyCloseOffDate": None, "end": None, "description": None})
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert "end" not in body and "earlyCloseOffDate" not in body and "description" not in body
    assert body["hasEarlyCloseOff"] is False
    again = api.patch(f"/offerings/{oid}", json={"hasEarlyCloseOff": True, "earlyCloseOffDate": "2030-06-02T00:00:00Z"})
    assert again.json()["hasEarlyCloseOff"] is True
    off = api.patch(f"/offerings/{oid}", json={"hasEarlyCloseOff": False}).json()
    assert off["hasEarlyCloseOff"] is False and "earlyCloseOffDate" not in off
    assert api.get(f"/offerings/{oid}").json() == off


def test_patch_validations_change_nothing(api: Api, clock: str) -> None:
    course = make_course(api)
    other = make_course(api, "Other")
    created = create(api, course, start="2030-07-01T00:00:00Z", end="2030-08-01T00:00:00Z")
    oid = created["id"]
    bad = [
        ({"end": "2030-06-01T00:00:00Z"}, "IncompatibleParametersError"),
        ({"start": "2030-09-01T00:00:00Z"}, "IncompatibleParametersError"),
        ({"hasEarlyCloseOff": True}, "IncompatibleParametersError"),
        ({"earlyCloseOffDate": "2030-09-01T00:00:00Z"}, "IncompatibleParametersError"),
        ({"rootContentId": other["rootContentId"]}, "IncompatibleParametersError"),
        ({"contentId": other["contentId"]}, "IncompatibleParametersError"),
        ({"contentId": "nope"}, "ObjectNotFoundError"),
        ({"name": None}, "SchemaValidationError"),
        ({"start": None}, "SchemaValidationError"),
        ({"badge": None}, "SchemaValidationError"),
        ({"name": ""}, "SchemaValidationError"),
        ({"end": "soon"}, "SchemaValidationError"),
        ({"metadata": {"tags": [1]}}, "SchemaValidationError"),
        ({"badge": {"description": "no title"}}, "MissingInfoError"),
    ]
    for body, name in bad:
        response = api.patch(f"/offerings/{oid}", json={"name": "Changed", **body} if "name" not in body else body)
        assert error_name(response) == name, (body, response.text)
    assert api.get(f"/offerings/{oid}").json() == created


def test_patch_content_within_the_same_course(api: Api) -> None:
    course = make_course(api)
    created = create(api, course)
    v2 = publish_version(api, course["rootContentId"])
    moved = api.patch(f"/offerings/{created['id']}", json={"rootContentId": course["rootContentId"]}).json()
    assert moved["contentId"] == v2["contentId"]
    back = api.patch(f"/offerings/{created['id']}", json={"contentId": course["contentId"]}).json()
    assert back["contentId"] == course["contentId"]


def test_patch_badge_rules(api: Api, clock: str) -> None:
    course = make_course(api)
    future = create(api, course, start="2030-07-01T00:00:00Z")
    started = create(api, course, start="2030-06-01T00:00:00Z")
    with_badge = create(api, course, start="2030-07-01T00:00:00Z", badge={"title": "B"})
    ok = api.patch(f"/offerings/{future['id']}", json={"badge": {"title": "New badge"}})
    assert ok.status_code == 200, ok.text
    details = fails(api.patch(f"/offerings/{with_badge['id']}", json={"badge": {"title": "x"}}), "ObjectExistsError")
    assert details == f"The badge already exists in the offering {with_badge['id']}."
    fails(api.patch(f"/offerings/{future['id']}", json={"badge": {"title": "again"}}), "ObjectExistsError")
    fails(api.patch(f"/offerings/{started['id']}", json={"badge": {"title": "late"}}), "IncompatibleParametersError")


def test_relative_dates_toggle_needs_no_learners(api: Api, sync_engine: Any) -> None:
    course = make_course(api)
    staff_only = create(api, course)
    insert_member(sync_engine, api, staff_only["id"], "fac@example.com", facilitator=True)
    toggled = api.patch(f"/offerings/{staff_only['id']}", json={"useRelativeDates": True})
    assert toggled.status_code == 200 and toggled.json()["useRelativeDates"] is True
    with_learner = create(api, course)
    insert_member(sync_engine, api, with_learner["id"], "learner@example.com")
    fails(api.patch(f"/offerings/{with_learner['id']}", json={"useRelativeDates": True}), "IncompatibleParametersError")
    same = api.patch(f"/offerings/{with_learner['id']}", json={"useRelativeDates": False, "isReadonly": True})
    assert same.status_code == 200 and same.json()["isReadonly"] is True


# --- metadata PUTs --------------------------------------------------------------------------------------


def test_metadata_puts_replace_one_field(api: Api) -> None:
    course = make_course(api)
    oid = create(api, course, metadata={"category": "c", "tags": ["a"], "topic": "t"})["id"]
    for field, value in (("category", "Cat"), ("level", "Advanced"), ("tags", ["x", "y"]), ("topic", "Top")):
        response = api.put(f"/offerings/{oid}/metadata/{field}", json={field: value})
        assert response.status_code == 200, response.text
        assert response.json()["metadata"][field] == value
    assert api.get(f"/offerings/{oid}").json()["metadata"] == {
        "category": "Cat", "level": "Advanced", "tags": ["x", "y"], "topic": "Top",
        "rootContentId": course["rootContentId"],
    }
    replaced = api.put(f"/offerings/{oid}/metadata/tags", json={"tags": ["only"]}).json()
    assert replaced["metadata"]["tags"] == ["only"]


def test_metadata_put_errors(api: Api) -> None:
    course = make_course(api)
    oid = create(api, course, metadata={"category": "c"})["id"]
    fails(api.put(f"/offerings/{oid}/metadata/category", json={"category": "x", "level": "y"}), "SchemaValidationError")
    fails(api.put(f"/offerings/{oid}/metadata/category", json={"category": 1}), "SchemaValidationError")
    fails(api.put(f"/offerings/{oid}/metadata/tags", json={"tags": "a"}), "SchemaValidationError")
    fails(api.put(f"/offerings/{oid}/metadata/level", json={"level": ["a"]}), "SchemaValidationError")
    fails(api.put("/offerings/nope/metadata/topic", json={"topic": "x"}), "ObjectNotFoundError", 404)
    assert api.get(f"/offerings/{oid}").json()["metadata"] == {"category": "c", "tags": [],
                                                              "rootContentId": course["rootContentId"]}
