"""Streaming imports: a file longer than one chunk is checked and written chunk by chunk in one
transaction — still all-or-nothing, idempotent, and equal to an import in a single chunk
(SQLite and PostgreSQL). The chunk size is lowered so the files stay small."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from dashboard.core import schema
from dashboard.writers.importing import importer
from tests.conftest import new_database
from tests.import_helpers import (
    MESSAGES_HEADER,
    PAGES_HEADER,
    STATS_HEADER,
    csv_bytes,
    dump,
    load_pages,
    log_rows,
    run,
    xlsx_bytes,
)
from tests.test_import_db import assert_summaries_match_a_full_rebuild

CHUNK = 40
URLS = ["https://vk.com/club101", "https://vk.com/club102", "https://ok.ru/group/555"]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", CHUNK)


def message_rows(n: int) -> list[list[str]]:
    """``n`` messages over three pages and 20 days; every third one unanswered."""
    rows = []
    for i in range(n):
        day = 1 + i % 20
        answered = i % 3 != 0
        rows.append([f"s{i}", URLS[i % 3], f"{day:02d}.10.2026 {8 + i % 10:02d}:15", ["Дороги", "ЖКХ"][i % 2],
                     f"{day:02d}.10.2026 {9 + i % 10:02d}:40" if answered else "",
                     "дан ответ" if answered else "новое", "да" if i % 5 == 0 else "нет"])
    return rows


def messages_in_db(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.message)).scalar()


def test_a_bad_row_in_the_last_chunk_leaves_the_database_unchanged(engine, small_chunks):
    load_pages(engine)
    assert run(engine, "messages", csv_bytes(MESSAGES_HEADER, message_rows(30))).ok
    before = dump(engine)
    rows = message_rows(230)
    rows[-1][2] = "31.02.2026 10:00"  # row 231 of the file, in the sixth chunk of 40
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.column, e.value) for e in result.errors] == [(231, "Дата поступления", "31.02.2026 10:00")]
    assert dump(engine) == before  # the first five chunks were written and rolled back, summaries too
    assert [r.status for r in log_rows(engine)][-1] == "rejected"


def test_a_key_repeated_in_another_chunk_is_reported_and_nothing_is_written(engine, small_chunks):
    load_pages(engine)
    before = dump(engine)
    rows = message_rows(150)
    rows[120][0] = rows[3][0]  # the same message ID at rows 5 and 122, three chunks apart
    rows[121][0] = rows[120][0]  # and once more within the chunk
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.message) for e in result.errors] == [
        (122, "Сообщение с этим ID уже есть в строке 5: в файле она должна быть один раз"),
        (123, "Сообщение с этим ID уже есть в строке 5: в файле она должна быть один раз"),
    ]
    assert dump(engine) == before


def test_a_second_streaming_import_of_the_same_file_changes_nothing(engine, small_chunks):
    load_pages(engine)
    data = csv_bytes(MESSAGES_HEADER, message_rows(170))
    first = run(engine, "messages", data)
    assert (first.ok, first.added, first.updated, first.unchanged) == (True, 170, 0, 0)
    after_first = dump(engine)
    second = run(engine, "messages", data)
    assert (second.ok, second.added, second.updated, second.unchanged) == (True, 0, 0, 170)
    assert dump(engine) == after_first
    assert messages_in_db(engine) == 170


def test_an_xlsx_longer_than_a_chunk_is_all_or_nothing_too(engine, small_chunks):
    load_pages(engine)
    rows = message_rows(100)
    rows[95][4] = "01.01.2020 00:00"  # answered before received, row 97
    before = dump(engine)
    result = run(engine, "messages", xlsx_bytes({"Обращения": [MESSAGES_HEADER, *rows]}), "m.xlsx")
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(97, "Дата ответа")]
    assert dump(engine) == before


def contents(engine) -> dict:
    """Every table but the log and the update time; summary rows without their surrogate ids."""
    out = dump(engine, skip=("import_log", "meta"))
    with engine.connect() as conn:
        for t in (schema.msg_daily, schema.msg_daily_mp, schema.msg_daily_pt, schema.subs_daily):
            cols = [c for c in t.c if c.name != "id"]
            out[t.name] = sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
    return out


def _one_chunk_vs_many(tmp_path, monkeypatch, kind: str, header: list, rows: list[list]):
    """Dumps after importing the file at once and in chunks of 7 rows, into two fresh databases."""
    dumps = []
    for chunk in (10_000, 7):
        monkeypatch.setattr(importer, "CHUNK_ROWS", chunk)
        sub = tmp_path / str(chunk)
        sub.mkdir(parents=True)
        engine, cleanup = new_database("sqlite", sub)
        try:
            load_pages(engine)
            assert run(engine, "messages", csv_bytes(MESSAGES_HEADER, message_rows(20))).ok
            result = run(engine, kind, csv_bytes(header, rows))
            assert result.ok, result.report()
            dumps.append((contents(engine), result.added, result.updated, result.unchanged, result.notes))
        finally:
            cleanup()
    return dumps


def test_chunks_give_the_same_database_as_one_pass(tmp_path, monkeypatch):
    # messages: new and changed rows over many days (the summaries are refreshed once, at the end)
    rows = message_rows(60)
    rows[5][5] = "закрыто"
    rows[5][4] = ""
    one, many = _one_chunk_vs_many(tmp_path / "m", monkeypatch, "messages", MESSAGES_HEADER, rows)
    assert one == many
    assert one[1:4] == (40, 1, 19)  # s0..s19 were stored before: one of them changed
    assert len(one[0]["msg_daily"]) > 20

    # stats: snapshots over weeks, subscriber summaries from the earliest date written
    stats = [[URLS[i % 3], f"{1 + i // 3:02d}.10.2026", str(1000 + 7 * i), str(i % 4)] for i in range(45)]
    one, many = _one_chunk_vs_many(tmp_path / "s", monkeypatch, "stats", STATS_HEADER, stats)
    assert one == many and one[1] == 45

    # pages: organisations created in one chunk are found by the next; the first row decides
    pages = [["Баганский район" if i % 2 else "город Бердск", f"Организация {i % 5}", "ВКонтакте",
              f"https://vk.com/club{900 + i}", f"Страница {i}", "да"] for i in range(30)]
    one, many = _one_chunk_vs_many(tmp_path / "p", monkeypatch, "pages", PAGES_HEADER, pages)
    assert one == many
    assert one[4] == ["Создано организаций: 5."]


def test_progress_reports_rows_done_and_the_share_of_the_file_read(sqlite_engine, small_chunks):
    load_pages(sqlite_engine)
    steps: list[tuple[float, str]] = []
    result = run(sqlite_engine, "messages", csv_bytes(MESSAGES_HEADER, message_rows(100)),
                 progress=lambda share, text: steps.append((share, text)))
    assert result.ok
    shares = [share for share, _ in steps]
    assert shares == sorted(shares) and shares[-1] == 1.0
    texts = [text.replace("\xa0", " ") for _, text in steps]
    assert [t for t in texts if t.startswith("Строк")] == [
        "Строк проверено и записано в транзакцию: 40…",
        "Строк проверено и записано в транзакцию: 80…",
        "Строк проверено и записано в транзакцию: 100…",
    ]
    assert texts[-2:] == ["Обновление сводных таблиц…", "Готово"]

    steps.clear()
    rows = message_rows(100)
    rows[10][2] = "вчера"
    assert not run(sqlite_engine, "messages", csv_bytes(MESSAGES_HEADER, rows),
                   progress=lambda share, text: steps.append((share, text))).ok
    assert [t.replace("\xa0", " ") for _, t in steps if t.startswith("Строк")][-1] == "Строк проверено: 100…"


# --- the check of chunk k+1 runs in another thread while chunk k is written ----------------------

@pytest.fixture
def slow_writes(monkeypatch):
    """Each chunk's plan waits until the check of the next chunk has surely finished, so the
    problems of chunk k+1 are found before those chunk k's plan finds (the order to keep)."""
    kind = importer.KINDS["messages"]
    plan = kind.plan

    def late_plan(*args, **kwargs):
        time.sleep(0.3)
        return plan(*args, **kwargs)

    monkeypatch.setattr(kind, "plan", late_plan)


