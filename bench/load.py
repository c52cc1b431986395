"""Load test: N people using the app at once, against servers on 127.0.0.1 (e.g. the nginx of
scripts/start-cluster.sh in front of two app servers on one PostgreSQL).

    CLUSTER_DIR=data/cluster .venv/bin/python bench/load.py --url http://127.0.0.1:8501 \\
        --sessions 30 --duration 300 [--ramp 60] [--seed 1] [--client protocol|browser] \\
        [--database-url URL] [--json FILE]
    … --sessions 10,30,60,100 --duration 180 --ramp 30     # a capacity curve

A session behaves like a person, with its own seeded random generator: it arrives at a random
moment of the first ``--ramp`` seconds (default 60: people do not all come in the same second),
opens a page (a full load: a new Streamlit session), reads it for 5–15 s, changes a filter in
the sidebar (period or municipality, when the page has one), reads again, and opens another
page from the menu (in-app navigation, as a click does), until ``--duration`` seconds have
passed. Both clients draw the same seeded choices, so a seed gives the same people in both.

Two clients:

- ``protocol`` (default): each session speaks Streamlit's own protocol, as the browser's
  JavaScript does, without drawing anything. An HTTP GET of the page through nginx gets the
  sticky cookie (``dashboard_node``, deploy/nginx.conf), so the sessions spread over the app
  servers; then the websocket ``/_stcore/stream`` with that cookie: a page open is a
  ``rerun_script`` BackMsg (the page's URL path for a first load, its script hash from the
  ``navigation`` ForwardMsg for a menu click), a filter change is a ``rerun_script`` carrying
  the sidebar select's new widget state (its id and options read from the deltas). A session
  costs the client a few milliseconds of CPU per action, so the times are the servers'.
- ``browser``: one headless Chromium, one browser context per session (own cookies). It
  measures what a person sees (charts drawn, the map's component), but on a small machine the
  browsers take most of the CPU, so the times are mostly browsers waiting for it.

Timed: a page open, from the request (the GET, or the click) to Streamlit's script having
finished with the page's title drawn; a filter change, from choosing the option to the rerun's
end. An error is an exception element or an error box in what the server sent, «Page not
found», a script that finished with an error, a closed connection, or no finish within 120 s.
Printed per page and action: count, median, 90th percentile and worst time, errors; then the
steady state: actions started between the end of the ramp and the end of the run, per second,
their median and 90th percentile.

Who used the machine: every 3 s the script reads /proc for the app servers (the pids in
``$CLUSTER_DIR/app*.pid``), nginx (``nginx.pid`` and its workers), the app servers' PostgreSQL
backends (``pg_stat_activity`` rows named ``dashboard-app*`` by start-cluster.sh, with
``--database-url``, default ``DATABASE_URL``), the client (this script, and Playwright and
Chromium in browser mode), and the whole machine, and prints each group's CPU (seconds and
average cores, over the whole run and over the steady state) and memory (proportional set size:
mean over the samples and peak). «Other» is the machine minus the groups: whatever else was
running. ``--sessions 10,30,60`` runs one step after the other and ends with the capacity
curve: per step the steady state's actions per second, median and 90 % time, errors and the
cores of each group. ``--json FILE`` appends each step's summary as one JSON line.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.ui.notfound import TITLE as NOT_FOUND  # noqa: E402
from tests import browser  # noqa: E402

TIMEOUT_S = 120
THINK_S = (5.0, 15.0)     # reading a page
SAMPLE_S = 3.0            # /proc sampling interval
# Pages a person browses (service pages — imports, recipients, access — are for one admin).
DEFAULT_PAGES = ("Обзор", "Карта", "Рейтинг", "Муниципалитет", "Обращения", "Реестр госпабликов",
                 "Сигналы", "Отчёт", "Методика")
FILTERS = ("Период", "Муниципалитет")
CUSTOM_PERIOD = "Свой период"   # opens two date inputs: not a one-click change
ACTIONS = ("открытие", "переход", "фильтр")


@dataclass
class Timing:
    page: str
    action: str      # "открытие" (first load), "переход" (menu click), "фильтр"
    seconds: float
    error: str | None
    session: int
    start: float = 0.0  # seconds after the run started


class Client:
    """One person's connection to the app. ``open`` loads a page as a new visit, ``navigate``
    follows the menu, ``change_filter`` picks another option of a sidebar filter; each appends
    its Timing to ``results`` and says whether it succeeded."""

    def __init__(self, base: str, results: list[Timing], n: int, t0: float):
        self.base, self.results, self.n, self.t0 = base, results, n, t0

    def _record(self, title: str, action: str, started: float, error: str | None) -> bool:
        self.results.append(Timing(title, action, time.perf_counter() - started, error, self.n,
                                   started - self.t0))
        return error is None

    async def start(self) -> None: ...
    async def close(self) -> None: ...

    async def __aenter__(self) -> Client:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def open(self, url: str, title: str) -> bool: ...
    async def has_page(self, title: str) -> bool: ...
    async def navigate(self, url: str, title: str) -> bool: ...
    async def filters_shown(self) -> list[str]: ...
    async def filter_choices(self, name: str) -> list[str]: ...
    async def set_filter(self, name: str, label: str, title: str) -> bool: ...


def _failure(e: BaseException) -> str:
    """An exception as an error text (a timeout or a dropped connection counts as an error)."""
    text = str(e).splitlines()[0][:120] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


# --- the person -------------------------------------------------------------------------------

async def change_filter(client: Client, rng: random.Random, title: str) -> None:
    """Pick another option of the period or municipality filter, if the page shows one."""
    shown = await client.filters_shown()
    if not shown:
        return
    name = rng.choice(shown)
    await client.set_filter(name, rng.choice(await client.filter_choices(name)), title)


async def person(client: Client, pages: list[tuple[str, str]], deadline: float, ramp: float,
                 seed: int) -> None:
    """One session: arrive, open a page, read, change a filter, read, open another page …"""
    rng = random.Random(seed * 1_000_003 + client.n)
    await asyncio.sleep(rng.uniform(0, ramp))
    async with client:
        url, title = rng.choice(pages)
        loaded = await client.open(url, title)
        while time.perf_counter() < deadline:
            await asyncio.sleep(rng.uniform(*THINK_S))
            if loaded and time.perf_counter() < deadline:
                try:
                    await change_filter(client, rng, title)
                except Exception as e:
                    client.results.append(Timing(title, "фильтр", 0.0, _failure(e), client.n,
                                                 time.perf_counter() - client.t0))
                await asyncio.sleep(rng.uniform(*THINK_S))
            if time.perf_counter() >= deadline:
                break
            url, title = rng.choice([p for p in pages if p[1] != title])
            if loaded and await client.has_page(title):
                loaded = await client.navigate(url, title)
            else:  # the previous page did not load: start over, as a person would
                loaded = await client.open(url, title)


# --- the protocol client ----------------------------------------------------------------------

def _protos():
    """Streamlit's message classes (imported on first use: the browser mode does not need them)."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return Alert, BackMsg, ForwardMsg, WidgetState


