"""Property test (issue 19.3): extreme values the API accepts, stored through every write operation, never make
a read answer 500, and an export of them imports again.

Each example builds one organisation with the contract's write operations and the sandbox's (courses, content,
learners' work, talk, pulses, the clock), every date at an edge of the accepted range (1900-01-01 to
9000-12-31), every string at its column's length in a drawn alphabet, every bounded number at its bound (badge
timeframes, relative days, counts, file sizes, pulse values), the clock at either end; then calls every read
operation of the contract (`Api` checks each answer against the contract and refuses a 500), exports,
re-imports and reads what is computed from dates again. Bounded: `EXAMPLES` drawn examples and two explicit ones
(every edge at once, low and high) per database, no shrinking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from openqualify.server.kit.timefmt import EARLIEST, LATEST, format_datetime
from tests.fixtures.api import Api

EXAMPLES = 2
CONTRACT = Path(__file__).resolve().parents[3] / "contract" / "data" / "contract.json"

# The accepted range's ends (from the bounds themselves: loosen them and this test meets what breaks), also
# written with the largest offsets either way.
EDGES = [
    format_datetime(EARLIEST),
    (EARLIEST + timedelta(milliseconds=1)).astimezone(timezone(timedelta(hours=14))).isoformat(timespec="milliseconds"),
    (LATEST - timedelta(milliseconds=1)).astimezone(timezone(timedelta(hours=-10))).isoformat(timespec="milliseconds"),
    format_datetime(LATEST),
]
ALPHABETS = ["x", "é", "😀", "'", "%_", "\u0301", " ", "Ω\u200b"]


@dataclass(frozen=True)
class Extremes:
    low: str
    high: str
    chars: str
    long: bool
    days: int
    unit: str
    clock_at_end: bool
    pulse_value: float

    def text(self, length: int) -> str:
        """A string of `length` characters (of the alphabet), or of one when the example is short."""
        n = length if self.long else 1
        return (self.chars * n)[:n]

    def email(self, tag: str) -> str:
        """A distinct e-mail, 320 characters long in long examples."""
        if not self.long:
            return f"{tag}@x.io"
        return f"{tag}{'a' * (64 - len(tag))}@{'.'.join(['b' * 63] * 4)}"

    @property
    def timeframe(self) -> float:
        return {"days": 36_500, "months": 1_200, "years": 100}[self.unit] if self.long else 1e-9


def _rfc3339(value: datetime) -> str:
    return format_datetime(value)


dates = st.one_of(
    st.sampled_from(EDGES),
    st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None)).map(
        lambda d: _rfc3339(d.replace(tzinfo=UTC))
    ),
)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@st.composite
def extremes(draw: st.DrawFn) -> Extremes:
    a, b = draw(dates), draw(dates)
    low, high = sorted((a, b), key=_instant)
    return Extremes(
        low=low,
        high=high,
        chars=draw(st.sampled_from(ALPHABETS)),
        long=draw(st.booleans()),
        days=draw(st.sampled_from([-3650, 0, 3650])),
        unit=draw(st.sampled_from(["days", "months", "years"])),
        clock_at_end=draw(st.booleans()),
        pulse_value=draw(st.sampled_from([1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 0.0])),
    )


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201, 204)), (response.request.url, response.text[:500])
    return response.json() if response.content else None


def _write_everything(api: Api, x: Extremes) -> dict[str, str]:
    """Every write of the contract and the sandbox, with the example's values. Answers the ids reads need."""
    sandbox = api.sandbox
    lo, hi = x.low, x.high
    ids: dict[str, str] = {}
    _ok(sandbox.put("/clock", json={"now": lo if x.clock_at_end else hi}))
    course = _ok(sandbox.post("/courses", json={
        "name": x.text(300) or "c", "tags": [x.text(200)] * (200 if x.long else 1), "createdAt": lo,
        "category": x.text(200), "level": x.text(200), "topic": x.text(200),
        "learningOutcomes": [{"description": x.text(1000)}],
    }))
    root, content = course["rootContentId"], course["contentId"]
    ids.update(contentId=content, rootContentId=root)
    for field, value in (("category", x.text(200)), ("level", x.text(200)), ("topic", x.text(200))):
        _ok(api.put(f"/courses/{content}/metadata/{field}", json={field: value}))
    _ok(api.put(f"/courses/{content}/metadata/tags", json={"tags": [x.text(200)] * (200 if x.long else 1)}))

    badge = {"title": x.text(300), "description": x.text(5000),
             "badgeExpiry": {"expires": True, "expiryType": "timeframe", "timeframeAmount": x.timeframe,
                             "timeframeUnit": x.unit}}
    offering_body = {
        "name": x.text(300), "contentId": content, "start": lo, "end": hi, "identifier": x.text(200),
        "description": x.text(5000), "overview": x.text(5000), "useRelativeDates": x.days != 0,
        "earlyCloseOffDate": hi, "metadata": {"tags": [x.text(200)] * (200 if x.long else 1),
                                             "category": x.text(200), "level": x.text(200), "topic": x.text(200)},
        "badge": badge, "createDefaultChannels": True,
    }
    offering = _ok(api.post("/offerings", json=offering_body))["id"]
    other = _ok(api.post("/offerings", json={**offering_body, "badge": {
        "title": "dated", "badgeExpiry": {"expires": True, "expiryType": "date", "expirationDate": hi}}}))["id"]
    ids.update(offeringId=offering, textPattern=(x.text(3) if x.long else "xxx"))
    _ok(api.patch(f"/offerings/{offering}", json={"start": lo, "end": hi, "earlyCloseOffDate": lo}))
    for field in ("category", "level", "topic"):
        _ok(api.put(f"/offerings/{offering}/metadata/{field}", json={field: x.text(200)}))
    _ok(api.put(f"/offerings/{offering}/metadata/tags", json={"tags": [x.text(200)]}))

    learner, marker, facilitator, second, third = (x.email(tag) for tag in ("l", "m", "f", "s", "t"))
    person = {"firstName": x.text(200) or "f", "lastName": x.text(200) or "l", "personId": x.text(200) or "p"}
    _ok(api.post("/users", json={"email": learner, **person, "metadata": {"tags": [x.text(200)]},
                                 "profile": {"displayName": x.text(200)}, "sendInvite": False}))
    _ok(api.patch(f"/users/{learner}", json={"lastName": x.text(200) or "l", "profile": {"displayName": x.text(200)}}))
    _ok(api.post(f"/users/{learner}/invite-email"))
    _ok(api.post(f"/offerings/{offering}/users", json=[
        {"email": learner, **person},
        {"email": marker, **person, "isMarker": True},
        {"email": facilitator, **person, "isFacilitator": True},
        {"email": second, **person},
    ]), 201)
    _ok(api.post("/users", json={"email": third, **person}))
    _ok(api.post(f"/users/{third}/offerings", json=[other]))
    _ok(api.post(f"/users/{facilitator}/permissions/builder"))
    _ok(api.post(f"/courses/{root}/permissions/{facilitator}", json={"isBuilder": True}), 200, 201)
    _ok(api.post(f"/offerings/{offering}/users/{marker}/marks", json=[learner, second]))
    _ok(api.delete(f"/offerings/{offering}/users/{marker}/marks", json=[second]))
    ids.update(userEmail=learner, markerEmail=marker)
    _ok(sandbox.put(f"/offerings/{offering}/users/{learner}/start", json={"start": hi}))

    quiz = _ok(sandbox.post("/assessments", json={
        "contentId": content, "type": "quiz", "title": x.text(300) or "q", "openDate": lo, "dueDate": hi,
        "openOffsetDays": min(x.days, 0), "dueOffsetDays": max(x.days, 0), "maxAttempts": 100_000,
        "durationMinutes": 100_000, "themes": [{"filter": x.text(100), "numberOfQuestions": 100_000}],
    }))["id"]
    assignment = _ok(sandbox.post("/assessments", json={
        "contentId": content, "type": "assignment", "title": x.text(300) or "a", "content": x.text(5000),
        "markType": "points", "markNumber": "100", "openDate": lo, "dueDate": hi,
        "openOffsetDays": x.days, "dueOffsetDays": x.days,
    }))["id"]
    document = _ok(sandbox.post(f"/assessments/{assignment}/documents", json={
        "filename": x.text(300) or "f", "size": 2**31 - 1, "createdAt": lo}))["id"]
    spare = _ok(sandbox.post(f"/assessments/{assignment}/documents", json={"filename": "spare", "createdAt": hi}))
    ids.update(assessmentId=assignment, documentId=document)
    _ok(api.patch(f"/offerings/{offering}/assessments/{assignment}", json={"content": x.text(5000)}))
    _ok(api.patch(f"/offerings/{offering}/assessments/{quiz}/{learner}", json={"dueDate": hi}))
    _ok(api.delete(f"/offerings/{offering}/assessments/{assignment}/documents/{spare['id']}"))
    submission = _ok(sandbox.post(f"/offerings/{offering}/assessments/{assignment}/submissions", json={
        "email": learner, "html": x.text(5000), "submittedAt": lo, "updatedAt": hi,
        "files": [{"filename": x.text(300) or "f", "size": 2**31 - 1, "createdAt": hi}]}))["id"]
    mark = _ok(sandbox.post(f"/submissions/{submission}/marks", json={
        "mark": x.text(40) or "m", "feedback": x.text(5000), "markedBy": marker, "createdAt": hi}))["id"]
    _ok(sandbox.post(f"/marks/{mark}/feedback", json={"feedback": x.text(5000), "feedbackBy": facilitator,
                                                        "createdAt": lo}))
    redo = _ok(sandbox.post(f"/offerings/{offering}/assessments/{assignment}/submissions", json={
        "email": second, "submittedAt": hi}))
    assert redo["id"]
    _ok(api.delete(f"/offerings/{offering}/users/{second}/assessments/{assignment}"))
    _ok(sandbox.post(f"/offerings/{offering}/assessments/{quiz}/attempts", json={
        "email": learner, "mark": x.text(40) or "1", "attemptedAt": hi}))
    activity = _ok(sandbox.post("/activities", json={"contentId": content, "title": x.text(300) or "a",
                                                      "time": 1.7976931348623157e308}))["activityId"]
    _ok(sandbox.post(f"/offerings/{offering}/activities/{activity}/attempts", json={
        "email": learner, "responseText": x.text(5000), "createdAt": lo,
        "uploadedFiles": [{"filename": x.text(300) or "f", "size": 2**31 - 1}],
        "feedback": {"facilitatorEmail": facilitator, "text": x.text(5000)}}))

    page = _ok(sandbox.post(f"/content/{content}/pages", json={"title": x.text(300) or "p", "taskCount": 10_000}))
    _ok(sandbox.put(f"/offerings/{offering}/users/{learner}/pages/{page['id']}/progress",
                    json={"viewed": True, "tasksDone": 10_000}))
    _ok(sandbox.post(f"/offerings/{offering}/users/{learner}/logins", json={"at": lo}))
    _ok(sandbox.post(f"/offerings/{offering}/users/{learner}/logins", json={"at": hi}))
    _ok(sandbox.post(f"/offerings/{offering}/unit-reactions", json={
        "email": learner, "pageId": page["id"], "reaction": "thumbs-up"}))
    _ok(sandbox.post(f"/offerings/{offering}/social-notes", json={
        "email": learner, "pageId": page["id"], "paragraphId": x.text(200) or "p", "content": x.text(5000) or "c",
        "createdAt": hi}))
    pulse = _ok(sandbox.post(f"/offerings/{offering}/pulses", json={
        "question": x.text(5000) or "q", "pulseType": "spatial_planar", "options": [x.text(300) or "o"]}))["id"]
    run = _ok(sandbox.post(f"/offerings/{offering}/pulses/{pulse}/runs", json={"start": hi,
                                                                                "durationMinutes": 525_600}))
    _ok(sandbox.post(f"/offerings/{offering}/pulses/{pulse}/runs/{run['id']}/responses", json={
        "email": learner, "responseTime": lo,
        "response": {"spatialAnswer": [{"option": x.text(300) or "o", "value": x.pulse_value}]}}))
    ids["pulseId"] = pulse

    channel = _ok(api.post(f"/offerings/{offering}/channels", json={
        "title": x.text(5000) or "c", "isBroadcastOnly": False, "groupDiscussion": True}))["id"]
    _ok(api.patch(f"/offerings/{offering}/channels/{channel}", json={"title": x.text(5000) or "t",
                                                                     "group": {"autoAssign": False}}))
    _ok(api.post(f"/offerings/{offering}/channels/{channel}/learners", json={"email": learner}))
    _ok(api.post(f"/offerings/{offering}/channels/{channel}/learners", json={"email": second}))
    _ok(api.delete(f"/offerings/{offering}/channels/{channel}/learners", json={"email": second}))
    post = _ok(sandbox.post(f"/offerings/{offering}/channels/{channel}/posts", json={
        "email": learner, "title": x.text(5000), "content": x.text(5000), "createdAt": lo,
        "attachments": [{"mimetype": x.text(100) or "m", "size": 2**31 - 1, "url": x.text(1000) or "u"}]}))["id"]
    comment = _ok(sandbox.post(f"/posts/{post}/comments", json={"email": facilitator, "content": x.text(5000),
                                                                  "createdAt": hi}))["id"]
    reply = _ok(sandbox.post(f"/comments/{comment}/replies", json={"email": learner, "content": x.text(5000),
                                                                    "createdAt": hi}))["id"]
    _ok(sandbox.put(f"/posts/{post}/moderation", json={"reason": x.text(5000), "moderatorEmail": facilitator}))
    _ok(sandbox.put(f"/comments/{reply}/moderation", json={"reason": x.text(5000)}))
    ids["channelId"] = channel

    group = _ok(api.post(f"/offerings/{offering}/groups", json={"title": x.text(5000) or "g"}))["id"]
    _ok(api.post(f"/offerings/{offering}/groups/{group}/learners", json={"email": learner}))
    _ok(api.post(f"/offerings/{offering}/groups/{group}/learners", json={"email": second}))
    _ok(api.delete(f"/offerings/{offering}/groups/{group}/learners/{second}"))
    ids["groupId"] = group

    external = x.text(500).replace("/", "-") or "e"
    _ok(api.put(f"/course-mappings/{offering}/{quote(external, safe='')}"))
    _ok(api.put(f"/course-mappings/{other}/spare"))
    _ok(api.delete(f"/course-mappings/{other}/spare"))
    ids["externalCourseId"] = external

    _ok(api.post(f"/offerings/{offering}/users/{learner}/badges/award"), 201)
    _ok(api.post(f"/offerings/{other}/users/{third}/badges/award"), 201)
    _ok(api.patch(f"/users/{third}/transfer", json={"fromOfferingId": other, "toOfferingId": offering}))
    _ok(api.put(f"/users/{second}/suspend", json={"suspended": True}))
    _ok(api.delete(f"/offerings/{offering}/users/{second}"))
    # The clock to the far end of the range: relative dates, pending work and badge expiry count from it.
    _ok(sandbox.put("/clock", json={"now": hi if x.clock_at_end else lo, "frozen": True}))
    return ids


