"""Building import files in memory and snapshotting a database, for tests/test_import_*.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from sqlalchemy import select

from dashboard.core import schema
from dashboard.core.settings import Settings
from dashboard.writers.importing import importer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"
SETTINGS = Settings()  # Novosibirsk time, default limits, independent of the environment

PAGES_HEADER = ["Муниципалитет", "Организация", "Площадка", "Ссылка", "Название страницы", "Госметка"]
PAGES_ROWS = [
    ["Баганский район", "Администрация Баганского района", "ВКонтакте", "https://vk.com/club101", "Баган", "да"],
    ["город Бердск", "Администрация города Бердска", "ВКонтакте", "https://vk.com/club102", "Бердск", "да"],
    ["Баганский район", "Администрация Баганского района", "Одноклассники", "https://ok.ru/group/555", "Баган",
     "нет"],
    ["", "Правительство Новосибирской области", "Telegram", "https://t.me/nso_gov", "Правительство", "нет"],
]
MESSAGES_HEADER = ["ID сообщения", "Ссылка на страницу", "Дата поступления", "Тема", "Дата ответа", "Статус",
                   "Фотоотчёт"]
MESSAGES_ROWS = [
    ["m1", "https://vk.com/club101", "02.11.2026 08:15", "Дороги", "02.11.2026 10:45", "дан ответ", "да"],
    ["m2", "https://vk.com/club101", "02.11.2026 21:00", "ЖКХ", "", "новое", "нет"],
    ["m3", "https://vk.com/club102", "03.11.2026 09:30", "Благоустройство", "03.11.2026 12:00", "", ""],
]
STATS_HEADER = ["Ссылка", "Дата", "Подписчики", "Публикации"]
STATS_ROWS = [
    ["https://vk.com/club101", "02.11.2026", "5000", "3"],
    ["https://vk.com/club101", "09.11.2026", "5040", "4"],
    ["https://vk.com/club102", "09.11.2026", "31000", "7"],
]


def csv_bytes(header: list, rows: list[list], delimiter: str = ";", encoding: str = "utf-8",
              bom: bool = False) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with the given sheets (first key = first sheet), each a list of rows."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(engine, kind: str, data: bytes, name: str = "file.csv", **kw) -> importer.ImportResult:
    kw.setdefault("settings", SETTINGS)
    return importer.import_file(engine, kind, data, name, **kw)


def load_pages(engine) -> None:
    result = run(engine, "pages", csv_bytes(PAGES_HEADER, PAGES_ROWS))
    assert result.ok, result.report()


def dump(engine, skip=("import_log",)) -> dict[str, list[tuple]]:
    """Every row of every table (except ``skip``), sorted: equal dumps = equal contents."""
    out = {}
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def log_rows(engine) -> list:
    t = schema.import_log
    with engine.connect() as conn:
        return conn.execute(select(t).order_by(t.c.id)).all()
