"""The app shell: filters in the sidebar and the URL, banner, footer, start-up cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from tests.apptest_utils import assert_ok, metrics, run_page, switch_page, texts
from tests.fixture_data import NOW

MY_PAGES = ("pages/overview.py", "pages/rating.py", "pages/municipality.py", "pages/messages.py",
            "pages/registry.py", "pages/method.py")


def test_every_page_runs_with_the_shared_shell(app_db):
    for page in MY_PAGES:
        at = run_page(app_db, page, now=NOW)
        assert_ok(at)
        assert at.title, page
        # Footer in local time: meta.data_updated_at 28.11.2026 11:30 UTC = 18:30 in Novosibirsk.
        assert "Данные обновлены: 28.11.2026 18:30" in texts(at), page


def test_filters_are_hidden_where_they_do_not_apply(app_db):
    at = run_page(app_db, "pages/method.py", now=NOW)
    assert "Фильтры (на этой странице не используются)" in [e.label for e in at.sidebar.expander]
    at = run_page(app_db, "pages/overview.py", now=NOW)
    assert not at.sidebar.expander
    # The registry applies platforms and the municipality, not the period or the topic.
    at = run_page(app_db, "pages/registry.py", now=NOW)
    (box,) = at.sidebar.expander
    assert box.label == "Не действуют на этой странице"
    assert [w.label for w in box.selectbox] == ["Период", "Тема обращений"]
    assert at.sidebar.multiselect(key="pl").label == "Платформы"


def test_no_demo_banner_on_real_data(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW)
    assert not at.warning


def test_demo_banner_when_demo_flag_is_set(app_db, fixture_db):
    from dashboard.core import db, schema

    engine = db.make_engine(fixture_db)
    with engine.begin() as conn:
        db.set_meta(conn, schema.META_DEMO, "1")
    try:
        at = run_page(app_db, "pages/rating.py", now=NOW)
        assert [w.value for w in at.warning] == [
            "Демонстрационные данные: цифры сгенерированы и не являются реальными"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM meta WHERE key = :k"), {"k": schema.META_DEMO})
        engine.dispose()


def test_url_parameters_reproduce_the_view(app_db):
    # Bound widgets store the option's label in the URL.
    at = run_page(app_db, "pages/overview.py", now=NOW,
                  query_params={"pl": "ВКонтакте", "mo": "город Новосибирск"})
    assert_ok(at)
    f = at.session_state["filters"]
    assert (f.platforms, f.municipality_ids) == (("vk",), (31,))
    # Novosibirsk's VK pages 1 and 8: subscribers 1400 + 420; messages on them 9 + 1.
    m = metrics(at)
    assert (m["Госпаблики"], m["Подписчики"], m["Обращения"]) == ("2", "1\u00a0820", "10")


def test_filters_are_kept_across_pages(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW)
    at.sidebar.multiselect(key="pl").set_value(["vk"]).run()
    switch_page(at, "pages/messages.py").run()
    assert_ok(at)
    assert at.sidebar.multiselect(key="pl").value == ["vk"]
    assert metrics(at)["Обращения"] == "20"


def test_custom_period(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW)
    at.sidebar.selectbox(key="period").set_value("custom").run()
    at.sidebar.date_input(key="dates").set_value((date(2026, 10, 1), date(2026, 10, 31))).run()
    assert_ok(at)
    assert "Период: октябрь 2026" in texts(at)
    assert metrics(at)["Обращения"] == "8"  # messages 101-108


def test_custom_period_with_only_its_first_day_picked_says_how_to_finish(app_db):
    """After the first click in the calendar the field holds one day and the pages show it; the
    sidebar said only «01.10.2026 – 01.10.2026», as if a period had been chosen."""
    at = run_page(app_db, "pages/overview.py", now=NOW)
    at.sidebar.selectbox(key="period").set_value("custom").run()
    at.sidebar.date_input(key="dates").set_value((date(2026, 10, 1),)).run()
    assert_ok(at)
    assert [c.value for c in at.sidebar.caption if "01.10.2026" in c.value] == [
        "01.10.2026 — один день. Чтобы задать период, выберите в календаре и его последний день."]
    assert "Период: 01.10.2026" in texts(at)
    at.sidebar.date_input(key="dates").set_value((date(2026, 10, 1), date(2026, 10, 31))).run()
    assert [c.value for c in at.sidebar.caption if "01.10.2026" in c.value] == ["01.10.2026 – 31.10.2026"]


def test_regional_bodies_filter(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW)
    at.sidebar.selectbox(key="mo").set_value(0).run()
    # Regional page 9 (page 10 closed in October): 5200 subscribers, messages 14 and 15.
    m = metrics(at)
    assert (m["Госпаблики"], m["Подписчики"], m["Обращения"]) == ("1", "5\u00a0200", "2")


def test_database_down_gives_a_russian_error(monkeypatch):
    from dashboard.core.settings import get_settings

    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/nowhere?connect_timeout=2"
    monkeypatch.setenv("DATABASE_URL", url)  # restored after the test
    at = run_page(url, "pages/overview.py")
    get_settings.cache_clear()
    assert not at.exception
    assert len(at.error) == 1 and "База данных недоступна" in at.error[0].value
    assert "secret" not in at.error[0].value
    assert not at.title


def _fact_counts(url: str) -> dict[str, int]:
    from dashboard.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("organisation", "page", "page_stats", "message", "msg_daily", "subs_daily")}
            counts["meta_demo"] = conn.execute(text("SELECT count(*) FROM meta WHERE key = 'demo'")).scalar()
        return counts
    finally:
        engine.dispose()


def test_empty_database_stays_empty_and_shows_onboarding(tmp_path, monkeypatch):
    from dashboard.core.settings import get_settings
    from dashboard.ui import startup

    url = f"sqlite:///{tmp_path / 'empty.db'}"   # not even migrated
    monkeypatch.setenv("DATABASE_URL", url)  # restored after the test
    for page in ("pages/overview.py", "pages/rating.py", "pages/registry.py"):
        at = run_page(url, page)
        assert_ok(at)
        assert [t.value for t in at.title] == [startup.ONBOARDING_TITLE], page
        shown = texts(at)
        assert "Импорт выгрузок ЦУР" in shown and "Сбор через API" in shown
        commands = "\n".join(c.value for c in at.code)
        assert "python -m dashboard import pages" in commands and "python -m dashboard collect vk" in commands
        assert not at.toast and not at.warning  # no demo label: there is no demo data
    get_settings.cache_clear()
    # The schema was created (the app upgrades it), but not one row of data was written.
    assert _fact_counts(url) == {"organisation": 0, "page": 0, "page_stats": 0, "message": 0,
                                 "msg_daily": 0, "subs_daily": 0, "meta_demo": 0}


def test_data_and_method_pages_work_on_an_empty_database(tmp_path, monkeypatch):
    from dashboard.core.settings import get_settings

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for page, title in (("pages/data.py", "Данные"), ("pages/method.py", "Методика")):
        at = run_page(url, page)
        assert_ok(at)
        assert at.title[0].value == title
    get_settings.cache_clear()
