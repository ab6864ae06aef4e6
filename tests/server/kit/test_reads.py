"""The read path (`kit.reads`): isolation of its statements, authentication first, query parameters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from fastapi import Depends, Query, Request
from sqlalchemy import Dialect, Engine, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnClause

import openqualify.server.routes  # noqa: F401  (imports every view, so every read statement is registered)
from openqualify.server.db.compiled import CompiledQuery, NotCompilable
from openqualify.server.db.engine import make_async_engine, make_sessionmaker, read_engine, write_intent
from openqualify.server.db.models import User
from openqualify.server.kit.deps import SessionDep, UserEmailPath
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.reads import (
    REGISTERED,
    ReadContextDep,
    ReadOnlySessionError,
    ReadRouteError,
    read_sessionmaker,
)
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.tenancy import TENANT_PARAM, admin_session, bind_org
from openqualify.server.org.admin import create_org
from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course


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


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_every_registered_statement_compiles_for_both_databases(dialect: Dialect) -> None:
    """Each statement runs on SQLite and PostgreSQL, through the driver (`db.compiled`) or, with expanding
    parameters, through Core: it must compile for both, whichever database the suite runs on."""
    assert len(REGISTERED) > 20, "the resources' statements are registered at import"
    for statement in REGISTERED:
        try:
            query = CompiledQuery(statement, dialect)
        except NotCompilable:  # an IN list: Core renders it per call
            assert "POSTCOMPILE" in str(statement.compile(dialect=dialect))  # type: ignore[attr-defined]
            continue
        assert query.sql.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")), query.sql
        assert TENANT_PARAM in {name for name, _, _ in query.positions}, query.sql


def _user_named(engine: Engine, email: str) -> tuple[str, str]:
    """A new organisation with one user: (organisation id, user id)."""
    with admin_session(engine) as session:
        org, _ = create_org(session, f"Reads {uuid.uuid4().hex[:8]}")
        user = User(
            id=push_id(), org_id=org.id, email=email, email_key=email, first_name="Before", tags=[],
            created_at=datetime.now(UTC), suspended=False, is_builder=False, is_manager=False, invite_sent_count=0,
        )
        session.add(user)
        session.commit()
        return org.id, user.id


async def _first_name(engine: AsyncEngine, org_id: str, user_id: str) -> str | None:
    async with make_sessionmaker(engine)() as session:
        bind_org(session.sync_session, org_id)
        return (await session.execute(select(User.first_name).where(User.id == user_id))).scalar_one()


def test_a_write_through_a_read_session_is_refused(database_url: str, sync_engine: Engine) -> None:
    """Issue 22: a change flushed through the read path's session persisted (no write lock, no data-version bump,
    so cached lists went stale). Shown first with a plain session on the read engine, then refused by the read
    path's `ReadOnlySession`, the row unchanged."""
    org_id, user_id = _user_named(sync_engine, "read-only@example.com")

    async def main() -> None:
        engine = make_async_engine(database_url)
        reads = read_engine(engine)
        try:
            write_intent.set(False)  # as `ReadContext.session()` sets it: on SQLite no BEGIN, each statement commits
            async with make_sessionmaker(reads)() as plain:  # what `ReadContext.session()` was
                bind_org(plain.sync_session, org_id)
                user = await plain.get(User, user_id)
                assert user is not None
                user.first_name = "Flushed"
                await plain.flush()
                await plain.close()  # closing rolls back whatever a transaction held: nothing on the read engine
            write_intent.set(True)
            assert await _first_name(engine, org_id, user_id) == "Flushed"  # the defect, reproduced
            write_intent.set(False)

            async with read_sessionmaker(reads)() as session:
                bind_org(session.sync_session, org_id)
                user = await session.get(User, user_id)
                assert user is not None
                user.first_name = "Refused"
                with pytest.raises(ReadOnlySessionError):
                    await session.flush()
            async with read_sessionmaker(reads)() as session:
                bind_org(session.sync_session, org_id)
                with pytest.raises(ReadOnlySessionError):
                    await session.execute(update(User).where(User.id == user_id).values(first_name="Refused"))
                with pytest.raises(ReadOnlySessionError):
                    await session.execute(delete(User).where(User.id == user_id))
                session.add(User(id=push_id(), email="new@example.com", email_key="new@example.com"))
                with pytest.raises(ReadOnlySessionError):
                    await session.flush()
            write_intent.set(True)
            assert await _first_name(engine, org_id, user_id) == "Flushed"
        finally:
            await engine.dispose()

    asyncio.run(main())


def _sync_check(thingId: str) -> str:
    return thingId


SyncChecked = Annotated[str, Depends(_sync_check)]  # FastAPI would run it in a thread: not on the read path


