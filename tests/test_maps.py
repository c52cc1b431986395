"""dashboard.presentation.maps: classes, colours, legend, features, offline HTML, click resolution."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from dashboard.core import reference_data
from dashboard.core.reference_data import read_municipalities
from dashboard.presentation import maps

MUNICIPALITIES = read_municipalities()
NBSP = "\u00a0"


def frame(**columns) -> pd.DataFrame:
    """A by_municipality-like frame: the 35 municipalities plus the regional row (id 0).

    ``columns`` maps a metric column to a function of the municipality id."""
    rows = []
    for m in MUNICIPALITIES:
        row = {"municipality_id": m["id"], "name": m["name"], "kind": m["kind"]}
        row.update({col: fn(m["id"]) for col, fn in columns.items()})
        rows.append(row)
    rows.append({"municipality_id": 0, "name": "Региональные органы власти", "kind": None,
                 **{col: 999.0 for col in columns}})
    return pd.DataFrame(rows)


def rendered(m) -> str:
    """The map's standalone HTML with JSON \\uXXXX escapes decoded, so texts can be searched."""
    html = m.get_root().render()
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), html)


# -- classes and colours -----------------------------------------------------------


def test_class_breaks_are_quantiles_of_known_values():
    # 10 values 1..10 in 5 classes: nearest-rank quantiles at 20 %, 40 %, ... -> 2, 4, 6, 8
    assert maps.class_breaks([*range(10, 0, -1), None, float("nan")]) == [2, 4, 6, 8]
    assert [maps.class_of(x, [2, 4, 6, 8]) for x in (1, 2, 3, 8, 9, 10)] == [0, 0, 1, 3, 4, 4]


def test_class_breaks_merge_repeated_values():
    assert maps.class_breaks([0, 0, 0, 0, 0, 0, 0, 5, 10]) == [0, 5]
    # 20 zeros make one class; the other four split 1..15 evenly
    assert maps.class_breaks([0] * 20 + list(range(1, 16))) == [0, 4, 8, 12]
    assert maps.class_breaks([3, 3, 3]) == []
    assert maps.class_breaks([None, float("nan")]) == []


def test_palette_is_sequential_and_direction_aware():
    assert maps.palette(5, "neutral") == list(maps.PALETTE_NEUTRAL)
    assert maps.palette(5, "higher") == list(maps.PALETTE_QUALITY)
    assert maps.palette(5, "lower") == list(maps.PALETTE_QUALITY[::-1])
    assert maps.palette(3, "neutral") == [maps.PALETTE_NEUTRAL[i] for i in (0, 2, 4)]
    assert maps.palette(1, "neutral") == [maps.PALETTE_NEUTRAL[2]]


def test_choropleth_colours_legend_and_labels():
    # messages = id: 35 values, classes of 7 -> 1-7, 8-14, 15-21, 22-28, 29-35
    ch = maps.choropleth(frame(messages=lambda i: i), "messages")
    assert ch.legend == [(maps.PALETTE_NEUTRAL[k], f"{7 * k + 1} – {7 * k + 7}") for k in range(5)]
    assert ch.colours[1] == ch.colours[7] == maps.PALETTE_NEUTRAL[0]
    assert ch.colours[29] == ch.colours[35] == maps.PALETTE_NEUTRAL[4]
    assert 0 not in ch.values  # regional bodies are not on the map
    assert len(ch.values) == 35


def test_lower_is_better_gets_the_darkest_colour_for_the_fastest_response():
    ch = maps.choropleth(frame(median_response_min=lambda i: 30.0 * i), "median_response_min")
    darkest = maps.PALETTE_QUALITY[-1]
    assert ch.colours[1] == darkest and ch.colours[35] == maps.PALETTE_QUALITY[0]
    assert ch.legend[0] == (darkest, f"30{NBSP}мин – 3{NBSP}ч 30{NBSP}мин")
    assert ch.metric.scale_note.startswith("темнее — лучше")


