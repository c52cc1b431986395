"""Page times: every page's server-side script time (AppTest) and whole-page browser time,
beside an empty Streamlit page measured in the same run, and the server's memory.

    .venv/bin/python bench/pages.py --database-url sqlite:///bench/out/national.db [--rounds 5]
        [--no-browser] [--no-apptest] [--pages overview municipality] [--first-visit]

Script time (AppTest, in this process): «cold» = the first run of the page after the query
cache was cleared, «warm» = a rerun of the same page (what a widget change costs). Before the
cold run the page is run once and the cache cleared, as on a server that has shown the page
before (its modules imported, its SQL statements compiled): otherwise a page's cold time
depends on what the default page («Обзор», run first) happened to compile for it.
``--first-visit`` times the page's first run after the default page's instead. Browser
time (Debian's Chromium against ``streamlit run`` on 127.0.0.1): from navigation to the
script having finished and the page drawn (tests.browser.wait_idle), a fresh tab each time,
warm server caches. The empty page is a one-line Streamlit script served and timed the same
way: the floor any Streamlit page pays. Memory: the app server's resident set (VmRSS) after
every page has been visited.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402
from tests.apptest_utils import APP, switch_page  # noqa: E402

EMPTY_SCRIPT = 'import streamlit as st\nst.title("Пустая страница")\n'
PROFILE_QUERY = "m=31"  # Новосибирск, the largest municipality


def pages() -> list[tuple[str, str, str]]:
    """(file, title, url_path) of every page, from the entry point's NAVIGATION."""
    import ast

    tree = ast.parse(Path(APP).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "NAVIGATION" for t in node.targets):
            nav = ast.literal_eval(node.value)
            return [(f"pages/{file}", title, url) for group in nav.values() for file, title, url, _ in group]
    raise SystemExit("NAVIGATION not found")


def quartiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def fmt_q(xs: list[float]) -> str:
    lo, mid, hi = quartiles(xs)
    return f"{mid:.2f} ({lo:.2f}–{hi:.2f})"


# -- AppTest ----------------------------------------------------------------------------

def _app(query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()


def apptest_times(rounds: int, only: list[str] | None = None,
                  first_visit: bool = False) -> list[tuple[str, list[float], list[float], list[float]]]:
    """(title, cold runs, warm runs, CPU of the cold runs) per page (those of ``only``, page
    files without .py, when given), and the empty page first. The CPU time (this process's,
    the database's own for SQLite) is steadier than the clock on a busy machine. The page is
    run once before its cold run unless ``first_visit`` (see the module's docstring)."""
    from streamlit.testing.v1 import AppTest

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.py"
        empty.write_text(EMPTY_SCRIPT, encoding="utf-8")
        cold, warm, cpu = [], [], []
        for _ in range(rounds):
            at = AppTest.from_file(str(empty))
            t0, c0 = time.perf_counter(), time.process_time()
            at.run()
            cold.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
        out.append(("пустая страница Streamlit", cold, warm, cpu))
    for file, title, url in pages():
        if only and Path(file).stem not in only:
            continue
        cold, warm, cpu = [], [], []
        for _ in range(rounds):
            query = {"m": "31"} if url == "munitsipalitet" else None
            at = _app(query)
            at.run()  # the default page, then switch: the switch's run is what is timed
            if not first_visit:
                switch_page(at, file)
                at.run()  # the page once: its statements compiled, as on a server that showed it
            _clear_caches()
            switch_page(at, file)
            t0, c0 = time.perf_counter(), time.process_time()
            at.run()
            cold.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if at.exception:
                print(f"  {title}: {at.exception[0].value}", file=sys.stderr)
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
        print(f"  AppTest {title}: cold {fmt_q(cold)} (CPU {fmt_q(cpu)}), warm {fmt_q(warm)}", file=sys.stderr)
        out.append((title, cold, warm, cpu))
    return out


# -- browser --------------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (streamlit runs in one process)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _serve(script: Path, env: dict, log: Path):
    port = browser.free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    browser._wait_healthy(base, proc, log, 120)
    return proc, base


def _time_visit(br, base: str, path: str, query: str = "") -> float:
    outside: list[str] = []
    page = browser.new_page(br, 1920, 1080, outside)
    t0 = time.perf_counter()
    page.goto(f"{base}/{path}{('?' + query) if query else ''}", wait_until="domcontentloaded")
    page.wait_for_selector(browser.IDLE_SELECTOR, timeout=300_000)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=300_000)
    page.wait_for_selector(browser.IDLE_SELECTOR, timeout=300_000)
    took = time.perf_counter() - t0
    errors = browser.page_errors(page)
    if errors:
        print(f"  {path}: {errors[:2]}", file=sys.stderr)
    page.context.close()
    return took


