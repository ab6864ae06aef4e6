"""Encoded slashes in path values: `/course-mappings/o1/BUS%2F101` names the external id `BUS/101`.

ASGI servers hand the router a decoded path, where `BUS%2F101` has become two segments and no route
matches. `keeping_encoded_slashes` re-decodes the raw path keeping each encoded slash as a private-use
character, so it stays inside its segment; `kit.routing.restore_slashes` turns it back into `/` in the matched
values (`middleware.request_head` rewrites the path before routing).
"""

from __future__ import annotations

from urllib.parse import unquote

from openqualify.server.kit.routing import SLASH_STANDIN


def keeping_encoded_slashes(raw_path: bytes | None) -> str | None:
    """The path with each encoded slash of `raw_path` kept as `SLASH_STANDIN`; None when it has none."""
    if raw_path and (b"%2F" in raw_path or b"%2f" in raw_path):
        text = raw_path.decode("latin-1").replace("%2F", SLASH_STANDIN).replace("%2f", SLASH_STANDIN)
        return unquote(text)
    return None
