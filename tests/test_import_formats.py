"""Every accepted file format gives the same stored rows: encodings, delimiters, XLSX sheets, dates."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from dashboard.core import schema
from tests.import_helpers import (
    MESSAGES_HEADER,
    MESSAGES_ROWS,
    STATS_HEADER,
    STATS_ROWS,
    csv_bytes,
    load_pages,
    run,
    xlsx_bytes,
)

# Stored (UTC) receipt and response times of MESSAGES_ROWS (Novosibirsk is UTC+7).
EXPECTED_MESSAGES = [
    ("m1", datetime(2026, 11, 2, 1, 15), datetime(2026, 11, 2, 3, 45), "answered", True),
    ("m2", datetime(2026, 11, 2, 14, 0), None, "new", False),
    ("m3", datetime(2026, 11, 3, 2, 30), datetime(2026, 11, 3, 5, 0), "answered", False),
]
EXPECTED_STATS = [(date(2026, 11, 2), 5000, 3), (date(2026, 11, 9), 5040, 4), (date(2026, 11, 9), 31000, 7)]


@pytest.fixture
def db(sqlite_engine):
    load_pages(sqlite_engine)
    return sqlite_engine


def stored_messages(engine):
    m = schema.message
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(m.c.external_id, m.c.received_at, m.c.first_response_at, m.c.status, m.c.photo_report)
            .order_by(m.c.external_id))]


def stored_stats(engine):
    ps = schema.page_stats
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(ps.c.on, ps.c.subscribers, ps.c.posts).order_by(ps.c.on, ps.c.subscribers))]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("cp1251", False)])
def test_csv_encodings_and_delimiters(db, delimiter, encoding, bom):
    data = csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS, delimiter=delimiter, encoding=encoding, bom=bom)
    result = run(db, "messages", data, "messages.csv")
    assert result.ok, result.report()
    assert (result.added, result.updated, result.unchanged) == (3, 0, 0)
    assert stored_messages(db) == EXPECTED_MESSAGES


def test_utf16_csv_as_excel_unicode_text(db):
    data = csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS, delimiter="\t", encoding="utf-16")
    assert run(db, "messages", data, "messages.txt").ok
    assert stored_messages(db) == EXPECTED_MESSAGES


def test_xlsx_first_sheet(db):
    data = xlsx_bytes({"Лист1": [MESSAGES_HEADER, *MESSAGES_ROWS], "Лист2": [["что-то ещё"]]})
    result = run(db, "messages", data, "messages.xlsx")
    assert result.ok, result.report()
    assert stored_messages(db) == EXPECTED_MESSAGES


def test_a_csv_named_xlsx_is_read_as_csv(db):
    """A CSV saved (or renamed) as .xlsx: not a zip, so not a book — read as what it is, not
    refused as a broken workbook."""
    from dashboard.writers.importing import importer

    data = csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS, encoding="cp1251")
    view = importer.inspect_upload(data, "m.xlsx", "messages")
    assert (view.problem, view.sheets, view.preview.n_rows) == (None, [], 3)
    result = run(db, "messages", data, "m.xlsx")
    assert result.ok, result.report()
    assert stored_messages(db) == EXPECTED_MESSAGES


def test_xlsx_named_sheet(db):
    data = xlsx_bytes({"Пояснения": [["Выгрузка ЦУР"]], "Обращения": [MESSAGES_HEADER, *MESSAGES_ROWS]})
    result = run(db, "messages", data, "messages.xlsx", sheet="Обращения")
    assert result.ok, result.report()
    assert stored_messages(db) == EXPECTED_MESSAGES
    assert run(db, "messages", data, "messages.xlsx", sheet="  обращения ").unchanged == 3


def test_xlsx_typed_cells_and_serial_numbers(db):
    """Date cells, numbers formatted as dates (serials) and numbers for counts."""
    rows = [
        ["m1", "https://vk.com/club101", datetime(2026, 11, 2, 8, 15), "Дороги", 46328 + (10 * 60 + 45) / 1440,
         "дан ответ", 1],
        ["m2", "https://vk.com/club101", 46328 + 21 / 24, "ЖКХ", None, "новое", 0],
        ["m3", "https://vk.com/club102", "2026-11-03T09:30:00", "Благоустройство", "03.11.2026 12:00:00", None,
         False],
    ]
    result = run(db, "messages", xlsx_bytes({"Лист1": [MESSAGES_HEADER, *rows]}), "m.xlsx")
    assert result.ok, result.report()
    assert stored_messages(db) == EXPECTED_MESSAGES
    stats = [["https://vk.com/club101", date(2026, 11, 2), 5000, 3],
             ["https://vk.com/club101", 46335, 5040.0, 4],
             ["https://vk.com/club102", "2026-11-09", "31 000", "7"]]
    assert run(db, "stats", xlsx_bytes({"S": [STATS_HEADER, *stats]}), "s.xlsx").ok
    assert stored_stats(db) == EXPECTED_STATS


@pytest.mark.parametrize("received", [
    "02.11.2026 08:15", "02.11.2026 08:15:00", "2026-11-02T08:15:00", "2026-11-02 08:15",
    "2026-11-02T08:15:00+07:00", "2026-11-02T01:15:00Z", "46328.34375", "46328,34375",
])
def test_each_datetime_format(db, received):
    rows = [["m1", "https://vk.com/club101", received, "Дороги"]]
    result = run(db, "messages", csv_bytes(MESSAGES_HEADER[:4], rows))
    assert result.ok, result.report()
    assert stored_messages(db)[0][1] == datetime(2026, 11, 2, 1, 15)


@pytest.mark.parametrize("on", ["09.11.2026", "9.11.2026", "2026-11-09", "46335", "09.11.2026 00:00"])
def test_each_date_format(db, on):
    rows = [["https://vk.com/club101", on, "5040"]]
    assert run(db, "stats", csv_bytes(STATS_HEADER[:3], rows)).ok
    assert stored_stats(db) == [(date(2026, 11, 9), 5040, 0)]


def test_stats_csv_and_page_by_id(db):
    assert run(db, "stats", csv_bytes(STATS_HEADER, STATS_ROWS, delimiter=",")).ok
    assert stored_stats(db) == EXPECTED_STATS
    by_id = [["101", "ВК", "16.11.2026", "5100"], ["555", "", "16.11.2026", "800"]]
    result = run(db, "stats", csv_bytes(["ID страницы", "Площадка", "Дата", "Подписчики"], by_id))
    assert result.ok, result.report()
    assert result.added == 2


def test_derived_message_fields(db):
    assert run(db, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS)).ok
    m = schema.message
    with db.connect() as conn:
        rows = conn.execute(select(m.c.external_id, m.c.received_day, m.c.received_hour, m.c.response_minutes,
                                   m.c.response_work_minutes, m.c.platform, m.c.municipality_id)
                            .order_by(m.c.external_id)).all()
    # m1: Mon 08:15 → 10:45 local: 150 min, of which 105 after 09:00; Баганский район is id 1.
    assert tuple(rows[0]) == ("m1", date(2026, 11, 2), 8, 150, 105, "vk", 1)
    assert tuple(rows[1])[1:5] == (date(2026, 11, 2), 21, None, None)
    assert tuple(rows[2])[5:] == ("vk", 32)  # город Бердск


def test_excel_sep_line(db):
    data = b"sep=,\r\n" + csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS, delimiter=",")
    assert run(db, "messages", data).ok
    assert stored_messages(db) == EXPECTED_MESSAGES


def test_rows_after_a_sep_line_are_numbered_as_excel_shows_them(db):
    rows = [list(r) for r in MESSAGES_ROWS]
    rows[1][2] = "завтра"
    result = run(db, "messages", b"sep=;\r\n" + csv_bytes(MESSAGES_HEADER, rows))
    assert (result.errors[0].row, result.errors[0].column) == (3, "Дата поступления")


def with_cached_values(book: bytes, values: dict[str, str]) -> bytes:
    """The workbook with the value a spreadsheet program stores beside a formula written into
    the formula cells named in ``values`` (openpyxl writes formulas without them)."""
    import io
    import re
    import zipfile

    src, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for ref, value in values.items():
                    kind = "" if re.fullmatch(r"[\d.]+", value) else ' t="str"'  # a text result
                    xml, n = re.subn(rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)<v\s*/?>(</v>)?',
                                     rf'<c r="{ref}"{kind}\g<1>>\g<2><v>{value}</v>', xml)
                    assert n == 1, ref
                data = xml.encode()
            dst.writestr(item, data)
    return out.getvalue()


FORMULA_ROWS = [
    MESSAGES_HEADER + ["Комментарий"],
    # a date cell (read by openpyxl's own parser) and a formula in the optional «Дата ответа»
    ["m1", "https://vk.com/club101", datetime(2026, 11, 2, 8, 15), "Дороги", "=B2+1", "дан ответ", "да", "=1+1"],
    # plain cells (the fast reader) and a formula in the topic
    ["m2", "https://vk.com/club101", "02.11.2026 21:00", '="Д"&"ороги"', "", "новое", "нет", "=1+1"],
]


def test_formulas_without_values_are_refused_not_read_as_blanks(db):
    """A workbook written by a program that stores formulas without their values: read as blank,
    the answer's date and the topic would be lost without a word (the message «без ответа»)."""
    from dashboard.writers.importing.values import UNCOMPUTED

    result = run(db, "messages", xlsx_bytes({"Лист1": FORMULA_ROWS}), "f.xlsx")
    assert not result.ok
    assert [(e.row, e.column, e.value, e.message) for e in result.errors] == [
        (2, "Дата ответа", "=B2+1", UNCOMPUTED), (3, "Тема", '="Д"&"ороги"', UNCOMPUTED)]
    assert stored_messages(db) == []


def test_formulas_with_their_values_import_the_values(db):
    """As Excel and LibreOffice save them; a formula in a column not imported is no matter."""
    book = with_cached_values(xlsx_bytes({"Лист1": FORMULA_ROWS}),
                              {"E2": "46328.4375", "D3": "Дороги", "H2": "2"})
    result = run(db, "messages", book, "f.xlsx")
    assert result.ok, result.report()
    assert stored_messages(db) == [("m1", datetime(2026, 11, 2, 1, 15), datetime(2026, 11, 2, 3, 30), "answered", True),
                                   ("m2", datetime(2026, 11, 2, 14, 0), None, "new", False)]
