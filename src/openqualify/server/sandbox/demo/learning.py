"""Demo data, learning: for every offering that has started, the pages of its course version, its learners' page
progress and completion (by their plans), unit reactions, social notes, pulses with runs and responses, and badge
awards to the learners who meet the badge's criteria.

A learner's pages follow their plan (`plans`): the pages up to where they got are done, the next one perhaps
half done; completion is 100 % only for those who got to the end, and they handed in every visible task
(`assessments` saw to it). A badge ("for completing the course and passing every assessed quiz") goes to exactly
those who finished and passed every visible quiz, once they had; an approval badge waits for a facilitator, so
a few of those are still to come.

Deterministic: choices come from `ctx.rng`; ids are derived from the organisation and a counter. Rows go in
with bulk inserts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from openqualify.server.db.models import (
    Assessment,
    BadgeAward,
    CoursePage,
    LearnerProgress,
    Offering,
    OfferingBadge,
    PageProgress,
    Pulse,
    PulseAnswerRow,
    PulseRun,
    SocialNote,
    UnitReaction,
)
from openqualify.server.kit.timefmt import to_utc
from openqualify.server.progress.completion import completion_percent, page_fraction
from openqualify.server.sandbox.demo.catalogue import NOTES, CourseContent, content_of
from openqualify.server.sandbox.demo.context import DemoContext, id_maker, insert_rows
from openqualify.server.sandbox.demo.plans import Plan

PULSES: list[tuple[str, str, list[str]]] = [
    ("How are you finding the pace of the course?", "MCQ", ["Too slow", "About right", "Too fast"]),
    ("What is one thing you learned this week?", "submit_text", []),
    ("Where do you sit right now?", "spatial_triangular", ["Confident", "Curious", "Confused"]),
    ("Rate your energy and focus today.", "spatial_planar", ["Energy", "Focus"]),
    ("How ready do you feel for the assessment?", "spatial_linear", ["Readiness"]),
]


class _Seeder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.new_id = id_maker(ctx, "learning")
        self.rows: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type[Any], **row: Any) -> dict[str, Any]:
        self.rows[model].append(row)
        return row

    def pages(
        self, content_id: str, words: CourseContent, tasks_enabled: bool, created: datetime
    ) -> list[dict[str, Any]]:
        """6-10 pages; pages carry tasks (checklists) only when the course has tasks enabled."""
        count = self.rng.randint(6, 10)
        return [
            self.add(
                CoursePage,
                id=self.new_id(),
                content_id=content_id,
                title=words.pages[i],
                task_count=self.rng.choice((0, 0, 1, 2, 3)) if tasks_enabled else 0,
                position=i,
                created_at=created,
            )
            for i in range(count)
        ]

    def progress(self, offering: Offering, plan: Plan, pages: list[dict[str, Any]]) -> int:
        """The learner's page progress, reactions and notes up to where they got; answers their completion."""
        rng, user_id = self.rng, plan.membership.user_id
        count = len(pages)
        total = 0.0
        last_seen: datetime | None = None
        for i, page in enumerate(pages):
            if plan.reach >= (i + 1) / count or i == 0:  # everyone who started read the first page
                done, seen = page["task_count"], min(plan.at((i + 1) / count), plan.last_active)
            elif plan.reach > i / count and page["task_count"] > 0:
                done, seen = rng.randint(0, page["task_count"] - 1), plan.last_active  # opened, not finished
            else:
                break
            seen = (seen - timedelta(minutes=rng.randint(0, 90))).replace(microsecond=0)
            seen = max(seen, plan.start)
            last_seen = seen
            self.add(
                PageProgress,
                id=self.new_id(),
                offering_id=offering.id,
                user_id=user_id,
                page_id=page["id"],
                viewed=True,
                tasks_done=done,
                updated_at=seen,
            )
            self.ctx.saw(offering.id, user_id, seen)
            total += page_fraction(True, done, page["task_count"])
            if rng.random() < 0.3:
                self.add(
                    UnitReaction,
                    id=self.new_id(),
                    offering_id=offering.id,
                    page_id=page["id"],
                    user_id=user_id,
                    reaction="thumbs-up" if rng.random() < 0.8 else "thumbs-down",
                    created_at=seen,
                )
            if rng.random() < 0.08:
                self.add(
                    SocialNote,
                    id=self.new_id(),
                    offering_id=offering.id,
                    page_id=page["id"],
                    user_id=user_id,
                    paragraph_id=f"p{rng.randint(1, 12)}",
                    content=rng.choice(NOTES),
                    shared=rng.random() < 0.75,
                    created_at=seen,
                )
        completion = completion_percent(total, count)
        if last_seen is not None:
            self.add(
                LearnerProgress, offering_id=offering.id, user_id=user_id, completion=completion, updated_at=last_seen
            )
        return completion

    def pulses(self, offering: Offering, plans: list[Plan], words: CourseContent, until: datetime) -> None:
        """Two or three pulses, each run once or twice while learners take part (a run is sent at a moment when at
        least one learner was active, who answers it), answered by about half of the learners taking part."""
        rng = self.rng
        opened = to_utc(offering.start)
        started = [p for p in plans if p.started]
        for question, pulse_type, options in rng.sample(PULSES, rng.randint(2, 3)):
            pulse_id = self.new_id()
            self.add(
                Pulse,
                id=pulse_id,
                offering_id=offering.id,
                question=question,
                pulse_type=pulse_type,
                options=options,
                created_at=opened,
            )
            for _ in range(rng.randint(1, 2) if started else 0):
                anchor = rng.choice(started)
                start = (anchor.start + (anchor.last_active - anchor.start) * rng.random()).replace(microsecond=0)
                run_id = self.new_id()
                duration = rng.choice((60, 240, 1440))
                self.add(PulseRun, id=run_id, pulse_id=pulse_id, start=start, duration_minutes=duration)
                for plan in started:
                    taking_part = plan.start <= start <= plan.last_active + timedelta(days=3)
                    if not taking_part or (plan is not anchor and rng.random() > 0.55):
                        continue
                    answered = start + timedelta(minutes=rng.uniform(0, duration))
                    answered = min(answered, until, plan.closes).replace(microsecond=0)
                    self.add(
                        PulseAnswerRow,
                        id=self.new_id(),
                        offering_id=offering.id,
                        pulse_id=pulse_id,
                        run_id=run_id,
                        user_id=plan.membership.user_id,
                        response_time=answered,
                        answer=_answer(rng, pulse_type, options, words),
                    )
                    self.ctx.saw(offering.id, plan.membership.user_id, answered)

    def award(self, offering: Offering, badge: OfferingBadge, plan: Plan, passed_at: datetime | None) -> None:
        """The badge of a learner who finished and passed every visible quiz: at once, or after an approval."""
        earned = max(plan.at(1.0), passed_at or plan.at(1.0))
        awarded = earned + timedelta(hours=self.rng.randint(1, 48))
        if badge.requires_approval:
            awarded += timedelta(days=self.rng.randint(1, 6))  # a facilitator approves it
        if awarded > self.ctx.now:
            return  # not yet: the facilitator has not got to it
        self.add(
            BadgeAward,
            id=self.new_id(),
            offering_id=offering.id,
            user_id=plan.membership.user_id,
            awarded_at=awarded.replace(microsecond=0),
        )


