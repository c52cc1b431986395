"""Обзор: the one screen for leadership — KPI cards, trends, best and worst, topics."""

from __future__ import annotations

import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.metrics import KPIS, rating_min_messages, trend_grain
from dashboard.presentation import charts
from dashboard.ui import signals_view, widgets
from queries import breakdowns, rating, series

TOP_N = 5
# Chosen by the rating's shrunk share, drawn by the plain one: «Убинский р-н, 96,3 %» (27
# messages) was not among five best down to 93,8 % (82) — with no word why.
BEST_NOTE = "От {n} обращений за период; отбор — как в «Рейтинге»: с поправкой на малое число обращений"

f = widgets.current_filters()
widgets.page_header("Обзор", f)

cur, prev = widgets.headline_header(f, [
    "pages", "subscribers", "messages", "share_in_norm", "median_response", "overdue",
])

signals_view.attention_in_scope(f)

grain = trend_grain(f.period, cur.messages)  # days, or weeks where days would hold too few
trend = widgets.trend_data(series.messages_series, f, grain, now=widgets.pinned_now())
left, right = widgets.stacking_columns("trends", 2)
with left, widgets.section("Обращения", f"Число обращений {widgets.grain_words(f, grain)}"):
    widgets.chart(charts.messages_trend, trend, grain=grain)
with right, widgets.section("Ответ в срок", f"Доля обращений с ответом в пределах нормы, "
                                            f"{widgets.GRAIN_LABELS[grain]}"):
    target = widgets.get_settings().targets.get("share_in_norm")
    widgets.chart(charts.timeliness_trend, trend, target.goal if target else None, grain=grain)

# Best and worst are always among all municipalities, whatever the municipality filter; the
# rating's shrunk share without the rest of the rating (scores, previous period).
ranked = widgets.cached(rating.norm_standing, f.with_(municipality_ids=()), now=widgets.pinned_now())
best, worst = rating.best_and_worst(ranked, "share_in_norm", TOP_N)
# One scale for both charts (59 % is never drawn longer than 100 %); colours by the target;
# the municipality chosen in the sidebar is outlined where it appears.
everyone = rating.standing(ranked, "share_in_norm")
chosen = f.municipality_ids[0] if len(f.municipality_ids) == 1 else None
top = max([*everyone["share_in_norm"].astype(float), target.goal if target else 0.0, 0.01])
# Bars as thick in both charts whatever their number: one municipality's bar filled all five's
# height (a platform or a topic ranks few).
bars = dict(domain_max=top, target=target, highlight_id=chosen)
bar_px = 34

c1, c2 = widgets.stacking_columns("best_worst", 2)
# «5 лучших» over one bar said more than it showed: the number only when there are five.
with c1, widgets.section(f"{TOP_N} лучших по ответу в срок" if len(best) == TOP_N else "Лучшие по ответу в срок",
                         BEST_NOTE.format(n=fmt.num(rating_min_messages()))):
    if best.empty:
        widgets.empty_note()
    else:
        widgets.chart(charts.municipality_bars, best, "share_in_norm", height=bar_px * max(len(best), 2), **bars)
with c2, widgets.section(f"{TOP_N} отстающих по ответу в срок" if len(worst) == TOP_N else "Отстающие по ответу в срок",
                         "Сначала — с самой низкой долей"):
    if worst.empty:
        widgets.empty_note("Других муниципалитетов с достаточным числом обращений нет." if len(best)
                           else "За выбранный период данных нет.")
    else:
        widgets.chart(charts.municipality_bars, worst, "share_in_norm", worst_first=True,
                      height=bar_px * max(len(worst), 2), **bars)
if chosen in set(everyone["municipality_id"]) - set(best["municipality_id"]) - set(worst["municipality_id"]):
    place = list(everyone["municipality_id"]).index(chosen) + 1
    row = everyone[everyone["municipality_id"] == chosen].iloc[0]
    st.caption(f"{row['name']}: {place}-е место из {len(everyone)} по ответу в срок "
               f"({KPIS['share_in_norm'].text(row['share_in_norm'])}).")
c1, c2 = widgets.stacking_columns("topics", [1.4, 1])
with c1, widgets.section("Темы обращений", "Число обращений и доля от всех за период"):
    widgets.chart(charts.topic_bars, widgets.cached(breakdowns.by_topic, f), top=8)
with c2, widgets.section("Платформы", "Telegram — только публикации, обращений в нём нет"):
    plat = widgets.cached(breakdowns.by_platform, f, now=widgets.pinned_now())
    widgets.chart(charts.platform_bars, plat, "messages", title="Обращения")
    widgets.chart(charts.platform_bars, plat, "subscribers", title="Подписчики")
