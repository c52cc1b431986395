"""Реестр госпабликов: searchable table of all pages, per-municipality compliance, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.schema import ORG_KINDS, ORG_SECTORS
from dashboard.ui import widgets
from queries import pages

YES, NO = "✓", "✗"

# Export columns: query column -> Russian header.
EXPORT = {
    "municipality": "Муниципалитет", "organisation": "Организация", "org_kind_text": "Тип организации",
    "sector_text": "Отрасль", "platform_label": "Платформа", "title": "Страница", "url": "Ссылка",
    "verified": "Госметка", "gospubliki": "Подключена к «Госпабликам»", "subscribers": "Подписчики",
    "stats_on": "Данные на", "last_post_at": "Последняя публикация", "opened_on": "Открыта",
    "closed_on": "Закрыта",
}


def export_frame(reg: pd.DataFrame) -> pd.DataFrame:
    out = reg[list(EXPORT)].rename(columns=EXPORT)
    for c in ("Госметка", "Подключена к «Госпабликам»"):
        out[c] = out[c].map({True: "да", False: "нет"})
    return out


f = widgets.current_filters()
widgets.page_header("Реестр госпабликов")
st.caption("Официальные страницы органов власти и подведомственных учреждений. "
           "Фильтры платформ и муниципалитета действуют, период — нет.")

c1, c2, c3, c4 = st.columns([2, 1.2, 1.2, 0.9], vertical_alignment="bottom")
search = c1.text_input("Поиск", placeholder="Название, организация или адрес страницы", key="q",
                       bind="query-params")
kinds = c2.multiselect("Тип организации", list(ORG_KINDS), format_func=ORG_KINDS.get,
                       placeholder="Все типы", key="kind")
mark = c3.selectbox("Госметка", ["all", "yes", "no"],
                    format_func={"all": "Все страницы", "yes": "Есть госметка", "no": "Нет госметки"}.get,
                    key="mark")
closed = c4.toggle("С закрытыми", key="closed", help="Показать и закрытые страницы")

reg = widgets.q(pages.registry, f, search=search.strip() or None, include_closed=closed)
if kinds:
    reg = reg[reg["org_kind"].isin(kinds)]
if mark != "all":
    reg = reg[reg["verified"].astype(bool) == (mark == "yes")]
reg = reg.assign(
    org_kind_text=reg["org_kind"].map(ORG_KINDS),
    sector_text=reg["sector"].map(lambda s: ORG_SECTORS.get(s, "") if isinstance(s, str) else ""),
    municipality=reg["municipality"].fillna(widgets.REGIONAL_LABEL),
    last_post_at=widgets.local_times(reg["last_post_at"]),
    stats_on=pd.to_datetime(reg["stats_on"]),
)

tab_pages, tab_check = st.tabs(["Страницы", "Проверка требований"])
with tab_pages:
    st.markdown(f"Найдено **{fmt.num(len(reg))}** {fmt.plural(len(reg), 'страница', 'страницы', 'страниц')}.")
    widgets.table(reg, {
        "municipality": st.column_config.TextColumn("Муниципалитет"),
        "title": st.column_config.TextColumn("Страница", width="medium"),
        "platform_label": st.column_config.TextColumn("Платформа", width="small"),
        "subscribers": st.column_config.NumberColumn("Подписчики", format="localized", width="small"),
        "verified": st.column_config.CheckboxColumn("Госметка", width="small"),
        "gospubliki": st.column_config.CheckboxColumn("«Госпаблики»", width="small",
                                                      help="Подключена к инструменту «Госпаблики»"),
        "last_post_at": st.column_config.DatetimeColumn("Последняя публикация", format="DD.MM.YYYY HH:mm"),
        "url": st.column_config.LinkColumn("Ссылка", display_text="открыть", width="small"),
        "organisation": st.column_config.TextColumn("Организация", width="medium"),
        "sector_text": st.column_config.TextColumn("Отрасль"),
    }, key="registry", height=560)
    export = export_frame(reg)
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button("Скачать CSV", widgets.csv_bytes(export), "reestr_gospablikov.csv", "text/csv",
                       icon=":material/download:", width="stretch")
    d2.download_button("Скачать Excel", widgets.xlsx_bytes(export, "Реестр"), "reestr_gospablikov.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", width="stretch")

with tab_check:
    today = widgets.local_now().date()
    comp = widgets.q(pages.compliance, today, f)
    ok = int(comp["compliant"].astype(bool).sum())
    st.markdown(f"Соответствуют всем требованиям: **{ok} из {len(comp)}** муниципалитетов. "
                f"Требования: у администрации есть открытые страницы ВКонтакте и в Одноклассниках, на них "
                f"есть госметка, публикации были в последние {pages.POST_RECENCY_DAYS} дней "
                f"(до {fmt.d(today)}).")
    comp = comp.sort_values(["compliant", "name"])
    shown = comp.assign(
        **{c: comp[c].map(lambda v: YES if bool(v) else NO)
           for c in ("has_vk", "has_ok", "verified", "posted_recently", "compliant")},
        last_post_text=pd.to_datetime(comp["last_post_at"]).map(widgets.local_time_text),
        pages_text=comp["pages_total"].map(fmt.num),
    )
    widgets.table(shown, {
        "name": st.column_config.TextColumn("Муниципалитет", width="medium"),
        "compliant": st.column_config.TextColumn("Итог", width="small"),
        "has_vk": st.column_config.TextColumn("ВКонтакте", width="small"),
        "has_ok": st.column_config.TextColumn("Одноклассники", width="small"),
        "verified": st.column_config.TextColumn("Госметка", width="small"),
        "posted_recently": st.column_config.TextColumn(f"Публикации за {pages.POST_RECENCY_DAYS} дн.",
                                                       width="small"),
        "last_post_text": st.column_config.TextColumn("Последняя публикация администрации"),
        "pages_text": st.column_config.TextColumn("Всего страниц", width="small"),
    }, key="compliance", height=36 * 36)
