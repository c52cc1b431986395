"""Reports on the hand-built fixture data: PPTX, PDF and XLSX carry the query results.

Each file is opened the way a user's program would (python-pptx, openpyxl, pdftoppm)
and its numbers are compared with the query functions' results for the same filters.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from datetime import date, datetime
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from dashboard.cli import main
from dashboard.core import db, periods, schema
from dashboard.core import formatting as fmt
from dashboard.core.metrics import KPIS, REPORT_CARDS
from dashboard.presentation import charts as screen_charts
from dashboard.presentation.reports import (
    build_report,
    content,
    deck,
    resolve_municipality,
    theme,
)
from dashboard.presentation.reports.pptx import render as pptx_render
from dashboard.presentation.reports.theme import ReportError
from queries import breakdowns, kpis, rating, series
from queries.filters import Filters, Norm
from tests import fixture_data
from tests.conftest import new_database

NOV = periods.month(2026, 11)
FIRST_HALF_NOV = periods.Period(date(2026, 11, 1), date(2026, 11, 14))  # over at fixture_data.NOW
NORM = Norm()
NSK = fixture_data.NSK

OBLAST_TITLES = [
    None,  # title slide: no title bar
    "Главное",
    "Главные показатели",
    "Ответ в срок по муниципалитетам",
    "Рейтинг муниципалитетов",
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
    assert "Изменение — к 01.10.2026 – 28.10.2026 (столько же дней)." in text  # the comparison, as on screen


def test_pptx_every_slide_has_footer_and_number(pptx_file):
    for n, slide in enumerate(pptx_file.slides, start=1):
        text = slide_text(slide)
        assert "Данные на 28.11.2026" in text
        assert str(n) in [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert theme.DEMO_LABEL not in text  # the fixture is not demo data


def test_pptx_headline_numbers_equal_the_queries(pptx_file, expected):
    cur, prev = expected["cur"], expected["prev"]
    text = slide_text(pptx_file.slides[2])
    assert fmt.num(cur.messages) in text
    assert fmt.pct(cur.share_in_norm) in text
    assert fmt.num(cur.subscribers) in text
    assert fmt.num(cur.pages) in text
    assert fmt.duration(cur.median_response_min) in text
    assert KPIS["messages"].change(cur.messages, prev.messages).text in text
    assert KPIS["share_in_norm"].change(cur.share_in_norm, prev.share_in_norm, cur.due, prev.due).text in text
    # October to 28.10, as far into it as November is on 28.11 (not October whole).
    assert f"октябрь 2026 по 28.10: {fmt.num(prev.messages)}" in text


def tables(slide) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in s.table.rows] for s in slide.shapes if s.has_table]


def test_pptx_rating_slide_shows_top_and_bottom_in_large_type(pptx_file, expected):
    """The first and the last ranked municipalities at 15 pt, the rest pointed to the workbook."""
    slide = pptx_file.slides[4]
    ranked = expected["rating"][expected["rating"]["enough_data"]].sort_values("rank")
    assert len(ranked) == 2  # the fixture: Новосибирск and Новосибирский район have enough messages
    top, bottom = tables(slide)
    assert top[0] == ["Место", "Муниципалитет", "Балл", "В срок"]
    first, last = ranked.iloc[0], ranked.iloc[-1]
    assert top[1:] == [["1", first["name"], fmt.num(first["score"], 1), fmt.pct(first["share_in_norm"])]]
    assert bottom[1:] == [[str(int(last["rank"])), last["name"], fmt.num(last["score"], 1),
                           fmt.pct(last["share_in_norm"])]]
    table = next(s for s in slide.shapes if s.has_table).table
    assert table.cell(1, 1).text_frame.paragraphs[0].runs[0].font.size.pt == 15
    text = slide_text(slide)
    assert "Полный рейтинг всех 35 муниципалитетов" in text and "лист «Рейтинг»" in text
    assert "Без места (менее 10 обращений): 33." in text


def test_pptx_topics_and_charts(pptx_file, expected):
    topics = table_rows(pptx_file.slides[7])
    first = expected["topics"].iloc[0]
    assert topics[1][:2] == [first["topic"], fmt.num(first["messages"])]
    pictures = {s.name for slide in pptx_file.slides for s in slide.shapes if s.shape_type == 13}
    assert pictures == {"chart:map"}  # PowerPoint has no map chart: the map stays a picture
    native = {s.name for slide in pptx_file.slides for s in slide.shapes if s.has_chart}
    assert native == {"chart:messages", "chart:timeliness", "chart:topics", "chart:responses"}


def bullets(slide) -> list[str]:
    return [p.text.removeprefix("•\u00a0") for s in slide.shapes if s.has_text_frame
            for p in s.text_frame.paragraphs if p.text.startswith("•")]


def test_summary_slide_states_conclusions_from_the_queries(pptx_file, expected, report_engine):
    """After the title: 3–5 sentences naming municipalities and the numbers the queries return."""
    slide = pptx_file.slides[1]
    assert slide_title(slide) == "Главное"
    said = bullets(slide)
    assert 3 <= len(said) <= 5
    cur, prev = expected["cur"], expected["prev"]
    f = Filters(NOV.start, NOV.end, norm=NORM)
    with report_engine.connect() as conn:
        m = breakdowns.by_municipality(conn, f, fixture_data.NOW)
    worst = m[m["municipality_id"] > 0].sort_values("overdue", ascending=False).iloc[0]
    assert cur.overdue == 2 and worst["name"] == "город Новосибирск"
    # The card's words («Просрочено без ответа»), not «Без ответа сверх нормы» beside the card saying 2.
    assert (f"Просрочено без ответа — 2 обращения; больше всего: город Новосибирск "
            f"({fmt.num(worst['overdue'])}).") in said
    ranked = expected["rating"][expected["rating"]["enough_data"]].sort_values("share_in_norm")
    low = ranked.iloc[0]
    assert any(t.startswith(f"Ниже цели по ответу в срок (не ниже 90,0{fmt.NBSP}%) — {len(ranked)} из {len(ranked)} ")
               and f"{low['name']} ({fmt.pct(low['share_in_norm'])})" in t for t in said)
    assert (f"Подписчиков — {fmt.num(cur.subscribers)}: {KPIS['subscribers'].change(cur.subscribers, prev.subscribers).text} "
            "к периоду «октябрь 2026 по 28.10».") in said  # November runs: the cards' previous values, named alike
    # October has too few messages for a like-for-like change: no «improved/declined» sentence.
    assert not any("улучшился" in t or "ухудшился" in t for t in said)


def test_bar_and_line_charts_are_native_with_the_query_numbers(pptx_file, report_engine, expected):
    f = Filters(NOV.start, NOV.end, norm=NORM)
    with report_engine.connect() as conn:
        s = series.messages_series(conn, f, "day")
    charts = {sh.name: sh.chart for slide in pptx_file.slides for sh in slide.shapes if sh.has_chart}
    msgs = charts["chart:messages"]
    assert msgs.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED      # counts: a column per day, zeros too
    assert len(s) == 30
    assert list(msgs.plots[0].categories) == [d.strftime("%d.%m") for d in pd.to_datetime(s["period"])]
    assert list(msgs.series[0].values) == list(s["messages"])
    # One series, as the screen's and the PDF's chart (the PPTX alone added «С ответом»).
    assert [x.name for x in msgs.series] == ["Обращения"] and not msgs.has_legend
    timely = charts["chart:timeliness"]
    # The share and the goal; then, out of the legend, the markers LibreOffice needs drawn again.
    assert [x.name for x in timely.series] == ["Ответ в срок", f"цель 90,0{fmt.NBSP}%",
                                               "Ответ в срок: светлые точки", "Ответ в срок: полые точки"]
    assert set(timely.series[1].values) == {0.9}
    topics = charts["chart:topics"]
    assert topics.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    assert list(topics.plots[0].categories) == list(expected["topics"]["topic"])
    assert list(topics.series[0].values) == list(expected["topics"]["messages"])
    assert charts["chart:responses"].chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED


def test_small_samples_read_low_data_in_the_slides_tables(pptx_file, expected):
    """A topic's «в срок» from fewer than 5 messages due reads «мало данных», as a KPI card and
    «Методика» say (the table printed «100,0 %» from one message)."""
    k = KPIS["share_in_norm"]
    rows = table_rows(pptx_file.slides[7])[1:]
    topics = expected["topics"]
    assert [r[0] for r in rows] == list(topics["topic"])
    want = [k.text(v, n).replace(" ", fmt.NBSP) for v, n in zip(topics["share_in_norm"], topics["due"])]
    assert [r[3] for r in rows] == want
    assert f"мало{fmt.NBSP}данных" in want and any(w.endswith("%") for w in want)


def test_kpi_cards_keep_each_value_in_one_piece(report_engine, expected):
    """A card's previous and oblast values do not break inside («сентябрь 2026: 5 ч» / «9 мин»)."""
    def cards(mid):
        return [b for b in _model(report_engine, mid).slides[2].blocks if isinstance(b, deck.Text) and len(b.lines) > 3]

    median = next(b for b in cards(None) if b.lines[0].text == KPIS["median_response"].name)
    prev = expected["prev"].median_response_min
    assert " " in KPIS["median_response"].text(prev)  # «1 ч 30 мин»
    assert [line.text for line in median.lines[3:]] == [
        f"октябрь 2026 по 28.10: {KPIS['median_response'].text(prev).replace(' ', fmt.NBSP)}"]
    for mid in (None, NSK):  # the municipality's cards also print the oblast's value
        assert all(" " not in line.text.split(": ", 1)[1] for b in cards(mid) for line in b.lines[3:])


