"""Builders for learner-activity tests: pages, page progress, logins, reactions and notes via the sandbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from tests.conftest import Api
from tests.factories import insert_member, insert_offering, make_course


def add_page(api: Api, content_id: str, title: str = "Page", task_count: int = 0) -> str:
    response = api.sandbox.post(f"/content/{content_id}/pages", json={"title": title, "taskCount": task_count})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def set_progress(
    api: Api, offering_id: str, email: str, page_id: str, *, viewed: bool = True, tasks_done: int = 0
) -> dict[str, Any]:
    response = api.sandbox.put(
        f"/offerings/{offering_id}/users/{email}/pages/{page_id}/progress",
        json={"viewed": viewed, "tasksDone": tasks_done},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def complete_all(api: Api, offering_id: str, email: str, pages: dict[str, int]) -> None:
    for page_id, tasks in pages.items():
        set_progress(api, offering_id, email, page_id, tasks_done=tasks)


class Scenario:
    """A course with pages [0 tasks, 2 tasks, 4 tasks, 0 tasks], one offering, learners and a facilitator."""

    def __init__(self, api: Api, engine: Engine, *, learners: tuple[str, ...] = ("ann@example.com",)) -> None:
        self.api, self.engine = api, engine
        self.course = make_course(api, "Site Safety")
        self.content_id = str(self.course["contentId"])
        self.pages = {
            add_page(api, self.content_id, "Intro", 0): 0,
            add_page(api, self.content_id, "Hazards", 2): 2,
            add_page(api, self.content_id, "Practice", 4): 4,
            add_page(api, self.content_id, "Wrap-up", 0): 0,
        }
        self.page_ids = list(self.pages)
        self.offering = insert_offering(engine, api, self.course, name="Safety 2026")
        self.user_ids = {
            email: insert_member(engine, api, self.offering, email, first_name=email.split("@")[0].title())
            for email in learners
        }
        self.facilitator = insert_member(engine, api, self.offering, "fran@example.com", facilitator=True)

    def second_offering(self, name: str = "Safety 2026 B") -> str:
        return insert_offering(self.engine, self.api, self.course, name=name)
