"""Cached whole-offering lists are never older than the last acknowledged write, on one worker and on two.

A writer renames a learner again and again while readers fetch the offering's learners-progress list (served
from each worker's list cache between writes). Every answer must show the last rename acknowledged before the
read started, or a later one; once the writer is done, every worker answers the final name.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.fixtures.live import ServerProcess, running_server
from tests.fixtures.reliability import Org, checked, make_offering

pytestmark = pytest.mark.e2e

RENAMES = 20
READERS = 3
MAX_READS = 400  # per reader: bounds the loop whatever the machine's speed
LEARNER = "renamed@example.com"


@pytest.fixture(scope="module", params=[1, 2], ids=["one-worker", "two-workers"])
def server(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServerProcess]:
    with running_server(database_url, "--workers", str(request.param)) as process:
        yield process


def _rename_index(rows: list[dict[str, str]]) -> int:
    """Which rename the list shows for the learner (-1: the name it was enrolled with)."""
    last_name = next(row["lastName"] for row in rows if row["email"] == LEARNER)
    return -1 if last_name == "Original" else int(last_name.removeprefix("Rename"))


def test_reads_never_go_back_behind_acknowledged_writes(
    server: ServerProcess, org_factory: Callable[[str], Org]
) -> None:
    org = org_factory(server.base_url)
    offering = make_offering(org)
    path = f"/offerings/{offering}/analytics/learners-progress"
    learners = [{"email": LEARNER, "firstName": "Re", "lastName": "Original"}]
    learners += [{"email": f"other{n}@example.com", "firstName": "O", "lastName": str(n)} for n in range(20)]
    with org.client() as api:
        checked(api.post(f"/offerings/{offering}/users", json=learners), 201)
        assert _rename_index(checked(api.get(path), 200)) == -1  # now cached

    acknowledged = -1  # the last rename whose answer has arrived
    done = threading.Event()
    failures: list[str] = []
    reads = [0] * READERS

    def writer() -> None:
        nonlocal acknowledged
        try:
            with org.client() as api:
                for i in range(RENAMES):
                    checked(api.patch(f"/users/{LEARNER}", json={"lastName": f"Rename{i}"}), 200)
                    acknowledged = i
                    time.sleep(0.01)  # let readers hit the cache between writes
        finally:
            done.set()

    def reader(n: int) -> None:
        with org.client() as api:
            while not done.is_set() and reads[n] < MAX_READS:
                floor = acknowledged
                seen = _rename_index(checked(api.get(path), 200))
                reads[n] += 1
                if seen < floor:
                    failures.append(f"reader {n} saw rename {seen} after rename {floor} was acknowledged")

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "the run did not finish in 120 s"
    assert not failures, failures[:5]
    assert sum(reads) > RENAMES  # the readers really read between the writes
    with org.client() as api:  # enough reads for every worker to answer some
        finals = {_rename_index(checked(api.get(path), 200)) for _ in range(12)}
    assert finals == {RENAMES - 1}
