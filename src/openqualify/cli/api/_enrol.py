"""What `openqualify offerings enrol OFFERING_ID --csv FILE` does: read a spreadsheet of people, add them in
batches, and report added, existing and failed rows."""

from __future__ import annotations

import csv
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from openqualify.cli._tables import render_table
from openqualify.client import ObjectExistsError
from openqualify.client.models import OfferingUser

from ._context import Api

DEFAULT_BATCH_SIZE = 200
COLUMNS = ("email", "firstName", "lastName", "personId", "role")
ROLES: dict[str, dict[str, bool]] = {
    "": {},
    "learner": {},
    "facilitator": {"is_facilitator": True},
    "marker": {"is_marker": True},
    "coach": {"is_marker": True},
}
ROLE_NAMES = ", ".join(r for r in ROLES if r)  # what the error message and docs/cli.md list


@dataclass
class Row:
    line: int
    email: str
    user: OfferingUser | None = None
    problem: str | None = None


@dataclass
class Summary:
    added: list[Row] = field(default_factory=list)
    existing: list[Row] = field(default_factory=list)
    failed: list[tuple[Row, str, str]] = field(default_factory=list)  # row, error name, details

    def to_json(self) -> dict[str, Any]:
        return {
            "added": [row.email for row in self.added],
            "existing": [row.email for row in self.existing],
            "failed": [
                {"row": row.line, "email": row.email, "name": name, "details": details}
                for row, name, details in self.failed
            ],
        }


def read_rows(path: Path, invite: bool, notify: bool) -> list[Row]:
    """Parse the CSV; rows with a missing e-mail or an unknown role are kept as local failures."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if "email" not in (reader.fieldnames or []):
            raise ValueError(f"{path} has no 'email' column (expected columns: {', '.join(COLUMNS)})")
        rows = []
        for line, record in enumerate(reader, start=2):
            values = {k: (v or "").strip() for k, v in record.items() if k in COLUMNS}
            rows.append(_row(line, values, invite, notify))
    return rows


def _row(line: int, values: dict[str, str], invite: bool, notify: bool) -> Row:
    email = values.get("email", "")
    role = values.get("role", "").lower()
    if not email:
        return Row(line, email, problem="missing email")
    if role not in ROLES:
        return Row(line, email, problem=f"unknown role '{role}' (use {ROLE_NAMES})")
    user = OfferingUser(
        email=email,
        first_name=values.get("firstName") or None,
        last_name=values.get("lastName") or None,
        person_id=values.get("personId") or None,
        send_invite=None if invite else False,
        send_notification_email=None if notify else False,
        **ROLES[role],
    )
    return Row(line, email, user=user)


def enrol_rows(api: Api, offering_id: str, rows: list[Row], batch_size: int, summary: Summary) -> None:
    """Send valid rows in batches, sorting every outcome into `summary`."""
    for row in rows:
        if row.problem:
            summary.failed.append((row, "InvalidRow", row.problem))
    valid = [row for row in rows if row.user is not None]
    columns = (TextColumn("Enrolling"), BarColumn(), MofNCompleteColumn())
    shown = not api.json and api.err.is_terminal  # a disabled bar would still write a newline (rich < 14)
    with Progress(*columns, console=api.err, transient=True) if shown else nullcontext() as progress:
        task = progress.add_task("enrol", total=len(valid)) if progress else None
        for start in range(0, len(valid), batch_size):
            batch = valid[start : start + batch_size]
            result = api.client.offerings.add_users(offering_id, [row.user for row in batch if row.user])
            for row, item in zip(batch, result.items, strict=True):
                if item.error is None:
                    summary.added.append(row)
                elif isinstance(item.error, ObjectExistsError):
                    summary.existing.append(row)
                else:
                    summary.failed.append((row, item.error.name, item.error.details))
            if progress and task is not None:
                progress.advance(task, len(batch))


def print_summary(api: Api, summary: Summary) -> None:
    if api.json:
        api.print_json(summary.to_json())
        return
    api.out.print(
        f"Added: {len(summary.added)}  Existing: {len(summary.existing)}  Failed: {len(summary.failed)}",
        markup=False,
    )
    if summary.failed:
        failed = sorted(summary.failed, key=lambda failure: failure[0].line)
        rows = [[str(row.line), row.email, name, details] for row, name, details in failed]
        render_table(api.out, ["Row", "Email", "Error", "Details"], rows)