def test_native_charts_have_no_automatic_title_and_print_shares_as_the_tables(pptx_file):
    """PowerPoint titles a chart without c:autoTitleDeleted with its series' name («Обращения»
    over the topic bars, «Доля обращений» over the response times); a share's label reads
    «47,9 %» as the table beside it, not «48%», nor «47.9 %» in an English PowerPoint."""
    charts = {sh.name: sh.chart for slide in pptx_file.slides for sh in slide.shapes if sh.has_chart}
    for name, chart in charts.items():
        assert chart._chartSpace.chart.autoTitleDeleted.val is True, name
    responses = charts["chart:responses"]
    shares = list(responses.series[0].values)
    labels = [responses.series[0].points[i].data_label for i in range(len(shares))]
    assert [label.text_frame.text for label in labels] == [fmt.pct(v) for v in shares]
    assert all("," in label.text_frame.text for label in labels)   # one decimal, as the table prints
    assert responses.value_axis.tick_labels.number_format == f"0\\{fmt.NBSP}%" == deck.PCT_AXIS
    assert charts["chart:timeliness"].value_axis.tick_labels.number_format == deck.PCT_AXIS


# «1 234 567» and «20 %» whatever the viewer's locale: separators spelt out, never «,» or «.».
COUNT_CODE = "[>=1000000]0\\\u00a0000\\\u00a0000;[>=1000]0\\\u00a0000;0"
PCT_AXIS_CODE = "0\\\u00a0%"


def test_chart_number_formats_do_not_follow_the_viewers_locale(pptx_file):
    """Every format code in the charts' XML (axes, data labels, the embedded data's cells)
    spells its separators out: a «,» or «.» in one prints the viewer's separators, so an
    English PowerPoint or LibreOffice read «1,234» and «47.9 %» beside the slide's «1 234»."""
    codes = {}
    for slide in pptx_file.slides:
        for sh in slide.shapes:
            if sh.has_chart:
                xml = sh.chart._chartSpace
                codes[sh.name] = set(xml.xpath(".//c:numFmt/@formatCode")) | {
                    c for c in xml.xpath(".//c:numCache/c:formatCode/text()") if c != "General"}
    assert codes == {"chart:messages": {COUNT_CODE}, "chart:timeliness": {PCT_AXIS_CODE},
                     "chart:topics": {COUNT_CODE}, "chart:responses": {PCT_AXIS_CODE}}
    assert (deck.COUNT, deck.PCT_AXIS) == (COUNT_CODE, PCT_AXIS_CODE)
    assert not any("," in code or "." in code for found in codes.values() for code in found)


def test_timeliness_points_from_few_messages_due_are_hollow(pptx_file, report_engine):
    """As on «Обзор»: a day's share from fewer than 5 messages due is a hollow marker, and the
    note under the chart says what hollow means."""
    f = Filters(NOV.start, NOV.end, norm=NORM)
    with report_engine.connect() as conn:
        s = series.messages_series(conn, f, "day", now=fixture_data.NOW)  # the deck's moment
    slide = pptx_file.slides[6]
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart and sh.name == "chart:timeliness")
    fills = {}
    for i, (n, share) in enumerate(zip(s["due"], s["share_in_norm"])):
        if not pd.isna(share):
            fill = chart.series[0].points[i].marker.format.fill
            fills[i] = (n < 5, str(fill.fore_color.rgb) if fill.type == 1 else None)
    assert fills and all(few for few, _ in fills.values())  # the fixture's days hold 0–4 messages
    assert all((rgb == "FFFFFF") == few for few, rgb in fills.values())
    assert "Полые точки — меньше 5 обращений, срок ответа по которым наступил: доля случайна." in slide_text(slide)


