"""The topology tests (primary, hot standby, pgbouncer) run once per CI, on their own: `.ci/run` calls
`OPENQUALIFY_TOPOLOGY=1 pytest -p no:xdist tests/topology` after the suite. Elsewhere they are skipped."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from openqualify.server.db.migrate import upgrade
from tests.topology.topology import Topology, topology

TOPOLOGY_ENV = "OPENQUALIFY_TOPOLOGY"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get(TOPOLOGY_ENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"set {TOPOLOGY_ENV}=1 (as root) to build the replica topology")
    for item in items:
        if "tests/topology/" in str(item.path):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built() -> Iterator[Topology]:
    with topology() as made:
        upgrade(made.primary_url)
        yield made
