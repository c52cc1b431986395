"""Bad files: each problem is reported with row, column and value, and nothing is written."""

import pytest

from dashboard.core.db import DatabaseUnavailable, make_engine
from dashboard.core.settings import Settings
from dashboard.writers.importing.importer import import_file
from tests.import_helpers import (
    MESSAGES_HEADER,
    MESSAGES_ROWS,
    PAGES_HEADER,
    PAGES_ROWS,
    STATS_HEADER,
    csv_bytes,
    dump,
    load_pages,
    log_rows,
    run,
    xlsx_bytes,
)


@pytest.fixture
def db(sqlite_engine):
    load_pages(sqlite_engine)
    assert run(sqlite_engine, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS)).ok
    return sqlite_engine


def rejected(engine, kind, data, name="bad.csv", **kw):
    """Import a bad file; check it changed nothing but the log, and return the result."""
    before, n_log = dump(engine), len(log_rows(engine))
    result = run(engine, kind, data, name, **kw)
    assert not result.ok
    assert dump(engine) == before
    log = log_rows(engine)
    assert len(log) == n_log + 1
    assert (log[-1].status, log[-1].file_name, log[-1].kind) == ("rejected", name, kind)
    assert log[-1].rows_rejected == result.rows_rejected
    return result


def only_error(result):
    assert result.error_count == 1, result.report()
    e = result.errors[0]
    return e.row, e.column, e.value, e.message


def with_row(rows, i, col, value):
    rows = [list(r) for r in rows]
    rows[i][col] = value
    return rows


@pytest.mark.parametrize("i, col, value, column, fragment", [
    (1, 2, "31.02.2026 10:00", "Дата поступления", "такой даты"),
    (1, 2, "", "Дата поступления", "не заполнено"),
    (2, 3, "Космос", "Тема", "допустимые темы: «Дороги», «ЖКХ»"),
    (0, 1, "https://vk.com/club999", "Ссылка на страницу", "не найдена в реестре"),
    (0, 1, "https://example.com/page", "Ссылка на страницу", "vk.com, vk.ru, ok.ru, max.ru или t.me"),
    (0, 1, "https://t.me/nso_gov", "Ссылка на страницу", "только публикации"),
    (1, 5, "потеряно", "Статус", "неизвестный статус"),
    (1, 5, "дан ответ", "Дата ответа", "статус «дан ответ», но нет даты ответа"),
    (0, 4, "01.11.2026 10:00", "Дата ответа", "раньше даты поступления"),
    (0, 6, "может быть", "Фотоотчёт", "«да» или «нет»"),
    (2, 0, "m1", "ID сообщения", "уже есть в строке 2"),
])
def test_bad_message_cells(db, i, col, value, column, fragment):
    rows = with_row(MESSAGES_ROWS, i, col, value)
    row, got_column, got_value, message = only_error(rejected(db, "messages", csv_bytes(MESSAGES_HEADER, rows)))
    shown = rows[i][MESSAGES_HEADER.index(column)]  # the cell of the column the problem is reported in
    assert (row, got_column, got_value) == (i + 2, column, shown)  # header is row 1
    assert fragment in message


@pytest.mark.parametrize("status, closed, fragment", [
    ("новое", "10.11.2026 10:00", "не «закрыто без ответа»"),
    ("закрыто без ответа", "01.11.2026 10:00", "раньше даты поступления"),
    ("закрыто без ответа", "когда-то", "ожидались дата и время"),
])
def test_bad_closing_moment(db, status, closed, fragment):
    header = [*MESSAGES_HEADER, "Дата закрытия"]
    rows = [[*r, ""] for r in MESSAGES_ROWS]
    rows[1][5], rows[1][7] = status, closed
    row, column, value, message = only_error(rejected(db, "messages", csv_bytes(header, rows)))
    assert (row, column, value) == (3, "Дата закрытия", closed)
    assert fragment in message


@pytest.mark.parametrize("i, col, value, column, fragment", [
    (0, 0, "Москва", "Муниципалитет", "не найден"),
    (1, 1, "", "Организация", "не заполнено"),
    (1, 2, "Одноклассники", "Площадка", "ссылка ведёт на ВКонтакте"),
    (1, 3, "https://vk.com/club101", "Ссылка", "уже есть в строке 2"),
    (0, 5, "наверное", "Госметка", "«да» или «нет»"),
])
def test_bad_page_cells(db, i, col, value, column, fragment):
    rows = with_row(PAGES_ROWS, i, col, value)
    row, got_column, got_value, message = only_error(rejected(db, "pages", csv_bytes(PAGES_HEADER, rows)))
    assert (row, got_column, got_value) == (i + 2, column, value)
    assert fragment in message


