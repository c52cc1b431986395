"""The leadership view in a real browser: four screen sizes, whole KPI values, a phone
layout, the map's place names, the municipality filter chip, the print view and the
document language.

One server and one Chromium for the module; each viewport loads each page once.
Screenshots go to artifacts/screenshots/views/ (not committed; the README shows a few
copied to docs/).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from dashboard.core.periods import MONTHS_RU
from tests import browser

sync_api = browser.require_chromium()

PAGES = dict((title, url) for url, title in browser.app_pages())
VIEWPORTS = ((1920, 1080), (1366, 768), (1024, 768), (390, 844))
SHOWN = ("Обзор", "Карта", "Рейтинг", "Муниципалитет")
SHOTS = browser.SCREENSHOTS / "views"

# Every KPI value element whose text does not fit its box (cut or clipped).
CUT_VALUES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
  .filter(el => [el, ...el.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1
      || getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth))
  .map(el => el.innerText)"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("views")
    url = f"sqlite:///{tmp / 'demo.db'}"
    browser.build_demo_database(url)
    with browser.running_app(url, tmp / "streamlit.log") as base:
        yield base


# KPI cards each page draws: wait for them all (a cold server's run can still be drawing them
# once the status reads idle), so a check of their values never passes on none.
CARDS = {"Обзор": 6, "Муниципалитет": 6}
METRIC_VALUE = '[data-testid="stMetricValue"]'


def open_(page, base: str, title: str, query: str = "") -> None:
    browser.open_page(page, base, PAGES[title], query)
    if title in CARDS:
        page.locator(METRIC_VALUE).nth(CARDS[title] - 1).wait_for(timeout=30_000)
    if title == "Карта":
        assert browser.count_map_shapes(page) >= 35
        page.wait_for_timeout(600)  # labels placed after the map's first layout


def sidebar_open(page) -> bool:
    box = page.locator('[data-testid="stSidebar"]').bounding_box()
    return bool(box) and box["x"] + box["width"] > 10


@pytest.mark.parametrize("width, height", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_pages_at_each_size_show_kpi_values_whole(app_url, chromium, outside, width, height):
    page = browser.new_page(chromium, width, height, outside)
    try:
        for title in SHOWN:
            open_(page, app_url, title, "m=31" if title == "Муниципалитет" else "")
            assert browser.page_errors(page) == [], title
            assert page.evaluate(CUT_VALUES_JS) == [], f"{title} {width}×{height}: обрезаны значения"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{PAGES[title] or 'obzor'}_{width}x{height}.png"))
        # A phone opens with the sidebar collapsed; a desktop with it open.
        assert sidebar_open(page) == (width > 640)
        assert outside == []
    finally:
        page.context.close()


def test_cut_value_check_can_fail(app_url, chromium, outside):
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        open_(page, app_url, "Обзор")
        page.add_style_tag(content='[data-testid="stMetricValue"] > div { max-width: 30px; overflow: hidden;'
                                   ' text-overflow: ellipsis; white-space: nowrap; }')
        assert len(page.evaluate(CUT_VALUES_JS)) >= 3  # the longer values (subscribers, median, …)
    finally:
        page.context.close()


CHART = '[data-testid="stVegaLiteChart"]'


@pytest.mark.parametrize("width, beside", [(1024, False), (1366, True), (1920, True)])
def test_rating_chart_has_room_for_its_bars(app_url, chromium, outside, width, beside):
    """«Рейтинг»: the league table needs ~560 px. At 1366 and 1920 px (sidebar open) its bar chart
    stands beside it; at 1024 px the main area is ~560 px and the chart, a quarter of it beside the
    table, had ~130 px for names and bars — no bars at all: there it goes under the table, full width.
    At no width does the table scroll sideways (at 1024 px «К цели» was behind the scroll, at 1366
    px the last 2 px)."""
    page = browser.new_page(chromium, width, 768, outside)
    try:
        open_(page, app_url, "Рейтинг")
        table = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
        chart = page.locator(CHART).first.bounding_box()
        assert sidebar_open(page)
        scroll = page.locator('[data-testid="stDataFrame"] .dvn-scroller').first.evaluate(
            "e => [e.scrollWidth, e.clientWidth]")
        assert scroll[0] <= scroll[1], scroll
        if beside:
            assert chart["x"] >= table["x"] + table["width"] and abs(chart["y"] - table["y"]) < 80, (table, chart)
            assert table["width"] >= 640   # the table stretched to its column of the row
            assert chart["width"] >= 200
        else:
            assert chart["y"] >= table["y"] + table["height"], (table, chart)
            assert chart["width"] >= table["width"] - 40   # the table's full width, less the box's padding
            # «Сравнение»: four charts to a row left the first, with the names, no room for bars.
            page.get_by_role("tab", name="Сравнение").click()
            page.locator('[data-testid="stTabPanel"]').nth(1).locator(CHART).nth(6).wait_for(timeout=30_000)
            widths = page.locator('[data-testid="stTabPanel"]').nth(1).locator(CHART).evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().width)")
            assert len(widths) == 7 and min(widths) >= table["width"] - 40, widths
        assert browser.page_errors(page) == []
    finally:
        page.context.close()


PAIRED = (("Обзор", ""), ("Обращения", ""), ("Муниципалитет", "m=31"), ("Профиль страницы", "page=5"))


@pytest.mark.parametrize("width, paired", [(1024, False), (1366, True)])
def test_charts_in_pairs_stack_when_the_page_is_narrow(app_url, chromium, outside, width, paired):
    """Charts drawn in pairs or a grid: at 1024 px with the sidebar open a half of the ~560 px main
    area cut their legends («срок ответ…») and values («2 269 939 · 51», «81,6 ⁰»); there each
    stands alone, the main area wide. At 1366 px they stay side by side."""
    page = browser.new_page(chromium, width, 768, outside)
    try:
        for title, query in PAIRED:
            open_(page, app_url, title, query)
            page.locator(CHART).nth(3).wait_for(timeout=30_000)   # the pairs, drawn before the rest
            boxes = page.locator(CHART).evaluate_all(
                "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width]; })")
            main = page.locator('[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"]').first
            full = main.bounding_box()["width"]
            side_by_side = [b for a, b in zip(boxes, boxes[1:]) if b[0] > a[0] + 100 and abs(b[1] - a[1]) < 60]
            if paired:
                assert side_by_side, f"{title} {width}: ни одной пары графиков"
            else:
                assert side_by_side == [], f"{title} {width}"
                assert min(w for _, _, w in boxes) >= full - 60, (title, full, boxes)
            assert browser.page_errors(page) == [], title
    finally:
        page.context.close()


# Every text element of a button whose text does not fit its box (cut or clipped).
CUT_BUTTONS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] button'))
  .filter(b => Array.from(b.querySelectorAll('*')).some(e => e.scrollWidth > e.clientWidth + 1))
  .map(b => b.innerText)"""
