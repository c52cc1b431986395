"""Helpers for AppTest page tests: a fixture database file and running app.py on one page.

    url = fixture_db_url(tmp_path)                 # hand-built data (tests/fixture_data.py)
    at = run_page(url, "pages/overview.py")        # AppTest after switching to that page
    at.sidebar.multiselect(key="pl").set_value(["vk"]).run()
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "ui" / "app.py")
TIMEOUT_S = 60


def fixture_db_url(tmp_path: Path, name: str = "fixture.db") -> str:
    """An SQLite file holding the hand-built fixture data set; returns its URL."""
    from dashboard.core import migrate
    from dashboard.core.db import make_engine

    url = f"sqlite:///{tmp_path / name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    from tests import fixture_data

    with engine.begin() as conn:
        fixture_data.build(conn)
    engine.dispose()
    return url


def demo_db_url(tmp_path: Path, seed: int = 1, name: str = "demo.db") -> str:
    """An SQLite file holding generated demo data (slower; for smoke tests)."""
    from dashboard.core import migrate
    from dashboard.core.db import make_engine
    from dashboard.writers import demo

    url = f"sqlite:///{tmp_path / name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo.generate(engine, seed=seed)
    engine.dispose()
    return url


def _clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def new_app(url: str, query_params: dict | None = None, now: datetime | None = None):
    """An AppTest for app.py (not yet run), its clock pinned to ``now`` (naive UTC, see
    widgets.pinned_now). DATABASE_URL must already point at ``url`` (see run_page)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.ui.widgets import NOW_KEY

    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for k, v in (query_params or {}).items():
        at.query_params[k] = v
    if now is not None:
        at.session_state[NOW_KEY] = now
    return at


def run_page(url: str, page: str, query_params: dict | None = None, now: datetime | None = None):
    """Run app.py against the database at ``url`` and switch to ``page`` ("pages/x.py").

    DATABASE_URL stays set to ``url`` for the rest of the test (reruns need it);
    use the ``app_db`` fixture, which restores it afterwards.
    """
    from dashboard.core.settings import get_settings

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    _clear_streamlit_caches()
    at = new_app(url, query_params, now)
    at.run()
    if page != "pages/overview.py":
        switch_page(at, page)
        at.run()
    return at


def switch_page(at, page: str):
    """``at.switch_page`` for a page file named from the repository root ("pages/x.py")."""
    return at.switch_page(str(ROOT / page))


def assert_ok(at) -> None:
    """No exception and no st.error on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


STATUS_MARK = re.compile(r"^:(green|orange|red)\[●\] ")


def metrics(at) -> dict[str, str]:
    """{label: value} of every st.metric on the page (labels without the status dot)."""
    return {STATUS_MARK.sub("", m.label): m.value for m in at.metric}


def statuses(at) -> dict[str, str | None]:
    """{label: 'green' | 'orange' | 'red' | None}: the target status dot of each st.metric."""
    return {STATUS_MARK.sub("", m.label): (mk.group(1) if (mk := STATUS_MARK.match(m.label)) else None)
            for m in at.metric}


def texts(at) -> str:
    """All markdown, captions, titles and headers joined: for 'is it on the page' checks."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def shown(frame):
    """The data of an st.dataframe element with the headers the user sees (column_config labels)."""
    import json

    config = json.loads(frame.proto.columns or "{}")
    df = frame.value
    return df.rename(columns={c: cfg["label"] for c, cfg in config.items() if cfg.get("label")})


def table_with(at, header: str):
    """The first table on the page that has a column titled ``header``, as shown()."""
    for frame in at.dataframe:
        df = shown(frame)
        if header in df.columns:
            return df
    raise AssertionError(f"no table with column {header!r}")


def display_texts(frame):
    """What an st.dataframe element prints in each cell (the Styler's display values that
    widgets.table sets: «1 234», «81,2 %», «—»), columns named as in the data."""
    import pyarrow as pa

    return pa.ipc.open_stream(frame.proto.arrow_data.styler.display_values).read_pandas()
