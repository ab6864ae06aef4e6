"""Point 14 of issue 9, for the control plane too: a JSON body sent as a form (curl -d) names the header."""

from __future__ import annotations

from tests.fixtures.api import Api


def test_sandbox_body_without_json_content_type_names_the_header(api: Api) -> None:
    response = api.sandbox.post(
        "/courses", content=b'{"name": "Forklift safety"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {
        "name": "SchemaValidationError",
        "details": "request body should be JSON, sent with the header 'Content-Type: application/json'",
    }
