"""AppTest of «Карта» on the fixture database: legend, ranking, metric choice, click to profile.

``st_folium`` is a custom component AppTest cannot draw: it is patched to record the map
it gets and to return what a click in the browser would (tests/test_browser.py clicks
for real)."""

from __future__ import annotations

import json
import re
from unittest import mock

import pandas as pd
import pytest

from dashboard.core import formatting as fmt
from dashboard.core.reference_data import short_name
from tests.apptest_utils import assert_ok, display_texts, run_page, texts
from tests.fixture_data import BAGAN, NOV, NSK, NSK_DISTRICT, OCT

PAGE = "pages/map.py"
PROFILE = "pages/municipality.py"
NBSP = "\u00a0"


class FakeStFolium:
    """Stands in for streamlit_folium.st_folium: keeps the maps, returns a preset value."""

    def __init__(self, value=None):
        self.value = value
        self.maps = []

    def __call__(self, fig, **kwargs):
        self.maps.append((fig, kwargs))
        return self.value


def click_on(municipality_id: int) -> dict:
    """What st_folium returns after a click on a municipality's polygon."""
    return {"last_active_drawing": {"type": "Feature", "geometry": None,
                                    "properties": {"municipality_id": municipality_id}}}


def set_period(at, f, fake) -> None:
    """Pick ``f``'s dates in the sidebar (custom period)."""
    with mock.patch("streamlit_folium.st_folium", fake):
        at.sidebar.selectbox(key="period").set_value("custom").run()
        at.sidebar.date_input(key="dates").set_value((f.start, f.end)).run()


def open_map(url, fake, query_params=None):
    with mock.patch("streamlit_folium.st_folium", fake):
        return run_page(url, PAGE, query_params)


def polygon_properties(fake) -> dict[int, dict]:
    """municipality_id -> feature properties of the polygons on the last map drawn."""
    fig, _ = fake.maps[-1]
    html = fig.get_root().render()
    html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), html)
    layer = json.loads(re.search(r"_add\((\{\"features\".*?\})\);", html).group(1))
    return {f["properties"]["municipality_id"]: f["properties"] for f in layer["features"]}


def ranking_rows(at) -> list[list]:
    df = at.dataframe[0].value
    data = df.data if hasattr(df, "data") else df  # a Styler or a DataFrame
    return data[["place", "name", "value"]].astype(object).values.tolist()


def test_map_draws_35_municipalities_with_legend_and_ranking(app_db):
    fake = FakeStFolium()
    at = open_map(app_db, fake)
    assert_ok(at)
    assert at.title[0].value == "Карта"
    props = polygon_properties(fake)
    assert sorted(props) == list(range(1, 36))
    _, kwargs = fake.maps[-1]
    assert kwargs["key"] and "last_active_drawing" in kwargs["returned_objects"]
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    # Classes against the target (90 %, amber from 75 %); no unit after the name ('Ответ в срок, %').
    assert '<span class="map-legend-title">Ответ в срок</span>' in legend
    assert "от 90,0\xa0% — цель" in legend and "ниже 75,0\xa0%" in legend
    assert "цель:" not in legend   # the classes name the target once, in the KPI's format
    assert len(at.dataframe[0].value) == 35


def test_ranking_names_fit_their_column(app_db):
    """The ranking beside the map prints the short names («р. п. Кольцово», «Усть-Таркский
    р-н»), each within the column's 170 px (7,2 px a character, 16 px padding): «рабочий
    посёлок Кольцово» was cut; the header's help spells the abbreviations out."""
    at = open_map(app_db, FakeStFolium())
    assert_ok(at)
    names = [n for _p, n, _v in ranking_rows(at)]
    config = json.loads(at.dataframe[0].proto.columns)["name"]
    assert {"р. п. Кольцово", "Усть-Таркский р-н", "г. Новосибирск"} <= set(names) and len(set(names)) == 35
    assert all(7.2 * len(n) + 16 <= config["width"] for n in names), max(names, key=len)
    assert config["help"] == "Сокращения: г. — город, р. п. — рабочий посёлок, р-н — район"