MAIN, SIDEBAR = 0, 1  # the root containers of a delta path


@dataclass
class Select:
    """A sidebar selectbox as the server last sent it."""
    id: str
    options: list[str]
    value: str | None


@dataclass
class Run:
    """What one script run sent: its elements by delta path, the first error, the page title."""
    elements: dict = field(default_factory=dict)   # tuple(delta path) → Element
    error: str | None = None
    title: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def fail(self, error: str) -> None:
        self.error = self.error or error[:160]


class ProtocolClient(Client):
    """A person's Streamlit session over its websocket, without a browser.

    What the browser's frontend does for these actions, and no more: it keeps the cookies of
    its HTTP GET (nginx's sticky ``dashboard_node``), the query string the server sets
    (``page_info_changed``; the filters are bound to query parameters), the widget states it has
    set (sent with every rerun, dropped when the widget is gone, as the frontend's widget
    manager does) and the app's pages (``navigation``). It does not fetch the static files,
    draw charts or run components (the map's st_folium does not report its first view back), and
    it tells the server of no cached messages, so every run's elements arrive in full.
    """

    def __init__(self, base: str, results: list[Timing], n: int, t0: float, *,
                 timezone: str = "Asia/Novosibirsk", locale: str = "ru-RU"):
        super().__init__(base, results, n, t0)
        self.timezone, self.locale = timezone, locale
        self.http = None         # requests.Session: the cookie jar
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.pages: dict[str, str] = {}        # title → page script hash
        self.page_hash = ""                    # the page shown
        self.query_string = ""
        self.selects: dict[str, Select] = {}   # label → the sidebar select, from the last run
        self.states: dict[str, object] = {}    # widget id → WidgetState the person has set
        self.run: Run | None = None
        self.last: Run | None = None           # the last finished run (tests read its elements)

    async def start(self) -> None:
        import requests

        self.http = requests.Session()

    async def close(self) -> None:
        await self._disconnect()
        if self.http is not None:
            self.http.close()

    async def _disconnect(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except (asyncio.CancelledError, Exception):
                pass
        self.ws = self.reader = None

    # the connection

    async def _connect(self, url: str) -> None:
        """GET the page (the cookies), then open the websocket with them."""
        from websockets.asyncio.client import connect

        response = await asyncio.to_thread(self.http.get, f"{self.base}/{url}", timeout=TIMEOUT_S)
        response.raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.get_dict().items())
        parts = urlsplit(self.base)
        ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path}/_stcore/stream"
        # No websocket pings (browsers send none; a busy server would miss their deadline).
        self.ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None, ping_interval=None,
                                open_timeout=TIMEOUT_S, origin=f"{parts.scheme}://{parts.netloc}",
                                additional_headers={"Cookie": cookie} if cookie else None)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        """Read ForwardMsgs until the socket closes, keeping what a person's page would."""
        _, _, ForwardMsg, _ = _protos()
        ws = self.ws
        try:
            async for data in ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._receive(msg)
            error = "соединение закрыто сервером"
        except Exception as e:
            error = f"соединение: {_failure(e)}"
        if self.run is not None and self.ws is ws:
            self.run.fail(error)
            self.run.done.set()

    def _receive(self, msg) -> None:
        Alert, _, ForwardMsg, _ = _protos()
        kind = msg.WhichOneof("type")
        run = self.run
        if kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif run is None:
            return
        elif kind == "new_session":  # a script run starts (again, after an st.rerun)
            run.elements.clear()
            run.title = None
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            path = tuple(msg.metadata.delta_path)
            el = msg.delta.new_element
            run.elements[path] = el
            what = el.WhichOneof("type")
            if what == "exception":
                run.fail(f"{el.exception.type}: {el.exception.message}")
            elif what == "alert" and el.alert.format == Alert.ERROR:
                run.fail(el.alert.body)
            elif what == "heading" and path[0] == MAIN and el.heading.tag == "h1" and run.title is None:
                run.title = el.heading.body
        elif kind == "page_not_found":
            run.fail(browser.PAGE_NOT_FOUND)
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            e = msg.session_event.script_compilation_exception
            run.fail(f"{e.type}: {e.message}")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                run.fail("сценарий завершился с ошибкой")
            if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                run.done.set()
            # FINISHED_EARLY_FOR_RERUN: an st.rerun() — the next run follows; fragment runs are not ours

    def _finish(self, run: Run) -> None:
        """After a run: the sidebar selects it drew, each with the value the person chose (else
        the one the server set, else its default); widget states of widgets gone are dropped."""
        selects = {}
        for path, el in run.elements.items():
            if path[0] == SIDEBAR and el.WhichOneof("type") == "selectbox":
                s = el.selectbox
                if s.id in self.states:
                    value = self.states[s.id].string_value
                elif s.set_value and s.HasField("raw_value"):
                    value = s.raw_value
                elif s.HasField("default") and 0 <= s.default < len(s.options):
                    value = s.options[s.default]
                else:
                    value = None
                selects[s.label] = Select(s.id, list(s.options), value)
        self.selects = selects
        live = {s.id for s in selects.values()}
        self.states = {k: v for k, v in self.states.items() if k in live}
        self.last = run

    async def _rerun(self, title: str, action: str, started: float, *, page_name: str = "",
                     page_hash: str = "", connect_url: str | None = None) -> bool:
        """Send a rerun (after connecting, for a first load) and wait for the script's end."""
        _, BackMsg, _, _ = _protos()
        if connect_url is not None:
            await self._disconnect()
        run = self.run = Run()
        error = None
        try:
            if connect_url is not None:
                await self._connect(connect_url)
            msg = BackMsg()
            cs = msg.rerun_script
            cs.query_string = self.query_string
            cs.page_script_hash = page_hash
            cs.page_name = page_name
            cs.widget_states.widgets.extend(self.states.values())
            cs.context_info.timezone = self.timezone
            cs.context_info.locale = self.locale
            cs.context_info.url = f"{self.base}/{page_name}"
            await self.ws.send(msg.SerializeToString())
            await asyncio.wait_for(run.done.wait(), TIMEOUT_S)
            error = run.error
            if error is None and not run.title:
                error = "нет заголовка страницы"
            if error is None and run.title == NOT_FOUND:  # the app's answer to an unknown address
                error = NOT_FOUND
            if error is None and self.pages.get(title) != self.page_hash:
                error = f"открылась другая страница, не «{title}»"
        except Exception as e:  # a timeout, a refused connection, a closed socket
            error = run.error or _failure(e)
        finally:
            self.run = None
        self._finish(run)
        return self._record(title, action, started, error)

    async def open(self, url: str, title: str) -> bool:
        self.query_string = ""
        self.states.clear()
        return await self._rerun(title, "открытие", time.perf_counter(), page_name=url, connect_url=url)

    async def has_page(self, title: str) -> bool:
        return self.ws is not None and title in self.pages

    async def navigate(self, url: str, title: str) -> bool:
        return await self._rerun(title, "переход", time.perf_counter(), page_hash=self.pages[title])

    async def filters_shown(self) -> list[str]:
        return [name for name in FILTERS if name in self.selects]

    async def filter_choices(self, name: str) -> list[str]:
        select = self.selects[name]
        labels = [t for t in select.options if t.strip() and t.strip() != CUSTOM_PERIOD]
        return [t for t in labels if t != select.value] or labels

    async def set_filter(self, name: str, label: str, title: str) -> bool:
        _, _, _, WidgetState = _protos()
        select = self.selects[name]
        self.states[select.id] = WidgetState(id=select.id, string_value=label)
        return await self._rerun(title, "фильтр", time.perf_counter(), page_hash=self.page_hash)


