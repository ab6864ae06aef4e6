"""`GET /users/all/progress`: paging, ordering and filtering (including `offerings/any(...)`) in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.conftest import Api, error_name
from tests.factories import insert_member
from tests.server.progress.helpers import Scenario, complete_all, set_progress

LEARNERS = ("cat@acme.com", "ann@example.com", "bob@acme.com", "dan@example.com")


@pytest.fixture
def world(api: Api, sync_engine: Engine) -> dict[str, str]:
    s = Scenario(api, sync_engine, learners=LEARNERS)
    second = s.second_offering("Second class")
    insert_member(sync_engine, api, second, "ann@example.com")
    insert_member(sync_engine, api, second, "eve@example.com", last_name="Adams")
    insert_member(sync_engine, api, second, "staff@example.com", facilitator=True)
    complete_all(api, s.offering, "cat@acme.com", s.pages)  # 100
    set_progress(api, s.offering, "bob@acme.com", s.page_ids[0])  # 25
    set_progress(api, s.offering, "bob@acme.com", s.page_ids[1], tasks_done=2)  # 50
    set_progress(api, second, "ann@example.com", s.page_ids[0])  # 25
    return {"first": s.offering, "second": second}


def emails(api: Api, **params: str) -> list[str]:
    response = api.get("/users/all/progress", params=params)
    assert response.status_code == 200, response.text
    return [row["email"] for row in response.json()["data"]["progress"]]


def test_default_page_shape_and_order(api: Api, world: dict[str, str]) -> None:
    body = api.get("/users/all/progress").json()
    assert body["top"] == 50
    rows = body["data"]["progress"]
    # Learners in at least one offering, by e-mail; facilitators only are not learners.
    assert [r["email"] for r in rows] == [
        "ann@example.com",
        "bob@acme.com",
        "cat@acme.com",
        "dan@example.com",
        "eve@example.com",
    ]
    ann = rows[0]
    assert set(ann) == {"id", "email", "firstName", "lastName", "offerings"}
    assert sorted((o["id"], o["completion"]) for o in ann["offerings"]) == sorted(
        [(world["first"], "0"), (world["second"], "25")]
    )
    assert body["data"]["offerings"] == {
        world["first"]: {"name": "Safety 2026"},
        world["second"]: {"name": "Second class"},
    }


def test_top_and_orderby(api: Api, world: dict[str, str]) -> None:
    body = api.get("/users/all/progress", params={"$top": "2"}).json()
    assert body["top"] == 2
    assert [r["email"] for r in body["data"]["progress"]] == ["ann@example.com", "bob@acme.com"]
    assert set(body["data"]["offerings"]) == {world["first"], world["second"]}  # only the page's offerings
    assert emails(api, **{"$orderby": "email desc", "$top": "1"}) == ["eve@example.com"]
    assert emails(api, **{"$orderby": "lastName asc, email desc"})[0] == "eve@example.com"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("endswith(email,'@acme.com')", ["bob@acme.com", "cat@acme.com"]),
        ("firstName eq 'Dan'", ["dan@example.com"]),
        ("offerings/any(o: o/id eq '{second}')", ["ann@example.com", "eve@example.com"]),
        ("offerings/any(o: o/completion ge 50)", ["bob@acme.com", "cat@acme.com"]),
        ("offerings/any(o: o/completion eq '100')", ["cat@acme.com"]),
        ("offerings/any(o: o/id eq '{first}' and o/completion lt 50)", ["ann@example.com", "dan@example.com"]),
        ("not offerings/any(o: o/id eq '{first}')", ["eve@example.com"]),
        ("contains(email,'example') and offerings/any(o: o/completion gt 0)", ["ann@example.com"]),
    ],
)
def test_filters(api: Api, world: dict[str, str], expression: str, expected: list[str]) -> None:
    assert emails(api, **{"$filter": expression.format(**world)}) == expected


def test_query_errors(api: Api, world: dict[str, str]) -> None:
    unknown = api.get("/users/all/progress", params={"$skip": "1"})
    assert unknown.status_code == 400
    assert unknown.json() == {"name": "SchemaValidationError", "details": "Unknown query parameter '$skip'"}
    assert error_name(api.get("/users/all/progress", params={"top": "5"})) == "SchemaValidationError"
    for top in ("0", "abc", "1001"):
        assert error_name(api.get("/users/all/progress", params={"$top": top})) == "SchemaValidationError"
    for bad in ("email eq", "nope eq 'x'", "offerings/any(o: o/name eq 'x')", "offerings/any(o: o/completion eq 'x')"):
        response = api.get("/users/all/progress", params={"$filter": bad})
        assert response.json() == {"name": "ApiValidationError", "details": "invalid $filter parameter."}, bad
    assert error_name(api.get("/users/all/progress", params={"$orderby": "completion"})) == "ApiValidationError"