# Texts of the page's controls cut to their boxes: a label, a button, a toggle's words («С за…»)
# or the value a box shows («Все страни»). Tables and charts draw on canvases, not here.
CUT_TEXTS_JS = """() => [
  ...Array.from(document.querySelectorAll('[data-testid="stMain"] *'))
    .filter(e => (e.children.length === 0 || e.getAttribute('data-testid') === 'stMarkdownContainer')
                 && e.innerText && e.innerText.trim() && e.offsetParent !== null)
    .filter(e => { const s = getComputedStyle(e);
                   return (s.textOverflow === 'ellipsis' || s.overflowX === 'hidden') && e.scrollWidth > e.clientWidth + 1; })
    .map(e => e.innerText),
  ...Array.from(document.querySelectorAll('[data-testid="stMain"] input:not([type=file])'))
    .filter(e => e.offsetParent !== null && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.value)]"""


@pytest.mark.parametrize("width", [1024, 1366])
def test_no_control_reads_cut(app_url, chromium, outside, width):
    """Every page at 1024 and 1366 px, the sidebar open: no label, button or chosen value cut. At
    1024 px «Реестр» read «Все страни», «С за…», «По уб…» and «Ск…», «Ск…» for its downloads,
    «Сигналы» «за всё вр», «Отчёт» «Сформировать: Презентац…»."""
    page = browser.new_page(chromium, width, 768, outside)
    try:
        for title, url in PAGES.items():
            browser.open_page(page, app_url, url)
            page.wait_for_timeout(300)
            assert page.evaluate(CUT_TEXTS_JS) == [], f"{title} {width}"
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [1024, 1366])
def test_municipality_names_to_choose_from_are_whole(app_url, chromium, outside, width):
    """«Муниципалитет» without one chosen lists the 35 names, four to a row: at 1024 px they read
    «Барабинский рай…», «рабочий посёлок…»; a name too long for its column takes two lines."""
    page = browser.new_page(chromium, width, 768, outside)
    try:
        browser.open_page(page, app_url, PAGES["Муниципалитет"])
        assert page.locator('[class*="st-key-pick_"] button').count() == 35
        assert page.evaluate(CUT_BUTTONS_JS) == []
    finally:
        page.context.close()


