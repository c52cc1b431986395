"""End to end in a real browser: ``streamlit run app.py`` on the demo database, driven by
Debian's Chromium through Playwright, on localhost only (every other host is blocked and
recorded, so a CDN link would fail the map test).

Skipped with a reason when /usr/bin/chromium is missing, unless CI is set: then it fails.
Screenshots of every page go to artifacts/screenshots/ (scripts/screenshots.py takes the
full set at both screen sizes).
"""

from __future__ import annotations

import re

import pytest

from tests import browser

sync_api = browser.require_chromium()

PAGES = browser.app_pages()
MAP_URL = next(url for url, title in PAGES if title == "Карта")
OVERVIEW_URL = next(url for url, title in PAGES if title == "Обзор")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A demo database (seed 1) shared by the module's servers."""
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'demo.db'}"
    browser.build_demo_database(url)
    return url, tmp


@pytest.fixture(scope="module")
def app_url(demo_db):
    """The app on a free localhost port."""
    url, tmp = demo_db
    with browser.running_app(url, tmp / "streamlit.log") as base:
        yield base


@pytest.fixture
def page(chromium, outside):
    pg = browser.new_page(chromium, 1920, 1080, outside)
    yield pg
    pg.context.close()


@pytest.mark.parametrize("url_path, title", PAGES, ids=[t for _, t in PAGES])
def test_every_page_loads_without_errors(app_url, page, outside, url_path, title):
    browser.open_page(page, app_url, url_path)
    if url_path == MAP_URL:
        browser.count_map_shapes(page)
    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() != ""
    assert browser.page_errors(page) == []
    assert outside == []
    browser.screenshot(page, f"test_{url_path or 'overview'}_1920x1080")


def test_shared_link_is_the_first_visit_of_a_fresh_server(demo_db, chromium, outside):
    """A link to a page with filters, opened before anyone has visited the root."""
    url, tmp = demo_db
    registry = next(u for u, t in PAGES if t == "Реестр госпабликов")
    with browser.running_app(url, tmp / "streamlit-fresh.log") as base:
        page = browser.new_page(chromium, 1366, 768, outside)
        try:
            browser.open_page(page, base, registry, "mo=город+Бердск")
            assert browser.page_errors(page) == []
            assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == "Реестр госпабликов"
            # The municipality filter from the link applies: fewer pages than for the oblast.
            found = page.get_by_text(re.compile(r"^Найдено \d+")).first.inner_text()
            browser.open_page(page, base, registry)
            found_all = page.get_by_text(re.compile(r"^Найдено \d+")).first.inner_text()
            assert int(re.search(r"\d+", found)[0]) < int(re.search(r"\d+", found_all)[0])
        finally:
            page.context.close()


def test_unknown_address_says_so_in_russian(app_url, page, outside):
    """A misspelt link: a Russian page that offers the likely page (keeping the link's
    parameters), not Streamlit's English «Page not found» dialog over the overview."""
    browser.open_page(page, app_url, "munitsipalitt", "m=1")
    main = page.locator('[data-testid="stMain"]')
    assert main.locator("h1").first.inner_text().strip() == "Страница не найдена"
    assert "По адресу «/munitsipalitt» в дашборде страницы нет" in main.inner_text()
    assert browser.page_errors(page) == []  # no «Page not found» dialog either
    page.get_by_text("Возможно, вы искали страницу «Муниципалитет»", exact=True).click()
    page.wait_for_url(re.compile(r"/munitsipalitet\?m=1(&|$)"), timeout=20_000)
    browser.wait_idle(page)
    assert main.locator("h1").first.inner_text().strip() not in ("Страница не найдена", "Обзор", "")
    assert browser.page_errors(page) == []
    # The overview's key is no address either: it is served at the root only.
    browser.open_page(page, app_url, "obzor")
    assert main.locator("h1").first.inner_text().strip() == "Страница не найдена"
    assert browser.page_errors(page) == []
    page.get_by_text("Перейти на страницу «Обзор»", exact=True).click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"), timeout=20_000)
    browser.wait_idle(page)
    assert main.locator("h1").first.inner_text().strip() == "Обзор"
    assert outside == []


