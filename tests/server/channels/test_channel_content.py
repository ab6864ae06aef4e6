"""Posts, comments and replies: written through the sandbox, read through `/analytics/channels/...`."""

from __future__ import annotations

from tests.fixtures.api import Api, error_name
from tests.fixtures.channels import FACILITATOR, Setup


def _post(setup: Setup, channel: dict, **body: object) -> dict:
    response = setup.api.sandbox.post(f"/offerings/{setup.offering}/channels/{channel['id']}/posts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _comment(setup: Setup, post_id: str, **body: object) -> dict:
    response = setup.api.sandbox.post(f"/posts/{post_id}/comments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _reply(setup: Setup, comment_id: str, **body: object) -> dict:
    response = setup.api.sandbox.post(f"/comments/{comment_id}/replies", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _analytics(setup: Setup, channel: dict, kind: str) -> list[dict]:
    response = setup.api.get(f"/offerings/{setup.offering}/analytics/channels/{channel['id']}/{kind}")
    assert response.status_code == 200, response.text
    return response.json()


def test_posts_comments_replies(setup: Setup) -> None:
    channel = setup.channel("General")
    post = _post(
        setup,
        channel,
        email="ann@example.com",
        title="Week 1",
        content="Hello all",
        createdAt="2026-01-05T10:00:00+13:00",
        attachments=[{"mimetype": "application/pdf", "size": 1234, "url": "https://files.example/a.pdf"}],
    )
    assert post["createdAt"] == "2026-01-04T21:00:00.000Z"
    assert post["isFacilitatorPost"] is False
    assert "moderation" not in post
    assert post["attachments"][0]["size"] == 1234 and post["attachments"][0]["id"]
    comment = _comment(setup, post["id"], email=FACILITATOR, content="Welcome!", createdAt="2026-01-05T00:00:00Z")
    assert comment["isFacilitatorPost"] is True  # from the author's role
    assert comment["postId"] == post["id"] and "parentCommentId" not in comment
    reply = _reply(setup, comment["id"], email="ben@example.com", content="Thanks", createdAt="2026-01-05T01:00:00Z")
    assert reply["parentCommentId"] == comment["id"] and reply["postId"] == post["id"]

    assert _analytics(setup, channel, "posts") == [post]
    assert _analytics(setup, channel, "comments") == [comment]
    assert _analytics(setup, channel, "replies") == [reply]


def test_ordering_and_channel_scope(setup: Setup) -> None:
    channel = setup.channel("A")
    other = setup.channel("B")
    late = _post(setup, channel, email="ann@example.com", content="late", createdAt="2026-02-01T00:00:00Z")
    early = _post(setup, channel, email="ben@example.com", content="early", createdAt="2026-01-01T00:00:00Z")
    _post(setup, other, email="cat@example.com", content="elsewhere")
    assert [p["id"] for p in _analytics(setup, channel, "posts")] == [early["id"], late["id"]]
    assert len(_analytics(setup, other, "posts")) == 1
    assert _analytics(setup, other, "comments") == [] and _analytics(setup, other, "replies") == []


def test_facilitator_flag_can_be_given(setup: Setup) -> None:
    channel = setup.channel()
    post = _post(setup, channel, email=FACILITATOR, content="x", isFacilitatorPost=False)
    assert post["isFacilitatorPost"] is False


def test_moderation(setup: Setup) -> None:
    channel = setup.channel()
    post = _post(
        setup,
        channel,
        email="ann@example.com",
        content="spam",
        moderation={"isMuted": True, "reason": "Spam", "moderatorEmail": FACILITATOR},
    )
    moderation = post["moderation"]
    assert moderation["isMuted"] is True and moderation["reason"] == "Spam"
    assert moderation["moderator"]["firstName"] == "Fay" and moderation["moderator"]["id"]
    comment = _comment(setup, post["id"], email="ben@example.com", content="rude")
    muted = setup.api.sandbox.put(f"/comments/{comment['id']}/moderation", json={"reason": "Language"})
    assert muted.status_code == 200
    assert muted.json()["moderation"] == {"isMuted": True, "reason": "Language"}
    assert _analytics(setup, channel, "comments")[0]["moderation"] == {"isMuted": True, "reason": "Language"}
    cleared = setup.api.sandbox.put(f"/posts/{post['id']}/moderation")
    assert cleared.status_code == 200 and "moderation" not in cleared.json()
    assert "moderation" not in _analytics(setup, channel, "posts")[0]


def test_sandbox_not_found(setup: Setup) -> None:
    channel = setup.channel()
    sandbox = setup.api.sandbox
    assert (
        sandbox.post(f"/offerings/{setup.offering}/channels/nope/posts", json={"email": "ann@example.com"}).status_code
        == 404
    )
    response = sandbox.post(
        f"/offerings/{setup.offering}/channels/{channel['id']}/posts", json={"email": "no@example.com"}
    )
    assert response.status_code == 404
    assert sandbox.post("/posts/nope/comments", json={"email": "ann@example.com"}).status_code == 404
    assert sandbox.post("/comments/nope/replies", json={"email": "ann@example.com"}).status_code == 404
    assert sandbox.put("/posts/nope/moderation", json={}).status_code == 404
    post = _post(setup, channel, email="ann@example.com", content="x")
    response = sandbox.put(f"/posts/{post['id']}/moderation", json={"moderatorEmail": "no@example.com"})
    assert response.status_code == 404
    assert "moderation" not in _analytics(setup, channel, "posts")[0]  # the failed request changed nothing
    bad = sandbox.post(
        f"/offerings/{setup.offering}/channels/{channel['id']}/posts", json={"email": "ann@example.com", "x": 1}
    )
    assert error_name(bad) == "SchemaValidationError"


def test_unknown_channel_is_404(setup: Setup) -> None:
    for kind in ("posts", "comments", "replies"):
        response = setup.api.get(f"/offerings/{setup.offering}/analytics/channels/nope/{kind}")
        assert response.status_code == 404
        assert response.json() == {"name": "ObjectNotFoundError", "details": "The channel nope was not found."}
    assert setup.api.get("/offerings/nope/analytics/channels/nope/posts").json()["details"] == (
        "The offering nope was not found."
    )


def test_isolation(setup: Setup, other_api: Api) -> None:
    channel = setup.channel()
    post = _post(setup, channel, email="ann@example.com", content="x")
    assert other_api.get(f"/offerings/{setup.offering}/analytics/channels/{channel['id']}/posts").status_code == 404
    assert other_api.sandbox.post(f"/posts/{post['id']}/comments", json={"email": "ann@example.com"}).status_code == 404
