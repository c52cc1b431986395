"""Engine, connection checks and small write helpers shared by every writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from dashboard.core import schema
from dashboard.core.settings import DATA_DIR, get_settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message is in Russian."""


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (default: the configured DATABASE_URL)."""
    url = url or get_settings().database_url
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise DatabaseUnavailable(f"Неверный адрес базы данных DATABASE_URL: {url!r}.") from e
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            DATA_DIR.mkdir(exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})

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
    return create_engine(parsed, pool_pre_ping=True)


def _fold(value):
    return value.lower() if isinstance(value, str) else value


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable with a Russian message if the database is down."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(
            f"База данных недоступна ({where}): {e.orig}. "
            "Проверьте, что сервер запущен и адрес DATABASE_URL указан верно."
        ) from e


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