@pytest.mark.parametrize("address, shown, offered", [
    ("karta/x?m=1", "/karta/x", "Карта"), ("a/b/c/", "/a/b/c", None),
    ("%D0%BA%D0%B0%D1%80%D1%82%D0%B0/2026", "/карта/2026", "Карта"),
])
def test_a_nested_address_says_so_in_russian(app_url, page, outside, address, shown, offered):
    """«/karta/x» was a blank page: Streamlit's index.html asked for its scripts under «/karta/»."""
    page.goto(f"{app_url}/{address}", wait_until="domcontentloaded")
    browser.wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator("h1").first.inner_text().strip() == "Страница не найдена"
    assert f"По адресу «{shown}» в дашборде страницы нет" in main.inner_text()
    assert browser.page_errors(page) == []
    if offered:
        page.get_by_text(f"Возможно, вы искали страницу «{offered}»", exact=True).click()
        page.wait_for_url(re.compile(r"/karta(\?m=1)?$"), timeout=20_000)
        browser.wait_idle(page)
        assert main.locator("h1").first.inner_text().strip() == offered
    assert outside == []


def test_map_draws_all_municipalities_offline(app_url, page, outside):
    browser.open_page(page, app_url, MAP_URL)
    shapes = browser.count_map_shapes(page, minimum=35)
    assert shapes >= 35  # 35 polygons (+ the urban okrugs' circle markers)
    frame = browser.map_frame(page)
    assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()
    assert frame.locator(".leaflet-control-attribution svg").count() == 0  # no flag in the prefix
    assert outside == [], f"запросы к внешним адресам: {outside}"
    assert browser.page_errors(page) == []


def test_click_on_the_map_opens_the_profile(app_url, page):
    browser.open_page(page, app_url, MAP_URL)
    browser.count_map_shapes(page)
    # The urban okrugs' markers are drawn last; the first one is город Новосибирск.
    marker = browser.map_frame(page).locator("path.leaflet-interactive").nth(35)
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"[?&]m=\d+"), timeout=20_000)
    browser.wait_idle(page)
    assert "Новосибирск" in page.locator('[data-testid="stMain"] h1').first.inner_text()
    assert browser.page_errors(page) == []
    # Back on the map, the old click must not send us to the profile again.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Карта", exact=True).click()
    browser.wait_idle(page)
    assert browser.count_map_shapes(page) >= 35
    page.wait_for_timeout(1500)
    browser.wait_idle(page)
    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == "Карта"


def first_metric_value(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def test_sidebar_filter_changes_a_kpi_on_the_overview(app_url, page):
    browser.open_page(page, app_url, OVERVIEW_URL)
    # The cards are drawn after the title: once (on a clean-clone CI run) the list was read empty.
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=30_000)
    before = [v.inner_text() for v in page.locator('[data-testid="stMetricValue"]').all()]
    assert before
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Муниципалитет").click()
    page.get_by_role("option", name="город Бердск", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]mo="), timeout=20_000)
    browser.wait_idle(page)
    after = [v.inner_text() for v in page.locator('[data-testid="stMetricValue"]').all()]
    assert len(after) == len(before) and after != before
    assert browser.page_errors(page) == []


def test_registry_opens_a_page_profile(app_url, page):
    """Select a row of the registry, follow «Профиль страницы», see that page's profile."""
    browser.open_page(page, app_url, "reestr")
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    # The row-selection box of the first row: left edge of the grid, below the 35 px header.
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    link = page.locator('[data-testid="stPageLink"]').filter(has_text="Профиль страницы «")
    link.first.wait_for(timeout=20_000)
    title = re.search(r"«(.+)»", link.first.inner_text()).group(1)
    link.first.click()
    page.wait_for_url(re.compile(r"/stranitsa\?page=\d+"), timeout=20_000)
    browser.wait_idle(page)
    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == title
    labels = [m.inner_text() for m in page.locator('[data-testid="stMetricLabel"]').all()]
    assert any("ER" in label for label in labels) and any("Госметка" in label for label in labels)
    assert browser.page_errors(page) == []
    browser.screenshot(page, "page_profile_from_registry")
