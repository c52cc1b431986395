"""«Данные» in Chromium: a file cannot make the browser fetch an image, and a file the browser
refuses (too large) is explained in Russian."""

from __future__ import annotations

import http.server
import os
import threading

import pytest

from tests import browser

sync_api = browser.require_chromium()
LIMIT_MB = 2


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from tests.apptest_utils import fixture_db_url

    tmp = tmp_path_factory.mktemp("safety_browser")
    saved = os.environ.get("IMPORT_MAX_MB")
    os.environ["IMPORT_MAX_MB"] = str(LIMIT_MB)  # the server inherits it; small files suffice
    try:
        with browser.running_app(fixture_db_url(tmp), tmp / "server.log") as base:
            yield base, tmp
    finally:
        if saved is None:
            os.environ.pop("IMPORT_MAX_MB", None)
        else:
            os.environ["IMPORT_MAX_MB"] = saved


@pytest.fixture
def trap():
    """An HTTP server on 127.0.0.1 recording the paths asked of it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def open_data_page(p, base):
    chromium = browser.launch_chromium(p)
    page = browser.new_page(chromium, 1366, 900, [])
    browser.open_page(page, base, "dannye")
    return chromium, page


def test_markdown_in_a_file_is_not_rendered(app, trap, tmp_path):
    base, _ = app
    trap_url, hits = trap
    image = f"![x]({trap_url}/header.png)"
    tag = f'<img src="{trap_url}/tag.png">'
    path = tmp_path / "pages.csv"
    path.write_text("Муниципалитет;Организация;Площадка;Ссылка;Название страницы;" + image + "\n"
                    f"Баганский район;Администрация;{tag};https://vk.com/club1;Страница;x\n", encoding="utf-8")
    with sync_api.sync_playwright() as p:
        chromium, page = open_data_page(p, base)
        try:
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
            page.get_by_text("Будут пропущены", exact=False).wait_for(timeout=60_000)
            browser.wait_idle(page)
            page.get_by_role("button", name="Импортировать").click()
            page.locator('[data-testid="stTable"]').wait_for(timeout=60_000)
            browser.wait_idle(page)
            main = page.locator('[data-testid="stMain"]')
            assert image in main.inner_text()          # shown as the text it is
            assert main.locator(f'img[src^="{trap_url}"]').count() == 0
        finally:
            chromium.close()
    assert hits == []


def test_a_too_large_file_is_refused_in_russian(app, tmp_path):
    base, _ = app
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.write(b"a;b\n" + b"1;2\n" * ((LIMIT_MB + 1) * 1024 * 1024 // 4))
    from tests.import_helpers import EXAMPLES

    small = EXAMPLES / "pages.csv"
    with sync_api.sync_playwright() as p:
        chromium, page = open_data_page(p, base)
        try:
            uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            uploader.set_input_files(str(small))
            browser.wait_idle(page)
            uploader.set_input_files(str(big))
            chip = page.locator('[data-testid="stFileChip"][aria-invalid="true"]')
            chip.wait_for(timeout=30_000)
            shown = chip.locator('[data-testid="stFileChipName"] + div').evaluate(
                "e => getComputedStyle(e, '::after').content")
            assert shown == f'"Файл не принят: больше {LIMIT_MB} МБ или не CSV/XLSX"'
            # The browser keeps the file chosen before beside the refused one: what the page
            # shows, and would import, names it.
            browser.wait_idle(page)
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert "big.csv" in main
            assert "Предпросмотр «pages.csv»: первые строки из 12." in main
        finally:
            chromium.close()


def test_reversed_period_link_shows_a_notice_on_the_first_visit(app):
    """A shared link opened in a browser (a new session; the browser reruns the script right
    after the first run): the notice stays on screen and the swapped period is shown."""
    base, _ = app
    with sync_api.sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            page = browser.new_page(chromium, 1366, 900, [])
            browser.open_page(page, base, "obrashcheniya",
                              "period=Свой+период&dates=2026-11-15&dates=2026-11-01")
            page.wait_for_timeout(1000)
            browser.wait_idle(page)
            notes = [n.inner_text() for n in page.locator('[data-testid="stAlertContentWarning"]').all()]
            expected = ("В ссылке конец периода (01.11.2026) раньше начала (15.11.2026): "
                        "показан период с 01.11.2026 по 15.11.2026.")
            assert [n for n in notes if n.endswith(expected)], notes  # after the icon's ligature name
            assert browser.page_errors(page) == []
            assert "01.11.2026 – 15.11.2026" in page.locator('[data-testid="stMain"]').inner_text()
        finally:
            chromium.close()
