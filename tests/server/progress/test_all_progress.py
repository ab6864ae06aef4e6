"""`GET /users/all/progress`: paging, ordering and filtering (including `offerings/any(...)`) in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from openqualify.server.kit.odata import Lambda, parse_filter
from openqualify.server.progress import service
from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member
from tests.fixtures.progress import Scenario, complete_all, set_progress

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
    allowed = (
        " This list filters on id, email, firstName, lastName, personId (string); offerings/any(o: ...) over o/id "
        "(string), o/completion (number). Operators: eq, ne, gt, ge, lt, le, and, or, not, parentheses; functions "
        "contains(p, 'text'), startswith(p, 'text'), endswith(p, 'text'), tolower(p); strings in single quotes, "
        "date-times as 2030-01-31T09:00:00Z."
    )
    for bad, why in (
        ("email eq", "expected a value after 'eq' at position 8, found end of input"),
        ("nope eq 'x'", "unknown property 'nope' at position 0"),
        ("completion gt 50", "unknown property 'completion' at position 0: it is a property of offerings, as in "
         "offerings/any(o: o/completion ...)"),
        ("offerings/any(o: o/name eq 'x')", "unknown property 'o/name' at position 17"),
        ("offerings/any(o: o/completion eq 'x')", "'o/completion' is a number: compare it with a number such as 50, "
         "found the string 'x' at position 33"),
    ):
        response = api.get("/users/all/progress", params={"$filter": bad})
        expected = {"name": "ApiValidationError", "details": f"invalid $filter parameter: {why}.{allowed}"}
        assert response.json() == expected, bad
    assert error_name(api.get("/users/all/progress", params={"$orderby": "completion"})) == "ApiValidationError"


# --- behaviour the query plans must keep ------------------------------------------------------------------------


@pytest.fixture
def mixed_case(api: Api, sync_engine: Engine, world: dict[str, str]) -> dict[str, str]:
    insert_member(sync_engine, api, world["second"], "Zed@Acme.COM")
    return world


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # The string functions ignore case (they read the lower-cased key); comparisons stay exact.
        ("endswith(email,'@acme.com')", ["bob@acme.com", "cat@acme.com", "Zed@Acme.COM"]),
        ("endswith(email,'@ACME.com')", ["bob@acme.com", "cat@acme.com", "Zed@Acme.COM"]),
        ("startswith(email,'zED@')", ["Zed@Acme.COM"]),
        ("contains(tolower(email),'ACME')", ["bob@acme.com", "cat@acme.com", "Zed@Acme.COM"]),
        ("email eq 'Zed@Acme.COM'", ["Zed@Acme.COM"]),
        ("email eq 'zed@acme.com'", []),
        ("tolower(email) eq 'zed@acme.com'", ["Zed@Acme.COM"]),
        ("tolower(email) eq 'Zed@Acme.COM'", []),
        ("email gt 'cat@acme.com' and endswith(email,'.com')", ["dan@example.com", "eve@example.com"]),
    ],
)
def test_email_filters(api: Api, mixed_case: dict[str, str], expression: str, expected: list[str]) -> None:
    assert emails(api, **{"$filter": expression}) == expected


PINNED = [
    ("offerings/any(o: o/id eq '{second}')", ["ann@example.com", "eve@example.com"]),
    ("offerings/any(o: '{second}' eq o/id)", ["ann@example.com", "eve@example.com"]),
    ("offerings/any(o: o/id eq '{second}' and o/completion gt 0)", ["ann@example.com"]),
    ("offerings/any(o: o/completion eq 0 and o/id eq '{first}')", ["ann@example.com", "dan@example.com"]),
    ("not offerings/any(o: o/id eq '{first}')", ["eve@example.com"]),
    ("offerings/any(o: o/id eq '{first}') and offerings/any(o: o/id eq '{second}')", ["ann@example.com"]),
    (
        "offerings/any(o: o/id eq '{first}') or lastName eq 'Adams'",
        ["ann@example.com", "bob@acme.com", "cat@acme.com", "dan@example.com", "eve@example.com"],
    ),
    ("offerings/any(o: o/id eq 'unknown')", []),
    ("offerings/any(o: o/id eq '{first}' or o/id eq '{second}') and startswith(email,'e')", ["eve@example.com"]),
]


@pytest.mark.parametrize("plan", ["from-offering", "from-users"])
@pytest.mark.parametrize(("expression", "expected"), PINNED)
def test_pinned_offering_filters_on_either_plan(
    api: Api, world: dict[str, str], monkeypatch: pytest.MonkeyPatch, plan: str, expression: str, expected: list[str]
) -> None:
    # No organisation size makes every offering "large": the EXISTS walk over users is used instead of IN.
    if plan == "from-users":
        monkeypatch.setattr(service, "_PLANNED_ORG_USERS", 0)
    assert emails(api, **{"$filter": expression.format(**world)}) == expected


def test_pinned_offering_shapes() -> None:
    def pinned(text: str) -> str | None:
        node = parse_filter(text)
        assert isinstance(node, Lambda)
        return service._pinned_offering(node)

    assert pinned("offerings/any(o: o/id eq 'A')") == "A"
    assert pinned("offerings/any(o: 'A' eq o/id and o/completion gt 1)") == "A"
    assert pinned("offerings/any(o: o/id eq 'A' or o/completion gt 1)") is None
    assert pinned("offerings/any(o: o/id ne 'A')") is None
    assert pinned("offerings/any(o: o/completion eq '5')") is None
    assert pinned("offerings/any()") is None


def test_many_offerings_in_one_any_still_filter(api: Api, world: dict[str, str]) -> None:
    """At most 3 any() per $filter (issue 19.7): alternatives go inside one."""
    others = " or ".join(f"o/id eq 'x{i}'" for i in range(6))
    expression = f"offerings/any(o: {others} or o/id eq '{world['second']}')"
    assert emails(api, **{"$filter": expression}) == ["ann@example.com", "eve@example.com"]
    three = " or ".join(f"offerings/any(o: o/id eq '{offering}')" for offering in ("x1", "x2", world["second"]))
    assert emails(api, **{"$filter": three}) == ["ann@example.com", "eve@example.com"]


def test_page_and_offerings_of_the_page(api: Api, world: dict[str, str]) -> None:
    body = api.get("/users/all/progress", params={"$filter": f"offerings/any(o: o/id eq '{world['second']}')"}).json()
    eve = body["data"]["progress"][1]
    assert eve["email"] == "eve@example.com" and eve["lastName"] == "Adams"
    assert eve["offerings"] == [{"id": world["second"], "completion": "0"}]
    assert body["data"]["offerings"] == {
        world["first"]: {"name": "Safety 2026"},
        world["second"]: {"name": "Second class"},
    }