def test_hollow_and_lighter_markers_are_drawn_so_in_powerpoint_and_libreoffice():
    """PowerPoint reads a point's own marker (c:dPt: a white fill in a ring of the point's
    colour); LibreOffice paints a marker in one colour, which the line's overrides, and drew
    them filled green. Marker-only series out of the legend draw them again: a disc of the
    lighter colour, a white hole inside a hollow one. Days: a full one, a hollow one, a
    lighter one, a lighter and hollow one, one without a share."""
    c = _series_content([10, 3, 94, 2, 1], [10, 3, 30, 1, 0])
    c.targets = {}
    d = deck.Deck("t", False, [deck.Slide("t", [deck.timeliness_chart(c, b"")])])
    chart = next(sh.chart for sh in Presentation(io.BytesIO(pptx_render(d))).slides[0].shapes if sh.has_chart)
    green, light = deck._hex(screen_charts.GOOD), deck._hex(screen_charts.GOOD_LIGHT)
    main, line, full, discs, holes = chart.plots[0].series
    assert list(main.values) == [0.8, 0.8, 0.8, 0.8, None]
    # LibreOffice draws a line in one colour: the lighter segments (into the days with messages
    # not due yet) again in the lighter colour, the full hollow marker at their start over them.
    assert list(line.values) == [None, 0.8, 0.8, 0.8, None]
    assert line._element.xpath("c:spPr/a:ln/a:solidFill/a:srgbClr/@val") == [light]
    assert line._element.xpath("c:marker/c:symbol/@val") == ["none"]
    assert list(full.values) == [None, 0.8, None, None, None]
    assert full._element.xpath("c:marker/c:size/@val") == ["10"]
    assert full._element.xpath("c:marker/c:spPr/a:solidFill/a:srgbClr/@val") == [green]

    def marker(ps, i):
        """(size, fill, ring) of a point's own marker, None where it has none."""
        dpt = ps._element.xpath(f"c:dPt[c:idx/@val={i}]/c:marker")
        if not dpt:
            return None
        m = dpt[0]
        fill = m.xpath("c:spPr/a:solidFill/a:srgbClr/@val")
        ring = m.xpath("c:spPr/a:ln/a:solidFill/a:srgbClr/@val")
        return int(m.xpath("c:size/@val")[0]), fill[0] if fill else None, ring[0] if ring else None

    # PowerPoint's semantics: a hollow marker is a white fill in a ring of its colour.
    assert [marker(main, i) for i in range(5)] == [None, (10, "FFFFFF", green), (8, light, light),
                                                   (10, "FFFFFF", light), None]
    # LibreOffice: discs over the lighter markers, white holes inside the hollow ones.
    assert list(discs.values) == [None, None, 0.8, 0.8, None] and list(holes.values) == [None, 0.8, None, 0.8, None]
    assert [marker(discs, i) for i in range(5)] == [None, None, (8, light, None), (10, light, None), None]
    assert [marker(holes, i) for i in range(5)] == [None, None, None, None, None]   # the series' own
    assert holes._element.xpath("c:marker/c:size/@val") == ["6"]
    assert holes._element.xpath("c:marker/c:spPr/a:solidFill/a:srgbClr/@val") == ["FFFFFF"]
    for overlay in (full, discs, holes):   # markers only: no line, no legend entry
        assert overlay._element.xpath("c:spPr/a:ln/a:noFill")
    # The line into a point whose messages are not all due yet in its lighter colour (PowerPoint
    # draws a segment in its end point's c:spPr line).
    lines = {int(d.xpath("c:idx/@val")[0]): d.xpath("c:spPr/a:ln/a:solidFill/a:srgbClr/@val")
             for d in main._element.xpath("c:dPt")}
    assert {i: v for i, v in lines.items() if v} == {2: [light], 3: [light]}
    legend = chart.legend._element
    assert legend.xpath("c:legendEntry[c:delete/@val=1]/c:idx/@val") == ["1", "2", "3", "4"]
    assert [e.tag.split("}")[1] for e in legend][:3] == ["legendPos", "legendEntry", "legendEntry"]


def test_the_oblast_line_out_of_a_partial_first_week_is_lighter_as_on_the_screen():
    """The screen draws the oblast's grey line lighter where either end is lighter; the slide
    lightened the line into a lighter point only (PowerPoint styles a segment by its end), so a
    partial first week's marker was light and its outgoing line full while the partial last
    week's incoming line was light. Now both edges as on the screen; the municipality's own
    line as on the screen too (lighter only into a bucket with messages not due yet)."""
    c = _series_content([10, 10, 10, 10], [10, 10, 10, 10], partial=[True, False, False, True], grain="week")
    c.scope_name = "Баганский район"
    c.oblast_series = pd.DataFrame({"period": c.series["period"], "messages": [100, 120, 110, 60],
                                    "due": [100, 120, 110, 60], "share_in_norm": [0.9, 0.8, 0.85, 0.7],
                                    "partial": [True, False, False, True]})
    chart = deck.timeliness_chart(c, b"")
    own, grey = chart.series[0], chart.series[1]
    light, full = deck._hex(screen_charts.REFERENCE_LIGHT), deck._hex(screen_charts.REFERENCE_COLOR)
    assert grey.point_colors == (light, full, full, light)
    assert grey.into_colors == ("", light, "", light)     # out of the first week, into the last
    assert own.into_colors == ("", "", "", "")              # every message due: a full line
    # The screen's segments, which the slide follows: lighter the first and the last.
    spec = screen_charts.timeliness_vs_oblast(c.series, c.oblast_series, grain="week").to_dict()
    rows = [r for d in spec["datasets"].values() for r in d if "lighter" in r]
    assert [bool(r["lighter"]) for r in rows[::2]] == [True, False, True]
    d = deck.Deck("t", False, [deck.Slide("t", [chart])])
    pptx_chart = next(sh.chart for sh in Presentation(io.BytesIO(pptx_render(d))).slides[0].shapes if sh.has_chart)
    oblast_line = pptx_chart.plots[0].series[1]._element
    lines = {int(p.xpath("c:idx/@val")[0]): p.xpath("c:spPr/a:ln/a:solidFill/a:srgbClr/@val")
             for p in oblast_line.xpath("c:dPt")}
    assert {i: v for i, v in lines.items() if v} == {1: [light], 3: [light]}
    # LibreOffice draws a line in one colour: each run of lighter segments again, lighter (two
    # runs: the full segment between them stays full), the full markers at their ends over them.
    o = [0.9, 0.8, 0.85, 0.7]
    assert [(ps.name, list(ps.values)) for ps in pptx_chart.plots[0].series if ps.name.startswith("Вся область:")] == [
        ("Вся область: светлая линия", [o[0], o[1], None, None]),
        ("Вся область: светлая линия", [None, None, o[2], o[3]]),
        ("Вся область: точки", [None, o[1], o[2], None]),
        ("Вся область: светлые точки", [o[0], None, None, o[3]])]


def test_the_slides_trend_names_its_hollow_points_whole():
    """In the slide's type (17 px DejaVu) the legend's «меньше 5 обращений, срок ответа по
    которым наступил» was cut at the report's 400 px («…по котор…»)."""
    from dashboard.presentation.reports import figures

    c = _series_content([10, 3, 94], [10, 3, 30])
    spec = figures.report_spec(screen_charts.timeliness_trend(c.series, 0.9, grain="day"), deck.CHART_BOXES["timeliness"])
    svg = figures._vl_convert().vegalite_to_svg(spec)
    assert ">меньше 5 обращений, срок ответа по которым наступил<" in svg
    assert ">срок ответа наступил не у всех<" in svg


def _series_content(messages, due, partial=None, grain="day"):
    """A ReportContent's fields the trend slide reads, for a hand-made series."""
    n = len(messages)
    shares = [None if d == 0 else 0.8 for d in due]
    return SimpleNamespace(grain=grain, targets={}, oblast_series=None, series=pd.DataFrame({
        "period": pd.date_range("2026-11-25", periods=n).date, "messages": messages, "due": due,
        "share_in_norm": shares, "partial": partial or [False] * n}))


