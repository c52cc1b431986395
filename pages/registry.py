"""Реестр госпабликов: searchable table of all pages, per-municipality compliance, downloads."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.localtime import day_start_utc
from dashboard.core.schema import ORG_KINDS, ORG_SECTORS
from dashboard.presentation import exports
from dashboard.ui import access, signals_view, widgets
from queries import pages

YES, NO = "✓", "✗"
# «Без публикаций»: days without a post (0: any page).
SILENT = {0: "Не важно", 14: "14 дней и больше", 30: "30 дней и больше", 90: "90 дней и больше"}


f = widgets.current_filters()
widgets.page_header("Реестр госпабликов")
st.caption("Официальные страницы органов власти и подведомственных учреждений. "
           "Фильтры платформ и муниципалитета действуют, период — нет.")

# Controls as wide as their texts, wrapping onto a second line when the page is narrow: in four
# columns at 1024 px they read «Все страни», «С за…».
filters_row = st.container(horizontal=True, vertical_alignment="bottom")
search = filters_row.text_input("Поиск", placeholder="Название, организация или адрес страницы", key="q",
                                bind="query-params", width=310)
kinds = filters_row.multiselect("Тип организации", list(ORG_KINDS), format_func=ORG_KINDS.get,
                                placeholder="Все типы", key="kind", width=200)
mark = filters_row.selectbox("Госметка", ["all", "yes", "no"],
                             format_func={"all": "Все страницы", "yes": "Есть госметка", "no": "Нет госметки"}.get,
                             key="mark", width=180)
silent_days = filters_row.selectbox("Без публикаций", list(SILENT), format_func=SILENT.get, key="silent",
                                    width=190, help="Страницы, где не было публикаций столько дней и больше "
                                                    "или не было совсем: список для рассылки — кнопки "
                                                    "«Скачать» под таблицей")
closed = filters_row.toggle("С закрытыми", key="closed", help="Показать и закрытые страницы", width="content")
today = widgets.local_now().date()
silent_since = today - timedelta(days=silent_days) if silent_days else None
rf = pages.RegistryFilter(search=search.strip() or None, include_closed=closed, org_kinds=tuple(kinds),
                          verified=None if mark == "all" else mark == "yes",
                          silent_before=None if silent_since is None else day_start_utc(silent_since, widgets.get_settings().tz))

tab_pages, tab_check = st.tabs(["Страницы", "Проверка требований"])
with tab_pages:
    total = widgets.cached(pages.registry_count, f, rf)
    # A municipality user sees only its own pages: ordered by municipality they were in no
    # order that helps; its largest pages come first (the ЦУР head's list stays grouped by
    # municipality), and neither the sort nor a column names the one municipality again.
    own = access.own_municipality() is not None
    sorts = [k for k in pages.REGISTRY_SORTS if not (own and k == "municipality")]
    sort_row = st.container(horizontal=True, vertical_alignment="bottom")
    sort = sort_row.selectbox("Сортировка", sorts, format_func=pages.REGISTRY_SORTS.get, key="sort",
                              index=sorts.index("subscribers" if own else "municipality"), width=220)
    descending = sort_row.toggle("По убыванию", value=own, key="desc", width="content")
    st.markdown(f"Найдено **{fmt.num(total)}** {fmt.plural(total, 'страница', 'страницы', 'страниц')}"
                + (f" без публикаций с {fmt.d(silent_since)} (за {silent_days} дней и больше)" if silent_since else "")
                + ".")
    offset = widgets.pager("reg_page", total, pages.REGISTRY_PAGE_SIZE, reset_on=(f, rf, sort, descending))
    reg = widgets.cached(pages.registry_page, f, rf, sort=sort, descending=descending, offset=offset)
    reg = reg.assign(
        sector_text=reg["sector"].map(ORG_SECTORS).fillna(""),
        last_post_at=widgets.local_times(reg["last_post_at"]),
        profile="stranitsa?page=" + reg["page_id"].astype(str),
    )
    # The page's name and its profile first, every column as wide as its header and texts:
    # at 1366 px the names were cut to «Администрация Баганского рай» and «Профиль» was
    # off screen, past «Последняя публикация».
    event = widgets.table(reg, {
        # A municipality user's list has no «Муниципалитет» column: the titles get its 160 px
        # («МБУК Библиотека № 1 рабочего посёлка Кольцо…» was cut in 300).
        "title": st.column_config.TextColumn("Страница", width=300 + 160 * own),
        "profile": st.column_config.LinkColumn("Профиль", display_text="профиль", width=80,
                                               help="Профиль страницы в дашборде"),
        **({} if own else {"municipality": st.column_config.TextColumn("Муниципалитет", width=160)}),
        "platform_label": st.column_config.TextColumn("Платформа", width=118),
        "subscribers": st.column_config.NumberColumn("Подписчики", format="localized", width=96),
        "verified": st.column_config.CheckboxColumn("Госметка", width=84),
        "gospubliki": st.column_config.CheckboxColumn("«Госпаблики»", width=110,
                                                      help="Подключена к инструменту «Госпаблики»"),
        "last_post_at": st.column_config.DatetimeColumn("Последняя публикация", format="DD.MM.YYYY HH:mm",
                                                        width=170),
        "url": st.column_config.LinkColumn("Ссылка", display_text="открыть", width=76),
        "organisation": st.column_config.TextColumn("Организация", width="medium"),
        "sector_text": st.column_config.TextColumn("Отрасль"),
    }, key="registry", height=widgets.table_height(min(len(reg), 15)), on_select="rerun",
        selection_mode="single-row")
    picked = event.selection.rows if event is not None else []
    if picked:
        row = reg.iloc[picked[0]]
        signals_view.page_link(int(row["page_id"]), f"Профиль страницы «{signals_view.plain(row['title'])}»")
    else:
        st.caption("Отметьте строку, чтобы открыть профиль страницы здесь же, или нажмите «профиль» "
                   "в строке (откроется в новой вкладке); «открыть» — сама страница в соцсети.")
    st.caption("Файлы содержат все найденные страницы и готовятся по нажатию кнопки.")
    widgets.download_buttons("reestr_gospablikov", "Реестр", exports.registry_export,
                             pages.registry_page, f, rf, sort=sort, descending=descending, limit=None)

with tab_check:
    comp = widgets.cached(pages.compliance, today, f)
    ok = int(comp["compliant"].astype(bool).sum())
    st.markdown(f"Соответствуют всем требованиям: **{ok} из {len(comp)}** муниципалитетов. "
                f"Требования: у администрации есть открытые страницы ВКонтакте и в Одноклассниках, на каждой "
                f"из них — госметка и публикации за последние {pages.POST_RECENCY_DAYS} дней "
                f"(до {fmt.d(today)}).")
    # ✗ in «За 14 дн.» beside yesterday's «Последняя публикация» read as a contradiction: the
    # date is the latest of the administration's pages, the check wants every one of them.
    st.caption(f"«Последняя публикация» — самая свежая на страницах администрации; ✗ в «За "
               f"{pages.POST_RECENCY_DAYS} дн.» при недавней дате — молчит другая из этих страниц.")
    comp = comp.sort_values(["compliant", "name"])
    checks = ("compliant", "has_vk", "has_ok", "verified", "posted_recently")
    shown = comp.assign(
        **{c: comp[c].map(lambda v: YES if bool(v) else NO) for c in checks},
        last_post_local=widgets.local_times(comp["last_post_at"]),
    )
    # ✓ green, ✗ red (read at a glance); every column as wide as its header, all on screen at
    # 1366 px (it read «Однокласс», «Публикаци», and «Всего страниц» was off screen).
    widgets.table(shown, {
        "name": st.column_config.TextColumn("Муниципалитет", width=184),
        "compliant": st.column_config.TextColumn("Итог", width=52),
        "has_vk": st.column_config.TextColumn("ВКонтакте", width=96),
        "has_ok": st.column_config.TextColumn("Одноклассники", width=124),
        "verified": st.column_config.TextColumn("Госметка", width=84),
        "posted_recently": st.column_config.TextColumn(f"За {pages.POST_RECENCY_DAYS} дн.", width=90,
                                                       help=f"Публикации за последние {pages.POST_RECENCY_DAYS} дней "
                                                            "на каждой странице администрации"),
        "last_post_local": widgets.datetime_column("Последняя публикация", width=160,
                                                   help="Последняя публикация на страницах администрации"),
        "pages_total": widgets.number_column("Всего страниц", "int", width=110),
    }, status={c: ["good" if bool(v) else "bad" for v in comp[c]] for c in checks},
        key="compliance", height=widgets.table_height(len(shown)))
