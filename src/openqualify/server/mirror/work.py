"""Learners' work, read from an offering's analytics and per-offering reads: pulses and their responses, channel
posts, comments and replies, shared notes, page reactions, open-response activities and their responses, the
offering's badge and its awards.

Reads come first (`read_*`, during the walk, naming the e-mails they saw so that their users are read too); each
answers the build of its rows, run once every user's id is known (queued on the mirror in the order of the walk,
whatever order the reads came back in: a run gives the same rows as any other). What the API never shows is made
up deterministically (`made_id`, times that keep the listed order) and listed in `build.MADE_UP`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from openqualify.server.mirror.ids import made_id, ordered_id

if TYPE_CHECKING:
    from openqualify.server.mirror.build import Mirror


def later(start: str, seconds: float) -> str:
    when = datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


Build = Callable[[], None]


# -- pulses --------------------------------------------------------------------------------------------------
async def read_pulses(m: Mirror, offering_id: str) -> Build:
    get = m.fetcher.get
    answered = await get(f"/offerings/{offering_id}/analytics/pulses") or []
    responses = await get(f"/offerings/{offering_id}/analytics/pulses/responses") or [] if answered else []

    def build() -> None:
        start = m.rows("offerings")[offering_id]["created_at"]
        order = {pulse_id: n for n, pulse_id in enumerate(answered)}
        for n, seen in enumerate(responses):
            user_id = seen.get("learnerId")
            pulse_id, run_id = seen["pulseBaseId"], seen["pulseInstanceId"]
            if user_id not in m.rows("users") or pulse_id not in order:
                continue  # a learner no offering lists (no e-mail to read them by)
            answer = seen.get("response") or {}
            pulse = m.rows("pulses").setdefault(pulse_id, {
                "id": pulse_id, "offering_id": offering_id, "question": seen.get("pulseQuestion") or "",
                "pulse_type": seen.get("pulseType") or "", "options": [],
                "created_at": later(start, order[pulse_id]),
            })  # fmt: skip
            for option in answer.get("spatialAnswer") or []:
                if option.get("option") not in pulse["options"]:
                    pulse["options"].append(option["option"])
            m.rows("pulse_runs").setdefault(run_id, {
                "id": run_id, "pulse_id": pulse_id, "start": seen["pulseRunStart"],
                "duration_minutes": seen.get("pulseRunDurationMinutes") or 1,
            })  # fmt: skip
            response_id = ordered_id(n, "pulse-response", run_id, user_id)
            m.rows("pulse_responses")[response_id] = {
                "id": response_id, "offering_id": offering_id, "pulse_id": pulse_id, "run_id": run_id,
                "user_id": user_id, "response_time": seen["responseTime"], "answer": answer,
            }  # fmt: skip

    return build


# -- channel posts, comments and replies ---------------------------------------------------------------------
def _moderation(m: Mirror, seen: dict[str, Any]) -> dict[str, Any]:
    moderation = seen.get("moderation")
    if not moderation:
        return {"is_muted": False, "moderation_reason": None, "moderator_user_id": None, "moderated": False}
    moderator = (moderation.get("moderator") or {}).get("id")
    return {
        "is_muted": bool(moderation.get("isMuted")), "moderation_reason": moderation.get("reason"),
        "moderator_user_id": moderator if moderator in m.rows("users") else None, "moderated": True,
    }  # fmt: skip


async def read_posts(m: Mirror, offering_id: str, channel_id: str) -> Build:
    get = m.fetcher.get
    base = f"/offerings/{offering_id}/analytics/channels/{channel_id}"
    posts = await get(f"{base}/posts") or []
    comments = await get(f"{base}/comments") or [] if posts else []
    replies = await get(f"{base}/replies") or [] if comments else []
    for seen in (*posts, *comments, *replies):
        m.mention(seen.get("email"))

    def build() -> None:
        for seen in posts:
            user_id = m.user_id(seen.get("email") or "")
            if user_id is None:
                continue
            m.rows("channel_posts")[seen["id"]] = {
                "id": seen["id"], "channel_id": channel_id, "user_id": user_id, "title": seen.get("title"),
                "content": seen.get("content") or "", "is_facilitator_post": bool(seen.get("isFacilitatorPost")),
                "attachments": [{k: v for k, v in a.items() if v is not None} for a in seen.get("attachments") or []],
                "created_at": seen["createdAt"], **_moderation(m, seen),
            }  # fmt: skip
        for seen in (*comments, *replies):
            user_id = m.user_id(seen.get("email") or "")
            if user_id is None or seen.get("postId") not in m.rows("channel_posts"):
                continue
            m.rows("channel_comments")[seen["id"]] = {
                "id": seen["id"], "channel_id": channel_id, "post_id": seen["postId"],
                "parent_comment_id": seen.get("parentCommentId"), "user_id": user_id,
                "content": seen.get("content") or "", "is_facilitator_post": bool(seen.get("isFacilitatorPost")),
                "created_at": seen["createdAt"], **_moderation(m, seen),
            }  # fmt: skip

    return build


# -- pages: shared notes and reactions -----------------------------------------------------------------------
def _page(m: Mirror, offering_id: str, page_id: str) -> None:
    """A page of the offering's course version, known only by its id (content is not readable): made up."""
    offering = m.rows("offerings")[offering_id]
    pages = m.rows("course_pages")
    if page_id not in pages:
        position = sum(1 for p in pages.values() if p["content_id"] == offering["content_id"])
        pages[page_id] = {
            "id": page_id, "content_id": offering["content_id"], "title": f"Page {position + 1}", "task_count": 0,
            "position": position, "created_at": m.rows("course_versions")[offering["content_id"]]["published_at"],
        }  # fmt: skip