def test_hollow_markers_follow_the_messages_due_not_all_messages():
    """94 messages of which 3 are due: a share of 3, hollow; 4 messages all due: hollow; 6 of
    10 due: filled (the slide counted messages: 94 filled, 4 hollow, 10 filled)."""
    c = _series_content([94, 4, 10, 0], [3, 4, 6, 0])
    chart = deck.timeliness_chart(c, b"")
    assert chart.series[0].hollow == (True, True, False, False)
    assert deck.few_messages_note(c) == "Полые точки — меньше 5 обращений, срок ответа по которым наступил: доля случайна."
    assert deck.few_messages_note(_series_content([94, 10], [94, 6])) == ""


def test_markers_of_buckets_with_messages_not_due_yet_are_lighter_and_named():
    """The last days' shares rest on part of their messages: their markers lighter (as a
    partial week's), the note under the chart says which and how many are not due yet."""
    c = _series_content([201, 100, 94, 1], [201, 90, 30, 0])   # the last: no share, no marker
    chart = deck.timeliness_chart(c, b"")
    good, light = deck._hex(screen_charts.GOOD), deck._hex(screen_charts.GOOD_LIGHT)
    assert chart.series[0].point_colors == (good, light, light, light)
    # The line into them lighter too (the last has no share: no line into it).
    assert chart.series[0].into_colors == ("", light, light, "")
    assert deck.pending_note(c) == ("Светлые точки — срок ответа ещё не наступил у части обращений "
                                    "(26.11: у 10 из 100; 27.11: у 64 из 94): доля ещё изменится.")
    assert deck.pending_note(_series_content([201, 100], [201, 100])) == ""
    many = _series_content([10] * 5, [9, 8, 7, 6, 5])
    assert deck.pending_note(many).endswith("(25.11: у 1 из 10; 26.11: у 2 из 10; 27.11: у 3 из 10; ещё 2): "
                                            "доля ещё изменится.")


def test_the_trend_slide_names_the_days_not_all_due(pptx_file, report_engine):
    """The fixture at NOW: 27.11 (1 message, none due: no share, no marker) and 28.11 (1 of 2
    due) — the marker of 28.11 lighter, hollow, and the note names it alone."""
    slide = pptx_file.slides[6]
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart and sh.name == "chart:timeliness")
    marker = chart.series[0].points[27].marker.format   # 28.11
    assert str(marker.line.color.rgb) == deck._hex(screen_charts.GOOD_LIGHT)
    assert str(marker.fill.fore_color.rgb) == "FFFFFF"
    assert ("Светлые точки — срок ответа ещё не наступил у части обращений (28.11: у 1 из 2): "
            "доля ещё изменится.") in slide_text(slide)


def test_target_line_reads_the_same_on_the_slide_and_the_screen(pptx_file, report_engine):
    """«Screens and slides print the same text for the same value»: the PPTX target series is
    named as the screen's (and the PDF's) timeliness chart labels its dashed line."""
    f = Filters(NOV.start, NOV.end, norm=NORM)
    with report_engine.connect() as conn:
        s = series.messages_series(conn, f, "day")
    spec = screen_charts.timeliness_trend(s, 0.9, grain="day").to_dict()
    drawn = [row["label"] for data in spec["datasets"].values() for row in data if "label" in row]
    timely = next(sh.chart for slide in pptx_file.slides for sh in slide.shapes
                  if sh.has_chart and sh.name == "chart:timeliness")
    assert drawn == [f"цель 90,0{fmt.NBSP}%"]
    assert timely.series[1].name == drawn[0]


def test_every_slide_has_speaker_notes_with_definitions(pptx_file):
    notes = [s.notes_slide.notes_text_frame.text if s.has_notes_slide else "" for s in pptx_file.slides]
    assert all(notes)
    assert KPIS["share_in_norm"].formula in notes[2]  # the KPI cards
    assert KPIS["messages"].formula in notes[5]       # messages per day
    assert "Рейтинг: взвешенная сумма" in notes[4]


def _model(engine, municipality_id=None):
    """The slide model of a report, with blank images (layout does not depend on them)."""
    c = content.gather(engine, NOV, municipality_id, NORM, fixture_data.NOW)
    return deck.build(c, {k: b"" for k in deck.CHART_BOXES})


def assert_nothing_overflows(d: deck.Deck) -> None:
    """Every text fits its box measured with the PDF's font metrics, and no table cell was
    shortened with an ellipsis (names and values are shown whole)."""
    for n, s in enumerate(d.slides, start=1):
        for b in s.blocks:
            if isinstance(b, deck.Text):
                need = theme.lines_height(b.lines, b.box.w)
                assert need <= b.box.h + 0.01, f"slide {n}: {b.lines[0].text!r} needs {need:.2f} in > {b.box.h:.2f}"
            if isinstance(b, deck.Table):  # page titles (free text) may be shortened; nothing else
                cut = [c.text for row in b.cells for c, col in zip(row, b.columns)
                       if c.text.endswith("…") and col.header != "Страница"]
                assert not cut, f"slide {n}: cut cells {cut}"
                assert b.box.y + b.height <= theme.CONTENT_BOTTOM + 0.01, f"slide {n}: table runs past the content"


@pytest.mark.parametrize("mid", [None, NSK])
def test_no_text_overflows_its_box(report_engine, mid):
    assert_nothing_overflows(_model(report_engine, mid))


def test_overflow_check_can_fail():
    long = deck.Text(theme.Box(0, 0, 2, 0.5), (deck.Line("очень длинный текст " * 10, 16),))
    with pytest.raises(AssertionError, match="needs"):
        assert_nothing_overflows(deck.Deck("t", False, [deck.Slide("t", [long])]))


def test_pptx_movers_slide_says_when_nobody_moved(pptx_file):
    # October has too few messages for any ranked municipality, so no rank changes.
    text = slide_text(pptx_file.slides[9])
    assert text.count("Нет муниципалитетов с изменением места: в прошлом периоде мало данных для рейтинга.") == 2


def test_movers_slide_says_why_one_side_is_empty(report_engine):
    # Ranked before, and a climb but no fall beyond the noise: the empty side says so.
    c = content.gather(report_engine, NOV, None, NORM, fixture_data.NOW)
    c = dataclasses.replace(c, rating=pd.DataFrame({"municipality_id": [1, 2], "name": ["А", "Б"], "enough_data": [True, True],
                             "rank": [1.0, 2.0], "prev_rank": [2.0, 1.0], "rank_change": [1.0, float("nan")],
                             "score_change": [5.0, -1.0], "share_in_norm": [0.9, 0.8],
                             "prev_share_in_norm": [0.8, 0.85]}))
    said = " ".join(line.text for b in deck.movers_slide(c).blocks if isinstance(b, deck.Text) for line in b.lines)
    assert "Ни один муниципалитет не опустился в рейтинге сильнее случайных колебаний." in said
    assert "поднялся" not in said


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
    kpi = slide_text(prs.slides[2])
    assert fmt.num(expected["nsk"].messages) in kpi
    assert f"Область: {fmt.num(expected['cur'].messages)}" in kpi
    row = expected["rating"].set_index("municipality_id").loc[NSK]
    assert f"{int(row['rank'])} из {int(expected['rating']['enough_data'].sum())}" in slide_text(prs.slides[3])
    # «Главное» names the overdue as the card does (город Новосибирск's 2 of the oblast's 2).
    assert "Просрочено без ответа — 2 обращения." in bullets(prs.slides[1])
    pages = table_rows(prs.slides[titles.index("Страницы муниципалитета")])
    assert len(pages) - 1 == 5  # the city administration's four pages and the school's
    assert pages[1][1] == "Страница 1"  # most subscribers first


