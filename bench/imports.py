"""Import speed and peak memory for large message files (CSV and XLSX, SQLite and PostgreSQL).

    .venv/bin/python bench/imports.py [--rows 100000,1000000] [--formats csv,xlsx] [--postgres URL]
                                      [--code DIR,DIR] [--rounds N]

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PAGES = ROOT / "data" / "examples" / "pages.csv"

_CHILD = r"""
import json, os, resource, sys, time, uuid
from pathlib import Path
from sqlalchemy import event, text
from dashboard.core import migrate
from dashboard.core.db import make_engine, schema_url
from dashboard.core.settings import Settings
from dashboard.writers.importing import importer

path, url, pages = sys.argv[1], sys.argv[2], sys.argv[3]
schema_name = None
if url.startswith("postgresql"):
    schema_name = "bench_" + uuid.uuid4().hex[:10]
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    engine = make_engine(schema_url(url, schema_name))
else:
    engine = make_engine(url)
pids = set()  # the importing process's PostgreSQL backends


@event.listens_for(engine, "connect")
def _backend(dbapi_conn, record):
    if schema_name:
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
    server_before = server_cpu()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started, thread_started = time.perf_counter(), time.thread_time()
    result = importer.import_file(engine, "messages", path, settings=settings)
    seconds, thread_cpu = time.perf_counter() - started, time.thread_time() - thread_started
    after = resource.getrusage(resource.RUSAGE_SELF)
    server = sum(v - server_before.get(pid, 0.0) for pid, v in server_cpu().items()) if schema_name else None
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"ok": result.ok, "added": result.added, "seconds": seconds, "cpu": cpu,
                      "thread_cpu": thread_cpu, "server_cpu": server,
                      "base_mb": before.ru_maxrss / 1024, "peak_mb": after.ru_maxrss / 1024,
                      "report": result.report()[:300]}))
finally:
    engine.dispose()
    if schema_name:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
"""


def _message_file(n: int, fmt: str) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.big_files import message_rows, write_messages_csv, write_messages_xlsx

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"messages_{n}.{fmt}"
    if not path.exists():
        with PAGES.open(encoding="utf-8-sig") as f:
            urls = [r["Ссылка"] for r in csv.DictReader(f, delimiter=";")
                    if "vk.com" in r["Ссылка"] or "ok.ru" in r["Ссылка"]]
        tmp = path.with_suffix(".tmp")
        (write_messages_csv if fmt == "csv" else write_messages_xlsx)(tmp, message_rows(n, urls))
        tmp.rename(path)
    return path


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


def measure(path: Path, url: str, code: Path = ROOT) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), url, str(PAGES)], cwd=code, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", ""))
    ap.add_argument("--code", default=str(ROOT), help="checkouts whose importer to run, comma-separated")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    codes = [Path(c).resolve() for c in args.code.split(",")]
    if args.postgres:
        print(f"PostgreSQL server settings: {server_settings(args.postgres)}\n")
    print("| rows | file | database | code | rows/s | rows per CPU s | per CPU s of the writing thread "
          "| server CPU, s | peak RSS, MB (before import) |")
    print("|---:|---|---|---|---:|---:|---:|---:|---:|")
    for n in [int(x) for x in args.rows.split(",")]:
        for fmt in args.formats.split(","):
            path = _message_file(n, fmt)
            size = path.stat().st_size / 1024 / 1024
            databases = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
            for label, url in databases:
                got: dict[Path, list[dict]] = {c: [] for c in codes}
                for _ in range(args.rounds):
                    for code in codes:
                        with tempfile.TemporaryDirectory() as tmp:
                            one = measure(path, url or f"sqlite:///{Path(tmp) / 'bench.db'}", code)
                        if not one["ok"] or one["added"] != n:
                            raise SystemExit(f"import failed: {one['report']}")
                        got[code].append(one)
                for code in codes:
                    runs = got[code]
                    wall = statistics.median(n / r["seconds"] for r in runs)
                    cpu = statistics.median(n / r["cpu"] for r in runs)
                    writer = statistics.median(n / r["thread_cpu"] for r in runs)
                    server = f"{statistics.median(r['server_cpu'] for r in runs):.2f}" if url else "–"
                    peak, base = max(r["peak_mb"] for r in runs), min(r["base_mb"] for r in runs)
                    name = code.name if len(codes) > 1 else "this"
                    print(f"| {n:,} | {fmt.upper()} {size:,.0f} MB | {label} | {name} | {wall:,.0f} | {cpu:,.0f} | {writer:,.0f} | "
                          f"{server} | {peak:,.0f} ({base:,.0f}) |".replace(",", " "), flush=True)


if __name__ == "__main__":
    main()
