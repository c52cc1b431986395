"""Reports on the hand-built fixture data: PPTX, PDF and XLSX carry the query results.

Each file is opened the way a user's program would (python-pptx, openpyxl, pdftoppm)
and its numbers are compared with the query functions' results for the same filters.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.util import Inches

from dashboard.cli import main
from dashboard.core import db, periods, schema
from dashboard.core import formatting as fmt
from dashboard.core.metrics import KPIS
from dashboard.presentation.reports import (
    build_report,
    deck,
    resolve_municipality,
    theme,
)
from dashboard.presentation.reports.theme import ReportError
from queries import breakdowns, kpis, rating
from queries.filters import Filters, Norm
from tests import fixture_data
from tests.conftest import new_database

NOV = periods.month(2026, 11)
NORM = Norm()
NSK = fixture_data.NSK

OBLAST_TITLES = [
    None,  # title slide: no title bar
    "Главные показатели",
    "Ответ в срок по муниципалитетам",
    "Рейтинг муниципалитетов (1–18)",
    "Рейтинг муниципалитетов (19–35)",
    "Обращения по дням",
    "Ответ в срок по дням",
    "Темы обращений",
    "Время первого ответа",
    "Динамика рейтинга",
    "Методика",
]


# -- fixtures: one database and one file per format for the module --------------------

@pytest.fixture(scope="module")
def report_engine(tmp_path_factory):
    eng, cleanup = new_database("sqlite", tmp_path_factory.mktemp("reports"))
    with eng.begin() as conn:
        fixture_data.build(conn)
    yield eng
    cleanup()


def _build(engine, fmt_: str, municipality_id: int | None = None) -> bytes:
    return build_report(engine, NOV, municipality_id, fmt_, norm=NORM, now=fixture_data.NOW)


@pytest.fixture(scope="module")
def expected(report_engine):
    """The query results the reports must show."""
    f = Filters(NOV.start, NOV.end, norm=NORM)
    with report_engine.connect() as conn:
        cur, prev = kpis.headline_compare(conn, f, fixture_data.NOW)
        return {
            "cur": cur, "prev": prev,
            "rating": rating.rating(conn, f, fixture_data.NOW),
            "topics": breakdowns.by_topic(conn, f),
            "nsk": kpis.headline(conn, f.with_(municipality_ids=(NSK,)), fixture_data.NOW),
        }


@pytest.fixture(scope="module")
def pptx_file(report_engine):
    return Presentation(io.BytesIO(_build(report_engine, "pptx")))


@pytest.fixture(scope="module")
def xlsx_file(report_engine):
    return load_workbook(io.BytesIO(_build(report_engine, "xlsx")))


@pytest.fixture(scope="module")
def pdf_bytes(report_engine):
    return _build(report_engine, "pdf")


def slide_title(slide) -> str | None:
    return None if slide.shapes.title is None else slide.shapes.title.text_frame.paragraphs[0].text


def slide_text(slide) -> str:
    """Every text on the slide: text boxes and table cells."""
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def table_rows(slide) -> list[list[str]]:
    table = next(s for s in slide.shapes if s.has_table).table
    return [[cell.text for cell in row.cells] for row in table.rows]


# -- PPTX -----------------------------------------------------------------------------

def test_pptx_is_16_9_with_the_expected_slides(pptx_file):
    assert (pptx_file.slide_width, pptx_file.slide_height) == (Inches(13.333), Inches(7.5))
    assert [slide_title(s) for s in pptx_file.slides] == OBLAST_TITLES


def test_pptx_title_slide_names_scope_period_and_data_date(pptx_file):
    text = slide_text(pptx_file.slides[0])
    assert "Новосибирская область" in text
    assert "Ноябрь 2026" in text
    assert "Данные на 28.11.2026" in text
    assert "октябрь 2026" in text  # the comparison period


def test_pptx_every_slide_has_footer_and_number(pptx_file):
    for n, slide in enumerate(pptx_file.slides, start=1):
        text = slide_text(slide)
        assert "Данные на 28.11.2026" in text
        assert str(n) in [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert theme.DEMO_LABEL not in text  # the fixture is not demo data


def test_pptx_headline_numbers_equal_the_queries(pptx_file, expected):
    cur, prev = expected["cur"], expected["prev"]
    text = slide_text(pptx_file.slides[1])
    assert fmt.num(cur.messages) in text
    assert fmt.pct(cur.share_in_norm) in text
    assert fmt.num(cur.subscribers) in text
    assert fmt.num(cur.pages) in text
    assert fmt.duration(cur.median_response_min) in text
    assert KPIS["messages"].change(cur.messages, prev.messages).text in text
    assert KPIS["share_in_norm"].change(cur.share_in_norm, prev.share_in_norm, cur.due, prev.due).text in text
    assert f"октябрь 2026: {fmt.num(prev.messages)}" in text


def test_pptx_rating_table_is_a_real_table_with_the_query_order(pptx_file, expected):
    rows = table_rows(pptx_file.slides[3])
    assert rows[0][:3] == ["Место", "Муниципалитет", "Балл"]
    top = expected["rating"].sort_values("rank").iloc[0]
    assert rows[1][:3] == ["1", top["name"], fmt.num(top["score"], 1)]
    assert rows[1][4] == fmt.num(top["messages"])
    assert rows[1][5] == fmt.pct(top["share_in_norm"])
    ranked = int(expected["rating"]["enough_data"].sum())
    everyone = [r for s in list(pptx_file.slides)[3:5] for r in table_rows(s)[1:]]
    assert len(everyone) == 35
    assert [r[0] for r in everyone[ranked:]] == ["—"] * (35 - ranked)  # «мало данных» at the end


def test_pptx_topics_and_charts(pptx_file, expected):
    topics = table_rows(pptx_file.slides[7])
    first = expected["topics"].iloc[0]
    assert topics[1][:2] == [first["topic"], fmt.num(first["messages"])]
    names = {s.name for slide in pptx_file.slides for s in slide.shapes if s.shape_type == 13}
    assert names == {f"chart:{k}" for k in deck.CHART_BOXES}


def test_pptx_movers_slide_says_when_nobody_moved(pptx_file):
    # October has too few messages for any ranked municipality, so no rank changes.
    assert "Нет муниципалитетов с изменением места." in slide_text(pptx_file.slides[9])


def test_pptx_method_slide_prints_kpi_formulas(pptx_file):
    text = slide_text(pptx_file.slides[-1])
    assert "Ответ в срок: Обращения с первым ответом не позже нормы" in text
    assert "Норма ответа: 24 ч календарных" in text


def test_municipality_deck_compares_with_the_oblast(report_engine, expected):
    prs = Presentation(io.BytesIO(_build(report_engine, "pptx", NSK)))
    titles = [slide_title(s) for s in prs.slides]
    assert "Страницы муниципалитета" in titles
    assert not any(t and t.startswith("Рейтинг муниципалитетов") for t in titles)
    assert "город Новосибирск" in slide_text(prs.slides[0])
    kpi = slide_text(prs.slides[1])
    assert fmt.num(expected["nsk"].messages) in kpi
    assert f"Область: {fmt.num(expected['cur'].messages)}" in kpi
    row = expected["rating"].set_index("municipality_id").loc[NSK]
    assert f"{int(row['rank'])} из {int(expected['rating']['enough_data'].sum())}" in slide_text(prs.slides[2])
    pages = table_rows(prs.slides[titles.index("Страницы муниципалитета")])
    assert len(pages) - 1 == 5  # the city administration's four pages and the school's
    assert pages[1][1] == "Страница 1"  # most subscribers first


# -- PDF ------------------------------------------------------------------------------

def test_pdf_has_one_non_blank_page_per_slide(pdf_bytes, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) не установлен")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(OBLAST_TITLES)
    for page in pages:
        img = Image.open(page)
        assert img.width > img.height  # landscape
        assert ImageStat.Stat(img.convert("L")).stddev[0] > 20, f"{page.name} looks blank"


def test_pdf_text_is_cyrillic_and_matches(pdf_bytes, tmp_path, expected):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) не установлен")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_bytes)
    text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Главные показатели" in text
    assert fmt.pct(expected["cur"].share_in_norm).replace(fmt.NBSP, " ") in text.replace(fmt.NBSP, " ")


# -- XLSX -----------------------------------------------------------------------------

def test_xlsx_sheets_headers_and_frozen_rows(xlsx_file):
    assert xlsx_file.sheetnames == ["Сведения", "Показатели", "Рейтинг", "Муниципалитеты", "Динамика", "Темы",
                                    "Время ответа", "Платформы", "Изменения"]
    for name in xlsx_file.sheetnames[1:]:
        ws = xlsx_file[name]
        assert ws.freeze_panes in ("A3", "B3", "C3"), name
        assert ws.cell(2, 1).value and ws.cell(2, 1).font.bold, name
    assert [c.value for c in xlsx_file["Рейтинг"][2]][:3] == ["Место", "Муниципалитет", "Балл"]
    assert xlsx_file["Рейтинг"].freeze_panes == "C3"


def test_xlsx_numbers_equal_the_queries(xlsx_file, expected):
    cur, prev = expected["cur"], expected["prev"]
    ws = xlsx_file["Показатели"]
    rows = {ws.cell(i, 1).value: i for i in range(3, ws.max_row + 1)}
    assert [c.value for c in ws[2]][:5] == ["Показатель", "Единица", "ноябрь 2026", "октябрь 2026", "Изменение"]
    msg = rows["Обращения"]
    assert (ws.cell(msg, 3).value, ws.cell(msg, 4).value, ws.cell(msg, 5).value) == (
        cur.messages, prev.messages, cur.messages - prev.messages)
    assert ws.cell(msg, 3).number_format == "#,##0"
    share = rows["Ответ в срок"]
    assert ws.cell(share, 3).value == pytest.approx(cur.share_in_norm)
    assert ws.cell(share, 3).number_format == "0.0%"
    assert ws.cell(rows["Подписчики"], 3).value == cur.subscribers

    r = xlsx_file["Рейтинг"]
    top = expected["rating"].sort_values("rank").iloc[0]
    assert (r["A3"].value, r["B3"].value) == (1, top["name"])
    assert r["C3"].value == pytest.approx(top["score"])
    assert r.max_row == 2 + 35

    t = xlsx_file["Темы"]
    assert [t.cell(i, 1).value for i in range(3, t.max_row + 1)] == list(expected["topics"]["topic"])
    assert t["C3"].number_format == "0.0%"


def test_xlsx_dates_and_info_sheet(xlsx_file):
    d = xlsx_file["Динамика"]
    assert d["A2"].value == "День"  # a month: daily buckets
    assert d["A3"].value.date() == date(2026, 11, 2)  # the first day with messages
    assert d["A3"].number_format == "dd.mm.yyyy"
    info = {r[0].value: r[1].value for r in xlsx_file["Сведения"].iter_rows(min_row=3) if r[0].value}
    assert info["Территория"] == "Новосибирская область"
    assert info["Период"] == "ноябрь 2026"
    assert info["Данные на"].date() == date(2026, 11, 28)
    assert theme.DEMO_LABEL not in info


def test_municipality_workbook_lists_its_pages(report_engine):
    wb = load_workbook(io.BytesIO(_build(report_engine, "xlsx", NSK)))
    assert "Страницы" in wb.sheetnames and "Изменения" not in wb.sheetnames
    ws = wb["Страницы"]
    assert ws["B2"].value == "Страница"
    assert sorted(ws.cell(i, 2).value for i in range(3, ws.max_row + 1)) == [
        "Страница 1", "Страница 2", "Страница 3", "Страница 4", "Страница 8"]


# -- demo data label ----------------------------------------------------------------

def test_demo_label_on_every_slide_page_and_sheet(fixture_sqlite, tmp_path):
    with fixture_sqlite.begin() as conn:
        db.set_meta(conn, schema.META_DEMO, "1")
    prs = Presentation(io.BytesIO(_build(fixture_sqlite, "pptx")))
    assert all(theme.DEMO_LABEL in slide_text(s) for s in prs.slides)
    wb = load_workbook(io.BytesIO(_build(fixture_sqlite, "xlsx")))
    assert all(theme.DEMO_LABEL in str(wb[n]["A1"].value) for n in wb.sheetnames[1:])
    assert any(theme.DEMO_LABEL == c.value for row in wb["Сведения"].iter_rows() for c in row)
    if shutil.which("pdftotext"):
        path = tmp_path / "demo.pdf"
        path.write_bytes(_build(fixture_sqlite, "pdf"))
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
        pages = [p for p in text.split("\f") if p.strip()]
        assert len(pages) == len(OBLAST_TITLES)
        assert all("Демонстрационные данные" in p for p in pages)


# -- formats of changes ------------------------------------------------------------

@pytest.mark.parametrize("code, cur, prev, text", [
    ("messages", 120, 100, "+20 (+20,0\u00a0%)"),
    ("messages", 5, 0, "+5"),
    ("share_in_norm", 0.8, 0.75, "+5,0\u00a0п.п."),
    ("share_in_norm", 0.75, 0.75004, "±0,0\u00a0п.п."),
    ("er", 0.0123, 0.0101, "+0,22\u00a0п.п."),
    ("median_response", 60, 85, "−25\u00a0мин"),
    ("posts_per_week", 2.5, 2.0, "+0,5"),
    ("messages", None, 3, None),
])
def test_change_text(code, cur, prev, text):
    assert KPIS[code].change(cur, prev).text == text


@pytest.mark.parametrize("code, cur, prev, colour", [
    ("share_in_norm", 0.8, 0.7, theme.GOOD),
    ("median_response", 80, 60, theme.BAD),
    ("messages", 10, 5, theme.NEUTRAL),
    ("share_in_norm", 0.70001, 0.7, theme.NEUTRAL),  # shown as ±0,0 п.п.
])
def test_tone(code, cur, prev, colour):
    assert deck.TONES[KPIS[code].change(cur, prev).tone] == colour


# -- municipality names and the CLI -----------------------------------------------------

NAMES = {1: "Баганский район", 11: "Коченёвский район", 19: "Новосибирский район", 31: "город Новосибирск",
         32: "город Бердск", 35: "рабочий посёлок Кольцово"}


@pytest.mark.parametrize("query, mid", [
    ("город Бердск", 32), ("ГОРОД БЕРДСК", 32), ("  бердск ", 32), ("Коченевский район", 11),
    ("коченёвский", 11), ("Новосибирск", 31), ("кольцово", 35),
])
def test_resolve_municipality(query, mid):
    assert resolve_municipality(NAMES, query) == mid


def test_resolve_municipality_unknown_lists_close_matches():
    with pytest.raises(ReportError, match="«Бердк» не найден.*«город Бердск»"):
        resolve_municipality(NAMES, "Бердк")
    with pytest.raises(ReportError, match="не найден. Название — как в справочнике"):
        resolve_municipality(NAMES, "Москва")


def test_resolve_municipality_ambiguous():
    with pytest.raises(ReportError, match="нескольким муниципалитетам.*«Баганский район».*«Коченёвский район»"):
        resolve_municipality(NAMES, "район")


def test_cli_writes_a_report(report_engine, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    url = report_engine.url.render_as_string(hide_password=False)
    code = main(["--database-url", url, "report", "--period", "2026-11", "--municipality", "новосибирск",
                 "--format", "xlsx", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "город Новосибирск, ноябрь 2026" in capsys.readouterr().out
    assert load_workbook(out)["Сведения"]["B3"].value == "город Новосибирск"


@pytest.mark.parametrize("args, message", [
    (["--period", "2026-13"], "--period '2026-13': ожидается 2026-Q3"),
    (["--period", "2026-Q5"], "Не удалось разобрать период"),
    (["--period", "2026-11-30..2026-11-01"], "раньше начала"),
    (["--period", "2020-Q1"], "За период «I квартал 2020» данных нет: данные есть с"),
    (["--period", "2026-11", "--municipality", "Бердк"], "Муниципалитет «Бердк» не найден"),
])
def test_cli_bad_input_gets_a_russian_error(report_engine, tmp_path, capsys, args, message):
    url = report_engine.url.render_as_string(hide_password=False)
    code = main(["--database-url", url, "report", *args, "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("Ошибка: ") and message in err
    assert not (tmp_path / "r.xlsx").exists()


def test_unknown_format_is_refused(report_engine):
    with pytest.raises(ReportError, match="Неизвестный формат"):
        build_report(report_engine, NOV, None, "docx")


def test_workbook_numbers_on_each_backend(fixture_engine):
    """SQLite and PostgreSQL give the same workbook numbers (the queries run on both)."""
    wb = load_workbook(io.BytesIO(_build(fixture_engine, "xlsx")))
    ws = wb["Показатели"]
    values = {ws.cell(i, 1).value: ws.cell(i, 3).value for i in range(3, ws.max_row + 1)}
    assert values["Обращения"] == len([m for m in fixture_data.MESSAGES if m[3].startswith("2026-11")])
    assert wb["Рейтинг"].max_row == 2 + 35


def test_demo_deck_for_the_last_full_quarter(tmp_path):
    """Smoke test on generated demo data: every slide built, demo label on each, charts present."""
    from dashboard.writers import demo

    eng, cleanup = new_database("sqlite", tmp_path)
    try:
        demo.generate(eng, seed=1, years=1, end=date(2026, 11, 27))
        quarter = periods.last_full_quarter(date(2026, 11, 27))
        prs = Presentation(io.BytesIO(build_report(eng, quarter, None, "pptx")))
    finally:
        cleanup()
    assert quarter.label() == "III квартал 2026"
    titles = [slide_title(s) for s in prs.slides]
    assert titles[5:7] == ["Обращения по неделям", "Ответ в срок по неделям"]
    assert all(theme.DEMO_LABEL in slide_text(s) for s in prs.slides)
    rows = table_rows(prs.slides[3])
    assert [r[0] for r in rows[1:6]] == ["1", "2", "3", "4", "5"]
    assert "Динамика рейтинга" in titles and "Нет муниципалитетов" not in slide_text(prs.slides[9])


def test_missing_fonts_give_a_russian_message(monkeypatch, tmp_path):
    monkeypatch.setattr(theme, "PDF_FONT_FILES", {"regular": tmp_path / "DejaVuSans.ttf",
                                                  "bold": tmp_path / "DejaVuSans-Bold.ttf"})
    with pytest.raises(ReportError, match="Не найдены шрифты .*fonts-dejavu-core"):
        theme.check_fonts()
