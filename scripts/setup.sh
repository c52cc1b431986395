#!/usr/bin/env bash
# Install everything on a fresh Debian machine: system packages, a virtualenv in .venv,
# and the pinned Python packages. Safe to rerun.
#   scripts/setup.sh          what the app needs
#   scripts/setup.sh --dev    plus what the tests need (Chromium, poppler, PostgreSQL 15)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

PY=${PYTHON:-python3}

# Debian packages: DejaVu fonts for Cyrillic in PDF/PNG reports; venv for Debian's own
# python3 (without it `python3 -m venv` stops: «ensurepip is not available»); for tests also
# the browser, pdftoppm and the database server.
pkgs=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pkgs+=(fonts-dejavu-core)
[ -x .venv/bin/python ] || "$PY" -c "import ensurepip" 2>/dev/null || pkgs+=(python3-venv)
if [ "$DEV" = 1 ]; then
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  command -v pdftoppm >/dev/null || pkgs+=(poppler-utils)
  command -v pg_ctlcluster >/dev/null && [ -d /usr/lib/postgresql/15 ] || pkgs+=(postgresql-15)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Устанавливаю пакеты Debian: ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
req=requirements.txt
[ "$DEV" = 1 ] && req=requirements-dev.txt
.venv/bin/python -m pip install -q --disable-pip-version-check -r "$req" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
# The project itself, editable: the entry point dashboard/ui/app.py imports the packages
# dashboard and queries from the repository.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
.venv/bin/python -c "import streamlit, sqlalchemy, dashboard, queries" # fail loudly if the install did not work
