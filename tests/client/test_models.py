"""Models read tolerantly, write the API's JSON, and the SDK stands alone."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

from openqualify.client import models as m


def test_unknown_fields_are_kept_and_round_trip() -> None:
    user = m.UserResponse.model_validate({"email": "a@example.com", "shoeSize": 44, "profile": {"x": 1}})
    assert user.model_extra == {"shoeSize": 44}
    assert user.to_json() == {"email": "a@example.com", "shoeSize": 44, "profile": {"x": 1}}


def test_every_field_is_optional_and_accepts_null() -> None:
    for name in m.__all__:
        cls = getattr(m, name)
        if isinstance(cls, type) and issubclass(cls, m.Model) and cls not in (m.Model, m.RequestModel, m.OfferingUser):
            assert cls.model_validate({}).to_json() == {}, name
    assert m.OfferingMetadataResponse.model_validate({"end": None}).end is None


def test_date_times_parse_any_offset_and_write_utc_millis() -> None:
    offering = m.OfferingMetadataResponse.model_validate({"start": "2024-05-01T12:00:00+02:00"})
    assert offering.start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert offering.start.utcoffset() == timedelta(hours=2)
    assert offering.to_json() == {"start": "2024-05-01T10:00:00.000Z"}
    assert m.format_datetime(datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-3)))) == "2024-01-01T03:00:00.000Z"
    assert m.format_datetime(datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000Z"


def test_names_and_aliases() -> None:
    member = m.OfferingUser(email="a@example.com", is_facilitator=True)
    assert member.body() == {"email": "a@example.com", "isFacilitator": True}
    assert m.OfferingUser.model_validate({"email": "b@example.com", "isMarker": True}).is_marker is True
    notes = m.SocialNotesResponse.model_validate({"social-note-content": "hi"})
    assert notes.social_note_content == "hi"


def test_sdk_imports_without_server_or_cli() -> None:
    code = (
        "import sys, openqualify.client\n"
        "roots = {'openqualify.server', 'openqualify.cli', 'fastapi', 'sqlalchemy', 'typer', 'starlette'}\n"
        "bad = [n for n in sys.modules if any(n == r or n.startswith(r + '.') for r in roots)]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
