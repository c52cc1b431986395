"""Signals on screen: the «Требует внимания» block, links into the app, plain text."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core import signals as rules
from dashboard.presentation.plaintext import literal
from dashboard.ui import access, widgets
from queries import signals
from queries.filters import REGIONAL, Filters

# url path (dashboard/ui/app.py NAVIGATION) -> page file, for the screens signals link to.
LINK_PAGES = {
    "obrashcheniya": "messages.py",
    "munitsipalitet": "municipality.py",
    "stranitsa": "page_profile.py",
    "dannye": "data.py",
    "signaly": "signals.py",
    "reestr": "registry.py",
}
PAGE_PARAM = "page"
WHERE_PARAM = rules.WHERE_PARAM  # «Сигналы» ?where=<municipality name>: its signals only
NO_MUNICIPALITY = -1  # stands for an empty municipality_id (regional bodies, the whole oblast)
BADGE_COLORS = {"critical": "red", "warning": "orange", "info": "blue"}

def plain(text: str) -> str:
    """Text from files and APIs for st.markdown: shown as written (plaintext.literal)."""
    return literal(text)


def open_signals() -> pd.DataFrame:
    """The open signals the current user may see (role «муниципалитет»: its own only)."""
    df = widgets.cached(signals.open_signals, now=widgets.pinned_now())
    if df.empty:
        return df
    # Decided once per municipality (a few dozen), not per signal (thousands country-wide).
    where = df["municipality_id"].fillna(NO_MUNICIPALITY).astype(int)
    allowed = [m for m in where.unique() if access.may_see(None if m == NO_MUNICIPALITY else int(m))]
    return df[where.isin(allowed)]


def by_severity(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(severity code, its signals in ``df``'s order) for each severity present, the most
    severe first (dashboard.core.signals.SEVERITIES)."""
    return [(code, df[df["severity"] == code]) for code in rules.SEVERITIES if (df["severity"] == code).any()]


def attention_signals(municipality_id: int | None = None, limit: int = 5) -> tuple[pd.Series, pd.DataFrame]:
    """(open signals per severity code, the first ``limit`` of them) that the current user
    may see — of one municipality when ``municipality_id`` is given — for ``attention``,
    without drawing every open signal (``signals.attention``)."""
    counts, first = widgets.cached(signals.attention, now=widgets.pinned_now(), limit=limit)
    where = counts["municipality_id"].fillna(NO_MUNICIPALITY).astype(int)
    allowed = [m for m in where.unique() if access.may_see(None if m == NO_MUNICIPALITY else int(m))]
    if municipality_id is not None:
        allowed = [m for m in allowed if m == municipality_id]
    counts = counts[where.isin(allowed)].groupby("severity")["n"].sum()
    first = first[first["municipality_id"].fillna(NO_MUNICIPALITY).astype(int).isin(allowed)]
    return counts, first.head(limit)


def app_link(link: str, label: str, icon: str | None = None) -> None:
    """st.page_link to an in-app link such as 'stranitsa?page=5' (same tab, same session)."""
    path, _, query = link.partition("?")
    page = widgets.PAGES_DIR / LINK_PAGES[path]
    st.page_link(page, label=label, icon=icon, query_params=dict(parse_qsl(query)) or None)


def page_link(page_id: int, label: str = "Профиль страницы") -> None:
    app_link(f"stranitsa?{PAGE_PARAM}={int(page_id)}", label, icon=":material/article:")


def first_seen_text(utc) -> str:
    return widgets.local_time_text(utc)


def badge(severity: str, label: str) -> str:
    """Streamlit Markdown badge for a severity (emoji need a colour font the server may lack)."""
    return f":{BADGE_COLORS[severity]}-badge[{label}]"


def row_markdown(row) -> str:
    """'badge · sentence' of one signal row, the sentence as plain text."""
    return f"{badge(row.severity, row.severity_label)} {plain(row.text)}"


def signal_rows(df: pd.DataFrame, first_seen: bool = False) -> None:
    """One line per signal: severity badge and sentence, then links to the screen that shows
    it and, for a page's signal, to the page's profile."""
    for row in df.itertuples():
        left, right = st.columns([6, 1.3], vertical_alignment="center")
        with left:
            st.markdown(row_markdown(row))
            if first_seen:
                st.caption(f"{row.kind_label} · {row.municipality} · впервые {first_seen_text(row.first_seen)}")
        with right:
            app_link(row.link, "Открыть", icon=":material/arrow_forward:")
            if not pd.isna(row.page_id) and not row.link.startswith("stranitsa"):
                page_link(int(row.page_id), "Профиль")


def attention(df: pd.DataFrame, limit: int = 5, caption: str | None = None, counts: pd.Series | None = None,
              empty: str = "Открытых сигналов нет.", where: str | None = None) -> None:
    """«Требует внимания»: the first ``limit`` signals of ``df`` (already in order), each with
    its severity, sentence and a link to the screen that shows it; then a link to «Сигналы»
    (to one municipality's signals there when ``where`` names it). ``counts`` (signals per
    severity code) when ``df`` holds only the first signals (``attention_signals``); else
    every signal is in ``df``. ``empty``: what to say when there is none (Markdown)."""
    if counts is None:
        counts = df["severity"].value_counts()
    total = int(counts.sum())
    with widgets.section("Требует внимания", caption):
        if not total:
            st.success(empty, icon=":material/check_circle:")
            return
        summary = " · ".join(f"{label}: {fmt.num(counts[code])}" for code, label in rules.SEVERITIES.items()
                             if counts.get(code, 0))
        st.caption(f"Всего открыто {fmt.num(total)} · {summary}.")
        signal_rows(df.head(limit))
        if total > limit:
            link = rules.link(rules.PATH_SIGNALS, **{WHERE_PARAM: where})
            app_link(link, f"Все сигналы ({fmt.num(total)})", icon=":material/notifications:")


NOW_NOTE = "сейчас, независимо от выбранного периода"


def attention_in_scope(f: Filters) -> None:
    """«Требует внимания» of «Обзор»: with one municipality chosen, its own open signals (a
    district official reads the block as theirs); with none, several or the regional bodies,
    the oblast's."""
    one = f.municipality_ids[0] if len(f.municipality_ids) == 1 and f.municipality_ids[0] != REGIONAL else None
    name = widgets.municipality_options()[1].get(one)
    if name is None:
        counts, first = attention_signals()
        attention(first, counts=counts, caption=f"Главные открытые сигналы области — {NOW_NOTE}")
        return
    counts, first = attention_signals(one)
    shown = plain(name)
    attention(first, counts=counts, caption=f"Открытые сигналы: {shown} — {NOW_NOTE}",
              empty=f"У муниципалитета «{shown}» открытых сигналов нет.", where=name)
