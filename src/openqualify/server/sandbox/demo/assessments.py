"""Demo data, assessments: tasks and open-response activities on every offered course version (in the words of
its course, `catalogue`), and, for every offering that has started, its learners' submissions, marks with
feedback, quiz attempts and activity attempts, following each learner's plan (`plans`).

A learner hands a task in when their plan reaches its due point (late when they are behind); tasks they have
reached but not finished are drafts; a quiz attempt after its due date comes with the extension a facilitator
granted; work is marked within nine days of being handed in (only recent work may still wait), by the learner's
coach where they have one. Anyone who has not handed in every visible task does not finish the course
(`Plan.hold_back`). A class with an early close-off has its later tasks due before it; in each current class the
facilitators moved the next assignment's due date into the next days, so that pending-submission has answers.

Deterministic: choices come from `ctx.rng`; ids are derived from the organisation and a counter.
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
    CourseVersion,
    Mark,
    Membership,
    Offering,
    QuizAttempt,
    Submission,
)
from openqualify.server.kit.timefmt import format_datetime, to_utc
from openqualify.server.sandbox.demo.catalogue import (
    FEEDBACK,
    FOLLOW_UPS,
    PASS_MARK,
    CourseContent,
    content_of,
)
from openqualify.server.sandbox.demo.context import DemoContext, id_maker, insert_rows, is_current, object_id_maker
from openqualify.server.sandbox.demo.plans import Plan

FILES = "https://cdn.demo-academy.example/files/"
DEFAULT_LENGTH_DAYS = 56
MAX_QUIZ_EXTENSION = timedelta(days=21)  # later than this after the due date, a quiz is missed
ACTIVITY_POINTS = (0.2, 0.45, 0.7)  # where in the course each open-response activity sits


@dataclass(frozen=True)
class TaskSpec:
    """A task's type, marking and timing; its title and text come from the course (`CourseContent.tasks`)."""

    type: str
    mark_type: str
    mark_number: str
    open_at: float  # fraction of the class length
    due_at: float
    hidden: bool = False


# Every task opens when the class starts (learners may work ahead); due dates are spread over the class.
TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("quiz", "percentage", "100", 0.0, 0.25),
    TaskSpec("assignment", "grade", "A", 0.0, 0.45),
    TaskSpec("open-response", "competency", "Achieved", 0.0, 0.6),
    TaskSpec("quiz", "percentage", "100", 0.0, 0.85),
    TaskSpec("assignment", "points", "20", 0.0, 1.0),
    TaskSpec("open-response", "points", "10", 0.0, 1.0, hidden=True),
)
ACTIVITY_MINUTES = (10.0, 15.0, 5.0)
GRADES = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C")


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


