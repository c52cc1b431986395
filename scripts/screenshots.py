"""Screenshots of every page at 1920×1080 and 1366×768, for review and for slides.

    .venv/bin/python scripts/screenshots.py              # demo database (seed 1) in a temp dir
    .venv/bin/python scripts/screenshots.py --db URL     # an existing database
    .venv/bin/python scripts/screenshots.py --full       # also the whole scrolled page
    .venv/bin/python scripts/screenshots.py --page karta # only some pages (URL path; "" = Обзор)

Starts ``streamlit run dashboard/ui/serve.py`` on a free localhost port, opens each page in Debian's
Chromium (headless, no internet: other hosts are blocked and listed), waits for the page
to finish and saves artifacts/screenshots/<page>_<width>x<height>.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import browser  # noqa: E402


def take_all(base: str, full: bool, only: list[str] | None = None) -> tuple[list[Path], list[str]]:
    """Screenshot every page (or those in ``only``) at every size; returns the files and
    the blocked requests to outside hosts."""
    from playwright.sync_api import sync_playwright

    files, outside = [], []
    pages = [(u, t) for u, t in browser.app_pages() if only is None or u in only]
    with sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        for width, height in browser.SIZES:
            page = browser.new_page(chromium, width, height, outside)
            for url_path, title in pages:
                name = f"{url_path or 'overview'}_{width}x{height}"
                browser.open_page(page, base, url_path)
                if page.locator(browser.MAP_FRAME).count():
                    browser.count_map_shapes(page)
                files.append(browser.screenshot(page, name))
                if full:
                    files.append(browser.screenshot(page, f"{name}_full", full=True))
                errors = browser.page_errors(page)
                print(f"{title:<20} {width}×{height}  {'ОШИБКА на странице' if errors else 'ok'}")
            page.context.close()
        chromium.close()
    return files, outside


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Снимки экрана всех страниц (1920×1080 и 1366×768).")
    ap.add_argument("--db", help="DATABASE_URL; по умолчанию — демо-база во временной папке")
    ap.add_argument("--full", action="store_true", help="также снимок всей страницы с прокруткой")
    ap.add_argument("--page", action="append", metavar="URL_PATH",
                    help="только эта страница (путь в адресе, '' — Обзор); можно несколько раз")
    args = ap.parse_args(argv)
    try:  # a test dependency: scripts/start.sh does not install it, scripts/setup.sh --dev does
        import playwright.sync_api  # noqa: F401
    except ImportError:
        playwright_missing = True
    else:
        playwright_missing = False
    if playwright_missing or not browser.CHROMIUM.exists():
        what = "Playwright" if playwright_missing else f"браузера {browser.CHROMIUM}"
        print(f"Нет {what}: снимкам нужны Chromium и Playwright — выполните scripts/setup.sh --dev "
              "(их ставит и scripts/test.sh).", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if not url:
            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            print("Создаю демо-базу…")
            browser.build_demo_database(url)
        with browser.running_app(url, Path(tmp) / "streamlit.log") as base:
            files, outside = take_all(base, args.full, args.page)
    print(f"Сохранено {len(files)} снимков в {browser.SCREENSHOTS}")
    if outside:
        print("Заблокированы запросы к внешним адресам:", *sorted(set(outside)), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