@pytest.mark.parametrize("row, column, value, fragment", [
    (["https://vk.com/club101", "09.11.2026", "-5"], "Подписчики", "-5", "отрицательным"),
    (["https://vk.com/club101", "09.11.2026", "много"], "Подписчики", "много", "целое число"),
    (["https://vk.com/club101", "не дата", "5"], "Дата", "не дата", "ожидалась дата"),
    (["", "09.11.2026", "5"], "Ссылка", "", "укажите ссылку или ID"),
])
def test_bad_stats_cells(db, row, column, value, fragment):
    good = ["https://vk.com/club102", "09.11.2026", "100"]
    result = rejected(db, "stats", csv_bytes(STATS_HEADER[:3], [good, row]))
    assert only_error(result)[:3] == (3, column, value)
    assert fragment in result.errors[0].message


def test_xlsx_errors_name_the_excel_row(db):
    rows = [["Выгрузка"], [], MESSAGES_HEADER, *with_row(MESSAGES_ROWS, 2, 2, "позавчера")]
    result = rejected(db, "messages", xlsx_bytes({"Лист1": rows}), "bad.xlsx")
    assert only_error(result)[:3] == (6, "Дата поступления", "позавчера")


def test_every_problem_is_counted_and_the_first_50_listed(db):
    rows = [[f"x{i}", "https://vk.com/club101", "вчера", "Луна"] for i in range(40)]
    result = rejected(db, "messages", csv_bytes(MESSAGES_HEADER[:4], rows))
    assert (result.error_count, len(result.errors), result.rows_rejected) == (80, 50, 40)
    report = result.report()
    assert "Найдено: 80 ошибок в 40 строках" in report
    assert "…и ещё 30 ошибок (показаны первые 50)" in report
    assert report.count("Строка ") == 50


def test_good_rows_are_not_written_when_one_row_is_bad(db):
    rows = [["m9", "https://vk.com/club101", "10.11.2026 10:00", "Дороги"],
            ["m10", "https://vk.com/club101", "10.11.2026 11:00", "Дороги"],
            ["m11", "https://vk.com/club101", "10.11.2026 12:00", "Нет такой"]]
    result = rejected(db, "messages", csv_bytes(MESSAGES_HEADER[:4], rows))
    assert only_error(result)[0] == 4


@pytest.mark.parametrize("kind, data, name, fragment", [
    ("messages", b"", "empty.csv", "Файл пустой"),
    ("messages", b"\r\n;;;\r\n", "blank.csv", "Файл пустой"),
    ("messages", csv_bytes(MESSAGES_HEADER, []), "header.csv", "только заголовок"),
    ("messages", csv_bytes(["Дата", "Текст"], [["1", "2"]]), "other.csv",
     "нет столбцов «ID сообщения», «Тема», «Ссылка на страницу» или «ID страницы»"),
    ("stats", csv_bytes(PAGES_HEADER, PAGES_ROWS), "pages.csv", "В файле (строка 1): «Муниципалитет»"),
    ("messages", csv_bytes(["ID сообщения", "Ссылка на страницу", "Дата  поступлния", "Тема"], [["1", "2", "3", "4"]]),
     "typo.csv", "нет столбцов «Дата поступления». Возможно, опечатка: «Дата поступлния» вместо «Дата поступления». "
     "Ожидаются"),
    ("stats", csv_bytes(["Сылка", "Дата", "Подписчики"], [["a", "b", "c"]]), "typo.csv",
     "нет столбцов «Ссылка» или «ID страницы». Возможно, опечатка: «Сылка» вместо «Ссылка». Ожидаются"),
    ("stats", csv_bytes(["Источник", "Дата", "Подписчики"], [["a", "b", "c"]]), "other.csv",
     "нет столбцов «Ссылка» или «ID страницы». Ожидаются"),
    ("messages", b"PK\x03\x04 not really a zip", "broken.xlsx", "повреждён"),
    ("messages", b"\x00\x01garbage", "broken.xlsx", "повреждён"),
    ("messages", bytes(range(256)) * 40, "binary.csv", "UTF-8 или Windows-1251"),
    ("messages", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", "XLS"),
    ("stats", csv_bytes(["Ссылка", "URL", "Дата", "Подписчики"], [["a", "b", "c", "d"]]), "dup.csv",
     "«Ссылка» и «URL» означают одно и то же"),
])
def test_bad_files(db, kind, data, name, fragment):
    result = rejected(db, kind, data, name)
    row, column, _, message = only_error(result)
    assert (row, column) == (None, None)
    assert fragment in message
    assert fragment in result.report()


def test_missing_columns_message_lists_expected_and_found(db):
    message = only_error(rejected(db, "messages", csv_bytes(["Дата", "Текст"], [["1", "2"]])))[3]
    assert "Ожидаются столбцы — обязательные: «ID сообщения», «Дата поступления», «Тема»" in message
    assert "необязательные: «Площадка», «Дата ответа», «Статус»" in message
    assert "В файле (строка 1): «Дата», «Текст»" in message


def test_unknown_sheet_lists_the_sheets(db):
    data = xlsx_bytes({"Свод": [["x"]], "Обращения": [MESSAGES_HEADER, *MESSAGES_ROWS]})
    message = only_error(rejected(db, "messages", data, "book.xlsx", sheet="Лист1"))[3]
    assert message == "В книге нет листа «Лист1». Листы книги: «Свод», «Обращения»."


def test_large_files_are_refused_before_reading(db, tmp_path):
    big = b"\xff\xfe\x00garbage" * 200_000   # 2 MB of nonsense: the size check must come first
    small_limit = Settings(import_max_mb=1)
    result = rejected(db, "messages", big, "big.csv", settings=small_limit)
    assert "Файл слишком большой: 1,9 МБ при пределе 1 МБ (настройка IMPORT_MAX_MB)" in only_error(result)[3]
    path = tmp_path / "big.csv"
    path.write_bytes(big)
    before = dump(db)
    result = import_file(db, "messages", path, settings=small_limit)
    assert not result.ok and "слишком большой" in result.report()
    assert dump(db) == before


def test_rejection_on_both_backends_leaves_data_as_it_was(engine):
    load_pages(engine)
    before = dump(engine)
    rows = with_row(MESSAGES_ROWS, 2, 3, "Неизвестная тема")
    result = rejected(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))
    assert only_error(result)[:2] == (4, "Тема")
    assert dump(engine) == before


