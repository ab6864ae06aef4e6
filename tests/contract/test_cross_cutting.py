"""Rules every operation shares: authentication, error bodies, unknown routes, one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from openqualify.server.db.models import User
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.routing import api_router
from openqualify.server.users.service import NewUser, new_user_row
from tests.fixtures.api import Api, error_name


def test_missing_token_is_401(api: Api) -> None:
    response = api.http.get("/v1/org")
    assert response.status_code == 401
    assert response.json() == {"name": "NotAuthorizedError", "details": "No authorization token was found."}


def test_unknown_token_is_401(api: Api) -> None:
    for header in ("Bearer nope", "nope", "Basic abc def"):
        response = api.http.get("/v1/org", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert error_name(response) == "NotAuthorizedError"


def test_bare_token_and_scheme_case(api: Api) -> None:
    for header in (api.token, f"bearer {api.token}", f"BEARER  {api.token}"):
        response = api.http.get("/v1/org", headers={"Authorization": header})
        assert response.status_code == 200, header
        assert response.json()["id"] == api.org_id


def test_auth_comes_before_validation(api: Api) -> None:
    response = api.http.post("/v1/users", json={"email": "bad"})
    assert response.status_code == 401


def test_org_is_the_tokens_org(api: Api, other_api: Api) -> None:
    assert api.get("/org").json()["id"] == api.org_id
    assert other_api.get("/org").json()["id"] == other_api.org_id


def test_unknown_route_and_wrong_method(api: Api) -> None:
    for method, path in (("GET", "/v1/nothing-here"), ("GET", "/elsewhere")):
        response = api.http.request(method, path, headers={"Authorization": f"Bearer {api.token}"})
        assert response.status_code == 404, (method, path)
        assert response.json() == {"name": "RouteNotFoundError", "details": "Invalid path."}
    # A known path with another method: 405 with Allow, in the flat body (decision H10).
    for method, path, allowed in (("DELETE", "/v1/org", "GET"), ("GET", "/v1/users", "POST")):
        response = api.http.request(method, path, headers={"Authorization": f"Bearer {api.token}"})
        assert (response.status_code, response.headers["Allow"]) == (405, allowed), (method, path)
        assert response.json() == {
            "name": "RouteNotFoundError",
            "details": f"The method {method} is not allowed on this path; allowed: {allowed}.",
        }


def test_api_info_lists_endpoints(api: Api) -> None:
    """In the sandbox the links are the server's own (the address it is bound to), so a client following them stays
    local."""
    body = api.get("/").json()
    assert body["GET /org"] == "http://testserver/v1/org"
    assert "POST /users" in body
    assert not any(key.split(" ", 1)[1].startswith("/_sandbox") for key in body)
    # The Host header is the client's: never reflected into the links (issue 19.11).
    elsewhere = api.get("/", headers={"Host": "attacker.example:8080"}).json()
    assert elsewhere["GET /org"] == "http://testserver/v1/org"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"mode": Mode.PRODUCTION}, "https://api.iqualify.com/v1/org"),
        ({"public_base_url": "https://lms.example.com/api/v1/"}, "https://lms.example.com/api/v1/org"),
        ({"mode": Mode.PRODUCTION, "public_base_url": "https://x.example/v1"}, "https://x.example/v1/org"),
    ],
)
def test_api_info_base_url_by_mode_and_setting(
    database_url: str, api: Api, settings: dict[str, object], expected: str
) -> None:
    with TestClient(create_app(Settings(database_url=database_url, **settings))) as client:
        body = client.get("/v1/", headers={"Authorization": f"Bearer {api.token}"}).json()
    assert body["GET /org"] == expected


def test_validation_never_answers_422(api: Api) -> None:
    response = api.post("/users", content=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_name(response) == "SchemaValidationError"


@pytest.fixture
def failing_app(database_url: str) -> Iterator[TestClient]:
    """The real app plus one route that writes and then fails, to watch the rollback. An app of its own: entering
    the lifespan of the session's app a second time would swap its engine under the session's client."""
    app = create_app(Settings(database_url=database_url))
    router = api_router(tags=["test"], prefix="/test-only")

    @router.post("/write-then-fail")
    async def write_then_fail(principal: PrincipalDep, session: SessionDep) -> None:
        session.add(new_user_row(NewUser(email="ghost@example.com"), principal.now()))
        await session.flush()
        assert (await session.execute(select(User).where(User.email_key == "ghost@example.com"))).scalar_one()
        raise RuntimeError("boom")

    app.router.routes.extend(router.routes)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_failed_request_changes_nothing_and_hides_the_trace(api: Api, failing_app: TestClient) -> None:
    response = failing_app.post("/test-only/write-then-fail", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 500, response.text
    assert response.json() == {"name": "ServerError", "details": "We're sorry, but something went wrong."}
    assert api.get("/users/ghost@example.com").status_code == 404


def test_encoded_slashes_stay_inside_their_path_value(api: Api) -> None:
    created = api.post("/users", json={"email": "a/b@example.com", "firstName": "Slash", "lastName": "User"})
    assert created.status_code == 201, created.text
    got = api.get("/users/a%2Fb%40example.com")
    assert got.status_code == 200, got.text
    assert got.json()["email"] == "a/b@example.com"
