"""What every demo seeder receives: the organisation, a seeded random source and what was built so far."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from faker import Faker
from sqlalchemy.orm import Session

from openqualify.server.db.models import Course, CourseVersion, Membership, Offering, User


@dataclass
class DemoContext:
    session: Session  # synchronous; seeders add rows and flush, the caller commits
    org_id: str
    now: datetime
    rng: random.Random
    faker: Faker
    courses: list[Course] = field(default_factory=list)
    versions: list[CourseVersion] = field(default_factory=list)
    offerings: list[Offering] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
