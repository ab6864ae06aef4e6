"""The base of every SDK model: tolerant of unknown fields, snake_case attributes, camelCase JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


def format_datetime(value: datetime) -> str:
    """UTC with milliseconds and a `Z`, the way the API writes date-times."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


DateTime = Annotated[datetime, PlainSerializer(format_datetime, return_type=str, when_used="json")]
"""A date-time parsed from any RFC 3339 string and written back in the API's own format."""


class Model(BaseModel):
    """Every field is optional: the server leaves out what it does not know rather than send null."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_camel)

    def to_json(self) -> dict[str, Any]:
        """The fields the server sent (including unknown ones), with their JSON names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class RequestModel(Model):
    """A request body; `body()` renders it without the fields left unset."""

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
