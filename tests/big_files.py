"""Large import files written cheaply, for the bounded-input tests and bench/imports.py.

Nothing here goes through openpyxl cell by cell: CSV is written line by line and XLSX
sheets are written as XML straight into a zip, streaming, so a million rows take seconds.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

MESSAGES_HEADER = ["ID сообщения", "Ссылка на страницу", "Дата поступления", "Тема", "Дата ответа", "Статус",
                   "Фотоотчёт"]
TOPICS = ("Дороги", "ЖКХ", "Благоустройство", "Транспорт", "Образование")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _column_letter(i: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def sheet_row_xml(number: int, cells: Iterable) -> str:
    """One <row> with inline strings (numbers as numbers)."""
    parts = [f'<row r="{number}">']
    for i, value in enumerate(cells, start=1):
        ref = f"{_column_letter(i)}{number}"
        if isinstance(value, (int, float)):
            parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        elif value is not None and value != "":
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    parts.append("</row>")
    return "".join(parts)


def write_xlsx(path: Path, rows: Iterable[list], sheet: str = "Лист1", dimension: str | None = None,
               chunk_rows: int = 10_000) -> Path:
    """A minimal valid workbook whose only sheet holds ``rows`` (row i of the iterable is row i)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet)))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(_SHEET_HEAD.encode())
            if dimension:
                f.write(f'<dimension ref="{dimension}"/>'.encode())
            f.write(b"<sheetData>")
            buf: list[str] = []
            for number, cells in enumerate(rows, start=1):
                buf.append(sheet_row_xml(number, cells))
                if len(buf) >= chunk_rows:
                    f.write("".join(buf).encode())
                    buf.clear()
            f.write("".join(buf).encode())
            f.write(b"</sheetData></worksheet>")
    return path


class _RepeatingDeflate:
    """A raw deflate compressor that packs one often-repeated block only once.

    Every write ends with a full flush (byte-aligned, no references back), so the packed
    block is a valid continuation of the stream wherever it is inserted.
    """

    def __init__(self, block: bytes, level: int = 9):
        self.block = block
        self.real = zlib.compressobj(level, zlib.DEFLATED, -15)
        once = zlib.compressobj(level, zlib.DEFLATED, -15)
        self.packed = once.compress(block) + once.flush(zlib.Z_FULL_FLUSH)

    def compress(self, data: bytes) -> bytes:
        if data is self.block:
            return self.packed
        return self.real.compress(data) + self.real.flush(zlib.Z_FULL_FLUSH)

    def flush(self, mode: int = zlib.Z_FINISH) -> bytes:
        return self.real.flush(mode)


def write_repeated_xlsx(path: Path, first_rows: list[list], row_xml: str, count: int,
                        dimension: str | None = None) -> Path:
    """A workbook: ``first_rows``, then ``count`` copies of ``row_xml`` (a <row> without r="…",
    which readers number consecutively). Seconds for a gigabyte of sheet XML."""
    per_block = max(1, (1 << 20) // len(row_xml))
    block = row_xml.encode() * per_block
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name="Лист1"))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f._compressor = _RepeatingDeflate(block)  # zipfile's writer only calls compress() and flush()
            head = _SHEET_HEAD + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
            f.write((head + "".join(sheet_row_xml(i, r) for i, r in enumerate(first_rows, start=1))).encode())
            for _ in range(count // per_block):
                f.write(block)
            f.write((row_xml * (count % per_block) + "</sheetData></worksheet>").encode())
    return path


def write_zip_bomb(path: Path, unpacked_mb: int = 1024) -> Path:
    """A ~1.5 MB workbook whose sheet unpacks to ``unpacked_mb`` MB of rows of 4 000 letters."""
    row = '<row><c t="inlineStr"><is><t>' + "x" * 4000 + "</t></is></c></row>"
    return write_repeated_xlsx(path, [["a", "b"]], row, unpacked_mb * (1 << 20) // len(row))


def write_max_rows_xlsx(path: Path) -> Path:
    """A few-hundred-KB workbook filling all 1 048 576 rows of a sheet, as Excel would save it."""
    row = '<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
    return write_repeated_xlsx(path, [["a", "b"]], row, 1_048_575, dimension="A1:B1048576")


def message_rows(n: int, page_urls: list[str], start: datetime = datetime(2025, 1, 1, 8, 0),
                 prefix: str = "B") -> Iterator[list[str]]:
    """``n`` plausible message rows over the given pages (answered ones 2 hours later)."""
    step = timedelta(seconds=max(1, int(365 * 86400 / max(n, 1))))
    for i in range(n):
        received = start + step * i
        answered = i % 4 != 0
        yield [
            f"{prefix}{i}", page_urls[i % len(page_urls)], received.strftime("%d.%m.%Y %H:%M"),
            TOPICS[i % len(TOPICS)],
            (received + timedelta(hours=2)).strftime("%d.%m.%Y %H:%M") if answered else "",
            "дан ответ" if answered else "новое", "да" if i % 7 == 0 else "нет",
        ]


def write_messages_csv(path: Path, rows: Iterable[list[str]], header: list[str] = MESSAGES_HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(";".join(header) + "\r\n")
        for cells in rows:
            f.write(";".join(cells) + "\r\n")
    return path


def write_messages_xlsx(path: Path, rows: Iterable[list[str]], header: list[str] = MESSAGES_HEADER) -> Path:
    def all_rows():
        yield header
        yield from rows
    return write_xlsx(path, all_rows())


PAGES_HEADER = ["Муниципалитет", "Организация", "Площадка", "Ссылка", "Название страницы", "Госметка",
                "Госпаблики", "Дата создания"]
STATS_HEADER = ["Ссылка", "Дата", "Подписчики", "Публикации", "Просмотры", "Лайки", "Комментарии", "Репосты"]


def page_rows(n: int, municipalities: list[str], retitled_every: int = 0) -> Iterator[list[str]]:
    """``n`` registry rows of generated pages, two pages an organisation (a VK and an OK page),
    over ``municipalities`` in turn; ``retitled_every``: every that many rows (0, k, 2k, …) a
    page renamed since (its title gets « (новое название)»)."""
    for i in range(n):
        org = i // 2
        url = f"https://vk.com/club{300_000_000 + org}" if i % 2 == 0 else f"https://ok.ru/group/{80_000_000_000_000 + org}"
        title = f"Учреждение № {org}" + (" (новое название)" if retitled_every and i % retitled_every == 0 else "")
        yield [municipalities[org % len(municipalities)], f"Учреждение № {org}", "ВКонтакте" if i % 2 == 0 else
               "Одноклассники", url, title, "да" if org % 3 else "нет", "да" if org % 5 else "нет",
               (datetime(2015, 1, 1) + timedelta(days=org % 3000)).strftime("%d.%m.%Y")]


def stats_rows(page_urls: list[str], dates: list, grown_every: int = 0) -> Iterator[list[str]]:
    """A snapshot of every page on every date (date by date), with growing subscribers; ``grown_every``:
    every that many rows (0, k, 2k, …) one subscriber more than otherwise."""
    i = 0
    for d, on in enumerate(dates):
        for p, url in enumerate(page_urls):
            subscribers = 1_000 + (p % 5_000) + 7 * d + (1 if grown_every and i % grown_every == 0 else 0)
            yield [url, on.strftime("%d.%m.%Y"), str(subscribers), str(3 + p % 4), str(500 + p % 900),
                   str(40 + p % 60), str(p % 9), str(p % 5)]
            i += 1


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> Path:
    return write_messages_csv(path, rows, header)
