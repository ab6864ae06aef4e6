"""Demo data, learning: for every current offering, pages of its course version, page progress of most learners
(with logins), unit reactions, social notes, pulses with runs and responses, and badge awards.

Deterministic: choices come from `ctx.rng`; ids are derived from the organisation and a counter, so two demo
organisations never share a primary key. Rows go in with bulk inserts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from openqualify.server.db.models import (
    BadgeAward,
    CoursePage,
    LearnerProgress,
    Membership,
    OfferingBadge,
    PageProgress,
    Pulse,
    PulseAnswerRow,
    PulseRun,
    SocialNote,
    UnitReaction,
    User,
)
from openqualify.server.kit.cooperative import chunks
from openqualify.server.progress.completion import completion_percent, page_fraction
from openqualify.server.sandbox.demo.context import BULK_CHUNK, DemoContext, id_maker, insert_rows, is_current

PAGE_TITLES = [
    "Welcome and overview",
    "Key concepts",
    "Hazards in the workplace",
    "Case study",
    "Putting it into practice",
    "Reflection",
    "Tools and templates",
    "Review and next steps",
    "Further reading",
    "Wrap-up",
]
NOTES = [
    "Great summary, worth re-reading before the quiz.",
    "This links nicely with what we do on site.",
    "Remember to check the template in the resources section.",
    "I found the second example the most useful.",
    "Question for the group: how do you apply this in a small team?",
]
PULSES: list[tuple[str, str, list[str]]] = [
    ("How are you finding the pace of the course?", "MCQ", ["Too slow", "About right", "Too fast"]),
    ("What is one thing you learned this week?", "submit_text", []),
    ("Where do you sit right now?", "spatial_triangular", ["Confident", "Curious", "Confused"]),
    ("Rate your energy and focus today.", "spatial_planar", ["Energy", "Focus"]),
    ("How ready do you feel for the assessment?", "spatial_linear", ["Readiness"]),
]
TEXT_ANSWERS = [
    "How to spot risks before they become incidents.",
    "The reporting process is simpler than I thought.",
    "Planning ahead saves a lot of time.",
    "Talking with peers helps me understand.",
]


def seed(ctx: DemoContext) -> None:
    """Add this area's demo rows to ctx.session."""
    rng, now, new_id = ctx.rng, ctx.now, id_maker(ctx, "learning")
    offerings = [o for o in ctx.offerings if is_current(o, now)]
    if not offerings:
        return
    logins: list[dict[str, Any]] = []
    access: dict[str, tuple[datetime, datetime]] = {}
    learners: dict[str, list[Membership]] = {}
    for membership in ctx.memberships:
        if membership.is_learner:
            learners.setdefault(membership.offering_id, []).append(membership)

    # Pages, once per course version.
    pages: dict[str, list[dict[str, Any]]] = {}
    for content_id in sorted({o.content_id for o in offerings}):
        count = rng.randint(6, 10)
        pages[content_id] = [
            {
                "id": new_id(),
                "content_id": content_id,
                "title": PAGE_TITLES[i],
                "task_count": rng.choice((0, 0, 1, 2, 3)),
                "position": i,
                "created_at": now - timedelta(days=120),
            }
            for i in range(count)
        ]
    insert_rows(ctx, CoursePage, [p for rows in pages.values() for p in rows])

    badges = {
        b.offering_id
        for b in ctx.session.execute(
            select(OfferingBadge).where(OfferingBadge.offering_id.in_([o.id for o in offerings]))
        ).scalars()
    }
    progress_rows: list[dict[str, Any]] = []
    completions: list[dict[str, Any]] = []
    reactions: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    pulses: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []

    for offering in offerings:
        content_pages = pages[offering.content_id]
        members = learners.get(offering.id, [])
        since = max(offering.start, now - timedelta(days=90))
        span = max((now - since).total_seconds(), 3600.0)
        active: list[Membership] = []
        for membership in members:
            if rng.random() < 0.15:  # some learners have not started yet
                continue
            active.append(membership)
            level = rng.choice((1.0, 1.0, rng.random(), rng.random(), rng.random() * 0.4))
            reach = level * len(content_pages)
            total = 0.0
            for i, page in enumerate(content_pages):
                if i >= reach:
                    break
                partial = reach - i < 1
                done = page["task_count"] if not partial else rng.randint(0, page["task_count"])
                progress_rows.append(
                    {
                        "id": new_id(),
                        "offering_id": offering.id,
                        "user_id": membership.user_id,
                        "page_id": page["id"],
                        "viewed": True,
                        "tasks_done": done,
                        "updated_at": since + timedelta(seconds=rng.uniform(0, span)),
                    }
                )
                total += page_fraction(True, done, page["task_count"])
                if rng.random() < 0.3:
                    reactions.append(
                        {
                            "id": new_id(),
                            "offering_id": offering.id,
                            "page_id": page["id"],
                            "user_id": membership.user_id,
                            "reaction": "thumbs-up" if rng.random() < 0.8 else "thumbs-down",
                            "created_at": since + timedelta(seconds=rng.uniform(0, span)),
                        }
                    )
                if rng.random() < 0.08:
                    notes.append(
                        {
                            "id": new_id(),
                            "offering_id": offering.id,
                            "page_id": page["id"],
                            "user_id": membership.user_id,
                            "paragraph_id": f"p{rng.randint(1, 12)}",
                            "content": rng.choice(NOTES),
                            "shared": rng.random() < 0.75,
                            "created_at": since + timedelta(seconds=rng.uniform(0, span)),
                        }
                    )
            completion = completion_percent(total, len(content_pages))
            completions.append(
                {"offering_id": offering.id, "user_id": membership.user_id, "completion": completion, "updated_at": now}
            )
            login = now - timedelta(seconds=rng.uniform(0, min(span, 14 * 86400)))
            logins.append({"id": membership.id, "last_logged_in_at": login})
            first, last = access.get(membership.user_id, (since, login))
            access[membership.user_id] = (min(first, since), max(last, login))
            if offering.id in badges and (completion == 100 or rng.random() < 0.03):
                awards.append(
                    {
                        "id": new_id(),
                        "offering_id": offering.id,
                        "user_id": membership.user_id,
                        "awarded_at": now - timedelta(seconds=rng.uniform(0, min(span, 30 * 86400))),
                    }
                )

        # Two or three pulses, each run once or twice, answered by part of the active learners.
        for question, pulse_type, options in rng.sample(PULSES, rng.randint(2, 3)):
            pulse_id = new_id()
            pulses.append(
                {
                    "id": pulse_id,
                    "offering_id": offering.id,
                    "question": question,
                    "pulse_type": pulse_type,
                    "options": options,
                    "created_at": since,
                }
            )
            for _ in range(rng.randint(1, 2)):
                run_id, start = new_id(), since + timedelta(seconds=rng.uniform(0, span * 0.9))
                duration = rng.choice((60, 240, 1440))
                runs.append({"id": run_id, "pulse_id": pulse_id, "start": start, "duration_minutes": duration})
                for membership in active:
                    if rng.random() > 0.55:
                        continue
                    answers.append(
                        {
                            "id": new_id(),
                            "offering_id": offering.id,
                            "pulse_id": pulse_id,
                            "run_id": run_id,
                            "user_id": membership.user_id,
                            "response_time": start + timedelta(minutes=rng.uniform(0, duration)),
                            "answer": _answer(rng, pulse_type, options),
                        }
                    )

    insert_rows(ctx, PageProgress, progress_rows)
    insert_rows(ctx, LearnerProgress, completions)
    insert_rows(ctx, UnitReaction, reactions)
    insert_rows(ctx, SocialNote, notes)
    insert_rows(ctx, Pulse, pulses)
    insert_rows(ctx, PulseRun, runs)
    insert_rows(ctx, PulseAnswerRow, answers)
    insert_rows(ctx, BadgeAward, awards)
    # Logins: the membership's lastLoggedInAt and the account's first/last access (bulk updates by key).
    for chunk in chunks(logins, BULK_CHUNK):
        ctx.session.execute(update(Membership), chunk)
    user_rows = [{"id": k, "first_access_at": f, "last_access_at": la} for k, (f, la) in access.items()]
    for chunk in chunks(user_rows, BULK_CHUNK):
        ctx.session.execute(update(User), chunk)


def _answer(rng: Any, pulse_type: str, options: list[str]) -> dict[str, Any]:
    if pulse_type == "submit_text":
        return {"textAnswer": rng.choice(TEXT_ANSWERS)}
    if pulse_type == "MCQ":
        chosen = rng.randrange(len(options))
        return {"multiChoiceAnswer": [{"option": o, "value": i == chosen} for i, o in enumerate(options)]}
    weights = [rng.random() for _ in options]
    if pulse_type == "spatial_triangular":
        total = sum(weights) or 1.0
        weights = [w / total for w in weights]
    return {"spatialAnswer": [{"option": o, "value": round(w, 3)} for o, w in zip(options, weights, strict=True)]}
