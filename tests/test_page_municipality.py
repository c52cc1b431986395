"""Муниципалитет on the fixture, November 2026 (figures by hand in tests/test_queries_*.py)."""

from __future__ import annotations

from tests.apptest_utils import (
    assert_ok,
    metrics,
    run_page,
    switch_page,
    table_with,
    texts,
)
from tests.fixture_data import NOW, NSK

PAGE = "pages/municipality.py"


def test_profile_of_novosibirsk(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(31).run()
    assert_ok(at)
    assert at.title[0].value == "город Новосибирск"
    m = metrics(at)
    # Pages 1, 2, 3, 4, 8: subscribers 1400 + 540 + 80 + 350 + 420; messages 9 + 3 + 2 + 1.
    assert m["Подписчики"] == "2\u00a0790"
    assert m["Обращения"] == "15"
    assert m["Место в рейтинге"] == "2 из 2"
    assert m["Просрочено без ответа"] == "2"  # messages 17 and 18
    pages = table_with(at, "Госметка")
    assert sorted(pages["Страница"]) == ["Страница 1", "Страница 2", "Страница 3", "Страница 4", "Страница 8"]
    assert list(pages.loc[pages["Страница"] == "Страница 1", "Подписчики"]) == [1400]
    # As in «Реестр»: the name and its profile link first (at 1366 px «Профиль» was off screen).
    assert list(pages.columns[:3]) == ["Страница", "Профиль", "Платформа"]


def test_without_a_municipality_the_page_asks_for_one_and_has_no_selector_of_its_own(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    assert at.title[0].value == "Муниципалитет"
    assert "выберите в фильтре «Муниципалитет» слева" in at.info[0].value
    assert [s.key for s in at.selectbox if s.key not in ("period", "mo", "topic")] == []
    assert not at.metric


def test_without_a_municipality_the_page_lists_them_to_pick(app_db):
    """Not an empty page: the 35 names by kind; a click sets the sidebar's filter (the one
    selection) and opens the profile."""
    at = run_page(app_db, PAGE, now=NOW)
    picks = [b for b in at.button if str(b.key).startswith("pick_")]
    assert len(picks) == 35
    assert "Городские округа" in texts(at) and "Муниципальные районы" in texts(at)
    at.button(key=f"pick_{NSK}").click().run()
    assert_ok(at)
    assert at.title[0].value == "город Новосибирск"
    assert at.sidebar.selectbox(key="mo").value == NSK


def test_chip_names_the_filter_and_clears_it(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(1).run()
    assert "Выбран муниципалитет: **Баганский район**" in texts(at)
    at.button(key="chip_clear").click().run()
    assert_ok(at)
    assert at.sidebar.selectbox(key="mo").value == -1  # «Все муниципалитеты»
    assert at.title[0].value == "Муниципалитет"


def test_opened_by_url_parameter(app_db):
    # The map opens a profile with st.switch_page(..., query_params={"m": id}).
    at = run_page(app_db, "pages/overview.py", now=NOW)
    at.query_params["m"] = "19"
    switch_page(at, PAGE).run()
    assert_ok(at)
    assert at.title[0].value == "Новосибирский район"
    assert at.sidebar.selectbox(key="mo").value == 19 and at.query_params["m"] == "19"
    m = metrics(at)
    # Pages 5 and 6: 220 + 100 subscribers; messages 10, 11, 12, 19, 23-28.
    assert (m["Подписчики"], m["Обращения"], m["Место в рейтинге"]) == ("320", "10", "1 из 2")


def test_url_parameter_on_first_load(app_db, fixture_db):
    from tests.apptest_utils import new_app

    at = new_app(fixture_db, {"m": "1"}, NOW)
    at.run()
    switch_page(at, PAGE).run()
    assert_ok(at)
    assert at.title[0].value == "Баганский район"
    assert metrics(at)["Место в рейтинге"] == "мало данных"  # 1 message


def test_platform_filter_changes_the_profile(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(31).run()
    at.sidebar.multiselect(key="pl").set_value(["ok"]).run()
    assert_ok(at)
    m = metrics(at)
    # Novosibirsk's OK page 2: 540 subscribers; messages 6, 7, 18.
    assert (m["Подписчики"], m["Обращения"]) == ("540", "3")
    assert list(table_with(at, "Госметка")["Страница"]) == ["Страница 2"]


def test_follows_the_shared_municipality_filter(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(19).run()
    assert_ok(at)
    assert at.title[0].value == "Новосибирский район"


def test_link_does_not_override_a_later_choice(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW)
    at.query_params["m"] = "19"
    switch_page(at, PAGE).run()
    at.sidebar.selectbox(key="mo").set_value(1).run()  # ?m=19 is still in the URL at this point
    assert at.title[0].value == "Баганский район"
    switch_page(at, "pages/overview.py").run()
    at.query_params["m"] = "19"  # the map links to Новосибирский район again
    switch_page(at, PAGE).run()
    assert at.title[0].value == "Новосибирский район"
