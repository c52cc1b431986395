"""Shared Streamlit building blocks: engine and query cache, filters, KPI cards, banners."""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import altair as alt
import pandas as pd
import streamlit as st
from openpyxl.styles import Font
from sqlalchemy.exc import OperationalError

from dashboard.core import db, periods, schema, spreadsheet
from dashboard.core import formatting as fmt
from dashboard.core.db import make_engine
from dashboard.core.localtime import to_local, to_local_series
from dashboard.core.metrics import COMPARISON_RULE_SHORT, KPIS, Change, change_basis, format_value
from dashboard.core.periods import GRAIN_LABELS
from dashboard.core.platforms import CODES as PLATFORM_CODES
from dashboard.core.platforms import label as platform_label
from dashboard.core.settings import get_settings
from dashboard.presentation import charts
from dashboard.presentation.plaintext import literal
from queries import kpis, reference, series
from queries.filters import REGIONAL, Filters, Norm

QUERY_TTL_S = 300

# Altair validates every piece of a chart against the Vega-Lite schema as it is built (its
# "debug mode"): about 0.1-0.3 s per chart, most of a warm page run.
alt.utils.schemapi.disable_debug_mode()
# The finished spec of a chart drawn through ``chart`` is validated against the schema only
# when this is set (the test suite sets it, tests/conftest.py): validation does not change
# the spec and costs about 30 ms a chart, a third of a cold page's chart time at national
# scale. The charts' own tests (tests/test_charts.py) validate through Chart.to_dict too.
VALIDATE_CHARTS = False
try:  # Altair's theme and data transformer are global: take the lock Streamlit takes for them
    from streamlit.elements.vega_charts import _altair_globals_lock as _ALTAIR_LOCK
except ImportError:  # pragma: no cover - another Streamlit version
    import threading

    _ALTAIR_LOCK = threading.RLock()
log = logging.getLogger("dashboard.ui")
PAGE_FAILED = ("Не удалось показать страницу: внутренняя ошибка приложения. Подробности записаны в журнал "
               "сервера; попробуйте обновить страницу или сообщите администратору.")

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"

ALL = -1  # "no filter" option of the municipality and topic selectors
NOWHERE = -2  # a municipality id that matches nothing (a user bound to a municipality that is gone)
REGIONAL_LABEL = "Региональные органы власти"
DEMO_BANNER = "Демонстрационные данные: цифры сгенерированы и не являются реальными"

# Sidebar widget keys; each is also the URL query parameter it is bound to.
K_PERIOD, K_DATES, K_PLATFORMS, K_MUNICIPALITY, K_TOPIC = "period", "dates", "pl", "mo", "topic"
DEFAULT_PRESET = "30d"


@st.cache_resource(show_spinner=False)
def get_engine():
    return make_engine(get_settings().database_url)


def data_version() -> str:
    """Changes whenever data is written (meta.data_updated_at); part of every cache key."""
    with get_engine().connect() as conn:
        return db.get_meta(conn, schema.META_UPDATED_AT) or ""


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def _run(qualname: str, args: tuple, kwargs: tuple, version: str):
    fn = _resolve(qualname)
    with get_engine().connect() as conn:
        return fn(conn, *args, **dict(kwargs))


def cached(fn: Callable, *args, **kwargs):
    """Run a query function from ``queries`` through the cache: ``cached(kpis.headline, f)``."""
    return _run(_qualname(fn), args, tuple(sorted(kwargs.items())), data_version())


