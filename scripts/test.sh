#!/usr/bin/env bash
# Install everything, start PostgreSQL 15 and run the whole test suite
# (unit, query tests on SQLite and PostgreSQL, AppTest pages, browser test).
# Extra arguments go to pytest, e.g. scripts/test.sh -k queries
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  TEST_POSTGRES_URL=$(scripts/start-postgres.sh | tail -n 1)
  export TEST_POSTGRES_URL
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
