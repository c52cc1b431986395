"""Обращения on the fixture, November 2026, norm 24 calendar hours, NOW = 28.11 19:00 local."""

from __future__ import annotations

from unittest import mock

from tests.apptest_utils import assert_ok, display_texts, metrics, run_page, table_with, texts
from tests.fixture_data import NOW

PAGE = "pages/messages.py"


def test_cards(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    assert at.title[0].value == "Обращения жителей"
    assert metrics(at) == {
        "Обращения": "28",
        "Доля с ответом": "78,6\u00a0%",
        "Ответ в срок": "69,2\u00a0%",
        "Медиана первого ответа": "2\u00a0ч",
        "Просрочено без ответа": "2",
        "Ответы с фотоотчётом": "18,2\u00a0%",
    }
    # The histogram's shares (of all 28) and the card's (of those due) differ: it says so.
    assert ("Доли — от всех обращений; «Ответ в срок» — от тех, чей срок ответа наступил"
            in texts(at))


def test_overdue_list_has_no_resident_data(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    od = table_with(at, "Просрочено на")
    # 17 received Mon 23.11 10:00, due 24.11 10:00 -> 105 h late; 18 received 26.11 10:00 -> 33 h.
    assert [t.strftime("%d.%m.%Y %H:%M") for t in od["Поступило"]] == ["23.11.2026 10:00", "26.11.2026 10:00"]
    assert list(od["Просрочено на"]) == [105 * 60, 33 * 60]     # minutes: sorted as numbers
    # … printed as durations, as the signals and the cards print them: «289» hours read as a count.
    from tests.apptest_utils import display_texts

    frame = next(d for d in at.dataframe if "minutes_overdue" in d.value.columns)
    assert list(display_texts(frame)["minutes_overdue"]) == ["4\u00a0дн 9\u00a0ч", "33\u00a0ч"]
    assert list(od["Страница"]) == ["Страница 1", "Страница 2"]
    assert list(od["Тема"]) == ["Дороги", "Дороги"]
    # The charts' short names: the full ones were cut at 1366 px.
    assert list(od["Муниципалитет"]) == ["г. Новосибирск", "г. Новосибирск"]   # «город Новосибирск»
    assert list(od.columns) == ["Поступило", "Просрочено на", "Муниципалитет", "Страница", "Открыть",
                                "Тема", "Статус"]   # «Открыть» names the host: vk.com, ok.ru
    assert "**2** обращения." in texts(at)


def test_short_overdue_list_has_no_empty_rows(app_db):
    """Two overdue messages get a table of two rows, not 400 px of empty ones below them."""
    import streamlit as st

    heights = {}
    real = st.dataframe

    def spy(*args, **kwargs):
        heights[kwargs.get("key")] = kwargs.get("height")
        return real(*args, **kwargs)

    with mock.patch.object(st, "dataframe", spy):
        at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    assert heights["overdue"] == 35 * (2 + 1) + 3   # a header and two rows


def test_platform_summary_and_filter(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    plat = table_with(at, "Медиана первого ответа")
    assert dict(zip(plat["Платформа"], plat["Обращений"]))["ВКонтакте"] == 20
    assert plat["Ответ в срок"].dtype.kind == "f" and plat["Страниц"].dtype.kind in "iu"
    # Printed in Russian by the server, «—» where there is nothing to show (Telegram: no messages).
    frame = next(f for f in at.dataframe if "median_response_min" in f.value.columns)
    text = display_texts(frame).set_index(frame.value["platform_label"])
    assert text.loc["ВКонтакте", "messages"] == "20"
    assert text.loc["Telegram", "share_in_norm"] == text.loc["Telegram", "median_response_min"] == "—"
    # Medians as the KPI card prints them (120, 150 and 12 minutes), not «120» under «мин».
    assert (text.loc["ВКонтакте", "median_response_min"], text.loc["Одноклассники", "median_response_min"],
            text.loc["MAX", "median_response_min"]) == ("2\u00a0ч", "2\u00a0ч 30\u00a0мин", "12\u00a0мин")
    assert list(frame.value["median_response_min"].iloc[:3]) == [120, 150, 12]   # numbers: sorted as numbers
    assert frame.proto.placeholder == "—"          # what the grid draws in an empty cell
    at.sidebar.multiselect(key="pl").set_value(["ok"]).run()
    assert_ok(at)
    # OK pages 2 and 6: messages 6, 7, 18 and 12, 25, 26; page 10 closed.
    assert metrics(at)["Обращения"] == "6"
    od = table_with(at, "Просрочено на")
    assert list(od["Страница"]) == ["Страница 2"]


def test_no_overdue_says_so(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(1).run()  # Баганский район: one answered message
    assert_ok(at)
    assert [s.value for s in at.success] == ["Просроченных обращений нет."]


def test_overdue_list_of_one_municipality_has_no_municipality_column(app_db):
    """With one municipality chosen (a municipality user's own) the list does not repeat its
    name in every row: the page titles get that width."""
    import json

    from tests.fixture_data import NSK

    at = run_page(app_db, PAGE, now=NOW, query_params={"mo": "город Новосибирск"})
    assert_ok(at)
    assert at.session_state["filters"].municipality_ids == (NSK,)
    od = table_with(at, "Просрочено на")
    assert list(od.columns) == ["Поступило", "Просрочено на", "Страница", "Открыть", "Тема", "Статус"]
    assert list(od["Страница"]) == ["Страница 1", "Страница 2"]
    config = next(json.loads(d.proto.columns) for d in at.dataframe if "minutes_overdue" in json.loads(d.proto.columns))
    assert config["page_title"]["width"] == 193 + 140


def test_topics_of_a_short_period_are_by_days(app_db):
    """Seven days by weeks were two partial weeks (6 days and 1): a plunge that never was.
    Up to two weeks «По темам» is by days; a month stays by weeks."""
    at = run_page(app_db, PAGE, now=NOW)
    assert "Пять крупнейших тем, по неделям" in texts(at)
    at.sidebar.selectbox(key="period").set_value("7d").run()
    assert_ok(at)
    assert "Пять крупнейших тем, по дням" in texts(at)
