"""One exercised call per contract operation: what the SDK must send and what it must return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openqualify.client import BulkAddResult, OfferingUser
from openqualify.client import models as m

EMAIL = "ann+lee@example.com"
ENC = "ann%2Blee%40example.com"  # the e-mail as a path segment
NO_BODY = object()


@dataclass
class Case:
    """Calling `call(client)` must send `method raw_path` with `query`/`body` and turn `response` into `check`."""

    method: str
    template: str
    call: Callable[[Any], Any]
    raw_path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    body: Any = NO_BODY
    status: int = 200
    response: Any = None
    check: Callable[[Any], bool] = lambda result: result is None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.template)


OFFERING = {"id": "o1", "name": "Intro", "start": "2024-02-01T09:00:00.000Z", "metadata": {"rootContentId": "r1"}}
USER = {"id": "u1", "email": EMAIL, "firstName": "Ann", "profile": {"displayName": "Ann"}, "newField": 1}
MEMBER = {"email": EMAIL, "isFacilitator": True, "marks": ["x@example.com"]}
COURSE_META = {"id": "c1", "tasksEnabled": True, "metadata": {"rootContentId": "r1", "tags": ["a"]}}
ASSESSMENT = {"id": "as1", "title": "Quiz", "dueDate": "2024-03-01T00:00:00Z", "documents": [{"id": "d1", "size": 3}]}
PULSE = {"pulseBaseId": "p1", "response": {"multiChoiceAnswer": [{"option": "a", "value": True}]}}
DUE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def first(cls: type, **expected: Any) -> Callable[[Any], bool]:
    """The result is a one-item list of `cls` whose attributes have the expected values."""
    return lambda result: (
        isinstance(result, list)
        and len(result) == 1
        and isinstance(result[0], cls)
        and all(getattr(result[0], k) == v for k, v in expected.items())
    )


def one(cls: type, **expected: Any) -> Callable[[Any], bool]:
    return lambda result: isinstance(result, cls) and all(getattr(result, k) == v for k, v in expected.items())


CASES: list[Case] = [
    # API info / organisation
    Case("GET", "/", lambda c: c.org.endpoints(), "/v1/", response={"org": "https://x/v1/org"},
         check=lambda r: r == {"org": "https://x/v1/org"}),
    Case("GET", "/org", lambda c: c.org.get(), "/v1/org", response={"id": "org1", "name": "Acme"},
         check=one(m.OrgResponse, name="Acme")),
    # Course mappings
    Case("GET", "/course-mappings", lambda c: c.course_mappings.list(), "/v1/course-mappings",
         response={"o1": "EXT-1"}, check=lambda r: r == {"o1": "EXT-1"}),
    Case("GET", "/course-mappings/externalcourse/{externalCourseId}",
         lambda c: c.course_mappings.offerings_for("EXT 1/a"), "/v1/course-mappings/externalcourse/EXT%201%2Fa",
         response=["o1"], check=lambda r: r == ["o1"]),
    Case("GET", "/course-mappings/{offeringId}", lambda c: c.course_mappings.for_offering("-Mx_1"),
         "/v1/course-mappings/-Mx_1", response=["EXT-1"], check=lambda r: r == ["EXT-1"]),
    Case("PUT", "/course-mappings/{offeringId}/{externalCourseId}", lambda c: c.course_mappings.add("o1", "E2"),
         "/v1/course-mappings/o1/E2", response=["E1", "E2"], check=lambda r: r == ["E1", "E2"]),
    Case("DELETE", "/course-mappings/{offeringId}/{externalCourseId}",
         lambda c: c.course_mappings.remove("o1", "E2"), "/v1/course-mappings/o1/E2", response=["E1"],
         check=lambda r: r == ["E1"]),
    # Courses
    Case("GET", "/courses", lambda c: c.courses.list(), "/v1/courses",
         response=[{"id": "c1", "metadata": {"learning_outcomes": [{"id": "lo1", "description": "d"}]}}],
         check=lambda r: r[0].metadata.learning_outcomes[0].description == "d"),
    Case("GET", "/courses/{contentId}", lambda c: c.courses.get("c1"), "/v1/courses/c1", response=COURSE_META,
         check=lambda r: r.tasks_enabled is True and r.metadata.root_content_id == "r1"),
    Case("GET", "/courses/{contentId}/activations", lambda c: c.courses.activations("c1"),
         "/v1/courses/c1/activations", response=[{"id": "o1", "learnersCount": "3"}],
         check=first(m.ActivationResponse, learners_count="3")),
    Case("PUT", "/courses/{contentId}/metadata/category", lambda c: c.courses.set_category("c1", "Safety"),
         "/v1/courses/c1/metadata/category", body={"category": "Safety"}, response=COURSE_META,
         check=one(m.CourseMetaResponse, id="c1")),
    Case("PUT", "/courses/{contentId}/metadata/level", lambda c: c.courses.set_level("c1", "Beginner"),
         "/v1/courses/c1/metadata/level", body={"level": "Beginner"}, response=COURSE_META,
         check=one(m.CourseMetaResponse, id="c1")),
    Case("PUT", "/courses/{contentId}/metadata/tags", lambda c: c.courses.set_tags("c1", ("a", "b")),
         "/v1/courses/c1/metadata/tags", body={"tags": ["a", "b"]}, response=COURSE_META,
         check=lambda r: r.metadata.tags == ["a"]),
    Case("PUT", "/courses/{contentId}/metadata/topic", lambda c: c.courses.set_topic("c1", "Fire"),
         "/v1/courses/c1/metadata/topic", body={"topic": "Fire"}, response=COURSE_META,
         check=one(m.CourseMetaResponse, id="c1")),
    Case("GET", "/courses/{contentId}/permissions", lambda c: c.courses.permissions("c1"),
         "/v1/courses/c1/permissions", response=[{"email": EMAIL, "isBuilder": True}],
         check=first(m.UserPermission, is_builder=True)),
    Case("POST", "/courses/{rootContentId}/permissions/{userEmail}",
         lambda c: c.courses.grant_permission("r1", EMAIL, is_builder=False, is_reviewer=True),
         f"/v1/courses/r1/permissions/{ENC}", body={"isBuilder": False, "isReviewer": True}, status=201,
         response={"contentId": "r1"}, check=one(m.PermissionGranted, content_id="r1")),
    # Offerings
    Case("GET", "/offerings", lambda c: c.offerings.list(), "/v1/offerings", response=[OFFERING],
         check=first(m.OfferingMetadataResponse, start=datetime(2024, 2, 1, 9, tzinfo=UTC))),
    Case("POST", "/offerings",
         lambda c: c.offerings.create(start=datetime(2024, 2, 1, 9, tzinfo=UTC), root_content_id="r1",
                                      name="Intro", metadata={"tags": ["x"]}, create_default_channels=True),
         "/v1/offerings", status=201, response=OFFERING,
         body={"start": "2024-02-01T09:00:00.000Z", "name": "Intro", "rootContentId": "r1",
               "metadata": {"tags": ["x"]}, "createDefaultChannels": True},
         check=lambda r: r.metadata.root_content_id == "r1"),
    Case("GET", "/offerings/current", lambda c: c.offerings.current(), "/v1/offerings/current",
         response=[OFFERING], check=first(m.OfferingMetadataResponse, id="o1")),
    Case("GET", "/offerings/future", lambda c: c.offerings.future(), "/v1/offerings/future", response=[],
         check=lambda r: r == []),
    Case("GET", "/offerings/past", lambda c: c.offerings.past(), "/v1/offerings/past", response=[OFFERING],
         check=first(m.OfferingMetadataResponse, name="Intro")),
    Case("GET", "/offerings/info/{textPattern}", lambda c: c.offerings.search("Fire 101"),
         "/v1/offerings/info/Fire%20101", response=[{"id": "o1", "learnersCount": 4}],
         check=first(m.PortfolioActivations, learners_count=4)),
    Case("GET", "/offerings/summary",
         lambda c: c.offerings.summary(top=20, orderby="start desc", filter="contains(name,'Fire')"),
         "/v1/offerings/summary",
         query=[("$top", "20"), ("$orderby", "start desc"), ("$filter", "contains(name,'Fire')")],
         response=[{"id": "o1"}], check=first(m.PortfolioActivations, id="o1")),
    Case("GET", "/offerings/{offeringId}", lambda c: c.offerings.get("o1"), "/v1/offerings/o1", response=OFFERING,
         check=one(m.OfferingMetadataResponse, name="Intro")),
    Case("PATCH", "/offerings/{offeringId}",
         lambda c: c.offerings.update("o1", name="New", extra={"end": None}), "/v1/offerings/o1",
         body={"name": "New", "end": None}, response=OFFERING, check=one(m.OfferingMetadataResponse, id="o1")),
    Case("PUT", "/offerings/{offeringId}/metadata/category", lambda c: c.offerings.set_category("o1", "A"),
         "/v1/offerings/o1/metadata/category", body={"category": "A"}, response=OFFERING,
         check=one(m.OfferingMetadataResponse, id="o1")),
    Case("PUT", "/offerings/{offeringId}/metadata/level", lambda c: c.offerings.set_level("o1", "B"),
         "/v1/offerings/o1/metadata/level", body={"level": "B"}, response=OFFERING,
         check=one(m.OfferingMetadataResponse, id="o1")),
    Case("PUT", "/offerings/{offeringId}/metadata/tags", lambda c: c.offerings.set_tags("o1", ["t"]),
         "/v1/offerings/o1/metadata/tags", body={"tags": ["t"]}, response=OFFERING,
         check=one(m.OfferingMetadataResponse, id="o1")),
    Case("PUT", "/offerings/{offeringId}/metadata/topic", lambda c: c.offerings.set_topic("o1", "T"),
         "/v1/offerings/o1/metadata/topic", body={"topic": "T"}, response=OFFERING,
         check=one(m.OfferingMetadataResponse, id="o1")),
    # Offering learners
    Case("GET", "/offerings/{offeringId}/users",
         lambda c: c.offerings.users("o1", facilitators=False, learners=True), "/v1/offerings/o1/users",
         query=[("facilitators", "false"), ("learners", "true")], response=[MEMBER],
         check=first(m.OfferingUserResponse, is_facilitator=True, marks=["x@example.com"])),
    Case("POST", "/offerings/{offeringId}/users",
         lambda c: c.offerings.add_users("o1", [OfferingUser(email=EMAIL, first_name="Ann", is_marker=True),
                                               {"email": "bo@example.com", "sendInvite": False}]),
         "/v1/offerings/o1/users", status=207,
         body=[{"email": EMAIL, "firstName": "Ann", "isMarker": True},
               {"email": "bo@example.com", "sendInvite": False}],
         response=[{"email": EMAIL, "invite": {"url": "https://x"}},
                   {"name": "ObjectExistsError", "details": "exists", "email": "bo@example.com"}],
         check=lambda r: isinstance(r, BulkAddResult) and [i.ok for i in r.items] == [True, False]
         and r.items[0].user.invite.url == "https://x" and r.items[1].error.name == "ObjectExistsError"),
    Case("DELETE", "/offerings/{offeringId}/users/{userEmail}", lambda c: c.offerings.remove_user("o1", EMAIL),
         f"/v1/offerings/o1/users/{ENC}", status=204),
    Case("GET", "/offerings/{offeringId}/users/{markerEmail}/marks",
         lambda c: c.offerings.marker_learners("o1", EMAIL), f"/v1/offerings/o1/users/{ENC}/marks",
         response=[MEMBER], check=first(m.OfferingUserResponse, email=EMAIL)),
    Case("POST", "/offerings/{offeringId}/users/{markerEmail}/marks",
         lambda c: c.offerings.add_marker_learners("o1", EMAIL, ["l@example.com"]),
         f"/v1/offerings/o1/users/{ENC}/marks", body=["l@example.com"], response=[MEMBER],
         check=first(m.OfferingUserResponse, email=EMAIL)),
    Case("DELETE", "/offerings/{offeringId}/users/{markerEmail}/marks",
         lambda c: c.offerings.remove_marker_learners("o1", EMAIL, ("l@example.com",)),
         f"/v1/offerings/o1/users/{ENC}/marks", body=["l@example.com"], response=[],
         check=lambda r: r == []),
    Case("PATCH", "/users/{userEmail}/transfer",
         lambda c: c.users.transfer(EMAIL, from_offering_id="o1", to_offering_id="o2", send_invite=True),
         f"/v1/users/{ENC}/transfer", body={"fromOfferingId": "o1", "toOfferingId": "o2", "sendInvite": True}),
    # Assessment management
    Case("GET", "/offerings/{offeringId}/activities/openresponse",
         lambda c: c.assessments.open_response_activities("o1"), "/v1/offerings/o1/activities/openresponse",
         response=[{"activityId": "a1", "title": "Reflect", "time": 5}],
         check=first(m.OfferingActivitiesResponse, title="Reflect", time=5)),
    Case("GET", "/offerings/{offeringId}/assessments", lambda c: c.assessments.list("o1"),
         "/v1/offerings/o1/assessments", response=[ASSESSMENT],
         check=lambda r: r[0].due_date == datetime(2024, 3, 1, tzinfo=UTC) and r[0].documents[0].size == 3),
    Case("PATCH", "/offerings/{offeringId}/assessments/{assessmentId}",
         lambda c: c.assessments.update("o1", "as1", due_date=DUE, mark_type="points"),
         "/v1/offerings/o1/assessments/as1", body={"dueDate": "2024-03-01T12:00:00.000Z", "markType": "points"},
         response=ASSESSMENT, check=one(m.AssessmentResponse, title="Quiz")),
    Case("DELETE", "/offerings/{offeringId}/assessments/{assessmentId}/documents/{documentId}",
         lambda c: c.assessments.delete_document("o1", "as1", "d1"),
         "/v1/offerings/o1/assessments/as1/documents/d1", status=204),
    Case("PATCH", "/offerings/{offeringId}/assessments/{assessmentId}/{userEmail}",
         lambda c: c.assessments.set_learner_due_date("o1", "as1", EMAIL, "2024-04-01T00:00:00Z"),
         f"/v1/offerings/o1/assessments/as1/{ENC}", body={"dueDate": "2024-04-01T00:00:00Z"}, status=204),
    Case("GET", "/offerings/{offeringId}/learners/pending-submission",
         lambda c: c.assessments.pending_submission("o1", days=7), "/v1/offerings/o1/learners/pending-submission",
         query=[("days", "7")], response=[{**ASSESSMENT, "offeringId": "o1", "users": [USER]}],
         check=lambda r: r[0].offering_id == "o1" and r[0].users[0].email == EMAIL),
    Case("DELETE", "/offerings/{offeringId}/users/{userEmail}/assessments/{assessmentId}",
         lambda c: c.assessments.reset_submission("o1", EMAIL, "as1"),
         f"/v1/offerings/o1/users/{ENC}/assessments/as1", status=204),
    Case("GET", "/offerings/{offeringId}/users/{userEmail}/submissions/open-response",
         lambda c: c.assessments.open_response_submissions("o1", EMAIL),
         f"/v1/offerings/o1/users/{ENC}/submissions/open-response",
         response=[{"status": "marked", "marks": [{"mark": "9", "markFeedback": [{"feedback": "ok"}]}]}],
         check=lambda r: r[0].marks[0].mark_feedback[0].feedback == "ok"),
    # Assessment data
    Case("GET", "/offerings/{offeringId}/analytics/marks/assignments",
         lambda c: c.analytics.marks_assignments("o1"), "/v1/offerings/o1/analytics/marks/assignments",
         response=[{"learnerEmail": EMAIL, "mark": "80", "markedByMarker": True}],
         check=first(m.AssignmentMarkResponse, mark="80", marked_by_marker=True)),
    Case("GET", "/offerings/{offeringId}/analytics/marks/quizzes", lambda c: c.analytics.marks_quizzes("o1"),
         "/v1/offerings/o1/analytics/marks/quizzes", response=[{"quizId": "q1", "attempts": 2}],
         check=first(m.QuizMarkResponse, quiz_id="q1", attempts=2)),
    Case("GET", "/offerings/{offeringId}/analytics/submissions/assignments",
         lambda c: c.analytics.submissions_assignments("o1"), "/v1/offerings/o1/analytics/submissions/assignments",
         response=[{"assessmentId": "as1"}], check=first(m.AssignmentMarkResponse, assessment_id="as1")),
    Case("GET", "/offerings/{offeringId}/analytics/submissions/open-response/{assessmentId}",
         lambda c: c.analytics.submissions_open_response("o1", "as1"),
         "/v1/offerings/o1/analytics/submissions/open-response/as1", response=[{"html": "<p>x</p>"}],
         check=first(m.SubmissionMarkResponse, html="<p>x</p>")),
    Case("GET", "/offerings/{offeringId}/analytics/submissions/{userEmail}/assignments/{assessmentId}",
         lambda c: c.analytics.learner_submission("o1", EMAIL, "as1"),
         f"/v1/offerings/o1/analytics/submissions/{ENC}/assignments/as1", response=[],
         check=lambda r: r == []),
    Case("GET", "/offerings/{offeringId}/analytics/activities/responses",
         lambda c: c.analytics.activity_responses("o1"), "/v1/offerings/o1/analytics/activities/responses",
         response=[{"activityId": "a1", "uploadedFiles": [{"filename": "f.pdf", "size": "10"}]}],
         check=lambda r: r[0].uploaded_files[0].filename == "f.pdf"),
    # Channels
    Case("GET", "/offerings/{offeringId}/channels", lambda c: c.channels.list("o1"), "/v1/offerings/o1/channels",
         response=[{"id": "ch1", "title": "General"}], check=first(m.ChannelResponse, title="General")),
    Case("POST", "/offerings/{offeringId}/channels",
         lambda c: c.channels.create("o1", "News", is_broadcast_only=True), "/v1/offerings/o1/channels",
         body={"title": "News", "isBroadcastOnly": True}, status=201,
         response={"id": "ch2", "title": "News", "isBroadcastOnly": True},
         check=one(m.ChannelResponse, is_broadcast_only=True)),
    Case("PATCH", "/offerings/{offeringId}/channels/{channelId}",
         lambda c: c.channels.update("o1", "ch1", group_discussion=True, auto_assign=False),
         "/v1/offerings/o1/channels/ch1", body={"groupDiscussion": True, "group": {"autoAssign": False}},
         response={"id": "ch1"}, check=one(m.ChannelResponse, id="ch1")),
    Case("GET", "/offerings/{offeringId}/channels/{channelId}/learners", lambda c: c.channels.learners("o1", "ch1"),
         "/v1/offerings/o1/channels/ch1/learners", response={"id": "ch1", "learners": [MEMBER]},
         check=lambda r: isinstance(r, m.ChannelLearners) and r.learners[0].email == EMAIL),
    Case("POST", "/offerings/{offeringId}/channels/{channelId}/learners",
         lambda c: c.channels.add_learner("o1", "ch1", EMAIL), "/v1/offerings/o1/channels/ch1/learners",
         body={"email": EMAIL}, status=204),
    Case("DELETE", "/offerings/{offeringId}/channels/{channelId}/learners",
         lambda c: c.channels.remove_learner("o1", "ch1", EMAIL), "/v1/offerings/o1/channels/ch1/learners",
         body={"email": EMAIL}, status=204),
    Case("GET", "/offerings/{offeringId}/analytics/channels/{channelId}/posts", lambda c: c.channels.posts("o1", "ch1"),
         "/v1/offerings/o1/analytics/channels/ch1/posts",
         response=[{"id": "p1", "moderation": {"isMuted": True, "moderator": {"firstName": "Mo"}}}],
         check=lambda r: r[0].moderation.moderator.first_name == "Mo"),
    Case("GET", "/offerings/{offeringId}/analytics/channels/{channelId}/comments",
         lambda c: c.channels.comments("o1", "ch1"), "/v1/offerings/o1/analytics/channels/ch1/comments",
         response=[{"id": "c1", "postId": "p1"}], check=first(m.Comment, post_id="p1")),
    Case("GET", "/offerings/{offeringId}/analytics/channels/{channelId}/replies",
         lambda c: c.channels.replies("o1", "ch1"), "/v1/offerings/o1/analytics/channels/ch1/replies",
         response=[{"id": "c2", "parentCommentId": "c1"}], check=first(m.Comment, parent_comment_id="c1")),
    # Learner activity
    Case("GET", "/offerings/{offeringId}/analytics/learners-progress", lambda c: c.progress.offering("o1"),
         "/v1/offerings/o1/analytics/learners-progress",
         response=[{"email": EMAIL, "completion": "50", "lastLoggedInAt": "2024-02-02T00:00:00Z"}],
         check=first(m.LearnerProgressResponse, completion="50")),
    Case("GET", "/offerings/{offeringId}/analytics/social-notes", lambda c: c.analytics.social_notes("o1"),
         "/v1/offerings/o1/analytics/social-notes",
         response=[{"pageId": "pg1", "social-note-content": "Nice", "social-note-paragraphId": "para"}],
         check=first(m.SocialNotesResponse, social_note_content="Nice", social_note_paragraph_id="para")),
    Case("GET", "/offerings/{offeringId}/analytics/unit-reactions", lambda c: c.analytics.unit_reactions("o1"),
         "/v1/offerings/o1/analytics/unit-reactions",
         response=[{"pageId": "pg1", "feedback": {"thumbs-up": 3, "thumbs-down": 1}}],
         check=lambda r: r[0].page_id == "pg1" and r[0].feedback.thumbs_up == 3),
    Case("GET", "/users/all/progress", lambda c: c.progress.all(top=100, filter="endswith(email,'@x.io')"),
         "/v1/users/all/progress", query=[("$top", "100"), ("$filter", "endswith(email,'@x.io')")],
         response={"data": {"progress": [{"email": EMAIL, "offerings": [{"id": "o1", "completion": "10"}]}]},
                   "top": 100},
         check=lambda r: r.top == 100 and r.learners[0].offerings[0].completion == "10"),
    Case("GET", "/users/{userEmail}/progress", lambda c: c.progress.user(EMAIL), f"/v1/users/{ENC}/progress",
         response={"email": EMAIL, "offerings": [{"id": "o1", "completion": "100"}]},
         check=lambda r: isinstance(r, m.LearnerResponse) and r.offerings[0].completion == "100"),
    Case("GET", "/users/{userEmail}/offerings/{offeringId}/progress", lambda c: c.progress.user_offering(EMAIL, "o1"),
         f"/v1/users/{ENC}/offerings/o1/progress", response={"id": "u1", "completion": "75"},
         check=one(m.UserOfferingProgress, completion="75")),
    # Pulses
    Case("GET", "/offerings/{offeringId}/analytics/pulses", lambda c: c.pulses.list("o1"),
         "/v1/offerings/o1/analytics/pulses", response=["p1", "p2"], check=lambda r: r == ["p1", "p2"]),
    Case("GET", "/offerings/{offeringId}/analytics/pulses/responses",
         lambda c: c.pulses.responses("o1", pulse_type="MCQ",
                                      response_time=["gte__2024-01-01T00:00:00Z", "lt__2024-02-01T00:00:00Z"]),
         "/v1/offerings/o1/analytics/pulses/responses",
         query=[("pulseType", "MCQ"), ("responseTime", "gte__2024-01-01T00:00:00Z"),
                ("responseTime", "lt__2024-02-01T00:00:00Z")],
         response=[PULSE], check=lambda r: r[0].response.multi_choice_answer[0].value is True),
    Case("GET", "/offerings/{offeringId}/analytics/pulses/{pulseId}/responses",
         lambda c: c.pulses.responses_for("o1", "p1"), "/v1/offerings/o1/analytics/pulses/p1/responses",
         response=[PULSE], check=first(m.PulseResponse, pulse_base_id="p1")),
    # Badges
    Case("GET", "/offerings/{offeringId}/badges", lambda c: c.badges.get("o1"), "/v1/offerings/o1/badges",
         response={"title": "Done", "openBadge": {"criteria": {"narrative": "n"}}, "badgeExpiry": {"expires": False}},
         check=lambda r: r.title == "Done" and r.open_badge.criteria.narrative == "n"),
    Case("POST", "/offerings/{offeringId}/users/{userEmail}/badges/award", lambda c: c.badges.award("o1", EMAIL),
         f"/v1/offerings/o1/users/{ENC}/badges/award", status=201,
         response={"awarded": True, "badgeId": "b1"}, check=one(m.AwardedResponse, awarded=True, badge_id="b1")),
    Case("GET", "/users/{userEmail}/badges", lambda c: c.badges.for_user(EMAIL), f"/v1/users/{ENC}/badges",
         response=[{"offeringId": "o1", "awardedAt": "2024-02-02T00:00:00Z"}],
         check=first(m.UserBadge, awarded_at=datetime(2024, 2, 2, tzinfo=UTC))),
    # Assessment groups
    Case("GET", "/offerings/{offeringId}/groups", lambda c: c.groups.list("o1"), "/v1/offerings/o1/groups",
         response=[{"id": "a" * 24, "title": "G1"}], check=first(m.AssessmentGroupResponse, title="G1")),
    Case("POST", "/offerings/{offeringId}/groups", lambda c: c.groups.create("o1", "G2"), "/v1/offerings/o1/groups",
         body={"title": "G2"}, status=201, response={"id": "b" * 24, "title": "G2"},
         check=one(m.AssessmentGroupResponse, title="G2")),
    Case("GET", "/offerings/{offeringId}/groups/{groupId}/learners", lambda c: c.groups.learners("o1", "a" * 24),
         f"/v1/offerings/o1/groups/{'a' * 24}/learners", response=[USER], check=first(m.UserResponse, email=EMAIL)),
    Case("POST", "/offerings/{offeringId}/groups/{groupId}/learners",
         lambda c: c.groups.add_learner("o1", "a" * 24, EMAIL), f"/v1/offerings/o1/groups/{'a' * 24}/learners",
         body={"email": EMAIL}, status=201, response=USER, check=one(m.UserResponse, id="u1")),
    Case("DELETE", "/offerings/{offeringId}/groups/{groupId}/learners/{userEmail}",
         lambda c: c.groups.remove_learner("o1", "a" * 24, EMAIL),
         f"/v1/offerings/o1/groups/{'a' * 24}/learners/{ENC}", status=204),
    # Users
    Case("POST", "/users",
         lambda c: c.users.create(EMAIL, first_name="Ann", last_name="Lee", tags=["t"], display_name="Annie",
                                  send_invite=False),
         "/v1/users", status=201,
         body={"email": EMAIL, "firstName": "Ann", "lastName": "Lee", "sendInvite": False,
               "metadata": {"tags": ["t"]}, "profile": {"displayName": "Annie"}},
         response={**USER, "invite": {"url": "https://signup"}},
         check=lambda r: r.invite.url == "https://signup" and r.model_extra == {"newField": 1}),
    Case("GET", "/users/{userEmail}", lambda c: c.users.get(EMAIL), f"/v1/users/{ENC}", response=USER,
         check=lambda r: r.profile.display_name == "Ann" and r.newField == 1),
    Case("PATCH", "/users/{userEmail}", lambda c: c.users.update(EMAIL, new_email="new@example.com", last_name="X"),
         f"/v1/users/{ENC}", body={"email": "new@example.com", "lastName": "X"}, response=USER,
         check=one(m.UserResponse, id="u1")),
    Case("POST", "/users/{userEmail}/invite-email", lambda c: c.users.send_invite(EMAIL),
         f"/v1/users/{ENC}/invite-email", status=204),
    Case("GET", "/users/{userEmail}/offerings", lambda c: c.users.offerings(EMAIL), f"/v1/users/{ENC}/offerings",
         response=[OFFERING], check=first(m.OfferingMetadataResponse, id="o1")),
    Case("POST", "/users/{userEmail}/offerings", lambda c: c.users.add_offerings(EMAIL, ["o1", "o2"]),
         f"/v1/users/{ENC}/offerings", body=["o1", "o2"], response=[OFFERING],
         check=first(m.OfferingMetadataResponse, id="o1")),
    Case("POST", "/users/{userEmail}/permissions/{permissionName}",
         lambda c: c.users.grant_permission(EMAIL, "manager"), f"/v1/users/{ENC}/permissions/manager",
         response=USER, check=one(m.UserResponse, id="u1")),
    Case("PUT", "/users/{userEmail}/suspend", lambda c: c.users.suspend(EMAIL), f"/v1/users/{ENC}/suspend",
         body={"suspended": True}, status=204),
]  # fmt: skip
