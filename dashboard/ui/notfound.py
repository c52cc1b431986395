"""A URL that names no page: «Страница не найдена» in Russian, with the way on.

Streamlit 1.67 answers a path that matches no page of ``st.navigation`` with its own English
«Page not found» dialog over the default page (the backend sends ``page_not_found``; the
frontend always opens the dialog, and no config option turns it off). The entry point
avoids that message altogether: before calling ``st.navigation`` it reads the path of the
browser's URL (``st.context.url``) and, when no page has it, registers one more, hidden page
at exactly that path. Streamlit then finds a page, sends no ``page_not_found``, and this
page tells the visitor in Russian that there is no such page and links to the likely one.

A nested path (``/karta/x``) never reaches the app as it is: Streamlit's server answers it with
its index.html, whose relative links then ask for the scripts under ``karta/`` and get the
index.html again, so the browser shows a blank page. The server (dashboard/ui/serve.py) redirects
such an address to the same path in one segment, its slashes encoded (``/karta%2Fx``): the
browser loads the app from the root, the frontend asks for the page «karta/x» (decoded), and the
hidden page registered at exactly that path answers it. st.Page refuses a «/» in ``url_path``
(Streamlit's own pages are one segment), so ``page`` sets it after the check.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

import streamlit as st

from dashboard.presentation.plaintext import literal

TITLE = "Страница не найдена"
# Page key of the not-found page (no url_path of NAVIGATION can be it: those are words).
KEY = "_ne_naideno"


def requested_path(url: str | None, base_url_path: str = "") -> str:
    """The page part of the browser's URL: decoded, without the app's base path and the
    slashes around it ("" at the root or when the URL is unknown)."""
    if not url:
        return ""
    path = unquote(urlsplit(url).path).strip("/")
    base = base_url_path.strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):].strip("/")
    return path


def stray_path(path: str, known: set[str]) -> str | None:
    """``path`` when no page answers it and a page may be registered there; otherwise None."""
    if not path or path in known or path != path.strip() or "//" in path:
        return None
    return path


# First segments of the addresses Streamlit's server answers itself (its routes and the folder of
# its scripts): never a page, so never redirected.
SERVER_PREFIXES = frozenset({"_stcore", "static", "media", "component", "app", "auth", "oauth2callback"})


def flat_address(path: str, base_url_path: str = "") -> str | None:
    """The one-segment address to redirect a nested ``path`` (as requested, percent-encoded)
    to, with its slashes encoded (``/karta/x`` -> ``/karta%2Fx``); None for any other path."""
    base = base_url_path.strip("/")
    rest = path.strip("/")
    if base:
        if rest != base and not rest.startswith(base + "/"):
            return None
        rest = rest[len(base):].strip("/")
    segments = rest.split("/")  # before decoding: an encoded «%2F» is no separator (no loop)
    if len(segments) < 2 or unquote(segments[0]) in SERVER_PREFIXES or "" in segments:
        return None
    return "/" + (base + "/" if base else "") + quote(unquote(rest), safe="")


class NestedPathRedirect:
    """ASGI middleware: a browser's GET of a nested address is redirected to ``flat_address``,
    the link's parameters kept (see the module's docstring)."""

    def __init__(self, app, base_url_path: str | None = None) -> None:
        self.app = app
        self.base_url_path = base_url_path

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            base = self.base_url_path
            if base is None:
                base = st.get_option("server.baseUrlPath")
            raw = scope.get("raw_path")  # as requested; scope["path"] is decoded
            target = flat_address(raw.decode("latin-1").split("?", 1)[0], base) if raw else None
            if target is not None:
                query = scope.get("query_string", b"").decode("latin-1")
                location = (target + ("?" + query if query else "")).encode("latin-1")
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", location), (b"cache-control", b"no-cache"),
                                        (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def likely_page(path: str, titles: Mapping[str, str]) -> str | None:
    """The key of the page a misspelt ``path`` most likely meant, by its url_path or its
    title (``titles``: key -> title); a nested path also by its first segment («karta/2026/x»:
    «Карта»); None when nothing is close."""
    names = {}
    for key, title in titles.items():
        names[key.lower()] = key
        names[title.lower()] = key
    for candidate in dict.fromkeys((path.lower(), path.split("/")[0].lower())):
        found = difflib.get_close_matches(candidate, list(names), n=1, cutoff=0.6)
        if found:
            return names[found[0]]
    return None


def page(path: str, pages_by_key: Mapping, titles: Mapping[str, str], home: str):
    """A hidden st.Page at ``path`` that says there is no such page (``titles``: key -> title
    of the pages the user may open; ``home``: key of the user's home page)."""
    def view() -> None:
        st.title(TITLE, anchor=False)
        st.warning(f"По адресу «/{literal(path)}» в дашборде страницы нет: ссылка, вероятно, набрана "
                   "с ошибкой или устарела.", icon=":material/link_off:")
        params = [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
        guess = likely_page(path, titles)
        if guess is not None and guess != home:
            st.page_link(pages_by_key[guess], label=f"Возможно, вы искали страницу «{titles[guess]}»",
                         icon=":material/arrow_forward:", query_params=params)
        st.page_link(pages_by_key[home], label=f"Перейти на страницу «{titles[home]}»",
                     icon=":material/home:", query_params=params if guess == home else None)
        st.caption("Все страницы дашборда — в меню слева.")

    found = st.Page(view, title=TITLE, url_path=path.replace("/", "_"), icon=":material/link_off:",
                    visibility="hidden")
    found._url_path = path  # a nested address: st.Page refuses «/», Streamlit matches it all the same
    return found
