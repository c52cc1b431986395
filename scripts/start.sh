#!/usr/bin/env bash
# Install everything, prepare the database (demo data if it is empty) and start the app.
# Extra arguments go to `streamlit run`, e.g. scripts/start.sh --server.port 8502
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m dashboard db upgrade
.venv/bin/python -m dashboard demo --if-empty
exec .venv/bin/streamlit run dashboard/ui/app.py "$@"
