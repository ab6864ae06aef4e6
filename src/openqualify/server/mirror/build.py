"""From the public API's answers to the rows of an organisation (the `/_sandbox/import` document's tables).

What the API shows is copied with its ids; what it does not show is made up deterministically and listed in
`MADE_UP` (docs/mirror.md): internal ids of links (memberships, channel and group members, marker
assignments), creation times it never reveals, version numbers, and the content of courses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from openqualify.server.mirror import assessments, work
from openqualify.server.mirror.anonymise import Pseudonyms
from openqualify.server.mirror.fetch import Fetcher
from openqualify.server.mirror.ids import made_id

AREAS = ("users", "courses", "offerings", "members", "progress", "mappings", "badges", "channels", "groups", "work")
"""What `--only` can name; `offerings` (and the users and courses they need) always come."""

MADE_UP = {
    "users.created_at": "the API does not show when an account was made: its first access, else the mirror's time",
    "users.invite_code / is_builder / is_manager / suspended": "not shown by the API: empty / false",
    "courses.draft_id": "drafts are not shown: none",
    "course_versions.version / notes": "numbered in the order the API lists a course's versions; no notes",
    "offerings.created_at": "its start",
    "memberships.id / created_at / start_date": "made up from the offering and the user; no learner start dates",
    "marker_assignments.id / channel_members.id / assessment_group_members.id": "made up from what they link",
    "course_pages": "only the ids of pages with reactions or notes are shown: titles 'Page n', no tasks, no progress",
    "assessments": "as the first offering of their course version shows them (absolute dates, no day offsets); each "
    "offering's own content, dates, marking and documents as its setting",
    "unit_reactions": "only counts per page are shown: given to the offering's learners in e-mail order",
    "assessment_submissions.id / created_at": "made up; last change: the hand-in, a draft's from the learner's list",
    "quiz_attempts": "only the result, the number of attempts and the last one's time are shown: earlier attempts "
    "a minute apart before it, with the same mark",
    "pulses.options / unanswered pulses": "options as the answers name them; pulses nobody answered are not shown",
    "ids and times of pulse responses, notes, activity responses": "made up, in the order the API lists them",
    "offering_badges.requires_approval": "not shown: false",
    "course content": "page bodies, questions, the learners' page progress and due-date overrides are not shown",
}


FREE_TEXT = {
    "channel_posts": ("title", "content", "moderation_reason"),
    "channel_comments": ("content", "moderation_reason"),
    "social_notes": ("content",),
    "activity_attempts": ("response_text", "feedback_text"),
    "assessment_submissions": ("html",),
    "assessment_marks": ("feedback",),
}
"""What `--anonymise` rewrites as free text (besides marks' history and text answers to pulses)."""

NOT_GROUP = frozenset({400})  # a channel's learners: 400 InvalidGroupChannelError unless it is a group discussion


def _time(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# No generated repr: it would spell out every row, and Python 3.11's asyncio.run builds the repr of its main task's
# result twice on the way out (restoring its SIGINT handler, `signal.getsignal` makes a message naming the handler,
# which names the task): 4 s of a medium mirror's CPU when the Mirror was that result.
@dataclass(repr=False)
class Mirror:
    fetcher: Fetcher
    only: frozenset[str] = frozenset(AREAS)
    pseudonyms: Pseudonyms | None = None
    now: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )
    org_name: str = ""
    tables: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # lower-cased e-mail -> user id
    permissions: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # resolved once users are known
    latest: set[str] = field(default_factory=set)  # the content ids GET /courses lists: each course's latest version
    mentioned: set[str] = field(default_factory=set)  # e-mails learners' work names: their users are read too
    later: list[work.Build] = field(default_factory=list)  # rows built once every user's id is known, in walk order
    _learners: dict[str, list[str]] = field(default_factory=dict)

    def learners(self, offering_id: str) -> list[str]:
        """Ids of the offering's learners (neither facilitators nor markers), in e-mail order."""
        if not self._learners:
            users = self.rows("users")
            for row in self.rows("memberships").values():
                if not (row["is_facilitator"] or row["is_marker"]):
                    self._learners.setdefault(row["offering_id"], []).append(row["user_id"])
            for ids in self._learners.values():
                ids.sort(key=lambda user_id: (users[user_id]["email_key"], user_id))
        return self._learners.get(offering_id, [])

    def mention(self, email: str | None) -> None:
        if email:
            self.mentioned.add(email)

    def rows(self, table: str) -> dict[Any, dict[str, Any]]:
        return self.tables.setdefault(table, {})

    def document(self) -> dict[str, list[dict[str, Any]]]:
        return {name: list(rows.values()) for name, rows in self.tables.items() if rows}

    async def gather(self, calls: Iterable[Awaitable[Any]]) -> list[Any]:
        return list(await asyncio.gather(*calls))

    # -- people --------------------------------------------------------------------------------------------
    def _email(self, email: str) -> str:
        return self.pseudonyms.email(email) if self.pseudonyms else email

    def _user(self, seen: dict[str, Any] | str) -> str | None:
        """Add (or complete) a user from any answer that shows one (an object, or just an e-mail); its id."""
        if isinstance(seen, str):
            seen = {"email": seen}
        email = seen.get("email")
        if not email:
            return None
        key = email.strip().lower()
        user_id = seen.get("id") or self.emails.get(key) or made_id("user", key)
        self.emails.setdefault(key, user_id)
        user_id = self.emails[key]
        row = self.rows("users").get(user_id)
        if row is None:
            row = self.rows("users")[user_id] = {
                "id": user_id, "email": email, "email_key": key, "first_name": None, "last_name": None,
                "person_id": None, "display_name": None, "mobile": None, "avatar_url": None, "tags": [],
                "suspended": False, "is_builder": False, "is_manager": False, "invite_code": None,
                "invite_sent_count": 0, "first_access_at": None, "last_access_at": None, "created_at": self.now,
            }  # fmt: skip
        for source, column in (("firstName", "first_name"), ("lastName", "last_name"), ("personId", "person_id"),
                               ("avatarUrl", "avatar_url")):  # fmt: skip
            if seen.get(source) is not None:
                row[column] = seen[source]
        profile = seen.get("profile") or {}
        for source, column in (("displayName", "display_name"), ("mobile", "mobile")):
            if profile.get(source) is not None:
                row[column] = profile[source]
        if isinstance(seen.get("metadata"), dict) and "tags" in seen["metadata"]:
            row["tags"] = list(seen["metadata"]["tags"] or [])
        for source, column in (("firstAccessAt", "first_access_at"), ("lastAccessAt", "last_access_at")):
            if _time(seen.get(source)):
                row[column] = seen[source]
                if column == "first_access_at":
                    row["created_at"] = min(row["created_at"], seen[source])
        return user_id

    def user_id(self, email: str) -> str | None:
        return self.emails.get(email.strip().lower())

    # -- the walk ------------------------------------------------------------------------------------------
    async def run(self, step: Callable[[str], None]) -> None:
        get = self.fetcher.get
        org = await get("/org")
        self.org_name = org.get("name", "") if isinstance(org, dict) else ""
        step("offerings")
        offerings = await get("/offerings") or []
        content_ids = {o["contentId"] for o in offerings if o.get("contentId")}
        listed = await get("/courses") or []
        content_ids |= {c["id"] for c in listed if c.get("id")}
        self.latest = {c["id"] for c in listed if c.get("id")}
        step("courses")
        await self.gather(self._course(content_id, offerings) for content_id in sorted(content_ids))
        for offering in offerings:
            self._offering(offering)
        step("members")
        await self.gather(self._members(o["id"]) for o in offerings)
        if "mappings" in self.only:
            mappings = await get("/course-mappings") or {}
            for offering_id, external in mappings.items():
                if offering_id in self.rows("offerings"):
                    self.rows("course_mappings")[offering_id] = {
                        "offering_id": offering_id, "external_course_id": external, "created_at": self.now,
                    }  # fmt: skip
        if "channels" in self.only:
            step("channels")
            await self.gather(self._channels(o["id"]) for o in offerings)
        if "groups" in self.only:
            step("groups")
            await self.gather(self._groups(o["id"]) for o in offerings)
        if "work" in self.only:
            step("learners' work")
            self.later += await self.gather(read(self, o["id"]) for o in offerings for read in WORK)
            channels = [(row["offering_id"], row["id"]) for row in self.rows("channels").values()]
            self.later += await self.gather(
                work.read_posts(self, offering_id, channel_id) for offering_id, channel_id in channels
            )
        if "badges" in self.only:
            step("badges")
            await self.gather(self._badges(o["id"]) for o in offerings)
            badged = set(self.rows("offering_badges"))
            learners = {self.rows("users")[m["user_id"]]["email"] for m in self.rows("memberships").values()
                        if m["offering_id"] in badged}  # fmt: skip
            self.later += await self.gather(work.read_awards(self, email) for email in sorted(learners))
        if "users" in self.only:
            step("users")
            emails = {row["email"] for row in self.rows("users").values()} | self.mentioned
            emails |= {p["email"] for _, p, _ in self.permissions if p.get("email")}
            await self.gather(self._user_details(email) for email in sorted(emails))
        for root, permission, created in self.permissions:  # after the users: their ids are known by now
            user_id = self._user(permission)
            if user_id:
                self.rows("course_permissions")[(root, user_id)] = {
                    "id": made_id("permission", root, user_id), "course_id": root, "user_id": user_id,
                    "is_builder": bool(permission.get("isBuilder")), "is_reviewer": bool(permission.get("isReviewer")),
                    "created_at": created,
                }  # fmt: skip
        for build in self.later:
            build()
        assessments.settings(self)
        if self.pseudonyms:
            self._anonymise()

    async def _course(self, content_id: str, offerings: list[dict[str, Any]]) -> None:
        get = self.fetcher.get
        course = await get(f"/courses/{quote(content_id, safe='')}")
        if not course:
            return
        meta = course.get("metadata") or {}
        root = meta.get("rootContentId") or content_id
        row = self.rows("courses").setdefault(root, {
            "id": root, "name": course.get("name") or "", "cover_image_url": course.get("coverImageUrl"),
            "tasks_enabled": bool(course.get("tasksEnabled", True)), "category": meta.get("category"),
            "level": meta.get("level"), "topic": meta.get("topic"), "tags": list(meta.get("tags") or []),
            "learning_outcomes": list(meta.get("learning_outcomes") or []), "draft_id": None,
            "latest_content_id": content_id, "created_at": course.get("createdAt") or self.now,
        })  # fmt: skip
        row["created_at"] = min(row["created_at"], course.get("createdAt") or row["created_at"])
        versions = self.rows("course_versions")
        versions[content_id] = {
            "id": content_id, "course_id": root, "version": 0, "name": course.get("name") or row["name"],
            "notes": None, "published_at": course.get("createdAt") or self.now,
        }  # fmt: skip
        # A version's createdAt is its course's, so the publication order is not readable: the version GET /courses
        # lists comes last (it is the latest), the others by id, the same whatever order the reads came back in.
        ordered = sorted(
            (v for v in versions.values() if v["course_id"] == root),
            key=lambda v: (v["id"] in self.latest, v["published_at"], v["id"]),
        )
        for number, version in enumerate(ordered, start=1):
            version["version"] = number
        row["latest_content_id"] = ordered[-1]["id"]
        if "courses" in self.only:
            for permission in await get(f"/courses/{quote(content_id, safe='')}/permissions") or []:
                self.permissions.append((root, permission, row["created_at"]))
        for activation in await get(f"/courses/{quote(content_id, safe='')}/activations") or []:
            self.rows("_info")[activation["id"]] = {"info": activation.get("info") or ""}

    def _offering(self, o: dict[str, Any]) -> None:
        meta = o.get("metadata") or {}
        course_id = meta.get("rootContentId") or self.rows("course_versions").get(o.get("contentId"), {}).get(
            "course_id", o.get("contentId")
        )
        self.rows("offerings")[o["id"]] = {
            "id": o["id"], "content_id": o.get("contentId"), "course_id": course_id, "name": o.get("name") or "",
            "description": o.get("description"), "overview": o.get("overview"), "identifier": o.get("identifier"),
            "info": self.rows("_info").get(o["id"], {}).get("info") or f"{o.get('identifier') or ''} {o.get('name')}",
            "cover_image_url": o.get("coverImageUrl"), "currency": o.get("currency"), "price": o.get("price"),
            "enrollment_limit": o.get("enrollmentLimit"), "start": o.get("start"), "end": o.get("end"),
            "has_early_close_off": bool(o.get("hasEarlyCloseOff")), "early_close_off_date": o.get("earlyCloseOffDate"),
            "use_relative_dates": bool(o.get("useRelativeDates")), "is_readonly": bool(o.get("isReadonly")),
            "trailer_video_url": o.get("trailerVideoUrl"), "category": meta.get("category"),
            "level": meta.get("level"), "topic": meta.get("topic"), "tags": list(meta.get("tags") or []),
            "created_at": o.get("start") or self.now,
        }  # fmt: skip

    async def _members(self, offering_id: str) -> None:
        get = self.fetcher.get
        members = await get(f"/offerings/{offering_id}/users") or []
        progress = await get(f"/offerings/{offering_id}/analytics/learners-progress") if "progress" in self.only else []
        offering = self.rows("offerings")[offering_id]
        logins = {p["email"].lower(): p for p in progress or []}
        for member in members:
            user_id = self._user(member)
            if user_id is None:
                continue
            seen = logins.get(member["email"].lower(), {})
            self.rows("memberships")[(offering_id, user_id)] = {
                "id": made_id("membership", offering_id, user_id), "offering_id": offering_id, "user_id": user_id,
                "is_facilitator": bool(member.get("isFacilitator")), "is_marker": bool(member.get("isMarker")),
                "is_readonly": bool(member.get("isReadonly")), "start_date": None,
                "last_logged_in_at": _time(seen.get("lastLoggedInAt")), "created_at": offering["created_at"],
            }  # fmt: skip
        for member in members:
            learner = self.user_id(member["email"])
            for marker_email in member.get("markedBy") or []:
                marker = self.user_id(marker_email)
                if learner and marker:
                    self.rows("marker_assignments")[(offering_id, marker, learner)] = {
                        "id": made_id("marker", offering_id, marker, learner), "offering_id": offering_id,
                        "marker_user_id": marker, "learner_user_id": learner, "created_at": offering["created_at"],
                    }  # fmt: skip
        for row in progress or []:
            user_id = self.user_id(row["email"])
            if user_id is None:
                continue
            self.rows("learner_progress")[(offering_id, user_id)] = {
                "offering_id": offering_id, "user_id": user_id, "completion": int(float(row.get("completion") or 0)),
                "updated_at": self.now,
            }  # fmt: skip

    async def _channels(self, offering_id: str) -> None:
        get = self.fetcher.get
        start = datetime.fromisoformat(self.rows("offerings")[offering_id]["created_at"].replace("Z", "+00:00"))
        for position, channel in enumerate(await get(f"/offerings/{offering_id}/channels") or []):
            # Listed oldest first: creation times that keep the order (the API does not show them).
            created = (start + timedelta(seconds=position)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            self.rows("channels")[channel["id"]] = {
                "id": channel["id"], "offering_id": offering_id, "title": channel.get("title") or "",
                "is_broadcast_only": bool(channel.get("isBroadcastOnly")), "group_discussion": False,
                "private_support": False, "auto_assign": False, "created_at": created,
            }  # fmt: skip
            group = await get(f"/offerings/{offering_id}/channels/{channel['id']}/learners", tolerate=NOT_GROUP)
            if isinstance(group, dict):  # only group discussion channels have learners of their own
                self.rows("channels")[channel["id"]]["group_discussion"] = True
            for learner in (group or {}).get("learners") or []:
                user_id = self._user(learner)
                if user_id:
                    self.rows("channel_members")[(channel["id"], user_id)] = {
                        "id": made_id("channel-member", channel["id"], user_id), "channel_id": channel["id"],
                        "offering_id": offering_id, "user_id": user_id, "created_at": created,
                    }  # fmt: skip

    async def _groups(self, offering_id: str) -> None:
        get = self.fetcher.get
        for group in await get(f"/offerings/{offering_id}/groups") or []:
            created = group.get("createdAt") or self.now
            self.rows("assessment_groups")[group["id"]] = {
                "id": group["id"], "offering_id": offering_id, "title": group.get("title") or "", "created_at": created,
            }  # fmt: skip
            for learner in await get(f"/offerings/{offering_id}/groups/{group['id']}/learners") or []:
                user_id = self._user(learner)
                if user_id:
                    self.rows("assessment_group_members")[(group["id"], user_id)] = {
                        "id": made_id("group-member", group["id"], user_id), "group_id": group["id"],
                        "offering_id": offering_id, "user_id": user_id, "created_at": created,
                    }  # fmt: skip

    async def _user_details(self, email: str) -> None:
        user = await self.fetcher.get(f"/users/{quote(email, safe='@')}")
        if user:
            self._user(user)

    async def _badges(self, offering_id: str) -> None:
        badge = await self.fetcher.get(f"/offerings/{offering_id}/badges")
        if badge:
            work.badge_row(self, offering_id, badge)

    def _anonymise(self) -> None:
        names = self.pseudonyms
        assert names is not None
        for row in self.rows("users").values():
            original = row["email"]
            row["email"] = names.email(original)
            row["email_key"] = row["email"].lower()
            row["first_name"] = names.first_name(original) if row["first_name"] is not None else None
            row["last_name"] = names.last_name(original) if row["last_name"] is not None else None
            if row["person_id"]:
                row["person_id"] = names.person_id(row["person_id"])
            if row["display_name"]:
                row["display_name"] = names.first_name(original)
            row["mobile"] = None
            row["avatar_url"] = None
        text = names.text
        for table, columns in FREE_TEXT.items():
            for row in self.rows(table).values():
                for column in columns:
                    if row.get(column):
                        row[column] = text(row[column])
        for row in self.rows("assessment_marks").values():
            row["history"] = [
                {**entry, "feedback": text(entry["feedback"])} if entry.get("feedback") else entry
                for entry in row["history"]
            ]
        for row in self.rows("pulse_responses").values():
            if row["answer"].get("textAnswer"):
                row["answer"] = {**row["answer"], "textAnswer": text(row["answer"]["textAnswer"])}


WORK = (work.read_pulses, work.read_pages, work.read_activities, assessments.read_assessments)


def document(mirror: Mirror) -> dict[str, list[dict[str, Any]]]:
    """The tables of an import document (internal helper tables left out)."""
    return {name: rows for name, rows in mirror.document().items() if not name.startswith("_")}
