"""What every demo seeder receives: the organisation, a seeded random source and what was built so far."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from faker import Faker
from sqlalchemy.orm import Session

from openqualify.server.db.models import Course, CourseVersion, Membership, Offering, User
from openqualify.server.kit.ids import push_id

_PUSH_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


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


def id_maker(ctx: DemoContext, namespace: str) -> Callable[[], str]:
    """Push-id-like ids for bulk demo rows: the demo's time, then a hash of (organisation, namespace, counter).

    Deterministic for an organisation, distinct between organisations (ids are unique database-wide), and
    much cheaper than `push_id()` for tens of thousands of rows.
    """
    time_part = push_id(int(ctx.now.timestamp() * 1000))[:8]
    counter = iter(range(1, 10**12))

    def make() -> str:
        digest = hashlib.sha256(f"{ctx.org_id}:{namespace}:{next(counter)}".encode()).digest()
        return time_part + "".join(_PUSH_ALPHABET[b % 64] for b in digest[:12])

    return make