def test_missing_values_are_grey_and_listed_last_in_the_legend():
    ch = maps.choropleth(frame(share_in_norm=lambda i: math.nan if i <= 5 else i / 100), "share_in_norm")
    assert ch.colours[3] == maps.NO_DATA_COLOUR and ch.labels[3] == "нет данных"
    assert ch.legend[-1] == (maps.NO_DATA_COLOUR, "нет данных")
    assert ch.legend[0] == (maps.PALETTE_QUALITY[0], f"6,0{NBSP}% – 11,0{NBSP}%")
    assert ch.labels[35] == f"35,0{NBSP}%"


def test_all_missing_gives_a_grey_map_and_a_single_legend_row():
    ch = maps.choropleth(frame(share_in_norm=lambda i: math.nan), "share_in_norm")
    assert set(ch.colours.values()) == {maps.NO_DATA_COLOUR}
    assert ch.legend == [(maps.NO_DATA_COLOUR, "нет данных")]


def test_ranking_best_first_ties_share_a_place_and_no_data_last():
    values = {1: 0.9, 2: 0.5, 3: 0.9, 4: math.nan}
    ch = maps.choropleth(frame(share_in_norm=lambda i: values.get(i, 0.1)), "share_in_norm")
    r = maps.ranking(ch)
    assert r["municipality_id"].tolist()[:3] == [1, 3, 2]
    assert r["place"].tolist()[:3] == [1, 1, 3]
    assert r.iloc[-1]["municipality_id"] == 4 and pd.isna(r.iloc[-1]["place"])
    fast = maps.ranking(maps.choropleth(frame(median_response_min=lambda i: 100 - i), "median_response_min"))
    assert fast["municipality_id"].iloc[0] == 35  # lower is better: shortest first


# -- the rendered map ----------------------------------------------------------------


def geojson_layers(html: str) -> list[dict]:
    """Every FeatureCollection embedded in the map's script."""
    out = []
    for m in re.finditer(r"_add\((\{\"features\".*?\}|\{\"type\": \"FeatureCollection\".*?\})\);", html):
        out.append(json.loads(m.group(1)))
    return out


@pytest.fixture(scope="module")
def share_map():
    ch = maps.choropleth(frame(share_in_norm=lambda i: i / 40), "share_in_norm")
    return ch, rendered(maps.build_map(ch, selected=31))


def test_every_municipality_is_a_feature_with_its_value(share_map):
    ch, html = share_map
    polygons, points = geojson_layers(html)
    props = {f["properties"]["municipality_id"]: f["properties"] for f in polygons["features"]}
    assert sorted(props) == list(range(1, 36))
    for mid, p in props.items():
        assert p["name"] == ch.names[mid]
        assert p["value_label"] == ch.labels[mid]
        assert p["colour"] == ch.colours[mid]
    assert props[31]["selected"] and not props[1]["selected"]
    assert sorted(f["properties"]["name"] for f in points["features"]) == sorted(maps.URBAN_OKRUGS)
    assert all(f["geometry"]["type"] == "Point" for f in points["features"])


def test_tooltip_shows_name_and_value(share_map):
    _, html = share_map
    assert '["name", "value_label"]' in html
    assert '["Муниципалитет", "Ответ в срок"]' in html


def test_no_cdn_anywhere_and_assets_are_local(share_map):
    _, html = share_map
    for word in ("cdn", "jsdelivr", "unpkg", "cdnjs", "bootstrapcdn", "googleapis", "code.jquery"):
        assert word not in html.lower()
    srcs = set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html))
    assert srcs == {maps.LEAFLET_JS, maps.LEAFLET_CSS, maps.JQUERY_JS}
    assert "tileLayer" not in html  # no tile server by default


def test_attribution_and_prefix(share_map):
    _, html = share_map
    assert "© участники OpenStreetMap" in html
    assert "setPrefix" in html and "leafletjs.com" in html


def test_optional_tile_layer():
    ch = maps.choropleth(frame(messages=lambda i: i), "messages")
    html = rendered(maps.build_map(ch, tiles_url="http://tiles.local/{z}/{x}/{y}.png"))
    assert "http://tiles.local/{z}/{x}/{y}.png" in html


