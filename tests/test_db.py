"""Engine creation, unreachable databases and migrations."""

import pytest
from sqlalchemy import func, inspect, select, text

from dashboard.core import migrate, schema
from dashboard.core.db import (
    DatabaseUnavailable,
    check_connection,
    get_meta,
    make_engine,
    set_meta,
    sql_text,
)


def test_database_down_gives_russian_message():
    engine = make_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match="База данных недоступна"):
        check_connection(engine)


def test_sql_text_is_compiled_once_and_refuses_values_it_cannot_pass():
    """A kept statement text runs without parameters: one whose columns take a default value
    (message.kind, photo_report) would need them, and is refused rather than run with NULLs."""
    engine = make_engine("sqlite://")
    m = schema.message
    built = []

    def build(names):
        built.append(names)
        return select(*[m.c[n] for n in names]).where(m.c.id > 5)

    with engine.connect() as conn:
        with pytest.raises(ValueError, match="bound values"):
            sql_text(conn, "where", lambda: build(["id"]))
        literal = sql_text(conn, "literal", lambda: build(["id"]), literal_binds=True)
        assert "message.id > 5" in literal
        assert sql_text(conn, "literal", lambda: build(["never built"]), literal_binds=True) == literal
    assert built == [["id"], ["id"]]


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


def test_0007_backfills_closed_at_two_weeks_after_receipt_capped_at_now(fixture_engine):
    """Closed messages stored before message.closed_at get received_at + 14 days, not later
    than the migration; answered and open messages keep NULL."""
    from datetime import datetime, timedelta

    from alembic import command
    from sqlalchemy import text, update

    m = schema.message
    recent = datetime.utcnow().replace(microsecond=0) - timedelta(days=2)
    with fixture_engine.begin() as conn:
        closed_ids = conn.execute(select(m.c.id).where(m.c.status == "closed").order_by(m.c.id)).scalars().all()
        assert len(closed_ids) >= 2
        conn.execute(update(m).where(m.c.id == closed_ids[0]).values(received_at=recent))
        command.downgrade(migrate.alembic_config(conn), "0006")
    before = datetime.utcnow().replace(microsecond=0)
    migrate.upgrade(fixture_engine)
    after = datetime.utcnow() + timedelta(seconds=1)
    with fixture_engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(m.c.id, m.c.status, m.c.received_at, m.c.closed_at))}
        assert conn.execute(text("SELECT COUNT(*) FROM message WHERE closed_at IS NOT NULL")).scalar() \
            == len(closed_ids)
    capped = rows[closed_ids[0]].closed_at
    assert before <= capped <= after                        # received 2 days ago: closed "now"
    for i in closed_ids[1:]:
        r = rows[i]
        assert r.closed_at == min(r.received_at + timedelta(days=schema.CLOSED_AFTER_DAYS), capped)
    assert all(r.closed_at is None for r in rows.values() if r.status != "closed")


MESSAGE_INDEXES_0012 = {"ix_message_day_settled", "ix_message_municipality_day", "ix_message_page_id",
                        "ix_message_status_received_at", "ix_message_summary_key"}
MESSAGE_INDEXES = {"ix_message_day_settled", "ix_message_municipality_day", "ix_message_page_id",
                   "ix_message_open"}


def _message_indexes(engine) -> dict[str, str]:
    """Index name → its definition (CREATE INDEX …), on either database."""
    from sqlalchemy import text

    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                     "AND tbl_name = 'message' AND sql IS NOT NULL"))
        else:
            rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'message' "
                                     "AND schemaname = current_schema() AND indexname LIKE 'ix_%'"))
        return dict(rows.all())


def test_0014_keeps_only_open_messages_in_the_status_index_and_drops_the_summary_key_index(fixture_engine):
    """After 0014 ``message`` has four indexes besides its keys, the status one partial (open
    statuses only); downgrading to 0012 restores the five, upgrading again gives the four."""
    from alembic import command

    def check_head():
        indexes = _message_indexes(fixture_engine)
        assert set(indexes) == MESSAGE_INDEXES
        where = indexes["ix_message_open"].split(" WHERE ", 1)[1].replace("::text", "")
        assert all(s in where for s in ("'new'", "'in_work'")) and "'answered'" not in where

    check_head()
    with fixture_engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0012")
    assert set(_message_indexes(fixture_engine)) == MESSAGE_INDEXES_0012
    migrate.upgrade(fixture_engine)
    check_head()