# --- the browser client -----------------------------------------------------------------------

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


class BrowserClient(Client):
    """A person in a context (own cookies) of the shared headless Chromium."""

    def __init__(self, base: str, results: list[Timing], n: int, t0: float, chromium):
        super().__init__(base, results, n, t0)
        self.chromium = chromium
        self.context = self.page = None

    async def start(self) -> None:
        self.context = await self.chromium.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU",
                                                       timezone_id="Asia/Novosibirsk")

        async def guard(route):
            if browser.is_local(route.request.url):
                await route.continue_()
            else:
                await route.abort()

        await self.context.route("**/*", guard)
        await self.context.add_init_script(RUN_COUNTER_JS)
        self.page = await self.context.new_page()

    async def close(self) -> None:
        if self.context is not None:
            await self.context.close()

    async def _errors(self) -> str | None:
        page = self.page
        found = [await e.inner_text() for e in await page.locator(browser.ERROR_SELECTOR).all()]
        if await page.get_by_text(browser.PAGE_NOT_FOUND, exact=True).count():
            found.append(browser.PAGE_NOT_FOUND)
        return found[0][:120] if found else None

    async def _timed(self, act, title: str, action: str) -> bool:
        """Run ``act`` (a coroutine function that starts a rerun) and time it to the rerun's end."""
        started = time.perf_counter()
        error = None
        try:
            before = await self.page.evaluate("window.__scriptRuns")
            await act()
            await self.page.wait_for_function(RUN_FINISHED_JS, arg=before, timeout=TIMEOUT_S * 1000, polling=100)
            error = await self._errors()
        except Exception as e:
            error = _failure(e)
        return self._record(title, action, started, error)

    async def open(self, url: str, title: str) -> bool:
        started = time.perf_counter()
        error = None
        try:
            await self.page.goto(f"{self.base}/{url}", wait_until="domcontentloaded", timeout=TIMEOUT_S * 1000)
            await self.page.wait_for_function(RUN_FINISHED_JS, arg=0, timeout=TIMEOUT_S * 1000, polling=100)
            error = await self._errors()
        except Exception as e:
            error = _failure(e)
        return self._record(title, "открытие", started, error)

    def _link(self, title: str):
        return self.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)

    async def has_page(self, title: str) -> bool:
        return bool(await self._link(title).count())

    async def navigate(self, url: str, title: str) -> bool:
        return await self._timed(lambda: self._link(title).first.click(), title, "переход")

    def _combo(self, name: str):
        return self.page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=name)

    async def filters_shown(self) -> list[str]:
        return [name for name in FILTERS if await self._combo(name).is_visible()]

    async def filter_choices(self, name: str) -> list[str]:
        combo = self._combo(name)
        await combo.scroll_into_view_if_needed()  # a click at the viewport's edge opens nothing
        await combo.click()
        options = self.page.get_by_role("option")
        await options.first.wait_for(timeout=10_000)
        labels = [t for t in await options.all_inner_texts() if t.strip() and t.strip() != CUSTOM_PERIOD]
        selected = await self.page.locator('[role="option"][aria-selected="true"]').all_inner_texts()
        return [t for t in labels if t not in selected] or labels

    async def set_filter(self, name: str, label: str, title: str) -> bool:
        option = self.page.get_by_role("option", name=label, exact=True).first
        return await self._timed(lambda: option.click(), title, "фильтр")