def test_municipality_pages_slide_names_the_date_of_its_list(report_engine):
    """The pages' subscribers and last posts are as they stand, not as of the period: the slide
    says on which date (the footer's «Данные на»), not the period other slides name."""
    october = periods.month(2026, 10)
    c = content.gather(report_engine, october, NSK, NORM, fixture_data.NOW)
    slide = deck.pages_slide(c)
    assert c.data_date is not None and c.data_date > october.end
    assert slide.subtitle == f"город Новосибирск, на {fmt.d(c.data_date)}"


def test_a_page_that_never_posted_reads_a_dash_in_the_municipality_report(tmp_path):
    """A page registered but never posting beside pages that have: its «Последняя публикация» is
    «—» (the column's empty cell is NaT, which fmt.d formatted by crashing the whole report)."""
    from sqlalchemy import update

    eng, cleanup = new_database("sqlite", tmp_path)
    try:
        with eng.begin() as conn:
            fixture_data.build(conn)
            conn.execute(update(schema.page).where(schema.page.c.id == 1).values(last_post_at=None))
        c = content.gather(eng, NOV, NSK, NORM, fixture_data.NOW)
        assert c.pages["last_post_at"].isna().sum() == 1 and c.pages["last_post_at"].notna().any()
        rows = {r[1].text: r[3].text for r in deck.pages_slide(c).blocks[0].rows}
        assert rows["Страница 1"] == "—"
        assert Presentation(io.BytesIO(build_report(eng, NOV, NSK, "pptx", norm=NORM, now=fixture_data.NOW)))
    finally:
        cleanup()


def test_municipality_timeliness_slide_draws_the_oblast_beside_it(report_engine, pptx_file):
    """As on «Муниципалитет»: the municipality's «Ответ в срок» per day (its line named by the
    municipality) and the oblast's share in grey (series.messages_series of the whole oblast);
    the oblast's days with messages not due yet lighter, the line into them too; the note names
    the grey line; the PDF's image draws the same line. The oblast's own report has none."""
    from dashboard.presentation.reports import figures

    c = content.gather(report_engine, NOV, NSK, NORM, fixture_data.NOW)
    with report_engine.connect() as conn:
        oblast = series.messages_series(conn, Filters(NOV.start, NOV.end, norm=NORM), "day", now=fixture_data.NOW)
    chart = deck.timeliness_chart(c, b"")
    assert [s.name for s in chart.series] == ["город Новосибирск", "Вся область", f"цель 90,0{fmt.NBSP}%"]
    grey = chart.series[1]
    assert grey.values == tuple(None if pd.isna(v) else float(v) for v in oblast["share_in_norm"])
    days = [d.strftime("%d.%m") for d in pd.to_datetime(oblast["period"])]
    # 09.11: one of the oblast's two messages in the norm; 27.11: its one message not due
    # (no share); 28.11: one of two due — lighter, and the line into it.
    at = {d: i for i, d in enumerate(days)}
    assert (grey.values[at["09.11"]], grey.values[at["27.11"]], grey.values[at["28.11"]]) == (0.5, None, 1.0)
    light, full = screen_charts.REFERENCE_LIGHT.lstrip("#").upper(), screen_charts.REFERENCE_COLOR.lstrip("#").upper()
    assert grey.color == full
    # 29.11 and 30.11 come after the data (content.cut_by_the_data): lighter, without points.
    assert [days[i] for i, colour in enumerate(grey.point_colors) if colour == light] == ["27.11", "28.11", "29.11", "30.11"]
    # No line into 28.11: 27.11 has no share, the line breaks there.
    assert [days[i] for i, colour in enumerate(grey.into_colors) if colour] == []
    prs = Presentation(io.BytesIO(_build(report_engine, "pptx", NSK)))
    slide = next(s for s in prs.slides if slide_title(s) == "Ответ в срок по дням")
    pptx_chart = next(sh.chart for sh in slide.shapes if sh.has_chart and sh.name == "chart:timeliness")
    assert [x.name for x in pptx_chart.series][:3] == ["город Новосибирск", "Вся область", f"цель 90,0{fmt.NBSP}%"]
    assert tuple(pptx_chart.series[1].values) == grey.values
    assert "Серая линия — вся область" in slide_text(slide)
    assert "oblast_share" in str(figures.chart_definitions(c)["timeliness"].to_dict())
    # The oblast's report: one line, no such note.
    whole = content.gather(report_engine, NOV, None, NORM, fixture_data.NOW)
    assert whole.oblast_series is None and "oblast_share" not in str(figures.chart_definitions(whole)["timeliness"].to_dict())
    assert "Серая линия" not in slide_text(next(s for s in pptx_file.slides if slide_title(s) == "Ответ в срок по дням"))


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
    text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", str(path), "-"], check=True,
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
    assert [c.value for c in ws[2]][:5] == ["Показатель", "Единица", "ноябрь 2026", "октябрь 2026 по 28.10", "Изменение"]
    msg = rows["Обращения"]
    assert (ws.cell(msg, 3).value, ws.cell(msg, 4).value, ws.cell(msg, 5).value) == (
        cur.messages, prev.messages, cur.messages - prev.messages)
    assert ws.cell(msg, 3).number_format == "#,##0"
    share = rows["Ответ в срок"]
    assert ws.cell(share, 3).value == pytest.approx(cur.share_in_norm)
    assert ws.cell(share, 3).number_format == "0.0\\ %"   # «79,4 %», as the screens print a share
    assert ws.cell(rows["Подписчики"], 3).value == cur.subscribers

    r = xlsx_file["Рейтинг"]
    top = expected["rating"].sort_values("rank").iloc[0]
    assert (r["A3"].value, r["B3"].value) == (1, top["name"])
    assert r["C3"].value == pytest.approx(top["score"])
    assert r.max_row == 2 + 35

    t = xlsx_file["Темы"]
    assert [t.cell(i, 1).value for i in range(3, t.max_row + 1)] == list(expected["topics"]["topic"])
    assert t["C3"].number_format == "0.0\\ %"


def test_xlsx_names_a_value_from_too_small_a_sample(xlsx_file):
    """The slide prints «мало данных» where a KPI rests on fewer than 5 cases; the workbook
    keeps the number (for re-use) and says so beside it. October: 2 ratings of satisfaction."""
    ws = xlsx_file["Показатели"]
    assert ws.cell(2, 6).value == "Примечание"
    notes = {ws.cell(i, 1).value: ws.cell(i, 6).value for i in range(3, ws.max_row + 1)}
    assert notes["Удовлетворённость"] == "мало данных (октябрь 2026 по 28.10): меньше 5 оценок"
    assert notes["Обращения"] is None and notes["Ответ в срок"] is None
    assert ws.column_dimensions["F"].width == 60