def test_database_down_is_a_clear_error(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'db.sqlite'}")
    with pytest.raises(DatabaseUnavailable, match="База данных недоступна.*ничего не записано"):
        run(engine, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS))


def test_postgres_down_is_a_clear_error():
    engine = make_engine("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match="База данных недоступна") as e:
        run(engine, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS))
    assert "secret" not in str(e.value)


def test_a_crash_while_writing_leaves_the_database_as_it_was(engine, monkeypatch):
    """Raw rows are written before the summaries; a failure there must undo them."""
    from dashboard.writers import summary

    load_pages(engine)
    before, n_log = dump(engine), len(log_rows(engine))

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(summary, "apply_message_delta", crash)
    with pytest.raises(RuntimeError, match="killed"):
        run(engine, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS))
    assert dump(engine) == before
    assert len(log_rows(engine)) == n_log


def test_a_problem_in_many_rows_is_summed_up_by_kind(db):
    """Ten thousand rows with one wrong date format read as one line per kind of problem
    (column and message: how many rows, the first five, an example), not as 50 identical lines."""
    rows = [[f"x{i}", "https://vk.com/club101", "вчера", "Луна"] for i in range(40)]
    rows[7][2] = "31.02.2026 10:00"  # another kind in the same column
    result = rejected(db, "messages", csv_bytes(MESSAGES_HEADER[:4], rows))
    assert result.repeated
    assert [(k.column, k.count, k.rows, k.example) for k in result.kinds] == [
        ("Дата поступления", 39, [2, 3, 4, 5, 6], "вчера"),
        ("Тема", 40, [2, 3, 4, 5, 6], "Луна"),
        ("Дата поступления", 1, [9], "31.02.2026 10:00"),
    ]
    frame = result.kinds_frame()
    assert frame[["Столбец", "Строк", "Где", "Например"]].values.tolist() == [
        ["Тема", "40", "строки 2, 3, 4, 5, 6 и ещё 35 строк", "Луна"],
        ["Дата поступления", "39", "строки 2, 3, 4, 5, 6 и ещё 34 строки", "вчера"],
        ["Дата поступления", "1", "строка 9", "31.02.2026 10:00"],
    ]
    assert frame["Ошибка"].iloc[2] == "такой даты или времени не бывает"
    report = result.report().splitlines()
    assert report[1] == "По видам:"
    assert report[2].startswith("  столбец «Дата поступления», 39 раз (строки 2, 3, 4, 5, 6 и ещё 34 строки): "
                                "ожидались дата и время")
    assert report[4] == "  столбец «Дата поступления», 1 раз (строка 9): такой даты или времени не бывает"
    assert report[5] == "По строкам:"


def test_a_few_problems_are_listed_without_a_summary(db):
    rows = [[f"x{i}", "https://vk.com/club101", "вчера", "Дороги"] for i in range(10)]
    result = rejected(db, "messages", csv_bytes(MESSAGES_HEADER[:4], rows))
    assert [(k.count, k.rows) for k in result.kinds] == [(10, [2, 3, 4, 5, 6])]
    assert not result.repeated  # ten lines are read at a glance
    assert "По видам" not in result.report()
    assert len(result.report().splitlines()) == 11


def test_kinds_are_bounded():
    from dashboard.writers.importing.rows import MAX_KINDS, Problems

    problems = Problems()
    for i in range(MAX_KINDS + 5):
        problems.add(i + 2, "Тема", "x", f"ошибка {i}")
        problems.add(i + 2, "Тема", "x", f"ошибка {i}")
    assert (len(problems.kinds), problems.other_kinds, problems.count) == (MAX_KINDS, 10, 2 * (MAX_KINDS + 5))



def test_a_kind_reads_in_russian():
    from dashboard.writers.importing.rows import Problems

    problems = Problems()
    for row in (7, 9, 12):
        problems.add(row, "Тема", "Луна", "неизвестная тема")
    problems.add(None, None, None, "Файл пустой.")
    assert [k.text() for k in problems.kinds.values()] == [
        "столбец «Тема», 3 раза (строки 7, 9, 12): неизвестная тема", "1 раз: Файл пустой."]