async def run(base: str, sessions: int, duration: float, ramp: float, seed: int,
              titles: list[str], client: str = "protocol", on_time=None) -> list[Timing]:
    """Run the sessions; ``on_time(name)`` (if given) is called in a thread at the end of the
    ramp ("steady") and at the deadline ("end")."""
    by_title = {title: url for url, title in browser.app_pages()}
    unknown = [t for t in titles if t not in by_title]
    if unknown:
        raise SystemExit(f"нет таких страниц: {', '.join(unknown)}")
    pages = [(by_title[t], t) for t in titles]
    results: list[Timing] = []

    async def people(make) -> None:
        t0 = time.perf_counter()
        deadline = t0 + duration

        async def marks():
            if on_time is not None:
                await asyncio.sleep(min(ramp, duration))
                await asyncio.to_thread(on_time, "steady")
                await asyncio.sleep(max(deadline - time.perf_counter(), 0))
                await asyncio.to_thread(on_time, "end")

        await asyncio.gather(marks(), *[person(make(i, t0), pages, deadline, ramp, seed) for i in range(sessions)])

    if client == "protocol":
        await people(lambda i, t0: ProtocolClient(base, results, i, t0))
    else:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True,
                                                args=browser.CHROMIUM_ARGS)
            await people(lambda i, t0: BrowserClient(base, results, i, t0, chromium))
            await chromium.close()
    return results