def _answer(rng: Any, pulse_type: str, options: list[str], words: CourseContent) -> dict[str, Any]:
    if pulse_type == "submit_text":
        return {"textAnswer": rng.choice(words.learned)}
    if pulse_type == "MCQ":
        chosen = rng.randrange(len(options))
        return {"multiChoiceAnswer": [{"option": o, "value": i == chosen} for i, o in enumerate(options)]}
    weights = [rng.random() for _ in options]
    if pulse_type == "spatial_triangular":
        total = sum(weights) or 1.0
        weights = [w / total for w in weights]
    return {"spatialAnswer": [{"option": o, "value": round(w, 3)} for o, w in zip(options, weights, strict=True)]}


def seed(ctx: DemoContext) -> None:
    """Add this area's demo rows to ctx.session."""
    now = ctx.now
    offerings = sorted((o for o in ctx.offerings if to_utc(o.start) <= now), key=lambda o: (o.start, o.id))
    if not offerings:
        return
    seeder = _Seeder(ctx)
    courses = {c.id: c for c in ctx.courses}
    versions = {v.id: v for v in ctx.versions}
    words = {o.id: content_of(ctx.course_codes, o.course_id) for o in offerings}

    pages: dict[str, list[dict[str, Any]]] = {}
    for offering in offerings:
        if offering.content_id not in pages:
            created = to_utc(versions[offering.content_id].published_at) - timedelta(days=14)
            tasks_enabled = courses[offering.course_id].tasks_enabled
            pages[offering.content_id] = seeder.pages(offering.content_id, words[offering.id], tasks_enabled, created)

    session = ctx.session
    badges = {
        b.offering_id: b
        for b in session.execute(select(OfferingBadge).where(OfferingBadge.org_id == ctx.org_id)).scalars()
    }
    visible_quizzes: dict[str, set[str]] = defaultdict(set)
    for quiz_id, content_id in session.execute(
        select(Assessment.id, Assessment.content_id).where(
            Assessment.org_id == ctx.org_id, Assessment.type == "quiz", Assessment.hidden.is_(False)
        )
    ):
        visible_quizzes[content_id].add(quiz_id)

    plans: dict[str, list[Plan]] = defaultdict(list)
    for (offering_id, _), plan in ctx.plans.items():
        plans[offering_id].append(plan)
    for offering in offerings:
        class_plans = plans.get(offering.id, [])
        badge = badges.get(offering.id)
        for plan in class_plans:
            if not plan.started:
                continue
            completion = seeder.progress(offering, plan, pages[offering.content_id])
            passes = [
                ctx.passed.get((offering.id, plan.membership.user_id, q)) for q in visible_quizzes[offering.content_id]
            ]
            if badge is not None and completion == 100 and all(passes):
                seeder.award(offering, badge, plan, max((p for p in passes if p is not None), default=None))
        until = now if offering.end is None else min(now, to_utc(offering.end))
        seeder.pulses(offering, class_plans, words[offering.id], until)

    for model in (
        CoursePage,
        PageProgress,
        LearnerProgress,
        UnitReaction,
        SocialNote,
        Pulse,
        PulseRun,
        PulseAnswerRow,
        BadgeAward,
    ):
        insert_rows(ctx, model, seeder.rows.pop(model, []))
