#!/usr/bin/env bash
# Several app servers behind nginx, all on one database (PostgreSQL in production):
#   DATABASE_URL=postgresql+psycopg://… scripts/start-cluster.sh [N_SERVERS] [PORT]
# starts N_SERVERS (default 2) Streamlit processes on 127.0.0.1:PORT+1… and nginx
# (Debian's, deploy/nginx.conf) on 127.0.0.1:PORT (default 8501) with sticky sessions.
# Stops them all on Ctrl+C. Logs, pid files (app1.pid …, nginx.pid) and nginx's files go to
# ${CLUSTER_DIR:-data/cluster}; each server's PostgreSQL connections are named dashboard-app1 ….
# nginx passes X-Forwarded-For, so the app requires sign-in (OIDC). LOCAL_ONLY=1 leaves the
# header out for a cluster used only on this computer (load tests): nginx listens on
# 127.0.0.1 either way.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2}
PORT=${2:-8501}
: "${DATABASE_URL:?set DATABASE_URL to the shared database (PostgreSQL)}"
command -v nginx >/dev/null || { echo "нет nginx: apt-get install -y nginx-light"; exit 2; }
PY=${PYTHON:-.venv/bin/python}
DIR=$(realpath -m "${CLUSTER_DIR:-data/cluster}")
mkdir -p "$DIR"
"$PY" -m dashboard db upgrade
"$PY" -c "from dashboard.ui import startup; startup.ensure_map_assets()"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -f "$DIR"/app*.pid; }
trap cleanup EXIT INT TERM

upstreams=""
for i in $(seq 1 "$N"); do
  p=$((PORT + i))
  # PGAPPNAME names the server's connections in pg_stat_activity (bench/load.py counts their CPU)
  PGAPPNAME="dashboard-app$i" "$PY" -m streamlit run dashboard/ui/serve.py --server.headless true \
    --server.address 127.0.0.1 --server.port "$p" --browser.gatherUsageStats false \
    --server.fileWatcherType none >"$DIR/app$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$DIR/app$i.pid"
  upstreams+="        server 127.0.0.1:$p;"$'\n'
done
for i in $(seq 1 "$N"); do
  p=$((PORT + i))
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$p/_stcore/health" >/dev/null && break; sleep 0.5; done
done
UPSTREAMS="$upstreams" PREFIX="$DIR" LPORT="$PORT" LOCAL_ONLY="${LOCAL_ONLY:-0}" "$PY" - <<'PYEOF'
import os
from pathlib import Path
conf = Path("deploy/nginx.conf").read_text()
forwarded = "" if os.environ["LOCAL_ONLY"] == "1" else (
    "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "            proxy_set_header X-Forwarded-Proto $scheme;")
conf = (conf.replace("@PREFIX@", os.environ["PREFIX"]).replace("@PORT@", os.environ["LPORT"])
        .replace("@UPSTREAMS@", os.environ["UPSTREAMS"].rstrip("\n")).replace("@FORWARDED@", forwarded))
Path(os.environ["PREFIX"], "nginx.conf").write_text(conf)
PYEOF
nginx -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log" &
pids+=($!)
echo "Приложение: http://127.0.0.1:$PORT (серверов приложения: $N; база $(echo "$DATABASE_URL" | sed 's#//[^@]*@#//…@#'))"
wait -n "${pids[@]}"
