"""`/offerings/summary` ($top, $orderby, $filter) and `/offerings/info/{textPattern}`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member, make_course


def create(api: Api, course: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"rootContentId": course["rootContentId"], **fields}
    response = api.post("/offerings", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def seed(api: Api, engine: Engine) -> dict[str, dict[str, Any]]:
    safety = make_course(api, "Workplace Safety")
    first_aid = make_course(api, "First Aid")
    made = {
        "a": create(api, safety, name="Safety Jan", identifier="SAF-01", start="2024-01-10T00:00:00Z",
                    end="2024-03-01T00:00:00Z"),
        "b": create(api, safety, name="Safety Jun", identifier="SAF-06", start="2024-06-10T00:00:00Z"),
        "c": create(api, first_aid, name="First Aid Mar", identifier="FA-03", start="2024-03-10T00:00:00Z",
                    end="2024-12-31T00:00:00Z"),
    }
    for i in range(3):
        insert_member(engine, api, made["b"]["id"], f"learner{i}@example.com")
    insert_member(engine, api, made["b"]["id"], "fac@example.com", facilitator=True)
    insert_member(engine, api, made["b"]["id"], "coach@example.com", marker=True)
    insert_member(engine, api, made["c"]["id"], "learner0@example.com")
    return made


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()]


def test_summary_projection_and_default_order(api: Api, sync_engine: Engine) -> None:
    made = seed(api, sync_engine)
    rows = api.get("/offerings/summary").json()
    assert [r["name"] for r in rows] == ["Safety Jan", "First Aid Mar", "Safety Jun"]
    jun = rows[2]
    assert jun == {
        "id": made["b"]["id"],
        "name": "Safety Jun",
        "contentId": made["b"]["contentId"],
        "start": "2024-06-10T00:00:00.000Z",
        "info": "SAF-06 Safety Jun",
        "learnersCount": 3,  # facilitators and coaches are not counted
        "metadata": {"rootContentId": made["b"]["metadata"]["rootContentId"]},
    }
    assert rows[0]["learnersCount"] == 0 and rows[0]["end"] == "2024-03-01T00:00:00.000Z"


def test_summary_filter_orderby_top(api: Api, sync_engine: Engine) -> None:
    made = seed(api, sync_engine)
    get = api.get
    assert names(get("/offerings/summary", params={"$filter": "learnersCount gt 0"})) == ["First Aid Mar", "Safety Jun"]
    assert names(get("/offerings/summary", params={"$orderby": "learnersCount desc"})) == [
        "Safety Jun", "First Aid Mar", "Safety Jan"
    ]
    assert names(get("/offerings/summary", params={"$filter": "contains(name,'safety') and learnersCount eq 0"})) == [
        "Safety Jan"
    ]
    root = made["c"]["metadata"]["rootContentId"]
    assert names(get("/offerings/summary", params={"$filter": f"metadata/rootContentId eq '{root}'"})) == [
        "First Aid Mar"
    ]
    ranged = {"$filter": "start ge 2024-02-01T00:00:00Z and end le 2024-12-31T23:59:59Z", "$orderby": "start desc"}
    assert names(get("/offerings/summary", params=ranged)) == ["First Aid Mar"]
    assert names(get("/offerings/summary", params={"$filter": "end eq null"})) == ["Safety Jun"]
    assert names(get("/offerings/summary", params={"$top": "2", "$orderby": "name desc"})) == [
        "Safety Jun", "Safety Jan"
    ]
    assert names(get("/offerings/summary", params={"$filter": "startswith(info,'fa-')"})) == ["First Aid Mar"]
    assert names(get("/offerings/summary", params={"$filter": f"id eq '{made['a']['id']}'"})) == ["Safety Jan"]
    assert names(get("/offerings/summary", params={"$filter": f"contentId eq '{made['a']['contentId']}'",
                                                    "$orderby": "start"})) == ["Safety Jan", "Safety Jun"]


def test_summary_errors(api: Api) -> None:
    cases = [
        ({"$filter": "nope eq 1"}, "ApiValidationError"),
        ({"$filter": "name eq"}, "ApiValidationError"),
        ({"$filter": "learnersCount eq 'x'"}, "ApiValidationError"),
        ({"$orderby": "nope"}, "ApiValidationError"),
        ({"$top": "0"}, "SchemaValidationError"),
        ({"$top": "abc"}, "SchemaValidationError"),
        ({"$top": "1001"}, "SchemaValidationError"),
        ({"$skip": "1"}, "SchemaValidationError"),
        ({"top": "1"}, "SchemaValidationError"),
    ]
    for params, name in cases:
        response = api.get("/offerings/summary", params=params)
        assert response.status_code == 400, (params, response.text)
        assert error_name(response) == name, (params, response.text)
    assert api.get("/offerings/summary", params={"$filter": "x eq 1"}).json()["details"] == (
        "invalid $filter parameter: unknown property 'x' at position 0. This list filters on id, name, contentId, "
        "info, metadata/rootContentId (string); start, end (date-time); learnersCount (number). Operators: eq, ne, "
        "gt, ge, lt, le, and, or, not, parentheses; functions contains(p, 'text'), startswith(p, 'text'), "
        "endswith(p, 'text'), tolower(p); strings in single quotes, date-times as 2030-01-31T09:00:00Z."
    )
    assert api.get("/offerings/summary", params={"$skip": "1"}).json()["details"] == "Unknown query parameter '$skip'"


def test_summary_top_default_and_max(api: Api) -> None:
    course = make_course(api)
    for day in range(1, 53):
        create(api, course, start=f"2024-01-01T00:{day:02d}:00Z")
    assert len(api.get("/offerings/summary").json()) == 50
    assert len(api.get("/offerings/summary", params={"$top": "1000"}).json()) == 52


def test_info_search(api: Api, other_api: Api, sync_engine: Engine) -> None:
    made = seed(api, sync_engine)
    response = api.get("/offerings/info/saf-")
    assert response.status_code == 200
    rows = response.json()
    assert [r["name"] for r in rows] == ["Safety Jan", "Safety Jun"]
    assert rows[1]["learnersCount"] == 3
    assert names(api.get("/offerings/info/First aid")) == ["First Aid Mar"]
    short = api.get("/offerings/info/ab")
    assert short.status_code == 400 and error_name(short) == "TextPatternError"
    assert short.json()["details"] == "Text pattern must be a minimum of 3 characters in length."
    missing = api.get("/offerings/info/zzz")
    assert missing.status_code == 404 and error_name(missing) == "ObjectNotFoundError"
    assert other_api.get("/offerings/info/saf").status_code == 404
    # info follows the identifier and name
    api.patch(f"/offerings/{made['a']['id']}", json={"identifier": "NEW-XY"})
    assert names(api.get("/offerings/info/new-xy")) == ["Safety Jan"]


def test_info_wildcards_are_literal(api: Api) -> None:
    course = make_course(api)
    create(api, course, name="Plain", start="2024-01-01T00:00:00Z")
    create(api, course, name="100% done", start="2024-01-02T00:00:00Z")
    assert api.get("/offerings/info/1%25e").status_code == 404  # '%' is no wildcard
    assert names(api.get("/offerings/info/0%25 d")) == ["100% done"]
    assert api.get("/offerings/info/___").status_code == 404