# --- who used the machine (/proc) -------------------------------------------------------------

CLK = os.sysconf("SC_CLK_TCK")
GROUPS = {"app": "app servers (Streamlit)", "nginx": "nginx",
          "postgres": "PostgreSQL (the app servers' connections)", "client": "client"}
CLIENT_LABELS = {"protocol": "client (load.py)", "browser": "client (load.py, Playwright, Chromium)"}


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


@dataclass
class Mark:
    """The CPU used so far, per group and by the whole machine, at a moment of the run."""
    t: float
    cpu: dict[str, float]
    machine: float


class Sampler(threading.Thread):
    """Samples CPU and memory of the groups of processes every SAMPLE_S seconds."""

    def __init__(self, cluster_dir: Path, database_url: str | None):
        super().__init__(daemon=True)
        self.cluster_dir = cluster_dir
        self.engine = None
        if database_url and database_url.startswith("postgresql"):
            from dashboard.core.db import make_engine

            self.engine = make_engine(database_url)
        self.groups = {k: Group(k) for k in GROUPS}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.marks: dict[str, Mark] = {}
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
        with self.lock:
            self._sample()

    def _sample(self) -> None:
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

    def mark(self, name: str) -> None:
        with self.lock:
            self._sample()
            self.marks[name] = Mark(self.t1, {k: g.cpu() for k, g in self.groups.items()}, self.machine1)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            self.sample()

    def finish(self) -> None:
        self.stop.set()
        self.join()
        self.sample()

    def steady_cores(self) -> dict[str, float] | None:
        """Average cores per group (and "machine") between the marks "steady" and "end"."""
        a, b = self.marks.get("steady"), self.marks.get("end")
        if a is None or b is None or b.t <= a.t:
            return None
        out = {k: (b.cpu[k] - a.cpu[k]) / (b.t - a.t) for k in self.groups}
        out["machine"] = (b.machine - a.machine) / (b.t - a.t)
        return out


