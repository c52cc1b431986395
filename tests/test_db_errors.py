"""A database that does not answer, is down or is locked: a Russian message within the
timeout, and no connection details (user, host, port, database name) in it.

The "black hole" is a listening socket on 127.0.0.1 that accepts connections and never
says a word: a PostgreSQL client without a connect timeout waits on it forever.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dashboard.core import db
from dashboard.core.db import DatabaseBusy, DatabaseUnavailable, check_connection, make_engine
from dashboard.core.settings import Settings, get_settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
USER, SECRET, DBNAME = "reportuser", "s3cret", "regiondb"


@pytest.fixture
def black_hole():
    """Port of a socket on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)  # keep it open, say nothing
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield server.getsockname()[1]
    stop.set()
    t.join()
    for c in held:
        c.close()
    server.close()


def pg_url(port: int) -> str:
    return f"postgresql+psycopg://{USER}:{SECRET}@127.0.0.1:{port}/{DBNAME}"


def assert_no_details(text: str, port: int) -> None:
    for detail in (USER, SECRET, DBNAME, "127.0.0.1", str(port), "psycopg", "postgresql"):
        assert detail not in text, (detail, text)


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_S", "2")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_S", "2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def fresh_app(url: str, monkeypatch):
    """An AppTest of the entry point on ``url`` (DATABASE_URL, settings read again) with no
    engine cached from an earlier test."""
    from tests.apptest_utils import _clear_streamlit_caches, new_app

    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    _clear_streamlit_caches()
    return new_app(url)


def test_timeouts_are_settings_with_defaults():
    assert (Settings().db_connect_timeout_s, Settings().db_statement_timeout_s) == (5, 30)
    s = load_settings({"DB_CONNECT_TIMEOUT_S": "3", "DB_STATEMENT_TIMEOUT_S": "12"}, Path("/nonexistent"))
    assert (s.db_connect_timeout_s, s.db_statement_timeout_s) == (3, 12)


def test_engines_carry_the_timeouts(short_timeouts):
    """The driver gets the timeouts (captured just before it would connect)."""
    from sqlalchemy import event

    seen = {}
    for engine in (make_engine(pg_url(5432)), make_engine("sqlite://")):
        @event.listens_for(engine, "do_connect")
        def capture(dialect, conn_rec, cargs, cparams):
            seen[dialect.name] = dict(cparams)
            raise RuntimeError("no real connection needed")

        with pytest.raises(RuntimeError):
            engine.connect()
    assert seen["postgresql"]["connect_timeout"] == 2
    assert seen["postgresql"]["options"] == "-c statement_timeout=2000"
    assert seen["sqlite"]["timeout"] == 2


def test_black_hole_gives_not_answering(black_hole, short_timeouts):
    with pytest.raises(DatabaseUnavailable) as e:
        check_connection(make_engine(pg_url(black_hole)))
    assert str(e.value) == db.NOT_ANSWERING
    assert_no_details(str(e.value), black_hole)


def test_refused_port_gives_unavailable_without_details(short_timeouts):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatabaseUnavailable) as e:
        check_connection(make_engine(pg_url(port)))
    assert str(e.value) == db.UNREACHABLE
    assert_no_details(str(e.value), port)


def test_details_go_to_the_log(black_hole, short_timeouts, caplog):
    with pytest.raises(DatabaseUnavailable):
        check_connection(make_engine(pg_url(black_hole)))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"127.0.0.1:{black_hole}/{DBNAME}" in logged and SECRET not in logged


def test_app_start_with_a_black_hole(black_hole, short_timeouts, monkeypatch):
    url = pg_url(black_hole)
    at = fresh_app(url, monkeypatch)
    at.run(timeout=60)
    assert not at.exception
    assert [e.value for e in at.error] == [db.NOT_ANSWERING]
    assert not at.title  # the page stops there
    assert_no_details(at.error[0].value, black_hole)