@pytest.mark.parametrize("view", list(maps.VIEWS))
def test_streamlit_folium_gets_only_local_links(share_map, view):
    """st_folium collects default_js/css of every element; none may point outside."""
    import branca
    import folium.elements

    ch, _ = share_map
    m = maps.build_map(ch, view=view)
    assert not re.search(r"cdn|https?://(?!leafletjs\.com|www\.openstreetmap\.org)", rendered(m))
    links = []

    def walk(el):
        if isinstance(el, branca.colormap.ColorMap):
            links.append("colormap pulls d3 from a CDN")
        if isinstance(el, folium.elements.JSCSSMixin):
            links.extend(url for _, url in el.default_js + el.default_css)
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    assert links and all(url.startswith("/app/static/vendor/") for url in links)


# -- clicks and assets --------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ({"last_active_drawing": {"type": "Feature", "properties": {"municipality_id": 7, "name": "x"}}}, 7),
    ({"last_active_drawing": {"properties": {"municipality_id": "12"}}}, 12),
    ({"last_active_drawing": None}, None),
    ({"last_active_drawing": {"properties": {}}}, None),
    ({"last_active_drawing": {"properties": {"municipality_id": 0}}}, None),
    ({"last_active_drawing": {"properties": {"municipality_id": "abc"}}}, None),
    ({}, None),
    (None, None),
])
def test_clicked_municipality_id(value, expected):
    assert maps.clicked_municipality_id(value) == expected


def test_ensure_assets_copies_leaflet_and_jquery(tmp_path):
    target = maps.ensure_assets(tmp_path / "vendor")
    for url in (maps.LEAFLET_JS, maps.LEAFLET_CSS, maps.JQUERY_JS):
        path = target / url.removeprefix(maps.STATIC_URL + "/")
        assert path.stat().st_size > 10_000
    assert (target / "leaflet" / "images" / "layers.png").exists()
    assert "Leaflet 1.9.3" in (target / "leaflet" / "leaflet.js").read_text(encoding="utf-8")[:300]
    maps.ensure_assets(target)  # idempotent


def test_agglomeration_view_zooms_to_the_urban_okrugs():
    ch = maps.choropleth(frame(messages=lambda i: i), "messages")
    html = rendered(maps.build_map(ch, view="agglomeration"))
    (layer,) = geojson_layers(html)  # all 35 polygons, no okrug markers at this scale
    assert len(layer["features"]) == 35
    labels = re.findall(r'okrug-label agglo-label\\?" data-priority=\\?"\d+\\?">([^<]+)<', html)
    assert sorted(labels) == ["Бердск", "Искитим", "Кольцово", "Новосибирск", "Обь"]
    (south, west), (north, east) = json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html).group(1))
    # Новосибирск, Бердск, Искитим, Обь, Кольцово lie within about 1 degree
    assert 54.4 < south < north < 55.3 and 82.5 < west < east < 83.6
    oblast = rendered(maps.build_map(ch))
    (s_, w_), (n_, e_) = maps.bounds()
    assert json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", oblast).group(1)) == [
        [s_, w_], [n_, e_ + maps.CALLOUT_ROOM_LON]]  # room for the okrugs' labels


def label_texts(html: str, css: str) -> list[str]:
    return re.findall(rf'map-label {css}\\?" data-priority=\\?"\d+\\?">([^<]+)<', html)


def test_oblast_map_names_30_districts_and_5_okrugs_in_a_column():
    ch = maps.choropleth(frame(messages=lambda i: i), "messages")
    html = rendered(maps.build_map(ch))
    districts = label_texts(html, "district-label")
    assert len(districts) == 30 and "Баганский" in districts and "Новосибирский" in districts
    assert sorted(label_texts(html, "okrug-label")) == ["Бердск", "Искитим", "Кольцово", "Новосибирск", "Обь"]
    assert "HideOverlaps" not in html or "querySelectorAll('.map-label')" in html
    # The okrug markers stand in a column, CALLOUT_STEP degrees apart, north to south by real latitude.
    points = maps.callout_points()
    lats = [lat for lat, _ in points.values()]
    assert all(round(a - b, 6) == maps.CALLOUT_STEP for a, b in zip(lats, lats[1:]))
    assert {lon for _, lon in points.values()} == {maps.CALLOUT_LON}
    centres = maps._centres()
    assert [centres[n][0] for n in points] == sorted((centres[n][0] for n in points), reverse=True)