# --- the report -------------------------------------------------------------------------------

def _p90(values: list[float]) -> float:
    if len(values) >= 2:
        return statistics.quantiles(values, n=10, method="inclusive")[-1]
    return values[0] if values else float("nan")


@dataclass
class Row:
    """Count, median, 90 % and worst time (of the actions without an error), errors."""
    count: int
    median: float
    p90: float
    worst: float
    errors: int

    @classmethod
    def of(cls, rows: list[Timing]) -> Row:
        ok = sorted(r.seconds for r in rows if r.error is None)
        nan = float("nan")
        return cls(len(rows), statistics.median(ok) if ok else nan, _p90(ok), ok[-1] if ok else nan,
                   len(rows) - len(ok))

    def cells(self) -> str:
        return f"{self.count} | {self.median:.2f} | {self.p90:.2f} | {self.worst:.2f} | {self.errors}"

    def as_dict(self) -> dict:
        """Seconds rounded to ms; None where no action succeeded (JSON has no NaN)."""
        def sec(v: float) -> float | None:
            return None if v != v else round(v, 3)

        return {"count": self.count, "median_s": sec(self.median), "p90_s": sec(self.p90),
                "worst_s": sec(self.worst), "errors": self.errors}


def steady(results: list[Timing], ramp: float, duration: float) -> list[Timing]:
    """The actions started after every session has arrived and before the end."""
    return [r for r in results if ramp <= r.start < duration]


def summary(results: list[Timing], sampler: Sampler, args) -> dict:
    """The run in one dict (``--json``): the steady state's actions and cores, memory, load."""
    window = max(args.duration - args.ramp, 1e-9)
    calm = steady(results, args.ramp, args.duration)
    row = Row.of(calm)
    cores = sampler.steady_cores() or {}
    return {
        "client": args.client, "sessions": args.sessions, "duration_s": args.duration, "ramp_s": args.ramp,
        "seed": args.seed, "url": args.url,
        "load_before": round(sampler.load0[0], 2), "load_max": round(sampler.load_max, 2),
        "steady": {**row.as_dict(), "actions_per_s": round(row.count / window, 3),
                   "cores": {k: round(v, 3) for k, v in cores.items()}},
        "all": {a: Row.of([r for r in results if r.action == a]).as_dict() for a in ACTIONS},
        "memory_mb": {k: {"mean": round(statistics.mean(g.mb_samples), 1) if g.mb_samples else 0.0,
                          "peak": round(g.peak_mb, 1)} for k, g in sampler.groups.items()},
        "cpu_s": {k: round(g.cpu(), 2) for k, g in sampler.groups.items()},
        "wall_s": round(sampler.t1 - sampler.t0, 1),
    }