def test_xlsx_dates_and_info_sheet(xlsx_file):
    d = xlsx_file["Динамика"]
    assert d["A2"].value == "День"  # a month: daily buckets
    assert d["A3"].value.date() == date(2026, 11, 1)  # every day, with messages or not
    assert d.max_row == 2 + 30
    assert d["A3"].number_format == "dd.mm.yyyy"
    info = {r[0].value: r[1].value for r in xlsx_file["Сведения"].iter_rows(min_row=3) if r[0].value}
    assert info["Территория"] == "Новосибирская область"
    assert info["Период"] == "ноябрь 2026"
    assert info["Данные на"].date() == date(2026, 11, 28)
    assert theme.DEMO_LABEL not in info
    # Made at the pinned NOW (28.11 12:00 UTC), written in local time as every other time.
    assert info["Отчёт сформирован"] == datetime(2026, 11, 28, 19, 0)


def test_workbook_says_when_it_was_made_not_the_demo_snapshot(report_engine, monkeypatch):
    """A demo database's figures stop at its snapshot (db.figures_now caps the clock at
    meta.data_as_of); the workbook's «Отчёт сформирован» is still the clock's, in local time
    (it had printed the snapshot, in UTC)."""
    from dashboard.core import db

    monkeypatch.setattr(db, "utcnow", lambda: datetime(2026, 12, 1, 4, 30, 15, 123456))
    monkeypatch.setattr(db, "figures_now", lambda conn, now=None: now or fixture_data.NOW)
    wb = load_workbook(io.BytesIO(build_report(report_engine, NOV, None, "xlsx", norm=NORM)))
    info = {r[0].value: r[1].value for r in wb["Сведения"].iter_rows() if r[0].value and len(r) > 1}
    assert info["Отчёт сформирован"] == datetime(2026, 12, 1, 11, 30, 15)   # 04:30 UTC, Novosibirsk +7
    assert info["Данные на"].date() == date(2026, 11, 28)                   # the figures: the snapshot's


def test_municipality_workbook_lists_its_pages(report_engine):
    wb = load_workbook(io.BytesIO(_build(report_engine, "xlsx", NSK)))
    assert "Страницы" in wb.sheetnames and "Изменения" not in wb.sheetnames
    ws = wb["Страницы"]
    assert ws["B2"].value == "Страница"
    assert sorted(ws.cell(i, 2).value for i in range(3, ws.max_row + 1)) == [
        "Страница 1", "Страница 2", "Страница 3", "Страница 4", "Страница 8"]
    # «Последняя публикация» in local time (UTC+7), as «Реестр» and «Муниципалитет» show it:
    # page 4's 28.11 03:00 UTC was written as 03:00.
    last_post = {ws.cell(i, 2).value: ws.cell(i, 7).value for i in range(3, ws.max_row + 1)}
    assert ws["G2"].value == "Последняя публикация"
    assert last_post["Страница 4"] == datetime(2026, 11, 28, 10, 0)
    assert last_post["Страница 1"] == datetime(2026, 11, 27, 12, 0)


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
    # the short names the map, the rating and the registry print
    ("г. Бердск", 32), ("г.Бердск", 32), ("Коченёвский р-н", 11), ("коченевский  р-н", 11),
    ("р. п. Кольцово", 35), ("р.п. Кольцово", 35), ("г. Новосибирск", 31), ("Новосибирский р-н", 19),
])
def test_resolve_municipality(query, mid):
    assert resolve_municipality(NAMES, query) == mid


def test_resolve_municipality_by_the_start_of_a_word():
    """«карасук» (as one types it for `users add --municipality`) had been «не найден»: the unique
    start of a word, of four letters or more, names the municipality; a start several share is
    asked about; a shorter one is not taken."""
    from dashboard.core.reference_data import read_municipalities

    names = {r["id"]: r["name"] for r in read_municipalities()}
    assert names[resolve_municipality(names, "карасук")] == "Карасукский район"
    assert names[resolve_municipality(names, "КОЧЕ")] == "Коченёвский район"
    assert names[resolve_municipality(names, "бердск")] == "город Бердск"   # a whole word first
    with pytest.raises(ReportError, match="нескольким муниципалитетам: «Новосибирский район», «город Новосибирск»"):
        resolve_municipality(names, "ново")
    with pytest.raises(ReportError, match="«кар» не найден"):
        resolve_municipality(names, "кар")


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
        c = content.gather(eng, quarter)
        for mid in (None, fixture_data.NSK, 10):  # the oblast, the largest and a small municipality
            assert_nothing_overflows(deck.build(content.gather(eng, quarter, mid), {k: b"" for k in deck.CHART_BOXES}))
    finally:
        cleanup()
    assert quarter.label() == "III квартал 2026"
    titles = [slide_title(s) for s in prs.slides]
    assert titles[5:7] == ["Обращения по неделям", "Ответ в срок по неделям"]
    assert all(theme.DEMO_LABEL in slide_text(s) for s in prs.slides)
    top, bottom = tables(prs.slides[4])
    ranks = [str(int(r)) for r in c.rating.sort_values("rank")["rank"]]   # equal scores share a place
    assert [r[0] for r in top[1:]] == ranks[:10] and ranks[0] == "1"
    assert [r[0] for r in bottom[1:]] == ranks[-10:]
    assert "Динамика рейтинга" in titles and "Нет муниципалитетов" not in slide_text(prs.slides[9])
    # The summary: five conclusions, the movers named with the numbers of the rating.
    said = bullets(prs.slides[1])
    assert len(said) == 5
    both = c.rating[c.rating["enough_data"] & c.rating["prev_enough_data"]]
    change = (both["share_in_norm"] - both["prev_share_in_norm"]).round(3)
    best, worst = both.loc[change.idxmax()], both.loc[change.idxmin()]
    assert said[0].startswith(f"Сильнее всего улучшился ответ в срок: {best['name']} — {fmt.pct(best['share_in_norm'])} "
                              f"({fmt.pp(change.max())}")
    assert said[1] == (f"Сильнее всего ухудшился: {worst['name']} — {fmt.pct(worst['share_in_norm'])} "
                       f"({fmt.pp(change.min())}).")


def test_report_images_are_drawn_in_dejavu_only(report_engine):
    """The screen's charts lead with the page's «Source Sans»; the report's images set DejaVu
    (embedded in the PDF, measured by the slide layout) on every text, axis, legend and title."""
    from dashboard.presentation.reports import figures
    from tests.test_charts import _fonts

    c = content.gather(report_engine, NOV, None, NORM, fixture_data.NOW)
    for name, chart in figures.chart_definitions(c).items():
        fonts = _fonts(figures.report_spec(chart, deck.CHART_BOXES[name], figures.OVERRIDES.get(name))["config"])
        assert fonts and set(fonts) == {"DejaVu Sans"}, name


def test_missing_fonts_give_a_russian_message(monkeypatch, tmp_path):
    monkeypatch.setattr(theme, "PDF_FONT_FILES", {"regular": tmp_path / "DejaVuSans.ttf",
                                                  "bold": tmp_path / "DejaVuSans-Bold.ttf"})
    with pytest.raises(ReportError, match="Не найдены шрифты .*fonts-dejavu-core"):
        theme.check_fonts()


