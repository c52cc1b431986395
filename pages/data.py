"""Данные: import ЦУР exports (pages, stats, messages) and the history of imports and collection runs.

The work is done by ``dashboard.writers.importing`` (the same code as ``python -m dashboard import``);
this page only uploads, previews, shows progress and the result.

Whatever comes from the file (its name, headers, cell values in errors) is shown as text:
through ``literal`` in Markdown strings, in ``st.dataframe`` or escaped in ``st.table``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.db import DatabaseUnavailable
from dashboard.core.settings import DATA_DIR, get_settings
from dashboard.presentation.plaintext import literal
from dashboard.ui import access, widgets
from dashboard.writers.importing import importer
from dashboard.writers.importing.columns import SPECS
from queries import imports

HISTORY_ROWS = 50
HELP_COLUMNS = {
    "Столбец": st.column_config.TextColumn(width="small"),
    "Другие названия": st.column_config.TextColumn(width="large"),
    "Обязательный": st.column_config.TextColumn(width="small"),
    "Значения": st.column_config.TextColumn(width="large"),
}

user = access.require("dannye", write=True)  # also refused by the entry point; never rely on the menu
settings = get_settings()
engine = widgets.get_engine()
widgets.page_header(
    "Данные",
    subtitle="Загрузка выгрузок ЦУР в CSV или XLSX. Файл проверяется целиком: при любой ошибке "
             "ничего не записывается, а ошибки показываются со строкой и столбцом.",
)


DEMO_HELD = ("В базе демонстрационные данные: без отметки выше файл в неё не загружается — настоящие "
             "данные не смешиваются с выдуманными. Для работы с настоящими данными нужна чистая база "
             "(python -m dashboard demo --remove, README, раздел «Importing ЦУР exports»).")


def show_result(result: importer.ImportResult) -> None:
    if result.ok:
        st.success(literal(result.headline()), icon=":material/check_circle:")
        c1, c2, c3 = st.columns(3)
        c1.metric("Добавлено", fmt.num(result.added), border=True)
        c2.metric("Обновлено", fmt.num(result.updated), border=True)
        c3.metric("Без изменений", fmt.num(result.unchanged), border=True)
        for note in result.notes:
            st.caption(literal(note))
        return
    st.error(literal(result.headline()), icon=":material/error:")
    if not result.repeated:
        show_errors(result)
        return
    # The same problem in many rows (a date format in a whole column): one line per kind,
    # the row-by-row list folded away.
    show_table(result.kinds_frame())
    if result.other_kinds:
        st.caption(f"И ещё {fmt.num(result.other_kinds)} ошибок других видов — в списке по строкам.")
    with st.expander(f"Ошибки по строкам: первые {fmt.num(len(result.errors))}", icon=":material/list:"):
        show_errors(result)


def show_table(frame) -> None:
    # st.table wraps long messages, and renders Markdown in cells: escape every cell and header.
    st.table(frame.map(literal).rename(columns=literal), hide_index=True, border="horizontal")


def show_errors(result: importer.ImportResult) -> None:
    show_table(result.errors_frame())
    hidden = result.error_count - len(result.errors)
    if hidden > 0:
        st.caption(f"Показаны первые {len(result.errors)} ошибок из {fmt.num(result.error_count)}. "
                   "Исправьте их и загрузите файл снова.")


with widgets.section("Загрузка файла"):
    kind = st.radio("Что загружаем", list(SPECS), format_func=lambda k: SPECS[k].choice, horizontal=True,
                    key="import_kind")
    st.caption(SPECS[kind].help)
    widgets.russian_file_uploader(f"до {settings.import_max_mb} МБ · CSV, TXT, TSV, XLSX, XLSM",
                                  refused=f"Файл не принят: больше {settings.import_max_mb} МБ или не CSV/XLSX")
    upload = st.file_uploader(
        "Файл CSV или XLSX", type=["csv", "txt", "tsv", "xlsx", "xlsm"], key="upload",
        max_upload_size=settings.import_max_mb,  # the browser refuses larger files (message above)
        help=f"CSV в UTF-8 или Windows-1251 с разделителем «;», «,» или табуляцией, либо книга Excel. "
             f"Не больше {settings.import_max_mb} МБ.",
    )
    if upload is None:
        st.info("Выберите файл. Порядок загрузки: сначала страницы, затем статистика и сообщения — "
                "они ссылаются на страницы из реестра.", icon=":material/info:")
    else:
        data = upload  # a file object over the upload: read as a stream, never copied whole
        view = importer.inspect_upload(data, upload.name, kind, settings=settings)
        sheet = None
        if len(view.sheets) > 1:
            sheet = st.selectbox("Лист книги", view.sheets, key=f"sheet_{kind}")
            if sheet != view.sheets[0]:
                view = importer.inspect_upload(data, upload.name, kind, sheet, settings=settings)
        if view.problem:
            st.error(literal(view.problem), icon=":material/error:")
        else:
            p = view.preview
            # Named: a file the browser refuses (too large) leaves the previous one chosen, beside it.
            shown = f"**Предпросмотр «{literal(upload.name)}»:** первые строки"
            if p.n_rows is None:
                st.markdown(f"{shown}; в файле больше {fmt.num(importer.PREVIEW_READ_ROWS)} "
                            "строк, все они будут проверены при импорте.")
            else:
                st.markdown(f"{shown} из {fmt.num(p.n_rows)}.")
            st.dataframe(p.frame, hide_index=True, width="stretch")
            st.caption("Распознаны столбцы: " + ", ".join(
                f"«{literal(written)}» → {literal(label)}" if written != label else f"«{literal(label)}»"
                for written, label in p.recognised.items()) + ".")
            if p.ignored:
                st.caption("Будут пропущены: " + ", ".join(f"«{literal(h)}»" for h in p.ignored) + ".")
        run_key = f"{kind}:{upload.file_id}:{sheet}"
        is_demo = widgets.data_status().is_demo
        add_to_demo = is_demo and st.checkbox(
            "Добавить к демонстрационным данным (для пробы: база останется демонстрационной)",
            key="add_to_demo")
        # Without the mark a demo database refuses the file: say so before, not as a file error after.
        if is_demo and not add_to_demo:
            st.caption(DEMO_HELD)
        if st.button("Импортировать", type="primary", disabled=bool(view.problem) or (is_demo and not add_to_demo),
                     key="import_run"):
            bar = st.progress(0.0, text="Начинаем…")
            try:
                result = importer.import_file(engine, kind, data, upload.name, sheet=sheet, settings=settings,
                                              add_to_demo=add_to_demo, user=user.actor,
                                              progress=lambda share, text: bar.progress(min(share, 1.0), text=text))
            except DatabaseUnavailable as e:
                bar.empty()
                st.error(literal(e), icon=":material/error:")
            else:
                bar.empty()
                st.session_state["import_result"] = (run_key, result)
        last = st.session_state.get("import_result")
        if last and last[0] == run_key:
            show_result(last[1])

with st.expander(f"Какие столбцы принимаются: {SPECS[kind].choice.lower()}", icon=":material/help:"):
    st.caption("Заголовки сравниваются без учёта регистра, буквы ё и лишних пробелов. "
               "Даты: 28.11.2026, 28.11.2026 14:05, 2026-11-28T14:05:00 или число Excel; время без "
               "часового пояса — новосибирское.")
    st.dataframe(importer.columns_frame(kind), hide_index=True, width="stretch", column_config=HELP_COLUMNS)
    example = DATA_DIR / "examples" / SPECS[kind].example
    if example.exists():
        st.download_button(f"Пример файла: {example.name}", example.read_bytes(), file_name=example.name,
                           key="example", icon=":material/download:")

with widgets.section("История загрузок", "Импорт файлов и сбор через API, последние записи сверху. "
                     "Время — новосибирское."):
    with engine.connect() as conn:
        history = imports.import_history(conn, settings.tz, limit=HISTORY_ROWS)
    if history.empty:
        st.info("Загрузок ещё не было.", icon=":material/info:")
    else:
        st.dataframe(history, hide_index=True, width="stretch")
