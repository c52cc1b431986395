"""Writes cost what they write: how an import looks pages up and keeps the summaries current.

Timings go to bench/writes.py; these tests check the mechanics that make a write independent
of the database's size (both databases): the pages of a chunk are looked up together, the
summaries take the change of the rows written (and still equal a full rebuild), and a stats
history too large for a delta falls back to rebuilding the groups.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from dashboard.core.db import without_jit
from dashboard.writers import summary
from tests.import_helpers import (
    MESSAGES_HEADER,
    STATS_HEADER,
    csv_bytes,
    load_pages,
    run,
)
from tests.test_import_db import assert_summaries_match_a_full_rebuild


class Statements:
    """The SQL statements an engine runs while recording."""

    def __init__(self, engine):
        self.engine, self.sql = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.sql.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def count(self, *parts: str) -> int:
        return sum(all(p in s for p in parts) for s in self.sql)


def _messages(n: int) -> bytes:
    """n messages spread over the three registered VK/OK pages and a week of November."""
    pages = ["https://vk.com/club101", "https://vk.com/club102", "https://ok.ru/group/555"]
    rows = [[f"w{i}", pages[i % 3], f"{2 + i % 7:02d}.11.2026 {8 + i % 12:02d}:15", "Дороги",
             f"{2 + i % 7:02d}.11.2026 {9 + i % 12:02d}:40" if i % 4 else "", "", ""] for i in range(n)]
    return csv_bytes(MESSAGES_HEADER, rows)


def test_a_chunk_looks_its_pages_up_together(engine):
    """Two platforms, 300 rows naming 3 pages: one page query per platform, not one per page
    (nor per row)."""
    load_pages(engine)
    with Statements(engine) as st:
        result = run(engine, "messages", _messages(300))
    assert result.ok and result.added == 300, result.report()
    lookups = st.count("FROM page", "external_id IN (") + st.count("FROM page", "external_id = ANY(")
    single = st.count("FROM page", "external_id = ?") + st.count("FROM page", "external_id = %(")
    assert (lookups, single) == (2, 0)
    assert_summaries_match_a_full_rebuild(engine)


def test_a_registry_looks_its_stored_pages_up_per_platform_and_takes_new_organisations_ids_from_the_insert(
        engine):
    """1 200 new pages of 600 new organisations in one chunk: the stored pages are looked up by
    one statement per platform (PostgreSQL: one array of ids — lists of 500 bound values made
    it scan the platform's rows per list —, SQLite: an IN list of up to 5 000); the organisations' ids
    come back from their INSERT, not from a SELECT by name; every page is its organisation's."""
    from tests.big_files import PAGES_HEADER, page_rows

    rows = list(page_rows(1_200, ["Область", "Баганский район"]))
    with Statements(engine) as st:
        result = run(engine, "pages", csv_bytes(PAGES_HEADER, rows))
    assert (result.ok, result.added) == (True, 1_200), result.report()
    lookups = st.count("FROM page", "external_id IN (") + st.count("FROM page", "external_id = ANY(")
    assert lookups == 2
    assert st.count("FROM organisation WHERE organisation.name IN") == 0
    with engine.connect() as conn:
        owners = dict(conn.execute(text(
            "SELECT p.url, o.name FROM page p JOIN organisation o ON o.id = p.organisation_id")).all())
    assert owners == {cells[3]: cells[1] for cells in rows}
    assert len(set(owners.values())) == 600


def test_a_page_url_named_in_several_chunks_is_parsed_once(engine, monkeypatch):
    """A month of stats names every page once a date, in a chunk per date: each URL is parsed
    (and looked up) in the first chunk only, the later ones take the page from the first's
    answer; the snapshots are all stored against the right pages."""
    from dashboard.writers.importing import importer, references

    load_pages(engine)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    parsed = []
    parse = references.parse_page_url
    monkeypatch.setattr(references, "parse_page_url", lambda v: parsed.append(v) or parse(v))
    urls = ["https://vk.com/club101", "https://ok.ru/group/555", "https://t.me/nso_gov"]
    rows = [[url, f"{d:02d}.11.2026", str(1000 + 10 * d + k), "1"] for d in (2, 9, 16)
            for k, url in enumerate(urls)]
    result = run(engine, "stats", csv_bytes(STATS_HEADER, rows))
    assert (result.ok, result.added) == (True, 9), result.report()
    assert sorted(parsed) == sorted(urls)
    with engine.connect() as conn:
        stored = conn.execute(text('SELECT p.url, s.subscribers FROM page_stats s JOIN page p ON p.id = s.page_id'
                                   ' ORDER BY s."on", s.subscribers')).all()
    assert [tuple(r) for r in stored] == [(url, int(subs)) for url, _, subs, _ in rows]
    assert_summaries_match_a_full_rebuild(engine)


def test_the_pages_a_file_named_are_kept_compactly_across_chunks(engine, monkeypatch):
    """What later chunks need of the pages a file named is one PageMemo answer per distinct
    URL cell (33 bytes, not Python objects per page), whatever the number of rows and chunks;
    the objects of a chunk's lookups live until the next chunk starts. A second way of
    writing a page's URL is one answer more, the same page."""
    from dashboard.writers.importing import importer

    load_pages(engine)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    indexes = []
    context = importer._context
    monkeypatch.setattr(importer, "_context", lambda *a: indexes.append(ctx := context(*a)) or ctx)
    urls = ["https://vk.com/club101", "https://ok.ru/group/555", "https://t.me/nso_gov"]
    rows = [[url, f"{d:02d}.11.2026", str(1000 + 10 * d + k), "1"] for d in range(1, 21)
            for k, url in enumerate(urls)]
    rows[-3][0] = "vk.com/club101"  # the last date names club101 another way
    result = run(engine, "stats", csv_bytes(STATS_HEADER, rows))
    assert (result.ok, result.added) == (True, 60), result.report()
    index = indexes[0].pages
    assert len(index._memo) == 4  # 20 chunks, 60 rows: one answer per distinct cell
    assert set(index._chunk) == {(str, "vk.com/club101"), (str, urls[1]), (str, urls[2])}  # the last chunk's
    assert index._by_url is None  # every page found by its id: the map of stored URLs never built
    with engine.connect() as conn:
        per_page = dict(conn.execute(text(
            "SELECT p.url, count(*) FROM page_stats s JOIN page p ON p.id = s.page_id GROUP BY p.url")).all())
    assert per_page == dict.fromkeys(urls, 20)
    assert_summaries_match_a_full_rebuild(engine)


def test_a_page_memo_answers_what_it_was_told_and_keeps_a_first_answer():
    from dashboard.writers.importing.references import UNKNOWN, PageInfo, PageMemo

    memo = PageMemo()
    digest = [bytes([i]) * 16 for i in range(5)]
    digest[4] = bytes(15) + b"\1"  # digests are compared whole, whatever their trailing bytes
    assert memo.get(digest) == [UNKNOWN] * 5
    memo.add([digest[2], digest[0]], [PageInfo(7, "vk", 3), None])
    memo.add([digest[1], digest[2], digest[4]], [PageInfo(9, "ok", None), PageInfo(8, "vk", 1),
                                                 PageInfo(2**40, "max", 2**33)])
    assert len(memo) == 4
    assert memo.get(digest) == [None, PageInfo(9, "ok", None), PageInfo(7, "vk", 3), UNKNOWN,
                                PageInfo(2**40, "max", 2**33)]
    assert memo.get([]) == []


def test_a_page_memo_merges_answers_learnt_one_at_a_time_in_batches(monkeypatch):
    """A file keyed by platform and ID looks its pages up one by one: each answer copied into
    the arrays on its own was quadratic in the pages; they wait in a dict, answered from
    there, and are merged MERGE_AT at a time (and a first answer still wins)."""
    from dashboard.writers.importing.references import PageInfo, PageMemo

    monkeypatch.setattr(PageMemo, "MERGE_AT", 3)
    memo = PageMemo()
    digest = [i.to_bytes(16, "big") for i in range(7)]
    merged = []
    real_flush = memo.flush
    monkeypatch.setattr(memo, "flush", lambda: (merged.append(len(memo._pending)), real_flush()))
    for i, d in enumerate(digest):
        memo.add([d], [PageInfo(i, "vk", None)])
    assert merged == [3, 3]  # twice three answers merged, the seventh waits
    memo.add([digest[0]], [PageInfo(99, "vk", None)])
    assert memo.get(digest) == [PageInfo(i, "vk", None) for i in range(7)]
    assert len(memo) == 7 and len(memo._arrays[0]) == 7


def test_new_snapshots_are_inserted_by_the_driver_and_only_changed_ones_upserted(engine):
    """A first stats file is one driver-level insert (no upsert through SQLAlchemy's per-row
    parameters); a second one with changed and new snapshots upserts the changed ones and
    inserts the new; the stored rows and the summaries are right."""
    load_pages(engine)
    urls = ["https://vk.com/club101", "https://ok.ru/group/555", "https://t.me/nso_gov"]
    rows = [[url, f"{d:02d}.11.2026", str(1000 + 10 * d + k), "1"] for d in (2, 9) for k, url in enumerate(urls)]
    with Statements(engine) as st:
        assert run(engine, "stats", csv_bytes(STATS_HEADER, rows)).added == 6
    assert st.count("INSERT INTO page_stats", "ON CONFLICT") == 0  # SQLite: a plain INSERT; PostgreSQL: COPY
    rows[0][2] = "5000"
    rows.append([urls[0], "16.11.2026", "5100", "2"])
    with Statements(engine) as st:
        result = run(engine, "stats", csv_bytes(STATS_HEADER, rows))
    assert (result.added, result.updated, result.unchanged) == (1, 1, 5), result.report()
    assert st.count("INSERT INTO page_stats", "ON CONFLICT") == 1
    with engine.connect() as conn:
        club101 = conn.execute(text('SELECT s.subscribers FROM page_stats s JOIN page p ON p.id = s.page_id'
                                    ' WHERE p.url = :u ORDER BY s."on"'), {"u": urls[0]}).scalars().all()
    assert club101 == [5000, 1090, 5100]
    assert_summaries_match_a_full_rebuild(engine)


def test_a_messages_import_reads_no_stored_messages_for_the_summaries(engine):
    """The summaries take the sums of the rows written: no statement rebuilds msg_daily
    from the message table, and the result equals a full rebuild — also when the second
    import changes rows already stored (answers given later)."""
    load_pages(engine)
    data = _messages(40)
    assert run(engine, "messages", data).ok
    changed = data.replace(b";;;\r\n", b";10.11.2026 12:00;;\r\n", 5)
    assert changed != data
    with Statements(engine) as st:
        result = run(engine, "messages", changed)
    assert result.ok and result.updated == 5, result.report()
    assert st.count("INSERT INTO msg_daily", "FROM message") == 0
    assert st.count("tmp_message_delta") > 0
    assert_summaries_match_a_full_rebuild(engine)


def test_a_file_of_many_chunks_merges_into_the_summaries_once(engine, monkeypatch):
    """Every chunk's change is summed per key as it is written and merged into the summaries
    once at the end: one UPDATE of msg_daily per pass (municipal keys, regional keys)
    whatever the number of chunks; the result equals a full rebuild — also when the changed
    rows of a re-import fall in different chunks and share keys with new rows."""
    from dashboard.writers.importing import importer

    load_pages(engine)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 7)
    data = _messages(40)  # 6 chunks
    with Statements(engine) as st:
        result = run(engine, "messages", data)
    assert result.ok and result.added == 40, result.report()
    assert st.count("UPDATE msg_daily SET") == 2
    assert st.count("INSERT INTO tmp_delta_folded") == 6 + 1  # after each chunk, and in the merge
    assert_summaries_match_a_full_rebuild(engine)
    changed = _messages(50).replace(b";;;\r\n", b";10.11.2026 12:00;;\r\n", 5)  # answers given later
    with Statements(engine) as st:
        result = run(engine, "messages", changed)
    assert (result.added, result.updated, result.unchanged) == (10, 5, 35), result.report()
    assert st.count("UPDATE msg_daily SET") == 2
    assert_summaries_match_a_full_rebuild(engine)


