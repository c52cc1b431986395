"""What the «Данные» page does with an upload (inspect_upload, columns help) and the CLI command."""

from dashboard.cli import main
from dashboard.core.settings import Settings
from dashboard.writers.importing import importer
from tests.import_helpers import (
    EXAMPLES,
    MESSAGES_HEADER,
    MESSAGES_ROWS,
    SETTINGS,
    csv_bytes,
    xlsx_bytes,
)


def test_preview_of_a_csv():
    data = csv_bytes(MESSAGES_HEADER + ["Комментарий"], [r + ["x"] for r in MESSAGES_ROWS])
    view = importer.inspect_upload(data, "m.csv", "messages", settings=SETTINGS)
    assert (view.problem, view.sheets) == (None, [])
    p = view.preview
    assert p.n_rows == 3
    assert list(p.frame.columns) == ["Строка", *MESSAGES_HEADER, "Комментарий"]
    assert list(p.frame["Строка"]) == ["2", "3", "4"]
    assert p.recognised["Дата поступления"] == "Дата поступления"
    assert p.ignored == ["Комментарий"]


def test_preview_of_an_xlsx_lists_sheets_and_reads_the_chosen_one():
    data = xlsx_bytes({"Свод": [["итого"]], "Обращения": [MESSAGES_HEADER, *MESSAGES_ROWS]})
    first = importer.inspect_upload(data, "book.xlsx", "messages", settings=SETTINGS)
    assert first.sheets == ["Свод", "Обращения"]
    assert "нет столбцов" in first.problem
    chosen = importer.inspect_upload(data, "book.xlsx", "messages", "Обращения", settings=SETTINGS)
    assert chosen.problem is None and chosen.preview.n_rows == 3


def test_preview_refuses_what_the_import_refuses():
    big = importer.inspect_upload(b"x" * (1024 * 1024 + 1), "big.csv", "stats", settings=Settings(import_max_mb=1))
    assert big.problem.startswith("Файл слишком большой")
    assert importer.inspect_upload(b"", "e.csv", "stats", settings=SETTINGS).problem == "Файл пустой."
    assert "повреждён" in importer.inspect_upload(b"PK\x03\x04xx", "b.xlsx", "stats", settings=SETTINGS).problem
    rows = [["Выгрузка обращений"], [], MESSAGES_HEADER]
    header_only = importer.inspect_upload(xlsx_bytes({"Лист1": rows}), "h.xlsx", "messages", settings=SETTINGS)
    assert header_only.problem == "В файле только заголовок (строка 3), строк с данными нет."
    assert header_only.preview.n_rows == 0


def test_columns_help_names_required_columns():
    frame = importer.columns_frame("stats").set_index("Столбец")
    assert frame.loc["Дата", "Обязательный"] == "да"
    assert frame.loc["Ссылка", "Обязательный"] == "или «ID страницы»"
    assert frame.loc["Просмотры", "Обязательный"] == ""


def test_cli_imports_and_rejects_with_exit_codes(sqlite_engine, tmp_path, capsys):
    url = str(sqlite_engine.url)
    assert main(["--database-url", url, "import", "pages", str(EXAMPLES / "pages.csv")]) == 0
    assert "добавлено 12, обновлено 0, без изменений 0" in capsys.readouterr().out
    assert main(["--database-url", url, "import", "stats", str(EXAMPLES / "stats.xlsx"),
                 "--sheet", "Статистика"]) == 0
    assert "добавлено 20" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(MESSAGES_HEADER, [["1", "https://vk.com/club210000001", "32.11.2026", "Дороги",
                                                  "", "", ""]]))
    assert main(["--database-url", url, "import", "messages", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "не импортирован, в базу ничего не записано" in err
    assert "Строка 2, столбец «Дата поступления», значение «32.11.2026»: такой даты или времени не бывает" in err
    assert main(["--database-url", url, "import", "messages", str(tmp_path / "missing.csv")]) == 1
    assert "Файл не найден" in capsys.readouterr().err
