"""The read path (`kit.reads`): isolation of its statements, authentication first, query parameters."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnClause

import openqualify.server.routes  # noqa: F401  (imports every view, so every read statement is registered)
from openqualify.server.kit.reads import REGISTERED
from openqualify.server.kit.tenancy import TENANT_PARAM
from tests.conftest import Api, error_name
from tests.factories import make_course


def _tables_and_scoped(statement: object) -> tuple[set[str], set[str]]:
    """(org-scoped tables read, tables filtered by `org_id = :_tenant_org_id`)."""
    read: set[str] = set()
    scoped: set[str] = set()
    for element in visitors.iterate(statement):  # type: ignore[arg-type]
        if isinstance(element, Table) and "org_id" in element.c:
            read.add(element.name)
        if isinstance(element, BinaryExpression):
            left, right = element.left, element.right
            if (
                isinstance(left, ColumnClause) and left.name == "org_id" and isinstance(right, BindParameter)
                and right.key == TENANT_PARAM and isinstance(left.table, Table)
            ):
                scoped.add(left.table.name)
    return read, scoped


def test_every_read_statement_is_scoped_to_the_organisation() -> None:
    assert REGISTERED, "no read statement registered"
    for statement in REGISTERED:
        read, scoped = _tables_and_scoped(statement)
        assert read, statement
        assert read <= scoped, f"{sorted(read - scoped)} read without the organisation filter in:\n{statement}"


def test_read_routes_authenticate_first(api: Api) -> None:
    response = api.http.get("/v1/users/not-an-email")  # a 400 with a token
    assert response.status_code == 401
    assert error_name(response) == "NotAuthorizedError"
    assert error_name(api.get("/users/not-an-email")) == "SchemaValidationError"


def test_read_routes_answer_404_for_other_organisations(api: Api, other_api: Api) -> None:
    course = make_course(api)
    offering = api.post("/offerings", json={"contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"}).json()
    for path in ("", "/channels", "/groups", "/assessments", "/users", "/analytics/learners-progress"):
        assert api.get(f"/offerings/{offering['id']}{path}").status_code == 200, path
        response = other_api.get(f"/offerings/{offering['id']}{path}")
        assert response.status_code == 404, path
        assert error_name(response) == "ObjectNotFoundError"


def test_read_routes_receive_their_query_parameters(api: Api) -> None:
    course = make_course(api)
    offering = api.post("/offerings", json={"contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"}).json()
    members = [
        {"email": "learner@example.com", "firstName": "L", "lastName": "N"},
        {"email": "facilitator@example.com", "firstName": "F", "lastName": "C", "isFacilitator": True},
    ]
    assert api.post(f"/offerings/{offering['id']}/users", json=members).status_code == 201
    everyone = api.get(f"/offerings/{offering['id']}/users").json()
    learners = api.get(f"/offerings/{offering['id']}/users", params={"facilitators": "false"}).json()
    assert len(everyone) == 2 and [m["email"] for m in learners] == ["learner@example.com"]
    response = api.get(f"/offerings/{offering['id']}/users", params={"learners": "maybe"})
    assert error_name(response) == "SchemaValidationError"
    response = api.get("/offerings/summary", params={"$top": "1", "$skip": "1"})
    assert response.json()["details"] == "Unknown query parameter '$skip'"
