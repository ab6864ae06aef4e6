"""`/offerings/{offeringId}/users/{markerEmail}/marks`: a coach's marking list."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.memberships import add, offering, person


def _setup(api: Api, engine: Engine) -> str:
    oid = offering(api, engine)
    add(
        api,
        oid,
        person("coach@example.com", isMarker=True),
        person("fac@example.com", isFacilitator=True),
        person("a@example.com", personId="P-A", metadata={"tags": ["t"]}),
        person("b@example.com", isReadonly=True),
        person("c@example.com"),
    )
    return oid


def _marks(api: Api, oid: str, marker: str = "coach@example.com") -> list[str]:
    response = api.get(f"/offerings/{oid}/users/{marker}/marks")
    assert response.status_code == 200, response.text
    return [u["email"] for u in response.json()]


def test_add_is_a_set_union(api: Api, sync_engine: Engine) -> None:
    oid = _setup(api, sync_engine)
    assert _marks(api, oid) == []
    first = api.post(f"/offerings/{oid}/users/coach@example.com/marks", json=["b@example.com", "A@example.com"])
    assert first.status_code == 200
    assert first.json()[0] == {
        "email": "a@example.com", "firstName": "A", "lastName": "Tester", "personId": "P-A",
        "metadata": {"tags": ["t"]}, "profile": {}, "isFacilitator": False, "isMarker": False, "isReadonly": False,
    }
    second = api.post(
        f"/offerings/{oid}/users/Coach@example.com/marks", json=["a@example.com", "c@example.com", "c@example.com"]
    )
    assert [u["email"] for u in second.json()] == ["a@example.com", "b@example.com", "c@example.com"]
    assert _marks(api, oid) == ["a@example.com", "b@example.com", "c@example.com"]


def test_remove_ignores_unassigned(api: Api, sync_engine: Engine) -> None:
    oid = _setup(api, sync_engine)
    api.post(f"/offerings/{oid}/users/coach@example.com/marks", json=["a@example.com", "b@example.com"])
    response = api.request(
        "DELETE", f"/offerings/{oid}/users/coach@example.com/marks",
        json=["A@example.com", "c@example.com", "ghost@example.com", "nonsense"],
    )
    assert response.status_code == 200
    assert [u["email"] for u in response.json()] == ["b@example.com"]
    assert _marks(api, oid) == ["b@example.com"]


def test_errors_change_nothing(api: Api, sync_engine: Engine) -> None:
    oid = _setup(api, sync_engine)
    api.post(f"/offerings/{oid}/users/coach@example.com/marks", json=["a@example.com"])
    not_marker = api.post(f"/offerings/{oid}/users/fac@example.com/marks", json=["a@example.com"])
    assert not_marker.status_code == 400
    assert not_marker.json() == {"name": "ObjectIsNotError", "details": "The user fac@example.com is not a marker."}
    removing = api.request("DELETE", f"/offerings/{oid}/users/a@example.com/marks", json=["b@example.com"])
    assert error_name(removing) == "ObjectIsNotError"
    for bad in ("fac@example.com", "coach@example.com", "ghost@example.com"):
        response = api.post(f"/offerings/{oid}/users/coach@example.com/marks", json=["b@example.com", bad])
        assert response.status_code == 400
        assert response.json() == {"name": "ObjectIsNotError", "details": f"The user {bad} is not a learner."}
    assert _marks(api, oid) == ["a@example.com"]  # b was not added by the failed requests
    assert _marks(api, oid, "a@example.com") == []  # a member who is not a marker marks nobody


def test_bad_body_and_unknown_marker(api: Api, sync_engine: Engine) -> None:
    oid = _setup(api, sync_engine)
    for body in ([1], "a@example.com", {"email": "a@example.com"}):
        response = api.post(f"/offerings/{oid}/users/coach@example.com/marks", json=body)
        assert response.status_code == 400, body
        assert error_name(response) == "SchemaValidationError"
    for method in ("GET", "POST", "DELETE"):
        kwargs = {} if method == "GET" else {"json": ["a@example.com"]}
        for marker in ("ghost@example.com", "not-an-email"):
            response = api.request(method, f"/offerings/{oid}/users/{marker}/marks", **kwargs)
            assert response.status_code == 404, (method, marker)
            assert response.json() == {"name": "ObjectNotFoundError", "details": f"The user {marker} was not found."}


def test_isolation(api: Api, other_api: Api, sync_engine: Engine) -> None:
    oid = _setup(api, sync_engine)
    assert other_api.get(f"/offerings/{oid}/users/coach@example.com/marks").status_code == 404
    response = other_api.post(f"/offerings/{oid}/users/coach@example.com/marks", json=["a@example.com"])
    assert response.status_code == 404
    assert error_name(response) == "ObjectNotFoundError"
    assert _marks(api, oid) == []
