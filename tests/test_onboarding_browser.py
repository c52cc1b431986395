"""A browser visit to an app on an empty database: the onboarding screen, and not one row written."""

from __future__ import annotations

from tests.browser import launch_chromium, new_page, open_page, page_errors, require_chromium, running_app
from tests.test_app import _fact_counts

sync_api = require_chromium()


def test_empty_database_stays_empty_after_a_browser_visit(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    outside: list[str] = []
    with running_app(url, tmp_path / "streamlit.log") as base, sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = new_page(browser, 1366, 768, outside)
            open_page(page, base, "")
            assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "База данных пока пуста"
            assert page_errors(page) == []
            open_page(page, base, "reiting")
            assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "База данных пока пуста"
        finally:
            browser.close()
    assert outside == []
    assert _fact_counts(url) == {"organisation": 0, "page": 0, "page_stats": 0, "message": 0,
                                 "msg_daily": 0, "subs_daily": 0, "meta_demo": 0}