def handed_in(task: Assessment, status: str | None, attempted: bool) -> bool:
    """What counts as handing a task in: a quiz attempted, other work submitted (or marked), not a draft."""
    return attempted if task.type == "quiz" else status in ("submitted", "marked")


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

    def content(
        self, version: CourseVersion, words: CourseContent, length_days: int
    ) -> tuple[list[Assessment], list[str]]:
        created = to_utc(version.published_at) - timedelta(days=14)  # written before the version was published
        tasks: list[Assessment] = []
        for position, (spec, text) in enumerate(zip(TASKS, words.tasks, strict=True), 1):
            quiz = spec.type == "quiz"
            themes = [{"filter": "module-1", "numberOfQuestions": 6}, {"filter": "module-2", "numberOfQuestions": 4}]
            task = Assessment(
                id=self.new_id(),
                org_id=self.ctx.org_id,
                content_id=version.id,
                position=position,
                type=spec.type,
                title=text.title,
                content=text.content,
                mark_type=spec.mark_type,
                mark_number=spec.mark_number,
                points=spec.mark_number if spec.mark_type == "points" else None,
                duration_minutes=self.rng.choice((20, 30, 45)) if quiz else None,
                max_attempts=self.rng.choice((2, 3)) if quiz else None,
                hidden=spec.hidden,
                pid=self.new_id(),
                filename=text.document,
                themes=themes if quiz else [],
                total_questions=10 if quiz else None,
                open_date=None,
                due_date=None,
                open_offset_days=round(spec.open_at * length_days),
                due_offset_days=round(spec.due_at * length_days),
                created_at=created,
            )
            tasks.append(task)
            if text.document is not None:
                document_id = self.new_object_id()
                mimetype = "application/pdf" if text.document.endswith(".pdf") else "application/msword"
                self.add(
                    AssessmentDocument,
                    id=document_id,
                    assessment_id=task.id,
                    offering_id=None,
                    filename=text.document,
                    mimetype=mimetype,
                    size=self.rng.randint(40_000, 900_000),
                    url=f"{FILES}{document_id}",
                    created_at=created,
                )
        activities = []
        for position, (title, minutes) in enumerate(zip(words.activities, ACTIVITY_MINUTES, strict=True), 1):
            activity_id = self.new_id()
            activities.append(activity_id)
            self.add(
                Activity,
                id=activity_id,
                content_id=version.id,
                position=position,
                title=title,
                time_minutes=minutes,
                created_at=created,
            )
        return tasks, activities

    # --- offerings ----------------------------------------------------------------------------------------

    def settings(self, offering: Offering, tasks: list[Assessment], current: bool) -> dict[str, AssessmentSetting]:
        """The class's own dates (not on relative classes). Tasks due after an early close-off are due the day
        before it, so everyone can hand them in; in a current class the facilitators moved the next assignment
        due within two weeks into the next days, so that pending-submission has answers."""
        if offering.use_relative_dates:
            return {}
        found: dict[str, AssessmentSetting] = {}
        start = to_utc(offering.start)

        def own(task: Assessment, due: datetime, at: datetime) -> None:
            opens = to_utc(dates.open_date(task, None, offering) or start)
            opens = max(start, min(opens, due - timedelta(days=7)))
            found[task.id] = AssessmentSetting(
                offering_id=offering.id, assessment_id=task.id, open_date=opens, due_date=due, updated_at=at
            )

        if offering.has_early_close_off and offering.early_close_off_date is not None:
            closing = to_utc(offering.early_close_off_date)
            for task in tasks:
                due = dates.due_date(task, None, offering)
                if due is not None and to_utc(due) > closing:
                    own(task, closing - timedelta(days=1), to_utc(offering.created_at) + timedelta(days=1))
        if current:
            upcoming = sorted(
                (to_utc(due), task.position, task)
                for task in tasks
                if task.type != "quiz" and not task.hidden
                for due in [dates.due_date(task, found.get(task.id), offering)]
                if due is not None and self.now < to_utc(due) <= self.now + timedelta(days=14)
            )
            if upcoming:
                task = upcoming[0][2]
                due = self.now + timedelta(days=self.rng.choice((1, 2)), hours=self.rng.randint(0, 12))
                moved = self.now - timedelta(days=self.rng.randint(2, 4), hours=self.rng.randint(1, 8))
                own(task, due, max(moved, start))
        for setting in found.values():
            self.add(
                AssessmentSetting,
                offering_id=setting.offering_id,
                assessment_id=setting.assessment_id,
                content=None,
                open_date=setting.open_date,
                due_date=setting.due_date,
                mark_number=None,
                mark_type=None,
                removed_document_ids=[],
                updated_at=setting.updated_at,
            )
        return found

    def offering(
        self,
        offering: Offering,
        tasks: list[Assessment],
        activities: list[str],
        members: list[Membership],
        words: CourseContent,
    ) -> None:
        current = is_current(offering, self.now)
        staff = [m for m in members if not m.is_learner]
        settings = self.settings(offering, tasks, current)
        for membership in members:
            plan = self.ctx.plans.get((offering.id, membership.user_id))
            if plan is None or not plan.started:
                continue
            complete = True
            for task in tasks:
                own = settings.get(task.id)
                opens = dates.learner_open_date(task, own, offering, membership)
                due = dates.learner_due_date(task, own, offering, membership)
                if opens is None or due is None:
                    continue
                done = self.task(offering, task, plan, to_utc(opens), to_utc(due), staff, words, current)
                complete = complete and (done or task.hidden)
            if not complete:
                plan.hold_back()
            for activity_id, point in zip(activities, ACTIVITY_POINTS, strict=True):
                if plan.reach >= point and self.rng.random() < 0.7:
                    self.activity_attempt(offering, activity_id, plan, point, staff, words)

    def task(
        self,
        offering: Offering,
        task: Assessment,
        plan: Plan,
        opens: datetime,
        due: datetime,
        staff: list[Membership],
        words: CourseContent,
        current: bool,
    ) -> bool:
        """The learner's work on one task, by their plan; True when they handed it in."""
        rng = self.rng
        due_point = min(plan.fraction_of(due), 1.0)
        if task.hidden and rng.random() >= 0.15:
            return False  # the optional extension: a few take it on
        if plan.reach >= due_point and opens <= plan.closes:
            at = max(
                opens + timedelta(minutes=rng.randint(30, 600)),
                plan.at(due_point) - timedelta(hours=rng.randint(0, 30)),
            )
            at = min(at, plan.closes).replace(microsecond=0)
            if task.type == "quiz":
                return self.quiz(offering, task, plan, at, due)
            self.submission(offering, task, plan, opens, at, staff, words)
            return True
        reached = plan.reach >= max(plan.fraction_of(opens), 0.0) and opens <= plan.closes
        if reached and task.type != "quiz" and rng.random() < 0.5:
            self.draft(offering, task, plan, opens, words)
        elif task.type == "quiz" and current and self.now < due <= self.now + timedelta(days=7) and rng.random() < 0.1:
            self.extend(
                offering,
                task,
                plan,
                due + timedelta(days=rng.randint(3, 10)),
                self.now - timedelta(hours=rng.randint(2, 48)),
            )
        return False

    def extend(self, offering: Offering, task: Assessment, plan: Plan, until: datetime, granted: datetime) -> None:
        """A facilitator gave this learner more time for a quiz."""
        self.add(
            AssessmentDueOverride,
            offering_id=offering.id,
            assessment_id=task.id,
            user_id=plan.membership.user_id,
            due_date=until.replace(minute=0, second=0, microsecond=0),
            updated_at=granted,
        )

    def quiz(self, offering: Offering, task: Assessment, plan: Plan, at: datetime, due: datetime) -> bool:
        """Attempts until passed or out of attempts, marks never going down; attempts after the due date come with
        the extension a facilitator granted (a first attempt three weeks late is not made: the quiz is missed)."""
        rng = self.rng
        if at - due > MAX_QUIZ_EXTENSION:
            return False
        user_id = plan.membership.user_id
        mark = max(20, min(100, plan.skill + rng.randint(-12, 14)))
        attempts: list[tuple[datetime, int]] = []
        for _ in range(task.max_attempts or 1):
            if attempts and at > plan.closes:
                break
            attempts.append((at, mark))
            if mark >= PASS_MARK and rng.random() < 0.9:
                break  # passed (a few try once more for a better mark)
            at = at + timedelta(hours=rng.randint(1, 72))
            mark = min(100, mark + rng.randint(5, 25))
        last = attempts[-1][0]
        if last > due:
            until = last + timedelta(days=rng.randint(1, 3))
            self.extend(offering, task, plan, until, min(attempts[0][0], due) - timedelta(hours=rng.randint(1, 48)))
        for at, mark in attempts:
            self.add(
                QuizAttempt,
                id=self.new_id(),
                offering_id=offering.id,
                assessment_id=task.id,
                user_id=user_id,
                mark=str(mark),
                attempted_at=at,
            )
            self.ctx.saw(offering.id, user_id, at)
            if mark >= PASS_MARK:
                self.ctx.passed.setdefault((offering.id, user_id, task.id), at)
        return True

    def draft(self, offering: Offering, task: Assessment, plan: Plan, opens: datetime, words: CourseContent) -> None:
        """Work started and saved, not handed in yet."""
        updated = _between(self.ctx, max(opens, plan.start), plan.last_active)
        self.add(
            Submission,
            id=self.new_id(),
            offering_id=offering.id,
            assessment_id=task.id,
            user_id=plan.membership.user_id,
            status="draft",
            html=self.rng.choice(words.responses),
            files=[],
            submitted_at=None,
            updated_at=updated,
            created_at=_between(self.ctx, max(opens, plan.start), updated),
        )
        self.ctx.saw(offering.id, plan.membership.user_id, updated)

    def submission(
        self,
        offering: Offering,
        task: Assessment,
        plan: Plan,
        opens: datetime,
        submitted_at: datetime,
        staff: list[Membership],
        words: CourseContent,
    ) -> None:
        rng = self.rng
        user_id = plan.membership.user_id
        files = []
        if task.type == "assignment":
            file_id = self.new_object_id()
            files.append(
                {
                    "id": file_id,
                    "filename": f"{task.title.split(':')[0]}.pdf",
                    "mimetype": "application/pdf",
                    "size": rng.randint(30_000, 2_000_000),
                    "url": f"{FILES}{file_id}",
                    "createdAt": format_datetime(submitted_at),
                }
            )
        submission_id = self.new_id()
        row = self.add(
            Submission,
            id=submission_id,
            offering_id=offering.id,
            assessment_id=task.id,
            user_id=user_id,
            status="submitted",
            html=rng.choice(words.responses),
            files=files,
            submitted_at=submitted_at,
            updated_at=submitted_at,
            created_at=_between(self.ctx, max(opens, plan.start, submitted_at - timedelta(days=5)), submitted_at),
        )
        self.ctx.saw(offering.id, user_id, submitted_at)
        marked_at = submitted_at + timedelta(hours=rng.randint(6, 9 * 24))
        recent = submitted_at > self.now - timedelta(days=14)
        if marked_at > self.now or (recent and rng.random() < 0.3):
            return  # waiting to be marked (markers keep up: older work is marked)
        marker = self.marker(offering, user_id, staff)
        if marker is None:
            return
        mark = _mark_value(self.ctx, task)
        marker_id = marker.user_id
        history = [
            {
                "id": self.new_id(),
                "mark": mark,
                "feedback": rng.choice(FEEDBACK),
                "markerId": marker_id,
                "createdAt": format_datetime(marked_at),
            }
        ]
        updated_at = marked_at
        if rng.random() < 0.25 and marked_at < self.now - timedelta(days=1):
            updated_at = _between(
                self.ctx, marked_at + timedelta(hours=1), min(self.now, marked_at + timedelta(days=10))
            )
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
        self.ctx.saw(offering.id, marker_id, marked_at)
        self.ctx.saw(offering.id, marker_id, updated_at)
        by_marker = marker.is_marker and not marker.is_facilitator
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

    def marker(self, offering: Offering, learner_id: str, staff: list[Membership]) -> Membership | None:
        """The learner's coach most of the time, else one of the class's facilitators."""
        coach_id = self.ctx.coaches.get((offering.id, learner_id))
        coach = next((m for m in staff if m.user_id == coach_id), None)
        facilitators = [m for m in staff if m.is_facilitator]
        if coach is not None and (not facilitators or self.rng.random() < 0.8):
            return coach
        return self.rng.choice(facilitators) if facilitators else coach

    def activity_attempt(
        self,
        offering: Offering,
        activity_id: str,
        plan: Plan,
        point: float,
        staff: list[Membership],
        words: CourseContent,
    ) -> None:
        rng = self.rng
        at = min(plan.at(point) + timedelta(minutes=rng.randint(5, 120)), plan.closes).replace(microsecond=0)
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
        facilitators = [m for m in staff if m.is_facilitator]
        facilitator = rng.choice(facilitators) if facilitators and rng.random() < 0.4 else None
        self.add(
            ActivityAttempt,
            id=self.new_id(),
            offering_id=offering.id,
            activity_id=activity_id,
            user_id=plan.membership.user_id,
            response_text=rng.choice(words.activity_answers),
            uploaded_files=files,
            feedback_text=rng.choice(FEEDBACK[3:]) if facilitator is not None else None,
            feedback_user_id=facilitator.user_id if facilitator is not None else None,
            created_at=at,
        )
        self.ctx.saw(offering.id, plan.membership.user_id, at)