def _qualname(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _resolve(qualname: str) -> Callable:
    module, name = qualname.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


# The icon of the app's own error messages: a Material symbol, served with the app (an emoji
# such as 🛑 needs a colour-emoji font, missing on many closed-network workstations: a box).
ERROR_ICON = ":material/error:"


@contextmanager
def visitor_errors():
    """Errors of the page script become a Russian message; the traceback goes to the server
    log only (``client.showErrorDetails = "none"`` in .streamlit/config.toml covers the rest).
    st.stop / st.rerun / st.switch_page pass through (they are not Exceptions)."""
    try:
        yield
    except db.DatabaseUnavailable as e:
        st.error(str(e), icon=ERROR_ICON)
    except OperationalError as e:
        st.error(str(db.database_error(e, get_engine().url)), icon=ERROR_ICON)
    except Exception:
        log.exception("page script failed")
        st.error(PAGE_FAILED, icon=ERROR_ICON)


def current_filters() -> Filters:
    """The filters chosen in the sidebar by app.py (pages call this, never build their own)."""
    return st.session_state["filters"]


def data_status():
    return cached(reference.data_status)


def data_until() -> date | None:
    """The last day the figures cover (periods.known_until): the last day with data, today
    at the latest; None without data."""
    return periods.known_until(data_status().last_day, local_now().date())


def trend_data(query: Callable, f: Filters, grain: str, **kwargs) -> pd.DataFrame:
    """``query(conn, f, grain=grain, **kwargs)`` (queries.series), cached, with the buckets
    after the last day with data marked partial (series.cut_by_the_data), as the report
    marks them: a running month's last days are drawn lighter, not as a fall to zero."""
    return series.cut_by_the_data(cached(query, f, grain=grain, **kwargs), f.period, grain, data_until())


# stacking_columns: the key prefix of their row, and the main area's width below which they stack.
STACK_KEY = "stack-"
STACK_BELOW_PX = 880
_STACK_ROW = f'[class*="st-key-{STACK_KEY}"] > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"]'

# «Свой период» after the first click in its calendar: the field takes one day and the pages
# show it, until the second click sets the period's end.
ONE_DAY_PICKED = "{day} — один день. Чтобы задать период, выберите в календаре и его последний день."

# What Enter does in a text field (Streamlit's own hint is English): outside a form, in a form.
ENTER_HINT = "Enter — применить"
ENTER_HINT_FORM = "Enter — сохранить"

# A choice list with nothing to offer (Streamlit's own words are English).
NOTHING_FOUND = "Ничего не найдено"
NOTHING_FOUND_OR_FULL = "Ничего не найдено или уже выбрано наибольшее число"
LIST_FULL = "Больше выбрать нельзя: сначала уберите один из выбранных"
_EMPTY_LIST = '[data-testid="{}"] [role="listbox"][data-empty="true"] [role="option"] > span'

# The tooltips of the buttons over a table or chart (Streamlit's words, English), by aria-label.
TOOLBAR_WORDS = {
    "Download as CSV": "Скачать CSV", "Download as PNG": "Скачать PNG", "Search": "Поиск",
    "Fullscreen": "Во весь экран", "Close fullscreen": "Выйти из полноэкранного режима",
    "Show/hide columns": "Показать или скрыть столбцы", "Show data": "Показать данные",
    "Show chart": "Показать график", "Copy Vega-Lite spec": "Копировать описание графика (Vega-Lite)",
    "Clear selection": "Снять выделение",
}
_TOOLTIP = '[role="tooltip"] [data-testid="stTooltipContent"] p'
_TOOLBAR_CSS = "\n".join(
    f'body:has([data-testid="stElementToolbar"] button[aria-label="{en}"]:is(:hover, :focus-visible)) {_TOOLTIP} '
    f'{{ font-size: 0; }}\n'
    f'body:has([data-testid="stElementToolbar"] button[aria-label="{en}"]:is(:hover, :focus-visible)) {_TOOLTIP}::after '
    f'{{ content: "{ru}"; font-size: 0.875rem; }}'
    for en, ru in TOOLBAR_WORDS.items())

# The menu a table's column header opens (⋮) and its «Statistics» panel (Streamlit's words,
# English). Its entries are bare text beside an icon, which CSS cannot tell apart (unlike the
# toolbar's aria-labels), so a script in the page translates them as they appear.
COLUMN_MENU_WORDS = {
    "Sort ascending": "По возрастанию", "Sort descending": "По убыванию", "Statistics": "Статистика",
    "Autosize": "Ширина по содержимому", "Pin column": "Закрепить столбец", "Unpin column": "Открепить столбец",
    "Hide column": "Скрыть столбец", "Copy column name": "Копировать название столбца", "Copied": "Скопировано",
    "Values": "Значений", "Empty": "Пустых", "Distinct": "Разных", "Average": "Среднее",
    "Standard deviation": "Стандартное отклонение", "Minimum": "Минимум", "25th percentile": "25-й процентиль",
    "Median": "Медиана", "75th percentile": "75-й процентиль", "Maximum": "Максимум", "Sum": "Сумма",
    "Minimum length": "Наименьшая длина", "Maximum length": "Наибольшая длина", "Average length": "Средняя длина",
    "Range": "Размах", "No data": "Нет данных", "Based on sample": "По выборке", "True": "Да", "False": "Нет",
    # The hint of the column-type icon at the menu's top:
    "text": "Текст", "number": "Число", "date": "Дата", "datetime": "Дата и время", "time": "Время",
    "checkbox": "Да или нет", "link": "Ссылка", "list": "Список", "progress": "Шкала", "object": "Значение",
}
# Entries taken out: «Format» offers $, €, ¥ and English number styles for figures the table
# already shows in Russian.
COLUMN_MENU_HIDDEN = ("Format",)
# The date field and its calendar (st.date_input): the calendar's months and weekdays follow the
# browser's language, but the field is always English: «dd.mm.yyyy» in an empty half of a range,
# and the names screen readers say.
DATE_INPUT_WORDS = {
    "dd": "дд", "mm": "мм", "yyyy": "гггг",
    "Choose date range": "Выбрать даты в календаре", "Choose date": "Выбрать дату в календаре",
    "Clear dates": "Очистить даты", "Clear date": "Очистить дату",
    "Previous month": "Предыдущий месяц", "Next month": "Следующий месяц", "month": "месяц", "year": "год",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
        "Стрелки — выбор дня, Enter — выбрать, Esc — закрыть.",
}
# (where, words, entries to take out): translated by a script in the page as they appear.
_TRANSLATED = (
    ('[data-testid="stDataFrameColumnMenu"], [data-testid="stDataFrameStatisticsMenu"]', COLUMN_MENU_WORDS,
     COLUMN_MENU_HIDDEN),
    ('[data-testid="stDateInput"], [data-testid="stDateInputCalendar"]', DATE_INPUT_WORDS, ()),
)
_TRANSLATE_JS = """<script>
(() => {
  if (window.dashboardTranslate) return;
  window.dashboardTranslate = true;
  const rules = %s;
  const russian = () => rules.forEach(([scope, words, hidden]) => document.querySelectorAll(scope).forEach(part => {
    const texts = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
    for (let t = texts.nextNode(); t; t = texts.nextNode()) {
      const word = t.nodeValue.trim();
      if (hidden.includes(word)) {
        const item = t.parentElement.closest('[role="menuitem"]');
        const box = item && item.parentElement.getAttribute('role') === 'presentation' ? item.parentElement : item;
        if (box) box.style.display = 'none';
      } else if (words[word]) {
        t.nodeValue = words[word];
      }
    }
    [part, ...part.querySelectorAll('[title], [aria-label]')].forEach(e => ['title', 'aria-label'].forEach(a => {
      if (words[e.getAttribute(a)]) e.setAttribute(a, words[e.getAttribute(a)]);
    }));
  }));
  new MutationObserver(russian).observe(document.body, {childList: true, subtree: true, characterData: true});
})();
</script>""" % json.dumps([[scope, words, list(hidden)] for scope, words, hidden in _TRANSLATED], ensure_ascii=False)

# Big numbers that still fit six cards in a row on a 1366 px screen; less empty space on top.
_KPI_ROW = '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])'
_CSS = f"""
<style>
[data-testid="stMetricValue"] {{ font-size: clamp(1.5rem, 2vw, 2.3rem); }}
[data-testid="stMetricValue"] > div {{ overflow: visible; }}
/* A long KPI name wraps onto a second line instead of «Медиана перво…». */
[data-testid="stMetricLabel"] * {{ white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }}
[data-testid="stMetricDelta"] {{ font-size: 0.8rem; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 2.5rem; }}
/* Below 1600 px a row of KPI cards wraps into rows of three instead of truncating numbers. */
@media (max-width: 1600px) {{
  {_KPI_ROW} {{ flex-wrap: wrap; }}
  {_KPI_ROW} > [data-testid="stColumn"] {{ flex: 1 1 calc(33.333% - 1rem); min-width: calc(33.333% - 1rem); }}
}}
/* Tablets: the map takes the full width and its ranking (with the value column) goes below. */
@media (max-width: 1200px) {{
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] iframe[title="streamlit_folium.st_folium"]) {{
    flex-wrap: wrap; }}
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] iframe[title="streamlit_folium.st_folium"])
      > [data-testid="stColumn"] {{ flex: 1 1 100%; min-width: 100%; }}
}}
/* A row of stacking_columns: one column under another when the main area is narrower than
   its columns need (1024 px with the sidebar open: a league table of ~560 px and its chart). */
[class*="st-key-{STACK_KEY}"] {{ container-type: inline-size; }}
@container (max-width: {STACK_BELOW_PX - 1}px) {{
  {_STACK_ROW} {{ flex-wrap: wrap; }}
  {_STACK_ROW} > [data-testid="stColumn"] {{ flex: 1 1 100%; min-width: 100%; }}
}}
/* The hint Streamlit writes into a text field being typed in, «Press Enter to apply» (in a form
   «… to submit form»; no setting for it), in Russian; a length counter after it stays. */
[data-testid="InputInstructions"] > span:first-child {{ font-size: 0; }}
[data-testid="InputInstructions"] > span:first-child::after {{ content: "{ENTER_HINT}"; font-size: 0.75rem; }}
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after {{ content: "{ENTER_HINT_FORM}"; }}
/* A choice list with nothing to offer says so in Russian («No results»; a multiselect at its
   max_selections «You can only select up to 5 options. Remove an option first.», whatever is
   typed: so with nothing typed it can only be that). */
{_EMPTY_LIST.format("stSelectboxVirtualDropdown")},
{_EMPTY_LIST.format("stMultiSelectDropdown")} {{ font-size: 0; }}
{_EMPTY_LIST.format("stSelectboxVirtualDropdown")}::after,
{_EMPTY_LIST.format("stMultiSelectDropdown")}::after {{ content: "{NOTHING_FOUND}"; font-size: 0.875rem; }}
{_EMPTY_LIST.format("stMultiSelectDropdown")}::after {{ content: "{NOTHING_FOUND_OR_FULL}"; }}
body:has([data-testid="stMultiSelect"] input[aria-expanded="true"][value=""]) {_EMPTY_LIST.format("stMultiSelectDropdown")}::after {{
  content: "{LIST_FULL}"; }}
/* The calendar's quick ranges («Past Week» … «Past 2 Years», counted from today): the «Период»
   list above the field offers the same in Russian, counted from the data's last day. */
[data-testid="stDateInputQuickSelect"] {{ display: none; }}
/* The buttons over a table or chart: their tooltips in Russian (TOOLBAR_WORDS). */
{_TOOLBAR_CSS}
/* «Муниципалитет»'s names to choose from wrap onto a second line rather than «Барабинский рай…»
   (four to a row in ~560 px at 1024 px with the sidebar open). */
[class*="st-key-pick_"] button [data-testid="stMarkdownContainer"],
[class*="st-key-pick_"] button [data-testid="stMarkdownContainer"] p {{
  white-space: normal; overflow: visible; text-overflow: clip; text-align: left; }}
/* Phones: two cards a row, values whole (never «4 443…»); less padding around the page. */
@media (max-width: 640px) {{
  {_KPI_ROW} > [data-testid="stColumn"] {{ flex: 1 1 calc(50% - 0.5rem); min-width: calc(50% - 0.5rem); }}
  [data-testid="stMetric"] {{ padding: 0.6rem 0.7rem; }}
  [data-testid="stMetricValue"] {{ font-size: 1.45rem; }}
  [data-testid="stMainBlockContainer"] {{ padding: 2.5rem 0.8rem 2rem 0.8rem; }}
}}
/* Print («Обзор» on two A4 pages): no sidebar, header or buttons; the page full width. */
@media print {{
  @page {{ size: A4 portrait; margin: 10mm; }}
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  [data-testid="stBaseButton-tertiary"], .st-key-municipality_chip button {{ display: none !important; }}
  [data-testid="stMain"] {{ margin-left: 0 !important; }}
  [data-testid="stMainBlockContainer"] {{ padding: 0 !important; max-width: 100% !important; zoom: 0.55; }}
  [data-testid="stVerticalBlockBorderWrapper"], [data-testid="stElementContainer"] {{ break-inside: avoid; }}
  /* Side by side as on a screen (a page is narrower than Streamlit's stacking width). */
  [data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap !important; flex-direction: row !important; }}
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{ min-width: 0 !important; width: auto !important;
    flex: 1 1 0 !important; }}
}}
</style>
"""
# The document language: Streamlit has no option for <html lang>; screen readers and
# hyphenation need "ru". The server sets it before the app's scripts run, with the language
# they read (dashboard/ui/document.py); this covers `streamlit run dashboard/ui/app.py`.
_LANG_JS = "<script>document.documentElement.lang = 'ru';</script>"


def page_style() -> None:
    """A few layout tweaks the theme cannot express (font sizes of KPI cards, phone and print
    layouts), the document language, and tables' column menus in Russian."""
    st.html(_CSS)
    with st.sidebar:
        st.html(_LANG_JS + _TRANSLATE_JS, unsafe_allow_javascript=True)


def russian_file_uploader(instructions: str, refused: str = "") -> None:
    """Replace the English texts of st.file_uploader ("Upload", "200MB per file") on this page;
    Streamlit has no setting for them. ``refused``: the Russian text shown on a file the
    browser refused before uploading (too large or of another type; Streamlit shows only a
    red chip with its English reason in a hover tooltip)."""
    st.html(f"""<style>
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{instructions}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzone"] button > * {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button::after {{ content: "Выбрать файл"; font-size: 0.875rem; }}
[data-testid="stFileChip"][aria-invalid="true"] {{ max-width: 26rem; }}
[data-testid="stFileChip"][aria-invalid="true"] [data-testid="stFileChipName"] + div {{ font-size: 0; }}
[data-testid="stFileChip"][aria-invalid="true"] [data-testid="stFileChipName"] + div::after {{
  content: "{refused}"; font-size: 0.8rem; white-space: normal; color: #b3261e; }}
</style>""")


def demo_banner(status) -> None:
    if status.is_demo:
        st.warning(DEMO_BANNER, icon="⚠️")


def footer(status) -> None:
    """'Данные обновлены: 28.11.2026 14:05' in the display time zone."""
    st.divider()
    st.caption(f"Данные обновлены: {fmt.dt(local_time(status.updated_at))}"
               f" · Норма ответа: {get_settings().norm_label}"
               " · Центр управления регионом Новосибирской области")


def local_time(utc: datetime | None) -> datetime | None:
    """A naive UTC time converted to the display time zone (naive); None/NaT stay None."""
    return to_local(utc, get_settings().tz)


def local_times(utc: pd.Series) -> pd.Series:
    """A column of naive UTC times converted to the display time zone (naive), vectorised;
    empty values stay NaT."""
    return to_local_series(utc, get_settings().tz)


def local_time_text(utc) -> str:
    """A naive UTC time (or NaT/None) as '28.11.2026 14:05' in the display time zone."""
    return fmt.NA if utc is None or pd.isna(utc) else fmt.dt(local_time(utc))


NOW_KEY = "now_utc"


def pinned_now() -> datetime | None:
    """The "current time" (naive UTC) for deadline-dependent figures: None = the real clock.

    Tests pin it through ``st.session_state["now_utc"]`` so overdue counts are reproducible;
    pass it as ``now=`` to queries (None keeps query results cacheable)."""
    return st.session_state.get(NOW_KEY)


def local_now() -> datetime:
    pinned = pinned_now()
    if pinned is not None:
        return local_time(pinned)
    return datetime.now(get_settings().tz).replace(tzinfo=None)


# -- sidebar filters --------------------------------------------------------

def municipality_options() -> tuple[list[int], dict[int, str]]:
    """Selector options: all, each of the 35 municipalities, regional bodies; for a user bound
    to one municipality (role «муниципалитет»), only that one (dashboard.ui.access)."""
    from dashboard.ui import access

    m = cached(reference.municipalities)
    names = dict(zip(m["id"].astype(int), m["name"]))
    if access.current() is not None and not access.may_see(REGIONAL):
        own = access.visible(names)
        return own, {i: names[i] for i in own}
    labels = {ALL: "Все муниципалитеты", **names}
    labels[REGIONAL] = REGIONAL_LABEL
    return list(labels), labels


def topic_options() -> tuple[list[int], dict[int, str]]:
    t = cached(reference.topics)
    labels = {ALL: "Все темы", **dict(zip(t["id"].astype(int), t["name"]))}
    return list(labels), labels


PROFILE_PARAM = "m"  # ?m=<municipality id>: a link to a municipality's profile (from the map)
_PROFILE_SHOWN = "_profile_m_shown"


def take_profile_link(on_profile: bool) -> None:
    """On the profile page, a new ?m=<id> selects that municipality in the shared filter.

    The profile page keeps ?m= equal to the municipality it shows (show_profile_link), so
    only a link that names another one changes the filter; elsewhere ?m= is ignored. A
    link naming no known municipality says so (link_notice) instead of silently showing
    another one."""
    if not on_profile:
        st.session_state.pop(_PROFILE_SHOWN, None)
        return
    raw = st.query_params.get(PROFILE_PARAM)
    if raw is None or raw == st.session_state.get(_PROFILE_SHOWN):
        return
    _, labels = municipality_options()
    try:
        mid = int(raw)
    except ValueError:
        mid = None
    if mid in labels and mid not in (ALL, REGIONAL):
        st.session_state[K_MUNICIPALITY] = mid
    else:
        link_notice(f"В ссылке указан муниципалитет «{literal(raw)}», такого нет. "
                    "Показан муниципалитет, выбранный в фильтре; выберите нужный в списке.")


def show_profile_link(mid: int) -> None:
    """Put the profile shown into the URL (?m=<id>), so the link can be shared."""
    st.query_params[PROFILE_PARAM] = str(mid)
    st.session_state[_PROFILE_SHOWN] = str(mid)


def choose_municipality(mid: int) -> None:
    """Select a municipality in the shared filter (use from widget callbacks)."""
    st.session_state[K_MUNICIPALITY] = mid


ALL_FILTERS = frozenset({K_PERIOD, K_PLATFORMS, K_MUNICIPALITY, K_TOPIC})


def sidebar_filters(status, *, uses: frozenset[str] = ALL_FILTERS, on_profile: bool = False) -> Filters:
    """Render the shared filters (bound to the URL) and store the Filters in the session.

    ``uses``: the filters (widget keys) the page applies; the others go into a collapsed
    «не действуют на этой странице» box (rendered all the same, so their values are kept
    when the user comes back to a page that uses them). ``on_profile``: the municipality
    profile page is shown (see take_profile_link)."""
    take_profile_link(on_profile)
    last_day = status.last_day or local_now().date()
    first_day = status.first_day or last_day
    opened_with = _link_on_first_run()
    used = st.sidebar.container()
    if uses:
        used.markdown("#### Фильтры")
    unused = (st.sidebar.expander("Не действуют на этой странице" if uses else "Фильтры (на этой странице "
                                  "не используются)", expanded=False)
              if uses != ALL_FILTERS else used)

    def box(key: str):
        return used if key in uses else unused

    preset_labels = periods.preset_labels(last_day)
    linked = (opened_with or {}).get(K_PERIOD, [""])[0]
    if linked not in preset_labels.values() and (running := periods.running_preset(linked)):
        st.session_state[K_PERIOD] = running  # a link of an earlier day: the running month of today's data
    with box(K_PERIOD):
        preset = st.selectbox(
            "Период", list(periods.PRESETS), index=list(periods.PRESETS).index(DEFAULT_PRESET),
            format_func=preset_labels.get, key=K_PERIOD, bind="query-params",
        )
        if preset == "custom":
            default = periods.preset(DEFAULT_PRESET, last_day)
            picked = st.date_input(
                "Даты", value=(max(default.start, first_day), default.end),
                min_value=first_day, max_value=last_day, format="DD.MM.YYYY",
                key=K_DATES, bind="query-params",
            )
            start, end = _date_range(picked, default)
            if start > end:  # only a link can say so; the calendar cannot
                link_notice(f"В ссылке конец периода ({fmt.d(end)}) раньше начала ({fmt.d(start)}): "
                            f"показан период с {fmt.d(end)} по {fmt.d(start)}.")
                start, end = end, start
        else:
            p = periods.preset(preset, last_day)
            start, end = p.start, p.end
        if preset == "custom" and isinstance(picked, (tuple, list)) and len(picked) == 1:
            st.caption(ONE_DAY_PICKED.format(day=fmt.d(start)))
        else:
            st.caption(f"{fmt.d(start)} – {fmt.d(end)}")
    with box(K_PLATFORMS):
        platforms = st.multiselect(
            "Платформы", list(PLATFORM_CODES), format_func=platform_label,
            placeholder="Все платформы", key=K_PLATFORMS, bind="query-params",
        )
    with box(K_MUNICIPALITY):
        m_opts, m_labels = municipality_options()
        if ALL not in m_opts and st.session_state.get(K_MUNICIPALITY) not in m_opts:
            st.session_state[K_MUNICIPALITY] = m_opts[0]  # bound to one municipality: always that one
        mun = st.selectbox("Муниципалитет", m_opts, format_func=m_labels.get,
                           key=K_MUNICIPALITY, bind="query-params")
        if ALL not in m_opts and mun not in m_opts:  # never "no filter" for a user bound to one municipality
            mun = m_opts[0] if m_opts else NOWHERE
    with box(K_TOPIC):
        t_opts, t_labels = topic_options()
        topic = st.selectbox("Тема обращений", t_opts, format_func=t_labels.get,
                             key=K_TOPIC, bind="query-params")
    if opened_with:
        _check_link(opened_with, preset, (start, end), (first_day, last_day), preset_labels, m_labels, t_labels)
    f = Filters(
        start=start, end=end,
        platforms=tuple(platforms),
        municipality_ids=() if mun in (ALL, None) else (int(mun),),
        topic_ids=() if topic in (ALL, None) else (int(topic),),
        norm=Norm.from_settings(get_settings()),
    )
    st.session_state["filters"] = f
    _show_link_notices(f)
    return f


# -- shared links: parameters that do not fit get a Russian notice and a fallback ------------

_LINK_CHECKED = "_link_checked"


_NOTICES_NEW, _NOTICES_SHOWN = "_link_notices_new", "_link_notices_shown"


def link_notice(text: str) -> None:
    """A notice about the link the page was opened with (text is Markdown: pass any value
    from the URL through ``literal``); shown above the page by ``_show_link_notices``."""
    st.session_state.setdefault(_NOTICES_NEW, []).append(text)


def _show_link_notices(f: Filters) -> None:
    """Show the link's notices above the page, and again on the reruns that follow (the
    browser reruns the script right after a first visit) until the filters change."""
    new = st.session_state.pop(_NOTICES_NEW, [])
    if new:
        st.session_state[_NOTICES_SHOWN] = (f, new)
    shown = st.session_state.get(_NOTICES_SHOWN)
    if shown is None:
        return
    if shown[0] != f:
        del st.session_state[_NOTICES_SHOWN]
        return
    for text in shown[1]:
        st.warning(text, icon=":material/link_off:")


def _link_on_first_run() -> dict[str, list[str]] | None:
    """The filter parameters of the URL the session was opened with, on its first run only
    (Streamlit drops values its widgets cannot take, silently; we say so)."""
    if st.session_state.get(_LINK_CHECKED):
        return None
    st.session_state[_LINK_CHECKED] = True
    keys = (K_PERIOD, K_DATES, K_PLATFORMS, K_MUNICIPALITY, K_TOPIC)
    return {k: v for k in keys if (v := st.query_params.get_all(k))}


def _check_link(link: dict[str, list[str]], preset: str, shown: tuple[date, date],
                available: tuple[date, date], p_labels: dict, m_labels: dict, t_labels: dict) -> None:
    """Notices for the parameters of ``link`` the filters could not take."""
    def unknown(key: str, known) -> list[str]:
        return [v for v in link.get(key, []) if v not in set(known)]

    shown_text = f"{fmt.d(shown[0])} – {fmt.d(shown[1])}"
    if (bad := unknown(K_PERIOD, p_labels.values())) and not periods.running_preset(bad[0]):
        link_notice(f"В ссылке неизвестный период «{literal(bad[0])}»: показан период {shown_text}.")
    if preset == "custom" and K_DATES in link:
        dates = []
        for v in link[K_DATES]:
            try:
                dates.append(date.fromisoformat(v))
            except ValueError:
                dates = None
                break
        if not dates or len(dates) > 2:
            link_notice(f"Даты в ссылке не распознаны: показан период {shown_text}.")
        elif min(dates) < available[0] or max(dates) > available[1]:
            link_notice(f"Даты в ссылке выходят за пределы данных (с {fmt.d(available[0])} по "
                        f"{fmt.d(available[1])}): показан период {shown_text}.")
    checks = ((K_PLATFORMS, [platform_label(c) for c in PLATFORM_CODES], "платформа", "все платформы"),
              (K_MUNICIPALITY, m_labels.values(), "муниципалитет", "все муниципалитеты"),
              (K_TOPIC, t_labels.values(), "тема", "все темы"))
    for key, known, what, fallback in checks:
        if key == K_MUNICIPALITY and ALL not in m_labels and (bad := unknown(key, known)):
            link_notice(f"Муниципалитет «{literal(bad[0])}» из ссылки вам недоступен: показан ваш муниципалитет.")
            continue
        if bad := unknown(key, known):
            link_notice(f"В ссылке неизвестное значение «{literal(bad[0])}» (параметр «{what}»): "
                        f"оно не учтено{'' if key == K_PLATFORMS else ', показаны ' + fallback}.")


def clear_municipality() -> None:
    """Back to «Все муниципалитеты» (a widget callback: runs before the sidebar is drawn)."""
    st.session_state[K_MUNICIPALITY] = ALL
    st.session_state.pop(_PROFILE_SHOWN, None)
    st.query_params.pop(PROFILE_PARAM, None)


def municipality_chip(f: Filters) -> None:
    """When a municipality is chosen, say so under the title, with one click to clear it
    (a map click sets the shared filter, which then applies on every page)."""
    if not f.municipality_ids:
        return
    opts, labels = municipality_options()
    name = ", ".join(labels.get(i, str(i)) for i in f.municipality_ids)
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="municipality_chip"):
        st.markdown(f":material/filter_alt: Выбран муниципалитет: **{literal(name)}**", width="content")
        if ALL in opts:  # a user bound to one municipality cannot clear it
            st.button("Показать все муниципалитеты", icon=":material/close:", key="chip_clear", type="tertiary",
                      on_click=clear_municipality, help="Сбросить фильтр «Муниципалитет»")



