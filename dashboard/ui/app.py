"""Entry point: ``streamlit run dashboard/ui/app.py`` (from the repository root); scripts/start.sh
runs it behind one middleware, ``streamlit run dashboard/ui/serve.py`` (nested addresses).

Page config, navigation, the shared sidebar filters (bound to the URL), the demo-data
banner and the footer. Pages read the filters with ``widgets.current_filters()``.

The entry point lives here, not beside ``pages/``: a ``pages/`` folder next to the entry
point switches Streamlit's first session after a start to its legacy folder navigation,
and a shared link to any page then opens with «Page not found». Streamlit serves
``static/`` from beside the entry point, so the map's assets live in ``dashboard/ui/static``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core import access as rules
from dashboard.ui import access, notfound, startup, widgets

# (group, [(file in pages/, title, url_path, icon)]).
# The default page (url_path "") is served at the app's root.
# URL paths are transliterated Russian and deliberately differ from the file names:
# AppTest.switch_page runs a page without the entry point when its url_path equals its
# file stem (Streamlit 1.67), which would hide the shared filters from the page tests.
NAVIGATION = {
    "Главное": [
        ("overview.py", "Обзор", "", ":material/dashboard:"),
        ("map.py", "Карта", "karta", ":material/map:"),
        ("rating.py", "Рейтинг", "reiting", ":material/leaderboard:"),
    ],
    "Разбор": [
        ("municipality.py", "Муниципалитет", "munitsipalitet", ":material/location_city:"),
        ("messages.py", "Обращения", "obrashcheniya", ":material/forum:"),
        ("registry.py", "Реестр госпабликов", "reestr", ":material/list_alt:"),
        ("signals.py", "Сигналы", "signaly", ":material/notifications:"),
        ("page_profile.py", "Профиль страницы", "stranitsa", ":material/article:"),
    ],
    "Сервис": [
        ("report.py", "Отчёт", "otchet", ":material/slideshow:"),
        ("data.py", "Данные", "dannye", ":material/upload_file:"),
        ("recipients.py", "Получатели сводок", "poluchateli", ":material/forward_to_inbox:"),
        ("access.py", "Доступ", "dostup", ":material/admin_panel_settings:"),
        ("method.py", "Методика", "metodika", ":material/menu_book:"),
    ],
}
# The default page's key in the access rules and FILTERS_USED. Its st.Page has the url_path ""
# (it is served at the root): a name would be the one address a not-found page cannot take
# (notfound.py), and «…/obzor» would open Streamlit's English «Page not found».
DEFAULT_PAGE_KEY = "obzor"
# The municipality profile: the map links to it with ?m=<id>.
PROFILE = "munitsipalitet"
# The sidebar filters each page applies (widget keys); unlisted pages apply all four.
# The others are tucked into a collapsed «не действуют на этой странице» box.
FILTERS_USED = {
    "reestr": frozenset({widgets.K_PLATFORMS, widgets.K_MUNICIPALITY}),
    "dannye": frozenset(), "dostup": frozenset(), "metodika": frozenset(), "otchet": frozenset(),
    "signaly": frozenset(), "poluchateli": frozenset(), "stranitsa": frozenset({widgets.K_PERIOD}),
    notfound.KEY: frozenset(),
}
# Pages that work on an empty database (the others show the onboarding screen instead).
WITHOUT_DATA = {"dannye", "dostup", "metodika", "poluchateli", notfound.KEY}
# Page key (url_path as listed, "obzor" for the overview) by title; titles are unique.
KEY_BY_TITLE = {title: url or DEFAULT_PAGE_KEY for pages in NAVIGATION.values() for _f, title, url, _i in pages}


def build_navigation(user: rules.User | None = None) -> dict[str, list]:
    """st.Page objects by group; a listed page file that is missing is an error, not a gap.

    With a ``user``, pages they may not open are hidden from the menu (still registered, so a
    deep link reaches ``access.require`` and says «Нет доступа»). «Обзор» is the default page
    for every role: Streamlit serves the default page at the root only, so a profile made the
    default for «муниципалитет» answered a shared «…/munitsipalitet?m=…» link with «Page not
    found»; a session opens on the role's home page through ``open_home`` instead."""
    missing = [file for pages in NAVIGATION.values() for file, *_ in pages if not (widgets.PAGES_DIR / file).is_file()]
    if missing:
        raise FileNotFoundError(f"pages/: нет файлов страниц {', '.join(missing)}")
    def page(file, title, url, icon):
        key = url or DEFAULT_PAGE_KEY
        shown = user is None or rules.may_open(user, key)
        return st.Page(widgets.PAGES_DIR / file, title=title, url_path=url, icon=icon, default=(key == DEFAULT_PAGE_KEY),
                       visibility="visible" if shown else "hidden")

    return {group: [page(*p) for p in pages] for group, pages in NAVIGATION.items()}


