"""When a failed delivery is tried again: backoff with jitter over more than three days, `Retry-After` honoured.

Delays after each failed attempt (then up to 20 % more, at random, so that an outage's backlog does not come
back all at once): 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 14 h, 24 h; twelve attempts in all, the
last one 3 days 7 hours 36 minutes after the first at the earliest. A 429 or 503 answer's `Retry-After`
(seconds or an HTTP date, capped at a day) is waited at least. The delays run on the organisation's clock: in
the sandbox, advancing the clock makes retries fall due.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=14),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.2
RETRY_AFTER_CAP = timedelta(days=1)
RETRY_AFTER_STATUSES = frozenset({429, 503})
# Failed attempts in a row after which an endpoint is marked failing (its deliveries go on being retried).
FAILING_AFTER = 3


def next_delay(
    attempts: int, retry_after: timedelta | None = None, rng: random.Random | None = None
) -> timedelta | None:
    """The wait before the next attempt after `attempts` failed ones, or None when the schedule is spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = SCHEDULE[attempts - 1]
    delay = base * (1 + (rng or random).uniform(0, JITTER))
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After: <seconds>` or `Retry-After: <HTTP date>` (RFC 9110); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))
