"""Отчёт: a slide deck (PPTX), the same slides as PDF, and the tables as XLSX.

Scope (the oblast or one municipality) and period (month, quarter, year or custom)
are chosen here; the sidebar filters do not apply. Each format has a button that
builds the file with a progress indicator and then offers it for download. Built files
are kept in a process-wide ``reports.cache.FileCache``.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.db import utcnow
from dashboard.core.metrics import change_basis
from dashboard.core.periods import Period
from dashboard.core.settings import get_settings
from dashboard.presentation import reports
from dashboard.presentation.reports.cache import FileCache
from dashboard.presentation.reports.content import OBLAST_NAME, unfinished_note
from dashboard.presentation.reports.theme import ReportError
from dashboard.ui import access, widgets
from queries import reference
from queries.filters import Filters, Norm

K_SCOPE, K_KIND, K_PERIOD, K_DATES = "report_scope", "report_kind", "report_period", "report_dates"
FILES = "report_files"  # session: {format: (key, bytes, file name)}
CACHE_SIZE = 24
BUTTONS = {"pptx": "Презентация PPTX", "pdf": "PDF", "xlsx": "Таблицы XLSX"}
ICONS = {"pptx": ":material/slideshow:", "pdf": ":material/picture_as_pdf:", "xlsx": ":material/table_view:"}


@st.cache_resource(show_spinner=False)
def _store() -> FileCache:
    return FileCache(CACHE_SIZE)


def _period_picker(first_day: date, last_day: date) -> Period | None:
    kind = st.segmented_control("Период", list(reports.PERIOD_KINDS), format_func=reports.PERIOD_KINDS.get,
                                default="quarter", required=True, key=K_KIND)
    if kind == "custom":
        default = reports.default_choice(reports.period_choices("month", first_day, last_day), last_day)
        picked = st.date_input("Даты", value=(max(default.start, first_day), min(default.end, last_day)),
                               min_value=first_day, max_value=last_day, format="DD.MM.YYYY", key=K_DATES)
        if not isinstance(picked, (tuple, list)) or len(picked) != 2:
            st.caption("Выберите начало и конец периода.")
            return None
        return Period(picked[0], picked[1])
    choices = reports.period_choices(kind, first_day, last_day)
    default = reports.default_choice(choices, last_day)
    return st.selectbox(reports.PERIOD_KINDS[kind], choices, index=choices.index(default),
                        format_func=lambda p: p.label(), key=f"{K_PERIOD}_{kind}")


def _scope_picker() -> int | None:
    m = widgets.cached(reference.municipalities)
    names = dict(zip(m["id"].astype(int), m["name"]))
    options = [None, *access.visible(names)]  # a municipality user: the oblast or itself
    sidebar = widgets.current_filters().municipality_ids if "filters" in st.session_state else ()
    index = options.index(sidebar[0]) if len(sidebar) == 1 and sidebar[0] in names else 0
    return st.selectbox("Территория", options, index=index, key=K_SCOPE,
                        format_func=lambda i: OBLAST_NAME if i is None else names[i])


def _build(key: tuple, fmt_: str, period, municipality_id, norm: Norm) -> bytes:
    """Build with a progress bar inside a status box (or take the cached file)."""
    cached = _store().get(key)
    if cached is not None:
        return cached
    with st.status(f"Готовим {BUTTONS[fmt_]}…", expanded=True) as box:
        bar = st.progress(0.0, text="Начинаем…")

        def progress(fraction: float, text: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=text)

        try:
            data = _store().get_or_build(key, lambda: reports.build_report(
                widgets.get_engine(), period, municipality_id, fmt_, progress=progress, norm=norm,
                now=widgets.pinned_now()))
        except ReportError as e:
            box.update(label="Отчёт не сформирован", state="error")
            st.error(str(e))
            return b""
        box.update(label=f"Готово: {BUTTONS[fmt_]}, {fmt.num(len(data) / 1024)} КБ", state="complete",
                   expanded=False)
    return data


widgets.page_header("Отчёт", subtitle="Презентация для выступления, тот же отчёт в PDF и таблицы Excel "
                    "с данными каждого графика. Цифры — те же, что на страницах дашборда.")
status = widgets.data_status()
if status.first_day is None or status.last_day is None:
    st.info("В базе пока нет данных: загрузите выгрузки на странице «Данные».")
    st.stop()

left, right = widgets.stacking_columns("scope", 2)  # at 1024 px a half cut «Свой период»
with left:
    municipality_id = _scope_picker()
with right:
    period = _period_picker(status.first_day, status.last_day)
if period is None:
    st.stop()

scope_name = OBLAST_NAME if municipality_id is None else widgets.cached(reference.municipalities).set_index("id")[
    "name"][municipality_id]
norm = Norm.from_settings(get_settings())
# What the changes compare with, in the files' words: while the period runs, as many days of
# the previous one as have passed of it — which moves on each day, so the files' key has it.
basis = change_basis(period.previous(), widgets.compared_until(Filters(period.start, period.end)))
st.caption(f"{scope_name} · {period.label()} ({fmt.d(period.start)} – {fmt.d(period.end)}) · "
           f"изменение {basis} · норма ответа {get_settings().norm_label}")
if unfinished := unfinished_note(period, status.last_day, widgets.local_time(widgets.pinned_now() or utcnow()).date()):
    st.caption(unfinished)

files = st.session_state.setdefault(FILES, {})
# The note of an unfinished period is in the files: a file built before the period ended is
# not the one to hand out after it, even when no data came in between.
base_key = (municipality_id, period.start, period.end, norm.hours, norm.mode, widgets.data_version(), unfinished,
            basis)
# One under another when the page is narrow: a third of it at 1024 px cut «Сформировать: Презентация PPTX».
for col, fmt_ in zip(widgets.stacking_columns("build", len(BUTTONS)), BUTTONS):
    with col:
        key = (*base_key, fmt_)
        if st.button(f"Сформировать: {BUTTONS[fmt_]}", icon=ICONS[fmt_], key=f"build_{fmt_}", width="stretch"):
            data = _build(key, fmt_, period, municipality_id, norm)
            if data:
                files[fmt_] = (key, data, reports.file_name(scope_name, period, fmt_))
        ready = files.get(fmt_)
        if ready and ready[0] == key:
            st.download_button(f"Скачать {fmt_.upper()}", ready[1], file_name=ready[2],
                               mime=reports.FORMATS[fmt_][1], icon=":material/download:", type="primary",
                               on_click="ignore", key=f"download_{fmt_}", width="stretch")

st.caption("Презентация и PDF: титульный слайд, главные показатели с изменением к прошлому периоду, карта "
           "ответов в срок, рейтинг, динамика, темы, время ответа, лидеры и отстающие, методика. "
           "XLSX: по листу на каждую таблицу, с русскими заголовками и форматами чисел.")
