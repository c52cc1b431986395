"""Import speed and peak memory for large message, pages and stats files (CSV and XLSX, SQLite and PostgreSQL).

    .venv/bin/python bench/imports.py [--rows 100000,1000000] [--formats csv,xlsx] [--postgres URL]
                                      [--kinds messages,pages,stats] [--code DIR,DIR] [--rounds N]
                                      [--reimport] [--cases first,again,changed] [--national DB [--scratch DIR]]

For every (rows, format, database) it writes a message file over the example pages
(cached under bench/out/), then imports it in a fresh Python process into a fresh
database holding only ``data/examples/pages.csv`` and reports rows per second of the
whole import (read, check, write, summary refresh, commit), rows per CPU second of the
importing process (user + system, both its threads; on PostgreSQL the server's work is
not in it) — the steadier figure on a busy machine —, rows per CPU second of the thread
that writes (the importer's own; a second thread reads and checks ahead of it, so on a
machine with a free core this bounds the rate) and the process's peak RSS
(resource.getrusage) before and during the import. On PostgreSQL it also reads the server's
CPU time for the import (user + system of the importing process's backends, from /proc/PID/stat:
run it on the database's machine) and prints the server settings that bear on writes (the
CI/test server runs PostgreSQL's defaults; ``deploy/postgresql.conf`` is the production
configuration). A Markdown table goes to stdout.

``--reimport`` adds two cases of a file imported again into the database that already holds
it (ЦУР exports are cumulative: most rows of a monthly file are stored already): the same
file («again») and the same keys with a tenth of the rows answered since («a tenth changed»:
rows 0, 10, 20, … answered an hour later than stored, or answered where stored unanswered).
The first import runs in a process of its own; the figures are the second import's, in a
fresh process. ``--cases`` runs only some of the three (``changed``: a tenth changed), e.g. to
measure what a changed row costs with more rounds in the same time.

``--code`` imports with the code of other checkouts too (e.g. the commit before a
change: ``git worktree add /tmp/before <commit>``), one after the other for every case and
round (interleaved, so both see the same machine); ``--rounds`` repeats every case and
reports the median.

``--kinds`` (default ``messages``) picks the files: ``pages``, a registry of N generated pages
(two an organisation, over the 35 municipalities and the region), imported into the database of
the example pages («a tenth changed»: every tenth page renamed); ``stats``, N snapshots of the
N / 4 generated pages on 4 weekly dates (a month), imported into a database holding those pages
(«a tenth changed»: every tenth snapshot a subscriber more).

``--national DB`` (a SQLite database such as the national one of 70 682 pages) measures on a
copy of it, made for every import in ``--scratch`` (default: the system's temporary directory;
the database itself is only read): its whole
registry exported and imported again («again», and «a tenth changed» renamed), its last 4
dates of snapshots exported and imported again (and a tenth a subscriber more), and 4 weekly
dates of snapshots of every page after them («first»). ``--rows`` and ``--postgres`` do not
apply there. Files are imported as with «Добавить к демонстрационным данным» (a generated
database is labelled demo; the check is one read either way).

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PAGES = ROOT / "data" / "examples" / "pages.csv"

_CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
from sqlalchemy import event
from dashboard.core import migrate
from dashboard.core.db import make_engine
from dashboard.core.settings import Settings
from dashboard.writers.importing import importer

path, url, pages, mode, kind = sys.argv[1:6]
postgres = url.startswith("postgresql")
engine = make_engine(url)
pids = set()  # the importing process's PostgreSQL backends


@event.listens_for(engine, "connect")
def _backend(dbapi_conn, record):
    if postgres:
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pids.add(cur.fetchone()[0])


def server_cpu():
    # {backend pid: user + system CPU seconds so far}
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out

try:
    migrate.upgrade(engine)
    settings = Settings(import_max_mb=10_000)
    if pages:  # the pages the file refers to ("": a database that holds them already)
        assert importer.import_file(engine, "pages", pages, settings=settings).ok
    if mode == "setup":  # the file the measured import finds stored
        result = importer.import_file(engine, kind, path, settings=settings, add_to_demo=True)
        assert result.ok, result.report()
        raise SystemExit(0)
    server_before = server_cpu()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started, thread_started = time.perf_counter(), time.thread_time()
    result = importer.import_file(engine, kind, path, settings=settings, add_to_demo=True)
    seconds, thread_cpu = time.perf_counter() - started, time.thread_time() - thread_started
    after = resource.getrusage(resource.RUSAGE_SELF)
    server = sum(v - server_before.get(pid, 0.0) for pid, v in server_cpu().items()) if postgres else None
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"ok": result.ok, "added": result.added, "updated": result.updated,
                      "unchanged": result.unchanged, "seconds": seconds, "cpu": cpu,
                      "thread_cpu": thread_cpu, "server_cpu": server,
                      "base_mb": before.ru_maxrss / 1024, "peak_mb": after.ru_maxrss / 1024,
                      "report": result.report()[:300]}))
finally:
    engine.dispose()
"""