def _date_range(picked, default: periods.Period) -> tuple[date, date]:
    """st.date_input in range mode returns 0, 1 or 2 dates while the user is picking."""
    if isinstance(picked, (tuple, list)):
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:
            return picked[0], picked[0]
        return default.start, default.end
    if isinstance(picked, date):
        return picked, picked
    return default.start, default.end


def filters_caption(f: Filters) -> str:
    """One line saying what is shown: period, platforms, municipality, topic; a period that
    runs past the data says how far it goes: «Период: ноябрь 2026 (данные есть по 29.11.2026)»."""
    until = data_until()
    known = f" ({periods.data_until_text(until)})" if until is not None and f.start <= until < f.end else ""
    parts = [f"Период: {f.period.label()}{known}"]
    if f.platforms:
        parts.append(", ".join(platform_label(p) for p in f.platforms))
    if f.municipality_ids:
        _, labels = municipality_options()
        parts.append(", ".join(labels.get(i, str(i)) for i in f.municipality_ids))
    if f.topic_ids:
        _, labels = topic_options()
        parts.append("тема: " + ", ".join(labels.get(i, str(i)) for i in f.topic_ids))
    return " · ".join(parts)


# -- page building blocks ---------------------------------------------------

def page_header(title: str, f: Filters | None = None, subtitle: str | None = None,
                chip: bool = True) -> None:
    st.title(title, anchor=False)
    if subtitle:
        st.markdown(subtitle)
    if f is not None:
        # With the chip, the municipality is named there, not twice.
        st.caption(filters_caption(f.with_(municipality_ids=()) if chip else f))
        if chip:
            municipality_chip(f)


