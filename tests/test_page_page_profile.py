"""Профиль страницы on the fixture: page 1 (VK, мэрия Новосибирска), November 2026 at NOW."""

from __future__ import annotations

import json

import pytest

from dashboard.core import formatting as fmt
from tests.apptest_utils import assert_ok, metrics, run_page, table_with, texts
from tests.fixture_data import NOW

PAGE = "pages/page_profile.py"


def test_profile_of_page_1(app_db):
    at = run_page(app_db, PAGE, now=NOW, query_params={"page": "1"})
    assert_ok(at)
    assert at.title[0].value == "Страница 1"
    m = metrics(at)
    # Snapshots 01.11, 16.11, 30.11: posts 15 + 14 + 16; (likes 450 + reposts 25 + comments 90)
    # / 45 posts / 1 400 subscribers = 0,897 %.
    assert m["Подписчики"] == fmt.num(1400)
    assert m["Публикации"] == "45"
    assert m["ER (вовлечённость)"] == "0,90\u00a0%"
    # Messages 1-5, 16, 17, 20, 21; due: all but 20 (not yet due); within 24 h: 1, 2, 3, 4, 16, 21.
    assert m["Обращения"] == "9"
    assert m["Ответ в срок"] == "75,0\u00a0%"
    assert m["Госметка"] == "есть"
    weeks = table_with(at, "Неделя с")
    assert [d.strftime("%d.%m.%Y") for d in weeks["Неделя с"]] == [
        "26.10.2026", "02.11.2026", "09.11.2026", "16.11.2026", "23.11.2026", "30.11.2026"]
    assert "Серым — неполные недели" in texts(at)
    assert list(weeks["Публикации"]) == [15, 0, 0, 14, 0, 16]
    assert list(weeks["Обращения"]) == [0, 5, 0, 1, 3, 0]
    assert list(weeks["Подписчики"]) == [1200, 1200, 1200, 1300, 1300, 1400]
    # Week of 02.11: messages 1-5, within the norm 1-4 of 5 due.
    assert weeks.iloc[1]["Ответ в срок"] == pytest.approx(0.8)
    assert "Последняя публикация: 27.11.2026 12:00" in texts(at)


def test_profile_shows_the_pages_signals(app_db):
    at = run_page(app_db, PAGE, now=NOW, query_params={"page": "6"})
    assert_ok(at)
    assert at.title[0].value == "Страница 6"
    assert metrics(at)["Госметка"] == "нет"
    body = "\n".join(m.value.replace("\\", "") for m in at.markdown)
    assert "нет публикаций 27 дней" in body and "нет госметки на обязательной странице" in body


def test_without_a_page_offers_a_choice(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    assert at.title[0].value == "Профиль страницы"
    pick = at.selectbox(key="profile_page_pick")
    assert len(pick.options) == 9  # open pages
    pick.set_value(5).run()
    assert at.title[0].value == "Страница 5"

    at = run_page(app_db, PAGE, now=NOW, query_params={"page": "999"})
    assert_ok(at)
    assert "Страницы с номером 999 нет в реестре." in [w.value for w in at.warning]


def test_a_page_number_that_is_not_a_number_is_said(app_db):
    at = run_page(app_db, PAGE, now=NOW, query_params={"page": "12**x**"})
    assert_ok(at)
    assert [w.value for w in at.warning if "ссылке" in w.value] == [
        "В ссылке номер страницы «12\\*\\*x\\*\\*» не распознан: выберите страницу в списке."]
    assert at.selectbox(key="profile_page_pick").value is None


def test_weekly_table_holds_numbers_and_dates(app_db):
    """The «По неделям» table keeps numbers and dates (Russian format from the column
    configuration): its numeric columns sort as numbers, weeks as dates."""
    at = run_page(app_db, PAGE, now=NOW, query_params={"page": "1"})
    frame = next(f for f in at.dataframe if "week_date" in json.loads(f.proto.columns or "{}"))
    config, df = json.loads(frame.proto.columns), frame.value
    numeric = ("subscribers", "posts", "views", "likes", "comments", "reposts", "er", "messages", "share_in_norm")
    for column in numeric:
        assert df[column].dtype.kind in "if", column
        assert config[column]["type_config"]["type"] == "number", column
    assert config["week_date"]["type_config"] == {"type": "date", "format": "DD.MM.YYYY"}
    assert df["week_date"].dtype.kind == "M"
    assert sorted(df["posts"], reverse=True)[:3] == [16, 15, 14]          # not '16', '15', '14', '0'
    assert list(df.sort_values("week_date")["week_date"]) == list(df["week_date"])


def test_weekly_table_fits_the_section_at_1366(app_db):
    """At 1366 px with the sidebar open the section holds ~874 px: the fixed columns (882 px)
    scrolled sideways and cut «Ответ в срок»; each still as wide as its header (about 7,2 px a
    character and 16 of padding, as measured for «Рейтинг»)."""
    at = run_page(app_db, PAGE, now=NOW, query_params={"page": "1"})
    frame = next(f for f in at.dataframe if "week_date" in json.loads(f.proto.columns or "{}"))
    config = json.loads(frame.proto.columns)
    widths = {c: cfg["width"] for c, cfg in config.items() if isinstance(cfg.get("width"), int)}
    assert len(widths) == 10 and sum(widths.values()) <= 866
    assert all(7.2 * len(config[c]["label"]) + 16 <= w for c, w in widths.items()), widths


def test_the_organisation_is_not_the_title_again(tmp_path, monkeypatch):
    """A ministry's page is named as the ministry: the line under the title read «ВКонтакте ·
    Региональные органы власти · Министерство …», the title again; it is left out then."""
    from sqlalchemy import update

    from dashboard.core import schema
    from dashboard.core.db import make_engine
    from dashboard.core.settings import get_settings
    from tests.apptest_utils import fixture_db_url

    url = fixture_db_url(tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:   # page 1 of «Мэрия города Новосибирска», named as it
        conn.execute(update(schema.page).where(schema.page.c.id == 1).values(title="Мэрия города Новосибирска"))
        conn.execute(update(schema.page).where(schema.page.c.id == 2).values(title="Мэрия в Одноклассниках"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        at = run_page(url, PAGE, now=NOW, query_params={"page": "1"})
        assert_ok(at)
        assert at.title[0].value == "Мэрия города Новосибирска"
        assert "ВКонтакте · город Новосибирск" in [m.value for m in at.markdown]
        at = run_page(url, PAGE, now=NOW, query_params={"page": "2"})
        assert "Одноклассники · город Новосибирск · Мэрия города Новосибирска" in [m.value for m in at.markdown]
    finally:
        get_settings.cache_clear()
