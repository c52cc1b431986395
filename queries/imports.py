"""The journal of file imports and collection runs (``import_log``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from dashboard.core import platforms, schema
from dashboard.core.formatting import dt
from dashboard.core.localtime import to_local

HISTORY_COLUMNS = ["Когда", "Файл", "Что", "Добавлено", "Обновлено", "Без изменений", "Отклонено строк",
                   "Итог", "Кто"]


def kind_label(kind: str) -> str:
    """'stats' → 'Статистика страниц', 'collect-vk' → 'Сбор ВКонтакте'; unknown kinds as stored."""
    if kind in schema.IMPORT_KINDS:
        return schema.IMPORT_KINDS[kind].capitalize()
    code = kind.removeprefix("collect-")
    if code != kind and code in platforms.PLATFORMS:
        return f"Сбор {platforms.label(code)}"
    return kind


def import_history(conn: Connection, tz: ZoneInfo, limit: int = 100) -> pd.DataFrame:
    """The latest imports and collection runs, newest first, with Russian column names
    (HISTORY_COLUMNS); «Когда» is local time in ``tz`` as text."""
    t = schema.import_log
    rows = conn.execute(select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(
        [{
            "Когда": dt(to_local(r.at, tz)),
            "Файл": r.file_name,
            "Что": kind_label(r.kind),
            "Добавлено": r.rows_added,
            "Обновлено": r.rows_updated,
            "Без изменений": r.rows_unchanged,
            "Отклонено строк": r.rows_rejected,
            "Итог": schema.IMPORT_STATUSES.get(r.status, r.status),
            "Кто": r.user or "—",  # who ran it; collection runs record nobody
        } for r in rows],
        columns=HISTORY_COLUMNS,
    )
