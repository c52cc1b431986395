"""Муниципалитет: the profile of one municipality (the map opens it with ?m=<id>)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.metrics import trend_grain
from dashboard.core.schema import MUNICIPALITY_KINDS
from dashboard.presentation import charts
from dashboard.ui import access, signals_view, widgets
from queries import (
    breakdowns,
    kpis,
    pages,
    rating,
    reference,
    responses,
    series,
)

PICK_TITLES = {"urban_okrug": "Городские округа", "municipal_district": "Муниципальные районы",
               "municipal_okrug": "Муниципальные округа"}
COMPARE_METRICS = ["share_in_norm", "median_response_min", "subs_per_1000", "messages_per_1000",
                   "photo_share", "posts_per_week"]


# One municipality selection, the sidebar's: the profile shows the municipality chosen
# there (the map links here with ?m=<id>, which app.py turns into that filter).
f0 = widgets.current_filters()
munis = widgets.cached(reference.municipalities)
names = dict(zip(munis["id"].astype(int), munis["name"]))
chosen = f0.municipality_ids[0] if len(f0.municipality_ids) == 1 else None
if chosen not in names:
    widgets.page_header("Муниципалитет", f0, chip=False)
    st.info("Выберите муниципалитет: нажмите на его название ниже или на «Карте», или выберите "
            "в фильтре «Муниципалитет» слева.", icon=":material/location_city:")
    # The names set the sidebar's filter (one selection, as the map's click does): an empty
    # page with one sentence was all a visitor saw.
    own = set(access.visible([i for i in names if i > 0]))
    for kind, title in MUNICIPALITY_KINDS.items():
        group = munis[(munis["kind"] == kind) & munis["id"].isin(own)].sort_values("name")
        if group.empty:
            continue
        with widgets.section(PICK_TITLES.get(kind, title)):
            cols = st.columns(4)
            for i, (mid, name) in enumerate(zip(group["id"].astype(int), group["name"])):
                cols[i % 4].button(name, key=f"pick_{mid}", type="tertiary",
                                   on_click=widgets.choose_municipality, args=(mid,))
    widgets.footer(widgets.data_status())  # st.stop() ends app.py's run too, footer included
    st.stop()
mid = chosen
access.require(municipality_id=mid)  # a municipality user: only its own profile
widgets.show_profile_link(mid)
me = munis[munis["id"] == mid].iloc[0]
f = f0.with_(municipality_ids=(mid,))

widgets.page_header(me["name"], f0)
facts = [MUNICIPALITY_KINDS.get(me["kind"], me["kind"])]
if not pd.isna(me["population"]):
    facts.append(f"население {fmt.num(me['population'])} чел.")
if not pd.isna(me.get("area_km2")):
    facts.append(f"площадь {fmt.num(me['area_km2'])} км²")
st.markdown(" · ".join(facts).capitalize())

cur, prev = widgets.cached(kpis.headline_compare, f, now=widgets.pinned_now())
# «Рейтинг»'s own reading (one cache entry for both pages); the place and its change come from it.
rt, _ = widgets.cached(rating.rating_and_previous, f0.with_(municipality_ids=()), now=widgets.pinned_now())
mine = rt[rt["municipality_id"] == mid].iloc[0]
n_ranked = int(rt["rank"].notna().sum())


def rank_card() -> widgets.Card:
    if not bool(mine["enough_data"]) or pd.isna(mine["rank"]):
        return widgets.Card("Место в рейтинге", "мало данных", help="Меньше обращений, чем нужно для рейтинга.")
    change = mine["rank_change"]
    text = charts.rank_card_change(change, mine["prev_rank"])
    color = "gray" if pd.isna(change) or change == 0 else ("green" if change > 0 else "red")
    # The label already carries ▲/▼: no second arrow.
    return widgets.Card("Место в рейтинге", f"{fmt.num(mine['rank'])} из {n_ranked}", text, color, "off",
                        "Сводный рейтинг муниципалитетов. Стрелка — сдвиг сильнее случайных колебаний; "
                        "«было» — место в прошлом периоде, когда сдвиг в их пределах. Из чего балл и что "
                        "его изменило — «Рейтинг» с выбранным муниципалитетом; формулы — «Методика».")


CARDS = ["subscribers", "messages", "share_in_norm", "median_response", "overdue"]
widgets.metric_row([rank_card(), *widgets.headline_cards(cur, prev, CARDS, f)])
widgets.change_caption(f, CARDS)
counts, first = signals_view.attention_signals(mid)
signals_view.attention(first, counts=counts, caption=f"Открытые сигналы: {signals_view.plain(me['name'])} и его "
                       "страницы", where=me["name"])

# How am I doing (the cards) → when (messages and the share within the norm per bucket, the
# oblast's share beside it) → why (response times, topics); subscribers, the slowest figure, last.
grain = trend_grain(f.period, cur.messages)  # days, or weeks where days would hold too few
trend = widgets.trend_data(series.messages_series, f, grain, now=widgets.pinned_now())
left, right = widgets.stacking_columns("trends", 2)
with left, widgets.section("Обращения", f"Число обращений {widgets.grain_words(f, grain)}"):
    widgets.chart(charts.messages_trend, trend, grain=grain)
with right, widgets.section("Ответ в срок", f"Доля обращений с ответом в пределах нормы, {widgets.GRAIN_LABELS[grain]}; "
                                            "серая линия — вся область"):
    # The oblast: the same platforms and topics, every municipality and the regional bodies.
    oblast = widgets.trend_data(series.messages_series, f.with_(municipality_ids=()), grain, now=widgets.pinned_now())
    target = widgets.get_settings().targets.get("share_in_norm")
    widgets.chart(charts.timeliness_vs_oblast, trend, oblast, target.goal if target else None, grain=grain)

left, right = widgets.stacking_columns("answers", 2)
with left, widgets.section("Время первого ответа", f"Норма: {widgets.get_settings().norm_label}"):
    widgets.chart(charts.response_distribution, widgets.cached(responses.response_distribution, f), f.norm.hours)
with right, widgets.section("Темы обращений"):
    widgets.chart(charts.topic_bars, widgets.cached(breakdowns.by_topic, f), top=8)

with widgets.section("Подписчики", f"Сумма подписчиков страниц по платформам, {widgets.GRAIN_LABELS[grain]}"):
    widgets.chart(charts.subscribers_trend, widgets.cached(series.subscribers_series, f, grain=grain), grain=grain,
                  height=180)

with widgets.section("Сравнение", "С муниципалитетами того же типа и средним по всем 35 муниципалитетам"):
    widgets.comparison_grid(rating.compared_with_kind(rt, mid, COMPARE_METRICS), COMPARE_METRICS,
                            rating.AVERAGE_NAME)

with widgets.section("Страницы", "Официальные страницы органов власти и учреждений муниципалитета"):
    pf = f.with_(platforms=f0.platforms)
    total = widgets.cached(pages.registry_count, pf)
    if not total:
        widgets.empty_note("Страниц не найдено.")
    else:
        st.markdown(f"**{fmt.num(total)}** {fmt.plural(total, 'страница', 'страницы', 'страниц')}.")
        offset = widgets.pager("profile_pages_page", total, pages.REGISTRY_PAGE_SIZE, reset_on=pf)
        reg = widgets.cached(pages.registry_page, pf, offset=offset)
        reg = reg.assign(last_post=widgets.local_times(reg["last_post_at"]),
                         stats_date=pd.to_datetime(reg["stats_on"]),
                         profile="stranitsa?page=" + reg["page_id"].astype(str))
        # As in «Реестр»: the name and its profile first, every column as wide as its header and texts;
        # the columns to «Ссылка» fit the 874 px of a 1366 px screen (at 934 «открыть» was cut),
        # the organisation follows.
        widgets.table(reg, {
            "title": st.column_config.TextColumn("Страница", width=232),
            "profile": st.column_config.LinkColumn("Профиль", display_text="профиль", width=72),
            "platform_label": st.column_config.TextColumn("Платформа", width=110),
            "subscribers": widgets.number_column("Подписчики", "int", width=92),
            "verified": st.column_config.CheckboxColumn("Госметка", width=78),
            "last_post": widgets.datetime_column("Публикация", width=126, help="Последняя публикация"),
            "stats_date": widgets.date_column("Данные на", width=86),
            "url": st.column_config.LinkColumn("Ссылка", display_text="открыть", width=70),
            "organisation": st.column_config.TextColumn("Организация", width="medium"),
        }, key="profile_pages")