def test_cli_db_upgrade_with_a_black_hole(black_hole):
    """Default timeouts (5 s to connect): the command ends with the message and exit code 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    env.update(DATABASE_URL=pg_url(black_hole), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "dashboard", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == f"Ошибка: {db.NOT_ANSWERING}"
    assert_no_details(done.stdout + done.stderr.strip().splitlines()[-1], black_hole)


@pytest.fixture
def locked_sqlite(tmp_path, short_timeouts):
    """An SQLite file (rollback journal) held under an exclusive lock by another connection."""
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    yield f"sqlite:///{path}"
    holder.execute("ROLLBACK")
    holder.close()


def test_locked_sqlite_is_busy_not_unavailable(locked_sqlite):
    with pytest.raises(DatabaseBusy) as e:
        check_connection(make_engine(locked_sqlite))
    assert str(e.value) == "База данных занята другой операцией, повторите через минуту."


def test_locked_sqlite_on_app_start(locked_sqlite, monkeypatch):
    at = fresh_app(locked_sqlite, monkeypatch)
    at.run(timeout=60)
    assert [e.value for e in at.error] == [db.BUSY]
    assert at.error[0].proto.icon == ":material/error:"  # drawn by the app (an emoji needs a font)


def test_import_into_a_database_being_written(tmp_path, short_timeouts):
    """WAL: pages can still be read, but a second writer waits, then gets «занята»."""
    from sqlalchemy import text

    from dashboard.core import migrate
    from dashboard.writers.importing import importer
    from tests.import_helpers import EXAMPLES, SETTINGS

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as writer:
        writer.exec_driver_sql("BEGIN IMMEDIATE")
        writer.execute(text("INSERT INTO meta (key, value) VALUES ('x', '1')"))
        with pytest.raises(DatabaseBusy) as e:
            importer.import_file(engine, "pages", EXAMPLES / "pages.csv", settings=SETTINGS)
        writer.exec_driver_sql("ROLLBACK")
    assert str(e.value) == f"{db.BUSY} Импорт не выполнен, в базу ничего не записано."
    engine.dispose()


def test_postgres_statement_timeout(short_timeouts):
    """A statement running longer than DB_STATEMENT_TIMEOUT_S is cancelled by the server and
    reported as «не отвечает» (psycopg's QueryCanceled is an OperationalError)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from tests.conftest import _postgres_url

    engine = make_engine(_postgres_url())
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "2s"
            with pytest.raises(OperationalError) as e:
                conn.execute(text("SELECT pg_sleep(4)"))
        assert str(db.database_error(e.value, engine.url)) == db.NOT_ANSWERING
    finally:
        engine.dispose()


@pytest.fixture
def newer_schema(tmp_path):
    """A database upgraded by a newer version of the app: at a revision this one does not know."""
    from dashboard.core import migrate

    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    engine.dispose()
    return url


def test_a_newer_schema_is_refused_unchanged(newer_schema, caplog):
    from dashboard.core import migrate

    engine = make_engine(newer_schema)
    with engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master ORDER BY name").all()
    with pytest.raises(migrate.SchemaTooNew) as e:
        migrate.upgrade(engine)
    assert str(e.value) == migrate.SCHEMA_TOO_NEW
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, sql FROM sqlite_master ORDER BY name").all() == before
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0099"
    assert "revision 0099, unknown to this app" in caplog.text


def test_app_start_on_a_newer_schema(newer_schema, monkeypatch):
    """Not «внутренняя ошибка приложения»: the visitor is told the app is older than its database."""
    from dashboard.core import migrate

    at = fresh_app(newer_schema, monkeypatch)
    at.run(timeout=60)
    assert not at.exception
    assert [e.value for e in at.error] == [migrate.SCHEMA_TOO_NEW]
    assert not at.title
    assert at.error[0].proto.icon == ":material/error:"


def test_cli_on_a_newer_schema(newer_schema):
    from dashboard.core import migrate

    env = {**os.environ, "DATABASE_URL": newer_schema, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "dashboard", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == f"Ошибка: {migrate.SCHEMA_TOO_NEW}"


@pytest.mark.parametrize("revision", [None, "0010"])
def test_cli_on_a_database_not_upgraded(tmp_path, capsys, revision):
    """An empty database, or one of an older schema: the data commands say to run «db upgrade»
    (exit 2, nothing written), not a driver's traceback about a missing table."""
    from dashboard.cli import main
    from dashboard.core import migrate
    from tests.import_helpers import EXAMPLES

    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    if revision:
        migrate.upgrade(engine, revision)
    with engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master ORDER BY name").all()
    for command in (["import", "pages", str(EXAMPLES / "pages.csv")], ["alerts", "--dry-run"],
                    ["report", "--period", "2026-Q3", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")]):
        assert main(["--database-url", url, *command]) == 2, command
        assert capsys.readouterr().err.strip() == f"Ошибка: {migrate.SCHEMA_NOT_READY}"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM sqlite_master ORDER BY name").all() == tables
    assert main(["--database-url", url, "db", "upgrade"]) == 0
    assert main(["--database-url", url, "import", "pages", str(EXAMPLES / "pages.csv")]) == 0
