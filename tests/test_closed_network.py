"""Closed network: starting the app and visiting a page opens no connection beyond 127.0.0.1.

The server runs under a ``sitecustomize`` that installs an audit hook (PEP 578) recording
every ``socket.connect``, ``socket.sendto`` and name lookup of the process to a file;
Chromium visits a page. Every recorded address must be local. Streamlit started without a
specific ``server.address`` asks checkip.amazonaws.com for the machine's IP and "connects"
a UDP socket to 8.8.8.8: that is what the configuration must prevent.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import browser

ROOT = Path(__file__).resolve().parent.parent
LOCAL = {"127.0.0.1", "::1", "localhost", "", "0.0.0.0", "::"}

AUDIT_HOOK = '''
import os, sys

_LOG = os.environ.get("NET_AUDIT_LOG")
_EVENTS = {"socket.connect": 1, "socket.sendto": 1, "socket.sendmsg": -1,
           "socket.getaddrinfo": 0, "socket.gethostbyname": 0, "socket.gethostbyaddr": 0}


def _hook(event, args):
    where = _EVENTS.get(event)
    if where is None or not _LOG:
        return
    try:
        target = args[where] if args else None
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(repr((event, target)) + "\\n")
    except Exception:
        pass


sys.addaudithook(_hook)
if _LOG:
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(repr(("loaded", " ".join(sys.argv[:3]))) + "\\n")
'''


def host_of(target) -> str | None:
    """The host of a recorded address; None for a Unix socket path or no address."""
    if isinstance(target, tuple) and target:
        return str(target[0])
    if isinstance(target, str):  # a name lookup, or an AF_UNIX path
        return None if target.startswith("/") or "\0" in target else target
    if isinstance(target, bytes):
        return None
    return None


def outside(log: Path) -> list[tuple]:
    """Recorded events whose address is not local."""
    found = []
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        event, target = ast.literal_eval(line)
        if event == "loaded":
            continue
        host = host_of(target)
        if host is not None and host not in LOCAL:
            found.append((event, target))
    return found


def test_hook_records_outside_addresses(tmp_path):
    """The recorder itself: a lookup and a UDP 'connect' to outside addresses are seen."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(AUDIT_HOOK)
    log = tmp_path / "net.log"
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('8.8.8.8', 1)); s.close()\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
            "c = socket.create_connection(s.getsockname()); c.close(); s.close()\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "NET_AUDIT_LOG": str(log)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert outside(log) == [("socket.connect", ("8.8.8.8", 1))]
    assert "('loaded', " in log.read_text()
    assert "127.0.0.1" in log.read_text()


# How scripts/start.sh starts the server: without sign-in the address is 127.0.0.1 (also the
# config's default); with sign-in it listens on all interfaces and hides Streamlit's welcome
# message (test_start_script_quiets_the_wildcard_start checks the script says so).
START_MODES = {
    "config": [],
    "local": ["--server.address", "127.0.0.1"],
    "all-interfaces": ["--server.address", "0.0.0.0", "--logger.hideWelcomeMessage", "true"],
}


def test_start_script_quiets_the_wildcard_start():
    script = (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")
    assert "0.0.0.0|::)" in script and "QUIET=(--logger.hideWelcomeMessage true)" in script
    assert '--server.address "$ADDRESS" "${QUIET[@]}"' in script


@pytest.mark.parametrize("mode", list(START_MODES))
def test_start_and_page_visit_stay_on_localhost(tmp_path, mode):
    sync_api = browser.require_chromium()
    from tests.apptest_utils import fixture_db_url

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(AUDIT_HOOK)
    log = tmp_path / "net.log"
    url = fixture_db_url(tmp_path)
    port = browser.free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", "NET_AUDIT_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    # As scripts/start.sh without SERVER_ADDRESS: the address comes from .streamlit/config.toml.
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard/ui/serve.py", "--server.port", str(port),
           "--server.fileWatcherType", "none", *START_MODES[mode]]
    out = tmp_path / "server.log"
    with out.open("wb") as server_log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            browser._wait_healthy(base, proc, out, 90)
            with sync_api.sync_playwright() as p:
                chromium = browser.launch_chromium(p)
                try:
                    blocked: list[str] = []
                    page = browser.new_page(chromium, 1366, 768, blocked)
                    browser.open_page(page, base, "")
                    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Обзор"
                    browser.open_page(page, base, "karta")
                    assert blocked == []
                finally:
                    chromium.close()
        finally:
            browser.stop(proc)
    text = log.read_text(encoding="utf-8")
    assert "dashboard/ui/serve.py" in text  # the hook ran inside the server
    assert outside(log) == [], out.read_text()[-2000:]
    if mode != "all-interfaces":
        assert "URL: http://127.0.0.1:" in out.read_text()


def test_config_binds_to_this_computer():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


def test_upload_cap_is_not_below_the_import_limit():
    """Streamlit refuses uploads above server.maxUploadSize before the importer's own Russian
    check: the cap must not be below IMPORT_MAX_MB (the uploader itself uses IMPORT_MAX_MB)."""
    import tomllib

    from dashboard.core.settings import Settings

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] >= Settings().import_max_mb
