"""Рейтинг on the fixture: November 2026. Only Новосибирский район (10 messages) and
город Новосибирск (15) reach RATING_MIN_MESSAGES; every other municipality is «мало данных».
Composite by hand (two ranked, min-max 0/100 per component, weights 40/20/20/10/10):
share in norm 2/3 > 9/14 -> район 40; median 180 > 105 min -> город 20; subs per 1000:
город (2790 on 1.63 mln) < район (320 on its population) -> район 20; photo reports
район 2/7 > город 1/12 (answers 1, 3 on page 1; 10, 25 outside) -> район 10; posts per week
-> город 10 ... the query's result is the reference: район 70, город 30."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.core import formatting as fmt
from dashboard.core.metrics import KPIS
from dashboard.presentation import charts
from tests.apptest_utils import assert_ok, display_texts, run_page, table_with, texts
from tests.fixture_data import NOW

PAGE = "pages/rating.py"
# The page's metrics to rank by, read without running the page.
RANK_METRICS = next(ast.literal_eval(n.value) for n in ast.parse(Path(PAGE).read_text(encoding="utf-8")).body
                    if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "RANK_METRICS")


# The table's room at 1024 px with the sidebar open: the main area's 564 px less its border.
LEAGUE_ROOM = 562


def fits(text: str, width: int) -> bool:
    """``text`` is whole in a column ``width`` px wide: about 7,2 px a character of the table's
    14 px font, 3,5 px a space or comma (measured in Chromium: «Место» 37 px, «Новосибирский р-н»
    121, «мало данных» 80), after the 8 px of padding on its side; the grid clips a text at the
    cell's edge, not at the padding of the other side, which keeps 4 px here for the estimate's error."""
    narrow = sum(ch in " \u00a0,." for ch in text)
    return 7.2 * (len(text) - narrow) + 3.5 * narrow + 12 <= width


def league(at):
    return table_with(at, "Сдвиг")


def test_league_table_composite(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    assert at.title[0].value == "Рейтинг муниципалитетов"
    df = league(at)
    # The columns that matter first: at 1024 px the last ones were behind a sideways scroll.
    assert list(df.columns) == ["Место", "Сдвиг", "Муниципалитет", "Баллы", "В срок", "Обращений",
                                "Надёжность"]
    assert len(df) == 35
    top = df.head(2)
    assert list(top["Муниципалитет"]) == ["Новосибирский р-н", "г. Новосибирск"]   # short: a narrow column
    assert list(top["Место"]) == [1, 2]
    assert list(top["Баллы"]) == pytest.approx([70.0, 30.0])
    assert list(top["Надёжность"]) == ["средняя", "средняя"]
    # Not ranked before (October had < 10 messages everywhere): no change shown.
    assert top["Сдвиг"].isna().all()
    rest = df.iloc[2:]
    assert rest["Баллы"].isna().all() and rest["Место"].isna().all()
    assert set(rest["Надёжность"]) == {"мало данных"}
    assert "Ранжировано: 2 из 35" in texts(at)
    # Status against the target (90 %, amber from 75 %): «Ответ в срок» of the ranked two; none for the rest.
    # Headed «В срок»: «К цели 66,7 %» read as 66,7 % of the target.
    assert list(top["В срок"]) == ["● 66,7\u00a0%", "● 64,3\u00a0%"]
    assert set(rest["В срок"]) == {""}
    assert ":red[● далеко от цели]" in texts(at)
    # Weights are shown with the method note.
    body = texts(at)
    assert "Ответ в срок — **40\u00a0%**" in body
    assert "мало данных" in body


def test_single_kpi_ranking(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.selectbox(key="metric").set_value("messages").run()
    assert_ok(at)
    df = league(at)
    assert df.columns[3] == "Всего"   # «Обращения» is the selector's choice above
    # Messages rank every municipality: 15 (город), 10 (район), 1 (Баганский), then zeros share 4th.
    assert list(df["Муниципалитет"].head(3)) == ["г. Новосибирск", "Новосибирский р-н", "Баганский р-н"]
    assert list(df["Всего"].head(4)) == [15, 10, 1, 0]
    assert list(df["Место"].head(4)) == [1, 2, 3, 4]


def test_changes_of_place_compare_the_previous_period_at_the_same_age(app_db):
    # November runs on 28.11 (19:00 local): October is taken to 28.10, 19:00 (the KPI cards'
    # «столько же дней»), when Баганский район's only October message (29.10) had not come yet.
    # October to then: город 5 messages, район 1, everyone else 0 (Баганский shares 3rd) — so
    # Баганский, 3rd now, has not moved. Against the whole of October (Баганский 1, 2nd with
    # район) it read «−1», a fall made by the two days November has not had.
    at = run_page(app_db, PAGE, now=NOW)
    at.selectbox(key="metric").set_value("messages").run()
    assert_ok(at)
    df = league(at).set_index("Муниципалитет")
    assert df.loc[["г. Новосибирск", "Новосибирский р-н", "Баганский р-н"], "Сдвиг"].tolist() == [0, 0, 0]
    assert "Изменение — к 01.10.2026 – 28.10.2026 (столько же дней)." in texts(at)


def test_median_ranking_prints_durations_as_the_cards_do(app_db):
    """The league by «Медиана ответа» printed «120» under «Медиана ответа, мин» while the
    cards say «2 ч»: now the values read as the KPI prints them and still sort as minutes."""
    import json

    at = run_page(app_db, PAGE, now=NOW)
    at.selectbox(key="metric").set_value("median_response_min").run()
    assert_ok(at)
    frame = next(f for f in at.dataframe if "Сдвиг" in json.dumps(json.loads(f.proto.columns or "{}"),
                                                                       ensure_ascii=False))
    config = json.loads(frame.proto.columns)
    assert config["value"]["label"] == "Медиана"        # the selector above names it whole
    df, text = frame.value, display_texts(frame)
    ranked = df["value"].notna()
    assert ranked.any() and df["value"].dtype.kind == "f"
    assert list(text["value"][ranked]) == [KPIS["median_response"].format(v) for v in df["value"][ranked]]
    assert list(zip(df["short_name"][ranked], df["value"][ranked], text["value"][ranked])) == [
        ("г. Новосибирск", 105.0, "1\u00a0ч 45\u00a0мин"), ("Новосибирский р-н", 180.0, "3\u00a0ч")]
    # Its target (8 h) is the median's own: the dot alone beside the value, not the value again;
    # the fixed columns fit the ~562 px the table has at 1024 px (it scrolled sideways).
    assert list(text["status_text"][ranked]) == ["●", "●"]
    assert sum(cfg["width"] for cfg in config.values() if isinstance(cfg.get("width"), int)) <= LEAGUE_ROOM
    assert all(fits(t, config["value"]["width"]) for t in text["value"])   # as measured below


def test_comparison_with_the_average(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.multiselect(key="cmp").set_value([31, 19]).run()
    assert_ok(at)
    table = table_with(at, "Ответ в срок")
    assert list(table["Муниципалитет"]) == ["город Новосибирск", "Новосибирский район",
                                            "Среднее по муниципалитетам"]
    assert list(table["Ответ в срок"])[:2] == [0.643, 0.667]   # 9/14, 2/3 as shown: 64,3 %, 66,7 %


def test_comparison_starts_with_the_urban_okrugs(app_db):
    """Without a municipality chosen the tab is not empty: the five urban okrugs and the average."""
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    names = list(table_with(at, "Ответ в срок")["Муниципалитет"])
    assert sorted(names[:5]) == ["город Бердск", "город Искитим", "город Новосибирск", "город Обь",
                                 "рабочий посёлок Кольцово"]
    assert names[5:] == ["Среднее по муниципалитетам"]


def test_comparison_starts_with_ones_own_municipality_and_its_peers(app_db):
    """With a municipality chosen (a municipality user's own) the tab starts with it and the
    municipalities of its kind closest in population, not with it alone and «Выберите хотя бы
    два муниципалитета»."""
    at = run_page(app_db, PAGE, now=NOW, query_params={"mo": "Баганский район"})
    assert_ok(at)
    assert "Выберите хотя бы два муниципалитета." not in texts(at)
    names = list(table_with(at, "Ответ в срок")["Муниципалитет"])
    assert names[0] == "Баганский район" and names[-1] == "Среднее по муниципалитетам"
    assert len(names) == 1 + 4 + 1 and all(n.endswith("район") for n in names[1:5])


def test_peers_of_the_same_kind(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.radio(key="cmp_mode").set_value("Такие же, как мой").run()
    at.selectbox(key="cmp_mine").set_value(31).run()
    assert_ok(at)
    names = list(table_with(at, "Ответ в срок")["Муниципалитет"])
    # The five urban okrugs: Новосибирск and the four others, then the average.
    assert names[0] == "город Новосибирск" and len(names) == 6
    assert set(names[1:5]) == {"город Бердск", "город Искитим", "город Обь", "рабочий посёлок Кольцово"}
    assert "городской округ" in texts(at)


def test_period_filter_changes_the_table(app_db):
    from datetime import date

    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="period").set_value("custom").run()
    at.sidebar.date_input(key="dates").set_value((date(2026, 10, 1), date(2026, 10, 31))).run()
    assert_ok(at)
    # October: 5 messages in город Новосибирск at most, nobody reaches 10.
    assert "Ранжировано: 0 из 35" in texts(at)
    assert league(at)["Баллы"].isna().all()


def test_numbers_are_numbers_and_sort_as_numbers(app_db):
    """Every numeric column of the league is numeric (a Russian format comes from the column
    configuration): sorting «Обращений» gives 15, 10, 1, 0 — not '1', '10', '15'."""
    import json

    at = run_page(app_db, PAGE, now=NOW)
    frame = next(f for f in at.dataframe if "Сдвиг" in json.dumps(json.loads(f.proto.columns or "{}"),
                                                                       ensure_ascii=False))
    config = json.loads(frame.proto.columns)
    df = frame.value
    for column in ("place", "value", "messages"):
        assert df[column].dtype.kind in "if", column
        assert config[column]["type_config"]["type"] == "number"
        assert "format" not in config[column]["type_config"]      # the texts below are shown
    assert sorted(df["messages"], reverse=True)[:4] == [15, 10, 1, 0]
    # Printed in Russian whatever the browser's language, by the same functions as the slides.
    text = display_texts(frame)
    by_messages = dict(zip(df["messages"], text["messages"]))
    assert by_messages[15] == "15" and by_messages[0] == "0"
    assert list(text["value"]) == [fmt.num(v, 1) for v in df["value"]]      # scores: «70,0», «—»
    assert text["value"][0] == "70,0" and text["value"].iloc[-1] == "—"
    # The rank change is a number too; «—» when a period lacks data.
    assert df["change"].dtype.kind == "f" and df["change"].isna().all()
    assert set(text["change"]) == {"—"}
    assert config["change"]["type_config"] == {"type": "number", "step": 1}


def test_rank_changes_are_coloured_by_sign():
    from dashboard.ui.widgets import DOWN_COLOR, UP_COLOR, _arrow_style

    assert UP_COLOR in _arrow_style(2.0) and UP_COLOR in _arrow_style(3)
    assert DOWN_COLOR in _arrow_style(-1.0)
    assert _arrow_style(0.0) == _arrow_style(float("nan")) == _arrow_style(None) == ""
    assert UP_COLOR in _arrow_style("▲ 2") and DOWN_COLOR in _arrow_style("▼ 1")


def test_league_columns_fit_their_headers_and_texts(app_db):
    """At 1366 px the league had «Изменени», «Надёжнос» and «мало данны»: every fixed-width
    column is as wide as its header and its texts (see fits); the municipality names too, short («р. п. Кольцово»:
    «рабочий посёлок Кольцово» was cut in its 176 px), the abbreviations in the header's help."""
    import json

    from tests.apptest_utils import shown

    at = run_page(app_db, PAGE, now=NOW)
    frame = next(f for f in at.dataframe if "Сдвиг" in shown(f).columns)
    config = json.loads(frame.proto.columns)
    cells = display_texts(frame)

    for col, cfg in config.items():
        if not isinstance(cfg.get("width"), int):
            continue
        assert fits(cfg["label"], cfg["width"]), (cfg["label"], cfg["width"])
        if col in cells.columns:
            longest = max(cells[col].astype(str), key=len)
            assert fits(longest, cfg["width"]), (cfg["label"], longest, cfg["width"])
    assert "мало данных" in set(cells["reliability_text"])
    assert {"р. п. Кольцово", "Усть-Таркский р-н", "г. Новосибирск"} <= set(cells["short_name"])
    assert config["short_name"]["help"] == "Сокращения: г. — город, р. п. — рабочий посёлок, р-н — район"


@pytest.mark.parametrize("metric", RANK_METRICS)
def test_league_fits_a_1024_px_screen_by_every_metric(app_db, metric):
    """At 1024 px with the sidebar open the league needed ~646 px of its 562: it scrolled sideways
    and «К цели» was behind the scroll; at 1366 px «Ответ в срок», «Публикаций в неделю» and
    «Подписчики» were cut in the value's 72 px. Now the fixed columns add up to the 562 px by every
    metric, each header is whole (the selector above and the header's help name the metric in
    full), and the columns that matter come before the sample behind the value."""
    import json

    from tests.apptest_utils import shown

    at = run_page(app_db, PAGE, now=NOW)
    at.selectbox(key="metric").set_value(metric).run()
    assert_ok(at)
    frame = next(f for f in at.dataframe if "Сдвиг" in shown(f).columns)
    config = json.loads(frame.proto.columns)
    widths = {c: cfg["width"] for c, cfg in config.items() if isinstance(cfg.get("width"), int)}
    assert list(widths) == ["place", "change", "short_name", "value", "status_text", "messages", "reliability_text"]
    assert sum(widths.values()) <= LEAGUE_ROOM, widths
    assert [cfg["label"] for c, cfg in config.items() if c in widths and not fits(cfg["label"], widths[c])] == []
    assert config["value"]["help"].startswith(f"{charts.METRICS[metric].label}: ")
    cells = display_texts(frame)
    assert [c for c in widths if c in cells and not fits(max(cells[c].astype(str), key=len), widths[c])] == []


def test_chosen_municipality_row_is_highlighted(app_db):
    """The municipality chosen in the sidebar (a municipality user's own) stands out in the
    league as its bar does in the chart beside and its row on «Карта»: a municipality looking
    for its place found it only in the bars."""
    from unittest import mock

    import streamlit as st

    from dashboard.ui import widgets
    from tests.fixture_data import NSK

    shown = {}
    real = st.dataframe

    def spy(data, *args, **kwargs):
        shown[kwargs.get("key")] = data
        return real(data, *args, **kwargs)

    with mock.patch.object(st, "dataframe", spy):
        at = run_page(app_db, PAGE, now=NOW)
        at.sidebar.selectbox(key="mo").set_value(NSK).run()
    assert_ok(at)
    styler = shown["league"]
    styler._compute()
    rows = {r for (r, _c), css in styler.ctx.items() if ("background-color", "#fde7ea") in css}
    names = styler.data["short_name"]
    assert [names[r] for r in sorted(rows)] == ["г. Новосибирск"]
    assert len({c for (r, c) in styler.ctx if r in rows}) == len(styler.data.columns)   # the whole row
    assert widgets.SELECTED_ROW.startswith("background-color: #fde7ea")


def test_a_municipality_user_compares_its_own_with_peers_among_the_rest(signed_in_app):
    """The «Мой муниципалитет» box offered all 35 to a municipality user, who sees only its
    own: now its own is fixed — no box — and the peers are chosen among the other 34."""
    at = signed_in_app("nsk@nso.ru", PAGE)
    assert_ok(at)
    picker = at.multiselect(key="cmp")
    assert picker.label == "С кем сравнить город Новосибирск (до 4)"
    assert len(picker.options) == 34 and "город Новосибирск" not in picker.options
    assert sorted(picker.value) == [32, 33, 34, 35]      # the other urban okrugs, closest in population
    names = list(table_with(at, "Ответ в срок")["Муниципалитет"])
    assert names[0] == "город Новосибирск" and names[-1] == "Среднее по муниципалитетам" and len(names) == 6
    picker.set_value([19]).run()
    assert list(table_with(at, "Ответ в срок")["Муниципалитет"]) == ["город Новосибирск", "Новосибирский район",
                                                                   "Среднее по муниципалитетам"]
    at.multiselect(key="cmp").set_value([]).run()
    assert "Выберите хотя бы один муниципалитет для сравнения." in texts(at)
    at.radio(key="cmp_mode").set_value("Такие же, как мой").run()
    assert_ok(at)
    assert not [s for s in at.selectbox if s.label == "Мой муниципалитет"]
    names = list(table_with(at, "Ответ в срок")["Муниципалитет"])
    assert names[0] == "город Новосибирск" and set(names[1:5]) == {"город Бердск", "город Искитим", "город Обь",
                                                                   "рабочий посёлок Кольцово"}
    assert ("город Новосибирск и муниципалитеты того же типа (городской округ), ближайшие по численности "
            "населения.") in texts(at)


def test_the_leadership_still_chooses_among_all_35(signed_in_app):
    at = signed_in_app("boss@nso.ru", PAGE)
    assert_ok(at)
    assert at.multiselect(key="cmp").label == "Муниципалитеты (от 2 до 5)"
    assert len(at.multiselect(key="cmp").options) == 35
    at.radio(key="cmp_mode").set_value("Такие же, как мой").run()
    assert_ok(at)
    assert len(at.selectbox(key="cmp_mine").options) == 35


def test_the_chosen_municipality_reads_its_place_where_the_page_opens(app_db):
    """A municipality (a municipality user's own) looked for its row below the method and down
    the 35 rows: its place is named beside the metric's choice, with the value the table shows."""
    at = run_page(app_db, PAGE, now=NOW, query_params={"mo": "город Новосибирск"})
    assert_ok(at)
    assert "**город Новосибирск**: 2-е место из 2 (30,0)." in texts(at)
    at.selectbox(key="metric").set_value("messages").run()
    assert "**город Новосибирск**: 1-е место из 35 (15)." in texts(at)
    at = run_page(app_db, PAGE, now=NOW, query_params={"mo": "Баганский район"})
    assert "**Баганский район**: без места — мало данных." in texts(at)
    at = run_page(app_db, PAGE, now=NOW)
    assert "-е место из" not in texts(at) and "без места" not in texts(at)


def test_how_small_samples_count_is_folded_under_its_name(app_db):
    # Eleven lines of it stood above the table and pushed it below a 1366×768 screen.
    at = run_page(app_db, PAGE, now=NOW)
    folded = [e for e in at.expander if e.label == "Как учитывается число обращений"]
    assert len(folded) == 1
    assert "байесовская оценка" in folded[0].caption[0].value
    at.selectbox(key="metric").set_value("subscribers").run()  # not a message metric: no such rule
    assert not [e for e in at.expander if e.label == "Как учитывается число обращений"]


def test_the_chosen_municipality_sees_what_its_score_is_made_of(app_db):
    """«Where am I and why»: город Новосибирск, 2nd of 2 with 30 points (the module's
    docstring): 20 for the median (the better of two), 10 for posts a week, 0 for the three
    where район is better; October ranked nobody, so nothing to compare with («—»)."""
    from tests.fixture_data import NSK

    at = run_page(app_db, PAGE, now=NOW)
    at.sidebar.selectbox(key="mo").set_value(NSK).run()
    assert_ok(at)
    df = table_with(at, "Изменение баллов")
    assert list(df["Показатель"]) == ["Ответ в срок", "Медиана первого ответа", "Подписки на 1000 жителей",
                                      "Ответы с фотоотчётом", "Публикаций в неделю"]
    assert list(df["Вес"]) == ["40\u00a0%", "20\u00a0%", "20\u00a0%", "10\u00a0%", "10\u00a0%"]
    assert list(df["Баллы"]) == ["0,0", "20,0", "0,0", "0,0", "10,0"]
    assert list(df["Сейчас"][:2]) == ["64,3\u00a0%", "1\u00a0ч 45\u00a0мин"]   # 9/14; 105 min
    assert set(df["Было"]) == {"—"} and set(df["Изменение баллов"]) == {"—"}
    assert "#### Из чего балл: город Новосибирск" in texts(at)
    assert "сумма — сводный балл (30,0)" in texts(at)
    assert "**город Новосибирск**: 2-е место из 2 (30,0)." in texts(at)   # not ranked in October: no «было»
    # Without a municipality chosen there is no such table.
    at.sidebar.selectbox(key="mo").set_value(-1).run()   # widgets.ALL
    assert all("Изменение баллов" not in f.value.columns for f in at.dataframe)


def test_the_rating_points_to_its_workbook(app_db):
    """Task «the quarter's rating as Excel for a meeting»: the page links «Отчёт», whose XLSX
    has the «Рейтинг» sheet and the period and data date on «Сведения»."""
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    links = [(e.proto.label, e.proto.page) for e in at.get("page_link")]
    assert ("Рейтинг в Excel — «Отчёт», «Таблицы XLSX»", "otchet") in links
    assert "Лист «Рейтинг»: места, баллы" in texts(at)


def test_comparison_has_a_legend_of_its_colours(app_db):
    """Stacked at 1366 px, four of six comparison charts had no names: a line of swatches
    above the grid names each colour, in the charts' order and colours, the average grey."""
    from dashboard.presentation import charts

    at = run_page(app_db, PAGE, now=NOW)
    at.multiselect(key="cmp").set_value([31, 19]).run()
    assert_ok(at)
    legend = next(m.value for m in at.markdown if "background:" in m.value and "Среднее по муниципалитетам" in m.value)
    names = ["город Новосибирск", "Новосибирский район", "Среднее по муниципалитетам"]
    assert [legend.index(n) for n in names] == sorted(legend.index(n) for n in names)
    for colour in (charts.PALETTE[0], charts.PALETTE[1], charts.NEUTRAL):
        assert f"background:{colour}" in legend
