"""Entry point: ``streamlit run dashboard/ui/app.py`` (from the repository root).

Page config, navigation, the shared sidebar filters (bound to the URL), the demo-data
banner and the footer. Pages read the filters with ``widgets.current_filters()``.

The entry point lives here, not beside ``pages/``: a ``pages/`` folder next to the entry
point switches Streamlit's first session after a start to its legacy folder navigation,
and a shared link to any page then opens with «Page not found». Streamlit serves
``static/`` from beside the entry point, so the map's assets live in ``dashboard/ui/static``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import startup, widgets

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
        ("method.py", "Методика", "metodika", ":material/menu_book:"),
    ],
}
# The default page is served at the root; its url_path only names it (and must differ
# from the file stem, see above).
DEFAULT_PAGE_KEY = "obzor"
# The municipality profile: the map links to it with ?m=<id>.
PROFILE = "munitsipalitet"
# The sidebar filters each page applies (widget keys); unlisted pages apply all four.
# The others are tucked into a collapsed «не действуют на этой странице» box.
FILTERS_USED = {
    "reestr": frozenset({widgets.K_PLATFORMS, widgets.K_MUNICIPALITY}),
    "dannye": frozenset(), "metodika": frozenset(), "otchet": frozenset(),
    "signaly": frozenset(), "poluchateli": frozenset(), "stranitsa": frozenset({widgets.K_PERIOD}),
}
# Pages that work on an empty database (the others show the onboarding screen instead).
WITHOUT_DATA = {"dannye", "metodika", "poluchateli"}


def build_navigation() -> dict[str, list]:
    """st.Page objects by group; a listed page file that is missing is an error, not a gap."""
    missing = [file for pages in NAVIGATION.values() for file, *_ in pages if not (widgets.PAGES_DIR / file).is_file()]
    if missing:
        raise FileNotFoundError(f"pages/: нет файлов страниц {', '.join(missing)}")
    return {
        group: [st.Page(widgets.PAGES_DIR / file, title=title, url_path=url or DEFAULT_PAGE_KEY, icon=icon, default=(url == ""))
                for file, title, url, icon in pages]
        for group, pages in NAVIGATION.items()
    }


st.set_page_config(
    page_title="Госпаблики Новосибирской области",
    page_icon="🏛️",  # an emoji favicon is inline; a :material: one is fetched from fonts.gstatic.com
    layout="wide",
    initial_sidebar_state="auto",  # open on a desktop, collapsed on a phone
)

nav = build_navigation()
pages_by_path = {p.url_path: p for group in nav.values() for p in group}
pg = st.navigation(nav)
widgets.page_style()
with widgets.visitor_errors():  # a Russian message on screen, the traceback in the server log
    startup.ensure_database()
    if pg.url_path not in WITHOUT_DATA and startup.is_empty():
        startup.onboarding(pages_by_path.get("dannye"))
        st.stop()
    status = widgets.data_status()
    widgets.sidebar_filters(status, uses=FILTERS_USED.get(pg.url_path, widgets.ALL_FILTERS),
                            on_profile=pg.url_path == PROFILE)
    widgets.demo_banner(status)
    pg.run()
    widgets.footer(status)
