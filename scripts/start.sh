#!/usr/bin/env bash
# Install everything, prepare the database and start the app.
# An empty embedded (SQLite) database is filled with demo data here, never by the app itself;
# an empty PostgreSQL database is left empty (the app then shows how to import real data).
# Extra arguments go to `streamlit run`, e.g. scripts/start.sh --server.port 8502
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m dashboard db upgrade
if .venv/bin/python -c "import sys; from dashboard.core.settings import get_settings; \
sys.exit(0 if get_settings().database_url.startswith('sqlite') else 1)"; then
  .venv/bin/python -m dashboard demo --if-empty
fi
exec .venv/bin/streamlit run dashboard/ui/app.py "$@"
