"""Property-based contract run: Schemathesis generates requests from the official contract (with the documented
errata) and sends them to the live server from two parallel clients; no answer may be a server error or break
the contract's schemas.

The run uses an organisation of its own filled with the demo (`POST /_sandbox/demo`), and three requests in four
carry coherent real ids of it (`schemathesis_hooks.py`), so that generated requests get past the 404s into the
rules, including writes that race each other on the same rows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.contract.real_ids import id_sets
from tests.contract.spec import load_spec
from tests.fixtures.live import LiveServer
from tests.fixtures.reliability import Org, checked, new_token

pytestmark = pytest.mark.schemathesis

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("OPENQUALIFY_SCHEMATHESIS_EXAMPLES", "25"))
CLIENTS = 2
TIME_LIMIT_S = 600
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def test_contract_with_parallel_clients(
    live_server: LiveServer, sync_engine: Engine, tmp_path: Path
) -> None:
    org = Org(live_server.base_url, new_token(sync_engine))
    with org.client("/_sandbox") as sandbox:
        checked(sandbox.post("/demo"), 201)
        export = checked(sandbox.get("/export"))
    ids = id_sets(export)
    assert len(ids) >= 3 and all("userEmail" in s for s in ids), ids
    assert all(any(name in s for s in ids) for name in ("channelId", "groupId", "pulseId", "documentId")), ids
    spec_file, ids_file = tmp_path / "contract.json", tmp_path / "ids.json"
    spec_file.write_text(json.dumps(load_spec()))
    ids_file.write_text(json.dumps(ids))

    command = [
        str(Path(sys.executable).with_name("st")), "run", str(spec_file),
        "--url", f"{org.base_url}/v1",
        "--header", f"Authorization: Bearer {org.token}",
        "--workers", str(CLIENTS),
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,fuzzing",
        "--mode", "all",
        "--seed", "20261203",
        "--suppress-health-check", "all",
        "--request-timeout", "60",
        "--no-color",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.contract.schemathesis_hooks",
        "OPENQUALIFY_SCHEMATHESIS_IDS": str(ids_file),
    }
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=TIME_LIMIT_S)
    output = run.stdout + run.stderr
    summary = re.search(r"(\d+) generated, (\d+) passed", output)
    print(f"\nschemathesis, {CLIENTS} parallel clients: {summary.group(0) if summary else 'no summary'}")
    assert run.returncode == 0, output[-20_000:]
    assert summary is not None and summary.group(1) == summary.group(2), output[-20_000:]
    assert "Tested: 8" in output and int(summary.group(1)) >= 84 * 10, output[-5_000:]
