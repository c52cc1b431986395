"""Профиль страницы (?page=<id>): audience, posts, reactions and ER week by week, messages and
timeliness of that page, its last post, госметка and open signals."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core import platforms
from dashboard.core.metrics import KPIS
from dashboard.presentation import page_charts
from dashboard.presentation.plaintext import literal
from dashboard.ui import access, signals_view, widgets
from queries import page_profile, pages, series

PARAM = signals_view.PAGE_PARAM
PICK_LIMIT = 100  # pages offered in the choice at once

f = widgets.current_filters()


raw_id = st.query_params.get(PARAM)
try:
    page_id = int(raw_id) if raw_id is not None else None
except ValueError:
    page_id = None
card = widgets.cached(page_profile.page_card, page_id) if page_id is not None else None
if card is None:
    widgets.page_header("Профиль страницы")
    if page_id is not None:
        st.warning(f"Страницы с номером {page_id} нет в реестре.", icon=":material/warning:")
    elif raw_id is not None:  # a link cut short or mistyped: said, not silently ignored
        st.warning(f"В ссылке номер страницы «{literal(raw_id)}» не распознан: выберите страницу в списке.",
                   icon=":material/warning:")
    # Country-wide the registry holds 70 000 pages: the choice lists one page of the search
    # result (searched in SQL), never the whole registry.
    needle = st.text_input("Поиск", placeholder="Название, организация или адрес страницы",
                           key="profile_page_search").strip()
    rf = pages.RegistryFilter(search=needle or None)
    total = widgets.cached(pages.registry_count, f, rf)
    if total == 0:
        widgets.empty_note("Страниц не найдено." if needle else "В реестре нет открытых страниц.")
        st.stop()
    reg = widgets.cached(pages.registry_page, f, rf, limit=PICK_LIMIT)
    labels = dict(zip(reg["page_id"].astype(int), reg["title"] + " · " + reg["platform_label"] + " · "
                      + reg["municipality"].fillna(widgets.REGIONAL_LABEL)))
    picked = st.selectbox("Страница", list(labels), format_func=labels.get, index=None,
                          placeholder="Выберите страницу (начните вводить название)", key="profile_page_pick")
    more = (f"Показаны первые {fmt.num(PICK_LIMIT)} из {fmt.num(total)}: уточните поиск. "
            if total > PICK_LIMIT else "")
    st.caption(more + "Профиль открывается и из «Реестра госпабликов», «Муниципалитета» и «Сигналов».")
    if picked is None:
        st.stop()
    st.query_params[PARAM] = str(picked)
    st.rerun()

if not access.may_see(card["municipality_id"]):  # a municipality user: its own pages only
    access.refuse("Профиль этой страницы вам недоступен: доступны только страницы вашего муниципалитета.")
st.query_params[PARAM] = str(page_id)
widgets.page_header(signals_view.plain(card["title"]), f.with_(municipality_ids=(), topic_ids=(), platforms=()))
# The organisation, unless it is the title again («Министерство труда …» under «Министерство труда …»).
facts = [card["platform_label"], card["municipality"],
         *([card["organisation"]] if card["organisation"] != card["title"] else [])]
if card["closed_on"] is not None:
    facts.append(f"закрыта {fmt.d(card['closed_on'])}")
st.markdown(" · ".join(signals_view.plain(x) for x in facts))
if link := platforms.safe_link(card["url"]):  # http(s) only: never a javascript: link
    st.link_button("Открыть страницу", link, icon=":material/open_in_new:")

weeks = widgets.cached(page_profile.weekly, page_id, f.start, f.end, f.norm, now=widgets.pinned_now())
# The weeks after the last day with data are partial, as on the other pages and in the report.
weeks = series.cut_by_the_data(weeks, f.period, "week", widgets.data_until(), column="week")
t = page_profile.totals(weeks)
widgets.metric_row([
    widgets.Card("Подписчики", fmt.num(card["subscribers"]),
                 help=f"Последний снимок: {fmt.d(card['stats_on'])}"),
    widgets.Card("Публикации", fmt.num(t["posts"]), help="За период, по снимкам статистики"),
    widgets.Card(KPIS["er"].name, fmt.pct(t["er"], 2), help=KPIS["er"].formula),
    widgets.Card("Обращения", fmt.num(t["messages"]), help=KPIS["messages"].formula),
    widgets.Card(KPIS["share_in_norm"].name, fmt.pct(t["share_in_norm"]), help=KPIS["share_in_norm"].formula),
    widgets.Card("Госметка", "есть" if card["verified"] else "нет",
                 help="Отметка о подтверждённом официальном сообществе"),
])
st.caption(f"Последняя публикация: {widgets.local_time_text(card['last_post_at'])} · "
           f"Подключена к «Госпабликам»: {'да' if card['gospubliki'] else 'нет'} · "
           f"Норма ответа: {widgets.get_settings().norm_label} · ER — формула на странице «Методика».")

mine = signals_view.open_signals()
mine = mine[mine["page_id"].eq(page_id).fillna(False).astype(bool)]
if not mine.empty:
    signals_view.attention(mine, limit=10, caption="Открытые сигналы этой страницы")

left, right = widgets.stacking_columns("weekly", 2)
with left, widgets.section("Подписчики", "Уровень на конец недели (последний снимок)"):
    widgets.chart(page_charts.weekly_line(weeks, "subscribers", "Подписчиков"))
with right, widgets.section("Публикации", "В неделю; серым — неполные недели периода"):
    widgets.chart(page_charts.weekly_bars(weeks, "posts", "Публикаций"))
left, right = widgets.stacking_columns("weekly_er", 2)
with left, widgets.section("ER", KPIS["er"].formula):
    widgets.chart(page_charts.weekly_line(weeks, "er", "ER", share=True))
with right, widgets.section("Обращения", "В неделю, по дате поступления"):
    widgets.chart(page_charts.weekly_bars(weeks, "messages", "Обращений"))

with widgets.section("По неделям", "Просмотры, реакции и ответы в срок"):
    table = weeks.assign(week_date=pd.to_datetime(weeks["week"]))
    # The columns fit the ~870 px the section has at 1366 px («Ответ в срок» was cut at its edge).
    widgets.table(table, {
        "week_date": widgets.date_column("Неделя с", width=90),
        "subscribers": widgets.number_column("Подписчики", "int", width=90),
        "posts": widgets.number_column("Публикации", "int", width=90),
        "views": widgets.number_column("Просмотры", "int", width=90),
        "likes": widgets.number_column("Лайки", "int", width=66),
        "comments": widgets.number_column("Комментарии", "int", width=108),
        "reposts": widgets.number_column("Репосты", "int", width=76),
        "er": widgets.kpi_column("er", "ER", width=66),
        "messages": widgets.number_column("Обращения", "int", width=86),
        "share_in_norm": widgets.kpi_column("share_in_norm", "Ответ в срок", width=104),
    }, muted=list(weeks["partial"].astype(bool)), key="profile_weeks",
        height=min(widgets.table_height(len(table)), 520))
    st.caption("Серым — неполные недели: выходят за границы периода, их цифры неполные.")
