"""Demo data: a deterministic, realistic picture of the oblast's official pages.

``python -m dashboard demo [--seed N] [--years N] [--scale region|national]
[--end YYYY-MM-DD] [--force]`` fills an empty database; the app calls
``generate`` on first start. The same seed and end date always give identical
rows. Region scale: the regional government and ministries, 35 municipal
administrations and several hundred institutions with ~900 pages, ~55,000
messages a year (~60 % from Novosibirsk). National scale: the same generator with
~70,000 pages and ~5,000,000 messages a year, for benchmarks.

Raw rows are generated with numpy (``demo_entities``, ``demo_activity``) and
bulk-loaded (SQLite ``executemany``, PostgreSQL ``COPY``); the summary tables
are refreshed and the ``demo`` flag set in the same transaction, so a failure
leaves the database untouched.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.engine import Connection

from dashboard.core import db, migrate, schema
from dashboard.core.formatting import d, num
from dashboard.core.settings import get_settings
from dashboard.writers import summary
from dashboard.writers.demo.activity import (
    TOPIC_CODES,
    Messages,
    PageStats,
    build_messages,
    build_page_stats,
    build_responders,
    last_post_at,
    municipality_shares,
)
from dashboard.writers.demo.entities import (
    Organisations,
    Pages,
    build_organisations,
    build_pages,
)
from dashboard.writers.demo.times import Zone

SOURCE_TZ = ZoneInfo("Asia/Novosibirsk")  # the default end date is "yesterday" there


@dataclass(frozen=True)
class Scale:
    institutions: int       # subordinate institutions across the oblast
    messages_per_year: int


SCALES = {
    "region": Scale(institutions=450, messages_per_year=55_000),
    "national": Scale(institutions=39_000, messages_per_year=5_000_000),
}

Progress = Callable[[float, str], None]  # (fraction done 0..1, Russian step label)


class DemoError(RuntimeError):
    """Demo data cannot be generated; the message is in Russian."""


@dataclass(frozen=True)
class DemoResult:
    seed: int
    start: date
    end: date
    organisations: int
    pages: int
    page_stats: int
    messages: int
    seconds: float

    def summary_ru(self) -> str:
        return (
            f"Демонстрационные данные созданы за {num(self.seconds, 1)} с (зерно {self.seed}, "
            f"период {d(self.start)}–{d(self.end)}): организаций {num(self.organisations)}, "
            f"страниц {num(self.pages)}, снимков статистики {num(self.page_stats)}, "
            f"обращений {num(self.messages)}."
        )


def default_end() -> date:
    """Yesterday in Novosibirsk."""
    return datetime.now(SOURCE_TZ).date() - timedelta(days=1)


def snapshot_moment(end: date) -> datetime:
    """The moment the demo's world stops (naive UTC): local midnight after ``end``. No answer or
    closing is generated after it, so figures are taken at it, not at the running clock
    (``db.figures_now``)."""
    midnight = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=get_settings().tz)
    return midnight.astimezone(timezone.utc).replace(tzinfo=None)


def period_start(end: date, years: int) -> date:
    """First day of the ``years``-year period that ends on ``end``."""
    try:
        same_day = end.replace(year=end.year - years)
    except ValueError:  # 29 February
        same_day = end.replace(year=end.year - years, day=28)
    return same_day + timedelta(days=1)


# -- generation ----------------------------------------------------------------------

def generate(engine: Engine, seed: int = 1, years: int = 2, scale: str = "region", end: date | None = None,
             progress: Progress | None = None, *, force: bool = False,
             messages_per_year: int | None = None) -> DemoResult:
    """Fill an empty, migrated database with demo data; return what was written.

    ``force`` first deletes all existing pages, statistics and messages.
    ``messages_per_year`` overrides the scale's message volume (smaller test runs).
    Raises DemoError if the database already holds data and ``force`` is false.
    """
    if scale not in SCALES:
        raise DemoError(f"Неизвестный масштаб демонстрационных данных: {scale!r} (допустимо: region, national).")
    if years < 1:
        raise DemoError(f"Число лет должно быть не меньше 1, указано {years}.")
    cfg = SCALES[scale]
    per_year = cfg.messages_per_year if messages_per_year is None else messages_per_year
    end = end or default_end()
    start = period_start(end, years)
    step = progress or (lambda _f, _s: None)
    started = time.perf_counter()

    with engine.connect() as conn:
        with _fast_load(conn), conn.begin():
            if _has_data(conn):
                if not force:
                    raise DemoError("В базе уже есть данные (страницы, статистика или обращения). "
                                    "Чтобы заменить их демонстрационными, запустите с --force.")
                _wipe(conn)
            municipalities = _municipalities(conn)
            topic_ids = _topic_ids(conn)
            data = build(municipalities, seed, start, end, cfg.institutions, per_year, step)
            step(0.5, "Запись в базу данных")
            _write(conn, data, topic_ids)
            step(0.8, "Сводные таблицы")
            summary.refresh_messages(conn)
            summary.refresh_subscribers(conn)
            db.set_meta(conn, schema.META_DEMO, "1")
            db.set_meta(conn, schema.META_DEMO_SEED, str(seed))
            conn.execute(delete(schema.meta).where(schema.meta.c.key == schema.META_DEMO_REMOVED))
            db.set_meta(conn, schema.META_DATA_AS_OF, snapshot_moment(end).isoformat(timespec="seconds"))
            db.touch_updated(conn)
        _analyze(conn)
    step(1.0, "Готово")
    return DemoResult(seed, start, end, len(data.orgs), len(data.pages), len(data.stats), len(data.messages),
                      time.perf_counter() - started)


@dataclass
class DemoData:
    """Everything generated, before it is written."""

    orgs: Organisations
    pages: Pages
    last_post_at: np.ndarray  # per page, UTC
    stats: PageStats
    messages: Messages


def build(municipalities: list[dict], seed: int, start: date, end: date, institutions: int,
          messages_per_year: int, step: Progress) -> DemoData:
    """Generate all rows in memory; one generator seeded with ``seed`` drives every draw in a fixed order."""
    rng = np.random.default_rng(seed)
    step(0.05, "Организации и страницы")
    orgs = build_organisations(municipalities, institutions, rng)
    pages = build_pages(orgs, municipalities, start, end, rng)
    midnight = datetime.min.time()
    zone = Zone(get_settings().tz, datetime.combine(start, midnight) - timedelta(days=2),
                datetime.combine(end, midnight) + timedelta(days=400))
    step(0.15, "Статистика страниц")
    stats = build_page_stats(pages, start, end, rng)
    posted = last_post_at(pages, stats, end, zone, rng)
    step(0.3, "Обращения жителей")
    populations = np.array([m["population"] or 10_000 for m in municipalities], dtype=float)
    capital = int(np.argmax(populations)) + 1  # город Новосибирск
    responders = build_responders(len(municipalities), capital, rng)
    shares = municipality_shares(populations, capital, rng)
    messages = build_messages(pages, shares, responders, capital, start, end, messages_per_year, zone, rng)
    return DemoData(orgs, pages, posted, stats, messages)


def _has_data(conn: Connection) -> bool:
    for table in (schema.organisation, schema.page, schema.page_stats, schema.message):
        if conn.execute(select(func.count()).select_from(select(table).limit(1).subquery())).scalar():
            return True
    return False


def _wipe(conn: Connection) -> None:
    """Delete every fact and summary row (reference data stays)."""
    for table in (*schema.MSG_ROLLUPS, schema.subs_daily, schema.message, schema.page_stats,
                  schema.collect_state, schema.post_state, schema.page, schema.organisation, schema.import_log,
                  schema.signal_state):
        conn.execute(delete(table))
    conn.execute(delete(schema.meta).where(schema.meta.c.key.in_([schema.META_DEMO, schema.META_DEMO_SEED, schema.META_DATA_AS_OF])))


def _municipalities(conn: Connection) -> list[dict]:
    m = schema.municipality
    rows = conn.execute(select(m.c.id, m.c.name, m.c.kind, m.c.population).order_by(m.c.id)).mappings().all()
    if [r["id"] for r in rows] != list(range(1, len(rows) + 1)) or not rows:
        raise DemoError("Справочник муниципалитетов не загружен: выполните «python -m dashboard db upgrade».")
    return [dict(r) for r in rows]


def _topic_ids(conn: Connection) -> np.ndarray:
    ids = dict(conn.execute(select(schema.topic.c.code, schema.topic.c.id)).all())
    missing = [c for c in TOPIC_CODES if c not in ids]
    if missing:
        raise DemoError(f"В справочнике тем нет рубрик {', '.join(missing)}: выполните «python -m dashboard db upgrade».")
    return np.array([ids[c] for c in TOPIC_CODES])


# -- bulk writing ------------------------------------------------------------------------

_CHUNK = 100_000  # message rows converted to Python values at a time


class _fast_load:
    """On SQLite: no fsync and a large page cache while loading (restored afterwards).

    The pragmas go to the DBAPI connection directly so they do not open a
    SQLAlchemy transaction.
    """

    def __init__(self, conn: Connection):
        self.raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None

    def _pragmas(self, synchronous: str, cache_kib: int) -> None:
        if self.raw is not None:
            self.raw.execute(f"PRAGMA synchronous={synchronous}")
            self.raw.execute(f"PRAGMA cache_size=-{cache_kib}")

    def __enter__(self):
        self._pragmas("OFF", 262_144)
        return self

    def __exit__(self, *exc):
        self._pragmas("NORMAL", 2_000)
        return False


@contextmanager
def _indexes_rebuilt(conn: Connection, *tables):
    """Drop the tables' secondary indexes during a bulk load and build them once afterwards."""
    indexes = [ix for table in tables for ix in sorted(table.indexes, key=lambda ix: ix.name)]
    for ix in indexes:
        ix.drop(conn)
    yield
    for ix in indexes:
        ix.create(conn)


