"""Load test: N people using the app at once, against servers on 127.0.0.1 (e.g. the nginx of
scripts/start-cluster.sh in front of two app servers on one PostgreSQL).

    CLUSTER_DIR=data/cluster .venv/bin/python bench/load.py --url http://127.0.0.1:8501 \\
        --sessions 30 --duration 300 [--ramp 60] [--seed 1] [--database-url URL]

One headless Chromium, one browser context per session (own cookies, so nginx's sticky cookie
spreads the sessions over the app servers). A session behaves like a person, with its own
seeded random generator: it arrives at a random moment of the first ``--ramp`` seconds
(default 60: people do not all come in the same second), opens a page
(a full load: a new Streamlit session), reads it for 5–15 s, changes a filter in the sidebar
(period or municipality, when the page has one), reads again, and opens another page from the
menu (in-app navigation, as a click does), until ``--duration`` seconds have passed.

Timed: a page open, from the click (or the navigation) to Streamlit's script having finished
again with the page's title drawn; a filter change, from choosing the option to the rerun's
end. An error is an exception or error box on the page, «Page not found», or no finish within
120 s. Printed per page and action: count, median, 90th percentile and worst time, errors.

Who used the machine: every 3 s the script reads /proc for the app servers (the pids in
``$CLUSTER_DIR/app*.pid``), nginx (``nginx.pid`` and its workers), the app servers' PostgreSQL
backends (``pg_stat_activity`` rows named ``dashboard-app*`` by start-cluster.sh, with
``--database-url``, default ``DATABASE_URL``), the client (this script, Playwright and
Chromium), and the whole machine, and prints each group's CPU (seconds and average cores) and
memory (proportional set size: mean over the samples and peak). «Other» is the machine minus the groups:
whatever else was running.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402

TIMEOUT_MS = 120_000
THINK_S = (5.0, 15.0)     # reading a page
SAMPLE_S = 3.0            # /proc sampling interval
# Pages a person browses (service pages — imports, recipients, access — are for one admin).
DEFAULT_PAGES = ("Обзор", "Карта", "Рейтинг", "Муниципалитет", "Обращения", "Реестр госпабликов",
                 "Сигналы", "Отчёт", "Методика")
FILTERS = ("Период", "Муниципалитет")

# Counts the script runs a page has finished (Streamlit sets data-test-script-state on stApp):
# a change away from 'running' (its old value; by the time the observer is called the
# attribute may have moved on twice). An action has finished when a run finished after it
# and the app is idle.
RUN_COUNTER_JS = """
window.__scriptRuns = 0;
new MutationObserver((records) => {
  for (const r of records) {
    if (r.oldValue === 'running') window.__scriptRuns++;
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""
RUN_FINISHED_JS = """(before) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return window.__scriptRuns > before && app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-testid="stMain"] h1') !== null;
}"""


@dataclass
class Timing:
    page: str
    action: str      # "открытие" (first load), "переход" (menu click), "фильтр"
    seconds: float
    error: str | None
    session: int


# --- the sessions ---------------------------------------------------------------------------

async def _errors(page) -> str | None:
    found = [await e.inner_text() for e in await page.locator(browser.ERROR_SELECTOR).all()]
    if await page.get_by_text(browser.PAGE_NOT_FOUND, exact=True).count():
        found.append(browser.PAGE_NOT_FOUND)
    return found[0][:120] if found else None


async def _timed(page, act, results: list, title: str, action: str, n: int) -> bool:
    """Run ``act`` (a coroutine function that starts a rerun) and time it to the rerun's end."""
    t0 = time.perf_counter()
    error = None
    try:
        before = await page.evaluate("window.__scriptRuns")
        await act()
        await page.wait_for_function(RUN_FINISHED_JS, arg=before, timeout=TIMEOUT_MS, polling=100)
        error = await _errors(page)
    except Exception as e:  # a timeout or a dropped connection counts as an error
        error = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    results.append(Timing(title, action, time.perf_counter() - t0, error, n))
    return error is None


async def _first_load(page, base: str, url: str, title: str, results: list, n: int) -> bool:
    t0 = time.perf_counter()
    error = None
    try:
        await page.goto(f"{base}/{url}", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        await page.wait_for_function(RUN_FINISHED_JS, arg=0, timeout=TIMEOUT_MS, polling=100)
        error = await _errors(page)
    except Exception as e:
        error = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    results.append(Timing(title, "открытие", time.perf_counter() - t0, error, n))
    return error is None


async def _change_filter(page, rng: random.Random, title: str, results: list, n: int) -> None:
    """Pick another option of the period or municipality filter, if the page shows one."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    shown = [name for name in FILTERS if await sidebar.get_by_role("combobox", name=name).is_visible()]
    if not shown:
        return
    combo = sidebar.get_by_role("combobox", name=rng.choice(shown))
    await combo.scroll_into_view_if_needed()  # a click at the viewport's edge opens nothing
    await combo.click()
    options = page.get_by_role("option")
    await options.first.wait_for(timeout=10_000)
    labels = [t for t in await options.all_inner_texts() if t.strip() and t.strip() != "Свой период"]
    selected = await page.locator('[role="option"][aria-selected="true"]').all_inner_texts()
    choices = [t for t in labels if t not in selected] or labels
    label = rng.choice(choices)
    await _timed(page, lambda: page.get_by_role("option", name=label, exact=True).first.click(),
                 results, title, "фильтр", n)


async def session(br, base: str, pages: list[tuple[str, str]], deadline: float, ramp: float, seed: int,
                  n: int, results: list) -> None:
    rng = random.Random(seed * 1_000_003 + n)
    await asyncio.sleep(rng.uniform(0, ramp))
    context = await br.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU",
                                   timezone_id="Asia/Novosibirsk")

    async def guard(route):
        if browser.is_local(route.request.url):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", guard)
    await context.add_init_script(RUN_COUNTER_JS)
    page = await context.new_page()
    try:
        url, title = rng.choice(pages)
        loaded = await _first_load(page, base, url, title, results, n)
        while time.perf_counter() < deadline:
            await asyncio.sleep(rng.uniform(*THINK_S))
            if loaded and time.perf_counter() < deadline:
                try:
                    await _change_filter(page, rng, title, results, n)
                except Exception as e:
                    results.append(Timing(title, "фильтр", 0.0, f"{type(e).__name__}: {str(e)[:120]}", n))
                await asyncio.sleep(rng.uniform(*THINK_S))
            if time.perf_counter() >= deadline:
                break
            url, title = rng.choice([p for p in pages if p[1] != title])
            link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)
            if loaded and await link.count():
                loaded = await _timed(page, lambda: link.first.click(), results, title, "переход", n)
            else:  # the previous page did not load: start over, as a person would
                loaded = await _first_load(page, base, url, title, results, n)
    finally:
        await context.close()


async def run(base: str, sessions: int, duration: float, ramp: float, seed: int,
              titles: list[str]) -> list[Timing]:
    from playwright.async_api import async_playwright

    by_title = {title: url for url, title in browser.app_pages()}
    unknown = [t for t in titles if t not in by_title]
    if unknown:
        raise SystemExit(f"нет таких страниц: {', '.join(unknown)}")
    pages = [(by_title[t], t) for t in titles]
    results: list[Timing] = []
    async with async_playwright() as pw:
        br = await pw.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True,
                                      args=browser.CHROMIUM_ARGS)
        deadline = time.perf_counter() + duration
        await asyncio.gather(*[session(br, base, pages, deadline, ramp, seed, i, results)
                               for i in range(sessions)])
        await br.close()
    return results


# --- who used the machine (/proc) -------------------------------------------------------------

CLK = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, CPU seconds used so far, start in seconds after boot) of a process, or None
    if it is gone."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    rest = text[text.rindex(")") + 2:].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK, int(rest[19]) / CLK


def _uptime() -> float:
    return float((_read("/proc/uptime") or "0").split()[0])


def _pss_mb(pid: int) -> float:
    text = _read(f"/proc/{pid}/smaps_rollup") or ""
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores)."""
    fields = [int(x) for x in (_read("/proc/stat") or "cpu 0").splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK


def _descendants(roots: set[int], parents: dict[int, int]) -> set[int]:
    out = set(r for r in roots if r in parents)
    grew = True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in out and pid not in out}
        out |= more
        grew = bool(more)
    return out


@dataclass
class Group:
    name: str
    first_cpu: dict[int, float] = field(default_factory=dict)  # pid → CPU seconds when first seen
    last_cpu: dict[int, float] = field(default_factory=dict)
    peak_mb: float = 0.0
    mb_samples: list[float] = field(default_factory=list)

    def cpu(self) -> float:
        return sum(self.last_cpu[p] - self.first_cpu[p] for p in self.last_cpu)


class Sampler(threading.Thread):
    """Samples CPU and memory of the groups of processes every SAMPLE_S seconds."""

    def __init__(self, cluster_dir: Path, database_url: str | None):
        super().__init__(daemon=True)
        self.cluster_dir = cluster_dir
        self.engine = None
        if database_url and database_url.startswith("postgresql"):
            from dashboard.core.db import make_engine

            self.engine = make_engine(database_url)
        self.groups = {k: Group(k) for k in ("app", "nginx", "postgres", "client")}
        self.stop = threading.Event()
        self.started = _uptime()  # processes started after this count from 0 CPU
        self.machine0 = self.machine1 = _machine_cpu()
        self.t0 = self.t1 = time.perf_counter()
        self.load0 = os.getloadavg()
        self.load_max = max(self.load0)

    def _pids(self, name: str) -> set[int]:
        out = set()
        for f in self.cluster_dir.glob(name):
            try:
                out.add(int(f.read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
        return out

    def _pg_backends(self) -> set[int]:
        if self.engine is None:
            return set()
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'dashboard-app%'"))}

    def sample(self) -> None:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                s = _stat(int(entry))
                if s is not None:
                    stats[int(entry)] = s
        parents = {pid: s[0] for pid, s in stats.items()}
        members = {
            "app": _descendants(self._pids("app*.pid"), parents),
            "nginx": _descendants(self._pids("nginx.pid"), parents),
            "postgres": {p for p in self._pg_backends() if p in parents},
            "client": _descendants({os.getpid()}, parents),
        }
        for key, pids in members.items():
            g = self.groups[key]
            for pid in pids:
                if pid not in g.first_cpu:
                    g.first_cpu[pid] = 0.0 if stats[pid][2] >= self.started else stats[pid][1]
                g.last_cpu[pid] = stats[pid][1]
            if pids:
                g.mb_samples.append(sum(_pss_mb(p) for p in pids))
                g.peak_mb = max(g.peak_mb, g.mb_samples[-1])
        self.machine1 = _machine_cpu()
        self.t1 = time.perf_counter()
        self.load_max = max(self.load_max, os.getloadavg()[0])

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            self.sample()

    def finish(self) -> None:
        self.stop.set()
        self.join()
        self.sample()


# --- the report -------------------------------------------------------------------------------

def _p90(values: list[float]) -> float:
    if len(values) >= 2:
        return statistics.quantiles(values, n=10, method="inclusive")[-1]
    return values[0] if values else float("nan")


def report(results: list[Timing], sampler: Sampler, args) -> None:
    wall = sampler.t1 - sampler.t0
    print(f"\n{args.sessions} sessions for {args.duration:.0f} s (arriving over {args.ramp:.0f} s) against "
          f"{args.url} (seed {args.seed}); "
          f"load average {sampler.load0[0]:.1f} before, {max(sampler.load_max, 0):.1f} at most during the run\n")
    print("| page | action | count | median, s | 90 %, s | worst, s | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    keys = sorted({(r.page, r.action) for r in results}, key=lambda k: (args.pages.index(k[0]), k[1]))
    for page, action in keys:
        rows = [r for r in results if (r.page, r.action) == (page, action)]
        ok = sorted(r.seconds for r in rows if r.error is None)
        med = statistics.median(ok) if ok else float("nan")
        print(f"| {page} | {action} | {len(rows)} | {med:.2f} | {_p90(ok):.2f} | "
              f"{(ok[-1] if ok else float('nan')):.2f} | {len(rows) - len(ok)} |")
    for action in ("открытие", "переход", "фильтр"):
        ok = sorted(r.seconds for r in results if r.action == action and r.error is None)
        if ok:
            print(f"| **все** | {action} | {len(ok)} | {statistics.median(ok):.2f} | {_p90(ok):.2f} | "
                  f"{ok[-1]:.2f} | {sum(1 for r in results if r.action == action and r.error)} |")
    print(f"\nWho used the machine ({os.cpu_count()} cores, {wall:.0f} s):\n")
    print("| processes | CPU, s | average cores | memory: mean, MB | memory: peak, MB |")
    print("|---|---:|---:|---:|---:|")
    labels = {"app": "app servers (Streamlit)", "nginx": "nginx", "postgres": "PostgreSQL (the app servers' connections)",
              "client": "client (load.py, Playwright, Chromium)"}
    used = 0.0
    for key, g in sampler.groups.items():
        cpu = g.cpu()
        used += cpu
        mean = statistics.mean(g.mb_samples) if g.mb_samples else 0.0
        print(f"| {labels[key]} | {cpu:.0f} | {cpu / wall:.2f} | {mean:.0f} | {g.peak_mb:.0f} |")
    machine = sampler.machine1 - sampler.machine0
    print(f"| other (the rest of the machine) | {max(machine - used, 0):.0f} | {max(machine - used, 0) / wall:.2f} | | |")
    print(f"| whole machine | {machine:.0f} | {machine / wall:.2f} | | |")
    errors = [r for r in results if r.error]
    for r in errors[:10]:
        print(f"  session {r.session}, {r.page} ({r.action}): {r.error}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--duration", type=float, default=300, help="seconds the sessions keep using the app")
    ap.add_argument("--ramp", type=float, default=60, help="sessions arrive over this many seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="titles of the pages sessions visit")
    ap.add_argument("--cluster-dir", default=os.environ.get("CLUSTER_DIR", "data/cluster"),
                    help="where start-cluster.sh keeps its pid files")
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                    help="the servers' PostgreSQL, to count their backends' CPU")
    args = ap.parse_args()
    args.pages = [t.strip() for t in args.pages.split(",") if t.strip()]
    sampler = Sampler(Path(args.cluster_dir), args.database_url)
    sampler.sample()
    sampler.start()
    results = asyncio.run(run(args.url.rstrip("/"), args.sessions, args.duration, args.ramp, args.seed,
                              args.pages))
    sampler.finish()
    report(results, sampler, args)


if __name__ == "__main__":
    main()
