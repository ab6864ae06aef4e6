"""Smoke test of the scale-benchmark generator: a tiny organisation, checked through the public API."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine

from tests.fixtures.api import Api

BENCH = Path(__file__).resolve().parents[2] / "bench" / "large_org.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_large_org", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_tiny_organisation_is_consistent_through_the_api(api: Api, other_api: Api, sync_engine: Engine) -> None:
    gen = _generator()
    preset = gen.PRESETS["tiny"]
    report = gen.build(sync_engine, api.org_id, preset, seed=7)
    rows = report["rows"]
    assert rows["users"] == preset.learners + 1
    assert rows["offerings"] == preset.offerings
    assert rows["memberships"] == preset.offerings + preset.learners * preset.per_learner + preset.big
    assert rows["learner_progress"] == rows["memberships"] - preset.offerings
    assert report["activity_rows"] > rows["memberships"]

    ids = [f"{report['id_prefix']}o{gen._b36(n)}" for n in range(preset.offerings)]
    offerings = [{"id": offering_id} for offering_id in ids]
    big = report["big_offering_id"]
    learners = marks = responses = 0
    for offering in offerings:
        progress = api.get(f"/offerings/{offering['id']}/analytics/learners-progress")
        assert progress.status_code == 200
        learners += len(progress.json())
        if offering["id"] == big:
            assert len(progress.json()) == preset.big
            assert all(0 < int(row["completion"]) <= 100 for row in progress.json())
        marked = api.get(f"/offerings/{offering['id']}/analytics/marks/assignments")
        assert marked.status_code == 200
        assert all("mark" in row and row["markedBy"] == "staff@bench.example" for row in marked.json())
        marks += len(marked.json())
        answered = api.get(f"/offerings/{offering['id']}/analytics/pulses/responses")
        assert answered.status_code == 200
        responses += len(answered.json())
    assert learners == rows["learner_progress"]
    assert marks == rows["assessment_marks"]
    assert responses == rows["pulse_responses"]

    page = api.get("/users/all/progress", params={"$top": "50"}).json()["data"]["progress"]
    assert len(page) == 50
    assert [p["email"] for p in page] == sorted(p["email"] for p in page)
    in_big = api.get(
        "/users/all/progress", params={"$top": "50", "$filter": f"offerings/any(o: o/id eq '{big}')"}
    ).json()["data"]["progress"]
    assert len(in_big) == preset.big
    assert all(big in {o["id"] for o in learner["offerings"]} for learner in in_big)

    # Another organisation sees none of it.
    assert other_api.get(f"/offerings/{big}/analytics/learners-progress").status_code == 404
