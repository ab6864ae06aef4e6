"""The organisation, the API index, courses (metadata, permissions, activations) and course mappings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openqualify.client import (
    OPERATIONS,
    Client,
    ObjectAlreadyIsError,
    ObjectIsNotError,
    ObjectNotFoundError,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, Org, Sandbox

pytestmark = pytest.mark.e2e


def test_organisation_and_api_index(client: Client, org: Org) -> None:
    me = client.org.get()
    assert isinstance(me, m.OrgResponse)
    assert me.id == org.id
    assert me.name is not None and me.name.startswith("Live org")

    index = client.org.endpoints()
    # The server's own map of its routes names exactly the SDK's operations (all but `GET /` itself).
    assert set(index) == {f"{method} {path}" for method, path in OPERATIONS if path != "/"}
    assert index["GET /org"] == org.base_url + "/org"  # the sandbox lists its own links: a client stays local


def test_courses_metadata_permissions_and_activations(client: Client, sandbox: Sandbox) -> None:
    course = sandbox.course(
        "Workplace Safety", category="Health", level="Beginner", topic="Hazards", tags=["whs"],
        learningOutcomes=[{"description": "Identify common workplace hazards"}],
    )  # fmt: skip
    root = course["rootContentId"]
    v2 = sandbox.publish(root)["contentId"]
    sandbox.course("Draft Course", publish=False)

    listed = {c.name: c for c in client.courses.list()}
    assert set(listed) == {"Workplace Safety", "Draft Course"}
    assert isinstance(listed["Workplace Safety"], m.CourseResponse)
    assert listed["Workplace Safety"].id == v2  # one entry per course: its latest published version
    outcomes = listed["Workplace Safety"].metadata.learning_outcomes
    assert [o.description for o in outcomes] == ["Identify common workplace hazards"]

    first = client.courses.get(root)  # any version id works
    assert isinstance(first, m.CourseMetaResponse)
    assert first.tasks_enabled is True
    assert first.metadata.root_content_id == root
    assert (first.metadata.category, first.metadata.level, first.metadata.topic) == ("Health", "Beginner", "Hazards")
    assert first.metadata.tags == ["whs"]

    assert client.courses.set_category(v2, "Compliance").metadata.category == "Compliance"
    assert client.courses.set_level(v2, "Intermediate").metadata.level == "Intermediate"
    assert client.courses.set_tags(v2, ["whs", "induction"]).metadata.tags == ["whs", "induction"]
    assert client.courses.set_topic(v2, "Risk").metadata.topic == "Risk"
    shared = client.courses.get(root).metadata  # metadata belongs to the course, whichever version is named
    assert (shared.category, shared.level, shared.tags, shared.topic) == (
        "Compliance", "Intermediate", ["whs", "induction"], "Risk",
    )  # fmt: skip

    march = client.offerings.create(start=NOW - timedelta(days=1), content_id=root, name="Safety — March intake")
    april = client.offerings.create(start=NOW + timedelta(days=30), root_content_id=root, name="Safety — April")
    assert march.content_id == root and april.content_id == v2  # rootContentId means the latest version
    client.offerings.add_users(march.id, [{"email": "tama@example.com", "firstName": "Tama", "lastName": "Rua"}])
    (activation,) = client.courses.activations(root)
    assert isinstance(activation, m.ActivationResponse)
    assert (activation.id, activation.name, activation.learners_count) == (march.id, "Safety — March intake", "1")
    assert activation.metadata.root_content_id == root
    assert [a.id for a in client.courses.activations(v2)] == [april.id]

    author = client.users.create("hemi.walker@example.com", first_name="Hemi", last_name="Walker", send_invite=False)
    reviewer = client.users.create("lee.chen@example.com", first_name="Lee", last_name="Chen", send_invite=False)
    with pytest.raises(ObjectIsNotError) as not_builder:
        client.courses.grant_permission(root, author.email)  # builder by default, and Hemi is no author yet
    assert not_builder.value.status == 400
    granted_user = client.users.grant_permission(author.email, "builder")
    assert isinstance(granted_user, m.UserResponse) and granted_user.email == "hemi.walker@example.com"
    with pytest.raises(ObjectAlreadyIsError):
        client.users.grant_permission(author.email, "builder")
    granted = client.courses.grant_permission(root, author.email)
    assert isinstance(granted, m.PermissionGranted) and granted.content_id == root
    client.courses.grant_permission(root, reviewer.email, is_builder=False, is_reviewer=True)
    permissions = {p.email: p for p in client.courses.permissions(root)}
    assert set(permissions) == {"hemi.walker@example.com", "lee.chen@example.com"}
    assert isinstance(permissions["lee.chen@example.com"], m.UserPermission)
    assert (permissions["hemi.walker@example.com"].is_builder, permissions["hemi.walker@example.com"].is_reviewer) == (
        True, False,
    )  # fmt: skip
    assert permissions["lee.chen@example.com"].is_reviewer is True
    assert permissions["lee.chen@example.com"].name == "Lee Chen"

    with pytest.raises(ObjectNotFoundError) as missing:
        client.courses.get("no-such-content")
    assert missing.value.details == "The content no-such-content was not found."


def test_course_mappings(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("First Aid")["rootContentId"]
    term1 = client.offerings.create(start=NOW - timedelta(days=3), root_content_id=root, name="First Aid T1")
    term2 = client.offerings.create(start=NOW + timedelta(days=60), root_content_id=root, name="First Aid T2")

    assert client.course_mappings.list() == {}
    assert client.course_mappings.add(term1.id, "SIS-FA101") == ["SIS-FA101"]
    assert client.course_mappings.add(term1.id, "SIS-FA101") == ["SIS-FA101"]  # idempotent
    assert client.course_mappings.add(term2.id, "SIS-FA101") == ["SIS-FA101"]
    assert client.course_mappings.list() == {term1.id: "SIS-FA101", term2.id: "SIS-FA101"}
    assert sorted(client.course_mappings.offerings_for("SIS-FA101")) == sorted([term1.id, term2.id])
    assert client.course_mappings.for_offering(term2.id) == ["SIS-FA101"]

    # An external id with characters that need encoding in a path segment.
    assert client.course_mappings.add(term1.id, "shop item #42") == ["shop item #42"]  # replaces SIS-FA101
    assert client.course_mappings.offerings_for("shop item #42") == [term1.id]
    assert client.course_mappings.for_offering(term1.id) == ["shop item #42"]

    assert client.course_mappings.remove(term2.id, "SIS-FA101") == []
    with pytest.raises(ObjectNotFoundError):
        client.course_mappings.offerings_for("SIS-FA101")
    with pytest.raises(ObjectNotFoundError):
        client.course_mappings.remove(term2.id, "SIS-FA101")
    assert client.course_mappings.list() == {term1.id: "shop item #42"}