def _refused(endpoint: Callable[..., Awaitable[Any]], path: str = "/things/{thingId}") -> str:
    router = api_router(tags=["Test"])
    with pytest.raises(ReadRouteError) as refused:
        router.read(path, model=dict[str, str])(endpoint)
    return str(refused.value)


def test_a_read_endpoint_the_read_path_cannot_serve_is_refused_when_registered() -> None:
    async def no_context(thingId: str) -> dict[str, str]:
        return {}

    async def with_body(ctx: ReadContextDep, thingId: str, body: dict[str, str]) -> dict[str, str]:
        return {}

    async def with_request(ctx: ReadContextDep, thingId: str, request: Request) -> dict[str, str]:
        return {}

    async def with_session(ctx: ReadContextDep, thingId: str, session: SessionDep) -> dict[str, str]:
        return {}

    async def with_sync_validator(ctx: ReadContextDep, thingId: SyncChecked) -> dict[str, str]:
        return {}

    assert "first parameter must be `ctx: ReadContextDep`" in _refused(no_context)
    assert "no body" in _refused(with_body)
    assert "`ctx.request`" in _refused(with_request)
    assert "'session' is a dependency the read path cannot run" in _refused(with_session)
    assert "'thingId' is a dependency the read path cannot run" in _refused(with_sync_validator)

    async def served(
        ctx: ReadContextDep, thingId: str, email: UserEmailPath, top: Annotated[str | None, Query(alias="$top")] = None
    ) -> dict[str, str]:
        return {}

    router = api_router(tags=["Test"])
    router.read("/things/{thingId}/{userEmail}", model=dict[str, str])(served)  # accepted
    assert [route.path for route in router.routes] == ["/v1/things/{thingId}/{userEmail}"]


def test_read_routes_validate_their_parameters_as_any_route(api: Api) -> None:
    """`UserEmailPath` on a read route answers as on a write route (the hand-written checks are gone)."""
    for path in ("/users/not-an-email", "/users/not-an-email/badges", "/users/not-an-email/progress",
                 "/users/not-an-email/offerings", "/users/not-an-email/offerings/x/progress"):
        response = api.get(path)
        assert response.status_code == 400, path
        assert response.json() == {
            "name": "SchemaValidationError", "details": 'userEmail not-an-email should match format "email".'
        }, path
    assert api.patch("/users/not-an-email", json={}).json() == api.get("/users/not-an-email").json()


def test_read_routes_answer_failures_as_any_route(database_url: str, api: Api) -> None:
    """A read route runs without FastAPI's `request_response` (`kit.reads.read_route_app`), from the read lane
    (`middleware.read_lane`): its failures are answered by the application's handlers all the same, and one no
    handler knows is a 500."""
    from fastapi.testclient import TestClient
    from starlette.exceptions import HTTPException

    from openqualify.server.app import create_app
    from openqualify.server.config import Settings
    from openqualify.server.kit.errors import ObjectNotFoundError

    seen: dict[str, Any] = {}
    router = api_router(tags=["Test"], prefix="/test-only")

    @router.read("/fails/{how}", model=dict[str, str])
    async def fails(ctx: ReadContextDep, how: str, n: Annotated[int | None, Query()] = None) -> dict[str, str]:
        seen["scope"] = set(ctx.request.scope)
        if how == "missing":
            raise ObjectNotFoundError("Thing not found")
        if how == "http":
            raise HTTPException(status_code=409, detail="taken")
        if how == "bug":
            raise RuntimeError("a bug")
        return {"how": how}

    app = create_app(Settings(database_url=database_url))
    app.router.routes.extend(router.routes)
    auth = {"Authorization": f"Bearer {api.token}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/test-only/fails/fine", headers=auth).json() == {"how": "fine"}
        assert "fastapi_function_astack" not in seen["scope"]  # not FastAPI's request_response
        assert "fastapi_middleware_astack" not in seen["scope"]  # nor its exit-stack layer (middleware.read_lane)
        assert client.head("/test-only/fails/fine", headers=auth).status_code == 405  # as before: GET only
        response = client.get("/test-only/fails/missing", headers=auth)
        assert (response.status_code, response.json()) == (404, {"name": "ObjectNotFoundError",
                                                               "details": "Thing not found"})
        response = client.get("/test-only/fails/http", headers=auth)
        assert (response.status_code, response.json()) == (409, {"name": "SchemaValidationError", "details": "taken"})
        response = client.get("/test-only/fails/fine?n=two", headers=auth)
        assert (response.status_code, error_name(response)) == (400, "SchemaValidationError")
        response = client.get("/test-only/fails/bug", headers=auth)
        assert (response.status_code, error_name(response)) == (500, "ServerError")
        assert client.get("/test-only/fails/x", headers={}).status_code == 401
