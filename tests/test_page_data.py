"""AppTest of «Данные»: empty state, columns help, the import history.

AppTest cannot upload files; what the page does with an upload is
``importer.inspect_upload`` + ``importer.import_file``, tested in tests/test_import_upload.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from dashboard.core import schema
from dashboard.core.db import make_engine
from tests.apptest_utils import assert_ok, fixture_db_url, run_page, texts
from tests.import_helpers import EXAMPLES, MESSAGES_HEADER, csv_bytes, run

PAGE = "pages/data.py"


def test_empty_state_and_columns_help(tmp_path):
    at = run_page(fixture_db_url(tmp_path), PAGE)
    assert_ok(at)
    shown = texts(at)
    assert "Выберите файл" in shown
    assert "Загрузок ещё не было." in shown
    assert at.radio(key="import_kind").value == "pages"
    help_table = at.dataframe[0].value
    assert list(help_table["Столбец"])[:3] == ["Муниципалитет", "ОКТМО", "Организация"]
    at.radio(key="import_kind").set_value("messages").run()
    assert_ok(at)
    help_table = at.dataframe[0].value
    assert "Дата поступления" in list(help_table["Столбец"])
    assert "Дата обращения" in help_table.set_index("Столбец").loc["Дата поступления", "Другие названия"]


def test_history_lists_imports_newest_first_in_local_time(tmp_path):
    url = fixture_db_url(tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(schema.import_log), [
            {"at": datetime(2026, 11, 27, 23, 30), "file_name": "vk", "kind": "collect-vk", "status": "ok",
             "rows_added": 5, "rows_updated": 1, "rows_unchanged": 0, "rows_rejected": 0},
        ])
    assert run(engine, "pages", (EXAMPLES / "pages.csv").read_bytes(), "pages.csv").ok
    bad = csv_bytes(MESSAGES_HEADER[:4], [["m1", "https://vk.com/club210000001", "вчера", "Дороги"]])
    assert not run(engine, "messages", bad, "обращения.csv").ok
    engine.dispose()

    at = run_page(url, PAGE)
    assert_ok(at)
    history = at.dataframe[-1].value
    assert list(history.columns) == ["Когда", "Файл", "Что", "Добавлено", "Обновлено", "Без изменений",
                                     "Отклонено строк", "Итог", "Кто"]
    rows = history.to_dict("records")
    assert [(r["Файл"], r["Что"], r["Итог"]) for r in rows] == [
        ("обращения.csv", "Сообщения", "отклонён"),
        ("pages.csv", "Страницы", "выполнен"),
        ("vk", "Сбор ВКонтакте", "выполнен"),
    ]
    assert (rows[0]["Добавлено"], rows[0]["Отклонено строк"]) == (0, 1)
    assert rows[1]["Добавлено"] == 12
    assert rows[2]["Когда"] == "28.11.2026 06:30"   # 23:30 UTC = 06:30 next day in Novosibirsk
