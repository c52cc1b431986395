"""What runs before any page: the database check, the schema upgrade (once per server
process), demo data on an empty database, and the map's static assets."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from dashboard.core import db, migrate
from dashboard.presentation import maps
from dashboard.ui.widgets import get_engine
from dashboard.writers import demo
from queries import reference

STATIC_DIR = Path(__file__).resolve().parent / "static"  # served at /app/static/...


def ensure_map_assets() -> Path:
    """Leaflet and jQuery from the installed XStatic packages into static/vendor/."""
    return maps.ensure_assets(STATIC_DIR / "vendor")


def ensure_database() -> None:
    """Stop with a Russian error if the database is down; fill an empty one with demo data."""
    engine = get_engine()
    try:
        db.check_connection(engine)
    except db.DatabaseUnavailable as e:
        st.error(f"**База данных недоступна.** {e}", icon="🛑")
        st.stop()
    _upgrade_schema_once()
    if _is_empty(engine):
        _fill_with_demo(engine)


def _is_empty(engine) -> bool:
    with engine.connect() as conn:
        return not reference.has_pages(conn)


@st.cache_resource(show_spinner="Обновляем структуру базы данных…")
def _upgrade_schema_once() -> bool:
    """Bring the schema to the current version once per server process (a no-op when it is),
    so a database made by an older version of the app keeps working."""
    migrate.upgrade(get_engine())
    ensure_map_assets()
    return True


@st.cache_resource(show_spinner=False)
def _first_start_lock():
    """One lock per server process: two first visitors must not both generate demo data."""
    return threading.Lock()


def _fill_with_demo(engine) -> None:
    with st.spinner("Первый запуск: база пуста, создаём демонстрационные данные… Это займёт до минуты."):
        with _first_start_lock():
            if not _is_empty(engine):  # another session has just filled it
                return
            demo.generate(engine, seed=1)
    st.cache_data.clear()
    st.toast("База была пуста: загружены демонстрационные данные.", icon=":material/info:")