def _message_file(n: int, fmt: str, changed: bool = False) -> Path:
    """The benchmark's file of ``n`` messages; ``changed``: the same keys with a tenth of the rows
    answered since (every tenth row: answered, an hour later than in the file without it)."""
    sys.path.insert(0, str(ROOT))
    from tests.big_files import message_rows, write_messages_csv, write_messages_xlsx

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"messages_{n}{'_tenth_changed' if changed else ''}.{fmt}"
    if not path.exists():
        with PAGES.open(encoding="utf-8-sig") as f:
            urls = [r["Ссылка"] for r in csv.DictReader(f, delimiter=";")
                    if "vk.com" in r["Ссылка"] or "ok.ru" in r["Ссылка"]]
        rows = message_rows(n, urls)
        if changed:
            rows = (_answered_later(cells) if i % CHANGED_EVERY == 0 else cells for i, cells in enumerate(rows))
        tmp = path.with_suffix(".tmp")
        (write_messages_csv if fmt == "csv" else write_messages_xlsx)(tmp, rows)
        tmp.rename(path)
    return path


CHANGED_EVERY = 10


def _answered_later(cells: list[str]) -> list[str]:
    """A row of tests.big_files.message_rows answered three hours after receipt (it said two, or none)."""
    from datetime import datetime, timedelta

    received = datetime.strptime(cells[2], "%d.%m.%Y %H:%M")
    return [*cells[:4], (received + timedelta(hours=3)).strftime("%d.%m.%Y %H:%M"), "дан ответ", *cells[6:]]


SETTINGS = ("shared_buffers", "wal_compression", "max_wal_size", "checkpoint_timeout", "synchronous_commit")


