"""«Данные» in a real browser: upload, preview, import, result, errors and history.

AppTest cannot upload files, so this drives ``streamlit run app.py`` through Chromium
(tests/browser.py). Skipped with a reason when /usr/bin/chromium is missing (fails on CI).
"""

from __future__ import annotations

from sqlalchemy import func, select

from dashboard.core import db, migrate, schema
from dashboard.core.db import make_engine
from dashboard.writers import demo
from tests import browser
from tests.import_helpers import EXAMPLES, MESSAGES_HEADER, csv_bytes, log_rows, run

sync_api = browser.require_chromium()

DATA_URL = next(url for url, title in browser.app_pages() if title == "Данные")


def upload(page, path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    browser.wait_idle(page)


def test_upload_preview_import_and_history(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    assert run(engine, "pages", (EXAMPLES / "pages.csv").read_bytes(), "pages.csv").ok
    engine.dispose()
    bad = tmp_path / "плохой.csv"
    # Twelve rows with the same wrong date: summed up as one line, the rows folded away.
    bad.write_bytes(csv_bytes(MESSAGES_HEADER[:4], [[f"x{i}", "https://vk.com/club210000010", "вчера", "Дороги"]
                                                    for i in range(12)]))

    outside: list[str] = []
    with browser.running_app(url, tmp_path / "streamlit.log") as base, sync_api.sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        page = browser.new_page(chromium, 1920, 1080, outside)
        browser.open_page(page, base, "")  # then by the sidebar, as a user would
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Данные", exact=True).click()
        browser.wait_idle(page)
        assert page.url.endswith(f"/{DATA_URL}")
        assert page.get_by_text("Выберите файл").count() == 1

        page.get_by_text("Сообщения жителей", exact=True).click()
        browser.wait_idle(page)
        upload(page, EXAMPLES / "messages.csv")
        assert page.get_by_text("Предпросмотр «messages.csv»:").count() == 1
        assert page.get_by_text("первые строки из 12").count() == 1

        page.get_by_role("button", name="Импортировать").click()
        page.get_by_text("импортирован: добавлено 12").wait_for(timeout=60_000)
        browser.wait_idle(page)
        assert browser.page_errors(page) == []
        browser.screenshot(page, "data-imported", full=True)

        upload(page, bad)
        page.get_by_role("button", name="Импортировать").click()
        page.get_by_text("не импортирован, в базу ничего не записано").wait_for(timeout=60_000)
        browser.wait_idle(page)
        tables = page.locator('[data-testid="stTable"]')
        assert tables.count() == 2  # by kind, and the rows' list (in a closed expander)
        assert tables.first.locator("tbody tr").count() == 1
        assert "строки 2, 3, 4, 5, 6 и ещё 7 строк" in tables.first.inner_text()
        assert tables.nth(1).is_hidden()
        page.get_by_text("Ошибки по строкам: первые 12").click()
        assert tables.nth(1).locator("tbody tr").count() == 12
        browser.screenshot(page, "data-rejected", full=True)
        chromium.close()
    assert outside == []
    # Tables are drawn on a canvas: read the history the page showed from the log it reads.
    assert [(r.file_name, r.status, r.rows_added) for r in log_rows(make_engine(url))] == [
        ("pages.csv", "ok", 12), ("messages.csv", "ok", 12), ("плохой.csv", "rejected", 0)]
    assert log_rows(make_engine(url))[-1].message.splitlines()[1:3] == [
        "По видам:", "  столбец «Дата поступления», 12 раз (строки 2, 3, 4, 5, 6 и ещё 7 строк): ожидались дата и "
        "время вида 28.11.2026 14:05, 28.11.2026 14:05:30, 2026-11-28T14:05:30+07:00 или число Excel"]


def test_a_demo_database_takes_a_file_only_when_marked(tmp_path):
    """On a demo database «Импортировать» waits for «Добавить к демонстрационным данным», the
    reason beside it (before, a click answered «Найдено: 1 ошибка» with an empty row and
    column); marked, the file goes in and the database stays labelled demo."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo.generate(engine, seed=1, years=1, messages_per_year=2000)
    with engine.connect() as conn:
        pages_before = conn.scalar(select(func.count()).select_from(schema.page))
    engine.dispose()

    outside: list[str] = []
    with browser.running_app(url, tmp_path / "streamlit.log") as base, sync_api.sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        page = browser.new_page(chromium, 1366, 768, outside)
        browser.open_page(page, base, DATA_URL)
        upload(page, EXAMPLES / "pages.csv")
        button = page.get_by_role("button", name="Импортировать")
        assert button.is_disabled()
        assert page.get_by_text("В базе демонстрационные данные: без отметки выше").count() == 1
        browser.screenshot(page, "data-demo-held", full=True)
        page.get_by_text("Добавить к демонстрационным данным", exact=False).click()
        browser.wait_idle(page)
        assert button.is_enabled()
        assert page.get_by_text("В базе демонстрационные данные: без отметки выше").count() == 0
        button.click()
        page.get_by_text("импортирован: добавлено 12").wait_for(timeout=60_000)
        assert browser.page_errors(page) == []
        chromium.close()
    assert outside == []
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(schema.page)) == pages_before + 12
        assert db.get_meta(conn, schema.META_DEMO) == "1"