@dataclass(frozen=True)
class Card:
    """One KPI card: label, formatted value, formatted change and how to colour it."""

    label: str
    value: str
    delta: str | None = None
    color: str = "gray"     # st.metric delta_color: "green", "red" or "gray"
    arrow: str = "off"      # st.metric delta_arrow: "up", "down" or "off"
    help: str | None = None


TONE_COLORS = {"good": "green", "bad": "red", "neutral": "gray"}  # st.metric delta_color
DIRECTION_ARROWS = {"up": "up", "down": "down", "flat": "off"}     # st.metric delta_arrow


def change_card(code: str, value: str, change: Change, label: str | None = None) -> Card:
    """A card for KPI ``code`` showing ``value`` and a change decided by the registry
    (dashboard.core.metrics.KPI.change): its text, colour and arrow."""
    k = KPIS[code]
    return Card(label or k.name, value, change.text, TONE_COLORS[change.tone],
                DIRECTION_ARROWS[change.direction] if change.text else "off", k.formula)


STATUS_MARKS = {"good": "green", "warn": "orange", "bad": "red"}  # Streamlit Markdown colours


def kpi_status(code: str, value, sample=None) -> str | None:
    """'good', 'warn' or 'bad' against the KPI's target (settings KPI_TARGETS); None without
    a target, a value, or with too small a sample."""
    target = get_settings().targets.get(code)
    if target is None or KPIS[code].too_small(sample):
        return None
    return target.status(value)


