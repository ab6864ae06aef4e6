"""Every event type the hub raises, grouped in categories as iQualify's Event hub page groups them.

`name` is the label of iQualify's page ("Awarded a badge"); `type` is the stable machine name receivers switch
on. `sample` is the `data` of `POST /event-hub/test`: the shape a real event of the type has, with made-up values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

USERS = "Users"
ENROLMENT = "Enrolment"
CONTENT = "Content"
ASSESSMENT = "Assessment"
SOCIAL = "Social"
OFFERINGS = "Offerings"
CATEGORIES = (USERS, ENROLMENT, CONTENT, ASSESSMENT, SOCIAL, OFFERINGS)

# The blocks of the samples (ids in the shapes the API gives them; names plainly made up).
_USER = {
    "id": "-SampleUser00000001",
    "email": "sample.learner@example.com",
    "firstName": "Sample",
    "lastName": "Learner",
    "personId": "P-0001",
}
_OFFERING = {"id": "-SampleOffering00001", "name": "Sample offering", "tags": ["sample"]}
_COURSE = {
    "contentId": "-SampleContent000001",
    "rootContentId": "-SampleContent000001",
    "name": "Sample course",
    "tags": ["sample"],
}
_PAGE = {"id": "-SamplePage000000001", "title": "Sample page", "tags": []}
_TASK = {"id": "-SampleTask000000001", "title": "Case study", "type": "assignment", "tags": []}
_QUIZ = {"id": "-SampleQuiz000000001", "title": "Sample quiz", "type": "quiz", "tags": []}
_CHANNEL = {"id": "-SampleChannel000001", "title": "General"}
_POST = {"id": "-SamplePost000000001", "title": "Hello", "content": "<p>Hello everyone</p>"}
_LEARNING = {"user": _USER, "offering": _OFFERING, "course": _COURSE}
_STAMP = "2024-01-01T00:00:00.000Z"


@dataclass(frozen=True, slots=True)
class EventType:
    type: str
    category: str
    name: str
    description: str
    sample: dict[str, Any]


CATALOGUE: tuple[EventType, ...] = (
    EventType(
        "user.created", USERS, "Created a user", "A user account was created (by the API or by adding someone to "
        "an offering).", {"user": {**_USER, "tags": []}},
    ),
    EventType(
        "user.updated", USERS, "Updated a user", "A user's details changed; `changed` names the fields.",
        {"user": {**_USER, "tags": []}, "changed": ["firstName"]},
    ),
    EventType(
        "user.suspended", USERS, "Suspended a user", "A user was suspended (reinstating raises user.updated).",
        {"user": {**_USER, "tags": []}},
    ),
    EventType(
        "user.permission_added", USERS, "Granted a permission",
        "A user was made an organisation builder or manager, or a builder or reviewer of one course.",
        {"user": {**_USER, "tags": []}, "permission": "builder"},
    ),
    EventType(
        "offering.user_added", ENROLMENT, "Added to an offering",
        "A user joined an offering as a learner, facilitator or marker.",
        {**_LEARNING, "role": "learner", "isFacilitator": False, "isMarker": False, "isReadonly": False},
    ),
    EventType(
        "offering.user_removed", ENROLMENT, "Removed from an offering", "A user was removed from an offering.",
        {**_LEARNING, "role": "learner"},
    ),
    EventType(
        "offering.user_transferred", ENROLMENT, "Transferred to another offering",
        "A user was moved, with their work, to another offering of the same content.",
        {**_LEARNING, "fromOffering": {**_OFFERING, "id": "-SampleOffering00000", "name": "Earlier offering"},
         "role": "learner"},
    ),
    EventType(
        "page.viewed", CONTENT, "Viewed a page", "A learner viewed a page of a course.",
        {**_LEARNING, "page": _PAGE, "tasksDone": 0},
    ),
    EventType(
        "unit.reacted", CONTENT, "Reacted to a page", "A learner gave a page a thumbs-up or a thumbs-down.",
        {**_LEARNING, "page": _PAGE, "reaction": "thumbs-up"},
    ),
    EventType(
        "badge.awarded", CONTENT, "Awarded a badge", "A learner was awarded the offering's badge.",
        {**_LEARNING, "badge": {"id": "-SampleAward00000001", "title": "Sample badge", "awardedAt": _STAMP,
                                "badgeUrl": "https://badges.iqualify.com/assertions/-SampleAward00000001"}},
    ),
    EventType(
        "learner.completed", CONTENT, "Completed a course", "A learner's completion of an offering reached 100 %.",
        {**_LEARNING, "completion": 100},
    ),
    EventType(
        "assessment.submitted", ASSESSMENT, "Submitted an assessment", "A learner submitted an assignment or an "
        "open-response task.", {**_LEARNING, "assessment": _TASK,
                                "submission": {"id": "-SampleSubmission001", "submittedAt": _STAMP}},
    ),
    EventType(
        "assessment.marked", ASSESSMENT, "Marked an assessment", "A learner's submission was marked (or marked "
        "again).", {**_LEARNING, "assessment": _TASK, "submission": {"id": "-SampleSubmission001"},
                    "mark": {"id": "-SampleMark000000001", "mark": "80", "feedback": "Well argued."},
                    "marker": {"email": "sample.marker@example.com", "firstName": "Sample", "lastName": "Marker"}},
    ),
    EventType(
        "assessment.reset", ASSESSMENT, "Reset an assessment", "A learner's submitted work was sent back to draft.",
        {**_LEARNING, "assessment": _TASK, "submission": {"id": "-SampleSubmission001"}},
    ),
    EventType(
        "quiz.attempted", ASSESSMENT, "Attempted a quiz", "A learner finished an attempt at a quiz.",
        {**_LEARNING, "quiz": _QUIZ, "attempt": {"id": "-SampleAttempt000001", "mark": "75",
                                                  "attemptedAt": _STAMP}},
    ),
    EventType(
        "channel.post_created", SOCIAL, "Posted in a channel", "Someone started a thread in a talk channel.",
        {**_LEARNING, "channel": _CHANNEL, "post": _POST},
    ),
    EventType(
        "channel.comment_created", SOCIAL, "Commented in a channel", "Someone commented on a post or replied to "
        "a comment.", {**_LEARNING, "channel": _CHANNEL, "post": {"id": _POST["id"], "title": _POST["title"]},
                       "comment": {"id": "-SampleComment000001", "content": "<p>Agreed</p>",
                                   "parentCommentId": None}},
    ),
    EventType(
        "pulse.responded", SOCIAL, "Responded to a pulse", "A learner answered a pulse.",
        {**_LEARNING, "pulse": {"id": "-SamplePulse00000001", "question": "How are you finding the course?",
                                "pulseType": "submit_text", "tags": []},
         "response": {"id": "-SampleResponse00001", "pulseInstanceId": "-SampleRun0000000001",
                      "responseTime": _STAMP, "answer": {"textAnswer": "Good so far"}}},
    ),
    EventType(
        "offering.created", OFFERINGS, "Created an offering", "An offering (class activation) was created.",
        {"offering": {**_OFFERING, "identifier": "SAMPLE-1", "contentId": _COURSE["contentId"], "start": _STAMP,
                      "end": None}, "course": _COURSE},
    ),
    EventType(
        "offering.updated", OFFERINGS, "Updated an offering", "An offering's details changed; `changed` names the "
        "fields.", {"offering": {**_OFFERING, "identifier": "SAMPLE-1", "contentId": _COURSE["contentId"],
                                 "start": _STAMP, "end": None}, "course": _COURSE, "changed": ["name"]},
    ),
)

BY_TYPE: dict[str, EventType] = {event.type: event for event in CATALOGUE}
EVENT_TYPES: tuple[str, ...] = tuple(BY_TYPE)

# The blocks that name a person: an anonymous event drops them (iQualify's "Anonymous" toggle).
PERSON_KEYS = ("user", "marker")


def anonymised(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in PERSON_KEYS}