def visible_labels(frame, css: str) -> list[dict]:
    return frame.locator(f".map-label.{css}").evaluate_all(
        """els => els.filter(e => getComputedStyle(e).visibility !== 'hidden')
                    .map(e => { const r = e.getBoundingClientRect();
                                return {text: e.innerText, l: r.left, r: r.right, t: r.top, b: r.bottom}; })""")


def test_map_names_districts_and_okrugs(app_url, chromium, outside):
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        open_(page, app_url, "Карта")
        frame = browser.map_frame(page)
        assert frame.locator(".map-label.district-label").count() == 30
        okrugs = visible_labels(frame, "okrug-label")
        assert sorted(o["text"] for o in okrugs) == ["Бердск", "Искитим", "Кольцово", "Новосибирск", "Обь"]
        shown = visible_labels(frame, "district-label")
        assert len(shown) >= 15, [s["text"] for s in shown]  # the largest; the rest on zoom or hover
        every = shown + okrugs
        for i, a in enumerate(every):  # no two visible labels overlap
            for b in every[i + 1:]:
                assert a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"], (a, b)
        # Zoomed in, more district names fit.
        frame.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(900)
        assert len(visible_labels(frame, "district-label")) > len(shown)
        # Every district has its name on hover.
        polygon = frame.locator("path.leaflet-interactive").first
        polygon.hover(force=True)
        assert frame.locator(".leaflet-tooltip").first.inner_text().startswith("Муниципалитет")
    finally:
        page.context.close()


def chosen(selectbox) -> str:
    """The value a Streamlit selectbox shows (its text, or its input's value)."""
    return selectbox.evaluate("e => e.innerText + ' ' + Array.from(e.querySelectorAll('input'))"
                              ".map(i => i.value + ' ' + (i.getAttribute('aria-label') || '')).join(' ')")


def test_map_click_sets_the_filter_with_a_chip_that_clears_it(app_url, chromium, outside):
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        open_(page, app_url, "Карта")
        # The whole map on screen first: a click on a half-visible frame scrolls the page
        # between mouse down and up, and Leaflet sees no click.
        page.locator(browser.MAP_FRAME).first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        marker = browser.map_frame(page).locator("path.leaflet-interactive").nth(35)  # первый городской округ
        box = marker.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url(re.compile(r"[?&]m=\d+"), timeout=20_000)
        name = "город Новосибирск"  # the first okrug marker, north to south
        page.locator('[data-testid="stMain"] h1').filter(has_text=name).first.wait_for(timeout=20_000)
        browser.wait_idle(page)
        chip = page.locator(".st-key-municipality_chip")
        assert f"Выбран муниципалитет: {name}" in chip.inner_text()
        combo = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
            has_text="Муниципалитет")
        assert name in chosen(combo)
        chip.get_by_role("button", name="Показать все муниципалитеты").click()
        browser.wait_idle(page)
        assert "Все муниципалитеты" in chosen(combo)
        assert page.locator(".st-key-municipality_chip").count() == 0
        assert browser.page_errors(page) == []
    finally:
        page.context.close()


def test_print_view_of_the_overview_is_two_a4_pages_without_the_sidebar(app_url, chromium, outside, tmp_path):
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        open_(page, app_url, "Обзор")
        assert page.evaluate("document.documentElement.lang") == "ru"
        page.emulate_media(media="print")
        page.wait_for_timeout(800)
        assert page.locator('[data-testid="stSidebar"]').evaluate("e => getComputedStyle(e).display") == "none"
        pdf = tmp_path / "obzor.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(SHOTS / "obzor_print")], check=True)
        assert 1 <= pages <= 2, f"печать «Обзора»: {pages} стр."
    finally:
        page.context.close()


# What a typing user reads under the field: the English span hidden (0 px), the Russian one drawn.
ENTER_HINT_JS = """e => { const s = e.querySelector('span'); return [getComputedStyle(s).fontSize,
  getComputedStyle(s, '::after').content, getComputedStyle(s, '::after').fontSize]; }"""


def test_enter_hint_in_a_text_field_is_russian(app_url, chromium, outside):
    """Typing into a text field, Streamlit writes «Press Enter to apply» into it (in a form «Press
    Enter to submit form»: «Получатели сводок», «Доступ»); it reads in Russian."""
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        for title, label, hint in (("Получатели сводок", "Эл. почта", "Enter — сохранить"),
                                   ("Реестр госпабликов", "Поиск", "Enter — применить")):
            open_(page, app_url, title)
            field = page.get_by_label(label).first
            field.click()
            field.type("abc")
            shown = page.locator('[data-testid="InputInstructions"]').first
            shown.wait_for(timeout=10_000)
            assert shown.evaluate(ENTER_HINT_JS) == ["0px", f'"{hint}"', "12px"], title
        assert browser.page_errors(page) == []
    finally:
        page.context.close()