def test_problems_found_ahead_are_listed_in_file_order_and_nothing_is_written(engine, small_chunks,
                                                                                slow_writes):
    load_pages(engine)
    before = dump(engine)
    rows = message_rows(130)
    rows[8][4] = "01.01.2020 00:00"   # row 10, chunk 1: answered before received (found by the plan)
    rows[60][2] = "32.10.2026 10:00"  # row 62, chunk 2: no such date (found by the check, ahead)
    rows[100][3] = "Погода"           # row 102, chunk 3: no such topic
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (10, "Дата ответа", "01.01.2020 00:00"),
        (62, "Дата поступления", "32.10.2026 10:00"),
        (102, "Тема", "Погода"),
    ]
    assert result.headline().endswith("Найдено: 3 ошибки в 3 строках.")
    assert dump(engine) == before
    assert [r.status for r in log_rows(engine)][-1] == "rejected"


def test_a_file_error_read_ahead_is_reported_after_the_rows_before_it(engine, small_chunks, slow_writes):
    """The reading thread meets a cell longer than any cell may be in chunk 3 while chunk 1 is
    written: chunk 1's problem is still listed first, the file's after it; nothing is written."""
    load_pages(engine)
    before = dump(engine)
    rows = message_rows(130)
    rows[8][4] = "01.01.2020 00:00"  # row 10, chunk 1
    rows[100][3] = "Дороги " * 5000  # row 102, chunk 3: 35 000 characters
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(10, "Дата ответа"), (None, None)]
    assert result.errors[1].message.startswith("Строка 102, столбец № 4: значение длиной 35\xa0000 символов")
    assert dump(engine) == before


