#!/usr/bin/env bash
# The whole test suite: lint, type check, then pytest on SQLite, then on PostgreSQL when one is reachable.
# Extra arguments go to pytest (e.g. scripts/test.sh -k offerings).
# The SDK's live tests (tests/client_live) run in one process of their own: their last test checks that
# together they sent all 84 operations through the SDK, which needs them all in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${OPENQUALIFY_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"

"$BIN/ruff" check src tests bench scripts
# Static types: strict on the SDK and the whole server ([tool.mypy] in pyproject.toml lists what is checked).
"$BIN/mypy"

run_suite() {
  "$BIN/pytest" -n 2 -q -p no:cacheprovider --ignore=tests/client_live "$@"
  # Exit code 5 (no test selected, e.g. with -k) is fine for this second part.
  "$BIN/pytest" -q -p no:cacheprovider tests/client_live "$@" || [ $? -eq 5 ]
}

echo "== tests on SQLite"
(unset OPENQUALIFY_TEST_DATABASE_URL; run_suite "$@")

if "$BIN/python" - "$PG_URL" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL"
  OPENQUALIFY_TEST_DATABASE_URL="$PG_URL" run_suite "$@"
else
  echo "== PostgreSQL not reachable at $PG_URL: skipped the PostgreSQL run"
fi
