"""The «Отчёт» page: selectors, one button per format, a download after building."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests import fixture_data
from tests.apptest_utils import assert_ok, run_page

PAGE = "pages/report.py"


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def wb_change(data: bytes) -> str:
    """The workbook's «Изменение» line of «Сведения»."""
    return next(r[1].value for r in load_workbook(io.BytesIO(data))["Сведения"].iter_rows() if r[0].value == "Изменение")


def test_page_shows_selectors_and_buttons(app_db):
    at = run_page(app_db, PAGE)
    assert_ok(at)
    assert {b.key for b in at.button} >= {"build_pptx", "build_pdf", "build_xlsx"}
    scope = at.selectbox(key="report_scope")
    assert scope.value is None  # the whole oblast by default
    assert "Новосибирская область" in scope.options
    # Fixture data: October–November 2026; the default quarter is the newest one with data.
    assert at.selectbox(key="report_period_quarter").value.label() == "IV квартал 2026"


def test_xlsx_button_builds_a_workbook_for_download(app_db):
    at = run_page(app_db, PAGE, now=fixture_data.NOW)
    at.segmented_control(key="report_kind").set_value("month").run()
    month = at.selectbox(key="report_period_month")
    assert month.value.label() == "ноябрь 2026"
    # Seen on 28.11, November is not over: the page and the file say so in the same words.
    unfinished = "Период ещё не закончился: данные есть по 28.11.2026."
    assert unfinished in [c.value for c in at.caption]
    # And it is compared with October to 28.10, as the file's KPI slide and sheets say.
    assert ("Новосибирская область · ноябрь 2026 (01.11.2026 – 30.11.2026) · изменение к 01.10.2026 – 28.10.2026 "
            "(столько же дней) · норма ответа 24 ч календарных") in [c.value for c in at.caption]
    _button(at, "build_xlsx").click().run()
    assert_ok(at)
    key, data, name = at.session_state["report_files"]["xlsx"]
    assert wb_change(data) == "к 01.10.2026 – 28.10.2026 (столько же дней)"
    assert name == "Отчёт — Новосибирская область — ноябрь 2026.xlsx"
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "Сведения"
    assert wb["Сведения"]["B4"].value == "ноябрь 2026"
    assert unfinished in [row[0].value for row in wb["Сведения"].iter_rows()]
    downloads = at.get("download_button")
    assert len(downloads) == 1


def test_municipality_scope_year_and_custom_dates(app_db):
    at = run_page(app_db, PAGE)
    at.selectbox(key="report_scope").select_index(1).run()  # the first municipality in the list
    at.segmented_control(key="report_kind").set_value("year").run()
    assert at.selectbox(key="report_period_year").value.label() == "2026 год"
    assert_ok(at)
    at.segmented_control(key="report_kind").set_value("custom").run()
    dates = at.date_input(key="report_dates")
    dates.set_value((date(2026, 11, 2), date(2026, 11, 8))).run()
    assert_ok(at)
    assert "02.11.2026 – 08.11.2026" in "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("fmt", ["pptx"])
def test_second_request_is_served_from_the_cache(app_db, fmt):
    at = run_page(app_db, PAGE)
    at.segmented_control(key="report_kind").set_value("month").run()
    _button(at, f"build_{fmt}").click().run()
    assert_ok(at)
    first = at.session_state["report_files"][fmt][1]
    at.session_state["report_files"] = {}
    _button(at, f"build_{fmt}").click().run()
    assert at.session_state["report_files"][fmt][1] is first



def test_a_file_built_before_the_period_ended_is_not_handed_out_after_it(app_db):
    # The data ends on 28.11. A week to 28.11, seen on that day, is not over; seen the next day,
    # with no new data, it is: the file built on 28.11 must not be handed out on 29.11 (the
    # page's cache key carries the note, not only the data version).
    def sheet_text(data):
        return [row[0].value for row in load_workbook(io.BytesIO(data))["Сведения"].iter_rows()]

    at = run_page(app_db, PAGE, now=fixture_data.NOW)
    at.segmented_control(key="report_kind").set_value("custom").run()
    at.date_input(key="report_dates").set_value((date(2026, 11, 22), date(2026, 11, 28))).run()
    unfinished = "Период ещё не закончился: данные есть по 28.11.2026."
    assert unfinished in [c.value for c in at.caption]
    _button(at, "build_xlsx").click().run()
    assert unfinished in sheet_text(at.session_state["report_files"]["xlsx"][1])
    at.session_state["now_utc"] = datetime(2026, 11, 29, 5, 0)  # 12:00 local
    at.session_state["report_files"] = {}
    at.run()
    assert unfinished not in [c.value for c in at.caption]
    _button(at, "build_xlsx").click().run()
    assert_ok(at)
    assert unfinished not in sheet_text(at.session_state["report_files"]["xlsx"][1])
