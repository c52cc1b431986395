"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL.

PostgreSQL tests need ``TEST_POSTGRES_URL`` (``scripts/start-postgres.sh`` prints
one). Without it they are skipped locally with that reason; on CI (``CI=true``)
a missing server is an error, so CI can never pass without testing PostgreSQL.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.core import migrate  # noqa: E402
from dashboard.core.db import make_engine, schema_url  # noqa: E402

BACKENDS = ("sqlite", "postgres")


def _postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if not url:
        msg = "PostgreSQL не настроен: задайте TEST_POSTGRES_URL (см. scripts/start-postgres.sh)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return url


def new_database(backend: str, tmp_path: Path):
    """An empty, migrated database of the given backend; returns (engine, cleanup)."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        migrate.upgrade(engine)
        return engine, engine.dispose
    url = _postgres_url()
    schema_name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    engine = make_engine(schema_url(url, schema_name))
    migrate.upgrade(engine)

    def cleanup():
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()

    return engine, cleanup


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """A fresh migrated database with reference data, on each backend."""
    eng, cleanup = new_database(request.param, tmp_path)
    yield eng
    cleanup()


@pytest.fixture
def sqlite_engine(tmp_path):
    """A fresh migrated SQLite database (for tests that are not about SQL dialects)."""
    eng, cleanup = new_database("sqlite", tmp_path)
    yield eng
    cleanup()


@pytest.fixture
def fixture_engine(engine):
    """The hand-built fixture data set (tests/fixture_data.py) on each backend."""
    from tests import fixture_data

    with engine.begin() as conn:
        fixture_data.build(conn)
    return engine


@pytest.fixture
def fixture_sqlite(sqlite_engine):
    """The hand-built fixture data set on SQLite only."""
    from tests import fixture_data

    with sqlite_engine.begin() as conn:
        fixture_data.build(conn)
    return sqlite_engine


# -- the app on the fixture database (AppTest) ---------------------------------------

@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> str:
    """URL of the fixture database file, built once per test module."""
    from tests.apptest_utils import fixture_db_url

    return fixture_db_url(tmp_path_factory.mktemp("appdb"))


@pytest.fixture
def app_db(fixture_db, monkeypatch) -> str:
    """The fixture database as DATABASE_URL for one test (restored afterwards)."""
    from dashboard.core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", fixture_db)
    get_settings.cache_clear()
    yield fixture_db
    get_settings.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def rating_from_ten_messages():
    """The hand-built fixture is tiny (15 and 10 messages a month): tests rank municipalities
    from 10 messages; the product's threshold (setting RATING_MIN_MESSAGES) is always above
    10 (tests/test_settings.py; tests/test_queries_rating.py passes its own)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dashboard.core.metrics.rating_min_messages", lambda: 10)
        yield


@pytest.fixture(autouse=True, scope="session")
def trends_keep_the_periods_grain():
    """The hand-built fixture's 15 and 10 messages a month would put every trend in weeks
    (metrics.trend_grain): tests of a period's days keep its own grain; tests/test_trend_grain.py
    puts the product's threshold back."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dashboard.core.metrics.TREND_MIN_PER_BUCKET", 0)
        yield


@pytest.fixture(autouse=True, scope="session")
def validated_charts():
    """Every chart a page draws in the tests is validated against the Vega-Lite schema (the
    app skips it for speed: dashboard.ui.widgets.VALIDATE_CHARTS)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dashboard.ui.widgets.VALIDATE_CHARTS", True)
        yield


@pytest.fixture
def signed_in_app(app_db, monkeypatch):
    """run(email, page=None, query_params=None): the app with sign-in configured and ``email``
    signed in (None: anonymous), on the fixture database with its users."""
    from dashboard.core import schema
    from dashboard.core.access import LEADERSHIP, MUNICIPALITY, TSUR
    from dashboard.core.db import make_engine
    from dashboard.ui import access
    from dashboard.writers import users as user_writer
    from tests.apptest_utils import _clear_streamlit_caches, new_app, switch_page
    from tests.fixture_data import BAGAN, NOW, NSK

    monkeypatch.setattr(access, "auth_configured", lambda: True)
    engine = make_engine(app_db)
    for email, role, mid in (("tsur@nso.ru", TSUR, None), ("boss@nso.ru", LEADERSHIP, None),
                             ("nsk@nso.ru", MUNICIPALITY, NSK), ("bagan@nso.ru", MUNICIPALITY, BAGAN)):
        user_writer.save_user(engine, email, role, mid, "test")

    def run(email: str | None, page: str | None = None, query_params: dict | None = None):
        _clear_streamlit_caches()
        at = new_app(app_db, query_params, now=NOW)
        at.user = {"is_logged_in": True, "email": email, "name": email} if email else {"is_logged_in": False}
        at.run()
        if page is not None:
            switch_page(at, page).run()
        return at

    yield run
    with engine.begin() as conn:
        conn.execute(schema.app_user.delete())
        conn.execute(schema.access_log.delete())
    engine.dispose()


# -- browser tests (tests/browser.py) --------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, one per test module."""
    from tests import browser

    sync_api = browser.require_chromium()
    with sync_api.sync_playwright() as p:
        b = browser.launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def outside():
    """Requests to non-local hosts made (and blocked) during a test."""
    return []
