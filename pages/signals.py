"""Сигналы: every open signal, filtered by severity, kind, municipality and first appearance.

Grouped by severity, one group each, the most severe open and the others collapsed; each group
paged by PAGE_SIZE, so a reader sees the critical first and the page stays readable in a minute
(50 a page in one list was about 5 900 px at 1366 px)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.signals import KINDS, SEVERITIES, rule_texts
from dashboard.ui import signals_view, widgets

SINCE = {"all": "за всё время", "1": "за последние сутки", "7": "за 7 дней", "30": "за 30 дней"}
EVERY_MUNICIPALITY = "Все"
PAGE_SIZE = 20

widgets.page_header("Сигналы", subtitle="Что требует внимания сейчас: просроченные обращения, молчащие и "
                    "недоступные страницы, госметка, обязательные платформы, всплески обращений, "
                    "отток подписчиков, устаревшие данные.")

with st.expander("Как определяются сигналы"):
    rules = rule_texts(widgets.get_settings())
    st.markdown("  \n".join(f"**{KINDS[k]}.** {rules[k]}" for k in KINDS))

df = signals_view.open_signals()
places = [EVERY_MUNICIPALITY, *sorted(df["municipality"].dropna().unique(), key=str.casefold)]
# One municipality's signals (a municipality user sees only its own): a choice between «Все» and
# it alone would change nothing, so there is none.
choose_place = len(places) > 2
# Controls as wide as their texts, wrapping onto a second line when the page is narrow: in four
# columns at 1024 px «Впервые» read «за всё вр».
row = st.container(horizontal=True, vertical_alignment="bottom")
severity = row.multiselect("Важность", list(SEVERITIES), format_func=SEVERITIES.get,
                           placeholder="Любая", key="sev", bind="query-params", width=200)
kinds = row.multiselect("Вид", list(KINDS), format_func=KINDS.get, placeholder="Все виды", key="kind",
                        bind="query-params", width=240)
place = (row.selectbox("Муниципалитет", places, key=signals_view.WHERE_PARAM, bind="query-params", width=230)
         if choose_place else EVERY_MUNICIPALITY)
since = row.selectbox("Впервые", list(SINCE), format_func=SINCE.get, key="since", bind="query-params", width=170)

shown = df
if severity:
    shown = shown[shown["severity"].isin(severity)]
if kinds:
    shown = shown[shown["kind"].isin(kinds)]
if place != EVERY_MUNICIPALITY:
    shown = shown[shown["municipality"] == place]
if since != "all":
    now = widgets.pinned_now() or pd.Timestamp.utcnow().tz_localize(None).to_pydatetime()
    shown = shown[pd.to_datetime(shown["first_seen"]) >= now - timedelta(days=int(since))]

n = len(shown)
st.markdown(f"Открыто **{fmt.num(n)}** {fmt.plural(n, 'сигнал', 'сигнала', 'сигналов')}"
            + (f" из {fmt.num(len(df))}" if n != len(df) else "") + ".")
if shown.empty:
    widgets.empty_note("Открытых сигналов с такими условиями нет.")
else:
    for i, (code, group) in enumerate(signals_view.by_severity(shown)):
        n_group = len(group)
        label = f"{fmt.num(n_group)} {fmt.plural(n_group, 'сигнал', 'сигнала', 'сигналов')}"
        with st.expander(f"{signals_view.badge(code, SEVERITIES[code])} {label}", expanded=i == 0):
            first = widgets.pager(f"signals_page_{code}", len(group), PAGE_SIZE,
                                  (tuple(severity), tuple(kinds), place, since))
            signals_view.signal_rows(group.iloc[first:first + PAGE_SIZE], first_seen=True)
    if len(shown) > PAGE_SIZE:
        st.caption(f"По важности, сначала критичные; по {PAGE_SIZE} на странице в каждой группе.")
    st.caption("«Впервые» — когда сигнал впервые записан ежедневной проверкой сигналов или, до неё, когда "
               "ситуация началась по данным. Ежедневная сводка этих сигналов уходит получателям по эл. "
               "почте и в Telegram (страница «Получатели сводок»).")
