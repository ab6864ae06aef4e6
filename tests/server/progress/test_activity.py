"""Social notes, unit reactions, and what happens to learner activity on removal and transfer."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.progress import Scenario, set_progress

ANN, BOB = "ann@example.com", "bob@example.com"


def note(api: Api, offering: str, email: str, page: str, content: str, shared: bool = True) -> None:
    body = {"email": email, "pageId": page, "paragraphId": "p3", "content": content, "shared": shared}
    response = api.sandbox.post(f"/offerings/{offering}/social-notes", json=body)
    assert response.status_code == 201, response.text


def react(api: Api, offering: str, email: str, page: str, reaction: str) -> None:
    body = {"email": email, "pageId": page, "reaction": reaction}
    response = api.sandbox.post(f"/offerings/{offering}/unit-reactions", json=body)
    assert response.status_code == 201, response.text


def test_only_shared_notes_with_hyphenated_keys(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine, learners=(ANN, BOB))
    note(api, s.offering, ANN, s.page_ids[1], "Shared thought")
    note(api, s.offering, BOB, s.page_ids[1], "Private", shared=False)
    rows = api.get(f"/offerings/{s.offering}/analytics/social-notes").json()
    assert rows == [
        {
            "userId": s.user_ids[ANN],
            "email": ANN,
            "firstName": "Ann",
            "lastName": "Learner",
            "pageId": s.page_ids[1],
            "social-note-paragraphId": "p3",
            "social-note-content": "Shared thought",
        }
    ]


def test_reactions_are_counted_per_page(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine, learners=(ANN, BOB))
    react(api, s.offering, ANN, s.page_ids[2], "thumbs-up")
    react(api, s.offering, BOB, s.page_ids[2], "thumbs-down")
    react(api, s.offering, ANN, s.page_ids[0], "thumbs-down")
    react(api, s.offering, ANN, s.page_ids[0], "thumbs-up")  # changes Ann's reaction
    rows = api.get(f"/offerings/{s.offering}/analytics/unit-reactions").json()
    assert rows == [
        {"pageId": s.page_ids[0], "feedback": {"thumbs-up": 1, "thumbs-down": 0}},
        {"pageId": s.page_ids[2], "feedback": {"thumbs-up": 1, "thumbs-down": 1}},
    ]
    bad = api.sandbox.post(
        f"/offerings/{s.offering}/unit-reactions", json={"email": ANN, "pageId": s.page_ids[0], "reaction": "meh"}
    )
    assert error_name(bad) == "SchemaValidationError"
    staff = api.sandbox.post(
        f"/offerings/{s.offering}/unit-reactions",
        json={"email": "fran@example.com", "pageId": s.page_ids[0], "reaction": "thumbs-up"},
    )
    assert error_name(staff) == "UserNotInOfferingError"


def test_removed_member_keeps_data_but_leaves_lists(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine, learners=(ANN, BOB))
    set_progress(api, s.offering, ANN, s.page_ids[0])
    note(api, s.offering, ANN, s.page_ids[0], "Kept")
    removed = api.delete(f"/offerings/{s.offering}/users/{ANN}")
    assert removed.status_code == 204, removed.text
    assert [r["email"] for r in api.get(f"/offerings/{s.offering}/analytics/learners-progress").json()] == [BOB]
    assert api.get(f"/users/{ANN}/progress").json()["offerings"] == []
    assert len(api.get(f"/offerings/{s.offering}/analytics/social-notes").json()) == 1


def test_transfer_moves_progress_and_keeps_class_history(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine, learners=(ANN,))
    target = s.second_offering("Target class")
    set_progress(api, s.offering, ANN, s.page_ids[0])
    set_progress(api, s.offering, ANN, s.page_ids[1], tasks_done=2)
    note(api, s.offering, ANN, s.page_ids[0], "History")
    react(api, s.offering, ANN, s.page_ids[0], "thumbs-up")
    moved = api.patch(
        f"/users/{ANN}/transfer", json={"fromOfferingId": s.offering, "toOfferingId": target, "sendInvite": False}
    )
    assert moved.status_code == 200, moved.text
    assert api.get(f"/users/{ANN}/offerings/{target}/progress").json()["completion"] == "50"
    assert api.get(f"/users/{ANN}/progress").json()["offerings"] == [{"id": target, "completion": "50"}]
    # Page progress moved too: one more page completes on top of it.
    assert set_progress(api, target, ANN, s.page_ids[3])["completion"] == "75"
    assert len(api.get(f"/offerings/{s.offering}/analytics/social-notes").json()) == 1
    assert len(api.get(f"/offerings/{s.offering}/analytics/unit-reactions").json()) == 1
    assert api.get(f"/offerings/{target}/analytics/social-notes").json() == []
