"""The ceiling for the core benchmark: a bare FastAPI app returning fixed bytes (no auth, no database).

Run by bench/core.py with `BENCH_CEILING_BODY` naming a file whose bytes every GET returns.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

BODY = Path(os.environ.get("BENCH_CEILING_BODY", "/dev/null")).read_bytes()

app = FastAPI()


@app.get("/{path:path}")
async def fixed(path: str) -> Response:
    return Response(content=BODY, media_type="application/json")