def _analyze(conn: Connection) -> None:
    """Refresh the planner's statistics of the application's tables after a bulk load. On
    PostgreSQL the tables are named: a bare ANALYZE visits every schema of the database
    and waits for locks held on other schemas' tables."""
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql("ANALYZE " + ", ".join(quote(t.name) for t in schema.metadata.sorted_tables))
    else:
        conn.exec_driver_sql("ANALYZE")
    conn.commit()


def _bulk_insert(conn: Connection, table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert plain tuples fast: PostgreSQL COPY, SQLite DBAPI executemany."""
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        cur = conn.connection.driver_connection.cursor()
        with cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"
    conn.connection.driver_connection.cursor().executemany(sql, rows)  # streams the iterator


def _dates(values: np.ndarray) -> list[str | None]:
    """datetime64[D] -> 'YYYY-MM-DD' (None for NaT)."""
    return [None if s == "NaT" else s for s in np.datetime_as_string(values, unit="D").tolist()]


def _times(values: np.ndarray) -> list[str | None]:
    """datetime64[s] -> 'YYYY-MM-DD HH:MM:SS.000000', SQLAlchemy's SQLite format (None for NaT)."""
    return [None if s == "NaT" else f"{s[:10]} {s[11:]}.000000"
            for s in np.datetime_as_string(values, unit="s").tolist()]


def _nullable(values: np.ndarray, missing) -> list:
    return [None if v == missing else v for v in values.tolist()]


def _write(conn: Connection, data: DemoData, topic_ids: np.ndarray) -> None:
    _write_organisations(conn, data.orgs)
    _write_pages(conn, data.pages, data.last_post_at)
    with _indexes_rebuilt(conn, schema.page_stats, schema.message):
        _write_page_stats(conn, data.stats)
        _write_messages(conn, data.messages, data.pages, topic_ids)
    _sync_sequences(conn)


def _write_organisations(conn: Connection, orgs: Organisations) -> None:
    rows = zip(range(1, len(orgs) + 1), orgs.name, orgs.kind, orgs.sector, orgs.municipality_id)
    _bulk_insert(conn, schema.organisation, ["id", "name", "kind", "sector", "municipality_id"], rows)


def _write_pages(conn: Connection, pages: Pages, posted: np.ndarray) -> None:
    rows = zip(
        range(1, len(pages) + 1), pages.platform.tolist(), pages.external_id.tolist(), pages.url.tolist(),
        pages.title.tolist(), pages.organisation_id.tolist(), _nullable(pages.municipality_id, 0),
        pages.verified.tolist(), pages.gospubliki.tolist(), _dates(pages.opened_on), _times(posted),
    )
    _bulk_insert(conn, schema.page, ["id", "platform", "external_id", "url", "title", "organisation_id",
                                     "municipality_id", "verified", "gospubliki", "opened_on", "last_post_at"],
                 rows)


def _write_page_stats(conn: Connection, stats: PageStats) -> None:
    rows = zip((stats.page_index + 1).tolist(), _dates(stats.on), stats.subscribers.tolist(),
               stats.posts.tolist(), stats.views.tolist(), stats.likes.tolist(), stats.comments.tolist(),
               stats.reposts.tolist())
    _bulk_insert(conn, schema.page_stats,
                 ["page_id", "on", "subscribers", "posts", "views", "likes", "comments", "reposts"], rows)


def _message_external_ids(messages: Messages, pages: Pages) -> list[str]:
    """'<number>_<page external id>': the number runs per platform (zero-padded, so ids are unique
    per platform and arrive in index order)."""
    platform = pages.platform[messages.page_index]
    number = np.empty(len(messages), dtype=np.int64)
    for p in np.unique(platform):
        sel = platform == p
        number[sel] = np.arange(1, sel.sum() + 1)
    ext = pages.external_id[messages.page_index]
    return [f"{k:07d}_{e}" for e, k in zip(ext.tolist(), number.tolist())]


def _write_messages(conn: Connection, messages: Messages, pages: Pages, topic_ids: np.ndarray) -> None:
    m, page = messages, messages.page_index
    n = len(m)
    # Columns are converted a chunk at a time to keep memory flat at national scale.
    ext = _message_external_ids(m, pages)
    columns = ["id", "platform", "external_id", "page_id", "municipality_id", "topic_id", "kind",
               "received_at", "received_day", "received_hour", "first_response_at", "response_minutes",
               "response_work_minutes", "status", "closed_at", "photo_report", "satisfaction"]

    def rows():
        for a in range(0, n, _CHUNK):
            s = slice(a, min(n, a + _CHUNK))
            yield from zip(
                range(a + 1, s.stop + 1), pages.platform[page[s]].tolist(), ext[s], (page[s] + 1).tolist(),
                _nullable(pages.municipality_id[page[s]], 0), topic_ids[m.topic[s]].tolist(),
                np.where(m.private[s], "private", "comment").tolist(), _times(m.received_at[s]),
                _dates(m.received_day[s]), m.received_hour[s].tolist(), _times(m.first_response_at[s]),
                _nullable(m.response_minutes[s], -1), _nullable(m.response_work_minutes[s], -1),
                m.status[s].tolist(), _times(m.closed_at[s]), m.photo_report[s].tolist(),
                _nullable(m.satisfaction[s], -2),
            )

    _bulk_insert(conn, schema.message, columns, rows())


def _sync_sequences(conn: Connection) -> None:
    """PostgreSQL: move id sequences past the explicit ids written above."""
    if conn.dialect.name != "postgresql":
        return
    for table in ("organisation", "page", "message"):
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))