def test_municipality_pages_stream_into_the_workbook_in_chunks(report_engine, monkeypatch):
    """The workbook's page list comes from pages.registry_chunks (never the whole list at
    once); with chunks of 2 rows every page is still there, in the registry's order, and
    the slide names the largest pages of all of them."""
    from queries import pages

    with report_engine.connect() as conn:
        expected = list(pages.registry(conn, Filters(date(2026, 11, 1), date(2026, 11, 30),
                                                     municipality_ids=(NSK,)))["title"])
    real = pages.registry_chunks
    chunks = []

    def small(*args, **kwargs):
        for df in real(*args, **{**kwargs, "chunk": 2}):
            chunks.append(len(df))
            yield df

    monkeypatch.setattr(pages, "registry_chunks", small)
    ws = load_workbook(io.BytesIO(_build(report_engine, "xlsx", NSK)))["Страницы"]
    assert [ws.cell(i, 2).value for i in range(3, ws.max_row + 1)] == expected
    assert chunks == [2, 2, 1] and ws.auto_filter.ref == f"A2:J{len(expected) + 2}"


def test_slide_map_marks_small_samples_as_the_app_map_does(pptx_file, report_engine):
    """The slide's map draws a value from fewer messages than the rating's threshold (10 in
    the tests) pale in a dashed border, like «Карта», and its note says so."""
    from dashboard.presentation import maps
    from dashboard.presentation.reports import figures

    with report_engine.connect() as conn:
        m = breakdowns.by_municipality(conn, Filters(NOV.start, NOV.end, norm=NORM))
    measured = m[(m["municipality_id"] > 0) & m["share_in_norm"].notna()]
    small = set(measured.loc[measured["messages"] < 10, "name"])
    assert small and "город Новосибирск" not in small
    spec = figures.status_map(maps.map_classes(m)).to_dict()
    pale = next(layer for layer in spec["layer"] if layer["mark"].get("strokeDash"))
    assert pale["mark"]["stroke"] == maps.FEW_BORDER_COLOUR and pale["mark"]["fillOpacity"] == 1 - maps.FEW_FILL_OPACITY
    lookup = spec["datasets"][next(t for t in pale["transform"] if "lookup" in t)["from"]["data"]["name"]]
    assert {row["name"] for row in lookup if row["few"]} == small
    assert "Серым — нет данных; бледно, в пунктире — меньше 10 обращений." in slide_text(pptx_file.slides[3])


def test_slide_map_has_the_classes_of_the_app_map(report_engine):
    """One classification of the 35 (maps.map_classes): the slide's picture and its key read
    ReportContent.map_classes, which is what «Карта» draws for the same figures — by the
    target of «Ответ в срок» (green from 90 %, amber from 75 %, red below), not the quantile
    classes the slide drew on its own."""
    from dashboard.core.settings import get_settings
    from dashboard.core.targets import BAD, GOOD, STATUS_COLOURS, WARN
    from dashboard.presentation import maps
    from dashboard.presentation.reports import figures

    c = content.gather(report_engine, NOV, None, NORM, fixture_data.NOW)
    screen = maps.map_classes(c.municipalities, maps.DEFAULT_METRIC, get_settings().targets)   # pages/map.py
    assert (c.map_classes.colours, c.map_classes.legend, c.map_classes.few) == (screen.colours, screen.legend, screen.few)
    # Баганский район 1 of 1 in the norm (100 %): green, but pale (1 message, fewer than 10);
    # город Новосибирск 9 of 14 (64,3 %) and Новосибирский район 6 of 9 (66,7 %): red.
    by_name = {c.map_classes.names[mid]: colour for mid, colour in c.map_classes.colours.items()}
    assert (by_name["Баганский район"], by_name["город Новосибирск"], by_name["Новосибирский район"]) == (
        STATUS_COLOURS[GOOD], STATUS_COLOURS[BAD], STATUS_COLOURS[BAD])
    assert {c.map_classes.names[mid] for mid in c.map_classes.few} == {"Баганский район"}
    assert [label for _, label in c.map_classes.legend][:3] == [
        "от 90,0\u00a0% — цель", "75,0\u00a0% – 90,0\u00a0%", "ниже 75,0\u00a0%"]
    # The picture colours each municipality with the class of the same object.
    spec = figures.status_map(c.map_classes).to_dict()
    rows = spec["datasets"][next(t for t in spec["layer"][0]["transform"] if "lookup" in t)["from"]["data"]["name"]]
    legend = dict(c.map_classes.legend)
    assert {r["name"]: r["cls"] for r in rows} == {c.map_classes.names[mid]: legend[colour]
                                                   for mid, colour in c.map_classes.colours.items()}
    assert STATUS_COLOURS[WARN] in legend       # the key has every class, as «Карта»'s


# -- a period that is not over ------------------------------------------------------

UNFINISHED = "Период ещё не закончился: данные есть по 28.11.2026."


@pytest.mark.parametrize("period, last_day, today, note", [
    (NOV, date(2026, 11, 28), date(2026, 12, 3), UNFINISHED),     # the data stops before the period's end
    (NOV, date(2026, 11, 30), date(2026, 11, 28), UNFINISHED),    # the period runs on past today
    (NOV, date(2026, 11, 30), date(2026, 11, 30), "Период ещё не закончился: данные есть по 30.11.2026."),
    (NOV, date(2026, 11, 30), date(2026, 12, 1), ""),             # over, and its last day is in
    (periods.month(2026, 10), date(2026, 11, 28), date(2026, 11, 28), ""),
    (NOV, None, date(2026, 11, 28), ""),
])
def test_unfinished_note_names_the_last_day_with_data(period, last_day, today, note):
    assert content.unfinished_note(period, last_day, today) == note


def test_unfinished_period_is_said_on_the_title_slide_and_every_footer(pptx_file):
    # The fixture's November, seen on 28.11 (now): its figures are not final,
    # as the «Отчёт» page says; the deck said «Ноябрь 2026» like a whole month.
    assert UNFINISHED in slide_text(pptx_file.slides[0]).split("\n")
    assert all(UNFINISHED in slide_text(s) for s in pptx_file.slides)


def test_footer_texts_stay_on_one_line(report_engine):
    """The source, the note of an unfinished period and the number side by side, each on one line."""
    d = _model(report_engine)
    for s in d.slides:
        footer = [b for b in s.blocks if isinstance(b, deck.Text) and b.box.y >= theme.SLIDE_H - theme.FOOTER_H]
        assert len(footer) == 3  # source, the unfinished period, number
        for b in footer:
            line = b.lines[0]
            assert theme.text_width(line.text, line.pt, line.bold) <= b.box.w - theme.TEXT_PAD_X, line.text
        boxes = sorted((b.box.x, b.box.x + b.box.w) for b in footer)
        assert all(left[1] <= right[0] for left, right in zip(boxes, boxes[1:]))  # side by side


def test_unfinished_period_is_said_on_every_sheet(xlsx_file, report_engine):
    assert any(c.value == UNFINISHED for row in xlsx_file["Сведения"].iter_rows() for c in row)
    for name in xlsx_file.sheetnames[1:]:
        assert "период ещё не закончился: данные есть по 28.11.2026".lower() in xlsx_file[name]["A1"].value.lower(), name
    october = load_workbook(io.BytesIO(build_report(report_engine, periods.month(2026, 10), None, "xlsx",
                                                    norm=NORM, now=fixture_data.NOW)))
    assert not any("не закончился" in str(c.value) for n in october.sheetnames
                   for row in october[n].iter_rows() for c in row)


