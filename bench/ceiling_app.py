"""The ceiling: a bare FastAPI app returning fixed bytes (no auth, no database).

`BENCH_CEILING_BODY` names a file whose bytes every GET returns (bench/core.py, bench/compare.py);
`BENCH_CEILING_DIR` names a folder whose files it serves by name, `GET /<file name>` (bench/lists.py).
Bodies are read once, at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

BODY = Path(os.environ.get("BENCH_CEILING_BODY", "/dev/null")).read_bytes()
FOLDER = os.environ.get("BENCH_CEILING_DIR")
BODIES = {path.name: path.read_bytes() for path in Path(FOLDER).iterdir()} if FOLDER else {}

app = FastAPI()


@app.get("/{path:path}")
async def fixed(path: str) -> Response:
    return Response(content=BODIES.get(path, BODY), media_type="application/json")