def server_settings(url: str) -> str:
    """The PostgreSQL settings that bear on an import's time, as the server reports them."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from dashboard.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return ", ".join(f"{name} {conn.execute(text(f'SHOW {name}')).scalar()}" for name in SETTINGS)
    finally:
        engine.dispose()


def _run_child(path: Path, url: str, code: Path, mode: str, kind: str = "messages",
               pages: Path | None = PAGES) -> dict | None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), url, str(pages or ""), mode, kind], cwd=code,
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1]) if mode == "measure" else None


@contextmanager
def _fresh_database(postgres: str):
    """The URL of an empty database, dropped on exit: a SQLite file, or a PostgreSQL schema."""
    if not postgres:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from dashboard.core.db import make_engine, schema_url

    name = "bench_" + uuid.uuid4().hex[:10]
    admin = make_engine(postgres)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        yield schema_url(postgres, name)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def measure(path: Path, postgres: str, code: Path = ROOT, stored: Path | None = None, kind: str = "messages",
            pages: Path | None = PAGES, database: Path | None = None, scratch: str | None = None) -> dict:
    """One import of ``path`` (a file of ``kind``) in a fresh process into a fresh database
    holding the file ``pages`` and, if given, the file ``stored`` (imported before, in a process
    of its own); or into a copy of the SQLite ``database`` (made in ``scratch``, default the
    system's temporary directory, dropped after)."""
    if database is not None:
        with tempfile.TemporaryDirectory(dir=scratch) as tmp:
            copy = Path(tmp) / "bench.db"
            shutil.copyfile(database, copy)
            return _run_child(path, f"sqlite:///{copy}", code, "measure", kind, None)
    with _fresh_database(postgres) as url:
        if pages not in (None, PAGES):  # a generated registry: imported in a process of its own too,
            _run_child(pages, url, code, "setup", "pages", None)  # so the measured one's memory is its own
            pages = None
        if stored is not None:
            _run_child(stored, url, code, "setup", kind, pages)
        return _run_child(path, url, code, "measure", kind, None if stored is not None else pages)


CASES = {"first": "first", "again": "again", "changed": "a tenth changed"}


class Case(NamedTuple):
    kind: str
    name: str                # a value of CASES
    pages: Path | None       # the registry imported before (None: the database holds it)
    stored: Path | None      # the file imported before the measured one
    path: Path               # the file measured
    expected: tuple[int, int, int]  # added, updated, unchanged


def _cases(kind: str, n: int, fmt: str, reimport: bool, only: set[str] | None = None) -> list[Case]:
    """The cases of a file of ``n`` rows of ``kind``; ``only``: the keys of ``CASES`` to run
    (default: the first import, and with ``reimport`` the others)."""
    only = only or ({"first", "again", "changed"} if reimport else {"first"})
    files = {"messages": _message_file, "pages": _pages_file, "stats": _stats_file}[kind]
    pages = _pages_file(_stats_pages(n), "csv") if kind == "stats" else PAGES
    path = files(n, fmt)
    changed = len(range(0, n, CHANGED_EVERY))
    out = [("first", None, lambda: path, (n, 0, 0)),
           ("again", path, lambda: path, (0, 0, n)),
           ("changed", path, lambda: files(n, fmt, changed=True), (0, changed, n - changed))]
    return [Case(kind, CASES[key], pages, stored, file(), expected)
            for key, stored, file, expected in out if key in only]


# --- pages and stats files ----------------------------------------------------------------------

STATS_DATES = 4  # a month of weekly snapshots of every page


def _stats_pages(n: int) -> int:
    """The pages a stats file of ``n`` rows covers: every page on STATS_DATES dates."""
    return -(-n // STATS_DATES)


def _municipalities() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from dashboard.core.reference_data import read_municipalities

    return ["Область", *(m["name"] for m in read_municipalities())]


def _write(path: Path, fmt: str, header: list[str], rows) -> Path:
    """Write ``rows`` under ``header`` to ``path`` (CSV or XLSX) unless it is there (bench/out is a cache)."""
    sys.path.insert(0, str(ROOT))
    from tests.big_files import write_messages_csv, write_messages_xlsx

    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        (write_messages_csv if fmt == "csv" else write_messages_xlsx)(tmp, rows, header)
        tmp.rename(path)
    return path


def _pages_file(n: int, fmt: str, changed: bool = False) -> Path:
    """A registry of ``n`` generated pages (none of them among the example pages); ``changed``:
    every tenth page renamed since."""
    from tests.big_files import PAGES_HEADER, page_rows

    path = OUT / f"pages_{n}{'_tenth_changed' if changed else ''}.{fmt}"
    return _write(path, fmt, PAGES_HEADER, page_rows(n, _municipalities(), CHANGED_EVERY if changed else 0))


def _stats_file(n: int, fmt: str, changed: bool = False) -> Path:
    """``n`` snapshots: the pages of ``_pages_file(_stats_pages(n))`` on STATS_DATES weekly dates
    (cut at ``n``); ``changed``: every tenth row a subscriber more."""
    from datetime import date, timedelta
    from itertools import islice

    from tests.big_files import STATS_HEADER, page_rows, stats_rows

    path = OUT / f"stats_{n}{'_tenth_changed' if changed else ''}.{fmt}"
    urls = [cells[3] for cells in page_rows(_stats_pages(n), ["Область"])]
    dates = [date(2026, 11, 2) + timedelta(weeks=w) for w in range(STATS_DATES)]
    rows = islice(stats_rows(urls, dates, CHANGED_EVERY if changed else 0), n)
    return _write(path, fmt, STATS_HEADER, rows)


# --- a database of national scale ----------------------------------------------------------------

def _national_cases(database: Path, kinds: list[str], only: set[str] | None = None) -> list[Case]:
    """The registry of ``database`` imported again whole (and with a tenth of the pages renamed);
    its last STATS_DATES dates of snapshots imported again (and a tenth changed), and
    STATS_DATES weekly dates after them imported first."""
    from datetime import date, timedelta

    from tests.big_files import PAGES_HEADER, STATS_HEADER

    only = only or set(CASES)
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        out = []
        if "pages" in kinds:
            registry = con.execute(
                "SELECT coalesce(m.name, 'Область'), o.name, p.platform, p.url, p.title,"
                " CASE WHEN p.verified THEN 'да' ELSE 'нет' END, CASE WHEN p.gospubliki THEN 'да' ELSE 'нет' END,"
                " coalesce(strftime('%d.%m.%Y', p.opened_on), '')"
                " FROM page p JOIN organisation o ON o.id = p.organisation_id"
                " LEFT JOIN municipality m ON m.id = p.municipality_id ORDER BY p.id").fetchall()
            n = len(registry)
            path = _write(OUT / f"national_pages_{n}.csv", "csv", PAGES_HEADER, (list(r) for r in registry))
            renamed = _write(OUT / f"national_pages_{n}_tenth_changed.csv", "csv", PAGES_HEADER,
                             ([*r[:4], r[4] + " (новое название)", *r[5:]] if i % CHANGED_EVERY == 0 else list(r)
                              for i, r in enumerate(registry)))
            changed = len(range(0, n, CHANGED_EVERY))
            out += [Case("pages", CASES["again"], None, None, path, (0, 0, n)),
                    Case("pages", CASES["changed"], None, None, renamed, (0, changed, n - changed))]
        if "stats" in kinds:
            last = [date.fromisoformat(d) for (d,) in con.execute(
                'SELECT DISTINCT "on" FROM page_stats ORDER BY 1 DESC LIMIT ?', (STATS_DATES,))][::-1]
            stored = con.execute(
                'SELECT p.url, strftime(\'%d.%m.%Y\', s."on"), s.subscribers, s.posts, s.views, s.likes, s.comments,'
                ' s.reposts FROM page_stats s JOIN page p ON p.id = s.page_id WHERE s."on" >= ?'
                ' ORDER BY s."on", s.page_id', (last[0].isoformat(),)).fetchall()
            n = len(stored)
            path = _write(OUT / f"national_stats_{n}.csv", "csv", STATS_HEADER, ([str(v) for v in r] for r in stored))
            grown = _write(OUT / f"national_stats_{n}_tenth_changed.csv", "csv", STATS_HEADER,
                           ([r[0], r[1], str(r[2] + 1), *map(str, r[3:])] if i % CHANGED_EVERY == 0
                            else [str(v) for v in r] for i, r in enumerate(stored)))
            urls = [u for (u,) in con.execute("SELECT url FROM page ORDER BY id")]
            ahead = [last[-1] + timedelta(weeks=w + 1) for w in range(STATS_DATES)]
            from tests.big_files import stats_rows
            new = _write(OUT / f"national_stats_{len(urls) * STATS_DATES}_ahead.csv", "csv", STATS_HEADER,
                         stats_rows(urls, ahead))
            changed = len(range(0, n, CHANGED_EVERY))
            out += [Case("stats", CASES["first"], None, None, new, (len(urls) * STATS_DATES, 0, 0)),
                    Case("stats", CASES["again"], None, None, path, (0, 0, n)),
                    Case("stats", CASES["changed"], None, None, grown, (0, changed, n - changed))]
    finally:
        con.close()
    keys = {CASES[k] for k in only}
    return [c for c in out if c.name in keys]


def _report(n: int, label: str, case: Case, codes: list[Path], got: dict[Path, list[dict]], postgres: str) -> None:
    size = case.path.stat().st_size / 1024 / 1024
    fmt = case.path.suffix[1:].upper()
    for code in codes:
        runs = got[code]
        wall = statistics.median(n / r["seconds"] for r in runs)
        cpu = statistics.median(n / r["cpu"] for r in runs)
        writer = statistics.median(n / r["thread_cpu"] for r in runs)
        server = f"{statistics.median(r['server_cpu'] for r in runs):.2f}" if postgres else "–"
        peak, base = max(r["peak_mb"] for r in runs), min(r["base_mb"] for r in runs)
        name = code.name if len(codes) > 1 else "this"
        print(f"| {n:,} | {case.kind} {fmt} {size:,.0f} MB | {label} | {case.name} | {name} | {wall:,.0f} | "
              f"{cpu:,.0f} | {writer:,.0f} | {server} | {peak:,.0f} ({base:,.0f}) |".replace(",", " "), flush=True)


def _run(case: Case, label: str, postgres: str, codes: list[Path], rounds: int,
         database: Path | None = None, scratch: str | None = None) -> None:
    got: dict[Path, list[dict]] = {c: [] for c in codes}
    for _ in range(rounds):
        for code in codes:
            one = measure(case.path, postgres, code, case.stored, case.kind, case.pages, database, scratch)
            if not one["ok"] or (one["added"], one["updated"], one["unchanged"]) != case.expected:
                raise SystemExit(f"{case.kind} {case.name}: import failed or miscounted (expected {case.expected}, "
                                 f"got {(one['added'], one['updated'], one['unchanged'])}): {one['report']}")
            got[code].append(one)
    _report(sum(case.expected), label, case, codes, got, postgres)


KINDS = ("messages", "pages", "stats")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--kinds", default="messages", help="of messages,pages,stats")
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", ""))
    ap.add_argument("--code", default=str(ROOT), help="checkouts whose importer to run, comma-separated")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reimport", action="store_true", help="also import each file again (and a tenth changed)")
    ap.add_argument("--cases", default="", help="only these of first,again,changed (a tenth changed)")
    ap.add_argument("--national", default="", help="a SQLite database (copied for every import, never written): "
                    "its registry and its last month of snapshots imported again, instead of --rows")
    ap.add_argument("--scratch", default=None, help="where --national copies the database (default: the "
                    "system's temporary directory; never beside a database others read)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))  # tests.big_files writes the files
    only = {c for c in args.cases.split(",") if c}
    if only - set(CASES):
        ap.error(f"--cases: one or more of {','.join(CASES)}")
    kinds = [k for k in args.kinds.split(",") if k]
    if not kinds or set(kinds) - set(KINDS):
        ap.error(f"--kinds: one or more of {','.join(KINDS)}")
    codes = [Path(c).resolve() for c in args.code.split(",")]
    if args.postgres and not args.national:
        print(f"PostgreSQL server settings: {server_settings(args.postgres)}\n")
    print("| rows | file | database | import | code | rows/s | rows per CPU s | per CPU s of the writing thread "
          "| server CPU, s | peak RSS, MB (before import) |")
    print("|---:|---|---|---|---|---:|---:|---:|---:|---:|")
    if args.national:
        database = Path(args.national).resolve()
        for case in _national_cases(database, [k for k in kinds if k != "messages"], only):
            _run(case, f"SQLite {database.name}", "", codes, args.rounds, database, args.scratch)
        return
    for kind in kinds:
        for n in [int(x) for x in args.rows.split(",")]:
            for fmt in args.formats.split(","):
                for case in _cases(kind, n, fmt, args.reimport, only):
                    databases = [("SQLite", "")] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
                    for label, postgres in databases:
                        _run(case, label, postgres, codes, args.rounds)


if __name__ == "__main__":
    main()
