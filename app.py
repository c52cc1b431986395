"""Entry point: `streamlit run app.py`.

Page config, navigation, the shared sidebar filters (bound to the URL), the demo-data
banner and the footer. Pages read the filters with ``widgets.current_filters()``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import widgets

ROOT = Path(__file__).resolve().parent

# (group, [(file, title, url_path, icon)]); a page is registered only if its file exists.
# The page files live in app_pages/, not pages/: a pages/ folder beside the entry point
# switches Streamlit's first session after a start to the legacy folder navigation, and a
# shared link to any page then opens with a "Page not found" dialog.
# The default page (url_path "") is served at the app's root.
# URL paths are transliterated Russian and deliberately differ from the file names:
# AppTest.switch_page runs a page without app.py when its url_path equals its file stem
# (Streamlit 1.67), which would hide the shared filters from the page tests.
NAVIGATION = {
    "Главное": [
        ("app_pages/overview.py", "Обзор", "", ":material/dashboard:"),
        ("app_pages/map.py", "Карта", "karta", ":material/map:"),
        ("app_pages/rating.py", "Рейтинг", "reiting", ":material/leaderboard:"),
    ],
    "Разбор": [
        ("app_pages/municipality.py", "Муниципалитет", "munitsipalitet", ":material/location_city:"),
        ("app_pages/messages.py", "Обращения", "obrashcheniya", ":material/forum:"),
        ("app_pages/registry.py", "Реестр госпабликов", "reestr", ":material/list_alt:"),
    ],
    "Сервис": [
        ("app_pages/report.py", "Отчёт", "otchet", ":material/slideshow:"),
        ("app_pages/data.py", "Данные", "dannye", ":material/upload_file:"),
        ("app_pages/method.py", "Методика", "metodika", ":material/menu_book:"),
    ],
}
# The default page is served at the root; its url_path only names it (and must differ
# from the file stem, see above).
DEFAULT_PAGE_KEY = "obzor"
# The municipality profile: the map links to it with ?m=<id>.
PROFILE = "munitsipalitet"
# Pages that do not depend on the sidebar filters.
NO_FILTERS = {"dannye", "metodika", "otchet"}


def build_navigation() -> dict[str, list]:
    groups: dict[str, list] = {}
    for group, pages in NAVIGATION.items():
        entries = [
            st.Page(file, title=title, url_path=url or DEFAULT_PAGE_KEY, icon=icon, default=(url == ""))
            for file, title, url, icon in pages
            if (ROOT / file).exists()
        ]
        if entries:
            groups[group] = entries
    return groups


st.set_page_config(
    page_title="Госпаблики Новосибирской области",
    page_icon="🏛️",  # an emoji favicon is inline; a :material: one is fetched from fonts.gstatic.com
    layout="wide",
    initial_sidebar_state="expanded",
)

pg = st.navigation(build_navigation())
widgets.page_style()
widgets.ensure_database()
status = widgets.data_status()
widgets.sidebar_filters(status, visible=pg.url_path not in NO_FILTERS, on_profile=pg.url_path == PROFILE)
widgets.demo_banner(status)
pg.run()
widgets.footer(status)
