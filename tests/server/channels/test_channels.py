"""`/offerings/{offeringId}/channels`: create, list, update; channel kinds and their rules."""

from __future__ import annotations

import pytest

from tests.fixtures.api import Api, error_name
from tests.fixtures.channels import Setup
from tests.fixtures.factories import insert_offering, make_course

EXCLUSIVE = (
    "A channel can only have one of these properties set as true: groupDiscussion, isBroadcastOnly or privateSupport"
)


def _titles(setup: Setup) -> list[str]:
    response = setup.api.get(f"/offerings/{setup.offering}/channels")
    assert response.status_code == 200
    return [c["title"] for c in response.json()]


def test_create_and_list(setup: Setup) -> None:
    assert setup.api.get(f"/offerings/{setup.offering}/channels").json() == []
    first = setup.channel("General")
    assert first["title"] == "General" and first["isBroadcastOnly"] is False and first["id"]
    news = setup.channel("News", isBroadcastOnly=True)
    assert news["isBroadcastOnly"] is True
    listed = setup.api.get(f"/offerings/{setup.offering}/channels").json()
    assert listed == [first, news]


def test_private_support_is_listed_first(setup: Setup) -> None:
    setup.channel("General")
    support = setup.channel("Help")
    setup.channel("Later")
    response = setup.api.patch(f"/offerings/{setup.offering}/channels/{support['id']}", json={"privateSupport": True})
    assert response.status_code == 200
    assert _titles(setup) == ["Help", "General", "Later"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": 5},
        {"title": "x", "isBroadcastOnly": "true"},
        {"title": "x", "isBroadcastOnly": 1},
        {"title": None},
    ],
)
def test_create_rejects_bad_bodies(setup: Setup, body: dict) -> None:
    response = setup.api.post(f"/offerings/{setup.offering}/channels", json=body)
    assert response.status_code == 400, response.text
    assert error_name(response) == "SchemaValidationError"
    assert _titles(setup) == []


def test_create_missing_title_wording(setup: Setup) -> None:
    response = setup.api.post(f"/offerings/{setup.offering}/channels", json={"isBroadcastOnly": True})
    assert response.json()["details"] == "data should have required property 'title'"


def test_create_with_two_kinds_is_rejected(setup: Setup) -> None:
    response = setup.api.post(
        f"/offerings/{setup.offering}/channels", json={"title": "x", "isBroadcastOnly": True, "privateSupport": True}
    )
    assert response.status_code == 400
    assert response.json() == {"name": "InvalidChannelPropertiesError", "details": EXCLUSIVE}
    assert _titles(setup) == []


def test_patch_title_and_flags(setup: Setup) -> None:
    channel = setup.channel("Old")
    url = f"/offerings/{setup.offering}/channels/{channel['id']}"
    response = setup.api.patch(url, json={"title": "New", "isBroadcastOnly": True})
    assert response.status_code == 200
    assert response.json() == {"id": channel["id"], "title": "New", "isBroadcastOnly": True}
    # Absent properties are unchanged.
    assert setup.api.patch(url, json={}).json() == {"id": channel["id"], "title": "New", "isBroadcastOnly": True}
    assert setup.api.get(f"/offerings/{setup.offering}/channels").json() == [response.json()]


def test_patch_conflicting_kinds_on_merged_result(setup: Setup) -> None:
    channel = setup.channel("News", isBroadcastOnly=True)
    url = f"/offerings/{setup.offering}/channels/{channel['id']}"
    response = setup.api.patch(url, json={"groupDiscussion": True, "title": "Changed"})
    assert response.status_code == 400
    assert response.json() == {"name": "InvalidChannelPropertiesError", "details": EXCLUSIVE}
    assert _titles(setup) == ["News"]  # nothing changed
    # Switching kind in one request is fine.
    ok = setup.api.patch(url, json={"groupDiscussion": True, "isBroadcastOnly": False})
    assert ok.status_code == 200 and ok.json()["isBroadcastOnly"] is False


def test_patch_bad_bodies(setup: Setup) -> None:
    channel = setup.channel()
    url = f"/offerings/{setup.offering}/channels/{channel['id']}"
    for body in ({"title": ""}, {"privateSupport": "yes"}, {"group": {"autoAssign": 1}}, {"group": []}):
        response = setup.api.patch(url, json=body)
        assert response.status_code == 400, body
        assert error_name(response) == "SchemaValidationError"


