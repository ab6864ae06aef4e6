#!/usr/bin/env bash
# Refresh constraints.txt: the exact versions that CI (.ci/run), the README's commands and the Dockerfile
# install, resolved from the ranges in pyproject.toml (every extra) for every platform and Python >= 3.11.
#   scripts/lock.sh              keep the locked versions that still satisfy the ranges (after editing a range)
#   scripts/lock.sh --upgrade    the newest versions the ranges allow
# Then run the tests (tests/test_packaging.py checks the lock against the ranges) and commit constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.venv/bin/uv
if [ ! -x "$UV" ]; then
  .venv/bin/pip install -q -c constraints.txt -e '.[lock]'  # uv, the resolver
fi
"$UV" pip compile pyproject.toml --all-extras --universal --python-version 3.11 --quiet \
  --custom-compile-command scripts/lock.sh --output-file constraints.txt "$@"
echo "wrote constraints.txt ($(grep -c '==' constraints.txt) pinned packages)"
