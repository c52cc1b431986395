"""Reading an uploaded file into numbered rows: CSV (encoding and delimiter detected) or XLSX.

Row numbers are the ones the user sees in Excel: the first line of the file is row 1.
Rows whose cells are all empty are dropped (their numbers are simply skipped).
Problems with the file as a whole raise ``FileRejected`` with a Russian message.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from pathlib import PurePath

Row = tuple[int, list]  # (row number as in Excel, cell values)

CSV_DELIMITERS = (";", "\t", ",")  # in order of preference when a line splits equally
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls / .doc


class FileRejected(ValueError):
    """The file cannot be read at all; the message says why, in Russian."""


def file_format(data: bytes, file_name: str) -> str:
    """'xlsx' or 'csv', from the extension and the first bytes."""
    ext = PurePath(file_name).suffix.lower()
    if ext in (".xls", ".ods") or data.startswith(_OLE_MAGIC):
        what = "ODS" if ext == ".ods" else "XLS (Excel 97–2003)"
        raise FileRejected(
            f"Формат {what} не поддерживается: сохраните файл как «Книга Excel (*.xlsx)» "
            "или «CSV UTF-8 (разделитель — запятая)»."
        )
    if ext in (".xlsx", ".xlsm") or data.startswith(_XLSX_MAGIC):
        return "xlsx"
    return "csv"


def read_rows(data: bytes, file_name: str, sheet: str | None = None) -> list[Row]:
    """Non-empty rows of the file (CSV or the chosen/first XLSX sheet)."""
    if not data.strip():
        raise FileRejected("Файл пустой.")
    if file_format(data, file_name) == "xlsx":
        return read_xlsx(data, sheet)
    if sheet:
        raise FileRejected("Лист можно выбрать только в файле XLSX, а это CSV.")
    return read_csv(data)


# --- CSV ----------------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """Text of a CSV file in UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1251."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "cp1251")
    for encoding in candidates:
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(decoded):
            break
        return decoded
    raise FileRejected(
        "Не удалось прочитать файл как текст CSV: ожидалась кодировка UTF-8 или Windows-1251. "
        "Если это книга Excel, сохраните её как .xlsx; если CSV — сохраните как «CSV UTF-8»."
    )


def _looks_binary(s: str) -> bool:
    """NUL bytes or many control characters: not a text file."""
    if "\x00" in s:
        return True
    controls = sum(1 for ch in s[:100_000] if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > 0.001 * min(len(s), 100_000)


def detect_delimiter(first_line: str) -> str:
    """The delimiter that splits the header line into the most fields (; tab , on ties)."""
    def n_fields(d: str) -> int:
        return len(next(csv.reader([first_line], delimiter=d), []))
    return max(CSV_DELIMITERS, key=n_fields)  # max() keeps the first of equal ones


def read_csv(data: bytes) -> list[Row]:
    text = decode_csv(data)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    hint = re.fullmatch(r'"?sep=(.)"?', first.strip(), re.I)  # Excel's "sep=;" line
    delimiter = hint.group(1) if hint else detect_delimiter(first)
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Excel hides the "sep=" line, so the row after it is row 1 there.
        for number, cells in enumerate(reader, start=0 if hint else 1):
            if hint and number == 0:
                continue
            if any(c.strip() for c in cells):
                rows.append((number, cells))
    except csv.Error as e:
        raise FileRejected(f"Ошибка разбора CSV около строки {reader.line_num}: {e}.") from e
    return rows


# --- XLSX ---------------------------------------------------------------------------------------

def _open_workbook(data: bytes):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise FileRejected(
            "Файл повреждён или не является книгой Excel (XLSX). Откройте его в Excel и сохраните заново "
            "как «Книга Excel (*.xlsx)»."
        ) from e
    except Exception as e:  # openpyxl raises assorted errors on malformed XML
        raise FileRejected(f"Книга Excel повреждена и не читается ({type(e).__name__}).") from e


def sheet_names(data: bytes) -> list[str]:
    """Names of the sheets of an XLSX file, in order."""
    wb = _open_workbook(data)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _pick_sheet(wb, sheet: str | None):
    if not sheet:
        return wb.worksheets[0]
    if sheet in wb.sheetnames:
        return wb[sheet]
    wanted = " ".join(sheet.lower().split())
    for name in wb.sheetnames:
        if " ".join(name.lower().split()) == wanted:
            return wb[name]
    names = ", ".join(f"«{n}»" for n in wb.sheetnames)
    raise FileRejected(f"В книге нет листа «{sheet}». Листы книги: {names}.")


def read_xlsx(data: bytes, sheet: str | None = None) -> list[Row]:
    wb = _open_workbook(data)
    try:
        ws = _pick_sheet(wb, sheet)
        ws.reset_dimensions()  # do not trust the stored size: some writers get it wrong
        rows: list[Row] = []
        for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            cells = list(values)
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            if any(c is not None and str(c).strip() for c in cells):
                rows.append((number, cells))
        return rows
    except FileRejected:
        raise
    except Exception as e:
        raise FileRejected(f"Книга Excel повреждена и не читается ({type(e).__name__}).") from e
    finally:
        wb.close()
