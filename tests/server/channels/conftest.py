"""Setup shared by the channel tests: an offering with a facilitator and three learners."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from tests.conftest import Api
from tests.factories import insert_member, insert_offering, make_course

LEARNERS = ("ann@example.com", "ben@example.com", "cat@example.com")
FACILITATOR = "fay@example.com"


@dataclass
class Setup:
    api: Api
    offering: str
    engine: Engine

    def channel(self, title: str = "Talk", **fields: object) -> dict:
        response = self.api.post(f"/offerings/{self.offering}/channels", json={"title": title, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def group_channel(self, title: str = "Team") -> dict:
        channel = self.channel(title)
        response = self.api.patch(
            f"/offerings/{self.offering}/channels/{channel['id']}", json={"groupDiscussion": True}
        )
        assert response.status_code == 200, response.text
        return channel


def build_setup(api: Api, sync_engine: Engine) -> Setup:
    course = make_course(api)
    offering = insert_offering(sync_engine, api, course)
    for email in LEARNERS:
        insert_member(sync_engine, api, offering, email)
    insert_member(sync_engine, api, offering, FACILITATOR, first_name="Fay", last_name="Facilitator", facilitator=True)
    return Setup(api, offering, sync_engine)


@pytest.fixture
def setup(api: Api, sync_engine: Engine) -> Setup:
    return build_setup(api, sync_engine)