def seed(ctx: DemoContext) -> None:
    """Add this area's demo rows to ctx.session."""
    if not ctx.offerings:
        return
    seeder = _Seeder(ctx)
    offerings = sorted(ctx.offerings, key=lambda o: (o.start, o.id))
    versions = {v.id: v for v in ctx.versions}
    lengths: dict[str, int] = {}
    for offering in offerings:
        if offering.content_id not in lengths:
            span = (offering.end - offering.start).days if offering.end is not None else DEFAULT_LENGTH_DAYS
            lengths[offering.content_id] = max(14, span)
    words = {o.content_id: content_of(ctx.course_codes, o.course_id) for o in offerings}
    content: dict[str, tuple[list[Assessment], list[str]]] = {
        content_id: seeder.content(versions[content_id], words[content_id], length)
        for content_id, length in sorted(lengths.items())
    }
    tasks = [t for ts, _ in content.values() for t in ts]
    ctx.session.add_all(tasks)
    ctx.session.flush()
    insert_rows(ctx, Activity, seeder.rows.pop(Activity, []))
    insert_rows(ctx, AssessmentDocument, seeder.rows.pop(AssessmentDocument, []))

    members: dict[str, list[Membership]] = {}
    for membership in ctx.memberships:
        members.setdefault(membership.offering_id, []).append(membership)
    for offering in offerings:
        if to_utc(offering.start) > ctx.now:
            continue  # nothing happened yet
        tasks_of, activities = content[offering.content_id]
        seeder.offering(offering, tasks_of, activities, members.get(offering.id, []), words[offering.content_id])
    for model in (AssessmentSetting, AssessmentDueOverride, Submission, Mark, QuizAttempt, ActivityAttempt):
        insert_rows(ctx, model, seeder.rows.pop(model, []))
