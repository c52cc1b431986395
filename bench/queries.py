"""Benchmark every dashboard query on generated data at several scales.

    .venv/bin/python bench/queries.py [--scales region,national] [--repeat 5] [--postgres URL]

For each scale it builds (once, cached under bench/out/) a SQLite database with
`python -m dashboard demo`'s generator (seed 1, one year), the same rows in
PostgreSQL (if a URL is given or TEST_POSTGRES_URL is set) and in DuckDB,
then runs each query function from ``queries/`` on all three and prints the
median wall time per query and the ratio SQLite / DuckDB as a Markdown table.
DuckDB runs the very same SQLAlchemy queries (duckdb-engine) over the same
tables: a columnar engine is the practical limit for these aggregates.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402

from dashboard.core import migrate, schema
from dashboard.core.db import make_engine  # noqa: E402
from dashboard.core.periods import last_full_quarter  # noqa: E402
from dashboard.writers import demo  # noqa: E402
from queries import (  # noqa: E402
    Filters,  # noqa: E402
    backlog,
    breakdowns,
    kpis,
    pages,
    rating,
    responses,
    series,
)

OUT = ROOT / "bench" / "out"
SEED = 1
YEARS = 1
END = "2026-10-31"  # fixed, so every run benchmarks identical data


def build_sqlite(scale: str) -> Engine:
    path = OUT / f"{scale}.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        tmp.unlink(missing_ok=True)
        t0 = time.perf_counter()
        eng = make_engine(f"sqlite:///{tmp}")
        migrate.upgrade(eng)
        demo.generate(eng, seed=SEED, years=YEARS, scale=scale, end=datetime.fromisoformat(END).date())
        eng.dispose()
        tmp.rename(path)
        print(f"  SQLite {scale}: generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return make_engine(f"sqlite:///{path}")


def build_duckdb(scale: str, src: Engine) -> Engine:
    path = OUT / f"{scale}.duckdb"
    if not path.exists():
        import duckdb

        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        t0 = time.perf_counter()
        con = duckdb.connect(str(tmp))
        with src.connect() as s:
            for table in schema.metadata.sorted_tables:
                df = pd.read_sql(select(table), s)  # noqa: F841 - read by duckdb below
                con.execute(f'CREATE TABLE "{table.name}" AS SELECT * FROM df')
        con.close()
        tmp.rename(path)
        print(f"  DuckDB {scale}: copied in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return create_engine(f"duckdb:///{path}", connect_args={"read_only": True})


def build_postgres(scale: str, url: str, src: Engine) -> Engine:
    """The same rows in PostgreSQL: the generator is deterministic, so it is simply run again
    (it loads with COPY)."""
    name = f"bench_{scale}"
    admin = make_engine(url)
    with admin.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"),
                              {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in url else "?"
    eng = make_engine(f"{url}{sep}options=-csearch_path%3D{name}")
    migrate.upgrade(eng)
    with eng.connect() as c, src.connect() as s:
        have = c.execute(select(func.count()).select_from(schema.message)).scalar()
        want = s.execute(select(func.count()).select_from(schema.message)).scalar()
    if have != want:
        t0 = time.perf_counter()
        demo.generate(eng, seed=SEED, years=YEARS, scale=scale, end=datetime.fromisoformat(END).date(),
                      force=True)
        print(f"  PostgreSQL {scale}: generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return eng


def cases(f: Filters, one_municipality: Filters, now: datetime):
    """(label, callable(conn)) for every query the screens run."""
    return [
        ("kpis.headline_compare", lambda c: kpis.headline_compare(c, f, now)),
        ("kpis.headline (1 municipality)", lambda c: kpis.headline(c, one_municipality, now)),
        ("breakdowns.by_municipality", lambda c: breakdowns.by_municipality(c, f, now)),
        ("breakdowns.by_platform", lambda c: breakdowns.by_platform(c, f, now)),
        ("breakdowns.by_topic", lambda c: breakdowns.by_topic(c, f)),
        ("series.messages_series (day)", lambda c: series.messages_series(c, f, "day")),
        ("series.messages_series_by (topic, week)", lambda c: series.messages_series_by(c, f, "topic", "week")),
        ("series.subscribers_series", lambda c: series.subscribers_series(c, f, "week")),
        ("responses.response_distribution", lambda c: responses.response_distribution(c, f)),
        ("responses.weekday_hour", lambda c: responses.weekday_hour(c, f)),
        ("rating.rating", lambda c: rating.rating(c, f, now)),
        ("pages.registry", lambda c: pages.registry(c, f)),
        ("pages.compliance", lambda c: pages.compliance(c, f.end)),
        ("backlog.overdue_messages", lambda c: backlog.overdue_messages(c, f, now)),
    ]


def time_it(engine: Engine, fn, repeat: int) -> float:
    with engine.connect() as conn:
        fn(conn)  # warm-up
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(conn)
            runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def fmt_ms(s: float | None) -> str:
    return "—" if s is None else f"{s * 1000:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="region,national")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", ""))
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    end = datetime.fromisoformat(END).date()
    period = last_full_quarter(end + timedelta(days=1))
    f = Filters(period.start, period.end)
    one = f.with_(municipality_ids=(19,))  # Новосибирский район
    now = datetime.fromisoformat(END) + timedelta(days=1)

    for scale in args.scales.split(","):
        print(f"[{scale}] building databases…", file=sys.stderr)
        sq = build_sqlite(scale)
        engines = {"SQLite": sq, "DuckDB": build_duckdb(scale, sq)}
        if args.postgres:
            engines["PostgreSQL"] = build_postgres(scale, args.postgres, sq)
        with sq.connect() as c:
            n_msg = c.execute(select(func.count()).select_from(schema.message)).scalar()
            n_pages = c.execute(select(func.count()).select_from(schema.page)).scalar()
        print(f"\n### {scale}: {n_pages:,} pages, {n_msg:,} messages; period {period.label()}; "
              f"median of {args.repeat} runs, ms\n")
        print("| query | SQLite | PostgreSQL | DuckDB | SQLite / DuckDB |")
        print("|---|---:|---:|---:|---:|")
        for label, fn in cases(f, one, now):
            t = {}
            for name, eng in engines.items():
                try:
                    t[name] = time_it(eng, fn, args.repeat)
                except Exception as e:  # report, keep going
                    print(f"  {label} on {name}: {type(e).__name__}: {e}", file=sys.stderr)
                    t[name] = None
            ratio = (f"{t['SQLite'] / t['DuckDB']:.2f}×" if t.get("SQLite") and t.get("DuckDB") else "—")
            print(f"| {label} | {fmt_ms(t.get('SQLite'))} | {fmt_ms(t.get('PostgreSQL'))} "
                  f"| {fmt_ms(t.get('DuckDB'))} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
