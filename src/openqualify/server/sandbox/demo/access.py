"""Demo data, last: when members last logged in to each class and when each account first and last signed in,
from what they did (`DemoContext.active`, recorded by every area), so the dates agree with the activity.

A member's last log-in to an offering starts the session of their latest activity there; a learner who enrolled
but did nothing may have looked in once; staff look in every few days while a class runs. An account's first and
last access span all of that; accounts that never accepted their invitation have neither.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from openqualify.server.db.models import Membership, User
from openqualify.server.kit.chunks import chunks
from openqualify.server.kit.timefmt import to_utc
from openqualify.server.sandbox.demo.context import BULK_CHUNK, DemoContext


def seed(ctx: DemoContext) -> None:
    rng, now = ctx.rng, ctx.now
    offerings = {o.id: o for o in ctx.offerings}
    seen: dict[str, list[datetime]] = {}
    logins: list[dict[str, Any]] = []
    for membership in ctx.memberships:
        offering = offerings[membership.offering_id]
        start, enrolled = to_utc(offering.start), to_utc(membership.created_at)
        end = now if offering.end is None else min(now, to_utc(offering.end))
        activity = ctx.active.get((offering.id, membership.user_id), [])
        login: datetime | None = None
        if membership.user_id in ctx.pending:
            login = None
        elif activity:
            login = max(enrolled, max(activity) - timedelta(minutes=rng.randint(2, 90)))
        elif not membership.is_learner:
            if start <= now:  # staff look in while the class runs, and a little after it ended
                login = min(now - timedelta(hours=rng.randint(1, 72)), end + timedelta(days=rng.randint(0, 5)))
            elif rng.random() < 0.5:  # ... and some set up the next class
                login = min(enrolled + timedelta(hours=rng.randint(1, 48)), now - timedelta(hours=1))
        elif start <= now and rng.random() < 0.5:  # enrolled, looked in once, did nothing yet
            login = min(max(start, enrolled) + timedelta(hours=rng.randint(1, 72)), end)
        if login is not None:
            login = max(login, enrolled).replace(microsecond=0)
            seen.setdefault(membership.user_id, []).extend([login, *activity])
        logins.append({"id": membership.id, "last_logged_in_at": login})

    accounts: list[dict[str, Any]] = []
    for user in ctx.users:
        if user.id in ctx.pending:
            continue
        times = seen.get(user.id, [])
        created = to_utc(user.created_at)
        if "staff" in (user.tags or []):
            first = created + timedelta(days=1)
            last = max([*times, now - timedelta(hours=rng.randint(1, 72))])
        elif times:
            first = max(min(times) - timedelta(days=rng.randint(0, 20)), created + timedelta(hours=2))
            last = max(times)
        else:
            continue
        accounts.append({"id": user.id, "first_access_at": first, "last_access_at": max(last, first)})

    for chunk in chunks(logins, BULK_CHUNK):
        ctx.session.execute(update(Membership), chunk)
    for chunk in chunks(accounts, BULK_CHUNK):
        ctx.session.execute(update(User), chunk)
