"""Bounded inputs: a small file cannot make an import (or the «Данные» preview) take unbounded
memory. Memory is measured as peak RSS (resource.getrusage) of a fresh process that does only
the import, before and after; no timing assertions."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from dashboard.core.settings import Settings
from dashboard.writers.importing import importer
from dashboard.writers.importing.read import FileRejected, Limits, iter_rows, read_rows
from tests.big_files import (
    MESSAGES_HEADER,
    message_rows,
    write_max_rows_xlsx,
    write_repeated_xlsx,
    write_xlsx,
    write_zip_bomb,
)
from tests.import_helpers import ROOT, SETTINGS, csv_bytes, run, xlsx_bytes

MB = 1024 * 1024


def plain(text: str) -> str:
    """Messages group digits with no-break spaces; compare with ordinary ones."""
    return text.replace("\xa0", " ")

_CHILD = r"""
import json, resource, sys
from dashboard.core import migrate
from dashboard.core.db import make_engine
from dashboard.core.settings import Settings
from dashboard.writers.importing import importer

path, db = sys.argv[1], sys.argv[2]
engine = make_engine(f"sqlite:///{db}")
migrate.upgrade(engine)
settings = Settings()
importer.inspect_upload(b"ID;x\n1;2\n", "warm.csv", "messages", settings=settings)  # import everything lazy
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(path, "rb") as f:
    view = importer.inspect_upload(f, "book.xlsx", "messages", settings=settings)
result = importer.import_file(engine, "messages", path, settings=settings)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_mb": (after - before) / 1024, "ok": result.ok, "problem": view.problem,
                  "report": result.report()}))
"""


def _import_in_fresh_process(path, tmp_path) -> dict:
    """Preview and import ``path`` in a new interpreter; its peak-RSS growth and the messages."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(tmp_path / "child.db")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_full_excel_sheet_is_refused_in_bounded_memory(tmp_path):
    book = write_max_rows_xlsx(tmp_path / "rows.xlsx")  # 1 048 576 rows in ~0.2 MB
    assert book.stat().st_size < 3 * MB
    got = _import_in_fresh_process(book, tmp_path)
    assert got["ok"] is False
    expected = ("На листе «Лист1» 1 048 576 строк (по размеру, записанному в книге), а можно не больше "
                "1 000 000 строк с данными (настройка IMPORT_MAX_ROWS). Разделите файл на части.")
    assert plain(got["problem"]) == expected  # the «Данные» preview refuses it too
    assert expected in plain(got["report"])
    assert got["grew_mb"] < 40, got


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", unpacked_mb=1024)  # ~1.5 MB → 1 GB of sheet XML
    assert bomb.stat().st_size < 4 * MB
    got = _import_in_fresh_process(bomb, tmp_path)
    assert got["ok"] is False
    assert plain(got["problem"]).startswith("Книга Excel в распакованном виде занимает 1 024 МБ, а можно не больше 768 МБ")
    assert "zip-бомб" in got["report"]
    assert got["grew_mb"] < 40, got


def test_rows_beyond_the_limit_are_refused_while_reading_when_the_sheet_does_not_declare_them(tmp_path):
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    book = write_repeated_xlsx(tmp_path / "undeclared.xlsx", [["a"]], row, 5_000)  # no <dimension>
    limits = Limits(max_rows=1_000)
    with pytest.raises(FileRejected) as e:
        read_rows(book, "undeclared.xlsx", limits=limits)
    # the reader allows for a few title lines above the header; the importer counts data rows exactly
    assert plain(str(e.value)) == ("В файле больше 1 000 строк с данными (предел — настройка IMPORT_MAX_ROWS): "
                                   "строка 1 011 уже за пределом. Разделите файл на части.")


def test_an_import_with_more_data_rows_than_the_setting_is_refused_at_the_first_extra_row(sqlite_engine):
    data = csv_bytes(MESSAGES_HEADER, list(message_rows(7, ["https://vk.com/club101"])))
    result = run(sqlite_engine, "messages", data, settings=Settings(import_max_rows=5))
    assert not result.ok
    assert [plain(e.message) for e in result.errors] == ["В файле больше 5 строк с данными (предел — настройка IMPORT_MAX_ROWS): "
                                      "строка 7 уже за пределом. Разделите файл на части."]


def test_too_many_filled_columns_are_refused_with_the_row():
    data = csv_bytes([f"c{i}" for i in range(3)], [["1"] * 3, ["1"] * 250])
    with pytest.raises(FileRejected) as e:
        read_rows(data, "wide.csv")
    assert plain(str(e.value)) == "Строка 3: столбцов с данными — 250, а можно не больше 200. Удалите лишние столбцы."


