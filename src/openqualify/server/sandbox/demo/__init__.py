"""The demo organisation: deterministic (fixed seed), realistic, built area by area."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from faker import Faker
from sqlalchemy.orm import Session

from openqualify.server.sandbox.demo import access, assessments, core, learning, plans, social
from openqualify.server.sandbox.demo.context import DEMO_SEED, DemoContext, demo_org_id, start_of_day

DEMO_ORG_NAME = "Demo Academy"
DEMO_ORG_ID = demo_org_id(DEMO_SEED)  # the organisation `openqualify serve --demo` creates

# Core first (courses, offerings, users, memberships), then every learner's plan, which the activity areas follow;
# log-in times last, from what everyone did.
SEEDERS: list[Callable[[DemoContext], None]] = [
    core.seed,
    plans.seed,
    assessments.seed,
    social.seed,
    learning.seed,
    access.seed,
]


def build_demo(session: Session, org_id: str, now: datetime, seed: int = DEMO_SEED) -> DemoContext:
    """Fill the organisation with demo data. Flushes; the caller commits.

    Built as of the start of `now`'s UTC day: the same seed then gives the same data and the same ids (for the
    same organisation) whenever the demo is rebuilt, today or any later day, with every date as far from today.
    """
    now = start_of_day(now)
    rng = random.Random(seed)
    faker = Faker("en_NZ")
    faker.seed_instance(seed)
    ctx = DemoContext(session=session, org_id=org_id, now=now, rng=rng, faker=faker, seed=seed)
    for seeder in SEEDERS:
        seeder(ctx)
        session.flush()
    return ctx
