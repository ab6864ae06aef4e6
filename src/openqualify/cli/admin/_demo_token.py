"""Where the demo organisation's token is kept between runs of `serve --demo` on an SQLite file.

Tokens are stored hashed, so a restart cannot show the token again. In the sandbox, a token `serve --demo`
made up is also written beside the database file (`<file>.demo-token`, mode 600) and shown again on the next
start while it is still valid; `org rotate-token "Demo Academy"` keeps that file current. A fixed token
(`--token` or `OPENQUALIFY_DEMO_TOKEN`) is never written anywhere. PostgreSQL databases get no file.
"""

from __future__ import annotations

import os
from pathlib import Path

from openqualify.cli.admin._common import note
from openqualify.cli.admin._database import sqlite_file

DEMO_ORG_NAME = "Demo Academy"


def token_file(url: str) -> Path | None:
    path = sqlite_file(url)
    return None if path is None else path.with_name(path.name + ".demo-token")


def save(url: str, token: str) -> Path | None:
    path = token_file(url)
    if path is None:
        return None
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)
    path.write_text(token + "\n")
    return path


def load(url: str) -> tuple[Path, str] | None:
    path = token_file(url)
    if path is None or not path.is_file():
        return None
    token = path.read_text().strip()
    return (path, token) if token else None


def rotated(url: str, org_name: str, token: str) -> None:
    """After `org rotate-token`: the demo's token file, if there is one, holds the new token."""
    if org_name == DEMO_ORG_NAME and (saved := load(url)) is not None:
        save(url, token)
        note(f"Updated {saved[0]}")
