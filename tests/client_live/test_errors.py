"""Error mapping from real server answers, and path segments that need encoding."""

from __future__ import annotations

import socket
from datetime import timedelta

import httpx
import pytest

from openqualify.client import (
    APIConnectionError,
    Client,
    ClientError,
    IQualifyError,
    NotAuthorizedError,
    ObjectExistsError,
    ObjectNotFoundError,
    RetryPolicy,
    SchemaValidationError,
)
from tests.fixtures.client_live import NO_RETRY, NOW, Org, RecordingTransport, Sandbox
from tests.fixtures.live import LiveServer

pytestmark = pytest.mark.e2e


def test_named_errors_carry_status_name_details_and_response(client: Client) -> None:
    with pytest.raises(ObjectNotFoundError) as missing:
        client.users.get("nobody@example.com")
    error = missing.value
    assert isinstance(error, ClientError) and isinstance(error, IQualifyError)
    assert (error.status, error.name) == (404, "ObjectNotFoundError")
    assert error.details == "The user nobody@example.com was not found."
    assert error.response is not None and error.response.request.url.raw_path == b"/v1/users/nobody%40example.com"
    assert error.to_dict() == {"status": 404, "name": "ObjectNotFoundError", "details": error.details}

    with pytest.raises(SchemaValidationError) as bad_email:
        client.users.get("not-an-email")
    assert bad_email.value.status == 400 and "email" in bad_email.value.details

    with pytest.raises(SchemaValidationError) as unknown_field:
        client.users.create("kim@example.com", first_name="Kim", extra={"nickname": "kimmy"})
    assert unknown_field.value.details == "data should NOT have additional properties ('nickname')"

    created = client.users.create("kim@example.com", first_name="Kim", last_name="Ito", send_invite=False)
    with pytest.raises(ObjectExistsError) as exists:
        client.users.create("KIM@example.com", first_name="Kim", last_name="Ito")
    assert exists.value.status == 400 and "kim@example.com" in exists.value.details.lower()
    client.users.create("lee@example.com", first_name="Lee", last_name="Ito", send_invite=False)
    with pytest.raises(ObjectExistsError):
        client.users.update("lee@example.com", new_email="kim@example.com")  # the address is taken
    assert client.users.get("kim@example.com").id == created.id


def test_authentication_and_organisation_isolation(client: Client, org: Org, live_server: LiveServer) -> None:
    bad = Client(base_url=org.base_url, token="not-a-real-token", transport=RecordingTransport(), retry=NO_RETRY)
    with bad, pytest.raises(NotAuthorizedError) as refused:
        bad.org.get()
    assert refused.value.status == 401

    # The demo organisation's offerings exist, but not for this organisation's token.
    with Client(base_url=org.base_url, token=live_server.token, retry=NO_RETRY) as demo:
        demo_offering = demo.offerings.current()[0].id
    assert demo_offering
    with pytest.raises(ObjectNotFoundError):
        client.offerings.get(demo_offering)
    assert demo_offering not in {o.id for o in client.offerings.list()}


def test_no_answer_raises_a_connection_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nowhere = Client(base_url=f"http://127.0.0.1:{port}/v1", token="t", retry=RetryPolicy(max_retries=0))
    with nowhere, pytest.raises(APIConnectionError) as failed:
        nowhere.org.get()
    assert failed.value.status == 0 and isinstance(failed.value.__cause__, httpx.ConnectError)


def test_awkward_path_values_reach_the_right_operation(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Encoding")["rootContentId"]
    offering = client.offerings.create(start=NOW - timedelta(days=1), root_content_id=root).id
    for external in ("SIS 101 #A", "50%-off", "what?", "ü-ß", ".", ".."):  # dots: sent as %2E, not path steps
        assert client.course_mappings.add(offering, external) == [external]
        assert client.course_mappings.offerings_for(external) == [offering]
        assert client.course_mappings.list() == {offering: external}
    for email in ("o'brien@example.com", "ann+news@example.com", "100%@example.com"):
        assert client.users.create(email, first_name="A", last_name="B", send_invite=False).email == email
        assert client.users.get(email).email == email


def test_a_slash_inside_a_path_value(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Slashes")["rootContentId"]
    offering = client.offerings.create(start=NOW - timedelta(days=1), root_content_id=root).id
    # PUT /v1/course-mappings/{offeringId}/BUS%2F101 -> 404 {"name": "RouteNotFoundError", "details": "Invalid path."}
    assert client.course_mappings.add(offering, "BUS/101") == ["BUS/101"]
    assert client.course_mappings.offerings_for("BUS/101") == [offering]
