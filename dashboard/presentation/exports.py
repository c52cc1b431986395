"""Downloadable tables: the query frames with Russian headers and yes/no texts (no Streamlit)."""

from __future__ import annotations

import pandas as pd

from dashboard.core.localtime import to_local_series
from dashboard.core.schema import ORG_KINDS, ORG_SECTORS
from dashboard.core.settings import get_settings

# Registry export columns: query column -> Russian header.
REGISTRY_EXPORT = {
    "municipality": "Муниципалитет", "organisation": "Организация", "org_kind_text": "Тип организации",
    "sector_text": "Отрасль", "platform_label": "Платформа", "title": "Страница", "url": "Ссылка",
    "verified": "Госметка", "gospubliki": "Подключена к «Госпабликам»", "subscribers": "Подписчики",
    "stats_on": "Данные на", "last_post_at": "Последняя публикация", "opened_on": "Открыта",
    "closed_on": "Закрыта",
}


def registry_export(reg: pd.DataFrame) -> pd.DataFrame:
    """queries.pages.registry rows as the registry's CSV/XLSX download (vectorised); the last
    post in local time, as the screen shows it (the database keeps UTC)."""
    out = reg.assign(org_kind_text=reg["org_kind"].map(ORG_KINDS),
                     sector_text=reg["sector"].map(ORG_SECTORS).fillna(""),
                     last_post_at=to_local_series(reg["last_post_at"], get_settings().tz))
    out = out[list(REGISTRY_EXPORT)].rename(columns=REGISTRY_EXPORT)
    for c in ("Госметка", "Подключена к «Госпабликам»"):
        out[c] = out[c].astype(bool).map({True: "да", False: "нет"})
    return out