def test_district_label_points_lie_inside_the_oblast_and_the_largest_come_first():
    pts = maps.label_points()
    (south, west), (north, east) = maps.bounds()
    assert len(pts) == 35 and all(south < lat < north and west < lon < east for lat, lon, _ in pts.values())
    largest = max(pts, key=lambda n: pts[n][2])
    html = rendered(maps.build_map(maps.choropleth(frame(messages=lambda i: i), "messages")))
    assert re.search(r'district-label\\?" data-priority=\\?"100\\?">' + reference_data.bare_name(largest), html)


def test_classes_by_target_for_kpis_with_a_target():
    from dashboard.core.targets import DEFAULT_TARGETS, STATUS_COLOURS

    df = frame(share_in_norm=lambda i: [0.95, 0.8, 0.5, None][i % 4])
    ch = maps.choropleth(df, "share_in_norm", DEFAULT_TARGETS)
    assert [label for _, label in ch.legend] == [
        "от 90,0\xa0% — цель", "75,0\xa0% – 90,0\xa0%", "ниже 75,0\xa0%", "нет данных"]
    colours = {mid: ch.colours[mid] for mid in (1, 2, 3, 4)}
    assert colours == {1: STATUS_COLOURS["warn"], 2: STATUS_COLOURS["bad"], 3: maps.NO_DATA_COLOUR,
                       4: STATUS_COLOURS["good"]}
    # Without targets: quantile classes, as before.
    assert maps.choropleth(df, "share_in_norm").target is None


def test_ranking_places_no_small_sample_on_top():
    """Кыштовский район with 12 messages and 100 % in the norm was first beside the map while
    «Рейтинг» left it unranked: with the rating's threshold a municipality with fewer messages
    keeps its value and colour but gets no place, after the ranked ones."""
    shares = {1: 1.0, 2: 0.95, 3: 0.5}
    df = frame(share_in_norm=lambda i: shares.get(i, 0.6), messages=lambda i: 12 if i in (1, 3) else 40)
    r = maps.ranking(maps.choropleth(df, "share_in_norm", min_messages=20))
    assert r["municipality_id"].iloc[0] == 2 and r["place"].iloc[0] == 1
    few = r[r["municipality_id"].isin([1, 3])]
    assert few["place"].isna().all() and list(few["value"]) == [1.0, 0.5]
    assert list(few.index) == [33, 34]   # after the 33 ranked, best first
    # Counts are not a share of the messages: every municipality is placed.
    assert maps.ranking(maps.choropleth(df.assign(messages=df["messages"]), "messages", min_messages=20))[
        "place"].notna().all()


def rendered_styles(html: str) -> list[dict[int, dict]]:
    """municipality_id -> the style folium baked into each styler function of the map (one per
    GeoJSON layer: polygons, then the okrugs' markers; ids of ``default`` filled in)."""
    out = []
    for body in re.findall(r"_styler\(feature\) \{\s*switch\(feature\.properties\.municipality_id\) \{(.*?)\n\s*\}",
                           html, re.S):
        styles, pending = {}, []
        for m in re.finditer(r"case (\d+):|(default):|return (\{[^\n]*\});", body):
            if m.group(3) is None:
                pending.append(int(m.group(1)) if m.group(1) else None)
                continue
            for mid in pending:
                styles[mid] = json.loads(m.group(3))
            pending = []
        default = styles.pop(None, None)
        out.append({mid: styles.get(mid, default) for mid in range(1, 36)})
    return out


