"""Long lists at national scale: 60 000 pages, paged, sorted and searched in SQL.

The database holds pages only (bulk-inserted, seeded, built once per module and backend);
every figure the queries and the screens give is checked against a plain SQL count or a
plain ORDER BY over the same table.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from dashboard.core import schema
from queries import REGIONAL, pages
from queries.filters import Filters
from tests.apptest_utils import assert_ok, run_page, table_with, texts

N_PAGES = 60_000
NOVOSIBIRSK = 31
N_NOVOSIBIRSK = 24_000  # pages of город Новосибирск; the rest spread over the others
SECTORS = ("education", "health", "culture", "social", "sport", "housing", None)
ALL = Filters(date(2026, 1, 1), date(2026, 1, 1))
FIRST = ["Школа", "Детский сад", "Поликлиника", "Библиотека", "Администрация", "Дом культуры", "ЦСОН"]


def build(engine, seed: int = 11) -> None:
    """60 000 pages of 3 000 organisations; some closed, some without a last post or figures."""
    rnd = random.Random(seed)
    orgs, rows = [], []
    for i in range(1, 3001):
        mid = NOVOSIBIRSK if i <= 1200 else (None if i > 2900 else rnd.randint(1, 35))
        kind = "regional" if mid is None else ("municipal_admin" if i % 50 == 0 else "institution")
        orgs.append({"id": i, "name": f"{rnd.choice(FIRST)} № {i}", "kind": kind,
                     "sector": rnd.choice(SECTORS), "municipality_id": mid})
    by_mun: dict = {}
    for o in orgs:
        by_mun.setdefault(o["municipality_id"], []).append(o)
    others = [o for o in orgs if o["municipality_id"] != NOVOSIBIRSK]
    for pid in range(1, N_PAGES + 1):
        org = rnd.choice(by_mun[NOVOSIBIRSK] if pid <= N_NOVOSIBIRSK else others)
        platform = rnd.choice(("vk", "vk", "ok", "max", "tg"))
        no_post = rnd.random() < 0.1
        rows.append({
            "id": pid, "platform": platform, "external_id": f"p{pid}",
            "url": f"https://example.org/{platform}/p{pid}",
            "title": f"{org['name'].split(' №')[0]} {rnd.choice(['Север', 'ЮГ', 'центр', 'Ёлочка'])} {pid}",
            "organisation_id": org["id"], "municipality_id": org["municipality_id"],
            "verified": rnd.random() < 0.4, "gospubliki": rnd.random() < 0.3,
            "opened_on": date(2020, 1, 1), "closed_on": date(2025, 6, 1) if rnd.random() < 0.05 else None,
            "last_subscribers": None if no_post else rnd.randint(0, 200_000),
            "last_stats_on": None if no_post else date(2026, 11, 28),
            "last_post_at": None if no_post else datetime(2026, 1, 1) + timedelta(minutes=rnd.randint(0, 480_000)),
        })
    with engine.begin() as conn:
        conn.execute(insert(schema.organisation), orgs)
        for i in range(0, len(rows), 10_000):
            conn.execute(insert(schema.page), rows[i:i + 10_000])


@pytest.fixture(scope="module", params=("sqlite", "postgres"))
def big(request, tmp_path_factory):
    from tests.conftest import new_database

    engine, cleanup = new_database(request.param, tmp_path_factory.mktemp("national"))
    build(engine)
    yield engine
    cleanup()


def sql_count(conn, *where) -> int:
    p, o = schema.page, schema.organisation
    stmt = select(func.count()).select_from(p.join(o, p.c.organisation_id == o.c.id)).where(*where)
    return conn.execute(stmt).scalar_one()


def test_counts_match_sql(big):
    p, o = schema.page, schema.organisation
    with big.connect() as conn:
        assert pages.registry_count(conn, ALL) == sql_count(conn, p.c.closed_on.is_(None))
        assert pages.registry_count(conn, ALL, pages.RegistryFilter(include_closed=True)) == N_PAGES
        nsk = ALL.with_(municipality_ids=(NOVOSIBIRSK,), platforms=("vk", "ok"))
        assert pages.registry_count(conn, nsk) == sql_count(
            conn, p.c.closed_on.is_(None), p.c.municipality_id == NOVOSIBIRSK, p.c.platform.in_(("vk", "ok")))
        regional = ALL.with_(municipality_ids=(REGIONAL,))
        rf = pages.RegistryFilter(org_kinds=("regional",), verified=False, include_closed=True)
        assert pages.registry_count(conn, regional, rf) == sql_count(
            conn, p.c.municipality_id.is_(None), o.c.kind == "regional", p.c.verified.is_(False))


def test_search_is_case_insensitive_in_cyrillic(big):
    with big.connect() as conn:
        everything = pd.read_sql(select(schema.page.c.title, schema.page.c.closed_on), conn)
        for needle, text in (("ёлочка", "Ёлочка"), ("ЦЕНТР", "центр"), ("юг", "ЮГ")):
            expected = int((everything["title"].str.contains(text) & everything["closed_on"].isna()).sum())
            assert expected > 1000
            assert pages.registry_count(conn, ALL, pages.RegistryFilter(search=needle)) == expected
        # URL, and a LIKE wildcard that must match literally (no page has '%' in it).
        assert pages.registry_count(conn, ALL, pages.RegistryFilter(search="/p1234", include_closed=True)) == 11
        assert pages.registry_count(conn, ALL, pages.RegistryFilter(search="%")) == 0
        found = pages.registry_page(conn, ALL, pages.RegistryFilter(search="ЁЛОЧКА"), limit=50)
        assert len(found) == 50 and found["title"].str.contains("Ёлочка").all()


def test_paging_walks_the_whole_order(big):
    nsk = ALL.with_(municipality_ids=(NOVOSIBIRSK,))
    rf = pages.RegistryFilter(search="школа")
    with big.connect() as conn:
        total = pages.registry_count(conn, nsk, rf)
        whole = pages.registry_page(conn, nsk, rf, sort="title", limit=None)
        chunks = [pages.registry_page(conn, nsk, rf, sort="title", offset=o, limit=1000)
                  for o in range(0, total, 1000)]
    assert total == len(whole) > 1000
    walked = pd.concat(chunks, ignore_index=True)
    assert list(walked["page_id"]) == list(whole["page_id"])
    assert walked["page_id"].is_unique
    assert whole["title"].is_monotonic_increasing


def test_sorting_matches_sql_order(big):
    p = schema.page
    with big.connect() as conn:
        top = pages.registry_page(conn, ALL, sort="subscribers", descending=True, limit=100)
        expected = conn.execute(select(p.c.id).where(p.c.closed_on.is_(None), p.c.last_subscribers.is_not(None))
                                .order_by(p.c.last_subscribers.desc()).limit(100)).scalars().all()
        assert list(top["subscribers"]) == sorted(top["subscribers"], reverse=True)
        # Ties in subscribers may order differently; the values at each rank must agree.
        assert list(top["subscribers"]) == conn.execute(
            select(p.c.last_subscribers).where(p.c.id.in_(expected))
            .order_by(p.c.last_subscribers.desc())).scalars().all()
        total = pages.registry_count(conn, ALL)
        tail = pages.registry_page(conn, ALL, sort="last_post_at", offset=total - 10, limit=10)
        assert tail["last_post_at"].isna().all()  # empty values last
        head = pages.registry_page(conn, ALL, sort="last_post_at", descending=True, limit=3)
        newest = conn.execute(select(func.max(p.c.last_post_at)).where(p.c.closed_on.is_(None))).scalar_one()
        assert head["last_post_at"].iloc[0] == pd.Timestamp(newest)
        first = pages.registry_page(conn, ALL, limit=5)  # default: municipality 1 first, regional last
        last = pages.registry_page(conn, ALL, offset=total - 5, limit=5)
    assert (first["municipality_id"] == 1).all() and (last["municipality_id"] == REGIONAL).all()


# -- the screens (SQLite) --------------------------------------------------------------

@pytest.fixture(scope="module")
def big_url(tmp_path_factory) -> str:
    from dashboard.core import migrate
    from dashboard.core.db import make_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('national_app') / 'national.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    build(engine)
    engine.dispose()
    return url


@pytest.fixture
def big_app(big_url, monkeypatch):
    from dashboard.core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", big_url)
    get_settings.cache_clear()
    yield big_url
    get_settings.cache_clear()


def test_registry_screen_shows_one_page_of_rows(big_app):
    from dashboard.core import formatting as fmt
    from dashboard.core.db import make_engine

    engine = make_engine(big_app)
    with engine.connect() as conn:
        open_pages = sql_count(conn, schema.page.c.closed_on.is_(None))
        second = pages.registry_page(conn, ALL, offset=pages.REGISTRY_PAGE_SIZE)
    engine.dispose()
    at = run_page(big_app, "pages/registry.py")
    assert_ok(at)
    assert f"Найдено **{fmt.num(open_pages)}** страниц." in texts(at)
    assert len(table_with(at, "Госметка")) == pages.REGISTRY_PAGE_SIZE
    at.number_input(key="reg_page").set_value(2).run()
    assert list(table_with(at, "Госметка")["Страница"]) == list(second["title"])
    at.text_input(key="q").set_value("ёлочка").run()  # a new search starts at the first page again
    assert at.number_input(key="reg_page").value == 1
    shown = table_with(at, "Госметка")
    assert len(shown) == pages.REGISTRY_PAGE_SIZE and shown["Страница"].str.contains("Ёлочка").all()


def test_profile_of_novosibirsk_lists_its_pages_in_pages(big_app):
    from dashboard.core import formatting as fmt
    from dashboard.core.db import make_engine

    engine = make_engine(big_app)
    with engine.connect() as conn:
        total = sql_count(conn, schema.page.c.closed_on.is_(None), schema.page.c.municipality_id == NOVOSIBIRSK)
    engine.dispose()
    at = run_page(big_app, "pages/municipality.py", query_params={"m": str(NOVOSIBIRSK)})
    assert_ok(at)
    assert total > 20_000
    assert f"**{fmt.num(total)}** страниц." in texts(at)
    assert len(table_with(at, "Данные на")) == pages.REGISTRY_PAGE_SIZE


def test_page_profile_offers_a_searched_page_of_the_registry(big_app):
    """Without ?page=, «Профиль страницы» offers one page of the registry (not 57 000 options),
    says how many there are, and a search narrows the choice in SQL."""
    from dashboard.core import formatting as fmt
    from dashboard.core.db import make_engine

    engine = make_engine(big_app)
    with engine.connect() as conn:
        open_pages = sql_count(conn, schema.page.c.closed_on.is_(None))
        found = select(schema.page.c.id, schema.page.c.title).where(schema.page.c.closed_on.is_(None),
                                                                     schema.page.c.title.like("%4242%"))
        found = dict(conn.execute(found.order_by(schema.page.c.id)).all())
    engine.dispose()
    at = run_page(big_app, "pages/page_profile.py")
    assert_ok(at)
    pick = at.selectbox(key="profile_page_pick")
    assert len(pick.options) == 100
    assert f"Показаны первые 100 из {fmt.num(open_pages)}: уточните поиск." in " ".join(c.value for c in at.caption)
    at.text_input(key="profile_page_search").set_value("4242").run()
    pick = at.selectbox(key="profile_page_pick")
    assert 0 < len(found) == len(pick.options) < 100
    first = next(iter(found))
    pick.set_value(first).run()
    assert_ok(at)
    assert at.title[0].value == found[first]


def test_signals_screen_pages_thousands_of_signals(big_app):
    """Tens of thousands of pages fall silent in this registry: «Сигналы» shows each severity's
    signals 20 at a time, in the order of the whole list, and the count of all of them."""
    from dashboard.core import formatting as fmt
    from dashboard.core.db import make_engine
    from dashboard.core.signals import SEVERITIES
    from queries import signals

    now = datetime(2026, 11, 28, 12, 0)
    engine = make_engine(big_app)
    with engine.connect() as conn:
        every = signals.open_signals(conn, now)
        silent = sql_count(conn, schema.page.c.closed_on.is_(None),
                           schema.page.c.last_post_at <= now - timedelta(days=14))
    engine.dispose()
    assert (every["kind"] == "silent").sum() == silent > 10_000
    at = run_page(big_app, "pages/signals.py", now=now)
    assert_ok(at)
    assert f"Открыто **{fmt.num(len(every))}** сигнала." in texts(at)  # 50 034
    sizes = every["severity"].value_counts()
    largest = sizes.idxmax()  # the silent pages' severity
    assert sizes[largest] > 10_000

    def rows(severity):
        return [m.value for m in at.markdown if f"[{SEVERITIES[severity]}]" in m.value]

    for severity, n in sizes.items():
        assert len(rows(severity)) == min(n, 20), severity
    at.number_input(key=f"signals_page_{largest}").set_value(3).run()
    shown = rows(largest)
    group = every[every["severity"] == largest]
    assert len(shown) == 20 and group.iloc[40]["text"][:20] in shown[0].replace("\\", "")
