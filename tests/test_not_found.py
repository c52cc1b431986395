"""A URL that names no page: a Russian «Страница не найдена» page with the way on, instead of
Streamlit's English «Page not found» dialog (dashboard/ui/notfound.py; the browser side is
tests/test_browser.py::test_unknown_address_says_so_in_russian)."""

from __future__ import annotations

from urllib.parse import unquote

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
    ("http://127.0.0.1:8501/karta%2Fx?m=1", "", "karta/x"),
    ("https://cur.nso.ru/dash/reiting", "/dash/", "reiting"),
    ("https://cur.nso.ru/dash", "dash", ""),
    ("https://cur.nso.ru/dashboard", "dash", "dashboard"),
    (None, "", ""),
])
def test_requested_path(url, base, path):
    assert notfound.requested_path(url, base) == path


@pytest.mark.parametrize("path, stray", [
    ("nosuchpage", "nosuchpage"), ("Karta", "Karta"), ("карта", "карта"),
    ("obzor", "obzor"), ("karta", None), ("", None), (" karta", None),
    ("a/b", "a/b"), ("karta/x", "karta/x"), ("a//b", None),
])
def test_stray_path(path, stray):
    assert notfound.stray_path(path, known={"", "karta", "reiting"}) == stray


@pytest.mark.parametrize("path, key", [
    ("munitsipalitt", "munitsipalitet"), ("Karta", "karta"), ("карта", "karta"), ("рейтинг", "reiting"),
    ("obzor", "obzor"), ("reestr-gospablikov", None), ("nosuchpage", None), ("x", None),
    ("karta/x", "karta"), ("karta/2026/noyabr/vse", "karta"), ("munitsipalitet/5", "munitsipalitet"),
    ("карта/х", "karta"), ("a/b", None),
])
def test_likely_page(path, key):
    assert notfound.likely_page(path, TITLES) == key


@pytest.mark.parametrize("path, base, target", [
    ("/a/b", "", "/a%2Fb"),
    ("/karta/x/", "", "/karta%2Fx"),
    ("/a/b/c", "", "/a%2Fb%2Fc"),
    ("/%D0%BA%D0%B0%D1%80%D1%82%D0%B0/%D1%85", "", "/%D0%BA%D0%B0%D1%80%D1%82%D0%B0%2F%D1%85"),
    ("/dash/karta/x", "dash", "/dash/karta%2Fx"),
    ("/dash/karta/x", "/dash/", "/dash/karta%2Fx"),
    # Pages, the root, an address already redirected (no loop), Streamlit's own routes:
    ("/karta", "", None), ("/", "", None), ("/karta/", "", None), ("/a%2Fb", "", None),
    ("/dash/karta", "dash", None), ("/other/karta/x", "dash", None),
    ("/static/js/index.js", "", None), ("/_stcore/health", "", None), ("/media/x.png", "", None),
    ("/app/static/leaflet/leaflet.js", "", None), ("/component/x/index.html", "", None),
    ("/auth/login", "", None), ("/a//b", "", None),
])
def test_flat_address(path, base, target):
    assert notfound.flat_address(path, base) == target


def ask(method: str, raw_path: str, query: str = "") -> tuple[int, str]:
    """(status, Location or the path Streamlit's server was asked for) of one request through
    the middleware of dashboard/ui/serve.py, Streamlit's server replaced by a stand-in."""
    import asyncio

    sent = []

    async def streamlit_server(scope, receive, send):
        sent.append({"type": "http.response.start", "status": 200, "headers": [], "path": scope["raw_path"]})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": method, "path": unquote(raw_path), "raw_path": raw_path.encode(),
             "query_string": query.encode()}
    asyncio.run(notfound.NestedPathRedirect(streamlit_server, base_url_path="")(scope, receive, send))
    start = sent[0]
    if start["status"] == 200:
        return 200, start["path"].decode()
    return start["status"], dict(start["headers"])[b"location"].decode()


def test_the_server_redirects_a_nested_address_keeping_its_parameters():
    """Streamlit alone answers «/karta/x» with its index.html, whose scripts then load from
    «/karta/static/…»: a blank page. The middleware of dashboard/ui/serve.py redirects it."""
    assert ask("GET", "/karta/x", "m=3&p=vk") == (302, "/karta%2Fx?m=3&p=vk")
    assert ask("GET", "/karta%2Fx", "m=3") == (200, "/karta%2Fx")  # where it leads: answered, no loop
    assert ask("HEAD", "/a/b") == (302, "/a%2Fb")
    assert ask("POST", "/a/b") == (200, "/a/b")  # only what a browser opens is redirected
    for kept in ("/karta", "/", "/static/js/index.js", "/_stcore/health", "/app/static/leaflet/leaflet.js"):
        assert ask("GET", kept) == (200, kept)


def test_the_server_module_wraps_the_app_with_the_redirect():
    """scripts/start.sh runs dashboard/ui/serve.py: the app with the middleware in front."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    from tests.browser import ROOT, SERVER

    found = discover_asgi_app(SERVER)
    assert (found.is_asgi_app, found.app_name) == (True, "app")
    text = SERVER.read_text(encoding="utf-8")
    assert 'st.App("app.py", middleware=[Middleware(NestedPathRedirect), Middleware(RussianDocument)])' in text
    assert "dashboard/ui/serve.py" in (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")


def open_address(url: str, path: str, query: dict | None = None):
    """The app's first run at ``http://…/<path>``: Streamlit is asked for the page at that path
    (AppTest names a page by the hash of its url_path, where a browser sends the path itself)."""
    from streamlit.util import calc_hash

    from tests.apptest_utils import _clear_streamlit_caches

    _clear_streamlit_caches()
    at = new_app(url, query, NOW)
    at.context["url"] = f"http://127.0.0.1:8501/{path}"
    at._page_hash = calc_hash(unquote(path))
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


def test_a_nested_address_opens_the_russian_page(app_db):
    """«/karta/x» reaches the app as «/karta%2Fx» (the server's redirect): the hidden page is
    registered at the nested path the frontend asks for, and offers «Карта»."""
    at = open_address(app_db, "karta%2Fx", {"m": "3"})
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Страница не найдена"]
    assert [w.value for w in at.warning] == [  # Markdown source: «/karta/x» on screen (test_browser.py)
        r"По адресу «/karta\/x» в дашборде страницы нет: ссылка, вероятно, набрана с ошибкой или устарела."]
    assert page_links(at) == [("Возможно, вы искали страницу «Карта»", "karta"), ("Перейти на страницу «Обзор»", "")]


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
