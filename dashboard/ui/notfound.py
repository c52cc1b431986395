"""A URL that names no page: «Страница не найдена» in Russian, with the way on.

Streamlit 1.67 answers a path that matches no page of ``st.navigation`` with its own English
«Page not found» dialog over the default page (the backend sends ``page_not_found``; the
frontend always opens the dialog, and no config option turns it off). The entry point
avoids that message altogether: before calling ``st.navigation`` it reads the path of the
browser's URL (``st.context.url``) and, when no page has it, registers one more, hidden page
at exactly that path. Streamlit then finds a page, sends no ``page_not_found``, and this
page tells the visitor in Russian that there is no such page and links to the likely one.

A nested path stays with Streamlit (``a/b``: a page's url_path cannot contain «/»; the browser
shows a blank page there, as the relative links of Streamlit's index.html then ask for its
scripts under ``a/``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

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
    if not path or path in known or "/" in path or path != path.strip():
        return None
    return path


def likely_page(path: str, titles: Mapping[str, str]) -> str | None:
    """The key of the page a misspelt ``path`` most likely meant, by its url_path or its
    title (``titles``: key -> title); None when nothing is close."""
    names = {}
    for key, title in titles.items():
        names[key.lower()] = key
        names[title.lower()] = key
    found = difflib.get_close_matches(path.lower(), list(names), n=1, cutoff=0.6)
    return names[found[0]] if found else None


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

    return st.Page(view, title=TITLE, url_path=path, icon=":material/link_off:", visibility="hidden")