async def read_pages(m: Mirror, offering_id: str) -> Build:
    get = m.fetcher.get
    reactions = await get(f"/offerings/{offering_id}/analytics/unit-reactions") or []
    notes = await get(f"/offerings/{offering_id}/analytics/social-notes") or []
    for seen in notes:
        m.mention(seen.get("email"))

    def build() -> None:
        offering = m.rows("offerings")[offering_id]
        if offering["content_id"] not in m.rows("course_versions"):
            return
        # Who reacted is not shown, only how many: the offering's learners in turn, by e-mail.
        learners = m.learners(offering_id)
        for seen in reactions:
            page_id = seen["pageId"]
            _page(m, offering_id, page_id)
            counts = seen.get("feedback") or {}
            kinds = ["thumbs-up"] * int(counts.get("thumbs-up") or 0) + ["thumbs-down"] * int(
                counts.get("thumbs-down") or 0
            )
            for user_id, reaction in zip(learners, kinds, strict=False):
                reaction_id = made_id("reaction", offering_id, page_id, user_id)
                m.rows("unit_reactions")[reaction_id] = {
                    "id": reaction_id, "offering_id": offering_id, "page_id": page_id, "user_id": user_id,
                    "reaction": reaction, "created_at": offering["created_at"],
                }  # fmt: skip
        for n, seen in enumerate(notes):
            user_id = seen.get("userId")
            if user_id not in m.rows("users"):
                continue
            _page(m, offering_id, seen["pageId"])
            note_id = ordered_id(n, "note", offering_id, seen["pageId"], user_id)
            m.rows("social_notes")[note_id] = {
                "id": note_id, "offering_id": offering_id, "page_id": seen["pageId"], "user_id": user_id,
                "paragraph_id": seen.get("social-note-paragraphId") or "", "shared": True,
                "content": seen.get("social-note-content") or "", "created_at": offering["created_at"],
            }  # fmt: skip

    return build


# -- open-response activities --------------------------------------------------------------------------------
async def read_activities(m: Mirror, offering_id: str) -> Build:
    get = m.fetcher.get
    activities = await get(f"/offerings/{offering_id}/activities/openresponse") or []
    responses = await get(f"/offerings/{offering_id}/analytics/activities/responses") or [] if activities else []
    for seen in responses:
        m.mention(seen.get("learnerEmail"))
        m.mention((seen.get("feedback") or {}).get("facilitatorEmail"))

    def build() -> None:
        offering = m.rows("offerings")[offering_id]
        content_id = offering["content_id"]
        if content_id not in m.rows("course_versions"):
            return
        for position, seen in enumerate(activities):
            m.rows("activities").setdefault(seen["activityId"], {
                "id": seen["activityId"], "content_id": content_id, "position": position,
                "title": seen.get("title") or "", "time_minutes": seen.get("time"),
                "created_at": m.rows("course_versions")[content_id]["published_at"],
            })  # fmt: skip
        for n, seen in enumerate(responses):
            user_id = m.user_id(seen.get("learnerEmail") or "")
            if user_id is None or seen.get("activityId") not in m.rows("activities"):
                continue
            feedback = seen.get("feedback") or {}
            attempt_id = ordered_id(n, "activity-response", offering_id, seen["activityId"], user_id)
            m.rows("activity_attempts")[attempt_id] = {
                "id": attempt_id, "offering_id": offering_id, "activity_id": seen["activityId"], "user_id": user_id,
                "response_text": seen.get("responseText"),
                "uploaded_files": [
                    {k: (int(v) if k == "size" else v) for k, v in f.items() if v is not None}
                    for f in seen.get("uploadedFiles") or []
                ],
                "feedback_text": feedback.get("text"),
                "feedback_user_id": m.user_id(feedback.get("facilitatorEmail") or ""),
                "created_at": later(offering["created_at"], n),
            }  # fmt: skip

    return build


# -- badges and awards ---------------------------------------------------------------------------------------
def badge_row(m: Mirror, offering_id: str, badge: dict[str, Any]) -> None:
    badge_id = str(badge.get("badgeUrl", "")).rstrip("/").rsplit("/", 1)[-1] or made_id("badge", offering_id)
    expiry = badge.get("badgeExpiry") or {}
    m.rows("offering_badges")[offering_id] = {
        "offering_id": offering_id, "id": badge_id, "title": badge.get("title") or "",
        "description": badge.get("description"), "requires_approval": False, "expires": bool(expiry.get("expires")),
        "expiry_type": expiry.get("expiryType"), "expiration_date": expiry.get("expirationDate"),
        "timeframe_amount": expiry.get("timeframeAmount"), "timeframe_unit": expiry.get("timeframeUnit"),
        "created_at": m.rows("offerings")[offering_id]["created_at"],
    }  # fmt: skip


async def read_awards(m: Mirror, email: str) -> Build:
    """A user's awarded badges (read for the learners of offerings that have a badge)."""
    awards = await m.fetcher.get(f"/users/{quote(email, safe='@')}/badges") or []

    def build() -> None:
        user_id = m.user_id(email)
        for seen in awards:
            award_id = str(seen.get("badgeUrl", "")).rstrip("/").rsplit("/", 1)[-1]
            if user_id is None or not award_id or seen.get("offeringId") not in m.rows("offering_badges"):
                continue
            m.rows("badge_awards")[award_id] = {
                "id": award_id, "offering_id": seen["offeringId"], "user_id": user_id, "awarded_at": seen["awardedAt"],
            }  # fmt: skip

    return build