def test_new_rows_are_staged_then_copied_into_message(engine, monkeypatch):
    """A chunk's new rows cross from Python once, into the staging table (no indexes), and
    are copied from it into ``message`` by one INSERT … SELECT (the database's work on the
    table and its indexes in one statement); they are never looked up again to be summed.
    The summaries equal a full rebuild."""
    from dashboard.writers.importing import importer

    load_pages(engine)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 15)
    assert run(engine, "messages", _messages(20)).ok
    with Statements(engine) as st:
        result = run(engine, "messages", _messages(50))  # chunks: stored; 5 stored + 10 new; new; new
    assert (result.added, result.unchanged) == (30, 20), result.report()
    assert st.count("INSERT INTO message ", "FROM tmp_message_delta") == 3
    assert st.count("INSERT INTO tmp_message_delta", "FROM message") == 0
    assert_summaries_match_a_full_rebuild(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*), count(DISTINCT external_id) FROM message")).one()
    assert tuple(stored) == (50, 50)


def test_stats_beyond_the_delta_bound_rebuild_their_groups(engine, monkeypatch):
    """A history larger than MAX_DELTA_CELLS (page, date) pairs is summarised by rebuilding the
    pages' groups from the first date written; the result is the same."""
    load_pages(engine)
    rows = [[url, f"{d:02d}.11.2026", str(1000 + 10 * d + k), "1"]
            for k, url in enumerate(["https://vk.com/club101", "https://ok.ru/group/555", "https://t.me/nso_gov"])
            for d in (2, 9, 16)]
    calls = []
    rebuild = summary.refresh_subscribers
    monkeypatch.setattr(summary, "refresh_subscribers", lambda *a, **kw: calls.append(kw) or rebuild(*a, **kw))
    assert run(engine, "stats", csv_bytes(STATS_HEADER, rows)).ok
    assert calls == []  # 3 pages × 3 dates: within the bound, a delta
    assert_summaries_match_a_full_rebuild(engine)
    monkeypatch.setattr(summary, "MAX_DELTA_CELLS", 2)
    rows = [[url, date, str(int(subs) + 5), posts] for url, date, subs, posts in rows]
    calls.clear()  # the full rebuild above called it too
    assert run(engine, "stats", csv_bytes(STATS_HEADER, rows)).ok
    assert [str(c.get("since")) for c in calls] == ["2026-11-02"]
    assert_summaries_match_a_full_rebuild(engine)