def remove(engine: Engine) -> bool:
    """Delete the demo data (every fact, summary and the import history; reference data and
    users stay); False, and nothing deleted, when the database is not labelled demo."""
    with engine.begin() as conn:
        if db.get_meta(conn, schema.META_DEMO) != "1":
            return False
        _wipe(conn)
        db.set_meta(conn, schema.META_DEMO_REMOVED, "1")  # kept for real data: start.sh no longer refills it
        db.touch_updated(conn)
    return True


def was_removed(engine: Engine) -> bool:
    """The demo data of this database was deleted by ``demo --remove`` (and none generated since)."""
    with engine.connect() as conn:
        return db.get_meta(conn, schema.META_DEMO_REMOVED) == "1"


# -- command line ---------------------------------------------------------------------------

def run_cli(engine: Engine, args) -> int:
    """``python -m dashboard demo``: upgrade the schema, generate, print a Russian summary."""
    try:
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError:
        print(f"Ошибка: --end {args.end!r}: ожидалась дата в формате ГГГГ-ММ-ДД.", file=sys.stderr)
        return 2
    migrate.upgrade(engine)

    def report(fraction: float, label: str) -> None:
        print(f"  {num(fraction * 100)} % — {label}", flush=True)

    try:
        result = generate(engine, seed=args.seed, years=args.years, scale=args.scale, end=end,
                          progress=report, force=args.force)
    except DemoError as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 1
    print(result.summary_ru())
    return 0


def run_remove(engine: Engine) -> int:
    """``python -m dashboard demo --remove``."""
    migrate.upgrade(engine)
    if not remove(engine):
        print("Ошибка: в базе нет демонстрационных данных (или это настоящие данные) — ничего не удалено.",
              file=sys.stderr)
        return 1
    print("Демонстрационные данные удалены: база пуста и готова к импорту настоящих данных.")
    return 0