def browser_times(database_url: str, rounds: int):
    """(rows of (title, first visit, warm visits)), server MB at start, after every page."""
    from playwright.sync_api import sync_playwright

    from dashboard.ui import startup

    startup.ensure_map_assets()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        br = browser.launch_chromium(pw)
        empty = Path(tmp) / "empty.py"
        empty.write_text(EMPTY_SCRIPT, encoding="utf-8")
        proc, base = _serve(empty, env, Path(tmp) / "empty.log")
        try:
            first = _time_visit(br, base, "")
            rows.append(("пустая страница Streamlit", first, [_time_visit(br, base, "") for _ in range(rounds)]))
        finally:
            proc.terminate()
            proc.wait()
        proc, base = _serve(Path(APP).relative_to(ROOT), env, Path(tmp) / "app.log")
        try:
            rss_start = rss_mb(proc.pid)
            for _file, title, url in pages():
                query = PROFILE_QUERY if url == "munitsipalitet" else ""
                first = _time_visit(br, base, url, query)
                warm = [_time_visit(br, base, url, query) for _ in range(rounds)]
                print(f"  browser {title}: first {first:.2f}, warm {fmt_q(warm)}", file=sys.stderr)
                rows.append((title, first, warm))
            rss_end = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait()
        br.close()
    return rows, rss_start, rss_end


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-apptest", action="store_true")
    ap.add_argument("--pages", nargs="+", metavar="FILE",
                    help="only these pages in AppTest, by file name without .py (overview municipality)")
    ap.add_argument("--first-visit", action="store_true",
                    help="time each page's first run after the default page's, not a run after its own")
    args = ap.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    if not args.no_apptest:
        rows = apptest_times(args.rounds, args.pages, args.first_visit)
        floor = statistics.median(rows[0][1])  # the empty page's cold run
        print(f"\nScript time (AppTest), s: median (quartiles) of {args.rounds}; cold ÷ the empty page's cold\n")
        print("| page | cold | warm | cold ÷ empty | cold, CPU |")
        print("|---|---:|---:|---:|---:|")
        for title, cold, warm, cpu in rows:
            print(f"| {title} | {fmt_q(cold)} | {fmt_q(warm)} | {statistics.median(cold) / floor:.1f}× | {fmt_q(cpu)} |")
    if not args.no_browser:
        rows, rss0, rss1 = browser_times(args.database_url, args.rounds)
        floor = statistics.median(rows[0][2])  # the empty page's warm visits
        print(f"\nWhole page in Chromium, s: first visit; warm median (quartiles) of {args.rounds}; "
              "warm ÷ the empty page's warm\n")
        print("| page | first | warm | warm ÷ empty |")
        print("|---|---:|---:|---:|")
        for title, first, warm in rows:
            print(f"| {title} | {first:.2f} | {fmt_q(warm)} | {statistics.median(warm) / floor:.1f}× |")
        print(f"\nApp server memory (VmRSS): {rss0:.0f} MB after start, {rss1:.0f} MB after every page.")


if __name__ == "__main__":
    main()
