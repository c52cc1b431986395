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
# Sign-in configured ([auth] in .streamlit/secrets.toml): listen on the network (SERVER_ADDRESS,
# default all interfaces). Not configured: local trusted mode, this computer only.
if .venv/bin/python -c "import pathlib, sys, tomllib; p = pathlib.Path('.streamlit/secrets.toml'); \
sys.exit(0 if p.is_file() and tomllib.loads(p.read_text(encoding='utf-8')).get('auth') else 1)"; then
  ADDRESS=${SERVER_ADDRESS:-0.0.0.0}
else
  ADDRESS=127.0.0.1
  echo "Вход не настроен: приложение доступно только на этом компьютере (адрес — ниже)."
fi
# Listening on all interfaces, Streamlit's welcome message asks checkip.amazonaws.com for the
# machine's address, which a closed network does not allow: print our own line instead.
QUIET=()
case "$ADDRESS" in
  0.0.0.0|::)
    QUIET=(--logger.hideWelcomeMessage true)
    echo "Приложение слушает все сетевые адреса этого компьютера (порт 8501, если не задан --server.port)."
    ;;
esac
exec .venv/bin/streamlit run dashboard/ui/serve.py --server.address "$ADDRESS" "${QUIET[@]}" "$@"
