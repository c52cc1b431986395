"""What runs before any page: the database check, the schema upgrade (once per server
process), the map's static assets, and the onboarding screen of an empty database.

The app never writes demo data by itself: ``scripts/start.sh`` (``python -m dashboard demo
--if-empty``) fills an empty embedded database before the server starts; an empty database
otherwise shows how to bring real data in."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.core import db, migrate
from dashboard.presentation import maps
from dashboard.ui.widgets import ERROR_ICON, get_engine
from queries import reference

STATIC_DIR = Path(__file__).resolve().parent / "static"  # served at /app/static/...


def ensure_map_assets() -> Path:
    """Leaflet and jQuery from the installed XStatic packages into static/vendor/."""
    return maps.ensure_assets(STATIC_DIR / "vendor")


def ensure_database() -> None:
    """Stop with a Russian error if the database is down; bring its schema up to date."""
    engine = get_engine()
    try:
        db.check_connection(engine)
    except db.DatabaseUnavailable as e:
        st.error(str(e), icon=ERROR_ICON)  # Russian, without connection details (those go to the log)
        st.stop()
    _upgrade_schema_once()


def is_empty() -> bool:
    """No page is registered yet: nothing to show but how to bring data in."""
    with get_engine().connect() as conn:
        return not reference.has_pages(conn)


@st.cache_resource(show_spinner="Обновляем структуру базы данных…")
def _upgrade_schema_once() -> bool:
    """Bring the schema to the current version once per server process (a no-op when it is),
    so a database made by an older version of the app keeps working. Schema only: no data."""
    migrate.upgrade(get_engine())
    ensure_map_assets()
    return True


ONBOARDING_TITLE = "База данных пока пуста"


def onboarding(import_page=None) -> None:
    """The screen shown instead of a page while the database holds no pages; ``import_page``:
    the st.Page of «Данные» when the visitor may import, else None."""
    st.title(ONBOARDING_TITLE, anchor=False)
    st.markdown("Чтобы появились показатели, загрузите реестр госпабликов, затем статистику и сообщения "
                "жителей — или настройте сбор данных из ВКонтакте и Одноклассников.")
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown("#### Импорт выгрузок ЦУР")
        st.markdown("1. **Страницы** — реестр официальных страниц (муниципалитет, организация, "
                    "площадка, ссылка).\n"
                    "2. **Статистика** — подписчики и публикации страниц на даты.\n"
                    "3. **Сообщения** — обращения жителей и первые ответы на них.")
        if import_page is not None:
            st.page_link(import_page, label="Открыть «Данные» и загрузить файл", icon=":material/upload_file:")
        else:
            st.caption("Загружать файлы может сотрудник ЦУР.")
        st.markdown("Или из командной строки:")
        st.code("python -m dashboard import pages реестр.xlsx\n"
                "python -m dashboard import stats статистика.xlsx\n"
                "python -m dashboard import messages сообщения.csv", language="bash")
    with right, st.container(border=True):
        st.markdown("#### Сбор через API")
        st.markdown("После загрузки реестра страниц данные можно собирать из ВКонтакте и "
                    "Одноклассников по расписанию (токены — в настройках VK_TOKEN, OK_ACCESS_TOKEN).")
        st.code("python -m dashboard collect vk --days 3\n"
                "python -m dashboard collect ok", language="bash")
        st.markdown("#### Посмотреть на демонстрационных данных")
        st.markdown("Только в отдельной, пробной базе — демонстрационные цифры нельзя смешивать с "
                    "настоящими:")
        st.code("DATABASE_URL=sqlite:///data/demo.db python -m dashboard demo", language="bash")
    st.caption("Подробнее о загрузке выгрузок и о сборе через API — в README, разделы "
               "«Importing ЦУР exports» и «Collection from VK and OK».")

