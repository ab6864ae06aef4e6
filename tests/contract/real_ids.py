"""Coherent sets of real ids of the demo organisation, so that generated requests get past the 404 wall.

Each set describes one offering: its id, its course's content and root content ids, one of its channels,
groups, assessments (with a document), pulses, learners and markers, a mapped external course id, and a word of
its info text. A set is built from the organisation's sandbox export (`GET /_sandbox/export`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

IdSet = dict[str, str]


def _first(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    return next((row for row in rows if all(row.get(k) == v for k, v in match.items())), None)


def id_sets(export: dict[str, Any], limit: int = 4) -> list[IdSet]:
    """Up to `limit` sets, offerings with the most learners first."""
    tables: dict[str, list[dict[str, Any]]] = export["tables"]
    emails = {user["id"]: user["email"] for user in tables["users"]}
    members = tables.get("memberships", [])
    learners = Counter(
        m["offering_id"] for m in members if not (m["is_facilitator"] or m["is_marker"] or m["is_readonly"])
    )
    sets: list[IdSet] = []
    for offering_id, _ in learners.most_common():
        offering = _first(tables["offerings"], id=offering_id)
        assert offering is not None
        ids: IdSet = {
            "offeringId": offering_id,
            "contentId": offering["content_id"],
            "rootContentId": offering["course_id"],
        }
        learner = _first(members, offering_id=offering_id, is_facilitator=False, is_marker=False, is_readonly=False)
        marker = _first(members, offering_id=offering_id, is_marker=True)
        if learner:
            ids["userEmail"] = emails[learner["user_id"]]
        if marker:
            ids["markerEmail"] = emails[marker["user_id"]]
        optional = {
            "channelId": _first(tables.get("channels", []), offering_id=offering_id),
            "groupId": _first(tables.get("assessment_groups", []), offering_id=offering_id),
            "pulseId": _first(tables.get("pulses", []), offering_id=offering_id),
            "externalCourseId": _first(tables.get("course_mappings", []), offering_id=offering_id),
        }
        for name, row in optional.items():
            if row is not None:
                ids[name] = row["external_course_id" if name == "externalCourseId" else "id"]
        content_id = offering["content_id"]
        course_assessments = {a["id"] for a in tables.get("assessments", []) if a["content_id"] == content_id}
        # A document of one of the course's assessments (the course's own, or this offering's).
        document = next(
            (d for d in tables.get("assessment_documents", [])
             if d["assessment_id"] in course_assessments and d["offering_id"] in (None, offering_id)),
            None,
        )
        assessment = _first(tables.get("assessments", []), content_id=offering["content_id"])
        if document is not None:
            ids["assessmentId"], ids["documentId"] = document["assessment_id"], document["id"]
        elif assessment is not None:
            ids["assessmentId"] = assessment["id"]
        if offering.get("info"):
            ids["textPattern"] = str(offering["info"]).split()[0]
        sets.append(ids)
        if len(sets) == limit:
            break
    return sets
