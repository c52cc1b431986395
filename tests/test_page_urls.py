"""Page URLs: only http(s) on a platform's host; anything else refused with its row number,
and link columns never hand a non-http(s) URL to the browser."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import update

from dashboard.core import schema
from dashboard.core.platforms import page_ref, safe_link
from tests.import_helpers import PAGES_HEADER, PAGES_ROWS, csv_bytes, dump, run

HOSTILE = [
    "javascript:alert(1)",
    "javascript://vk.com/%0aalert(document.cookie)",
    "JavaScript://ok.ru/group/1%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://vk.com/club1",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_non_web_schemes_are_refused(url):
    with pytest.raises(ValueError, match="ссылка должна начинаться с https:// или http://"):
        page_ref(url)


@pytest.mark.parametrize("url, platform", [
    ("https://vk.com/club1", "vk"), ("http://ok.ru/group/5", "ok"), ("vk.com/name", "vk"),
    ("HTTPS://T.ME/nso", "tg"), ("vk.com:443/club7", "vk"),
])
def test_web_urls_on_platform_hosts_are_accepted(url, platform):
    assert page_ref(url).platform == platform


@pytest.mark.parametrize("url", [
    "https://vk.com/club1", "HTTP://WWW.VK.COM/Public77", "https://m.vk.com/wall-5_9", "https://vk.com./Name",
    "https://vkontakte.ru/club3", "https://ok.ru/group/12", "https://OK.RU/Group/12/", "https://web.ok.ru/name",
    "https://max.ru/a/b", "https://max.ru//Adm_Bagan//", "https://t.me/s/chan", "https://t.me/@Chan",
    "https://vk.com", "https://vk.com/", "https://example.com/club1", "https://vk.com/%41bc",
])
def test_plain_urls_read_as_urlsplit_reads_them(url):
    """page_ref reads a plain http(s) URL (host and path only) off one pattern instead of
    urlsplit: the same URL with a query string, which goes through urlsplit, points to the same
    page (or is refused the same way)."""
    def ref(u):
        try:
            r = page_ref(u)
        except ValueError as e:
            return str(e)
        return r.platform, r.external_id

    assert ref(url) == ref(url + "?utm=1")


def test_other_hosts_are_refused():
    with pytest.raises(ValueError, match="ссылка должна вести на vk.com"):
        page_ref("https://evil.example/vk.com/club1")


@pytest.mark.parametrize("url, link", [
    ("https://vk.com/club1", "https://vk.com/club1"), (" http://ok.ru/group/5 ", "http://ok.ru/group/5"),
    ("javascript:alert(1)", None), ("javascript://vk.com/%0aalert(1)", None), ("data:text/html,x", None),
    ("vk.com/club1", None), ("https:///x", None), ("", None), (None, None), (float("nan"), None),
])
def test_safe_link(url, link):
    assert safe_link(url) == link


def test_import_refuses_script_urls_with_row_numbers(sqlite_engine):
    rows = [list(r) for r in PAGES_ROWS]
    rows[0][3] = HOSTILE[0]          # row 2 (the header is row 1)
    rows[2][3] = HOSTILE[1]          # row 4
    before = dump(sqlite_engine)
    result = run(sqlite_engine, "pages", csv_bytes(PAGES_HEADER, rows))
    assert not result.ok
    found = [(e.row, e.column, e.value, e.message) for e in result.errors]
    assert found == [
        (2, "Ссылка", HOSTILE[0], "ссылка должна начинаться с https:// или http://"),
        (4, "Ссылка", HOSTILE[1], "ссылка должна начинаться с https:// или http://"),
    ]
    assert dump(sqlite_engine) == before


def test_registry_link_column_gets_no_script_url(fixture_sqlite):
    """A page stored with a javascript: URL (older version, hand edit) shows no link."""
    from queries import pages

    with fixture_sqlite.begin() as conn:
        conn.execute(update(schema.page).where(schema.page.c.id == 1).values(url=HOSTILE[1]))
    with fixture_sqlite.connect() as conn:
        reg = pages.registry(conn).set_index("page_id")
    assert pd.isna(reg.loc[1, "url"])
    assert reg.loc[2, "url"].startswith("https://")