@pytest.mark.parametrize("grain, until, partial", [
    ("day", date(2026, 11, 28), [False] * 28 + [True, True]),
    ("week", date(2026, 11, 28), [True, False, False, False, True, True]),  # 26.10 … 30.11
    ("week", date(2026, 11, 29), [True, False, False, False, False, True]),
    ("month", date(2026, 11, 28), [True]),
    ("day", date(2026, 11, 30), [False] * 30),                             # the data covers it
    ("day", None, [False] * 30),
])
def test_buckets_past_the_data_are_partial(grain, until, partial):
    """A report of a running November (data to 28.11): its last days, and the weeks holding
    them, are partial as the weeks the period cuts are, so no bar reads as a fall."""
    df = series.bucket_frame(Filters(NOV.start, NOV.end), grain)
    assert list(content.cut_by_the_data(df, NOV, grain, until)["partial"]) == partial


def test_the_trend_slides_say_where_the_data_stops(report_engine):
    """The fixture's November seen on 28.11: 29.11 and 30.11 lighter in both trends' columns
    and points, and the note under them says there is no data after 28.11 (the bars of
    those days were empty with no word on the slide; only the footer named the last day)."""
    c = content.gather(report_engine, NOV, None, NORM, fixture_data.NOW)
    assert (c.grain, c.known_until) == ("day", date(2026, 11, 28))
    assert list(c.series["partial"]) == [False] * 28 + [True, True]
    assert deck.partial_buckets_note(c) == "После 28.11 данных ещё нет."
    light = deck._hex(screen_charts.ACCENT_LIGHT)
    assert [col == light for col in deck.messages_chart(c, b"").series[0].point_colors] == [False] * 28 + [True, True]
    d = deck.build(c, {k: b"" for k in deck.CHART_BOXES})
    notes = [b.lines[0].text for s in d.slides if s.title.startswith(("Обращения по", "Ответ в срок по дн"))
             for b in s.blocks if isinstance(b, deck.Text) and b.box == deck.TREND_NOTE]
    assert len(notes) == 2 and all("После 28.11 данных ещё нет." in n for n in notes), notes


def test_kpi_slide_says_a_running_period_is_compared_for_as_many_days(report_engine):
    # November seen on 28.11 is compared with October to 28.10, as far into it (kpis.same_age):
    # the slide and the workbook say so; October, over, is compared with September whole.
    def under_the_cards(period):
        c = content.gather(report_engine, period, None, NORM, fixture_data.NOW)
        d = deck.build(c, {k: b"" for k in deck.CHART_BOXES})
        slide = next(s for s in d.slides if s.title == "Главные показатели")
        return [ln.text for b in slide.blocks if isinstance(b, deck.Text) for ln in b.lines if "Изменение" in ln.text]

    # The words of the line under the screen's cards (metrics.change_basis), dates and all.
    assert under_the_cards(NOV) == ["Изменение — к 01.10.2026 – 28.10.2026 (столько же дней). "
                                    "Норма ответа: 24 ч календарных."]
    # Two weeks of November, over: the two weeks before whole.
    assert under_the_cards(FIRST_HALF_NOV) == ["Изменение — к периоду 18.10.2026 – 31.10.2026. "
                                               "Норма ответа: 24 ч календарных."]
    # October: September is before the fixture's data (from 01.10.2026), no base at all.
    assert under_the_cards(periods.month(2026, 10)) == ["Изменение — не показано: данные — только с 01.10.2026. "
                                                        "Норма ответа: 24 ч календарных."]


def test_workbook_names_the_days_compared_as_the_screen_does(report_engine):
    def book(period):
        return load_workbook(io.BytesIO(build_report(report_engine, period, None, "xlsx", norm=NORM,
                                                     now=fixture_data.NOW)))

    def about(wb):
        return {r[0].value: r[1].value for r in wb["Сведения"].iter_rows() if r[0].value and len(r) > 1}

    nov, half = book(NOV), book(FIRST_HALF_NOV)
    assert about(nov)["Изменение"] == "к 01.10.2026 – 28.10.2026 (столько же дней)"
    assert "Главные показатели (Новосибирская область) и изменение к 01.10.2026 – 28.10.2026 (столько же дней)" in {
        c.value for row in nov["Сведения"].iter_rows() for c in row}
    assert about(half)["Изменение"] == "к периоду 18.10.2026 – 31.10.2026"


@pytest.mark.parametrize("change, prev, said", [
    (2.0, 28.0, "▲ 2 к периоду «II квартал 2026»"),
    (-1.0, 25.0, "▼ 1 к периоду «II квартал 2026»"),
    (0.0, 26.0, "место не изменилось"),
    # ranked before, the move within random variation: the card's «было 26-е», not «no data»
    (float("nan"), 26.0, "было 26-е в периоде «II квартал 2026»"),
    (float("nan"), float("nan"), "в периоде «II квартал 2026» не было в рейтинге"),
])
def test_the_slides_place_in_the_rating_says_what_the_municipality_card_says(change, prev, said):
    assert deck.rank_move_text(change, prev, "II квартал 2026") == said
    card = screen_charts.rank_card_change(change, prev)
    assert card is None or card in said or (card == "=" and said == "место не изменилось")


def test_a_report_whose_previous_period_starts_before_the_data_shows_no_change(report_engine):
    """The fixture's data begin on 01.10.2026: October's report has no base in September. Its
    cards, conclusions, workbook and movers say so in the words of the screen's line under the
    cards (metrics.change_basis), not growth from zeros («Подписчики +7 600»)."""
    october = periods.month(2026, 10)
    c = content.gather(report_engine, october, None, NORM, fixture_data.NOW)
    assert c.data_from == date(2026, 10, 1)
    assert c.change_basis == "не показано: данные — только с 01.10.2026"
    assert all(deck.kpi_card_lines(c, code)[1].text is None for code in REPORT_CARDS)
    said = " ".join(deck.conclusions(c))
    assert "к периоду" not in said and "Подписчиков — 7 600." in said.replace("\u00a0", " ")
    kpi_slide = deck_text(deck.kpi_slide(c))
    assert "Изменение — не показано: данные — только с 01.10.2026." in kpi_slide
    assert "сентябрь 2026" not in kpi_slide  # no «сентябрь 2026: —» under every card
    assert "Изменения мест не показаны: прошлый период начинается раньше данных (они — только с 01.10.2026)." \
        in deck_text(deck.movers_slide(c))
    from dashboard.presentation.reports import xlsx

    frame, _ = xlsx.kpi_frame(c)
    assert frame["change"].isna().all() and frame["prev"].isna().all()
    muni = content.gather(report_engine, october, NSK, NORM, fixture_data.NOW)
    assert not [t for t in deck.conclusions(muni) if "к периоду" in t]


def deck_text(slide: deck.Slide) -> str:
    """Every line of a deck slide's text blocks (before rendering), one string."""
    return " ".join(line.text for block in slide.blocks if isinstance(block, deck.Text) for line in block.lines)
