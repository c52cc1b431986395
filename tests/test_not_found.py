"""A URL that names no page: a Russian «Страница не найдена» page with the way on, instead of
Streamlit's English «Page not found» dialog (dashboard/ui/notfound.py; the browser side is
tests/test_browser.py::test_unknown_address_says_so_in_russian)."""

from __future__ import annotations

import pytest

from dashboard.ui import notfound
from tests.apptest_utils import new_app
from tests.fixture_data import NOW

TITLES = {"obzor": "Обзор", "karta": "Карта", "reiting": "Рейтинг", "munitsipalitet": "Муниципалитет",
          "obrashcheniya": "Обращения", "reestr": "Реестр госпабликов"}


@pytest.mark.parametrize("url, base, path", [
    ("http://127.0.0.1:8501/nosuchpage", "", "nosuchpage"),
    ("http://127.0.0.1:8501/karta/", "", "karta"),
    ("http://127.0.0.1:8501", "", ""),
    ("http://127.0.0.1:8501/", "", ""),
    ("http://127.0.0.1:8501/%D0%BA%D0%B0%D1%80%D1%82%D0%B0", "", "карта"),
    ("https://cur.nso.ru/dash/reiting", "/dash/", "reiting"),
    ("https://cur.nso.ru/dash", "dash", ""),
    ("https://cur.nso.ru/dashboard", "dash", "dashboard"),
    (None, "", ""),
])
def test_requested_path(url, base, path):
    assert notfound.requested_path(url, base) == path


@pytest.mark.parametrize("path, stray", [
    ("nosuchpage", "nosuchpage"), ("Karta", "Karta"), ("карта", "карта"),
    ("obzor", "obzor"), ("karta", None), ("", None), ("a/b", None), (" karta", None),
])
def test_stray_path(path, stray):
    assert notfound.stray_path(path, known={"", "karta", "reiting"}) == stray


@pytest.mark.parametrize("path, key", [
    ("munitsipalitt", "munitsipalitet"), ("Karta", "karta"), ("карта", "karta"), ("рейтинг", "reiting"),
    ("obzor", "obzor"), ("reestr-gospablikov", None), ("nosuchpage", None), ("x", None),
])
def test_likely_page(path, key):
    assert notfound.likely_page(path, TITLES) == key


def open_address(url: str, path: str, query: dict | None = None):
    """The app's first run at ``http://…/<path>``: Streamlit is asked for the page at that path
    (AppTest names a page by the hash of its url_path, where a browser sends the path itself)."""
    from streamlit.util import calc_hash

    from tests.apptest_utils import _clear_streamlit_caches

    _clear_streamlit_caches()
    at = new_app(url, query, NOW)
    at.context["url"] = f"http://127.0.0.1:8501/{path}"
    at._page_hash = calc_hash(path)
    at.run()
    return at


def page_links(at) -> list[tuple[str, str]]:
    """(label, page url) of every st.page_link on the page."""
    return [(e.proto.label, e.proto.page) for e in at.get("page_link")]


def test_unknown_address_opens_a_russian_page_with_the_way_on(app_db):
    at = open_address(app_db, "munitsipalitt", {"m": "3"})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Страница не найдена"]
    assert [w.value for w in at.warning] == [
        "По адресу «/munitsipalitt» в дашборде страницы нет: ссылка, вероятно, набрана с ошибкой или устарела."]
    assert page_links(at) == [("Возможно, вы искали страницу «Муниципалитет»", "munitsipalitet"),
                              ("Перейти на страницу «Обзор»", "")]
    # No filter applies here: they wait in the collapsed box, the link's parameters untouched.
    assert [e.label for e in at.sidebar.expander] == ["Фильтры (на этой странице не используются)"]


def test_the_address_is_shown_as_text(app_db):
    at = open_address(app_db, "**x**[y](z)")
    assert [t.value for t in at.title] == ["Страница не найдена"]
    assert at.warning[0].value.startswith(r"По адресу «/\*\*x\*\*\[y\]\(z\)» в дашборде страницы нет")


def test_a_known_address_opens_its_page(app_db):
    from streamlit.util import calc_hash

    from tests.apptest_utils import _clear_streamlit_caches

    _clear_streamlit_caches()
    at = new_app(app_db, None, NOW)
    at.context["url"] = "http://127.0.0.1:8501/reiting"
    at._page_hash = calc_hash("reiting")
    at.run()
    assert not at.exception
    assert "Страница не найдена" not in [t.value for t in at.title]
    assert at._finished_page_script_hash == calc_hash("reiting")


def test_the_overviews_key_is_no_address_either(app_db):
    """«Обзор» is served at the root only; «…/obzor» (as «…/karta» is «Карта») gets the Russian
    page with the way there, not Streamlit's dialog (its st.Page has the url_path "")."""
    at = open_address(app_db, "obzor")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Страница не найдена"]
    assert page_links(at) == [("Перейти на страницу «Обзор»", "")]