def test_a_cell_longer_than_excel_allows_is_refused_with_row_and_column(tmp_path):
    data = csv_bytes(["a", "b", "c"], [["1", "2", "3"], ["1", "2", "я" * 40_000]])
    with pytest.raises(FileRejected) as e:
        read_rows(data, "long.csv")
    assert plain(str(e.value)) == "Строка 3, столбец № 3: значение длиной 40 000 символов, а можно не больше 32 767."
    book = write_xlsx(tmp_path / "long.xlsx", [["a", "b"], ["1", "я" * 33_000]])  # Excel itself would cut it
    with pytest.raises(FileRejected) as e:
        read_rows(book, "long.xlsx")
    assert plain(str(e.value)) == "Строка 2, столбец B: значение длиной 33 000 символов, а можно не больше 32 767."


def test_a_quoted_field_past_the_csv_field_limit_gets_a_russian_message():
    data = b'a;b\n1;"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(FileRejected) as e:
        read_rows(data, "quote.csv")
    assert plain(str(e.value)) == "Строка 2: значение длиннее 32 767 символов (или не закрыта кавычка)."


def test_a_csv_line_without_line_breaks_is_not_read_whole():
    limits = Limits(max_columns=2, max_cell_chars=100)  # lines up to 206 characters
    data = b"a;b\n" + b"x" * 10_000
    with pytest.raises(FileRejected) as e:
        read_rows(data, "line.csv", limits=limits)
    assert plain(str(e.value)) == "Строка файла 2 длиннее 206 символов: это не похоже на таблицу CSV."


def test_text_in_another_encoding_deep_in_the_file_is_named_by_line():
    good = "ID;Текст\n" + "".join(f"{i};строка\n" for i in range(60_000))  # past the sample read up front
    data = good.encode("utf-8") + "99;плохая\n".encode("cp1251")
    with pytest.raises(FileRejected) as e:
        read_rows(data, "mixed.csv")
    assert plain(str(e.value)) == ("Строка файла 60 002: текст не в кодировке файла (UTF-8). "
                            "Сохраните файл целиком в одной кодировке, лучше «CSV UTF-8».")


class _CountingReader(io.BytesIO):
    """A file object that remembers how far it was read."""

    furthest = 0

    def read(self, n=-1):
        data = super().read(n)
        self.furthest = max(self.furthest, self.tell())
        return data


def test_the_preview_reads_only_the_start_of_a_long_file(tmp_path):
    rows = [[f"B{i}", "https://vk.com/club101", "02.11.2026 08:15", "ЖКХ", "", "новое", "нет"]
            for i in range(150_000)]
    upload = _CountingReader(csv_bytes(MESSAGES_HEADER, rows))
    view = importer.inspect_upload(upload, "long.csv", "messages", settings=SETTINGS)
    assert view.problem is None
    assert view.preview.n_rows is None  # longer than the preview reads
    assert list(view.preview.frame["ID сообщения"][:3]) == ["B0", "B1", "B2"]
    assert len(upload.getbuffer()) > 8 * MB
    assert upload.furthest <= 512 * 1024

    book = write_xlsx(tmp_path / "long.xlsx", [MESSAGES_HEADER, *rows[:20_000]])
    seen = []
    stream = iter_rows(book, "long.xlsx")
    for number, _ in stream:
        seen.append(number)
        if len(seen) == 3:
            break
    stream.close()
    assert seen == [1, 2, 3]
    with book.open("rb") as f:
        view = importer.inspect_upload(f, "long.xlsx", "messages", settings=SETTINGS)
    assert view.problem is None and view.preview.n_rows is None


def test_shared_strings_over_their_limit_are_refused():
    buf = io.BytesIO(xlsx_bytes({"Лист": [["a"], ["b"]]}))
    with zipfile.ZipFile(buf, "a") as z:  # openpyxl would read this part whole
        z.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 200_000 + "</sst>")
    with pytest.raises(FileRejected) as e:
        read_rows(buf.getvalue(), "s.xlsx", limits=Limits(max_shared_strings_mb=2))
    assert plain(str(e.value)) == ("Общие строки книги Excel в распакованном виде занимают 3 МБ, а можно не больше "
                                   "2 МБ. Сохраните данные как CSV или разделите файл на части.")


def test_a_row_number_beyond_excel_is_refused_without_walking_to_it(tmp_path):
    row = '<row r="2000000000"><c t="inlineStr"><is><t>x</t></is></c></row>'
    book = write_repeated_xlsx(tmp_path / "jump.xlsx", [["a"], ["b"]], row, 1)
    with pytest.raises(FileRejected) as e:
        read_rows(book, "jump.xlsx")
    assert plain(str(e.value)) == "На листе «Лист1» строки за пределом Excel (1 048 576): книга повреждена."
