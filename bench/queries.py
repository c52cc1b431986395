"""Benchmark every dashboard query on generated data at several scales.

    .venv/bin/python bench/queries.py [--scales region,national] [--rounds 7] [--postgres URL]
        [--out DIR] [--end YYYY-MM-DD]

For each scale it builds (once, cached under --out, default bench/out/) a SQLite database
with `python -m dashboard demo`'s generator (seed 1, one year up to --end), the same rows in
PostgreSQL (if a URL is given or TEST_POSTGRES_URL is set) and in DuckDB, then runs each
query function from ``queries/`` on all three and prints, per query and engine, the median
wall time with its quartiles and the ratio SQLite / DuckDB as a Markdown table.

Honest timing: the engines are interleaved round by round (round r runs the query once on
every engine, in an order rotated each round), after one warm-up run on each, so a burst
of load on the machine hits all engines alike; medians and quartiles show the spread.
DuckDB runs the very same SQLAlchemy queries (duckdb-engine) over the same tables: a
columnar engine is the practical limit for these aggregates. Its copy is streamed from
SQLite in chunks (bounded memory), never a whole table in pandas.

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

from dashboard.core import migrate, schema  # noqa: E402
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
CHUNK_ROWS = 100_000


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


def _duck_type(col) -> str:
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric

    t = col.type
    for kind, name in ((Boolean, "BOOLEAN"), (DateTime, "TIMESTAMP"), (Date, "DATE"), (Integer, "BIGINT"),
                       (Float, "DOUBLE"), (Numeric, "DOUBLE")):
        if isinstance(t, kind):
            return name
    return "VARCHAR"


def build_duckdb(scale: str, src: Engine) -> Engine:
    """The same tables in DuckDB, streamed from SQLite CHUNK_ROWS rows at a time."""
    path = OUT / f"{scale}.duckdb"
    if not path.exists():
        import duckdb

        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        t0 = time.perf_counter()
        con = duckdb.connect(str(tmp))
        with src.connect() as s:
            for table in schema.metadata.sorted_tables:
                cols = list(table.c)
                con.execute(f'CREATE TABLE "{table.name}" (' + ", ".join(
                    f'"{c.name}" {_duck_type(c)}' for c in cols) + ")")
                result = s.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(select(table))
                for rows in result.partitions():
                    chunk = pd.DataFrame.from_records(rows, columns=[c.name for c in cols])  # noqa: F841
                    con.execute(f'INSERT INTO "{table.name}" SELECT * FROM chunk')
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
        ("pages.registry_count", lambda c: pages.registry_count(c, f)),
        ("pages.registry_page (first 100)", lambda c: pages.registry_page(c, f)),
        ("pages.registry_page (search, by subscribers)", lambda c: pages.registry_page(
            c, f, pages.RegistryFilter(search="школа"), sort="subscribers", descending=True)),
        ("pages.compliance", lambda c: pages.compliance(c, f.end)),
        ("backlog.overdue_count", lambda c: backlog.overdue_count(c, f, now)),
        ("backlog.overdue_messages (first 100)", lambda c: backlog.overdue_messages(c, f, now, limit=100)),
    ]


def interleaved(engines: dict[str, Engine], fn, rounds: int) -> dict[str, list[float] | None]:
    """Seconds per run of ``fn`` on each engine: one warm-up each, then ``rounds`` rounds,
    each running it once on every engine, the order rotated every round."""
    conns = {name: eng.connect() for name, eng in engines.items()}
    runs: dict[str, list[float] | None] = {name: [] for name in engines}
    try:
        for name, conn in conns.items():
            try:
                fn(conn)
            except Exception as e:  # report, keep going
                print(f"  {name}: {type(e).__name__}: {e}", file=sys.stderr)
                runs[name] = None
        order = [n for n in conns if runs[n] is not None]
        for r in range(rounds):
            for name in order[r % len(order):] + order[:r % len(order)] if order else []:
                t0 = time.perf_counter()
                fn(conns[name])
                runs[name].append(time.perf_counter() - t0)
    finally:
        for conn in conns.values():
            conn.close()
    return runs


def fmt_ms(runs: list[float] | None) -> str:
    """'12.3 (11.8–13.0)': median and quartiles in ms."""
    if not runs:
        return "—"
    if len(runs) == 1:
        return f"{runs[0] * 1000:.1f}"
    q1, q2, q3 = statistics.quantiles(runs, n=4, method="inclusive")
    return f"{q2 * 1000:.1f} ({q1 * 1000:.1f}–{q3 * 1000:.1f})"


def main() -> None:
    global OUT, END
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="region,national")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", ""))
    ap.add_argument("--out", default=str(OUT), help="where the generated databases are kept")
    ap.add_argument("--end", default=END, help="last day of the generated year")
    args = ap.parse_args()
    OUT, END = Path(args.out), args.end
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
              f"ms, median (quartiles) of {args.rounds} interleaved rounds\n")
        print("| query | SQLite | PostgreSQL | DuckDB | SQLite / DuckDB |")
        print("|---|---:|---:|---:|---:|")
        for label, fn in cases(f, one, now):
            t = interleaved(engines, fn, args.rounds)
            sq_runs, duck_runs = t.get("SQLite"), t.get("DuckDB")
            ratio = (f"{statistics.median(sq_runs) / statistics.median(duck_runs):.2f}×"
                     if sq_runs and duck_runs else "—")
            print(f"| {label} | {fmt_ms(sq_runs)} | {fmt_ms(t.get('PostgreSQL'))} "
                  f"| {fmt_ms(duck_runs)} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
