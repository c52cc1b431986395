"""The column-wise check of message chunks (importing/columnar.py) against the per-row one.

The fast path must accept exactly what the per-row parsers accept, give the same values, and
leave every problem to the per-row check, which words it with the right row and column —
also in a later chunk of a file read in several. Hand-picked cells plus seeded random ones.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import pytest

from dashboard.core import schema
from dashboard.core.message_fields import Zone, message_times, message_times_arrays
from dashboard.core.settings import Settings
from dashboard.writers.importing import importer
from dashboard.writers.importing.columnar import BAD, Columns
from dashboard.writers.importing.columns import MESSAGES, match_header
from dashboard.writers.importing.rows import Problems, RowReader, SeenKeys
from dashboard.writers.importing.values import parse_datetime
from tests.conftest import new_database
from tests.import_helpers import MESSAGES_HEADER, csv_bytes, dump, load_pages, run

TZ = Settings().tz
CHUNK = 25
URLS = ["https://vk.com/club101", "https://vk.com/club102", "https://ok.ru/group/555"]


def columns(header: list, rows: list[list]) -> Columns:
    h = match_header(1, header, MESSAGES)
    return Columns(h, [(i + 2, r) for i, r in enumerate(rows)])


MOMENTS = [
    "02.11.2026 08:15", "29.02.2024 23:59", "31.12.2026 00:00", "01.01.1990 00:00",
    "29.02.2026 10:00", "31.04.2026 10:00", "00.01.2026 10:00", "10.13.2026 10:00", "10.10.2026 24:00",
    "10.10.2026 23:60", "10.10.0000 10:00", "1.11.2026 08:15", "02.11.2026 8:15", "02.11.2026 08:15:30",
    " 02.11.2026 08:15", "02.11.26 08:15", "2026-11-02T08:15:00+03:00", "2026-11-02 08:15", "46000",
    "46000.5", "02/11/2026 08:15", "02.11.2026T08:15", "вчера", "", "-", "нет данных", None,
    datetime(2026, 11, 2, 8, 15, 30), datetime(2026, 11, 2, 8, 15, 30, 999_999), datetime(1960, 1, 1, 0, 0, 0, 500),
    datetime(2026, 11, 2, 8, 15, tzinfo=timezone.utc), date(2026, 11, 2), time(8, 15), 46000.25, "٠٢.١١.٢٠٢٦ ٠٨:١٥",
]


def per_cell(v):
    try:
        return parse_datetime(v, TZ)
    except ValueError:
        return BAD


@pytest.mark.parametrize("required", [False, True])
def test_moments_equal_parse_datetime_cell_by_cell(required):
    cols = columns(MESSAGES_HEADER, [["m", URLS[0], v] for v in MOMENTS])
    got = cols.moments("received_at", TZ, required=required)
    for i, v in enumerate(MOMENTS):
        want = per_cell(v)
        if want is None and required:
            want = BAD
        if want is BAD:
            assert not cols.ok[i], v
            assert np.isnat(got[i]), v
        else:
            assert cols.ok[i], v
            assert (None if np.isnat(got[i]) else got[i].item()) == want, v


def test_moments_of_random_usual_cells_equal_parse_datetime():
    rnd = random.Random(11)
    cells = [f"{rnd.randint(0, 32):02d}.{rnd.randint(0, 13):02d}.{rnd.randint(1999, 2031)} "
             f"{rnd.randint(0, 25):02d}:{rnd.randint(0, 61):02d}" for _ in range(3000)]
    cols = columns(MESSAGES_HEADER, [["m", URLS[0], v] for v in cells])
    got = cols.moments("received_at", TZ, required=True)
    for i, v in enumerate(cells):
        want = per_cell(v)
        assert (BAD if np.isnat(got[i]) else got[i].item()) == want, v
        assert cols.ok[i] == (want is not BAD)


def test_by_value_tells_apart_cells_equal_as_python_values():
    """1, 1.0 and True are one dict key; as cells they are checked apart (True is no rating)."""
    header = ["ID сообщения", "Ссылка на страницу", "Дата поступления", "Тема", "Оценка"]
    cols = columns(header, [["m", URLS[0], "", "", v] for v in (1, True, 1.0, "1", "да", 2)])
    from dashboard.writers.importing.values import parse_satisfaction
    got = cols.by_value(("satisfaction",), lambda r: r.get("satisfaction", parse_satisfaction))
    assert got == [1, BAD, 1, 1, 1, BAD]
    assert cols.ok.tolist() == [True, False, True, True, True, False]


def test_identifiers_equal_the_per_row_text_check():
    ids = ["m1", "  m2 ", "a b", "-", "", None, "x" * 64, "x" * 65, 17, 17.0, 17.5, "нет данных", True, -5, "a\u00a0b",
           "N/A", "null", "Ёж-1"]
    cols = columns(MESSAGES_HEADER, [[v, URLS[0]] for v in ids])
    got = cols.identifiers("external_id", 64)
    want = []
    for v in ids:
        problems = Problems()
        value = RowReader(cols.header, 2, [v], problems).text("external_id", 64, required=True)
        want.append(BAD if problems else value)
    assert got == want
    assert got[:4] == ["m1", "m2", "a b", BAD] and got[8] == "17"
    assert cols.ok.tolist() == [v is not BAD for v in want]


def test_message_times_arrays_equal_message_times():
    rnd = random.Random(5)
    start = datetime(2025, 12, 20)
    received = [start + timedelta(minutes=rnd.randint(0, 60 * 24 * 40)) for _ in range(2000)]
    response = [None if rnd.random() < 0.3 else r + timedelta(minutes=rnd.randint(-30, 60 * 24 * 9))
                for r in received]
    rec = np.array(received, dtype="datetime64[s]")
    resp = np.array([np.datetime64("NaT") if r is None else np.datetime64(r, "s") for r in response],
                    dtype="datetime64[s]")
    got = message_times_arrays(rec, resp, Zone.covering(TZ, rec, resp))
    for i, (r, a) in enumerate(zip(received, response)):
        want = message_times(r, a, TZ)
        assert got["received_day"][i].item() == want["received_day"]
        assert got["received_hour"][i] == want["received_hour"]
        assert (None if a is None else got["response_minutes"][i]) == want["response_minutes"]
        assert (None if a is None else got["response_work_minutes"][i]) == want["response_work_minutes"]


def test_seen_keys_report_the_later_row_across_chunks():
    seen = SeenKeys()
    assert seen.repeated([("vk", "a"), ("vk", "b"), ("vk", "a")], [2, 3, 4]) == {2: 2}
    assert seen.repeated([("vk", "c"), ("vk", "b"), ("ok", "a")], [5, 6, 7]) == {1: 3}


# --- through the importer: row and column of a problem in a later chunk --------------------------

@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", CHUNK)


def message_rows(n: int) -> list[list[str]]:
    return [[f"c{i}", URLS[i % 3], f"{1 + i % 20:02d}.10.2026 {8 + i % 10:02d}:15", ["Дороги", "ЖКХ"][i % 2],
             f"{1 + i % 20:02d}.10.2026 {9 + i % 10:02d}:40" if i % 3 else "",
             "дан ответ" if i % 3 else "новое", "да" if i % 5 == 0 else "нет"] for i in range(n)]


@pytest.mark.parametrize("index, value, column, message", [
    (2, "32.10.2026 10:00", "Дата поступления", "такой даты или времени не бывает"),
    (1, "https://vk.com/club999", "Ссылка на страницу",
     "страница с такой ссылкой не найдена в реестре; сначала импортируйте страницы"),
    (6, "может быть", "Фотоотчёт", "ожидалось «да» или «нет» (также 1/0, true/false)"),
    (3, "Погода", "Тема", "неизвестная тема; допустимые темы: "),
    (4, "01.10.2026 07:00", "Дата ответа", "дата ответа раньше даты поступления"),
])
def test_a_problem_in_a_later_chunk_names_its_row_and_column(engine, small_chunks, index, value, column, message):
    load_pages(engine)
    before = dump(engine)
    rows = message_rows(90)
    rows[77][index] = value  # row 79 of the file, in the fourth chunk of 25
    if index == 4:
        rows[77][5] = "дан ответ"
    result = run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.column, e.value) for e in result.errors] == [(79, column, value)]
    assert result.errors[0].message.startswith(message)
    assert dump(engine) == before


@pytest.mark.parametrize("closing", [False, True])
def test_clean_chunks_write_the_same_as_one_by_one(engine, small_chunks, monkeypatch, tmp_path, closing):
    """A file imported column-wise gives the same rows as the per-row path (the chunk check
    switched off), including derived times, statuses, closing moments and the summaries."""
    from dashboard.writers.importing import kinds

    load_pages(engine)
    rows = message_rows(70)
    rows[5][5], rows[6][5], rows[7][6] = "", "в работе", ""
    header = MESSAGES_HEADER
    if closing:  # every sixth message closed without an answer, one of them with no status given
        header = [*MESSAGES_HEADER, "Дата закрытия"]
        for i, r in enumerate(rows):
            r.append(f"{1 + i % 20:02d}.10.2026 23:00" if i % 6 == 0 else "")
            if i % 6 == 0:
                r[5] = "" if i == 30 else "закрыто без ответа"
    changed = [list(r) for r in rows[:50]]  # a second file: stored rows again, some changed
    for i in range(0, 50, 4):
        changed[i][3] = "Транспорт"
        changed[i][4], changed[i][5] = ("", "в работе") if i % 8 else ("02.11.2026 10:00", "дан ответ")
        changed[i][7:] = [""] * len(changed[i][7:])  # reopened or answered: no closing moment
    changed += message_rows(80)[70:]
    files = [csv_bytes(header, rows), csv_bytes(header, changed)]
    for data in files:
        assert run(engine, "messages", data).ok

    (tmp_path / "slow").mkdir()
    other, cleanup = new_database(engine.dialect.name, tmp_path / "slow")
    try:
        load_pages(other)
        monkeypatch.delattr(kinds.MessagesKind, "check_chunk")
        results = [run(other, "messages", data) for data in files]
        assert [(r.added, r.updated, r.unchanged) for r in results] == [(70, 0, 0), (10, 13, 37)]
        slow = dump(other, skip=("import_log", "meta"))
    finally:
        cleanup()
    assert dump(engine, skip=("import_log", "meta")) == slow
    assert len(slow["message"]) == 80
    statuses = [r[schema.message.c.keys().index("status")] for r in slow["message"]]
    assert statuses.count("closed") == (7 if closing else 0)  # 12, less the 5 reopened or answered



# --- XLSX rows of plain cells read without openpyxl's cell parser --------------------------------

def _book_rows(data: bytes, monkeypatch=None) -> list:
    from dashboard.writers.importing import read

    if monkeypatch is not None:
        monkeypatch.setattr(read, "_plain_row", lambda *a: None)  # every row through openpyxl's parser
    return read.read_rows(data, "book.xlsx")


def test_plain_xlsx_rows_equal_openpyxl(monkeypatch, tmp_path):
    from dashboard.writers.importing.values import Uncomputed
    from tests.big_files import write_xlsx
    from tests.import_helpers import xlsx_bytes

    rows = [["ID", "Число", "Дробь", "Дата", "Да/нет", "Текст", None, "Формула"],
            ["a1", 17, 2.5, datetime(2026, 11, 2, 8, 15), True, "Дороги", None, "=1+1"],
            ["a2", -3, 1e20, date(2026, 11, 2), False, "  с пробелами ", "x", None],
            [None, None, None, None, None, None, None, "хвост"],
            ["a3", 0, 0.0, "02.11.2026 08:15", None, "", None, 5]]
    book = xlsx_bytes({"Лист": rows})
    fast = _book_rows(book)
    assert fast == _book_rows(book, monkeypatch)
    # a formula with no cached value: kept as such (values.Uncomputed), refused if imported
    assert fast[1] == (2, ["a1", 17, 2.5, datetime(2026, 11, 2, 8, 15), True, "Дороги", None, Uncomputed("=1+1")])
    monkeypatch.undo()
    streamed = write_xlsx(tmp_path / "inline.xlsx", [["ID", "N"], ["b1", 3], ["", 4.25], ["b3", "текст & <знаки>"]])
    data = streamed.read_bytes()
    fast = _book_rows(data)
    assert fast == _book_rows(data, monkeypatch)
    assert fast == [(1, ["ID", "N"]), (2, ["b1", 3]), (3, [None, 4.25]), (4, ["b3", "текст & <знаки>"])]


# --- stats: whole numbers column-wise, a chunk's snapshots against the per-row check -----------------

INTEGERS = ["0", "7", "1234", "00012", "123456789012345678", "1234567890123456789", "1 234", "1\u00a0234",
            "12.0", "12,00", "12.5", "-1", "-0", " 5", "5 ", "abc", "", "-", "нет данных", None, 5, 0, -3, 5.0,
            5.5, -2.0, 1e20, float("nan"), True, False, "٣", "²", "1" * 30, "+5"]


def per_int(v):
    from dashboard.writers.importing.values import parse_int

    try:
        return parse_int(v)
    except ValueError:
        return BAD


@pytest.mark.parametrize("required", [False, True])
def test_integers_equal_parse_int_cell_by_cell(required):
    from dashboard.writers.importing.columns import STATS

    h = match_header(1, ["Ссылка", "Дата", "Подписчики"], STATS)
    cols = Columns(h, [(i + 2, [URLS[0], "02.11.2026", v]) for i, v in enumerate(INTEGERS)])
    got = cols.integers("subscribers", required=required)
    for i, v in enumerate(INTEGERS):
        want = per_int(v)
        if want is None and required:
            want = BAD
        assert (got[i], bool(cols.ok[i])) == (want, want is not BAD), v
        assert got[i] is BAD or got[i] is None or got[i].__class__ is int, v


STATS_URLS = [*URLS, "https://t.me/nso_gov"]
STATS_COLUMNS = ["Ссылка", "Дата", "Подписчики", "Публикации", "Просмотры", "Лайки", "Последняя публикация"]


def stats_rows(dates: int) -> list[list[str]]:
    """Every registered page on ``dates`` weekly dates, date by date."""
    days = [date(2026, 6, 1) + timedelta(weeks=d) for d in range(dates)]
    return [[url, on.strftime("%d.%m.%Y"), str(1000 + 37 * k + d), str(k + d), "" if k == 1 else str(100 * d),
             str(d), (on - timedelta(days=1)).strftime(f"%d.%m.%Y {10 + k}:30") if k % 2 == 0 else ""]
            for d, on in enumerate(days) for k, url in enumerate(STATS_URLS)]


@pytest.mark.parametrize("index, value, column, message", [
    (0, "https://vk.com/club999", "Ссылка", "страница с такой ссылкой не найдена в реестре"),
    (1, "31.11.2026", "Дата", "такой даты"),
    (2, "-5", "Подписчики", "число не может быть отрицательным"),
    (2, "", "Подписчики", "не заполнено"),
    (3, "3,5", "Публикации", "ожидалось целое число"),
    (6, "вчера", "Последняя публикация", ""),
])
def test_a_stats_problem_in_a_later_chunk_names_its_row_and_column(engine, small_chunks, index, value, column,
                                                                   message):
    load_pages(engine)
    before = dump(engine)
    rows = stats_rows(20)  # 80 rows: four chunks of 25
    rows[77][index] = value  # row 79 of the file
    result = run(engine, "stats", csv_bytes(STATS_COLUMNS, rows))
    assert not result.ok
    assert [(e.row, e.column, e.value) for e in result.errors] == [(79, column, value)]
    assert message in result.errors[0].message
    assert dump(engine) == before


def test_a_repeated_snapshot_is_reported_at_its_later_row(engine, small_chunks):
    load_pages(engine)
    rows = stats_rows(20)
    rows[60] = list(rows[3])  # the snapshot of row 5 again at row 62, in the third chunk
    result = run(engine, "stats", csv_bytes(STATS_COLUMNS, rows))
    assert [(e.row, e.column) for e in result.errors] == [(62, "Дата")]
    assert "строке 5" in result.errors[0].message


def test_clean_stats_chunks_write_the_same_as_one_by_one(engine, small_chunks, monkeypatch, tmp_path):
    """A stats file imported column-wise gives the same rows, pages' latest figures and
    summaries as the per-row path (the chunk check switched off); also a second file of the
    same snapshots, some changed, and new ones."""
    from dashboard.writers.importing import kinds

    load_pages(engine)
    first = stats_rows(12)
    second = [list(r) for r in first[:30]] + stats_rows(16)[48:]
    for i in range(0, 30, 4):
        second[i][2] = str(int(second[i][2]) + 5)
    files = [csv_bytes(STATS_COLUMNS, first), csv_bytes(STATS_COLUMNS, second)]
    fast = [run(engine, "stats", data) for data in files]

    (tmp_path / "slow").mkdir()
    other, cleanup = new_database(engine.dialect.name, tmp_path / "slow")
    try:
        load_pages(other)
        monkeypatch.delattr(kinds.StatsKind, "check_chunk")
        slow_results = [run(other, "stats", data) for data in files]
        slow = dump(other, skip=("import_log", "meta"))
    finally:
        cleanup()
    counts = [(r.ok, r.added, r.updated, r.unchanged) for r in fast]
    assert counts == [(r.ok, r.added, r.updated, r.unchanged) for r in slow_results]
    assert counts == [(True, 48, 0, 0), (True, 16, 8, 22)]
    assert dump(engine, skip=("import_log", "meta")) == slow
    assert len(slow["page_stats"]) == 64