def report(results: list[Timing], sampler: Sampler, args) -> None:
    wall = sampler.t1 - sampler.t0
    print(f"\n{args.sessions} sessions ({args.client} client) for {args.duration:.0f} s (arriving over "
          f"{args.ramp:.0f} s) against {args.url} (seed {args.seed}); load average {sampler.load0[0]:.1f} "
          f"before, {max(sampler.load_max, 0):.1f} at most during the run\n")
    print("| page | action | count | median, s | 90 %, s | worst, s | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    keys = sorted({(r.page, r.action) for r in results}, key=lambda k: (args.pages.index(k[0]), k[1]))
    for page, action in keys:
        print(f"| {page} | {action} | {Row.of([r for r in results if (r.page, r.action) == (page, action)]).cells()} |")
    for action in ACTIONS:
        rows = [r for r in results if r.action == action]
        if rows:
            print(f"| **все** | {action} | {Row.of(rows).cells()} |")
    calm = steady(results, args.ramp, args.duration)
    window = args.duration - args.ramp
    if window > 0:
        row = Row.of(calm)
        print(f"\nSteady state (actions started {args.ramp:.0f}–{args.duration:.0f} s): {row.count} actions, "
              f"{row.count / window:.2f} per s; median {row.median:.2f} s, 90 % {row.p90:.2f} s, "
              f"worst {row.worst:.2f} s; {row.errors} errors")
    cores = sampler.steady_cores()
    print(f"\nWho used the machine ({os.cpu_count()} cores, {wall:.0f} s):\n")
    print("| processes | CPU, s | average cores | cores in the steady state | memory: mean, MB | memory: peak, MB |")
    print("|---|---:|---:|---:|---:|---:|")
    labels = {**GROUPS, "client": CLIENT_LABELS[args.client]}
    used = 0.0
    for key, g in sampler.groups.items():
        cpu = g.cpu()
        used += cpu
        mean = statistics.mean(g.mb_samples) if g.mb_samples else 0.0
        calm_cores = f"{cores[key]:.2f}" if cores else ""
        print(f"| {labels[key]} | {cpu:.0f} | {cpu / wall:.2f} | {calm_cores} | {mean:.0f} | {g.peak_mb:.0f} |")
    machine = sampler.machine1 - sampler.machine0
    other = max(machine - used, 0)
    calm_other = f"{max(cores['machine'] - sum(cores[k] for k in GROUPS), 0):.2f}" if cores else ""
    print(f"| other (the rest of the machine) | {other:.0f} | {other / wall:.2f} | {calm_other} | | |")
    calm_machine = f"{cores['machine']:.2f}" if cores else ""
    print(f"| whole machine | {machine:.0f} | {machine / wall:.2f} | {calm_machine} | | |")
    for r in [r for r in results if r.error][:10]:
        print(f"  session {r.session}, {r.page} ({r.action}): {r.error}", file=sys.stderr)


def curve(summaries: list[dict]) -> None:
    """One row per number of sessions: the steady state's throughput, times and cores."""
    print("\nCapacity curve (steady state):\n")
    print("| sessions | actions/s | median, s | 90 %, s | errors | app servers, cores | app servers: memory "
          "mean / peak, MB | PostgreSQL, cores | client, cores | other, cores | load average before / max |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in summaries:
        st, c, mem = s["steady"], s["steady"]["cores"], s["memory_mb"]["app"]
        other = c.get("machine", 0.0) - sum(c.get(k, 0.0) for k in GROUPS)
        sec = {k: "—" if st[k] is None else f"{st[k]:.2f}" for k in ("median_s", "p90_s")}
        print(f"| {s['sessions']} | {st['actions_per_s']:.2f} | {sec['median_s']} | {sec['p90_s']} | "
              f"{st['errors']} | {c.get('app', 0):.2f} | {mem['mean']:.0f} / {mem['peak']:.0f} | "
              f"{c.get('postgres', 0):.2f} | {c.get('client', 0):.2f} | {max(other, 0):.2f} | "
              f"{s['load_before']:.1f} / {s['load_max']:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501")
    ap.add_argument("--sessions", default="30",
                    help="people at once; several (10,30,60) run one after the other: a capacity curve")
    ap.add_argument("--duration", type=float, default=300, help="seconds the sessions keep using the app")
    ap.add_argument("--ramp", type=float, default=60, help="sessions arrive over this many seconds")
    ap.add_argument("--pause", type=float, default=15, help="seconds between the runs of a curve")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--client", choices=("protocol", "browser"), default="protocol",
                    help="Streamlit's websocket protocol (the servers' cost) or headless Chromium (what a person sees)")
    ap.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="titles of the pages sessions visit")
    ap.add_argument("--cluster-dir", default=os.environ.get("CLUSTER_DIR", "data/cluster"),
                    help="where start-cluster.sh keeps its pid files")
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                    help="the servers' PostgreSQL, to count their backends' CPU")
    ap.add_argument("--json", type=Path, help="append each run's summary to this file as one JSON line")
    args = ap.parse_args()
    args.pages = [t.strip() for t in args.pages.split(",") if t.strip()]
    steps = [int(n) for n in args.sessions.split(",") if n.strip()]
    summaries = []
    for i, n in enumerate(steps):
        if i:
            time.sleep(args.pause)  # the servers close the last run's sessions
        step = argparse.Namespace(**{**vars(args), "sessions": n})
        sampler = Sampler(Path(args.cluster_dir), args.database_url)
        sampler.sample()
        sampler.start()
        results = asyncio.run(run(args.url.rstrip("/"), n, args.duration, args.ramp, args.seed,
                                  args.pages, args.client, on_time=sampler.mark))
        sampler.finish()
        report(results, sampler, step)
        summaries.append(summary(results, sampler, step))
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps(summaries[-1], ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if len(summaries) > 1:
        curve(summaries)


if __name__ == "__main__":
    main()
