#!/usr/bin/env bash
# Start the machine's PostgreSQL 15 and make a role and database for the tests.
# Prints the URL to use as TEST_POSTGRES_URL. Needs root (as on CI).
set -euo pipefail
ROLE=dashboard
DB=dashboard_test
if ! command -v pg_ctlcluster >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
pg_ctlcluster --skip-systemctl-redirect 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='$ROLE'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='$DB'\"" | grep -q 1 \
  || su postgres -c "createdb -O $ROLE $DB"
echo "postgresql+psycopg://$ROLE:$ROLE@127.0.0.1:5432/$DB"
