"""Long operations that leave the event loop free: work in chunks with a pause between them.

On the embedded SQLite database statements run inline on the event loop (`db.sqlite_inline`), so a bulk
request of 10,000 rows would otherwise hold every other request of the process for its whole duration. Between
chunks, `pause()` lets the loop serve others; readers see the last committed data meanwhile (WAL), writers
queue behind this transaction as they would anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

CHUNK = 500  # rows per statement between two pauses: a few milliseconds of work
IN_CHUNK = 500  # values per IN list, well below SQLite's bound-parameter limit


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def pause() -> None:
    """Let the event loop run everything else that is ready, then carry on."""
    await asyncio.sleep(0)
