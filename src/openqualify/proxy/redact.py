"""What a recording must never keep: credentials in headers, query strings and bodies.

Three layers, each enough on its own for the usual case: secret headers and query parameters are replaced by
name; JSON keys that name a secret (`token`, `password`, ...) and invitation links have their values replaced;
and finally every occurrence of the caller's own bearer token is replaced in the whole line, wherever it hides.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "api-key"}
)
SECRET_NAME = re.compile(r"token|secret|passw|api[-_]?key|authori[sz]ation|credential|session|signature", re.I)
INVITE_LINK = re.compile(r"(/invite/)[^\s\"'?#/]+")


def headers(raw: dict[str, str]) -> dict[str, str]:
    return {name: REDACTED if name.lower() in SECRET_HEADERS or SECRET_NAME.search(name) else value
            for name, value in raw.items()}  # fmt: skip


def query(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, REDACTED if SECRET_NAME.search(name) else value) for name, value in items]


def body(value: Any) -> Any:
    """A JSON value with secret-named keys' values and invitation codes replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if SECRET_NAME.search(str(k)) and v is not None else body(v) for k, v in value.items()}
    if isinstance(value, list):
        return [body(v) for v in value]
    if isinstance(value, str):
        return INVITE_LINK.sub(r"\1" + REDACTED, value)
    return value


def bearer_token(authorization: str | None) -> str | None:
    """The token inside an Authorization header (`Bearer t` or a bare `t`)."""
    if not authorization or not authorization.strip():
        return None
    parts = authorization.strip().split(None, 1)
    return parts[-1].strip() or None


def text(line: str, secrets: list[str]) -> str:
    """The last layer: every known secret's literal text replaced, wherever it is."""
    for secret in secrets:
        if secret and len(secret) >= 8:  # never blank out short, common strings
            line = line.replace(secret, REDACTED)
    return INVITE_LINK.sub(r"\1" + REDACTED, line)