def test_only_one_private_support_channel(setup: Setup) -> None:
    first = setup.channel("Support", privateSupport=True)
    second = setup.channel("Other")
    response = setup.api.patch(f"/offerings/{setup.offering}/channels/{second['id']}", json={"privateSupport": True})
    assert response.status_code == 400
    assert error_name(response) == "ObjectExistsError"
    again = setup.api.post(f"/offerings/{setup.offering}/channels", json={"title": "x", "privateSupport": True})
    assert error_name(again) == "ObjectExistsError"
    # Re-asserting the flag on the support channel itself is fine.
    same = setup.api.patch(f"/offerings/{setup.offering}/channels/{first['id']}", json={"privateSupport": True})
    assert same.status_code == 200


def test_private_support_is_per_offering(setup: Setup) -> None:
    setup.channel("Support", privateSupport=True)
    other = insert_offering(setup.engine, setup.api, make_course(setup.api, "Other course"))
    response = setup.api.post(f"/offerings/{other}/channels", json={"title": "Support", "privateSupport": True})
    assert response.status_code == 201


def test_auto_assign_adds_current_learners(setup: Setup) -> None:
    channel = setup.channel("Team")
    url = f"/offerings/{setup.offering}/channels/{channel['id']}"
    response = setup.api.patch(url, json={"groupDiscussion": True, "group": {"autoAssign": True}})
    assert response.status_code == 200
    learners = setup.api.get(f"{url}/learners").json()["learners"]
    assert [item["email"] for item in learners] == ["ann@example.com", "ben@example.com", "cat@example.com"]
    assert all(item["isFacilitator"] is False for item in learners)
    # Asking again adds nobody twice.
    setup.api.patch(url, json={"group": {"autoAssign": True}})
    assert len(setup.api.get(f"{url}/learners").json()["learners"]) == 3


def test_auto_assign_needs_group_channel(setup: Setup) -> None:
    channel = setup.channel("Plain")
    response = setup.api.patch(
        f"/offerings/{setup.offering}/channels/{channel['id']}", json={"group": {"autoAssign": True}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": "InvalidGroupChannelError",
        "details": f"Channel {channel['id']} is not a group discussion channel.",
    }


def test_leaving_group_kind_drops_allocation(setup: Setup) -> None:
    channel = setup.group_channel()
    url = f"/offerings/{setup.offering}/channels/{channel['id']}"
    setup.api.post(f"{url}/learners", json={"email": "ann@example.com"})
    setup.api.patch(url, json={"groupDiscussion": False})
    setup.api.patch(url, json={"groupDiscussion": True})
    assert setup.api.get(f"{url}/learners").json()["learners"] == []


def test_unknown_offering_and_channel(setup: Setup) -> None:
    assert setup.api.get("/offerings/nope/channels").json() == {
        "name": "ObjectNotFoundError",
        "details": "The offering nope was not found.",
    }
    assert setup.api.post("/offerings/nope/channels", json={"title": "x"}).status_code == 404
    response = setup.api.patch(f"/offerings/{setup.offering}/channels/nope", json={"title": "x"})
    assert response.status_code == 404
    assert response.json()["details"] == "The channel nope was not found."


def test_channel_of_another_offering_is_not_found(setup: Setup) -> None:
    channel = setup.channel()
    other = insert_offering(setup.engine, setup.api, make_course(setup.api, "Other course"))
    response = setup.api.patch(f"/offerings/{other}/channels/{channel['id']}", json={"title": "x"})
    assert response.status_code == 404


def test_isolation_between_organisations(setup: Setup, other_api: Api) -> None:
    channel = setup.channel()
    assert other_api.get(f"/offerings/{setup.offering}/channels").status_code == 404
    assert other_api.post(f"/offerings/{setup.offering}/channels", json={"title": "x"}).status_code == 404
    response = other_api.patch(f"/offerings/{setup.offering}/channels/{channel['id']}", json={"title": "x"})
    assert response.status_code == 404
    assert _titles(setup) == ["Talk"]