EMPTY_LIST_JS = """() => { const s = document.querySelector(
  '[role="listbox"][data-empty="true"] [role="option"] > span');
  return s && [getComputedStyle(s).fontSize, getComputedStyle(s, '::after').content]; }"""


def test_a_list_with_nothing_to_offer_says_so_in_russian(app_url, chromium, outside):
    """«Рейтинг → Сравнение» opens with its 5 municipalities, the most it takes: a click on the box
    read «You can only select up to 5 options. Remove an option first.»; a search for a name that
    is not there, «No results»."""
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        open_(page, app_url, "Рейтинг")
        page.get_by_role("tab", name="Сравнение").click()
        box = page.locator('[data-testid="stTabPanel"]').nth(1).locator('[data-testid="stMultiSelect"] input').first
        box.wait_for(timeout=30_000)
        box.click()
        page.wait_for_timeout(300)
        assert page.evaluate(EMPTY_LIST_JS) == ["0px", '"Больше выбрать нельзя: сначала уберите один из выбранных"']
        page.keyboard.type("Москва")
        page.wait_for_timeout(300)
        assert page.evaluate(EMPTY_LIST_JS) == ["0px", '"Ничего не найдено или уже выбрано наибольшее число"']
        page.keyboard.press("Escape")
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        page.keyboard.type("Москва")
        page.wait_for_timeout(300)
        assert page.evaluate(EMPTY_LIST_JS) == ["0px", '"Ничего не найдено"']
        page.keyboard.press("Escape")
        assert browser.page_errors(page) == []
    finally:
        page.context.close()


TOOLTIP_JS = """() => { const p = document.querySelector('[role="tooltip"] [data-testid="stTooltipContent"] p');
  return p && [getComputedStyle(p).fontSize, getComputedStyle(p, '::after').content]; }"""


def test_buttons_over_a_table_and_a_chart_say_what_they_do_in_russian(app_url, chromium, outside):
    """Hovering the buttons over «Рейтинг»'s table and chart showed «Download as CSV», «Search»,
    «Fullscreen», «Download as PNG»: the ЦУР head takes tables and charts for slides from there."""
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        open_(page, app_url, "Рейтинг")
        seen = {}
        for element, labels in (('[data-testid="stDataFrame"]', ("Download as CSV", "Search", "Fullscreen")),
                                (CHART, ("Download as PNG", "Show data"))):
            page.locator(element).first.scroll_into_view_if_needed()
            for label in labels:
                page.locator(element).first.hover()
                page.wait_for_timeout(400)
                page.locator(f'[data-testid="stElementToolbar"] button[aria-label="{label}"]').first.hover()
                page.locator('[role="tooltip"] [data-testid="stTooltipContent"] p').first.wait_for(timeout=5_000)
                seen[label] = page.evaluate(TOOLTIP_JS)
        assert seen == {"Download as CSV": ["0px", '"Скачать CSV"'], "Search": ["0px", '"Поиск"'],
                        "Fullscreen": ["0px", '"Во весь экран"'], "Download as PNG": ["0px", '"Скачать PNG"'],
                        "Show data": ["0px", '"Показать данные"']}
        assert browser.page_errors(page) == []
    finally:
        page.context.close()


RESIZE_STEP_PX = 2


def open_column_menu(page, table):
    """Open the menu (⋮) of the table's first column that can be resized: the header is a canvas,
    so its first column edge is found where the pointer turns into «col-resize»; the menu button
    sits just left of it on a hovered header."""
    table.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    box = table.bounding_box()
    canvas = table.locator("canvas").first
    y = box["y"] + 18
    for x in range(int(box["x"]) + 20, int(box["x"] + box["width"]), RESIZE_STEP_PX):
        page.mouse.move(x, y)
        if canvas.evaluate("c => c.style.cursor") == "col-resize":
            break
    else:
        raise AssertionError("no column edge in the table's header")
    menu = page.locator('[data-testid="stDataFrameColumnMenu"]')
    for _ in range(3):  # the button shows once the header has noticed the hover
        page.mouse.move(x - 40, y)
        page.wait_for_timeout(400)
        page.mouse.click(x - 18, y)
        try:
            menu.wait_for(timeout=3_000)
            return menu
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError("the column menu did not open")


def menu_items(menu) -> list[str]:
    """The entries a user sees in an open column menu (without the names of their icons)."""
    return [" ".join(line for line in e.inner_text().splitlines() if not re.fullmatch(r"[a-z_0-9]+", line))
            for e in menu.locator('[role="menuitem"]').all() if e.is_visible()]


