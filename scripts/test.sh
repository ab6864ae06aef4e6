#!/usr/bin/env bash
# The whole test suite: lint, then pytest on SQLite, then on PostgreSQL when one is reachable.
# Extra arguments go to pytest (e.g. scripts/test.sh -k offerings).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${OPENQUALIFY_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"

"$BIN/ruff" check src tests bench scripts

echo "== tests on SQLite"
env -u OPENQUALIFY_TEST_DATABASE_URL "$BIN/pytest" -n 2 -q -p no:cacheprovider "$@"

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
  OPENQUALIFY_TEST_DATABASE_URL="$PG_URL" "$BIN/pytest" -n 2 -q -p no:cacheprovider "$@"
else
  echo "== PostgreSQL not reachable at $PG_URL: skipped the PostgreSQL run"
fi
