"""Рейтинг: league table of the municipalities, composite or by one KPI, and a comparison view."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core import metrics
from dashboard.core.metrics import (
    KPIS,
    LOW_DATA,
    RATING_RELIABLE_MESSAGES,
    RATING_WEIGHTS,
    RELIABILITY,
    rating_method_text,
)
from dashboard.core.reference_data import SHORT_NAMES_NOTE, short_name
from dashboard.core.schema import MUNICIPALITY_KINDS
from dashboard.presentation import charts
from dashboard.ui import access, widgets
from queries import REGIONAL, rating

RANK_METRICS = ["score", "share_in_norm", "median_response_min", "subs_per_1000", "messages_per_1000",
                "photo_share", "posts_per_week", "er", "subscribers", "messages", "overdue"]
COMPARE_METRICS = ["score", "share_in_norm", "median_response_min", "subs_per_1000",
                   "messages_per_1000", "photo_share", "posts_per_week"]
MAX_COMPARE = 5
# The league's value header: the selector above names the metric whole, the header's help too.
# At 1024 px with the sidebar open the table has ~562 px: its value column is 72 px (88 for a
# duration, «13 ч 45 мин»), where «Ответ в срок», «Публикаций в неделю» or «Подписчики» were cut.
VALUE_HEADERS = {"score": "Баллы", "share_in_norm": "В срок", "median_response_min": "Медиана",
                 "subs_per_1000": "На 1000", "messages_per_1000": "На 1000", "photo_share": "С фото",
                 "posts_per_week": "В неделю", "er": "ER", "subscribers": "Всего", "messages": "Всего",
                 "overdue": "Всего"}


def _points_change(x) -> str:
    """«▲ 2,0», «▼ 20,0», «±0,0» (as shown, one decimal); «—» without a previous period."""
    if pd.isna(x):
        return "—"
    shown = round(float(x), 1)
    return "±0,0" if shown == 0 else f"{'▲' if shown > 0 else '▼'} {fmt.num(abs(shown), 1)}"


def score_parts_section(parts: pd.DataFrame, name: str) -> None:
    """Why the chosen municipality has its score and what moved it: the five components'
    values now and before, their points and the change (rating.score_parts), the largest
    change first — «where am I and why did I move» answered without reading all 35 rows."""
    if parts.empty:
        return
    shown = parts.assign(
        weight_text=parts["weight"].map(lambda w: fmt.pct(w, 0)),
        value_text=[KPIS[c].text(v) for c, v in zip(parts["code"], parts["value"])],
        prev_text=[KPIS[c].text(v) for c, v in zip(parts["code"], parts["prev_value"])],
        points_text=parts["points"].map(lambda v: fmt.num(v, 1)),
        change_text=parts["change"].map(_points_change),
    )
    with widgets.section(f"Из чего балл: {name}",
                         f"Баллы показателя — его место между лучшим (100) и худшим (0) из ранжируемых, "
                         f"умноженное на вес; сумма — сводный балл ({fmt.num(parts['points'].sum(), 1)}). "
                         "Баллы меняются и когда меняются другие муниципалитеты. Сначала — что изменилось "
                         "сильнее всего."):
        widgets.table(shown, {
            "name": st.column_config.TextColumn("Показатель", width=190),
            "weight_text": st.column_config.TextColumn("Вес", width=52),
            "value_text": st.column_config.TextColumn("Сейчас", width=100),
            "prev_text": st.column_config.TextColumn("Было", width=100),
            "points_text": st.column_config.TextColumn("Баллы", width=64),
            "change_text": st.column_config.TextColumn("Изменение баллов", width=130),
        }, arrows=["change_text"], key="score_parts", height=widgets.table_height(len(shown)))


f = widgets.current_filters()
widgets.page_header("Рейтинг муниципалитетов", f)
everywhere = f.with_(municipality_ids=())  # the rating always covers all 35
cur, prev = widgets.cached(rating.rating_and_previous, everywhere, now=widgets.pinned_now())  # prev: at the same age
mine = f.municipality_ids[0] if len(f.municipality_ids) == 1 and f.municipality_ids[0] != REGIONAL else None
names_by_id = dict(zip(cur["municipality_id"], cur["name"]))

table_tab, compare_tab = st.tabs(["Таблица рейтинга", "Сравнение"])

with table_tab:
    pick, method = widgets.stacking_columns("league_top", [1, 2])
    metric = pick.selectbox("Показатель", RANK_METRICS, format_func=lambda c: charts.METRICS[c].label,
                            key="metric", bind="query-params")
    m = charts.METRICS[metric]
    lg = rating.league(cur, prev, metric, lower_is_better=m.better == "lower")
    lg = lg.assign(value=lg[metric].where(~lg["low_data"].astype(bool)),
                   reliability_text=lg["reliability"].map(RELIABILITY), short_name=lg["name"].map(short_name))
    # Status against a target: the metric's own, or (for the composite score) «Ответ в срок».
    targets = widgets.get_settings().targets
    status_kpi = KPIS[m.code] if m.code in targets else KPIS["share_in_norm"]
    target = targets.get(status_kpi.code)
    marks = [None if low or target is None else target.status(v)
             for low, v in zip(lg["low_data"], lg[status_kpi.column])]
    # The dot and the value of the KPI the target is for; the dot alone when that is the ranked
    # metric, whose value is in the column beside it (at 1366 px there is no room for it twice).
    own = status_kpi.code == m.code
    lg = lg.assign(status_text=["●" if mk and own else f"● {status_kpi.text(v)}" if mk else ""
                                for mk, v in zip(marks, lg[status_kpi.column])])
    ranked = int(lg["place"].notna().sum())
    if mine is not None and (lg["municipality_id"] == mine).any():
        # The chosen municipality's (a municipality user's own) place where the page opens: its
        # row is highlighted, but below the method and down the 35 rows.
        me = lg[lg["municipality_id"] == mine].iloc[0]
        value = "" if pd.isna(me[metric]) else f" ({m.text(me[metric])})"
        where = f"{int(me['place'])}-е место из {ranked}" if pd.notna(me["place"]) else f"без места — {LOW_DATA}"
        before = (f" В прошлом периоде — {int(me['prev_place'])}-е." if pd.notna(me["place"])
                  and pd.notna(me["prev_place"]) else "")
        pick.markdown(f"**{me['name']}**: {where}{value}.{before}")
    with method, widgets.section("Как считается"):
        if metric == "score":
            weights = " · ".join(f"{KPIS[c].name} — **{fmt.pct(w, 0)}**" for c, w in RATING_WEIGHTS.items())
            st.markdown(f"Сводный балл 0–100 — сумма баллов по показателям с весами: {weights}.")
            st.caption("Каждый показатель переводится в баллы 0–100 среди ранжируемых муниципалитетов "
                       "(лучший — 100, худший — 0). Подробнее — на странице «Методика».")
        else:
            st.markdown(KPIS[m.code].formula)
        if metric in rating.MESSAGE_METRICS:
            # Eleven lines of it pushed the table below a 1366×768 screen: folded, named.
            with st.expander("Как учитывается число обращений"):
                st.caption(rating_method_text())
    if metric == "score" and mine is not None:
        score_parts_section(rating.score_parts(cur, prev, mine), names_by_id.get(mine, ""))
    # The table's columns need ~560 px, all of the main area at 1024 px with the sidebar open:
    # the columns that matter first (place, its change, name, value, target), the sample behind
    # the value last. At 1366 px the chart has the rest beside the table; narrower, it goes under.
    left, right = widgets.stacking_columns("league", [2.6, 1])
    with left:
        st.caption(f"Ранжировано: {ranked} из {len(lg)}. «Сдвиг» — изменение места: +2 — поднялся на два места, "
                   "−1 — опустился на одно; «—» — сдвиг в пределах случайных колебаний или мало данных. "
                   f"{widgets.previous_caption(f, widgets.compared_until(f), widgets.data_from(f))} "
                   + (f"Цели: {widgets.status_legend()}" if target else ""))
        widgets.table(lg, {
            "place": widgets.number_column("Место", "int", width=48),
            "change": widgets.rank_change_column("Сдвиг", width=52,
                                                 help="Изменение места: на сколько мест поднялся (+) или "
                                                      "опустился (−) по сравнению с предыдущим периодом; «—» — "
                                                      "в одном из периодов мало данных или место сдвинулось в "
                                                      "пределах случайных колебаний (см. «Как считается»)"),
            # Short names: «рабочий посёлок Кольцово» was cut; «Новосибирский р-н» is the longest.
            "short_name": st.column_config.TextColumn("Муниципалитет", width=136,
                                                      help=f"Сокращения: {SHORT_NAMES_NOTE}"),
            "value": widgets.kpi_column(metric, VALUE_HEADERS[metric], width=88 if m.kind == "minutes" else 72,
                                        help=f"{m.label}: {metrics.by_column(metric).formula}"),
            "status_text": st.column_config.TextColumn(
                # «К цели ● 95,5 %» beside «Баллы 81,2» read as 95,5 % of a target: the value named.
                "К цели" if own else "В срок", width=56 if own else 74,
                help=f"{status_kpi.name}: {target.description}. Зелёный — цель достигнута, жёлтый — близко, красный — далеко."
                if target else None),
            "messages": widgets.number_column("Обращений", "int", width=82),
            "reliability_text": st.column_config.TextColumn(
                "Надёжность", width=94, help=f"«высокая» — от {RATING_RELIABLE_MESSAGES} обращений за период, "
                                              f"«средняя» — от {metrics.rating_min_messages()}, меньше — «{LOW_DATA}»"),
        }, arrows=["change"], status={"status_text": marks}, height=widgets.table_height(len(lg)),
            style=widgets.selected_rows((lg["municipality_id"] == mine).tolist()), key="league")
        # For a meeting: the rating as a workbook with the period and the data's date written in
        # it is the report's; a reader of this table looked for it here.
        st.page_link(widgets.PAGES_DIR / "report.py", label="Рейтинг в Excel — «Отчёт», «Таблицы XLSX»",
                     icon=":material/table_view:")
        st.caption("Лист «Рейтинг»: места, баллы, показатели и изменения мест; период, дата данных и норма — "
                   "на листе «Сведения». Период выберите там же (месяц, квартал, год или свой).")
    with right:
        if ranked:
            with widgets.section(m.label):
                shown = lg[lg["place"].notna()]
                widgets.chart(charts.municipality_bars, shown, metric, highlight_id=mine,
                              target=targets.get(m.code), height=25 * len(shown) + 10, short_names=True)


with compare_tab:
    munis = cur[cur["municipality_id"] != REGIONAL].sort_values("name")
    names = dict(zip(munis["municipality_id"].astype(int), munis["name"]))
    mode_col, pick_col = st.columns([1, 2], vertical_alignment="bottom")
    how = mode_col.radio("Кого сравнить", ["Выбрать вручную", "Такие же, как мой"], horizontal=True,
                         key="cmp_mode")
    # A municipality user compares its own (the only one it sees) with peers among the other 34:
    # no box offering all 35 as «Мой муниципалитет».
    own = access.own_municipality()
    own = own if own in names else None
    if how == "Выбрать вручную" and own is not None:
        others = [i for i in names if i != own]
        picked = pick_col.multiselect(f"С кем сравнить {names[own]} (до {MAX_COMPARE - 1})", others,
                                      format_func=names.get, max_selections=MAX_COMPARE - 1, key="cmp",
                                      default=rating.peers_of(munis, own)[1:MAX_COMPARE],
                                      placeholder="Выберите муниципалитеты")
        chosen = [own, *picked]
    elif how == "Выбрать вручную":
        # Never an empty tab: one's own municipality with its peers (it alone asked for «хотя бы
        # два»), or without one the urban okrugs.
        okrugs = [int(i) for i in munis.loc[munis["kind"] == "urban_okrug", "municipality_id"]][:MAX_COMPARE]
        start = rating.peers_of(munis, mine)[:MAX_COMPARE] if mine in names else okrugs
        chosen = pick_col.multiselect(f"Муниципалитеты (от 2 до {MAX_COMPARE})", list(names), format_func=names.get,
                                      max_selections=MAX_COMPARE, key="cmp", default=start,
                                      placeholder="Выберите муниципалитеты")
    else:
        my = own if own is not None else pick_col.selectbox(
            "Мой муниципалитет", list(names), format_func=names.get, key="cmp_mine",
            index=list(names).index(mine) if mine in names else 0)
        chosen = rating.peers_of(munis, my)
        kind = MUNICIPALITY_KINDS[munis.loc[munis["municipality_id"] == my, "kind"].iloc[0]]
        who = f"{names[my]} и муниципалитеты" if own is not None else "Выбраны муниципалитеты"
        st.caption(f"{who} того же типа ({kind}), ближайшие по численности населения.")
    if len(chosen) < 2:
        widgets.empty_note("Выберите хотя бы один муниципалитет для сравнения." if own is not None
                           else "Выберите хотя бы два муниципалитета.")
    else:
        table_rows = rating.with_average(cur, chosen, COMPARE_METRICS)
        with widgets.section("Сравнение с другими муниципалитетами",
                             "Серым — среднее по всем 35 муниципалитетам (без весов по населению)."):
            widgets.comparison_grid(table_rows, COMPARE_METRICS, rating.AVERAGE_NAME, per_row=4)
        widgets.table(table_rows, {"name": st.column_config.TextColumn("Муниципалитет", width=200),
                                   **{c: widgets.kpi_column(c) for c in COMPARE_METRICS}}, key="cmp_table")
