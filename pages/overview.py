"""Обзор: the one screen for leadership — KPI cards, trends, best and worst, topics."""

from __future__ import annotations

import streamlit as st

from dashboard.presentation import charts
from dashboard.ui import widgets
from queries import breakdowns, rating, series

TOP_N = 5

f = widgets.current_filters()
widgets.page_header("Обзор", f)

cur, prev = widgets.headline_header(f, [
    "pages", "subscribers", "messages", "share_in_norm", "median_response", "overdue",
])

grain = f.period.grain()
trend = widgets.q(series.messages_series, f, grain=grain)
left, right = st.columns(2)
with left, widgets.section("Обращения", f"Число обращений {widgets.GRAIN_LABELS[grain]}"):
    widgets.chart(charts.messages_trend(trend, grain=grain))
with right, widgets.section("Ответ в срок", f"Доля обращений с ответом в пределах нормы, "
                                            f"{widgets.GRAIN_LABELS[grain]}"):
    widgets.chart(charts.timeliness_trend(trend, grain=grain))

# Best and worst are always among all municipalities, whatever the municipality filter.
ranked = widgets.q(rating.rating, f.with_(municipality_ids=()), now=widgets.pinned_now())
best, worst = rating.best_and_worst(ranked, "share_in_norm", TOP_N)

c1, c2 = st.columns(2)
with c1, widgets.section(f"{TOP_N} лучших по ответу в срок", "Муниципалитеты с достаточным числом обращений"):
    if best.empty:
        widgets.empty_note()
    else:
        widgets.chart(charts.municipality_bars(best, "share_in_norm", height=TOP_N * 34))
with c2, widgets.section(f"{TOP_N} отстающих по ответу в срок", "Сначала — с самой низкой долей"):
    if worst.empty:
        widgets.empty_note()
    else:
        widgets.chart(charts.municipality_bars(worst, "share_in_norm", height=TOP_N * 34, worst_first=True))
c1, c2 = st.columns([1.4, 1])
with c1, widgets.section("Темы обращений", "Число обращений и доля от всех за период"):
    widgets.chart(charts.topic_bars(widgets.q(breakdowns.by_topic, f), top=8))
with c2, widgets.section("Платформы", "Telegram — только публикации, обращений в нём нет"):
    plat = widgets.q(breakdowns.by_platform, f, now=widgets.pinned_now())
    widgets.chart(charts.platform_bars(plat, "messages", title="Обращения"))
    widgets.chart(charts.platform_bars(plat, "subscribers", title="Подписчики"))
