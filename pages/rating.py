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
# Metrics about answering messages: ranked only with enough messages in the period.
MESSAGE_METRICS = {"score", "share_in_norm", "median_response_min", "mean_response_min", "photo_share"}
COMPARE_METRICS = ["score", "share_in_norm", "median_response_min", "subs_per_1000",
                   "messages_per_1000", "photo_share", "posts_per_week"]
AVERAGE_NAME = "Среднее по муниципалитетам"
LOW_DATA = "мало данных"
MAX_COMPARE = 5
PEERS = 4


def league(cur: pd.DataFrame, prev: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The league table for ``metric``: rank, previous rank, change, value text, status."""
    df = cur[cur["municipality_id"] != REGIONAL].copy()
    prev = prev[prev["municipality_id"] != REGIONAL]
    if metric == "score":
        df["place"], df["prev_place"] = df["rank"], df["prev_rank"]
    else:
        eligible = df["enough_data"].astype(bool) if metric in MESSAGE_METRICS else None
        df["place"] = charts.rank_by(df, metric, eligible)
        p_eligible = prev["enough_data"].astype(bool) if metric in MESSAGE_METRICS else None
        prev_place = charts.rank_by(prev, metric, p_eligible)
        df["prev_place"] = df["municipality_id"].map(dict(zip(prev["municipality_id"], prev_place)))
    df["change"] = df["prev_place"] - df["place"]
    m = charts.METRICS[metric]
    low = df["place"].isna() & (metric in MESSAGE_METRICS) & ~df["enough_data"].astype(bool)
    df["place_text"] = [fmt.num(p) if not pd.isna(p) else "—" for p in df["place"]]
    df["change_text"] = [charts.rank_change_label(c) for c in df["change"]]
    df["value_text"] = [LOW_DATA if lw else m.format(v) for lw, v in zip(low, df[metric])]
    df["kind_text"] = df["kind"].map(MUNICIPALITY_KINDS)
    df["messages_text"] = df["messages"].map(fmt.num)
    df["status"] = [LOW_DATA if lw else "" for lw in low]
    return df.sort_values(["place", "name"], na_position="last")


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
    lg = league(cur, prev, metric)
    m = charts.METRICS[metric]
    ranked = int(lg["place"].notna().sum())
    with method, widgets.section("Как считается"):
        if metric == "score":
            weights = " · ".join(f"{KPIS[c].name} — **{fmt.pct(w, 0)}**" for c, w in RATING_WEIGHTS.items())
            st.markdown(f"Сводный балл 0–100 — сумма баллов по показателям с весами: {weights}.")
            st.caption("Каждый показатель переводится в баллы 0–100 среди ранжируемых муниципалитетов "
                       "(лучший — 100, худший — 0). Подробнее — на странице «Методика».")
        else:
            st.markdown(KPIS[m.code].formula)
        if metric in MESSAGE_METRICS:
            st.caption(f"Муниципалитеты, получившие меньше {RATING_MIN_MESSAGES} обращений за период, "
                       f"не ранжируются: «{LOW_DATA}».")
    left, right = st.columns([1.6, 1])
    with left:
        st.caption(f"Ранжировано: {ranked} из {len(lg)}. «▲» — поднялся, «▼» — опустился по сравнению "
                   "с предыдущим равным периодом.")
        widgets.table(lg, {
            "place_text": st.column_config.TextColumn("Место", width=60),
            "change_text": st.column_config.TextColumn("Изменение", width=90,
                                                       help="Изменение места к предыдущему периоду"),
            "name": st.column_config.TextColumn("Муниципалитет", width=190),
            "value_text": st.column_config.TextColumn("Баллы" if metric == "score" else m.label, width=110,
                                                      help=m.label),
            "messages_text": st.column_config.TextColumn("Обращений", width="small"),
            "kind_text": st.column_config.TextColumn("Тип", width="small"),
        }, arrows=["change_text"], height=widgets.table_height(len(lg)), key="league")
    with right:
        if ranked:
            with widgets.section(m.label):
                shown = lg[lg["place"].notna()]
                widgets.chart(charts.municipality_bars(shown, metric, highlight_id=mine,
                                                       height=25 * len(shown) + 10))


def peers_of(df: pd.DataFrame, mid: int, n: int = PEERS) -> list[int]:
    """``n`` municipalities of the same kind closest in population to ``mid``."""
    me = df[df["municipality_id"] == mid].iloc[0]
    same = df[(df["kind"] == me["kind"]) & (df["municipality_id"] != mid)].copy()
    same["gap"] = (same["population"] - me["population"]).abs()
    return [mid] + list(same.sort_values(["gap", "name"])["municipality_id"].head(n))


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
        chosen = peers_of(munis, my)
        kind = MUNICIPALITY_KINDS[munis.loc[munis["municipality_id"] == my, "kind"].iloc[0]]
        st.caption(f"Выбраны муниципалитеты того же типа ({kind}), ближайшие по численности населения.")
    if len(chosen) < 2:
        widgets.empty_note("Выберите хотя бы два муниципалитета.")
    else:
        rows = munis.set_index("municipality_id").loc[chosen].reset_index()
        avg = {c: munis[c].mean() for c in COMPARE_METRICS}
        table_rows = pd.concat([rows, pd.DataFrame([{"name": AVERAGE_NAME, **avg}])], ignore_index=True)
        with widgets.section("Сравнение с другими муниципалитетами",
                             "Серым — среднее по всем 35 муниципалитетам (без весов по населению)."):
            widgets.comparison_grid(table_rows, COMPARE_METRICS, AVERAGE_NAME, per_row=4)
        show = pd.DataFrame({"Муниципалитет": table_rows["name"]})
        for c in COMPARE_METRICS:
            show[charts.METRICS[c].label] = table_rows[c].map(charts.METRICS[c].format)
        st.dataframe(show, hide_index=True, width="stretch", key="cmp_table")