def test_without_jit_turns_it_off_inside_and_restores_it(engine):
    """PostgreSQL: jit is off for the statements inside and back to the transaction's own
    value after them, on or off; SQLite: not a statement."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            with Statements(engine) as st, without_jit(conn):
                pass
            assert st.sql == []
            return
        for own in ("on", "off"):
            conn.exec_driver_sql(f"SET LOCAL jit = {own}")
            with without_jit(conn):
                assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            assert conn.exec_driver_sql("SHOW jit").scalar() == own


def test_the_summary_merge_runs_without_jit(engine):
    """A messages import merges its sums into msg_daily and the rollups with jit off
    (PostgreSQL: nationally the INSERT's estimate called for JIT compilation), and sets it
    back for the rest of the transaction."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite compiles no statement to machine code")
    load_pages(engine)
    seen = []

    def jit_at_merge(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(("UPDATE msg_daily", "INSERT INTO msg_daily")):
            cur = conn.connection.dbapi_connection.cursor()
            cur.execute("SHOW jit")
            seen.append(cur.fetchone()[0])
            cur.close()

    event.listen(engine, "before_cursor_execute", jit_at_merge)
    try:
        with Statements(engine) as st:
            result = run(engine, "messages", _messages(30))
    finally:
        event.remove(engine, "before_cursor_execute", jit_at_merge)
    assert result.ok and result.added == 30, result.report()
    # msg_daily, msg_daily_mp, msg_daily_pt: updated in place (two passes for the
    # municipality-keyed ones) and new keys inserted
    assert seen == ["off"] * 8
    assert st.count("set_config('jit', 'off', true)") == 1
    assert st.count("set_config('jit'", "true)") == 2  # off, then back


def test_postgres_analyzes_only_the_planned_columns_of_the_staged_sums(engine):
    """PostgreSQL samples the key and n_received columns of each temporary table of sums
    (what the merge joins and filters on), not its 60-odd measures; SQLite analyzes the table."""
    load_pages(engine)
    with Statements(engine) as st:
        result = run(engine, "messages", _messages(30))
    assert result.ok and result.added == 30, result.report()
    analyzed = sorted(s for s in st.sql if s.startswith("ANALYZE"))
    if engine.dialect.name == "sqlite":
        assert analyzed == ["ANALYZE temp.tmp_delta_msg_daily", "ANALYZE temp.tmp_delta_msg_daily_mp",
                            "ANALYZE temp.tmp_delta_msg_daily_pt"]
    else:
        assert analyzed == ["ANALYZE tmp_delta_msg_daily (day, municipality_id, platform, topic_id, n_received)",
                            "ANALYZE tmp_delta_msg_daily_mp (day, municipality_id, platform, n_received)",
                            "ANALYZE tmp_delta_msg_daily_pt (day, platform, topic_id, n_received)"]
    assert_summaries_match_a_full_rebuild(engine)