def status_label(label: str, status: str | None) -> str:
    """'Ответ в срок' with a coloured dot before it: ':green[●] Ответ в срок'."""
    return f":{STATUS_MARKS[status]}[●] {label}" if status else label


def status_legend() -> str:
    """The key to the dots: «● цель достигнута ● близко к цели ● далеко от цели» in colour."""
    from dashboard.core.targets import STATUS_LABELS

    return " ".join(f":{STATUS_MARKS[s]}[● {text}]" for s, text in STATUS_LABELS.items())


def headline_cards(cur, prev, codes: Sequence[str], f: Filters | None = None) -> list[Card]:
    """Cards for headline KPIs (queries.kpis.Headline of this and the previous period):
    value text and change from the metric registry, like the report's KPI slide; KPIs with
    a target get a green/amber/red dot and the target in their help text. With a topic in
    ``f`` the cards of pages and subscribers say «все темы»: with «Снег и уборка» chosen
    «Подписчики 4 376 239» beside «Обращения 186» read as the topic's."""
    targets = get_settings().targets
    cards = []
    for code in codes:
        k = KPIS[code]
        change = k.change(cur.value(code), prev.value(code), cur.sample(code), prev.sample(code))
        card = change_card(code, k.text(cur.value(code), cur.sample(code)), change)
        if f is not None and f.topic_ids and not k.by_topic:
            card = dataclasses.replace(card, label=f"{card.label} (все темы)",
                                       help=f"{card.help}\n\nТема обращений на это число не влияет: у страниц "
                                            "и подписчиков темы нет.")
        status = kpi_status(code, cur.value(code), cur.sample(code))
        if code in targets:
            card = dataclasses.replace(card, label=status_label(card.label, status),
                                       help=f"{card.help}\n\n{targets[code].description}.")
        cards.append(card)
    return cards


