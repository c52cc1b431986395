"""The journal of imports and collection runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from dashboard.core import schema
from queries import imports

NSK = ZoneInfo("Asia/Novosibirsk")


def test_import_history_newest_first_in_local_time(sqlite_engine):
    log = [
        ("pages.csv", "pages", "ok", datetime(2026, 11, 27, 3, 0), 12, 0, 0, 0),
        ("vk", "collect-vk", "ok", datetime(2026, 11, 28, 7, 5), 3, 1, 0, 0),
        ("bad.xlsx", "messages", "rejected", datetime(2026, 11, 28, 7, 5), 0, 0, 0, 4),
        ("x", "something-else", "odd", datetime(2026, 11, 26, 0, 0), 0, 0, 0, 0),
    ]
    with sqlite_engine.begin() as conn:
        conn.execute(insert(schema.import_log), [
            dict(file_name=f, kind=k, status=s, at=at, rows_added=a, rows_updated=u, rows_unchanged=n,
                 rows_rejected=r) for f, k, s, at, a, u, n, r in log])
        df = imports.import_history(conn, NSK, limit=3)
    assert list(df.columns) == imports.HISTORY_COLUMNS
    assert df.to_dict("records") == [
        {"Когда": "28.11.2026 14:05", "Файл": "bad.xlsx", "Что": "Сообщения", "Добавлено": 0, "Обновлено": 0,
         "Без изменений": 0, "Отклонено строк": 4, "Итог": "отклонён", "Кто": "—"},
        {"Когда": "28.11.2026 14:05", "Файл": "vk", "Что": "Сбор ВКонтакте", "Добавлено": 3, "Обновлено": 1,
         "Без изменений": 0, "Отклонено строк": 0, "Итог": "выполнен", "Кто": "—"},
        {"Когда": "27.11.2026 10:00", "Файл": "pages.csv", "Что": "Страницы", "Добавлено": 12, "Обновлено": 0,
         "Без изменений": 0, "Отклонено строк": 0, "Итог": "выполнен", "Кто": "—"},
    ]
    assert imports.kind_label("something-else") == "something-else"
    assert imports.kind_label("collect-ok") == "Сбор Одноклассники"
