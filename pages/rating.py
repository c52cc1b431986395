"""Рейтинг: league table of the municipalities, composite or by one KPI, and a comparison view."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.metrics import KPIS, RATING_MIN_MESSAGES, RATING_WEIGHTS
from dashboard.core.schema import MUNICIPALITY_KINDS
from dashboard.presentation import charts
from dashboard.ui import widgets
from queries import REGIONAL, rating

RANK_METRICS = ["score", "share_in_norm", "median_response_min", "subs_per_1000", "messages_per_1000",
                "photo_share", "posts_per_week", "er", "subscribers", "messages", "overdue"]
COMPARE_METRICS = ["score", "share_in_norm", "median_response_min", "subs_per_1000",
                   "messages_per_1000", "photo_share", "posts_per_week"]
LOW_DATA = "мало данных"
MAX_COMPARE = 5


f = widgets.current_filters()
widgets.page_header("Рейтинг муниципалитетов", f)
everywhere = f.with_(municipality_ids=())  # the rating always covers all 35
cur = widgets.q(rating.rating, everywhere, now=widgets.pinned_now())
prev = widgets.q(rating.rating, everywhere.previous(), now=widgets.pinned_now())
mine = f.municipality_ids[0] if len(f.municipality_ids) == 1 and f.municipality_ids[0] != REGIONAL else None

table_tab, compare_tab = st.tabs(["Таблица рейтинга", "Сравнение"])

with table_tab:
    pick, method = st.columns([1, 2])
    metric = pick.selectbox("Показатель", RANK_METRICS, format_func=lambda c: charts.METRICS[c].label,
                            key="metric", bind="query-params")
    m = charts.METRICS[metric]
    lg = rating.league(cur, prev, metric, lower_is_better=m.better == "lower")
    lg = lg.assign(place_text=[fmt.num(p) if not pd.isna(p) else "—" for p in lg["place"]],
                   change_text=lg["change"].map(charts.rank_change_label),
                   value_text=[LOW_DATA if low else m.format(v) for low, v in zip(lg["low_data"], lg[metric])],
                   kind_text=lg["kind"].map(MUNICIPALITY_KINDS),
                   messages_text=lg["messages"].map(fmt.num))
    # Status against a target: the metric's own, or (for the composite score) «Ответ в срок».
    targets = widgets.get_settings().targets
    status_kpi = KPIS[m.code] if m.code in targets else KPIS["share_in_norm"]
    target = targets.get(status_kpi.code)
    marks = [None if low or target is None else target.status(v)
             for low, v in zip(lg["low_data"], lg[status_kpi.column])]
    lg = lg.assign(status_text=[f"● {status_kpi.text(v)}" if mk else "" for mk, v in zip(marks, lg[status_kpi.column])])
    ranked = int(lg["place"].notna().sum())
    with method, widgets.section("Как считается"):
        if metric == "score":
            weights = " · ".join(f"{KPIS[c].name} — **{fmt.pct(w, 0)}**" for c, w in RATING_WEIGHTS.items())
            st.markdown(f"Сводный балл 0–100 — сумма баллов по показателям с весами: {weights}.")
            st.caption("Каждый показатель переводится в баллы 0–100 среди ранжируемых муниципалитетов "
                       "(лучший — 100, худший — 0). Подробнее — на странице «Методика».")
        else:
            st.markdown(KPIS[m.code].formula)
        if metric in rating.MESSAGE_METRICS:
            st.caption(f"Муниципалитеты, получившие меньше {RATING_MIN_MESSAGES} обращений за период, "
                       f"не ранжируются: «{LOW_DATA}».")
    left, right = st.columns([1.6, 1])
    with left:
        st.caption(f"Ранжировано: {ranked} из {len(lg)}. «▲» — поднялся, «▼» — опустился по сравнению "
                   "с предыдущим равным периодом. " + (f"Цели: {widgets.status_legend()}" if target else ""))
        widgets.table(lg, {
            "place_text": st.column_config.TextColumn("Место", width=60),
            "change_text": st.column_config.TextColumn("Изменение", width=90,
                                                       help="Изменение места к предыдущему периоду"),
            "name": st.column_config.TextColumn("Муниципалитет", width=190),
            "value_text": st.column_config.TextColumn("Баллы" if metric == "score" else m.label, width=110,
                                                      help=m.label),
            "messages_text": st.column_config.TextColumn("Обращений", width="small"),
            "status_text": st.column_config.TextColumn(
                f"{status_kpi.short} к цели", width=120,
                help=f"{target.description}. Зелёный — цель достигнута, жёлтый — близко, красный — далеко."
                if target else None),
            "kind_text": st.column_config.TextColumn("Тип", width="small"),
        }, arrows=["change_text"], status={"status_text": marks}, height=widgets.table_height(len(lg)),
            key="league")
    with right:
        if ranked:
            with widgets.section(m.label):
                shown = lg[lg["place"].notna()]
                widgets.chart(charts.municipality_bars, shown, metric, highlight_id=mine,
                              target=targets.get(m.code), height=25 * len(shown) + 10)


with compare_tab:
    munis = cur[cur["municipality_id"] != REGIONAL].sort_values("name")
    names = dict(zip(munis["municipality_id"].astype(int), munis["name"]))
    mode_col, pick_col = st.columns([1, 2], vertical_alignment="bottom")
    how = mode_col.radio("Кого сравнить", ["Выбрать вручную", "Такие же, как мой"], horizontal=True,
                         key="cmp_mode")
    if how == "Выбрать вручную":
        chosen = pick_col.multiselect(f"Муниципалитеты (от 2 до {MAX_COMPARE})", list(names), format_func=names.get,
                                max_selections=MAX_COMPARE, key="cmp",
                                default=[mine] if mine else None, placeholder="Выберите муниципалитеты")
    else:
        my = pick_col.selectbox("Мой муниципалитет", list(names), format_func=names.get, key="cmp_mine",
                          index=list(names).index(mine) if mine in names else 0)
        chosen = rating.peers_of(munis, my)
        kind = MUNICIPALITY_KINDS[munis.loc[munis["municipality_id"] == my, "kind"].iloc[0]]
        st.caption(f"Выбраны муниципалитеты того же типа ({kind}), ближайшие по численности населения.")
    if len(chosen) < 2:
        widgets.empty_note("Выберите хотя бы два муниципалитета.")
    else:
        table_rows = rating.with_average(cur, chosen, COMPARE_METRICS)
        with widgets.section("Сравнение с другими муниципалитетами",
                             "Серым — среднее по всем 35 муниципалитетам (без весов по населению)."):
            widgets.comparison_grid(table_rows, COMPARE_METRICS, rating.AVERAGE_NAME, per_row=4)
        show = pd.DataFrame({"Муниципалитет": table_rows["name"]})
        for c in COMPARE_METRICS:
            show[charts.METRICS[c].label] = table_rows[c].map(charts.METRICS[c].format)
        st.dataframe(show, hide_index=True, width="stretch", key="cmp_table")