def headline_header(f: Filters, codes: Sequence[str]):
    """KPI cards for ``codes`` with their change against the previous equal period, and the
    caption naming that period and the norm; returns (current, previous) Headline."""
    cur, prev = cached(kpis.headline_compare, f, now=pinned_now())
    metric_row(headline_cards(cur, prev, codes, f))
    change_caption(f, codes)
    return cur, prev


def change_caption(f: Filters, codes: Sequence[str]) -> None:
    """The line under KPI cards: the dates the changes compare with, the norm in two words
    («24 ч», «8 рабочих ч») and the key to the target dots (when a card has one) — one line
    at 1366 px; how the previous period is taken and the whole norm (calendar hours, or the
    working days and hours) are behind its help icon (previous_help)."""
    settings = get_settings()
    legend = f" Цели: {status_legend()}" if any(c in settings.targets for c in codes) else ""
    st.caption(f"{previous_caption(f, compared_until(f), data_from(f))} Норма ответа: {settings.norm_short}.{legend}",
               help=f"{previous_help(f)}\n\nНорма ответа: {settings.norm_label}.")


def metric_row(cards: Sequence[Card]) -> None:
    """KPI cards in one row, each in a bordered box."""
    for col, c in zip(st.columns(len(cards)), cards):
        col.metric(c.label, c.value, c.delta, delta_color=c.color, delta_arrow=c.arrow,
                   help=c.help, border=True)


def chart(builder: Callable, *args, **kwargs) -> None:
    """Draw a chart full width in our own theme: ``chart(charts.topic_bars, df, top=8)``.

    ``builder`` is a function of dashboard.presentation.charts; its Vega-Lite spec is built
    (validated under the tests, ``VALIDATE_CHARTS``) once per distinct data and arguments and cached, so a rerun does not
    rebuild the Altair chart (the largest part of a warm page run). A ready Altair chart is
    drawn as it is."""
    if isinstance(builder, alt.TopLevelMixin):
        st.altair_chart(builder, width="stretch", theme=None, **kwargs)
        return
    spec = _chart_spec(_qualname(builder), args, tuple(sorted(kwargs.items())))
    st.vega_lite_chart(spec=spec, width="stretch", theme=None)


@st.cache_data(ttl=QUERY_TTL_S, max_entries=1000, show_spinner=False)
def _chart_spec(builder: str, args: tuple, kwargs: tuple) -> dict:
    """The Vega-Lite spec of ``builder(*args, **kwargs)``, data inline, as Streamlit itself
    would make it: in our theme (charts.THEME), which puts the Russian number and date
    locale, the fonts, the colours and the legends below the plot into the spec's config.

    Each dataset's rows are already the Arrow IPC bytes Streamlit sends to the browser
    (``arrow_datasets``), so drawing the cached spec does not convert them again."""
    ch = _resolve(builder)(*args, **dict(kwargs))
    with _ALTAIR_LOCK, alt.theme.enable(charts.THEME), alt.data_transformers.enable(charts.DATA_TRANSFORMER):
        spec = ch.to_dict(validate=VALIDATE_CHARTS)
    if VALIDATE_CHARTS:  # under the tests: the values as Altair's own conversion makes them
        with _ALTAIR_LOCK, alt.theme.enable(charts.THEME), alt.data_transformers.disable_max_rows():
            if ch.to_dict(validate=False) != spec:
                raise AssertionError(f"{builder}: the chart's data differ from Altair's conversion")
    return arrow_datasets(spec)


def arrow_datasets(spec: dict) -> dict:
    """``spec`` with each named dataset of rows as Arrow IPC bytes, Streamlit's own conversion
    (dataframe_util.convert_anything_to_arrow_bytes). st.vega_lite_chart converts the rows so on
    every draw — a frame from the rows, then Arrow: about 1 ms a dataset, 25 of them on
    «Муниципалитет», cold and warm — and passes bytes through as they are."""
    from streamlit import dataframe_util

    if not isinstance(spec.get("datasets"), dict):
        return spec
    return {**spec, "datasets": {name: dataframe_util.convert_anything_to_arrow_bytes(rows)
                                 if isinstance(rows, list) else rows for name, rows in spec["datasets"].items()}}


def empty_note(what: str = "За выбранный период данных нет.") -> None:
    st.info(what, icon=":material/info:")


UP_COLOR, DOWN_COLOR = "#1e7d4f", "#b3372b"


