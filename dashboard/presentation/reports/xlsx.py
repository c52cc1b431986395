"""The tables behind every chart and slide as an Excel workbook (openpyxl).

One sheet per table, Russian headers, Excel number formats (thousands, percents,
dates), a caption row and a frozen header row on every sheet, column widths that fit,
and a «Сведения» sheet with scope, period, date of data and the demo-data label.
Values are written as numbers, not text, so they can be re-used; text from data that a
spreadsheet would run as a formula is written as text (``core.spreadsheet``).

The workbook is written in openpyxl's write-only mode, row by row: a municipality's page
list (28 000 pages for город Новосибирск at national scale) streams from the database in
chunks (``pages.registry_chunks``) and is never whole in memory, as cells or as a table.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboard.core import formatting as fmt
from dashboard.core import spreadsheet
from dashboard.core.metrics import KPIS, LOW_DATA, SAMPLE_WORDS
from dashboard.core.periods import GRAIN_LABELS
from dashboard.core.schema import MUNICIPALITY_KINDS
from dashboard.presentation.reports import theme
from dashboard.presentation.reports.content import ReportContent
from dashboard.presentation.reports.deck import movers

# Excel number formats by kind: Russian Excel shows "1 234" and, as the screens print a share,
# "12,5 %" (the escaped space is a literal one before the sign; "0.0%" showed "12,5%").
FORMATS = {
    "int": "#,##0",
    "num1": "#,##0.0",
    "num2": "#,##0.00",
    "pct": "0.0\\ %",
    "pct2": "0.00\\ %",
    "pp": '+0.0" п.п.";-0.0" п.п.";0.0" п.п."',
    "signed": "+#,##0;-#,##0;0",
    "signed1": "+#,##0.0;-#,##0.0;0.0",
    "date": "dd.mm.yyyy",
    "datetime": "dd.mm.yyyy hh:mm",
    "minutes": "#,##0",
    "pp2": '+0.00" п.п.";-0.00" п.п.";0.00" п.п."',
    "signed2": "+#,##0.00;-#,##0.00;0.00",
    "text": "@",
}
# Format of a change by the value's kind; shares change in percentage points.
CHANGE_KIND = {"int": "signed", "pct": "pp", "pct2": "pp2", "minutes": "signed", "num1": "signed1",
               "num2": "signed2"}

HEADER_FILL = PatternFill("solid", fgColor=theme.BLUE)
HEADER_FONT = Font(bold=True, color=theme.WHITE)
CAPTION_FONT = Font(bold=True, size=13, color=theme.NAVY)
DEMO_FONT = Font(bold=True, size=12, color=theme.DEMO)
UNFINISHED_FONT = Font(bold=True, size=12, color=theme.WARN)


@dataclass(frozen=True)
class Col:
    source: str      # DataFrame column
    header: str      # Russian header
    kind: str = "text"


def _cell_value(v, kind: str):
    """A DataFrame value as an Excel cell value: None for missing, Python scalars."""
    if v is None or pd.isna(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if kind == "date" and isinstance(v, datetime):
        v = v.date()
    if kind == "text" and isinstance(v, bool):
        return "да" if v else "нет"
    return v


def _width(values: list, header: str) -> float:
    longest = max([len(header) / 2 + 2] + [len(str(v)) for v in values if v is not None], default=8)
    return min(max(10, longest + 2), 60)


ROW_KIND = "row"              # Col.kind: the number format of the row's own "kind" column
ROW_CHANGE_KIND = "row_change"  # Col.kind: the format of a change of the row's "kind"
WIDTH_SAMPLE = 5000  # rows whose shown width sets the column widths (the first chunk)


def _kind(col: "Col", row_kind: str | None) -> str:
    if col.kind == ROW_KIND:
        return row_kind
    if col.kind == ROW_CHANGE_KIND:
        return CHANGE_KIND[row_kind]
    return col.kind


def _cell(ws, value, number_format: str | None = None, font: Font | None = None,
          fill: PatternFill | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
    """A write-only cell; text that a spreadsheet would run as a formula is written as text."""
    cell = WriteOnlyCell(ws, value=spreadsheet.safe_text(value))
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment
    return cell


def write_table(wb: Workbook, title: str, caption: str, data: pd.DataFrame | Iterable[pd.DataFrame],
                cols: list[Col], demo: bool, freeze_cols: int = 0, widths: dict[int, float] | None = None) -> None:
    """One sheet: caption (row 1), header (row 2, frozen), data rows. ``data``: a table, or
    its rows chunk by chunk (the column widths then fit the first chunk). ``widths``: fixed
    widths by column number (1-based)."""
    chunks = iter([data] if isinstance(data, pd.DataFrame) else data)
    first = next(chunks, None)
    if first is None:
        first = pd.DataFrame(columns=[c.source for c in cols])
    ws = wb.create_sheet(title)
    # Write-only: column widths and panes before the first row.
    for j, col in enumerate(cols, start=1):
        sample = first[col.source].head(WIDTH_SAMPLE)
        kinds = first["kind"].head(WIDTH_SAMPLE) if "kind" in first else [None] * len(sample)
        shown = [_shown(v, _kind(col, k)) for v, k in zip(sample, kinds)]
        ws.column_dimensions[get_column_letter(j)].width = (widths or {}).get(j, _width(shown, col.header))
    ws.freeze_panes = f"{get_column_letter(1 + freeze_cols)}3"
    ws.row_dimensions[2].height = 32
    ws.append([_cell(ws, f"{caption} — {theme.DEMO_LABEL}" if demo else caption,
                     font=DEMO_FONT if demo else CAPTION_FONT)])
    ws.append([_cell(ws, col.header, font=HEADER_FONT, fill=HEADER_FILL,
                     alignment=Alignment(wrap_text=True, vertical="center")) for col in cols])
    n = 0
    for chunk in chain([first], chunks):
        kinds = chunk["kind"] if "kind" in chunk else [None] * len(chunk)
        for row, row_kind in zip(chunk[[c.source for c in cols]].itertuples(index=False), kinds):
            ws.append([_cell(ws, _cell_value(v, _kind(col, row_kind)), FORMATS[_kind(col, row_kind)])
                       for col, v in zip(cols, row)])
            n += 1
    if n:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{n + 2}"


def _shown(v, kind: str) -> str | None:
    """Roughly what Excel will display, for column widths."""
    v = _cell_value(v, kind)
    if v is None:
        return None
    if kind in ("pct", "pct2"):
        return fmt.pct(v, 2)
    if kind in ("date", "datetime"):
        return "00.00.0000 00:00" if kind == "datetime" else "00.00.0000"
    if isinstance(v, (int, float)):
        return fmt.num(v, 1) + "  "
    return str(v)


# -- sheet contents -------------------------------------------------------------------

def kcol(code: str) -> Col:
    """The workbook column of a KPI: its query column, name (with unit) and number format,
    from the metric registry."""
    k = KPIS[code]
    return Col(k.column, k.with_unit, k.kind)


MUNICIPALITY_COLS = [
    Col("name", "Муниципалитет"), Col("kind_label", "Вид"), Col("population", "Население, чел.", "int"),
    kcol("pages"), kcol("subscribers"),
    kcol("subs_per_1000"), kcol("messages"),
    kcol("messages_per_1000"), Col("answered", "С ответом", "int"),
    Col("due", "Срок ответа наступил", "int"), Col("in_norm", "Ответ в срок, шт.", "int"),
    kcol("share_in_norm"),
    kcol("median_response"),
    kcol("mean_response"),
    kcol("overdue"), kcol("photo_share"),
    Col("posts", "Публикации", "int"), kcol("posts_per_week"),
    kcol("er"),
]
RATING_COLS = [
    Col("rank", "Место", "int"), Col("name", "Муниципалитет"), Col("score", "Балл", "num1"),
    Col("prev_rank", "Место в прошлом периоде", "int"), Col("rank_change", "Изменение места", "signed"),
    Col("prev_score", "Балл в прошлом периоде", "num1"), Col("score_change", "Изменение балла", "signed1"),
    kcol("messages"), kcol("share_in_norm"),
    kcol("median_response"),
    kcol("subs_per_1000"), kcol("photo_share"),
    kcol("posts_per_week"), Col("enough_data", "Достаточно данных"),
]
PERIOD_HEADERS = {"day": "День", "week": "Неделя (понедельник)", "month": "Месяц (первое число)"}
SERIES_COLS = [
    Col("period", "Период", "date"), Col("partial", "Неполный интервал"), kcol("messages"),
    Col("answered", "С ответом", "int"), Col("in_norm", "Ответ в срок, шт.", "int"),
    Col("share_in_norm", "Доля ответов в срок", "pct"),
    kcol("median_response"),
]
TOPIC_COLS = [
    Col("topic", "Тема"), kcol("messages"), Col("share", "Доля обращений", "pct"),
    Col("answered", "С ответом", "int"), Col("in_norm", "Ответ в срок, шт.", "int"),
    kcol("share_in_norm"),
    kcol("median_response"),
]
RESPONSE_COLS = [
    Col("label", "Время первого ответа"), kcol("messages"),
    Col("share", "Доля обращений", "pct"),
]
PLATFORM_COLS = [
    Col("platform_label", "Платформа"), kcol("pages"),
    kcol("subscribers"), kcol("messages"),
    Col("due", "Срок ответа наступил", "int"), Col("in_norm", "Ответ в срок, шт.", "int"),
    kcol("share_in_norm"),
    kcol("median_response"),
]
MOVER_COLS = [
    Col("group", "Группа"), Col("name", "Муниципалитет"), Col("prev_rank", "Место было", "int"),
    Col("rank", "Место стало", "int"), Col("rank_change", "Изменение места", "signed"),
    Col("score", "Балл", "num1"), Col("score_change", "Изменение балла", "signed1"),
    Col("share_in_norm_pp", "Изменение доли ответов в срок", "pp"),
]
PAGE_COLS = [
    Col("platform_label", "Сеть"), Col("title", "Страница"), Col("url", "Адрес"),
    Col("organisation", "Организация"), kcol("subscribers"),
    Col("stats_on", "Дата статистики", "date"), Col("last_post_at", "Последняя публикация", "datetime"),
    Col("opened_on", "Открыта", "date"), Col("verified", "Госметка"), Col("gospubliki", "Подключена к «Госпабликам»"),
]


def low_data_note(k, samples: list[tuple[str, object]]) -> str:
    """«мало данных (сентябрь 2026): меньше 5 оценок» for each (label, sample) below the KPI's
    minimum: the slides and cards print «мало данных» there, the workbook keeps the number."""
    return "; ".join(f"{LOW_DATA} ({label}): меньше {k.min_sample} {SAMPLE_WORDS.get(k.sample, 'случаев')}"
                     for label, n in samples if k.too_small(n))


def kpi_frame(c: ReportContent) -> tuple[pd.DataFrame, list[Col]]:
    """One row per headline KPI; value columns hold numbers, each row with its own format;
    a value from too small a sample is named in «Примечание» (the slides say «мало данных»)."""
    rows = []
    for k in KPIS.values():
        cur, prev = c.headline.value(k.code), c.headline_prev.value(k.code)
        if not c.headline.has(k.code):
            continue  # a KPI the headline query does not compute (per-1000 figures, growth)
        change = k.change(cur, prev, c.headline.sample(k.code), c.headline_prev.sample(k.code))
        samples = [(c.period.label(), c.headline.sample(k.code)), (c.previous_label, c.headline_prev.sample(k.code))]
        row = {"name": k.name, "unit": k.unit, "cur": cur, "prev": prev, "change": change.delta,
               "kind": k.kind}
        if c.oblast is not None:
            row["oblast"] = c.oblast.value(k.code)
            samples.append((f"область, {c.period.label()}", c.oblast.sample(k.code)))
        row["note"] = low_data_note(k, samples)
        rows.append(row)
    cols = [Col("name", "Показатель"), Col("unit", "Единица"), Col("cur", c.period.label()),
            Col("prev", c.previous_label), Col("change", "Изменение")]
    if c.oblast is not None:
        cols.append(Col("oblast", f"Область, {c.period.label()}"))
    cols.append(Col("note", "Примечание"))
    return pd.DataFrame(rows), cols


def _write_kpis(wb: Workbook, c: ReportContent) -> None:
    """Counts, shares and minutes in one table: each row's values in its own format."""
    df, cols = kpi_frame(c)
    cols = [Col(col.source, col.header, ROW_KIND) if col.source in ("cur", "prev", "oblast") else
            Col(col.source, col.header, ROW_CHANGE_KIND) if col.source == "change" else col for col in cols]
    unfinished = f" — {c.unfinished.rstrip('.')}" if c.unfinished else ""
    widths = {j: 20 for j in range(3, len(cols))}
    widths[len(cols)] = 60 if df["note"].astype(bool).any() else 14  # «Примечание»
    write_table(wb, "Показатели", f"Главные показатели — {c.scope_name}, {c.period.label()}{unfinished}", df, cols,
                c.is_demo, widths=widths)


