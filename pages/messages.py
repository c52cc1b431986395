"""Обращения: volumes by platform and topic, the weekday × hour pattern, response times,
and the list of overdue messages (no resident names or contacts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.metrics import trend_grain
from dashboard.core.reference_data import SHORT_NAMES_NOTE, short_name
from dashboard.presentation import charts
from dashboard.ui import widgets
from queries import backlog, breakdowns, responses, series

OVERDUE_PAGE_SIZE = 100
# About ten rows, then the table scrolls; fewer rows get a table their height (a municipality's
# four overdue messages sat in 400 px of empty rows).
OVERDUE_HEIGHT = 400

SHORT_PERIOD_DAYS = 14  # «По темам» by days up to two weeks

f = widgets.current_filters()
widgets.page_header("Обращения жителей", f)

cur, prev = widgets.headline_header(f, [
    "messages", "share_answered", "share_in_norm", "median_response", "overdue", "photo_share",
])

grain = trend_grain(f.period, cur.messages)  # days, or weeks where days would hold too few
left, right = widgets.stacking_columns("by", 2)
with left, widgets.section("По платформам", f"Число обращений {widgets.grain_words(f, grain)}"):
    widgets.chart(charts.by_platform_area, widgets.trend_data(series.messages_series_by, f, grain, by="platform"),
                                          grain=grain)
# Daily lines of many topics are unreadable over a month; a week by weeks was two partial
# points (6 days and 1), a plunge from 160 to 20 that never was: short periods stay by days.
topic_grain = "week" if grain == "day" and f.period.days > SHORT_PERIOD_DAYS else grain
with right, widgets.section("По темам", f"Пять крупнейших тем, {widgets.GRAIN_LABELS[topic_grain]}"):
    widgets.chart(charts.by_topic_lines, widgets.trend_data(series.messages_series_by, f, topic_grain, by="topic"),
                                        top=5, grain=topic_grain)

left, right = widgets.stacking_columns("when", 2)
with left, widgets.section("Когда пишут", "Обращения по дням недели и часам, местное время"):
    widgets.chart(charts.weekday_hour_heatmap, widgets.cached(responses.weekday_hour, f))
# Its green bars summed 80,7 % under a card «Ответ в срок 81,8 %»: the shares here are of all
# the period's messages, the card's of those whose time to answer has come.
with right, widgets.section("Время первого ответа", f"Норма: {widgets.get_settings().norm_label}. Доли — от всех "
                                                     "обращений; «Ответ в срок» — от тех, чей срок ответа наступил"):
    widgets.chart(charts.response_distribution, widgets.cached(responses.response_distribution, f), f.norm.hours)

with widgets.section("По платформам: сводка"):
    plat = widgets.cached(breakdowns.by_platform, f)
    if plat.empty:
        widgets.empty_note()
    else:
        plat = plat.copy()
        widgets.table(plat, {
            "platform_label": st.column_config.TextColumn("Платформа"),
            "pages": widgets.number_column("Страниц", "int"),
            "subscribers": widgets.number_column("Подписчиков", "int"),
            "messages": widgets.number_column("Обращений", "int"),
            "share_in_norm": widgets.kpi_column("share_in_norm"),
            "median_response_min": widgets.kpi_column("median_response_min"),
        }, key="by_platform")

with widgets.section("Просроченные обращения без ответа",
                     "Статус «новое» или «в работе», срок ответа истёк. Сначала самые старые. "
                     "Имена и контакты жителей не хранятся и не показываются."):
    now = widgets.pinned_now()
    total = widgets.cached(backlog.overdue_count, f, now=now)
    if not total:
        st.success("Просроченных обращений нет.", icon=":material/check_circle:")
    else:
        st.markdown(f"**{fmt.num(total)}** {fmt.plural(total, 'обращение', 'обращения', 'обращений')}.")
        offset = widgets.pager("overdue_page", total, OVERDUE_PAGE_SIZE, reset_on=f)
        od = widgets.cached(backlog.overdue_messages, f, now=now, limit=OVERDUE_PAGE_SIZE, offset=offset)
        # Short names («Новосибирский р-н», «г. Новосибирск»), as the charts write them: at 1366 px
        # the full ones were cut («Новосибирский район»); the topic column gets 20 px more
        # («Тепло- и водоснабжение» was cut too), from the date and hours columns' spare room.
        od = od.assign(received_local=pd.to_datetime(od["received_at"]),  # already local time
                       minutes_overdue=od["hours_overdue"] * 60,  # shown as «12 дн 1 ч», not «289» hours
                       municipality=od["municipality"].map(short_name))
        # One municipality chosen (a municipality user's own): no column repeating it in every
        # row; the page title, cut at 193 px («Администрация города Бердс…»), gets its width.
        one = len(f.municipality_ids) == 1
        widgets.table(od, {
            "received_local": widgets.datetime_column("Поступило", width=118),
            "minutes_overdue": widgets.number_column("Просрочено на", "minutes", width=104,
                                                     help=f"Сколько прошло сверх нормы ответа ({f.norm.label})"),
            **({} if one else {"municipality": st.column_config.TextColumn("Муниципалитет", width=140,
                                                                        help=f"Сокращения: {SHORT_NAMES_NOTE}")}),
            "page_title": st.column_config.TextColumn("Страница", width=193 + 140 * one),
            "page_url": st.column_config.LinkColumn("Открыть", display_text=r"https?://(?:www\.|m\.)?([^/]+)",
                                                    width="small", help="Страница в соцсети"),
            "topic": st.column_config.TextColumn("Тема", width=160),
            "status_label": st.column_config.TextColumn("Статус", width=80),
        }, key="overdue", height=min(OVERDUE_HEIGHT, widgets.table_height(len(od))))
