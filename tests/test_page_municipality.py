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


def _trend_against_oblast(at):
    """The «Ответ в срок» chart's rows, one per bucket (its first layer's data: every bucket
    keeps its place on the axis), and its spec."""
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for e in at.get("vega_lite_chart"):
        spec = json.loads(e.proto.spec)
        if "oblast_share" not in json.dumps(spec):
            continue
        data = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data) for d in e.proto.datasets}
        return data[spec["layer"][0]["data"]["name"]], spec
    raise AssertionError("no «Ответ в срок» chart with the oblast's line")


def test_timeliness_trend_against_the_oblast(app_db):
    """«Ответ в срок» of город Новосибирск per day of November, the oblast's share beside it:
    both as queries.series.messages_series gives them (the oblast: the same filters without the
    municipality), every day of the period a row — none where a day had no messages due (a gap,
    not a dropped day); the tooltip prints both and the difference in п.п."""
    import pandas as pd
    import sqlalchemy as sa

    from dashboard.presentation import charts
    from queries import series
    from tests.fixture_data import NOV

    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(NSK).run()
    assert_ok(at)
    assert "Ответ в срок" in texts(at) and "серая линия — вся область" in texts(at)
    rows, spec = _trend_against_oblast(at)
    with sa.create_engine(app_db).connect() as conn:
        mine = series.messages_series(conn, NOV.with_(municipality_ids=(NSK,)), "day", now=NOW)
        oblast = series.messages_series(conn, NOV, "day", now=NOW)
    assert len(rows) == 30 and list(rows["period_label"]) == [f"{d:%d.%m.%Y}" for d in mine["period"]]
    pd.testing.assert_series_equal(rows["share_in_norm"].astype(float), mine["share_in_norm"].astype(float),
                                   check_names=False)
    pd.testing.assert_series_equal(rows["oblast_share"].astype(float), oblast["share_in_norm"].astype(float),
                                   check_names=False)
    # By hand, 09.11: Новосибирск 1 message, answered in the norm (1 of 1); the oblast 2, one
    # of them in the norm (message 8 of Новосибирский район was not): 100 % against 50 %.
    day = rows.set_index("x_label").loc["09.11"]
    assert (day["in_norm"], day["due"], day["share_in_norm"], day["oblast_share"]) == (1, 1, 1.0, 0.5)
    assert day["gap_label"] == "+50,0\u00a0п.п."
    assert day["oblast_label"] == "50,0\u00a0% из 2 обращений, срок ответа по которым наступил — мало данных"
    # One message due: fewer than the KPI's minimum, a hollow point.
    assert day["sample_kind"] == charts.FEW_LABELS[1]
    # 27.11: the oblast's one message is not due yet: no share (a gap in its line), its row kept
    # and lighter; 01.11 and the weekends had no messages anywhere.
    gaps = rows[rows["oblast_share"].isna()]
    assert list(gaps["x_label"]) == ["01.11", "07.11", "08.11", "14.11", "15.11", "20.11", "22.11", "25.11", "27.11",
                                    "29.11", "30.11"]
    assert rows.set_index("x_label").loc["27.11", "oblast_lighter"]
    tooltip = {t["title"] for t in spec["layer"][0]["encoding"]["tooltip"]}
    assert {"Ответ в срок", "Вся область", "Разница с областью"} <= tooltip


def test_the_oblast_line_keeps_the_platform_filter(app_db):
    """Like for like: with «Одноклассники» chosen the oblast's line is the oblast's OK pages,
    not all of them."""
    import sqlalchemy as sa

    from queries import series
    from tests.fixture_data import NOV

    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(NSK).run()
    at.sidebar.multiselect(key="pl").set_value(["ok"]).run()
    assert_ok(at)
    rows, _ = _trend_against_oblast(at)
    with sa.create_engine(app_db).connect() as conn:
        ok = series.messages_series(conn, NOV.with_(platforms=("ok",)), "day", now=NOW)
        every = series.messages_series(conn, NOV, "day", now=NOW)
    shown = [None if v != v else v for v in rows["oblast_share"]]
    assert shown == [None if v != v else v for v in ok["share_in_norm"]]
    assert shown != [None if v != v else v for v in every["share_in_norm"]]
