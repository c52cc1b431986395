"""Import speed and peak memory for large message files (CSV and XLSX, SQLite and PostgreSQL).

    .venv/bin/python bench/imports.py [--rows 100000,1000000] [--formats csv,xlsx] [--postgres URL]
                                      [--code DIR,DIR] [--rounds N] [--reimport] [--cases first,again,changed]

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

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

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

path, url, pages, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
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
    assert importer.import_file(engine, "pages", pages, settings=settings).ok
    if mode == "setup":  # the file the measured import finds stored
        result = importer.import_file(engine, "messages", path, settings=settings)
        assert result.ok, result.report()
        raise SystemExit(0)
    server_before = server_cpu()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started, thread_started = time.perf_counter(), time.thread_time()
    result = importer.import_file(engine, "messages", path, settings=settings)
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


def _run_child(path: Path, url: str, code: Path, mode: str) -> dict | None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), url, str(PAGES), mode], cwd=code, env=env,
                         capture_output=True, text=True, check=False)
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


def measure(path: Path, postgres: str, code: Path = ROOT, stored: Path | None = None) -> dict:
    """One import of ``path`` in a fresh process into a fresh database holding the example pages
    and, if given, the file ``stored`` (imported before, in a process of its own)."""
    with _fresh_database(postgres) as url:
        if stored is not None:
            _run_child(stored, url, code, "setup")
        return _run_child(path, url, code, "measure")


CASES = {"first": "first", "again": "again", "changed": "a tenth changed"}


def _cases(n: int, fmt: str, reimport: bool,
           only: set[str] | None = None) -> list[tuple[str, Path | None, Path, tuple[int, int, int]]]:
    """(name, file stored before, file imported, expected added / updated / unchanged); ``only``:
    the keys of ``CASES`` to run (default: the first import, and with ``reimport`` the others)."""
    only = only or ({"first", "again", "changed"} if reimport else {"first"})
    path = _message_file(n, fmt)
    changed = len(range(0, n, CHANGED_EVERY))
    out = [("first", None, lambda: path, (n, 0, 0)),
           ("again", path, lambda: path, (0, 0, n)),
           ("changed", path, lambda: _message_file(n, fmt, changed=True), (0, changed, n - changed))]
    return [(CASES[key], stored, file(), expected) for key, stored, file, expected in out if key in only]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", ""))
    ap.add_argument("--code", default=str(ROOT), help="checkouts whose importer to run, comma-separated")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reimport", action="store_true", help="also import each file again (and a tenth changed)")
    ap.add_argument("--cases", default="", help="only these of first,again,changed (a tenth changed)")
    args = ap.parse_args()
    only = {c for c in args.cases.split(",") if c}
    if only - set(CASES):
        ap.error(f"--cases: one or more of {','.join(CASES)}")
    codes = [Path(c).resolve() for c in args.code.split(",")]
    if args.postgres:
        print(f"PostgreSQL server settings: {server_settings(args.postgres)}\n")
    print("| rows | file | database | import | code | rows/s | rows per CPU s | per CPU s of the writing thread "
          "| server CPU, s | peak RSS, MB (before import) |")
    print("|---:|---|---|---|---|---:|---:|---:|---:|---:|")
    for n in [int(x) for x in args.rows.split(",")]:
        for fmt in args.formats.split(","):
            for case, stored, path, expected in _cases(n, fmt, args.reimport, only):
                size = path.stat().st_size / 1024 / 1024
                databases = [("SQLite", "")] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
                for label, postgres in databases:
                    got: dict[Path, list[dict]] = {c: [] for c in codes}
                    for _ in range(args.rounds):
                        for code in codes:
                            one = measure(path, postgres, code, stored)
                            if not one["ok"] or (one["added"], one["updated"], one["unchanged"]) != expected:
                                raise SystemExit(f"import failed or miscounted (expected {expected}): {one['report']}")
                            got[code].append(one)
                    for code in codes:
                        runs = got[code]
                        wall = statistics.median(n / r["seconds"] for r in runs)
                        cpu = statistics.median(n / r["cpu"] for r in runs)
                        writer = statistics.median(n / r["thread_cpu"] for r in runs)
                        server = f"{statistics.median(r['server_cpu'] for r in runs):.2f}" if postgres else "–"
                        peak, base = max(r["peak_mb"] for r in runs), min(r["base_mb"] for r in runs)
                        name = code.name if len(codes) > 1 else "this"
                        print(f"| {n:,} | {fmt.upper()} {size:,.0f} MB | {label} | {case} | {name} | {wall:,.0f} | "
                              f"{cpu:,.0f} | {writer:,.0f} | {server} | {peak:,.0f} ({base:,.0f}) |".replace(",", " "),
                              flush=True)


if __name__ == "__main__":
    main()
