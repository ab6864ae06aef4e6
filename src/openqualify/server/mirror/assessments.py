"""Assessments as each offering shows them, and learners' work on them: submissions (drafts included) with every
mark and its history, and quiz results.

An assessment belongs to a course version; what an offering shows of it (content, dates, marking, documents)
becomes the offering's setting of it, so every offering answers what it answered at the source. Submission ids,
creation times and the earlier quiz attempts are not shown: made up (`build.MADE_UP`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from openqualify.server.mirror.ids import ordered_id

if TYPE_CHECKING:
    from openqualify.server.mirror.build import Mirror
    from openqualify.server.mirror.work import Build

HISTORY = ("id", "mark", "feedback", "markerId", "createdAt")  # a mark's history entry as stored


def _before(stamp: str, minutes: int) -> str:
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(minutes=minutes)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else 0


async def read_assessments(m: Mirror, offering_id: str) -> Build:
    get = m.fetcher.get
    base = f"/offerings/{offering_id}"
    shown = await get(f"{base}/assessments") or []
    work = [a for a in shown if a.get("type") != "quiz"]
    submissions = {
        a["id"]: await get(f"{base}/analytics/submissions/open-response/{quote(a['id'], safe='')}") or []
        for a in work
    }
    latest = await get(f"{base}/analytics/submissions/assignments") or [] if work else []
    quizzes = await get(f"{base}/analytics/marks/quizzes") or [] if len(work) < len(shown) else []
    # A draft's last change is shown only by the learner's own list of open-response work (in course order):
    # read for the learners with a draft (one read each), the others' work is dated by its hand-in.
    open_ids = [a["id"] for a in work if a.get("type") == "open-response"]
    drafting = sorted({
        seen["learnerEmail"] for aid in open_ids for seen in submissions[aid]
        if seen.get("status") == "draft" and seen.get("learnerEmail")
    })  # fmt: skip
    own = {
        email.lower(): await get(f"{base}/users/{quote(email, safe='@')}/submissions/open-response") or []
        for email in drafting
    }
    for rows in submissions.values():
        for seen in rows:
            m.mention(seen.get("learnerEmail"))
            for mark in seen.get("marks") or []:
                m.mention(mark.get("markedBy"))
                for entry in mark.get("markFeedback") or []:
                    m.mention(entry.get("feedbackBy"))
    for seen in quizzes:
        m.mention(seen.get("learnerEmail"))
    m.rows("_shown_assessments")[offering_id] = {"shown": shown}

    def build() -> None:
        offering = m.rows("offerings")[offering_id]
        if offering["content_id"] not in m.rows("course_versions"):
            return
        for position, seen in enumerate(shown):
            _assessment(m, offering, position, seen)
        flags = {
            (row["assessmentId"], row.get("learnerEmail", "").lower()): row for row in latest if "markedDateTime" in row
        }
        changed: dict[tuple[str, str], str] = {}  # (assessment, e-mail) -> updatedAt, from a learner's own list
        for email, listed in own.items():
            theirs = [a for a in open_ids if any(s.get("learnerEmail", "").lower() == email for s in submissions[a])]
            for aid, item in zip(theirs, listed, strict=False):
                if item.get("updatedAt"):
                    changed[(aid, email)] = item["updatedAt"]
        for assessment_id, rows in submissions.items():
            for n, seen in enumerate(rows):
                _submission(m, offering, assessment_id, n, seen, flags, changed)
        for n, seen in enumerate(quizzes):
            _quiz(m, offering_id, n, seen)

    return build


def _assessment(m: Mirror, offering: dict[str, Any], position: int, seen: dict[str, Any]) -> None:
    is_quiz = seen.get("type") == "quiz"
    m.rows("assessments").setdefault(seen["id"], {
        "id": seen["id"], "content_id": offering["content_id"], "position": position, "type": seen["type"],
        "title": seen.get("title") or "", "content": seen.get("content"), "mark_type": seen.get("markType"),
        "mark_number": seen.get("markNumber"), "points": seen.get("points"),
        "duration_minutes": seen.get("durationMinutes"), "max_attempts": seen.get("maxAttempts"),
        "hidden": bool(seen.get("hidden")), "pid": seen.get("pid"), "filename": seen.get("filename"),
        "themes": [
            {"filter": t.get("filter") or "", "numberOfQuestions": _count(t.get("numberOfQuestions"))}
            for t in seen.get("themes") or []
        ] if is_quiz else [],
        "total_questions": seen.get("totalQuestions") if is_quiz else None,
        "open_date": seen.get("openDate"), "due_date": seen.get("dueDate"), "open_offset_days": None,
        "due_offset_days": None, "created_at": m.rows("course_versions")[offering["content_id"]]["published_at"],
    })  # fmt: skip
    for document in seen.get("documents") or []:
        m.rows("assessment_documents").setdefault(document["id"], {
            "id": document["id"], "assessment_id": seen["id"], "offering_id": None,
            "filename": document.get("filename") or "file", "mimetype": document.get("mimetype") or "",
            "size": int(document.get("size") or 0), "url": document.get("url") or "",
            "created_at": document.get("createdAt") or offering["created_at"],
        })  # fmt: skip


def settings(m: Mirror) -> None:
    """Each offering's setting of each assessment it shows: what it showed (documents it did not show are removed
    for it); run once every offering's assessments are known."""
    documents: dict[str, list[str]] = {}
    for document in m.rows("assessment_documents").values():
        documents.setdefault(document["assessment_id"], []).append(document["id"])
    for offering_id, found in m.rows("_shown_assessments").items():
        offering = m.rows("offerings")[offering_id]
        if offering["content_id"] not in m.rows("course_versions"):
            continue
        for seen in found["shown"]:
            listed = {d["id"] for d in seen.get("documents") or []}
            m.rows("assessment_settings")[(offering_id, seen["id"])] = {
                "offering_id": offering_id, "assessment_id": seen["id"], "content": seen.get("content"),
                "open_date": seen.get("openDate"), "due_date": seen.get("dueDate"),
                "mark_number": seen.get("markNumber"), "mark_type": seen.get("markType"),
                "removed_document_ids": [d for d in documents.get(seen["id"], []) if d not in listed],
                "updated_at": offering["created_at"],
            }  # fmt: skip


