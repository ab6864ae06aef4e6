"""`/offerings/{offeringId}/channels/{channelId}/learners`: allocation of learners to group channels."""

from __future__ import annotations

import pytest

from tests.fixtures.api import Api, error_name
from tests.fixtures.channels import FACILITATOR, Setup


def _url(setup: Setup, channel: dict) -> str:
    return f"/offerings/{setup.offering}/channels/{channel['id']}/learners"


def _emails(setup: Setup, channel: dict) -> list[str]:
    response = setup.api.get(_url(setup, channel))
    assert response.status_code == 200, response.text
    return [item["email"] for item in response.json()["learners"]]


def test_add_list_remove(setup: Setup) -> None:
    channel = setup.group_channel("Team")
    url = _url(setup, channel)
    assert setup.api.post(url, json={"email": "ben@example.com"}).status_code == 204
    assert setup.api.post(url, json={"email": "ANN@example.com"}).status_code == 204
    body = setup.api.get(url).json()
    assert {k: body[k] for k in ("id", "title", "isBroadcastOnly")} == {
        "id": channel["id"],
        "title": "Team",
        "isBroadcastOnly": False,
    }
    assert body["learners"][0] == {
        "email": "ann@example.com",
        "firstName": "Test",
        "lastName": "Learner",
        "metadata": {"tags": []},
        "profile": {},
        "isFacilitator": False,
        "isMarker": False,
        "isReadonly": False,
    }
    assert _emails(setup, channel) == ["ann@example.com", "ben@example.com"]
    response = setup.api.delete(url, json={"email": "ben@example.com"})
    assert response.status_code == 204 and response.content == b""
    assert _emails(setup, channel) == ["ann@example.com"]


def test_only_group_channels(setup: Setup) -> None:
    channel = setup.channel("Plain")
    url = _url(setup, channel)
    expected = {
        "name": "InvalidGroupChannelError",
        "details": f"Channel {channel['id']} is not a group discussion channel.",
    }
    assert setup.api.get(url).json() == expected
    assert setup.api.post(url, json={"email": "ann@example.com"}).json() == expected
    assert setup.api.delete(url, json={"email": "ann@example.com"}).json() == expected


def test_add_twice_is_object_exists(setup: Setup) -> None:
    channel = setup.group_channel()
    url = _url(setup, channel)
    setup.api.post(url, json={"email": "ann@example.com"})
    response = setup.api.post(url, json={"email": "ann@example.com"})
    assert response.status_code == 400
    assert error_name(response) == "ObjectExistsError"
    assert _emails(setup, channel) == ["ann@example.com"]


def test_only_learners_of_the_offering(setup: Setup) -> None:
    channel = setup.group_channel()
    url = _url(setup, channel)
    setup.api.post("/users", json={"email": "outsider@example.com", "firstName": "Out", "lastName": "Sider"})
    for email in (FACILITATOR, "outsider@example.com"):
        response = setup.api.post(url, json={"email": email})
        assert response.status_code == 400
        assert response.json() == {
            "name": "UserNotInOfferingError",
            "details": f"The user {email} is not a learner in the offering {setup.offering}.",
        }
    assert _emails(setup, channel) == []


def test_unknown_user_is_404(setup: Setup) -> None:
    channel = setup.group_channel()
    for method in ("POST", "DELETE"):
        response = setup.api.request(method, _url(setup, channel), json={"email": "nobody@example.com"})
        assert response.status_code == 404
        assert response.json()["details"] == "The user nobody@example.com was not found."


def test_remove_not_allocated(setup: Setup) -> None:
    channel = setup.group_channel()
    response = setup.api.delete(_url(setup, channel), json={"email": "cat@example.com"})
    assert response.status_code == 400
    assert response.json() == {
        "name": "UserNotInChannelError",
        "details": f"The user cat@example.com is not a learner in the channel {channel['id']}.",
    }
    response = setup.api.delete(_url(setup, channel), json={"email": FACILITATOR})
    assert error_name(response) == "UserNotInOfferingError"


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": 5}, {"email": "a@b.co", "x": 1}])
def test_bad_bodies(setup: Setup, body: dict) -> None:
    channel = setup.group_channel()
    for method in ("POST", "DELETE"):
        response = setup.api.request(method, _url(setup, channel), json=body)
        assert response.status_code == 400, (method, body)
        assert error_name(response) == "SchemaValidationError"


def test_missing_body_is_schema_error(setup: Setup) -> None:
    channel = setup.group_channel()
    assert error_name(setup.api.delete(_url(setup, channel))) == "SchemaValidationError"


def test_unknown_channel_and_offering(setup: Setup) -> None:
    assert setup.api.get(f"/offerings/{setup.offering}/channels/nope/learners").status_code == 404
    response = setup.api.post("/offerings/nope/channels/nope/learners", json={"email": "ann@example.com"})
    assert response.json()["details"] == "The offering nope was not found."


def test_isolation(setup: Setup, other_api: Api) -> None:
    channel = setup.group_channel()
    setup.api.post(_url(setup, channel), json={"email": "ann@example.com"})
    assert other_api.get(_url(setup, channel)).status_code == 404
    assert other_api.delete(_url(setup, channel), json={"email": "ann@example.com"}).status_code == 404
    assert _emails(setup, channel) == ["ann@example.com"]