def test_table_column_menus_are_russian(app_url, chromium, outside):
    """A table's column menu read «Sort ascending», «Statistics», «Format» (with $, € and ¥),
    «Autosize», «Pin column», «Hide column»; its statistics «Values», «Median», «Sum»."""
    page = browser.new_page(chromium, 1366, 768, outside)
    try:
        seen = {}
        for title in ("Рейтинг", "Реестр госпабликов", "Муниципалитет"):
            open_(page, app_url, title, "m=31" if title == "Муниципалитет" else "")
            menu = open_column_menu(page, page.locator('[data-testid="stDataFrame"]').first)
            seen[title] = menu_items(menu)
            assert menu.locator('[aria-label="Копировать название столбца"]').count() == 1, title
            if title == "Рейтинг":  # «Место»: a number column, the one kind with «Format»
                menu.locator('[role="menuitem"]', has_text="Статистика").hover()
                stats = page.locator('[data-testid="stDataFrameStatisticsMetrics"]')
                stats.wait_for(timeout=5_000)
                labels = stats.inner_text()
            page.keyboard.press("Escape")
        russian = ["По возрастанию", "По убыванию", "Статистика", "Ширина по содержимому", "Закрепить столбец",
                   "Скрыть столбец"]
        assert seen == {"Рейтинг": russian, "Реестр госпабликов": russian, "Муниципалитет": russian}
        for word in ("Значений", "Пустых", "Разных", "Среднее", "Стандартное отклонение", "Минимум",
                     "25-й процентиль", "Медиана", "75-й процентиль", "Максимум", "Сумма"):
            assert word in labels.splitlines(), labels
        assert not re.search(r"[A-Za-z]", labels), labels
        assert browser.page_errors(page) == []
    finally:
        page.context.close()


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_custom_period_calendar_is_russian(app_url, chromium, outside, locale):
    """«Свой период»: the field reads 28.11.2026; the calendar took months, weekdays and the week's
    first day from the browser's language (an English browser: «October», «S M T W T F S»), had
    English quick ranges «Past Week» … and an empty end read «dd.mm.yyyy»; after the first click
    the sidebar did not say that the period's end was still to be picked."""
    page = browser.new_page(chromium, 1366, 1000, outside, locale=locale)
    try:
        open_(page, app_url, "Рейтинг", "period=Свой+период")
        side = page.locator('[data-testid="stSidebar"]')
        field = side.locator('[data-testid="stDateInputField"]')
        shown = re.sub(r"\s", "", field.inner_text())
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4}–\d\d\.\d\d\.\d{4}", shown), shown
        assert side.get_by_text(shown.replace("–", " – "), exact=True).count() == 1  # the caption agrees
        month, year = int(shown[3:5]), shown[6:10]
        button = side.locator('[data-testid="stDateInputCalendarButton"]')
        assert button.get_attribute("aria-label") == "Выбрать даты в календаре"
        button.click()
        calendar = page.locator('[data-testid="stDateInputCalendar"]')
        calendar.wait_for(timeout=10_000)
        assert calendar.get_attribute("aria-label") == "Выбрать даты в календаре"
        assert [th.inner_text() for th in calendar.locator("thead th").all()] == ["П", "В", "С", "Ч", "П", "С", "В"]
        assert calendar.locator('button[aria-haspopup="listbox"]').first.inner_text().strip() == MONTHS_RU[month - 1]
        assert not page.locator('[data-testid="stDateInputQuickSelect"]').is_visible()
        assert calendar.get_by_text("Past Week").count() == 0
        calendar.locator('[role="gridcell"] [role="button"]:not([data-outside-month])').get_by_text(
            "12", exact=True).click()
        first, last = f"12.{month:02d}.{year}", f"20.{month:02d}.{year}"
        hint = side.get_by_text(f"{first} — один день. Чтобы задать период, выберите в календаре и его "
                                "последний день.", exact=True)
        hint.wait_for(timeout=30_000)
        assert re.sub(r"\s", "", field.inner_text()) == f"{first}–дд.мм.гггг"
        if not calendar.is_visible():
            button.click()
        calendar.locator('[role="gridcell"] [role="button"]:not([data-outside-month])').get_by_text(
            "20", exact=True).click()
        side.get_by_text(f"{first} – {last}", exact=True).wait_for(timeout=30_000)
        assert re.sub(r"\s", "", field.inner_text()) == f"{first}–{last}"
        browser.wait_idle(page)
        assert browser.page_errors(page) == []
    finally:
        page.context.close()
