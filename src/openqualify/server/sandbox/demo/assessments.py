"""Demo data, assessments: tasks and open-response activities on every offered course version, and for every current
offering (and every other past one) learners' submissions, marks with feedback, quiz attempts and activity attempts.

Deterministic: choices come from `ctx.rng`; ids are derived from the organisation and a counter (never shared by
two demo organisations). Dates are day offsets from each offering's (or learner's) start, so they fit every class;
in each current class the facilitators moved one due date to the next days, so pending-submission has answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openqualify.server.assessments import dates
from openqualify.server.db.models import (
    Activity,
    ActivityAttempt,
    Assessment,
    AssessmentDocument,
    AssessmentDueOverride,
    AssessmentSetting,
    Mark,
    Membership,
    Offering,
    QuizAttempt,
    Submission,
)
from openqualify.server.kit.timefmt import format_datetime
from openqualify.server.sandbox.demo.context import DemoContext, id_maker, insert_rows, is_current, object_id_maker

FILES = "https://cdn.demo-academy.example/files/"
DEFAULT_LENGTH_DAYS = 56


@dataclass(frozen=True)
class TaskSpec:
    type: str
    title: str
    content: str
    mark_type: str
    mark_number: str
    open_at: float  # fraction of the class length
    due_at: float
    hidden: bool = False
    document: str | None = None


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        "quiz",
        "Check-in quiz: the essentials",
        "<p>Ten questions on the first module.</p>",
        "percentage",
        "100",
        0.0,
        0.25,
    ),
    TaskSpec(
        "assignment",
        "Workplace investigation report",
        "<p>Investigate a real situation at your workplace and write a short report (800 words).</p>",
        "grade",
        "A",
        0.1,
        0.45,
        document="Report brief.pdf",
    ),
    TaskSpec(
        "open-response",
        "Reflection: applying what you learned",
        "<p>Describe one change you made at work and what happened.</p>",
        "competency",
        "Achieved",
        0.3,
        0.6,
    ),
    TaskSpec(
        "quiz", "Final knowledge quiz", "<p>Covers the whole course; 70% to pass.</p>", "percentage", "100", 0.6, 0.85
    ),
    TaskSpec(
        "assignment",
        "Capstone project plan",
        "<p>Plan a small improvement project (template attached).</p>",
        "points",
        "20",
        0.5,
        1.0,
        document="Project plan template.docx",
    ),
    TaskSpec(
        "open-response",
        "Optional extension: teach it back",
        "<p>Record or write a short explainer.</p>",
        "points",
        "10",
        0.5,
        1.0,
        hidden=True,
    ),
)
ACTIVITIES: tuple[tuple[str, float], ...] = (
    ("Think about your own workplace", 10.0),
    ("Share an example with the class", 15.0),
    ("What will you do differently?", 5.0),
)
GRADES = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C")
FEEDBACK = (
    "Well structured and clearly argued. Good use of examples from your own workplace.",
    "A solid piece of work. Next time, link your recommendations back to the evidence.",
    "Good effort. Please expand on the risks you identified and how you would control them.",
    "Excellent - this is exactly the level of reflection we were looking for.",
    "You have met the criteria. Consider how you might share this with your team.",
)
FOLLOW_UPS = (
    "Thanks for the update - I have adjusted the mark.",
    "Following our conversation, here are a couple more pointers.",
    "Great resubmission; the new section addresses my earlier comments.",
)
RESPONSES = (
    "<p>I talked with my team about the hazards on the loading dock and we agreed on a new checklist.</p>",
    "<p>The biggest change for me has been planning my week before it starts.</p>",
    "<p>I now ask more open questions when customers call, and the calls are shorter.</p>",
    "<p>We trialled the new process for two weeks; it saved about an hour a day.</p>",
)
ACTIVITY_ANSWERS = (
    "In our warehouse the biggest issue is people rushing at the end of a shift.",
    "I would start by asking the team what gets in their way.",
    "We already do some of this, but not consistently.",
    "I'm going to try this in our Monday meeting.",
)


def _between(ctx: DemoContext, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    seconds = int((end - start).total_seconds())
    return (start + timedelta(seconds=ctx.rng.randint(0, seconds))).replace(microsecond=0)


def _mark_value(ctx: DemoContext, spec: Assessment) -> str:
    rng = ctx.rng
    if spec.mark_type == "grade":
        return rng.choice(GRADES)
    if spec.mark_type == "competency":
        return "Achieved" if rng.random() < 0.85 else "Not yet achieved"
    if spec.mark_type == "points":
        top = int(spec.mark_number or "10")
        return str(rng.randint(top // 2, top))
    return str(rng.randint(55, 100))


class _Seeder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.now = ctx.now
        self.new_id = id_maker(ctx, "assessments")
        self.new_object_id = object_id_maker(ctx, "documents")
        self.rows: dict[type[Any], list[dict[str, Any]]] = {}

    def add(self, model: type[Any], **row: Any) -> dict[str, Any]:
        self.rows.setdefault(model, []).append(row)
        return row

    # --- course versions ----------------------------------------------------------------------------------

    def content(self, content_id: str, length_days: int) -> tuple[list[Assessment], list[str]]:
        created = self.now - timedelta(days=400)
        tasks: list[Assessment] = []
        for position, spec in enumerate(TASKS, 1):
            quiz = spec.type == "quiz"
            themes = [{"filter": "module-1", "numberOfQuestions": 6}, {"filter": "module-2", "numberOfQuestions": 4}]
            task = Assessment(
                id=self.new_id(),
                org_id=self.ctx.org_id,
                content_id=content_id,
                position=position,
                type=spec.type,
                title=spec.title,
                content=spec.content,
                mark_type=spec.mark_type,
                mark_number=spec.mark_number,
                points=spec.mark_number if spec.mark_type == "points" else None,
                duration_minutes=self.rng.choice((20, 30, 45)) if quiz else None,
                max_attempts=self.rng.choice((2, 3)) if quiz else None,
                hidden=spec.hidden,
                pid=self.new_id(),
                filename=spec.document,
                themes=themes if quiz else [],
                total_questions=10 if quiz else None,
                open_date=None,
                due_date=None,
                open_offset_days=round(spec.open_at * length_days),
                due_offset_days=round(spec.due_at * length_days),
                created_at=created,
            )
            tasks.append(task)
            if spec.document is not None:
                document_id = self.new_object_id()
                mimetype = "application/pdf" if spec.document.endswith(".pdf") else "application/msword"
                self.add(
                    AssessmentDocument,
                    id=document_id,
                    assessment_id=task.id,
                    offering_id=None,
                    filename=spec.document,
                    mimetype=mimetype,
                    size=self.rng.randint(40_000, 900_000),
                    url=f"{FILES}{document_id}",
                    created_at=created,
                )
        activities = []
        for position, (title, minutes) in enumerate(ACTIVITIES, 1):
            activity_id = self.new_id()
            activities.append(activity_id)
            self.add(
                Activity,
                id=activity_id,
                content_id=content_id,
                position=position,
                title=title,
                time_minutes=minutes,
                created_at=created,
            )
        return tasks, activities

    # --- offerings ----------------------------------------------------------------------------------------

    def move_a_due_date(self, offering: Offering, tasks: list[Assessment]) -> AssessmentSetting | None:
        """Facilitators moved one visible assignment's due date into the next days (not on relative classes)."""
        if offering.use_relative_dates:
            return None
        candidates = [t for t in tasks if t.type != "quiz" and not t.hidden]
        task = candidates[self.rng.randrange(len(candidates))]
        due = (self.now + timedelta(days=self.rng.choice((1, 2)), hours=self.rng.randint(0, 12))).replace(
            minute=0, second=0, microsecond=0
        )
        opens = min(dates.open_date(task, None, offering) or due, self.now - timedelta(days=5))
        setting = AssessmentSetting(offering_id=offering.id, assessment_id=task.id, open_date=opens, due_date=due)
        self.add(
            AssessmentSetting,
            offering_id=offering.id,
            assessment_id=task.id,
            content=None,
            open_date=opens,
            due_date=due,
            mark_number=None,
            mark_type=None,
            removed_document_ids=[],
            updated_at=self.now,
        )
        return setting

    def offering(
        self,
        offering: Offering,
        tasks: list[Assessment],
        activities: list[str],
        members: list[Membership],
        current: bool,
    ) -> None:
        learners = [m for m in members if m.is_learner]
        staff = [m for m in members if not m.is_learner]
        facilitators = [m for m in staff if m.is_facilitator] or staff
        markers = [m for m in staff if m.is_marker and not m.is_facilitator]
        setting = self.move_a_due_date(offering, tasks) if current else None
        settings = {setting.assessment_id: setting} if setting is not None else {}
        for membership in learners:
            if self.rng.random() < 0.1:
                continue  # enrolled but not started
            diligence = self.rng.uniform(0.55, 1.0)
            for task in tasks:
                own = settings.get(task.id)
                opens = dates.learner_open_date(task, own, offering, membership)
                due = dates.learner_due_date(task, own, offering, membership)
                if opens is None or due is None or opens > self.now:
                    continue
                if task.type == "quiz":
                    self.quiz(offering, task, membership, opens, due, diligence, current)
                elif not task.hidden or self.rng.random() < 0.15:
                    self.submission(offering, task, membership, opens, due, diligence, facilitators, markers)
            for activity_id in activities:
                if self.rng.random() < 0.6 * diligence:
                    self.activity_attempt(offering, activity_id, membership, facilitators)

    def quiz(
        self,
        offering: Offering,
        task: Assessment,
        membership: Membership,
        opens: datetime,
        due: datetime,
        diligence: float,
        current: bool,
    ) -> None:
        if self.rng.random() > (diligence if due < self.now else diligence * 0.5):
            if current and due > self.now and self.rng.random() < 0.05:
                extended = due + timedelta(days=self.rng.randint(3, 10))
                self.add(
                    AssessmentDueOverride,
                    offering_id=offering.id,
                    assessment_id=task.id,
                    user_id=membership.user_id,
                    due_date=extended,
                    updated_at=self.now,
                )
            return
        attempts = self.rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        at = _between(self.ctx, opens, min(due, self.now))
        mark = self.rng.randint(40, 90)
        for _ in range(min(attempts, task.max_attempts or attempts)):
            self.add(
                QuizAttempt,
                id=self.new_id(),
                offering_id=offering.id,
                assessment_id=task.id,
                user_id=membership.user_id,
                mark=str(mark),
                attempted_at=at,
            )
            at = min(at + timedelta(hours=self.rng.randint(1, 72)), self.now)
            mark = min(100, mark + self.rng.randint(0, 20))

    def submission(
        self,
        offering: Offering,
        task: Assessment,
        membership: Membership,
        opens: datetime,
        due: datetime,
        diligence: float,
        facilitators: list[Membership],
        markers: list[Membership],
    ) -> None:
        rng = self.rng
        roll = rng.random()
        if due < self.now:
            status = "submitted" if roll < diligence else ("draft" if roll < diligence + 0.05 else None)
        else:
            status = "submitted" if roll < diligence * 0.4 else ("draft" if roll < diligence * 0.6 else None)
        if status is None:
            return
        late = rng.random() < 0.08
        end = self.now if late else min(due, self.now)
        submitted_at = _between(self.ctx, opens, end) if status == "submitted" else None
        updated = submitted_at or _between(self.ctx, opens, self.now)
        files = []
        if task.type == "assignment" and status == "submitted":
            file_id = self.new_object_id()
            files.append(
                {
                    "id": file_id,
                    "filename": f"{task.title.split(':')[0]}.pdf",
                    "mimetype": "application/pdf",
                    "size": rng.randint(30_000, 2_000_000),
                    "url": f"{FILES}{file_id}",
                    "createdAt": format_datetime(updated),
                }
            )
        submission_id = self.new_id()
        row = self.add(
            Submission,
            id=submission_id,
            offering_id=offering.id,
            assessment_id=task.id,
            user_id=membership.user_id,
            status=status,
            html=rng.choice(RESPONSES),
            files=files,
            submitted_at=submitted_at,
            updated_at=updated,
            created_at=min(updated, opens + timedelta(hours=1)),
        )
        if submitted_at is None or submitted_at > self.now - timedelta(days=2) or rng.random() > 0.8:
            return
        marker = (
            rng.choice(markers)
            if markers and rng.random() < 0.4
            else (rng.choice(facilitators) if facilitators else None)
        )
        marked_at = _between(
            self.ctx, submitted_at + timedelta(hours=6), min(self.now, submitted_at + timedelta(days=9))
        )
        mark = _mark_value(self.ctx, task)
        feedback = rng.choice(FEEDBACK)
        marker_id = marker.user_id if marker is not None else None
        history = [
            {
                "id": self.new_id(),
                "mark": mark,
                "feedback": feedback,
                "markerId": marker_id,
                "createdAt": format_datetime(marked_at),
            }
        ]
        updated_at = marked_at
        if rng.random() < 0.25 and marked_at < self.now - timedelta(days=1):
            updated_at = _between(self.ctx, marked_at + timedelta(hours=1), self.now)
            mark = _mark_value(self.ctx, task) if rng.random() < 0.5 else mark
            history.append(
                {
                    "id": self.new_id(),
                    "mark": mark,
                    "feedback": rng.choice(FOLLOW_UPS),
                    "markerId": marker_id,
                    "createdAt": format_datetime(updated_at),
                }
            )
        by_marker = marker is not None and marker.is_marker and not marker.is_facilitator
        self.add(
            Mark,
            id=self.new_id(),
            submission_id=submission_id,
            mark=mark,
            feedback=history[-1]["feedback"],
            marker_user_id=marker_id,
            by_facilitator=not by_marker,
            by_marker=by_marker,
            by_evaluator=False,
            history=history,
            created_at=marked_at,
            updated_at=updated_at,
        )
        row["status"] = "marked"

    def activity_attempt(
        self, offering: Offering, activity_id: str, membership: Membership, facilitators: list[Membership]
    ) -> None:
        rng = self.rng
        start = max(offering.start, membership.start_date or offering.start)
        at = _between(self.ctx, start, min(self.now, offering.end or self.now))
        files = []
        if rng.random() < 0.2:
            file_id = self.new_object_id()
            files.append(
                {
                    "filename": "photo.jpg",
                    "mimetype": "image/jpeg",
                    "size": rng.randint(80_000, 3_000_000),
                    "url": f"{FILES}{file_id}",
                }
            )
        facilitator = rng.choice(facilitators) if facilitators and rng.random() < 0.4 else None
        self.add(
            ActivityAttempt,
            id=self.new_id(),
            offering_id=offering.id,
            activity_id=activity_id,
            user_id=membership.user_id,
            response_text=rng.choice(ACTIVITY_ANSWERS),
            uploaded_files=files,
            feedback_text=rng.choice(FEEDBACK[3:]) if facilitator is not None else None,
            feedback_user_id=facilitator.user_id if facilitator is not None else None,
            created_at=at,
        )