def test_pages_named_by_id_are_looked_up_from_the_check_thread(engine, small_chunks, slow_writes):
    """Pages named by ID are looked up one by one as the check meets them — from the checking
    thread, on the import's connection, while the chunk before is written (under a lock)."""
    load_pages(engine)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(schema.page.c.url, schema.page.c.external_id)).all())
    header = ["ID сообщения", "Площадка", "ID страницы", "Дата поступления", "Тема", "Дата ответа"]
    rows = []
    for i in range(120):
        url = URLS[0] if i < CHUNK else URLS[i % 3]  # the other pages first appear in chunk 2
        rows.append([f"p{i}", "ok" if "ok.ru" in url else "vk", ids[url], f"{1 + i % 20:02d}.10.2026 10:00",
                     "Дороги", f"{1 + i % 20:02d}.10.2026 12:30" if i % 2 else ""])
    result = run(engine, "messages", csv_bytes(header, rows))
    assert (result.ok, result.added) == (True, 120), result.report()
    with engine.connect() as conn:
        per_page = dict(conn.execute(select(schema.page.c.url, func.count()).join_from(
            schema.message, schema.page, schema.message.c.page_id == schema.page.c.id).group_by(schema.page.c.url)).all())
    assert per_page == {URLS[0]: 40 + 26, URLS[1]: 27, URLS[2]: 27}
    assert_summaries_match_a_full_rebuild(engine)


