"""Driving the real app in Debian's Chromium: shared by tests/test_browser.py and
scripts/screenshots.py.

Playwright's own browser download is impossible here (closed network), so the system
Chromium is used. The app runs with ``streamlit run`` on 127.0.0.1 with its own database.
"""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
APP = ROOT / "dashboard" / "ui" / "app.py"
# What scripts/start.sh runs: the app behind the server's middleware (dashboard/ui/serve.py).
SERVER = ROOT / "dashboard" / "ui" / "serve.py"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]
SIZES = ((1920, 1080), (1366, 768))
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# Streamlit's own modal when a URL names no page (e.g. a deep link served in MPA v1 mode).
PAGE_NOT_FOUND = "Page not found"
IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def require_chromium():
    """Skip the calling test module when Debian's Chromium or Playwright is missing (fail on
    CI instead, so CI never passes without the browser tests); returns playwright.sync_api."""
    import pytest

    if not CHROMIUM.exists():
        reason = f"нет браузера {CHROMIUM}: apt-get install -y chromium (см. scripts/setup.sh --dev)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


def app_pages() -> list[tuple[str, str]]:
    """(url_path, title) of every page registered in the entry point.

    Read from its NAVIGATION literal (without running Streamlit), so the list follows the app."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "NAVIGATION" for t in node.targets):
            nav = ast.literal_eval(node.value)
            return [(url, title) for group in nav.values() for _file, title, url, _icon in group]
    raise AssertionError(f"{APP}: NAVIGATION not found")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_demo_database(url: str) -> None:
    """A migrated database at ``url`` filled with the demo data (seed 1)."""
    from dashboard.core import migrate
    from dashboard.core.db import make_engine
    from dashboard.writers import demo

    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        demo.generate(engine, seed=1)
    finally:
        engine.dispose()


@contextmanager
def running_app(database_url: str, log_path: Path, timeout_s: float = 90, port: int | None = None,
                extra_args: tuple[str, ...] = ()):
    """``streamlit run dashboard/ui/serve.py`` on a localhost port (free, unless given); yields the base
    URL. ``extra_args`` go to ``streamlit run`` (e.g. ``--secrets.files PATH``)."""
    from dashboard.ui import startup

    startup.ensure_map_assets()
    port = port or free_port()
    # PYTHONPATH: the checkout under test, not whichever one the editable install points at.
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(SERVER.relative_to(ROOT)), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *extra_args]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, proc, log_path, timeout_s)
            yield base
        finally:
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it does not end within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_healthy(base: str, proc: subprocess.Popen, log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit завершился (код {proc.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit не ответил за {timeout_s} с:\n{log_path.read_text()[-3000:]}")


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def new_page(browser, width: int, height: int, outside: list[str], locale: str = "ru-RU"):
    """A page of the given viewport (and browser language) that blocks and records any request
    to a non-local host."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  timezone_id="Asia/Novosibirsk")

    def guard(route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    return context.new_page()


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script run has finished and the page's title is on screen."""
    page.wait_for_selector(IDLE_SELECTOR, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)
    page.wait_for_selector(IDLE_SELECTOR, timeout=timeout_ms)
    page.wait_for_timeout(300)  # let charts finish their first paint
    page.wait_for_selector(IDLE_SELECTOR, timeout=timeout_ms)


def page_errors(page) -> list[str]:
    """Texts of exceptions, st.error boxes and 'page not found' dialogs on the page."""
    found = [e.inner_text() for e in page.locator(ERROR_SELECTOR).all()]
    found += [PAGE_NOT_FOUND] * page.get_by_text(PAGE_NOT_FOUND, exact=True).count()
    return found


def open_page(page, base: str, url_path: str, query: str = "") -> None:
    page.goto(f"{base}/{url_path}{('?' + query) if query else ''}", wait_until="domcontentloaded")
    wait_idle(page)


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def map_frame(page):
    """The st_folium iframe's frame locator."""
    return page.frame_locator(MAP_FRAME).first


def count_map_shapes(page, minimum: int = 35, timeout_ms: int = 30_000) -> int:
    """Number of Leaflet vector shapes drawn in the map frame (waits for ``minimum``)."""
    frame = map_frame(page)
    shapes = frame.locator("path.leaflet-interactive")
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        n = shapes.count()
        if n >= minimum:
            return n
        page.wait_for_timeout(250)
    return shapes.count()


def screenshot(page, name: str, full: bool = False) -> Path:
    """Save the viewport (or the whole scrolled page) to artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if not full:
        page.screenshot(path=str(path))
        return path
    # Streamlit scrolls inside its main block: grow the viewport to the content height.
    size = page.viewport_size
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return Math.max(document.body.scrollHeight, m ? m.scrollHeight : 0); }")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 6000))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path
