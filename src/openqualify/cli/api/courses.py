"""`openqualify courses ...`: courses, their offerings and collaborators."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_item, show_rows

app = group("courses", "Courses (authored content).")
ContentId = Annotated[str, typer.Argument(help="A course version's content id.")]


@command(app, "list")
def list_courses(api: Api) -> None:
    """List courses, drafts and published."""
    show_rows(api, api.client.courses.list(), [("ID", "id"), ("Name", "name"), ("Created", "created_at")])


@command(app, "get")
def get(api: Api, content_id: ContentId) -> None:
    """Show a course version and its metadata."""
    show_item(api, api.client.courses.get(content_id))


@command(app, "activations")
def activations(api: Api, content_id: ContentId) -> None:
    """List the offerings created from a course version."""
    columns = [("ID", "id"), ("Name", "name"), ("Start", "start"), ("End", "end"), ("Learners", "learners_count")]
    show_rows(api, api.client.courses.activations(content_id), columns)


@command(app, "permissions")
def permissions(api: Api, content_id: ContentId) -> None:
    """List who may build or review a course."""
    columns = [("Email", "email"), ("Name", "name"), ("Builder", "is_builder"), ("Reviewer", "is_reviewer")]
    show_rows(api, api.client.courses.permissions(content_id), columns)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