def _submission(
    m: Mirror, offering: dict[str, Any], assessment_id: str, n: int, seen: dict[str, Any],
    flags: dict[tuple[str, str], dict[str, Any]], changed_at: dict[tuple[str, str], str],
) -> None:  # fmt: skip
    email = seen.get("learnerEmail") or ""
    user_id = m.user_id(email)
    if user_id is None or assessment_id not in m.rows("assessments"):
        return
    submitted = seen.get("submissionDateTime")
    marks = seen.get("marks") or []
    changed = changed_at.get((assessment_id, email.lower())) or submitted or offering["created_at"]
    submission_id = ordered_id(n, "submission", offering["id"], assessment_id, user_id)
    m.rows("assessment_submissions")[submission_id] = {
        "id": submission_id, "offering_id": offering["id"], "assessment_id": assessment_id, "user_id": user_id,
        "status": seen.get("status") or "draft", "html": seen.get("html"),
        "files": [{k: v for k, v in f.items() if v is not None} for f in seen.get("files") or []],
        "submitted_at": submitted, "updated_at": changed, "created_at": changed,
    }  # fmt: skip
    last = flags.get((assessment_id, email.lower()), {})
    for k, mark in enumerate(marks):
        history = [
            {key: entry[key] for key in HISTORY if entry.get(key) is not None}
            for entry in mark.get("markFeedback") or []
        ]
        is_last = k == len(marks) - 1
        marker = mark.get("markerId")
        m.rows("assessment_marks")[mark["id"]] = {
            "id": mark["id"], "submission_id": submission_id, "mark": mark.get("mark"),
            "feedback": mark.get("feedback"),
            "marker_user_id": marker if marker in m.rows("users") else None,
            "by_facilitator": bool(is_last and last.get("markedByFacilitator")),
            "by_marker": bool(is_last and last.get("markedByMarker")),
            "by_evaluator": bool(is_last and last.get("markedByEvaluator")),
            "history": history, "created_at": mark["createdAt"],
            "updated_at": (last.get("markedDateTime") if is_last else None)
            or (history[-1].get("createdAt") if history else None) or mark["createdAt"],
        }  # fmt: skip


def _quiz(m: Mirror, offering_id: str, n: int, seen: dict[str, Any]) -> None:
    """A learner's result on a quiz: its attempts, the last at the time shown; earlier ones (only counted by the
    API) a minute apart before it, with the same mark."""
    user_id = m.user_id(seen.get("learnerEmail") or "")
    if user_id is None or seen.get("quizId") not in m.rows("assessments") or not seen.get("lastAttemptAt"):
        return
    attempts = max(int(seen.get("attempts") or 1), 1)
    for k in range(attempts):
        attempt_id = ordered_id(n, "quiz-attempt", offering_id, seen["quizId"], user_id, str(k))
        m.rows("quiz_attempts")[attempt_id] = {
            "id": attempt_id, "offering_id": offering_id, "assessment_id": seen["quizId"], "user_id": user_id,
            "mark": seen.get("mark"), "attempted_at": _before(seen["lastAttemptAt"], attempts - 1 - k),
        }  # fmt: skip
