"""Logging: one configuration for uvicorn and the application (text or JSON lines), and the access log's logger.

The access log is an ASGI middleware rather than uvicorn's (`middleware.access_log`): it runs after
authentication has named the organisation (`scope["state"]["org_id"]`, set by `kit.deps` and `kit.reads`). It
never logs headers, so never the token.

Every line written while a request is served carries the request's id (`observability.requestid`): ` [<id>]`
after the logger's name in the text format, `request_id` in the JSON format.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from openqualify.server.config import LogFormat

ACCESS_LOGGER = "openqualify.access"
access_logger = logging.getLogger(ACCESS_LOGGER)

_TEXT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


# PostgreSQL's error details quote the row or key at fault ("Failing row contains (..., ann@example.com, Ann, ...)",
# "Key (email_key)=(ann@example.com) already exists."): personal data, never written to a log (issue 19.12). The
# statements' parameters are hidden by the engines (`hide_parameters=True`).
_DETAIL_LINE = re.compile(r"^[ \t]*DETAIL:.*(?:\n|$)", re.MULTILINE)
DETAIL_REMOVED = "DETAIL: (removed from the log: it may quote personal data)\n"


def scrubbed(text: str) -> str:
    return _DETAIL_LINE.sub(DETAIL_REMOVED, text)


class ScrubbingFormatter(logging.Formatter):
    """The text formatter, with database error details left out of messages and traces."""

    def formatException(self, ei: Any) -> str:
        return scrubbed(super().formatException(ei))

    def formatMessage(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_tag"):  # a handler without the request id's filter
            record.request_tag = ""
        return scrubbed(super().formatMessage(record))


class ScrubbingJsonFormatter(JsonFormatter):
    """The JSON formatter, with database error details left out of messages and traces."""

    def formatException(self, ei: Any) -> str | list[str]:  # type: ignore[override]
        text = super().formatException(ei)
        return scrubbed(text) if isinstance(text, str) else [scrubbed(line) for line in text]

    def formatMessage(self, record: logging.LogRecord) -> str:
        return scrubbed(super().formatMessage(record))


def log_config(level: str, fmt: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn (`log_config=`) and our own loggers."""
    formatter: dict[str, Any] = (
        {
            "()": "openqualify.server.observability.logs.ScrubbingJsonFormatter",
            "fmt": _JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # uvicorn's coloured copy of the message; the text format's request tag (JSON has `request_id`)
            "reserved_attrs": [*RESERVED_ATTRS, "color_message", "request_tag"],
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
        if fmt is LogFormat.JSON
        else {"()": "openqualify.server.observability.logs.ScrubbingFormatter", "format": _TEXT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"request_id": {"()": "openqualify.server.observability.requestid.RequestIdFilter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},  # ours replaces it
            "openqualify": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }
