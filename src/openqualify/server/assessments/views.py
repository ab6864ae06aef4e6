"""Rows -> wire models, shared by assessment management and assessment data (analytics)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from openqualify.server.assessments import dates, schemas
from openqualify.server.db.models import (
    Assessment,
    AssessmentDocument,
    AssessmentSetting,
    Mark,
    Offering,
    Submission,
    User,
)
from openqualify.server.kit.json_rows import present
from openqualify.server.kit.timefmt import parse_datetime, wire_text


def effective_content(assessment: Assessment, setting: AssessmentSetting | None) -> str | None:
    return setting.content if setting is not None and setting.content is not None else assessment.content


def document_out(document: AssessmentDocument) -> schemas.DocumentOut:
    return schemas.DocumentOut(
        id=document.id,
        filename=document.filename,
        mimetype=document.mimetype,
        size=document.size,
        url=document.url,
        createdAt=document.created_at,
    )


def file_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """A file stored as JSON on a submission, as JSON-ready `DocumentOut` fields (absent values left out)."""
    created = data.get("createdAt")
    size = data.get("size")
    return present(
        {
            "id": str(data.get("id", "")),
            "filename": data.get("filename"),
            "mimetype": data.get("mimetype"),
            "size": int(size) if isinstance(size, str) and size.isdigit() else size,
            "url": data.get("url"),
            "createdAt": parse_datetime(created) if isinstance(created, str) else None,
        }
    )


def file_out(data: Mapping[str, Any]) -> schemas.DocumentOut:
    return schemas.DocumentOut.model_validate(file_json(data))


def visible_documents(
    documents: Iterable[AssessmentDocument], setting: AssessmentSetting | None
) -> list[schemas.DocumentOut]:
    removed = set(setting.removed_document_ids or ()) if setting is not None else set()
    return [document_out(d) for d in documents if d.id not in removed]


def assessment_fields(
    assessment: Assessment,
    setting: AssessmentSetting | None,
    offering: Offering,
    documents: Iterable[AssessmentDocument],
) -> dict[str, Any]:
    """The `AssessmentResponse` fields of an assessment as the offering shows it."""
    themes = [
        schemas.ThemeOut(
            filter=t.get("filter"),
            numberOfQuestions=None if t.get("numberOfQuestions") is None else str(t["numberOfQuestions"]),
        )
        for t in assessment.themes or ()
    ]
    is_quiz = assessment.type == "quiz"
    total_questions = assessment.total_questions
    if total_questions is None and themes:
        total_questions = sum(int(t.numberOfQuestions or 0) for t in themes if (t.numberOfQuestions or "").isdigit())
    return {
        "id": assessment.id,
        "title": assessment.title,
        "type": assessment.type,
        "content": effective_content(assessment, setting),
        "openDate": dates.open_date(assessment, setting, offering),
        "dueDate": dates.due_date(assessment, setting, offering),
        "durationMinutes": assessment.duration_minutes,
        "maxAttempts": assessment.max_attempts,
        "markType": (setting.mark_type if setting and setting.mark_type else None) or assessment.mark_type,
        "markNumber": (setting.mark_number if setting and setting.mark_number else None) or assessment.mark_number,
        "points": assessment.points,
        "hidden": assessment.hidden,
        "pid": assessment.pid,
        "filename": assessment.filename,
        "documents": visible_documents(documents, setting),
        "themes": themes if is_quiz else None,
        "totalQuestions": total_questions if is_quiz else None,
        "totalThemes": len(themes) if is_quiz else None,
    }


def assessment_out(
    assessment: Assessment,
    setting: AssessmentSetting | None,
    offering: Offering,
    documents: Iterable[AssessmentDocument],
) -> schemas.AssessmentOut:
    return schemas.AssessmentOut(**assessment_fields(assessment, setting, offering, documents))


def mark_user_ids(marks: Iterable[Mark]) -> set[str]:
    """Every user a list of marks names (markers and feedback authors), to load them in one query."""
    ids: set[str] = set()
    for mark in marks:
        if mark.marker_user_id:
            ids.add(mark.marker_user_id)
        ids.update(str(e["markerId"]) for e in mark.history or () if e.get("markerId"))
    return ids


def mark_out(mark: Mark, users: Mapping[str, User]) -> schemas.MarkOut:
    def email(user_id: str) -> str | None:
        user = users.get(user_id)
        return user.email if user is not None else None

    return mark_fields_out(mark.id, mark.mark, mark.feedback, mark.marker_user_id, mark.history, mark.created_at, email)


def history_user_ids(marker_user_id: str | None, history: Iterable[Mapping[str, Any]] | None) -> set[str]:
    """The users one mark names (its marker and its feedback authors)."""
    ids = {str(e["markerId"]) for e in history or () if e.get("markerId")}
    if marker_user_id:
        ids.add(marker_user_id)
    return ids


def mark_json(
    mark_id: str,
    mark: str | None,
    feedback: str | None,
    marker_user_id: str | None,
    history: Iterable[Mapping[str, Any]] | None,
    created_at: datetime | str,
    email_of: Callable[[str], str | None],
) -> dict[str, Any]:
    """A mark from its columns as JSON-ready `MarkOut` fields (absent values left out); `email_of` gives the
    e-mail of a user id it names (None if unknown). Lists build thousands of these: one dict each, no model."""
    out: dict[str, Any] = {"id": mark_id}
    if mark is not None:
        out["mark"] = mark
    if feedback is not None:
        out["feedback"] = feedback
    marked_by = email_of(marker_user_id) if marker_user_id else None
    if marked_by is not None:
        out["markedBy"] = marked_by
    if marker_user_id is not None:
        out["markerId"] = marker_user_id
    out["createdAt"] = created_at
    out["markFeedback"] = [_feedback_json(entry, email_of) for entry in history or ()]
    return out


def _feedback_json(entry: Mapping[str, Any], email_of: Callable[[str], str | None]) -> dict[str, Any]:
    """One entry of a mark's stored history as `MarkFeedbackOut` fields."""
    out: dict[str, Any] = {"id": str(entry["id"])}
    for key in ("mark", "feedback"):
        value = entry.get(key)
        if value is not None:
            out[key] = value
    marker_id = entry.get("markerId")
    if marker_id:
        feedback_by = email_of(marker_id)
        if feedback_by is not None:
            out["feedbackBy"] = feedback_by
    if marker_id is not None:
        out["markerId"] = marker_id
    created = entry.get("createdAt")
    if created:
        out["createdAt"] = wire_text(created)
    return out