def test_queries_of_open_messages_are_served_by_the_partial_index(fixture_sqlite):
    """The overdue count and the overdue facts of the signals repeat the partial index's
    predicate (schema.is_open), so SQLite reads the index of open messages."""
    from datetime import datetime

    from sqlalchemy import event

    from queries import Filters, backlog, signals

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM message" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, parameters))

    now = datetime(2026, 11, 28, 12)
    f = Filters(datetime(2026, 11, 1).date(), datetime(2026, 11, 28).date())
    event.listen(fixture_sqlite, "before_cursor_execute", record)
    try:
        with fixture_sqlite.connect() as conn:
            backlog.overdue_count(conn, f, now)
            signals.overdue_facts(conn, now, f.norm, 30)
    finally:
        event.remove(fixture_sqlite, "before_cursor_execute", record)
    assert len(seen) == 2
    with fixture_sqlite.connect() as conn:
        for statement, parameters in seen:
            plan = " ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "USING INDEX ix_message_open" in plan, plan


def _page_stats_indexes(engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("page_stats")}


def test_0015_indexes_page_stats_by_date_with_the_page_and_its_level(fixture_engine):
    """After 0015 ``page_stats`` has one index besides its key, (on, page_id, subscribers), in
    place of (on); downgrading to 0014 restores (on), upgrading again gives the new one."""
    from alembic import command

    assert _page_stats_indexes(fixture_engine) == {"ix_page_stats_on_page_id_subscribers"}
    with fixture_engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0014")
    assert _page_stats_indexes(fixture_engine) == {"ix_page_stats_on"}
    migrate.upgrade(fixture_engine)
    assert _page_stats_indexes(fixture_engine) == {"ix_page_stats_on_page_id_subscribers"}


def test_subscriber_drop_reads_the_week_as_a_range_of_the_date_index(fixture_sqlite):
    """The subscriber-drop facts read the newest date and the snapshots of the week before
    it from the date index (its last entry, one range), not by a scan or a seek per page."""
    from datetime import date

    from sqlalchemy import event

    from queries import signals

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM page_stats" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, parameters))

    event.listen(fixture_sqlite, "before_cursor_execute", record)
    try:
        with fixture_sqlite.connect() as conn:
            signals.subs_facts(conn, date(2026, 12, 1), 5.0)
    finally:
        event.remove(fixture_sqlite, "before_cursor_execute", record)
    assert len(seen) == 2  # the newest date (the index's last entry), then the week before it
    with fixture_sqlite.connect() as conn:
        for statement, parameters in seen:
            plan = [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert plan[0].startswith("SEARCH page_stats USING COVERING INDEX ix_page_stats_on_page_id_subscribers"), plan


def _msg_daily_indexes(engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("msg_daily")}


def _fillfactors(engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return {}
        rows = conn.execute(text(
            "SELECT relname, array_to_string(reloptions, ',') FROM pg_class "
            "WHERE relname IN ('msg_daily', 'msg_daily_mp', 'msg_daily_pt') AND relkind = 'r' "
            "AND relnamespace = to_regnamespace(current_schema())::oid")).all()
    return dict(rows)


def test_0016_msg_daily_key_index_takes_the_topic_and_summaries_keep_room(fixture_engine):
    """After 0016 msg_daily's key index is (day, municipality_id, platform, topic_id) and, on
    PostgreSQL, the three summary tables have fillfactor 80 (their rows kept through the
    rewrite); downgrading to 0015 restores the three-column index and the default fill."""
    from alembic import command

    new = {"ix_msg_daily_day_municipality_id_platform_topic_id", "ix_msg_daily_day_platform_topic"}
    old = {"ix_msg_daily_day_municipality_id_platform", "ix_msg_daily_day_platform_topic"}
    postgres = fixture_engine.dialect.name == "postgresql"
    with fixture_engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(schema.msg_daily)).scalar()
    assert rows > 0
    assert _msg_daily_indexes(fixture_engine) == new
    assert _fillfactors(fixture_engine) == ({t: "fillfactor=80" for t in ("msg_daily", "msg_daily_mp", "msg_daily_pt")}
                                            if postgres else {})
    with fixture_engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0015")
    assert _msg_daily_indexes(fixture_engine) == old
    assert _fillfactors(fixture_engine) == ({t: None for t in ("msg_daily", "msg_daily_mp", "msg_daily_pt")}
                                            if postgres else {})
    migrate.upgrade(fixture_engine)
    assert _msg_daily_indexes(fixture_engine) == new
    with fixture_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.msg_daily)).scalar() == rows