def test_the_next_chunk_is_checked_once_this_one_is_down_to_the_databases_work(sqlite_engine, small_chunks,
                                                                                monkeypatch):
    """The other thread starts on chunk k+1 only when chunk k's rows are staged (what is left is
    INSERT … SELECT and the sums, run without Python's lock), never while they are being staged
    row by row; every chunk is checked before it is planned."""
    from dashboard.writers.importing import bulk, kinds

    load_pages(sqlite_engine)
    events: list[tuple[str, int]] = []
    check, insert = kinds.check_chunk, bulk.insert_columns

    def checking(handler, header, chunk, *args):
        events.append(("check", chunk[0][0]))
        return check(handler, header, chunk, *args)

    def staging(conn, table, columns, prepared=None):
        events.append(("staged", -1))
        insert(conn, table, columns, prepared)
        events.append(("staged", len(columns["external_id"])))

    monkeypatch.setattr(importer, "check_chunk", checking)
    monkeypatch.setattr(bulk, "insert_columns", staging)
    result = run(sqlite_engine, "messages", csv_bytes(MESSAGES_HEADER, message_rows(130)))
    assert (result.ok, result.added) == (True, 130), result.report()
    # chunks start at rows 2, 42, 82, 122; the first is checked before anything is written
    assert events == [("check", 2), ("staged", -1), ("staged", 40), ("check", 42), ("staged", -1), ("staged", 40),
                      ("check", 82), ("staged", -1), ("staged", 40), ("check", 122), ("staged", -1), ("staged", 10)]


def test_an_in_memory_sqlite_database_is_checked_in_turn(small_chunks):
    """An in-memory SQLite connection may only be used by the thread that opened it: there the
    chunks are read and checked in the importer's own thread, pages named by ID included."""
    from dashboard.core import migrate
    from dashboard.core.db import make_engine

    engine = make_engine("sqlite://")
    try:
        migrate.upgrade(engine)
        load_pages(engine)
        header = ["ID сообщения", "Площадка", "ID страницы", "Дата поступления", "Тема"]
        rows = [[f"p{i}", "vk", "club101" if i < CHUNK else "club102", "01.10.2026 10:00", "Дороги"]
                for i in range(100)]
        result = run(engine, "messages", csv_bytes(header, rows))
        assert (result.ok, result.added) == (True, 100), result.report()
        assert messages_in_db(engine) == 100
    finally:
        engine.dispose()


def test_a_new_chunk_is_made_ready_for_the_driver_in_the_checking_thread(engine, small_chunks, monkeypatch):
    """PostgreSQL: the rows of a chunk the database holds none of are derived and turned into
    COPY's text by the thread that checks ahead, while the chunk before is written; the writing
    thread only sends them. SQLite: the writing thread builds its rows, as before. Either way
    the rows arrive as before."""
    import threading

    from dashboard.writers.importing import bulk

    load_pages(engine)
    threads: list[str] = []
    prepare = bulk.prepare

    def preparing(postgres, table, columns):
        threads.append(threading.current_thread().name)
        return prepare(postgres, table, columns)

    monkeypatch.setattr(bulk, "prepare", preparing)
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, message_rows(130)))
    assert (result.ok, result.added) == (True, 130), result.report()
    ahead = engine.dialect.name == "postgresql"
    assert len(threads) == 4 and all(name.startswith("import-check") == ahead for name in threads), threads
    assert messages_in_db(engine) == 130
    assert_summaries_match_a_full_rebuild(engine)


def test_a_chunk_with_stored_rows_is_planned_in_the_writing_thread_and_reports_each_problem_once(
        engine, small_chunks):
    """A chunk that names stored messages is planned against them (the rows built ahead for an
    all-new chunk are not used): the stored rows are compared, the new ones inserted, and a new
    row's problem is reported once, with its row."""
    load_pages(engine)
    assert run(engine, "messages", csv_bytes(MESSAGES_HEADER, message_rows(20))).ok
    rows = message_rows(60)                    # rows 2–21 of the file are stored, 22–61 new
    rows[30][4] = "01.01.2020 00:00"           # row 32: answered before it was received
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (32, "Дата ответа", "дата ответа раньше даты поступления")]
    assert messages_in_db(engine) == 20
    del rows[30]
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert (result.ok, result.added, result.unchanged) == (True, 39, 20), result.report()
    assert messages_in_db(engine) == 59
    assert_summaries_match_a_full_rebuild(engine)