def _write_info(wb: Workbook, c: ReportContent, sheets: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet("Сведения")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 70
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, "Отчёт о работе официальных страниц органов власти в социальных сетях",
                     font=CAPTION_FONT)])
    ws.append([])
    info = [
        ("Территория", c.scope_name, "text"),
        ("Период", c.period.label(), "text"),
        ("Начало периода", c.period.start, "date"),
        ("Конец периода", c.period.end, "date"),
        ("Изменение", c.change_basis, "text"),
        ("Данные на", c.data_date, "date"),
        ("Норма ответа", c.norm_label, "text"),
        ("Отчёт сформирован", c.made_at, "datetime"),
        ("Источник", theme.SOURCE_NOTE, "text"),
    ]
    for k, v, kind in info:
        ws.append([_cell(ws, k, font=Font(bold=True)),
                   _cell(ws, v, FORMATS[kind], alignment=Alignment(horizontal="left"))])
    ws.append([])
    if c.unfinished:
        ws.append([_cell(ws, c.unfinished, font=UNFINISHED_FONT)])
        ws.append([])
    if c.is_demo:
        ws.append([_cell(ws, theme.DEMO_LABEL, font=DEMO_FONT)])
        ws.append([])
    ws.append([_cell(ws, "Листы", font=Font(bold=True))])
    for name, about in sheets:
        ws.append([_cell(ws, name), _cell(ws, about)])


