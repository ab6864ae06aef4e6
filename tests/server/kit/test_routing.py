"""`api_router()` authenticates every route it declares, whether or not the route asks for the principal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.models import Organisation, User
from openqualify.server.kit.deps import SessionDep
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.tenancy import admin_session, bound_org
from tests.fixtures.api import Api, error_name


@pytest.fixture
def no_principal_app(database_url: str) -> Iterator[TestClient]:
    """The real app plus one route that takes the session but never names `PrincipalDep`. An app of its own:
    entering the lifespan of the session's app a second time would swap its engine under the session's client."""
    app = create_app(Settings(database_url=database_url))
    router = api_router(tags=["test"], prefix="/test-only")

    @router.get("/no-principal")
    async def no_principal(session: SessionDep) -> dict[str, object]:
        emails = (await session.execute(select(User.email_key))).scalars().all()
        return {"org": bound_org(session.sync_session), "emails": sorted(emails)}

    app.router.routes.extend(router.routes)
    with TestClient(app) as client:
        yield client


def test_missing_or_unknown_token_is_401(api: Api, no_principal_app: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc def"}):
        response = no_principal_app.get("/test-only/no-principal", headers=headers)
        assert response.status_code == 401, headers
        assert error_name(response) == "NotAuthorizedError"


def test_disabled_organisation_is_403(api: Api, sync_engine: Engine, no_principal_app: TestClient) -> None:
    with admin_session(sync_engine) as session:
        session.execute(update(Organisation).where(Organisation.id == api.org_id).values(api_enabled=False))
        session.commit()
    response = no_principal_app.get("/test-only/no-principal", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 403
    assert error_name(response) == "AccessDeniedError"


def test_the_session_is_bound_to_the_tokens_organisation(
    api: Api, other_api: Api, no_principal_app: TestClient
) -> None:
    for who in (api, other_api):
        email = f"only-{who.org_id.lower()}@example.com"
        assert who.post("/users", json={"email": email, "firstName": "A", "lastName": "B"}).status_code == 201
    response = no_principal_app.get("/test-only/no-principal", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200, response.text
    assert response.json() == {"org": api.org_id, "emails": [f"only-{api.org_id.lower()}@example.com"]}
