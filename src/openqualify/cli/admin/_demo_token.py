"""Where the demo organisation's token is kept between runs of `serve --demo`.

Tokens are stored hashed, so a restart cannot show the token again. In the sandbox, a token `serve --demo`
made up is also written to a file (mode 600) and used again on the next start while it is still valid; `org
rotate-token "Demo Academy"` keeps that file current. The file is `<file>.demo-token` beside an SQLite database,
and `<database name>.demo-token` in the current folder for PostgreSQL (issue 18: the token was shown once and
kept nowhere). A fixed token (`--token`, `--token-file` or `OPENQUALIFY_DEMO_TOKEN`) is never written anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from openqualify.cli.admin._common import note
from openqualify.cli.admin._database import sqlite_file

DEMO_ORG_NAME = "Demo Academy"


def token_file(url: str) -> Path | None:
    path = sqlite_file(url)
    if path is not None:
        return path.with_name(path.name + ".demo-token")
    try:
        database = make_url(url).database
    except Exception:
        return None
    name = Path(database or "openqualify").name  # a name, never a path out of the folder
    return Path.cwd() / f"{name}.demo-token" if name not in ("", ".", "..") else None


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