def test_small_samples_are_pale_and_dashed_on_the_map():
    """«Small samples are marked»: Кыштовский район (16) with 12 messages and 100 % in the norm
    kept its full green on the map while the ranking beside it said «мало данных». With the
    rating's threshold its polygon (and an okrug's marker) is drawn in its class colour but pale,
    in a dashed grey border; the tooltip names the count; the legend has the key."""
    df = frame(share_in_norm=lambda i: 1.0 if i in (16, 2) else 0.6,
               messages=lambda i: {16: 12, 32: 1}.get(i, 40))
    ch = maps.choropleth(df, "share_in_norm", min_messages=20)
    assert ch.few == {16: 12, 32: 1} and ch.min_messages == 20
    assert ch.few_label == "мало данных: меньше 20 обращений"
    assert ch.tooltip_label(16) == f"100,0{NBSP}% — мало данных: 12 обращений"
    assert ch.tooltip_label(32) == f"60,0{NBSP}% — мало данных: 1 обращение"
    assert ch.tooltip_label(2) == f"100,0{NBSP}%"
    assert ch.colours[16] == ch.colours[2]          # the same class, marked apart by the style

    html = rendered(maps.build_map(ch, selected=32))
    polygons, points = geojson_layers(html)
    props = {f["properties"]["municipality_id"]: f["properties"] for f in polygons["features"]}
    assert props[16]["few"] is True and props[2]["few"] is False
    assert props[16]["value_label"] == ch.tooltip_label(16)
    polygon_styles, marker_styles = rendered_styles(html)
    assert polygon_styles[16] == {"fillColor": ch.colours[16], "fillOpacity": maps.FEW_FILL_OPACITY,
                                  "color": maps.FEW_BORDER_COLOUR, "weight": 1.5, "opacity": 1,
                                  "dashArray": maps.FEW_DASH}
    assert polygon_styles[2]["fillOpacity"] == 0.9 and "dashArray" not in polygon_styles[2]
    # Chosen in the sidebar and small: the red outline, still dashed and pale.
    assert polygon_styles[32]["color"] == maps.SELECTED_COLOUR and polygon_styles[32]["dashArray"] == maps.FEW_DASH
    # город Бердск's marker beside the agglomeration: pale and dashed too.
    assert {f["properties"]["municipality_id"]: f["properties"]["few"] for f in points["features"]}[32] is True
    assert marker_styles[32]["fillOpacity"] == maps.FEW_FILL_OPACITY and marker_styles[32]["dashArray"] == "3 2"
    assert marker_styles[31]["fillOpacity"] == 1 and "dashArray" not in marker_styles[31]


def test_no_small_sample_marks_without_the_threshold_or_for_counts():
    df = frame(share_in_norm=lambda i: 0.6, messages=lambda i: 3)
    assert maps.choropleth(df, "share_in_norm").few == {}
    counts = maps.choropleth(df, "messages", min_messages=20)
    assert counts.few == {} and counts.min_messages is None


def test_ranking_places_as_the_rating_does_by_the_shrunk_share():
    """«Карта» numbered a district with 100 % of 21 messages first where «Рейтинг» (the shrunk
    share: 21 messages weigh less than 400) put it below 97 % of 400. Hand-computed with the
    prior of RATING_PRIOR (30) messages: p0 = Σ in_norm / Σ due; 1: (21 + 20 p0) / 41, 2: (388 + 20 p0) / 420."""
    from dashboard.core.metrics import RATING_PRIOR
    from queries import rating

    due = {1: 21, 2: 400}
    in_norm = {1: 21, 2: 388}
    df = frame(due=lambda i: due.get(i, 100), in_norm=lambda i: in_norm.get(i, 80),
               messages=lambda i: due.get(i, 100))
    df["share_in_norm"] = df["in_norm"] / df["due"]
    ch = maps.choropleth(df, "share_in_norm", min_messages=20)
    munis = df[df["municipality_id"] > 0]
    p0 = munis["in_norm"].sum() / munis["due"].sum()
    assert ch.order[1] == pytest.approx((21 + RATING_PRIOR * p0) / (21 + RATING_PRIOR))
    assert ch.order[2] == pytest.approx((388 + RATING_PRIOR * p0) / (400 + RATING_PRIOR))
    r = maps.ranking(ch)
    assert r["municipality_id"].tolist()[:2] == [2, 1] and r["place"].tolist()[:2] == [1, 2]
    assert r.loc[r["municipality_id"] == 1, "value"].iloc[0] == 1.0  # the value shown stays the share
    # The same order as «Рейтинг»'s standing of the share (queries.rating, the shrunk column).
    scored = munis.assign(enough_data=True, share_in_norm_adj=rating.shrunk(munis, "share_in_norm"))
    assert rating.standing(scored)["municipality_id"].tolist()[:2] == [2, 1]
    # A count has no shrunk estimate: ordered by the value.
    assert maps.choropleth(df, "messages").order is None