def mark_fields_out(
    mark_id: str,
    mark: str | None,
    feedback: str | None,
    marker_user_id: str | None,
    history: Iterable[Mapping[str, Any]] | None,
    created_at: datetime,
    email_of: Callable[[str], str | None],
) -> schemas.MarkOut:
    """`mark_json` as the response model."""
    return schemas.MarkOut.model_validate(
        mark_json(mark_id, mark, feedback, marker_user_id, history, created_at, email_of)
    )


def latest_feedback(mark: Mark) -> str | None:
    """The most recent feedback text of a mark (its history's last entry that has some)."""
    return latest_feedback_of(mark.history, mark.feedback)


def latest_feedback_of(history: Sequence[Mapping[str, Any]] | None, feedback: str | None) -> str | None:
    """`latest_feedback` from a mark's history and feedback columns."""
    for entry in reversed(history or ()):
        if entry.get("feedback"):
            return str(entry["feedback"])
    return feedback


def assignment_out(submission: Submission, marks: Iterable[Mark], users: Mapping[str, User]) -> schemas.AssignmentOut:
    return schemas.AssignmentOut(
        status=submission.status,
        submittedAt=submission.submitted_at,
        updatedAt=submission.updated_at,
        files=[file_out(f) for f in submission.files or ()],
        marks=[mark_out(m, users) for m in marks],
    )
