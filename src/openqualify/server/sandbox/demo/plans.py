"""How far each demo learner got in each class, and when: one plan per learner membership, decided once.

The activity areas (assessments, learning, social) all read the same plan, so what they write agrees: a learner
works through the course at their own `pace` from their own start, perhaps stopping early; the pages they
viewed, the work they handed in, their quiz attempts, badge, posts and logins all fall on that timeline, never
after the class closed or after the demo's "now". A learner at 100 % completion has handed in every visible
assessment (`assessments` lowers the reach of anyone who has not), and a badge goes only to those who meet its
criteria.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from openqualify.server.db.models import Membership, Offering
from openqualify.server.kit.timefmt import to_utc
from openqualify.server.sandbox.demo.context import DemoContext

DEFAULT_LENGTH = timedelta(days=56)  # of a self-paced class's schedule
FINISHED = 1.0


@dataclass
class Plan:
    """One learner in one offering. Fractions are of the course (0: its start, 1: all of it done)."""

    membership: Membership
    start: datetime  # their own start (relative dates) or the offering's
    length: timedelta  # the schedule: the class's length
    closes: datetime  # the moment they stop working: now, or the class's (early) close-off when earlier
    pace: float  # 1.0 keeps to the schedule; 1.3 finishes early; 0.6 falls behind
    stop: float  # where they gave up (FINISHED: they did not)
    skill: int  # the mark their first quiz attempts centre on
    reach: float = 0.0  # how far they got

    @property
    def started(self) -> bool:
        return self.reach > 0

    @property
    def finished(self) -> bool:
        return self.reach >= FINISHED

    def at(self, fraction: float) -> datetime:
        """When they reached `fraction` of the course (never after `closes`)."""
        reached = self.start + self.length * (fraction / self.pace)
        return min(reached, self.closes)

    def fraction_of(self, moment: datetime) -> float:
        """Where `moment` falls in the course's schedule (0 at their start, 1 at its end)."""
        return (to_utc(moment) - self.start) / self.length

    @property
    def last_active(self) -> datetime:
        return self.at(self.reach)

    def hold_back(self) -> None:
        """Not everything handed in: they have not finished the course either (the last page is not done)."""
        self.reach = min(self.reach, FINISHED - 0.01)


def closes(offering: Offering, now: datetime) -> datetime:
    """Learners work until now, or until the class closed (its early close-off, else its end) when earlier."""
    end = offering.early_close_off_date if offering.has_early_close_off else offering.end
    latest = now - timedelta(minutes=30)  # nothing happens at the very moment the demo is built
    return latest if end is None else min(latest, to_utc(end))


def seed(ctx: DemoContext) -> None:
    """A plan for every learner of every offering that has started: pending accounts never signed in and do
    nothing; one in ten enrolled but did not start; the others keep their own pace (a quarter ahead of the
    schedule, half on it, a quarter behind), and one in four gives up somewhere along the way. In a class under
    way for a fifth of its schedule or more, two learners who knew much of it already went through fast and have
    finished (as refreshers and recognised prior learning do), so a running class shows completions too."""
    rng, now = ctx.rng, ctx.now
    offerings = {o.id: o for o in ctx.offerings}
    by_offering: dict[str, list[Plan]] = {}
    for membership in ctx.memberships:
        offering = offerings[membership.offering_id]
        if not membership.is_learner or to_utc(offering.start) > now:
            continue
        # Their own start (relative dates), or the class's; never before they enrolled.
        start = max(to_utc(membership.start_date or offering.start), to_utc(membership.created_at))
        # The schedule runs to the class's (early) close-off: learners plan to be done by then.
        last_day = offering.early_close_off_date if offering.has_early_close_off else offering.end
        length = (to_utc(last_day) - to_utc(offering.start)) if last_day is not None else DEFAULT_LENGTH
        pace = rng.choice(
            (rng.uniform(1.05, 1.4), rng.uniform(1.0, 1.15), rng.uniform(1.0, 1.15), rng.uniform(0.6, 0.95))
        )
        stop = FINISHED if rng.random() < 0.75 else rng.uniform(0.15, 0.8)
        plan = Plan(membership, start, length, closes(offering, now), pace, stop, rng.randint(45, 92))
        if membership.user_id not in ctx.pending and rng.random() >= 0.1 and plan.closes > start:
            plan.reach = min(stop, FINISHED, pace * plan.fraction_of(plan.closes))
        ctx.plans[(offering.id, membership.user_id)] = plan
        by_offering.setdefault(offering.id, []).append(plan)
    for offering_id, plans in by_offering.items():
        running = [p for p in plans if p.started and p.closes >= now - timedelta(hours=1)]
        for plan in rng.sample(running, min(2, len(running))):
            elapsed = plan.fraction_of(plan.closes)
            if elapsed >= 0.2 and not offerings[offering_id].use_relative_dates:
                plan.pace, plan.stop, plan.skill = rng.uniform(1.15, 1.5) / elapsed, FINISHED, rng.randint(80, 95)
                plan.reach = FINISHED