def _contract_reads() -> list[str]:
    contract = json.loads(CONTRACT.read_text())
    return [path for path, operations in contract["paths"].items() if "get" in operations]


def _read_everything(api: Api, ids: dict[str, str], x: Extremes) -> int:
    """Every read of the contract with the example's ids (and extreme query values); answers the count."""
    calls = 0
    for template in _contract_reads():
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", quote(value, safe="@"))
        assert "{" not in path, f"no id for {template}"
        api.get(path)  # validated against the contract; a 500 fails here
        calls += 1
    offering = ids["offeringId"]
    for path, params in (
        ("/users/all/progress", {"$top": "1000", "$orderby": "lastName desc"}),
        ("/users/all/progress", {"$filter": "offerings/any(o: o/completion ge 0)"}),
        ("/offerings/summary", {"$top": "1000", "$orderby": "end desc",
                                "$filter": f"start ge {EDGES[0]} and end le {EDGES[-1]}"}),
        (f"/offerings/{offering}/learners/pending-submission", {"days": "36500"}),
        (f"/offerings/{offering}/analytics/pulses/responses", {"responseTime": f"gte__{x.low}"}),
        (f"/offerings/{offering}/analytics/pulses/responses", {"responseTime": f"lt__{EDGES[0]}"}),
        (f"/offerings/{offering}/analytics/pulses/responses", {"responseTime": f"gt__{EDGES[-1]}"}),
    ):
        api.get(path, params=params)
        calls += 1
    return calls


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(Extremes(EDGES[0], EDGES[0], "x", True, -3650, "years", False, -1.7976931348623157e308))
@example(Extremes(EDGES[-1], EDGES[-1], "😀", True, 3650, "days", True, 1.7976931348623157e308))
@given(x=extremes())
def test_extreme_values_never_make_a_read_fail(new_api: Any, x: Extremes) -> None:
    api: Api = new_api()
    ids = _write_everything(api, x)
    assert _read_everything(api, ids, x) >= len(_contract_reads())
    exported = _ok(api.sandbox.get("/export"))
    assert _ok(api.sandbox.post("/import", json=exported))["tables"]["offerings"] == 2  # what the API took, imports
    offering, learner = ids["offeringId"], quote(ids["userEmail"], safe="@")
    for path in (f"/users/{learner}/badges", f"/offerings/{offering}/assessments", "/offerings/current",
                 f"/offerings/{offering}/learners/pending-submission?days=36500", f"/users/{learner}/progress"):
        api.get(path)  # what the reads compute from dates, once more from the imported rows