def _arrow_style(v) -> str:
    """Green for '▲ …' or a positive number (a rank gained), red for '▼ …' or a negative one."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        up, down = v > 0, v < 0   # NaN: neither
    else:
        s = str(v)
        up, down = s.startswith("▲"), s.startswith("▼")
    if up:
        return f"color: {UP_COLOR}; font-weight: 600"
    if down:
        return f"color: {DOWN_COLOR}; font-weight: 600"
    return ""


MUTED_COLOR = "#8a94a6"
# The municipality chosen in the sidebar, in a table of all of them (the map's outline colour, light).
SELECTED_ROW = "background-color: #fde7ea; font-weight: 600"


def selected_rows(chosen: Sequence[bool]) -> Callable:
    """A ``table(style=...)`` drawing the rows true in ``chosen`` as SELECTED_ROW."""
    return lambda styler: styler.apply(
        lambda row: [SELECTED_ROW if chosen[row.name] else ""] * len(row), axis=1)


def table(df: pd.DataFrame, column_config: dict, arrows: Sequence[str] = (),
          status: dict[str, Sequence[str | None]] | None = None, muted: Sequence[bool] | None = None,
          style: Callable | None = None, **kwargs):
    """st.dataframe showing only the configured columns, with Russian headers; text columns
    listed in ``arrows`` colour '▲ …' and positive numbers green, '▼ …' and negative ones
    red; ``status`` maps a column to each
    row's target status ('good', 'warn', 'bad' or None), drawn in the status colours;
    rows true in ``muted`` (e.g. partial weeks) are drawn in grey; ``style`` adds a page's
    own styles (a function of the pandas Styler, rows numbered from 0)."""
    from dashboard.core.targets import STATUS_COLOURS

    cols = [c for c in column_config if c in df.columns]
    data = _rounded_as_shown(df[cols].reset_index(drop=True), column_config)
    data, column_config = _numbers_as_text(data.style, column_config)
    if arrows:
        data = data.map(_arrow_style, subset=[c for c in arrows if c in cols])
    if muted is not None:
        grey = [f"color: {MUTED_COLOR}" if m else "" for m in muted]
        data = data.apply(lambda _col: grey, subset=cols)
    for col, marks in (status or {}).items():
        css = [f"color: {STATUS_COLOURS[m]}; font-weight: 600" if m else "" for m in marks]
        data = data.apply(lambda _col, css=css: css, subset=[col])
    if style is not None:
        data = style(data)
    kwargs.setdefault("placeholder", fmt.NA)   # what an empty cell shows (Streamlit's own: «None»)
    return st.dataframe(data, column_config=column_config, hide_index=True, width="stretch", **kwargs)


def step_digits(step: float) -> int:
    """The decimals a number column's step shows: 1 -> 0, 0.1 -> 1, 0.001 -> 3."""
    return max(0, -int(math.floor(math.log10(step) + 1e-9)))


def number_text(cfg) -> Callable | None:
    """For a number column (number_column, kpi_column, rank_change_column): the function
    that prints its values as every other screen and file does (formatting.num / pct /
    signed: «1 234,5», «81,2 %», «+2», «—» when empty), from the column's format and step.
    table() shows these texts whatever the browser's language; the values stay numbers, so
    the column still sorts as numbers."""
    tc = cfg.get("type_config", {}) if isinstance(cfg, dict) else {}
    if tc.get("type") != "number":
        return None
    digits = step_digits(tc.get("step") or 1)
    kind = tc.get("format")
    if kind == MINUTES_FORMAT:
        return partial(format_value, kind="minutes")   # «5 ч 8 мин», as the KPI cards print it
    if kind == "percent":
        return partial(fmt.pct, digits=max(0, digits - 2))
    if kind == "%+d":
        return fmt.signed
    return partial(fmt.num, digits=digits)


def _numbers_as_text(styler, column_config: dict):
    """(styler, column_config) with every number column printed by number_text, «—» when
    empty, and Streamlit's own format taken off those columns (it would win)."""
    cols = set(styler.data.columns)
    shown = {c: f for c, cfg in column_config.items() if c in cols and (f := number_text(cfg)) is not None}
    styler = styler.format(shown, na_rep=fmt.NA)
    return styler, {c: _unformatted(cfg) if c in shown else cfg for c, cfg in column_config.items()}


def _unformatted(cfg: dict) -> dict:
    """The column's config without Streamlit's own number format, which would override the
    texts table() gives (Streamlit applies a configured format before a Styler's)."""
    tc = {k: v for k, v in cfg.get("type_config", {}).items() if k != "format"}
    return {**cfg, "type_config": tc}


# Number columns by display kind: the format and the step that sets the decimals. table()
# prints them through number_text; elsewhere "localized"/"percent" follow the browser.
# Durations: the cells hold minutes (they sort as numbers), table() prints them as the KPI
# does («5 ч 8 мин»); Streamlit's own format, where table() is not used, says «308 мин».
MINUTES_FORMAT = "%d мин"
NUMBER_FORMATS = {"int": ("localized", 1), "num1": ("localized", 0.1), "num2": ("localized", 0.01),
                  "pct": ("percent", 0.001), "pct2": ("percent", 0.0001), "minutes": (MINUTES_FORMAT, 1)}


def number_column(label: str, kind: str = "int", **kwargs):
    """A right-aligned, numerically sorted column in Russian number format (the values stay
    numbers: shares 0..1 show as percents, minutes as whole minutes)."""
    format_, step = NUMBER_FORMATS[kind]
    return st.column_config.NumberColumn(label, format=format_, step=step, **kwargs)


def rank_change_column(label: str = "Изменение", **kwargs):
    """A number column of rank changes: «+2» (moved up), «−1» (down), «±0»; «—» when either
    period lacks data. Sorted numerically; ``table(arrows=[...])`` colours the sign."""
    return st.column_config.NumberColumn(label, format="%+d", step=1, **kwargs)


def datetime_column(label: str, **kwargs):
    """A date-and-time column shown as «28.11.2026 14:05», sorted by time (give it local
    times: ``local_times``)."""
    return st.column_config.DatetimeColumn(label, format="DD.MM.YYYY HH:mm", **kwargs)


def date_column(label: str, **kwargs):
    """A date column shown as «28.11.2026», sorted by date."""
    return st.column_config.DateColumn(label, format="DD.MM.YYYY", **kwargs)


def kpi_column(column: str, label: str | None = None, **kwargs):
    """number_column for the KPI whose values are in ``column`` (metric registry: name,
    format and rounding, formula as help). The header has no unit: table() prints each value
    with its own («78,2 %», «5 ч 8 мин»), as the cards do."""
    from dashboard.core.metrics import by_column

    k = by_column(column)
    kwargs.setdefault("help", k.formula)
    return number_column(label or k.label, k.kind, **kwargs)


def _rounded_as_shown(df: pd.DataFrame, column_config: dict) -> pd.DataFrame:
    """Number columns rounded to the decimals their step shows: Streamlit cuts the extra
    digits off (80,46 would read 80,4), the registry rounds (80,5) — so round here, the
    same way as every other place the value is printed."""
    df = df.copy()
    for col, cfg in column_config.items():
        tc = (cfg or {}).get("type_config", {}) if isinstance(cfg, dict) else {}
        step = tc.get("step")
        if col in df.columns and tc.get("type") == "number" and step and df[col].dtype.kind == "f":
            digits = step_digits(step)
            df[col] = df[col].round(digits)
    return df


def table_height(rows: int) -> int:
    """Pixel height that shows ``rows`` rows and the header without scrolling."""
    return 35 * (rows + 1) + 3


