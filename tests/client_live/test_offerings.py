"""Offerings: creation, time buckets, search and summary, updates and metadata."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openqualify.client import (
    ApiValidationError,
    Client,
    IncompatibleParametersError,
    InvalidContentError,
    ObjectExistsError,
    SchemaValidationError,
    TextPatternError,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, Sandbox

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)


def test_offering_lifecycle_buckets_search_and_summary(client: Client, sandbox: Sandbox) -> None:
    course = sandbox.course("Fire Safety", category="Safety")
    root = course["rootContentId"]
    current = client.offerings.create(
        start=NOW - 14 * DAY, end=NOW + 30 * DAY, root_content_id=root, name="Fire Safety — Term 1",
        identifier="FS-2026-T1", description="Evacuation, extinguishers and drills.",
        overview="<p>Four weeks, one drill.</p>", metadata={"category": "Safety", "tags": ["fire"]},
        trailer_video_url="https://video.example.com/fs.mp4",
    )  # fmt: skip
    future = client.offerings.create(
        start=NOW + 30 * DAY, end=NOW + 90 * DAY, root_content_id=root, name="Fire Safety — Term 2",
        identifier="FS-2026-T2",
    )  # fmt: skip
    past = client.offerings.create(
        start="2025-10-01T00:00:00Z", end="2025-12-20T00:00:00Z", content_id=course["contentId"],
        name="Fire Safety — Term 4 2025", identifier="FS-2025-T4",
    )  # fmt: skip
    rolling = client.offerings.create(start=NOW - DAY, root_content_id=root, name="Fire Safety — rolling intake")

    assert isinstance(current, m.OfferingMetadataResponse)
    assert (current.start, current.end) == (NOW - 14 * DAY, NOW + 30 * DAY)
    assert current.identifier == "FS-2026-T1"
    assert current.description == "Evacuation, extinguishers and drills."
    assert current.overview == "<p>Four weeks, one drill.</p>"
    assert current.content_id == course["contentId"]
    assert current.metadata.root_content_id == root
    assert current.metadata.category == "Safety" and current.metadata.tags == ["fire"]
    assert current.trailer_video_url == "https://video.example.com/fs.mp4"
    assert current.use_relative_dates is False and current.tasks_enabled is True
    assert rolling.end is None

    def ids(offerings: list[m.OfferingMetadataResponse]) -> set[str]:
        return {o.id for o in offerings if o.id}

    assert ids(client.offerings.current()) == {current.id, rolling.id}
    assert ids(client.offerings.future()) == {future.id}
    assert ids(client.offerings.past()) == {past.id}
    assert ids(client.offerings.list()) == {current.id, future.id, past.id, rolling.id}
    assert client.offerings.get(past.id).name == "Fire Safety — Term 4 2025"

    found = client.offerings.search("fs-2026")  # case-insensitive, on `info`
    assert {o.id for o in found} == {current.id, future.id}
    assert all(isinstance(o, m.PortfolioActivations) and o.learners_count == 0 for o in found)
    with pytest.raises(TextPatternError) as short:
        client.offerings.search("FS")
    assert short.value.details == "Text pattern must be a minimum of 3 characters in length."

    newest = client.offerings.summary(filter="contains(name,'Fire')", orderby="start desc", top=2)
    assert [o.id for o in newest] == [future.id, rolling.id]
    assert newest[0].metadata.root_content_id == root
    assert newest[0].content_id == course["contentId"]
    started = client.offerings.summary(filter=f"start lt {NOW.isoformat().replace('+00:00', 'Z')} and end ne null")
    assert [o.id for o in started] == [past.id, current.id]  # default order: start asc
    with pytest.raises(ApiValidationError) as bad_filter:
        client.offerings.summary(filter="colour eq 'red'")
    assert bad_filter.value.details.startswith("invalid $filter parameter: unknown property 'colour' at position 0.")

    # PATCH is a merge: only the fields sent change; `extra` sends an explicit null.
    updated = client.offerings.update(
        future.id, name="Fire Safety — Term 2 (extended)", end=NOW + 100 * DAY,
        has_early_close_off=True, early_close_off_date=NOW + 95 * DAY,
        badge={"title": "Fire Warden", "description": "Completed Fire Safety"},
    )  # fmt: skip
    assert updated.name == "Fire Safety — Term 2 (extended)"
    assert (updated.end, updated.has_early_close_off, updated.early_close_off_date) == (
        NOW + 100 * DAY, True, NOW + 95 * DAY,
    )  # fmt: skip
    assert updated.identifier == "FS-2026-T2"
    with pytest.raises(ObjectExistsError):
        client.offerings.update(future.id, badge={"title": "Another badge"})
    cleared = client.offerings.update(future.id, has_early_close_off=False, extra={"earlyCloseOffDate": None})
    assert cleared.has_early_close_off is False and cleared.early_close_off_date is None
    assert client.offerings.update(rolling.id, extra={"end": None}).end is None
    with pytest.raises(IncompatibleParametersError):
        client.offerings.update(current.id, end=NOW - 30 * DAY)  # before its start

    assert client.offerings.set_category(current.id, "Emergency").metadata.category == "Emergency"
    assert client.offerings.set_level(current.id, "Foundation").metadata.level == "Foundation"
    assert client.offerings.set_tags(current.id, ["fire", "drill"]).metadata.tags == ["fire", "drill"]
    meta = client.offerings.set_topic(current.id, "Evacuation").metadata
    assert (meta.category, meta.level, meta.tags, meta.topic, meta.root_content_id) == (
        "Emergency", "Foundation", ["fire", "drill"], "Evacuation", root,
    )  # fmt: skip


def test_offering_creation_is_validated(client: Client, sandbox: Sandbox) -> None:
    draft = sandbox.course("Unpublished", publish=False)
    with pytest.raises(InvalidContentError):
        client.offerings.create(start=NOW)  # neither contentId nor rootContentId
    with pytest.raises(InvalidContentError):
        client.offerings.create(start=NOW, root_content_id=draft["rootContentId"])
    with pytest.raises(SchemaValidationError) as bad_date:
        client.offerings.create(start="next monday", root_content_id=draft["rootContentId"])
    assert bad_date.value.status == 400 and "start" in bad_date.value.details