def add_not_found(nav: dict[str, list], pages_by_key: dict, user: rules.User | None) -> None:
    """When the browser's URL names no page, register a hidden page at that path which says
    so in Russian (dashboard/ui/notfound.py): Streamlit's own answer is an English dialog."""
    path = notfound.stray_path(notfound.requested_path(st.context.url, st.get_option("server.baseUrlPath")),
                               known={p.url_path for group in nav.values() for p in group})
    if path is None:
        return
    titles = {key: p.title for key, p in pages_by_key.items() if user is None or rules.may_open(user, key)}
    home = rules.home_page(user) if user is not None else DEFAULT_PAGE_KEY
    nav[next(reversed(nav))].append(notfound.page(path, pages_by_key, titles, home))


HOME_OPENED = "home_opened"


def open_home(user: rules.User, key: str, pages_by_key: dict) -> None:
    """On a session's first run at the root, go to the user's home page (a municipality's
    profile for «муниципалитет»), keeping the link's parameters; later runs (the menu's «Обзор»)
    and links to other pages stay where they are."""
    if st.session_state.get(HOME_OPENED):
        return
    st.session_state[HOME_OPENED] = True
    home = rules.home_page(user)
    if key == DEFAULT_PAGE_KEY and home != DEFAULT_PAGE_KEY:
        st.switch_page(pages_by_key[home], query_params=[(k, v) for k in st.query_params
                                                          for v in st.query_params.get_all(k)])


st.set_page_config(
    page_title="Госпаблики Новосибирской области",
    page_icon="🏛️",  # an emoji favicon is inline; a :material: one is fetched from fonts.gstatic.com
    layout="wide",
    initial_sidebar_state="auto",  # open on a desktop, collapsed on a phone
)

widgets.page_style()
with widgets.visitor_errors():  # a Russian message on screen, the traceback in the server log
    startup.ensure_database()
    user = access.gate()  # the sign-in screen, or a refusal, stops here
    nav = build_navigation(user)
    pages_by_key = {KEY_BY_TITLE[p.title]: p for group in nav.values() for p in group}
    add_not_found(nav, pages_by_key, user)
    pg = st.navigation(nav, expanded=True)  # every page listed (no «View N more» after ten)
    key = notfound.KEY if pg.title == notfound.TITLE else KEY_BY_TITLE[pg.title]
    open_home(user, key, pages_by_key)
    if key != notfound.KEY:
        access.require(key)  # a page hidden from the menu but asked for by a deep link: «Нет доступа»
    if key not in WITHOUT_DATA and startup.is_empty():
        access.show_identity(user)
        startup.onboarding(pages_by_key["dannye"] if rules.may_open(user, "dannye") else None)
        st.stop()
    status = widgets.data_status()
    widgets.sidebar_filters(status, uses=FILTERS_USED.get(key, widgets.ALL_FILTERS), on_profile=key == PROFILE)
    access.show_identity(user)  # below the filters: who is signed in, or the local-mode notice
    widgets.demo_banner(status)
    pg.run()
    widgets.footer(status)
