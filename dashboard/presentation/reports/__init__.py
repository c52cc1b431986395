"""Reports: a slide deck (PPTX), the same slides as a PDF, and the tables as XLSX.

    content.gather  — every number, from queries/ (the same functions the pages use)
    figures         — chart images: dashboard.presentation.charts definitions + the static map, via vl-convert
    deck            — the slides as positioned blocks (shared by PPTX and PDF)
    pptx, pdf, xlsx — renderers

``build_report`` is used by the «Отчёт» page and by ``python -m dashboard report``.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine

from dashboard.core import formatting as fmt
from dashboard.core import periods, reference_data
from dashboard.core.periods import Period
from dashboard.core.settings import get_settings
from dashboard.presentation.reports.theme import ReportError
from queries.filters import Norm

FORMATS = {
    "pptx": ("Презентация PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "pdf": ("PDF", "application/pdf"),
    "xlsx": ("Книга Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}

Progress = Callable[[float, str], None]


def _quiet(_fraction: float, _text: str) -> None:
    pass


def build_report(engine: Engine, period: Period, municipality_id: int | None, fmt: str,
                 progress: Progress | None = None, norm: Norm | None = None,
                 now: datetime | None = None) -> bytes:
    """The report file's bytes. ``progress(fraction, text)`` is called as work proceeds."""
    from dashboard.presentation.reports import content, deck, figures

    if fmt not in FORMATS:
        raise ReportError(f"Неизвестный формат отчёта {fmt!r}: допустимы {', '.join(FORMATS)}.")
    progress = progress or _quiet
    progress(0.05, "Запрос данных…")
    c = content.gather(engine, period, municipality_id, norm, now)
    if fmt == "xlsx":
        from dashboard.presentation.reports import xlsx

        progress(0.6, "Запись таблиц…")
        if c.is_oblast:
            data = xlsx.render(c)
        else:  # the municipality's page list streams from the database into the workbook
            from queries import pages

            tz = get_settings().tz
            with engine.connect() as conn:
                data = xlsx.render(c, (content.local_pages(chunk, tz) for chunk in pages.registry_chunks(
                    conn, content.scope_filters(period, municipality_id, c.norm))))
    else:
        images = figures.chart_images(c, lambda f, t: progress(0.15 + 0.7 * f, t))
        progress(0.9, "Сборка слайдов…")
        d = deck.build(c, images)
        if fmt == "pptx":
            from dashboard.presentation.reports import pptx as renderer
        else:
            from dashboard.presentation.reports import pdf as renderer
        data = renderer.render(d)
    progress(1.0, "Готово")
    return data


PERIOD_KINDS = {"month": "Месяц", "quarter": "Квартал", "year": "Год", "custom": "Свой период"}


def period_choices(kind: str, first_day: date, last_day: date) -> list[Period]:
    """Months, quarters or years overlapping the data (first_day..last_day), newest first."""
    step = {"month": periods.month, "quarter": periods.quarter, "year": periods.year}[kind]
    out, p = [], None
    y, n = last_day.year, {"month": last_day.month, "quarter": (last_day.month - 1) // 3 + 1, "year": 0}[kind]
    while True:
        p = step(y) if kind == "year" else step(y, n)
        if p.end < first_day:
            return out
        out.append(p)
        if kind == "year":
            y -= 1
        else:
            n -= 1
            if n == 0:
                y, n = y - 1, (12 if kind == "month" else 4)


def default_choice(choices: list[Period], last_day: date) -> Period:
    """The newest complete period (ending on or before the last day with data), else the newest."""
    return next((p for p in choices if p.end <= last_day), choices[0])


def file_name(scope_name: str, period: Period, fmt: str) -> str:
    """'Отчёт — Новосибирская область — III квартал 2026.pptx'."""
    return f"Отчёт — {scope_name} — {period.label()}.{fmt}"


# -- municipality names ---------------------------------------------------------------

def resolve_municipality(names: dict[int, str], query: str) -> int:
    """``reference_data.resolve_municipality`` with its Russian message as a ReportError."""
    try:
        return reference_data.resolve_municipality(names, query)
    except reference_data.UnknownMunicipality as e:
        raise ReportError(str(e)) from e


# -- CLI ------------------------------------------------------------------------------

def run_cli(engine: Engine, args) -> int:
    """``python -m dashboard report --period P [--municipality NAME] --format F --out FILE``."""
    from queries import reference

    try:
        try:
            period = periods.parse(args.period)
        except ValueError as e:
            why = str(e) if re.search("[а-яё]", str(e), re.I) else (
                "ожидается 2026-Q3, 2026-09, 2026 или 2026-07-01..2026-09-30 (существующие даты)")
            raise ReportError(f"--period {args.period!r}: {why}") from e
        municipality_id = None
        with engine.connect() as conn:
            names = reference.municipalities(conn).set_index("id")["name"].to_dict()
        if args.municipality:
            municipality_id = resolve_municipality(names, args.municipality)
        out = Path(args.out)
        if not out.parent.exists():
            raise ReportError(f"--out: папка {out.parent} не существует.")
        started = time.monotonic()
        data = build_report(engine, period, municipality_id, args.format)
        out.write_bytes(data)
    except ReportError as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 2
    scope = "Новосибирская область" if municipality_id is None else names[municipality_id]
    print(f"Отчёт ({scope}, {period.label()}) сохранён в {out}: {fmt.num(len(data) / 1024)} КБ "
          f"за {fmt.num(time.monotonic() - started, 1)} с.")
    return 0