def render(c: ReportContent, page_chunks: Iterable[pd.DataFrame] | None = None) -> bytes:
    """The workbook's bytes. ``page_chunks``: the municipality's pages (pages.registry_chunks),
    for a municipality report."""
    wb = Workbook(write_only=True)
    scope, label, demo = c.scope_name, c.period.label(), c.is_demo
    tables: list[tuple] = []  # (title, about, data, cols, freeze_cols): written after «Сведения»

    def table(title: str, about: str, data, cols: list[Col], freeze_cols: int = 0) -> None:
        tables.append((title, about, data, cols, freeze_cols))

    rating = c.rating.sort_values(["enough_data", "rank", "name"], ascending=[False, True, True])
    table("Рейтинг", "Рейтинг муниципалитетов", rating, RATING_COLS, freeze_cols=2)
    munis = c.municipalities.assign(kind_label=c.municipalities["kind"].map(MUNICIPALITY_KINDS).fillna(""))
    table("Муниципалитеты", "Показатели по муниципалитетам (карта)", munis, MUNICIPALITY_COLS, freeze_cols=1)
    grain = GRAIN_LABELS[c.grain]
    series_cols = [Col("period", PERIOD_HEADERS[c.grain], "date"), *SERIES_COLS[1:]]
    table("Динамика", f"Обращения и ответ в срок {grain} ({scope})", c.series, series_cols)
    table("Темы", f"Темы обращений ({scope})", c.topics, TOPIC_COLS)
    table("Время ответа", f"Время первого ответа ({scope})", c.responses, RESPONSE_COLS)
    table("Платформы", f"Показатели по платформам ({scope})", c.platforms, PLATFORM_COLS)
    if c.is_oblast:
        up, down = movers(c)
        both = pd.concat([up.assign(group="Лучшая динамика"), down.assign(group="Наибольшее снижение")])
        both = both.assign(share_in_norm_pp=(both["share_in_norm"] - both["prev_share_in_norm"]) * 100)
        table("Изменения", "Лучшая динамика и наибольшее снижение в рейтинге", both, MOVER_COLS)
    else:
        table("Страницы", f"Страницы муниципалитета ({scope})",
              page_chunks if page_chunks is not None else c.pages, PAGE_COLS)
    sheets = [("Показатели", f"Главные показатели ({scope}) и изменение {c.change_basis}"),
              *[(title, about) for title, about, *_ in tables]]
    _write_info(wb, c, sheets)
    _write_kpis(wb, c)
    # A sheet is often copied on its own: its caption says the period is not over, too.
    label += f" — {c.unfinished.rstrip('.')}" if c.unfinished else ""
    for title, about, data, cols, freeze_cols in tables:
        write_table(wb, title, f"{about} — {label}", data, cols, demo, freeze_cols)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
