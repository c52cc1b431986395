"""Engine creation, unreachable databases and migrations."""

import pytest
from sqlalchemy import func, inspect, select

from dashboard.core import migrate, schema
from dashboard.core.db import (
    DatabaseUnavailable,
    check_connection,
    get_meta,
    make_engine,
    set_meta,
)


def test_database_down_gives_russian_message():
    engine = make_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match="База данных недоступна"):
        check_connection(engine)


def test_bad_url():
    with pytest.raises(DatabaseUnavailable, match="Неверный адрес базы данных"):
        make_engine("not a url")


def test_upgrade_is_idempotent_and_loads_reference(engine):
    migrate.upgrade(engine)  # second time: no error, no duplicates
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.municipality)).scalar() == 35
        assert conn.execute(select(func.count()).select_from(schema.topic)).scalar() > 5
        total = conn.execute(select(func.sum(schema.municipality.c.population))).scalar()
        assert total == 2_797_176  # census 2021 total of the 35 units (data/SOURCES.md)
    assert set(schema.metadata.tables) <= set(inspect(engine).get_table_names())


def test_meta_roundtrip(engine):
    with engine.begin() as conn:
        set_meta(conn, "k", "1")
        set_meta(conn, "k", "2")
        assert get_meta(conn, "k") == "2"
        assert get_meta(conn, "missing") is None


def _message_summaries(engine) -> dict:
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine, only=["msg_daily", "msg_daily_mp", "msg_daily_pt"])
    with engine.connect() as conn:
        return {name: sorted(tuple((c, r[c]) for c in sorted(r.keys()) if c != "id")
                             for r in conn.execute(select(table)).mappings())
                for name, table in meta.tables.items()}


def test_replaying_the_rollup_migration_rebuilds_what_the_writers_wrote(fixture_engine):
    """0002 rebuilds msg_daily and its rollups with its own copy of the writer's SQL."""
    from alembic import command

    written = _message_summaries(fixture_engine)
    assert len(written["msg_daily"]) > 10 and written["msg_daily_mp"] and written["msg_daily_pt"]
    with fixture_engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0001")
    migrate.upgrade(fixture_engine)
    assert _message_summaries(fixture_engine) == written
