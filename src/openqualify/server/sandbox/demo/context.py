"""What every demo seeder receives: the organisation, a seeded random source and what was built so far."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from faker import Faker
from sqlalchemy import insert
from sqlalchemy.orm import Session

from openqualify.server.db.models import Course, CourseVersion, Membership, Offering, User
from openqualify.server.kit.chunks import chunks
from openqualify.server.kit.timefmt import to_utc

if TYPE_CHECKING:
    from openqualify.server.sandbox.demo.plans import Plan

_PUSH_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
DEMO_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DEMO_SEED = 20261127
BULK_CHUNK = 2000  # rows per INSERT / bulk UPDATE of the demo


@dataclass
class DemoContext:
    session: Session  # synchronous; seeders add rows and flush, the caller commits
    org_id: str
    now: datetime
    rng: random.Random
    faker: Faker
    seed: int = DEMO_SEED  # of the id scheme; build_demo passes the seed of `rng` and `faker`
    courses: list[Course] = field(default_factory=list)
    versions: list[CourseVersion] = field(default_factory=list)
    offerings: list[Offering] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    course_codes: dict[str, str] = field(default_factory=dict)  # course id -> core.COURSES code (catalogue key)
    coaches: dict[tuple[str, str], str] = field(default_factory=dict)  # (offering id, learner id) -> coach's id
    pending: set[str] = field(default_factory=set)  # ids of the accounts that never accepted their invitation
    plans: dict[tuple[str, str], Plan] = field(default_factory=dict)  # (offering id, user id): plans.Plan
    passed: dict[tuple[str, str, str], datetime] = field(default_factory=dict)  # (offering, user, quiz): when
    # When each member was active in each offering (posts, work, pages, logins): `access` derives logins from it.
    active: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)
    ids: DemoIds = field(init=False)

    def __post_init__(self) -> None:
        self.ids = DemoIds(self.seed, self.org_id, start_of_day(self.now))

    def saw(self, offering_id: str, user_id: str, at: datetime) -> None:
        """Record that a member did something in an offering at `at` (they were signed in then)."""
        self.active.setdefault((offering_id, user_id), []).append(to_utc(at))


class DemoIds:
    """The demo's one id scheme: deterministic for (seed, organisation), whenever the demo is built.

    A push id is 8 time characters and 12 characters of a hash of (seed, organisation, namespace, counter); an
    ObjectId is 4 bytes of seconds and 8 bytes of the same hash. The time part is the row's age mapped onto a
    fixed epoch (`DEMO_EPOCH` + (row time - the day the demo was built as of)): ids sort in creation order like real
    ones, yet do not move when the demo is rebuilt later. The organisation in the hash keeps ids of two demo
    organisations of one database apart (ids are unique database-wide); the demo organisation of
    `serve --demo` has a fixed id itself, so its ids are the same in every database.
    """

    def __init__(self, seed: int, org_id: str, anchor: datetime) -> None:
        self.seed, self.org_id, self.anchor = seed, org_id, anchor
        self._counters: dict[str, int] = {}

    def _digest(self, namespace: str) -> bytes:
        n = self._counters[namespace] = self._counters.get(namespace, 0) + 1
        return hashlib.sha256(f"{self.seed}:{self.org_id}:{namespace}:{n}".encode()).digest()

    def _epoch_ms(self, at: datetime | None) -> int:
        age = timedelta(0) if at is None else to_utc(at) - self.anchor
        return int((DEMO_EPOCH + age).timestamp() * 1000)

    def push(self, namespace: str, at: datetime | None = None) -> str:
        digest = self._digest(namespace)
        return push_id_at(self._epoch_ms(at), "".join(_PUSH_ALPHABET[b % 64] for b in digest[:12]))

    def object_id(self, namespace: str, at: datetime | None = None) -> str:
        seconds = self._epoch_ms(at) // 1000
        return seconds.to_bytes(4, "big").hex() + self._digest(namespace)[:8].hex()


def demo_org_id(seed: int) -> str:
    """The id of the organisation `serve --demo` creates: fixed, so its demo ids are the same everywhere."""
    digest = hashlib.sha256(f"{seed}:organisation".encode()).digest()
    return push_id_at(int(DEMO_EPOCH.timestamp() * 1000), "".join(_PUSH_ALPHABET[b % 64] for b in digest[:12]))


def push_id_at(ms: int, suffix: str) -> str:
    time_chars = []
    for _ in range(8):
        time_chars.append(_PUSH_ALPHABET[ms % 64])
        ms //= 64
    return "".join(reversed(time_chars)) + suffix


def start_of_day(value: datetime) -> datetime:
    return to_utc(value).replace(hour=0, minute=0, second=0, microsecond=0)


def id_maker(ctx: DemoContext, namespace: str) -> Callable[[], str]:
    """Ids for bulk demo rows (`DemoIds.push` without a row time)."""
    return lambda: ctx.ids.push(namespace)


def object_id_maker(ctx: DemoContext, namespace: str) -> Callable[[], str]:
    """24-hex ids for bulk demo rows (`DemoIds.object_id` without a row time)."""
    return lambda: ctx.ids.object_id(namespace)


def is_current(offering: Offering, now: datetime) -> bool:
    """The offering runs at `now` (DOMAIN §3.3's current bucket)."""
    now = to_utc(now)
    return to_utc(offering.start) <= now and (offering.end is None or to_utc(offering.end) >= now)


def insert_rows(ctx: DemoContext, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Plain rows of the organisation, inserted in batches of `BULK_CHUNK`."""
    for chunk in chunks(rows, BULK_CHUNK):
        ctx.session.execute(insert(model), [{"org_id": ctx.org_id, **row} for row in chunk])
