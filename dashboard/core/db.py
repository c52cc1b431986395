"""Engine, connection checks and small write helpers shared by every writer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from dashboard.core import schema
from dashboard.core.settings import DATA_DIR, get_settings

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened. The message is in Russian and holds no
    connection details (user, host, port, database name): it is shown to visitors; the
    details go to the server log."""


class DatabaseBusy(DatabaseUnavailable):
    """An SQLite database locked by another operation (a write, an import, a migration)."""


NOT_ANSWERING = ("База данных не отвечает. Повторите попытку позже; если не поможет, сообщите "
                 "администратору (подробности — в журнале сервера).")
UNREACHABLE = ("База данных недоступна. Проверьте, что сервер базы данных запущен и адрес DATABASE_URL "
               "указан верно (подробности — в журнале сервера).")
BUSY = "База данных занята другой операцией, повторите через минуту."


def database_error(e: Exception, url=None) -> DatabaseUnavailable:
    """The Russian error for a failed connection or statement (``OperationalError``).

    Only the log gets what the driver said and where (password hidden); the message says
    whether the database is busy (SQLite locked), does not answer (a timeout) or cannot
    be reached."""
    reason = str(getattr(e, "orig", None) or e)
    where = url.render_as_string(hide_password=True) if hasattr(url, "render_as_string") else "?"
    log.error("database error at %s: %s", where, reason)
    low = reason.lower()
    if "database is locked" in low or "database table is locked" in low or "busy" in low:
        return DatabaseBusy(BUSY)
    if any(s in low for s in ("timeout", "timed out", "canceling statement")):
        return DatabaseUnavailable(NOT_ANSWERING)
    return DatabaseUnavailable(UNREACHABLE)


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (default: the configured DATABASE_URL).

    Timeouts from the settings: SQLite waits up to ``db_statement_timeout_s`` for a lock
    held by another connection; PostgreSQL gives up connecting after ``db_connect_timeout_s``
    and cancels a statement after ``db_statement_timeout_s``."""
    settings = get_settings()
    url = url or settings.database_url
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise DatabaseUnavailable("Неверный адрес базы данных DATABASE_URL: ожидалось, например, "
                                  "sqlite:///data/dashboard.db или postgresql+psycopg://…") from e
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            DATA_DIR.mkdir(exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": settings.db_statement_timeout_s})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # lower() that folds Cyrillic too (SQLite's own folds only ASCII): registry search.
            dbapi_conn.create_function("fold", 1, _fold, deterministic=True)

        return engine
    connect_args = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": settings.db_connect_timeout_s,
                        "options": f"-c statement_timeout={settings.db_statement_timeout_s * 1000}"}
        for given in set(parsed.query) & set(connect_args):  # the URL's own value wins
            del connect_args[given]
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


WRITE_CACHE_KIB = 65_536  # SQLite page cache while one large write runs


@contextmanager
def write_cache(conn: Connection) -> Iterator[None]:
    """SQLite: a 64 MB page cache for the large write run inside (an import's transaction),
    back to the connection's own size after it; nothing elsewhere. The default 2 MB cannot
    hold the index pages that 10 000 inserts touch in a table of millions of rows, so SQLite
    spills and rereads them, and the write slows with the size of the database."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


@contextmanager
def without_jit(conn: Connection) -> Iterator[None]:
    """PostgreSQL: no JIT compilation for the statements run inside (the transaction's
    setting is restored after them); nothing on SQLite.

    A summary merge is thousands of index lookups, but its planner cost grows with the table
    looked into: nationally the INSERT … WHERE NOT EXISTS into msg_daily is estimated above
    jit_optimize_above_cost and spent 0.3 s compiling itself to run for 0.1 s."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = conn.exec_driver_sql("SELECT current_setting('jit')").scalar()
    conn.exec_driver_sql("SELECT set_config('jit', 'off', true)")
    try:
        yield
    finally:
        conn.execute(text("SELECT set_config('jit', :v, true)"), {"v": before})


def schema_url(url: str, schema_name: str, database: str | None = None) -> str:
    """A PostgreSQL URL whose connections use the schema ``schema_name`` (its search_path),
    in ``database`` if given: one database holding several copies side by side (the tests'
    schema each, the benchmarks' bench_region and bench_national)."""
    u = make_url(url)
    if database:
        u = u.set(database=database)
    return u.update_query_dict({"options": f"-csearch_path={schema_name}"}).render_as_string(hide_password=False)


_SQL_TEXTS: dict[tuple, str] = {}


def sql_text(conn: Connection, key, build: Callable[[], object], literal_binds: bool = False) -> str:
    """The SQL text of the statement (or DDL) ``build()`` makes, compiled for ``conn``'s
    dialect once per (dialect, ``key``) and kept, to run with ``exec_driver_sql``: for the
    statements a write runs after every chunk, whose building and compiling cost more than
    the database's own work on a small chunk. The text takes no parameters: a statement
    with bound values needs ``literal_binds`` (values written in), else it is refused."""
    k = (conn.dialect.name, key)
    if k not in _SQL_TEXTS:
        compiled = build().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": literal_binds})
        if not literal_binds and getattr(compiled, "params", None):
            raise ValueError(f"{key}: the statement has bound values {sorted(compiled.params)}")
        _SQL_TEXTS[k] = str(compiled)
    return _SQL_TEXTS[k]


def _fold(value):
    return value.lower() if isinstance(value, str) else value


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable (or DatabaseBusy) with a Russian message if the database
    is down, does not answer within the connect timeout, or is locked."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        raise database_error(e, engine.url) from e


def is_postgres(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "postgresql"


def upsert(conn: Connection, table, rows: Sequence[dict], keys: Sequence[str],
           update: Iterable[str] | None = None) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update-columns, on SQLite and PostgreSQL.

    With ``update`` empty or None, conflicting rows are left as they are.
    """
    if not rows:
        return
    dialect = postgresql if is_postgres(conn) else sqlite
    stmt = dialect.insert(table)
    update = list(update or [])
    if update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    # Keep each statement's parameter count within SQLite's limits.
    batch = max(1, 30000 // max(1, len(rows[0])))
    for i in range(0, len(rows), batch):
        conn.execute(stmt, list(rows[i:i + batch]))


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    upsert(conn, schema.meta, [{"key": key, "value": value}], ["key"], ["value"])


def touch_updated(conn: Connection, when: datetime | None = None) -> None:
    """Record the time of the last successful data write (shown in the app footer)."""
    when = when or datetime.now(timezone.utc).replace(tzinfo=None)
    set_meta(conn, schema.META_UPDATED_AT, when.isoformat(timespec="seconds"))


def utcnow() -> datetime:
    """Current UTC time as a naive datetime, the way times are stored."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def figures_now(conn: Connection, now: datetime | None = None) -> datetime:
    """The moment deadline-dependent figures (overdue, not yet due) are taken at: ``now`` when
    given, else the clock — but never later than the moment the data stops, when the
    database records one (``meta.data_as_of``: a demo's snapshot, whose world has no answers
    after it; without this every demo message would fall overdue as the real clock runs on)."""
    if now is not None:
        return now
    clock = utcnow()
    stops = get_meta(conn, schema.META_DATA_AS_OF)
    return min(clock, datetime.fromisoformat(stops)) if stops else clock