@pytest.mark.parametrize("period", [NOV, OCT], ids=["nov", "oct"])
def test_values_on_the_map_equal_the_query(app_db, period):
    """Feature labels and the ranking show queries.breakdowns.by_municipality for the
    sidebar's period, formatted; another period shows other numbers."""
    from dashboard.core.db import make_engine
    from dashboard.presentation import maps
    from queries import breakdowns

    fake = FakeStFolium()
    at = open_map(app_db, fake)
    set_period(at, period, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.button_group(key="metric").set_value("messages").run()
    assert_ok(at)
    assert at.caption[0].value == f"Период: {period.period.label()}"
    engine = make_engine(app_db)
    with engine.connect() as conn:
        expected = breakdowns.by_municipality(conn, period).set_index("municipality_id")["messages"]
        other = breakdowns.by_municipality(conn, OCT if period is NOV else NOV)
    assert other.set_index("municipality_id")["messages"][NSK] != expected[NSK]
    engine.dispose()
    props = polygon_properties(fake)
    for mid in (NSK, NSK_DISTRICT, BAGAN):
        assert props[mid]["value_label"] == maps.METRICS["messages"].format(expected[mid])
    assert expected[NSK] > 0
    rows = ranking_rows(at)
    assert rows[0][1] == short_name(props[int(expected.drop(0).idxmax())]["name"])   # «г. Новосибирск»
    assert rows[0][2] == expected.drop(0).max()       # a number: sorts as a number


def test_metric_choice_changes_legend_and_table(app_db):
    fake = FakeStFolium()
    at = open_map(app_db, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.button_group(key="metric").set_value("median_response_min").run()
    assert_ok(at)
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    # Values are in ч/дн: the legend says no «мин»; classes respect the target and the norm (24 h).
    assert '<span class="map-legend-title">Медиана первого ответа</span>' in legend and "мин" not in legend
    assert "до 8\xa0ч — цель" in legend and "больше 24\xa0ч" in legend
    rows = ranking_rows(at)
    # Median minutes as numbers (sorted as numbers), printed as the cards print them
    # («1 ч 45 мин», not «105»); no data: empty.
    known = [v for _p, _n, v in rows if not pd.isna(v)]
    assert known and all(isinstance(v, float) and v == round(v) for v in known)
    shown = display_texts(at.dataframe[0])["value"]
    assert [t for t, (_p, _n, v) in zip(shown, rows) if not pd.isna(v)] == [fmt.duration(v) for v in known]
    header = json.loads(at.dataframe[0].proto.columns)["value"]
    assert header["label"] == "Медиана" and 7.2 * len(header["label"]) + 16 <= header["width"]
    placed = [v for p, _n, v in rows if not pd.isna(p)]
    assert len(placed) >= 2 and placed == sorted(placed)   # faster first
    # Fewer messages than the rating's threshold (10 under the tests): a value, no place, after.
    few = [(n, v) for p, n, v in rows if pd.isna(p) and not pd.isna(v)]
    assert [r[2] for r in rows[:len(placed)]] == placed and few
    assert "меньше 10 обращений за период" in texts(at)


def test_click_on_a_municipality_opens_its_profile(app_db):
    fake = FakeStFolium(click_on(NSK_DISTRICT))
    at = open_map(app_db, fake)
    assert_ok(at)
    m = at.query_params.get("m")
    assert (m[0] if isinstance(m, list) else m) == str(NSK_DISTRICT)
    assert "Новосибирский район" in at.title[0].value


def test_no_click_stays_on_the_map(app_db):
    fake = FakeStFolium({"last_active_drawing": None})
    at = open_map(app_db, fake)
    assert_ok(at)
    assert at.title[0].value == "Карта"
    assert "m" not in at.query_params


def test_agglomeration_view_is_passed_to_the_map(app_db):
    from dashboard.presentation import maps

    fake = FakeStFolium()
    at = open_map(app_db, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.button_group(key="view").set_value("agglomeration").run()
    assert_ok(at)
    html = fake.maps[-1][0].get_root().render()
    bounds = json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html).group(1))
    assert bounds == maps.view_bounds("agglomeration")
    assert len(polygon_properties(fake)) == 35


def test_legend_has_no_doubled_unit(app_db):
    fake = FakeStFolium()
    at = open_map(app_db, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.button_group(key="metric").set_value("subs_per_1000").run()
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    assert '<span class="map-legend-title">Подписки на 1000 жителей</span>' in legend
    assert "на 1000 жит." not in legend and "темнее — лучше" in legend


def test_chosen_municipality_is_outlined_on_the_map(app_db):
    """(The ranking's highlighted row is a style, which AppTest drops: the browser test sees it.)"""
    fake = FakeStFolium()
    at = open_map(app_db, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.sidebar.selectbox(key="mo").set_value(NSK).run()
    assert_ok(at)
    props = polygon_properties(fake)
    assert props[NSK]["selected"] is True and not any(p["selected"] for m, p in props.items() if m != NSK)


def test_small_samples_are_marked_on_the_map_and_in_the_legend(app_db):
    """A municipality below the rating's threshold (10 messages in the tests) keeps its value
    on the map but is drawn pale in a dashed border, its tooltip says «мало данных: N
    обращений», and the legend explains the mark; those at or above it are drawn as before."""
    from dashboard.core.db import make_engine
    from dashboard.presentation import maps
    from queries import breakdowns

    fake = FakeStFolium()
    at = open_map(app_db, fake)
    set_period(at, NOV, fake)
    assert_ok(at)
    engine = make_engine(app_db)
    with engine.connect() as conn:
        rows = breakdowns.by_municipality(conn, NOV).set_index("municipality_id")
    engine.dispose()
    measured = rows[(rows.index > 0) & rows["share_in_norm"].notna()]
    small = measured[measured["messages"] < 10]
    assert len(small) >= 1 and measured.loc[NSK, "messages"] == 15 and NSK not in small.index
    props = polygon_properties(fake)
    assert {m for m, p in props.items() if p["few"]} == set(small.index)
    mid = small.index[0]
    n = int(small.loc[mid, "messages"])
    word = fmt.plural(n, "обращение", "обращения", "обращений")
    assert props[mid]["value_label"] == (f"{maps.METRICS['share_in_norm'].format(small.loc[mid, 'share_in_norm'])}"
                                         f" — мало данных: {n} {word}")
    assert props[NSK]["value_label"] == maps.METRICS["share_in_norm"].format(rows.loc[NSK, "share_in_norm"])
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    assert '<span class="map-legend-swatch few"></span>мало данных: меньше 10 обращений' in legend


@pytest.mark.parametrize("metric, name", [("subs_per_1000", "Подписки на 1000 жителей"),
                                          ("messages_per_1000", "Обращения на 1000 жителей")])
def test_per_1000_value_column_is_headed_by_its_unit(app_db, metric, name):
    """«Подписки на 1000» / «Обращения на 1000» were cut in the ranking's 96 px value column
    (wider broke the 1024 px layout): the header is the unit, the legend above and the header's
    help name the metric whole."""
    fake = FakeStFolium()
    at = open_map(app_db, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.button_group(key="metric").set_value(metric).run()
    assert_ok(at)
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    assert f'<span class="map-legend-title">{name}</span>' in legend
    header = json.loads(at.dataframe[0].proto.columns)["value"]
    assert (header["label"], header["width"]) == ("На 1000 жит.", 96)
    assert header["help"].startswith(f"{name}. ") and "× 1000" in header["help"]


def test_chosen_municipality_place_is_named_under_the_ranking(app_db):
    """35 rows scroll: the chosen municipality's place is printed under the table. By hand
    (November, every message due by now, rating threshold 10 messages): город Новосибирск 9 of
    its 15 messages answered within the norm, 60,0 %; placed as «Рейтинг» places it, by the
    shrunk share (queries.rating.shrunk), after Новосибирский район; Баганский район below the
    threshold: its value, no place."""
    fake = FakeStFolium()
    at = open_map(app_db, fake)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.sidebar.selectbox(key="mo").set_value(NSK).run()
    assert_ok(at)
    captions = [c.value for c in at.caption]
    assert "город Новосибирск, «Ответ в срок»: 2-е место из 2 (60,0\xa0%)." in captions
    assert any(c.startswith("Места — как в «Рейтинге»: с поправкой на малое число обращений") for c in captions)
    with mock.patch("streamlit_folium.st_folium", fake):
        at.sidebar.selectbox(key="mo").set_value(BAGAN).run()
    line = next(c.value for c in at.caption if c.value.startswith("Баганский район,"))
    assert re.fullmatch(r"Баганский район, «Ответ в срок»: \d+,\d\xa0%, без места — мало данных: \d обращени[ея]\.", line), line