def stacking_columns(key: str, spec, **kwargs) -> list:
    """st.columns that stand one under another when the main area is narrower than
    STACK_BELOW_PX (a CSS container query: the server does not know the screen). At 1024 px
    with the sidebar open the main area is ~560 px: «Рейтинг»'s chart beside its table had no
    room for bars, charts in pairs cut their legends and values. ``key`` names the row (unique
    on the page)."""
    with st.container(key=f"{STACK_KEY}{key}"):
        return st.columns(spec, **kwargs)


def section(title: str, caption: str | None = None):
    """A bordered section with a heading; use as ``with widgets.section("…"):``."""
    box = st.container(border=True)
    box.markdown(f"#### {title}")
    if caption:
        box.caption(caption)
    return box


def compared_until(f: Filters) -> date | None:
    """The last day of the previous period that f's changes count (queries.kpis.compared_until):
    None once f's period is over."""
    return cached(kpis.compared_until, f, now=pinned_now())


def data_from(f: Filters) -> date | None:
    """The first day with data when f's previous period starts before it (queries.kpis.data_from):
    then no change is shown."""
    return cached(kpis.data_from, f)


def previous_caption(f: Filters, until: date | None = None, data_from: date | None = None) -> str:
    """What the changes compare with (metrics.change_basis, the report's words): «Изменение —
    к периоду 26.09.2026 – 25.10.2026.»; while f's period runs, up to ``until`` (the day of
    the same age, queries.kpis.compared_until): «Изменение — к 01.10.2026 – 30.10.2026
    (столько же дней).»; before the data (``data_from``): «Изменение — не показано: данные —
    только с 01.12.2025.»"""
    return f"Изменение — {change_basis(f.period.previous(), until, data_from)}."


def previous_help(f: Filters) -> str:
    """How the previous period is taken (the help of previous_caption): the same weekdays
    whole weeks back when it is so, the same «age», where «Методика» says it all."""
    p = f.period.previous()
    weeks, rest = divmod((f.end - p.end).days, 7)
    same_days = (f"Предыдущий период — те же дни недели на {weeks} {fmt.plural(weeks, 'неделю', 'недели', 'недель')} "
                 "раньше: жители пишут, а страницы отвечают по недельному ритму. "
                 if p.days == f.period.days and not rest else "")
    return f"{same_days}{COMPARISON_RULE_SHORT} Подробнее — «Методика», «Сравнение с предыдущим периодом»."


def grain_words(f: Filters, grain: str) -> str:
    """«по дням»; «по неделям — по дням мало обращений» where metrics.trend_grain took
    coarser buckets than the period's own (a district's 30 days)."""
    own = f.period.grain()
    return GRAIN_LABELS[grain] if grain == own else f"{GRAIN_LABELS[grain]} — {GRAIN_LABELS[own]} мало обращений"


# -- downloads ----------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(ttl=QUERY_TTL_S, max_entries=4, show_spinner=False)
def export_bytes(kind: str, sheet: str, shape: str, query: str, args: tuple, kwargs: tuple,
                 version: str) -> bytes:
    """The file (kind "csv" or "xlsx") of ``shape(query(conn, *args, **kwargs))``, cached by
    the data version (a few files at most: they can be large)."""
    with get_engine().connect() as conn:
        df = _resolve(query)(conn, *args, **dict(kwargs))
    df = _resolve(shape)(df)
    return csv_bytes(df) if kind == "csv" else xlsx_bytes(df, sheet)


def download_buttons(file_stem: str, sheet: str, shape: Callable, fn: Callable, *args, **kwargs) -> None:
    """«Скачать CSV» and «Скачать Excel» for the table ``shape(fn(conn, *args, **kwargs))``.

    The file is built only when a button is clicked (Streamlit runs the callable then, off
    the page script) and cached by data version, so a page run never pays for it."""
    key = (_qualname(shape), _qualname(fn), args, tuple(sorted(kwargs.items())), data_version())
    # Each as wide as its text: a sixth of the page each, at 1024 px they read «Ск…», «Ск…».
    with st.container(horizontal=True, gap="small"):
        st.download_button("Скачать CSV", partial(export_bytes, "csv", sheet, *key), f"{file_stem}.csv",
                           "text/csv", icon=":material/download:", width="content", on_click="ignore")
        st.download_button("Скачать Excel", partial(export_bytes, "xlsx", sheet, *key), f"{file_stem}.xlsx",
                           XLSX_MIME, icon=":material/download:", width="content", on_click="ignore")


def pager(key: str, total: int, page_size: int, reset_on) -> int:
    """«Страница N из M» for a list of ``total`` rows: returns the offset of the page shown.
    The page goes back to the first whenever ``reset_on`` (the list's filters) changes."""
    pages = max(1, -(-total // page_size))
    seen = f"_{key}_filters"
    if st.session_state.get(seen) != reset_on or st.session_state.get(key, 1) > pages:
        st.session_state[key] = 1
    st.session_state[seen] = reset_on
    if pages == 1:
        return 0
    c1, c2, _ = st.columns([1, 3, 2.4], vertical_alignment="center")  # the caption on one line at 1366 px
    page = c1.number_input("Страница", min_value=1, max_value=pages, step=1, key=key,
                           label_visibility="collapsed")
    first = (page - 1) * page_size
    c2.caption(f"страница {fmt.num(page)} из {fmt.num(pages)} · строки {fmt.num(first + 1)}–"
               f"{fmt.num(min(total, first + page_size))}")
    return first


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV for Russian Excel: UTF-8 with BOM, ';' between fields, ',' as decimal mark;
    text that a spreadsheet would run as a formula is written as text (core.spreadsheet)."""
    df = spreadsheet.safe_frame(df)
    return df.to_csv(index=False, sep=";", decimal=",", date_format="%d.%m.%Y").encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """One-sheet workbook with a bold frozen header row and fitted column widths; text that
    a spreadsheet would run as a formula is written as text (core.spreadsheet)."""
    df = spreadsheet.safe_frame(df)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet[:31], index=False)
        ws = xw.sheets[sheet[:31]]
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, width + 2)
    return buf.getvalue()


def comparison_grid(rows: pd.DataFrame, metrics: Sequence[str], reference_name: str, per_row: int = 3) -> None:
    """charts.comparison_bars for each metric, ``per_row`` to a row; names on the first of a row,
    whose column is wider by the names' width, so every plot (and its title) gets about as much room.
    A narrow main area (stacking_columns) has each chart full width, in the same order and colours
    under the one that names them: at 1024 px four to a row left the named one no room for bars.
    A legend of the colours above: stacked (at 1366 px), four of six charts had no names, the
    last two a whole chart below the one that named them."""
    st.markdown(charts.comparison_legend_html(list(rows["name"]), reference_name), unsafe_allow_html=True)
    widths = [1.6] + [1] * (per_row - 1)
    for i in range(0, len(metrics), per_row):
        chunk = metrics[i:i + per_row]
        for j, (col, metric) in enumerate(zip(stacking_columns(f"grid_{i}", widths), chunk)):
            with col:
                chart(charts.comparison_bars, rows, metric, reference_name=reference_name, show_names=(j == 0))
