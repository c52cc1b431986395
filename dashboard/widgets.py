"""Shared Streamlit building blocks: engine and query cache, filters, KPI cards, banners.

Only this module and pages/ import Streamlit.
"""

from __future__ import annotations

import importlib
from typing import Callable

import streamlit as st

from dashboard.db import make_engine
from dashboard.settings import get_settings
from queries.filters import Filters

QUERY_TTL_S = 300


@st.cache_resource(show_spinner=False)
def get_engine():
    return make_engine(get_settings().database_url)


def data_version() -> str:
    """Changes whenever data is written (meta.data_updated_at); part of every cache key."""
    from dashboard import db, schema

    with get_engine().connect() as conn:
        return db.get_meta(conn, schema.META_UPDATED_AT) or ""


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def _run(qualname: str, args: tuple, kwargs: tuple, version: str):
    module, name = qualname.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    with get_engine().connect() as conn:
        return fn(conn, *args, **dict(kwargs))


def q(fn: Callable, *args, **kwargs):
    """Run a query function from ``queries`` through the cache: ``q(kpis.headline, f)``."""
    return _run(f"{fn.__module__}.{fn.__qualname__}", args, tuple(sorted(kwargs.items())), data_version())


def current_filters() -> Filters:
    """The filters chosen in the sidebar by app.py (pages call this, never build their own)."""
    return st.session_state["filters"]