def seed(ctx: DemoContext) -> None:
    """Add this area's demo rows to ctx.session."""
    if not ctx.offerings:
        return
    seeder = _Seeder(ctx)
    offerings = sorted(ctx.offerings, key=lambda o: (o.start, o.id))
    lengths: dict[str, int] = {}
    for offering in offerings:
        if offering.content_id not in lengths:
            span = (offering.end - offering.start).days if offering.end is not None else DEFAULT_LENGTH_DAYS
            lengths[offering.content_id] = max(14, span)
    content: dict[str, tuple[list[Assessment], list[str]]] = {
        content_id: seeder.content(content_id, length) for content_id, length in sorted(lengths.items())
    }
    tasks = [t for ts, _ in content.values() for t in ts]
    ctx.session.add_all(tasks)
    ctx.session.flush()
    insert_rows(ctx, Activity, seeder.rows.pop(Activity, []))
    insert_rows(ctx, AssessmentDocument, seeder.rows.pop(AssessmentDocument, []))

    members: dict[str, list[Membership]] = {}
    for membership in ctx.memberships:
        members.setdefault(membership.offering_id, []).append(membership)
    past = [o for o in offerings if o.end is not None and o.end < ctx.now]
    chosen_past = {o.id for o in past[1::2]}  # every other past class keeps its learners' work
    for offering in offerings:
        current = is_current(offering, ctx.now)
        if not current and offering.id not in chosen_past:
            continue
        tasks_of, activities = content[offering.content_id]
        seeder.offering(offering, tasks_of, activities, members.get(offering.id, []), current)
    for model in (AssessmentSetting, AssessmentDueOverride, Submission, Mark, QuizAttempt, ActivityAttempt):
        insert_rows(ctx, model, seeder.rows.pop(model, []))
