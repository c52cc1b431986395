"""«Данные» in Chromium: a file cannot make the browser fetch an image, and a file the browser
refuses (too large) is explained in Russian."""

from __future__ import annotations

import http.server
import threading

import pytest

from tests import browser

sync_api = browser.require_chromium()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from tests.apptest_utils import fixture_db_url

    tmp = tmp_path_factory.mktemp("safety_browser")
    with browser.running_app(fixture_db_url(tmp), tmp / "server.log") as base:
        yield base, tmp


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
        f.write(b"a;b\n" + b"1;2\n" * (51 * 1024 * 1024 // 4))
    with sync_api.sync_playwright() as p:
        chromium, page = open_data_page(p, base)
        try:
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(big))
            chip = page.locator('[data-testid="stFileChip"][aria-invalid="true"]')
            chip.wait_for(timeout=30_000)
            shown = chip.locator('[data-testid="stFileChipName"] + div').evaluate(
                "e => getComputedStyle(e, '::after').content")
            assert shown == '"Файл не принят: больше 50 МБ или не CSV/XLSX"'
        finally:
            chromium.close()
