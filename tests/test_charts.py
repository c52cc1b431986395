"""Chart builders: Russian labels and formats, platform colours, norm marking, static export."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from dashboard.core import formatting as fmt
from dashboard.presentation import charts

NBSP = "\u00a0"


def svg_texts(chart) -> list[str]:
    svg = vlc.vegalite_to_svg(chart.to_dict())
    return [t.replace("&#160;", NBSP) for t in re.findall(r">([^<>]+)</(?:text|tspan)>", svg)]


@pytest.fixture(autouse=True)
def channels_are_objects(monkeypatch):
    """Every chart built here passes its encodings as Altair channel objects (alt.Text,
    alt.XValue …), never as a shorthand string or a dict: Altair turns those into objects by
    indexing its whole schema again, about 3 ms a channel — a tenth of a second of a cold
    «Обзор»."""
    import traceback

    from altair.utils import core
    from altair.utils.schemapi import SchemaBase

    wrapped = []
    wrap = core._ChannelCache._wrap_in_channel

    def spy(self, obj, encoding):
        if not isinstance(obj, (SchemaBase, list, tuple)) and any(
                f.filename.endswith("presentation/charts.py") for f in traceback.extract_stack()):
            wrapped.append((encoding, obj))
        return wrap(self, obj, encoding)

    monkeypatch.setattr(core._ChannelCache, "_wrap_in_channel", spy)
    yield
    assert wrapped == []


@pytest.fixture
def weekly():
    periods = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(8)]
    return pd.DataFrame({"period": periods, "messages": [1200 + 100 * i for i in range(8)],
                         "answered": [1000 + 90 * i for i in range(8)], "in_norm": [900] * 8,
                         "share_in_norm": [0.5 + 0.05 * i for i in range(8)],
                         "median_response_min": [120.0] * 8})


def test_theme_is_ours_with_the_russian_locale():
    assert alt.theme.active == charts.THEME
    config = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()["config"]
    assert config["locale"]["number"]["decimal"] == ","
    assert config["locale"]["number"]["thousands"] == NBSP
    assert "DejaVu Sans" in config["font"]


def _fonts(node) -> list[str]:
    """Every font named in a spec's config (font, labelFont, titleFont … at any depth)."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k.lower().endswith("font") and isinstance(v, str)] + \
            [f for v in node.values() for f in _fonts(v)]
    return [f for v in node for f in _fonts(v)] if isinstance(node, list) else []


def test_screen_charts_use_the_page_font_first():
    """Streamlit draws the page in its bundled «Source Sans» (theme font "sans-serif"); a chart
    named DejaVu Sans first and read in another face beside the page's text (on a Windows
    machine without DejaVu, Arial)."""
    config = charts.topic_bars(pd.DataFrame({"topic": ["Дороги"], "messages": [3], "share": [1.0]})).to_dict()["config"]
    fonts = _fonts(config)
    assert len(fonts) >= 8 and all(f.startswith('"Source Sans", DejaVu Sans') for f in fonts)


def test_messages_trend_axis_in_russian(weekly):
    texts = svg_texts(charts.messages_trend(weekly, width=600, height=250))
    assert f"1{NBSP}000" in texts          # thousands separated by a non-breaking space
    assert "07.09" in texts                 # weekly ticks on the Mondays of the data
    assert "Обращений" in texts
    assert any(re.fullmatch(r"\d\d\.\d\d", t) for t in texts)  # dd.mm dates


def test_timeliness_trend_percent_axis(weekly):
    texts = svg_texts(charts.timeliness_trend(weekly, norm_share_target=0.9, width=600, height=250))
    assert f"100{NBSP}%" in texts and f"40{NBSP}%" in texts
    # The same text as the bars' target line and the KPI cards print: «цель 90,0 %».
    assert f"цель 90,0{NBSP}%" in texts


def test_timeliness_target_label_sits_above_the_plot(weekly):
    """Not on the line, where points at the goal (often 90 %) were drawn under it: above the
    plot's top (the scale ends at 100 %), right-aligned."""
    at_goal = weekly.assign(share_in_norm=[0.9] * len(weekly))
    label = next(b for b in text_boxes(charts.timeliness_trend(at_goal, 0.9, width=400, height=250))
                 if b[0].startswith("цель"))
    assert label[4] <= 0


def test_bucket_axis_labels_keep_a_gap():
    """Daily labels that merely touched («31.1003.1106.11» in the browser's font) count as
    not overlapping: the band axes ask for a gap between any two labels shown."""
    days = [date(2026, 10, 31) + timedelta(days=i) for i in range(30)]
    df = pd.DataFrame({"period": days, "messages": [5] * 30, "answered": [5] * 30, "share_in_norm": [0.9] * 30})
    for chart in (charts.messages_trend(df, grain="day"), charts.timeliness_trend(df, 0.9, grain="day")):
        x = [ly["encoding"]["x"] for ly in _layers(chart.to_dict()) if ly["encoding"].get("x", {}).get("field")]
        assert x
        for enc in x:
            axis = enc["axis"]
            assert axis["labelOverlap"] == "greedy" and axis["labelSeparation"] >= 6


def test_topic_lines_mark_partial_weeks_and_keep_the_legend_below():
    """A week cut by the period (two days of it) is drawn lighter and named, not read as a
    fall; the legend sits below the plot (beside it, it took a third of a half-width column)."""
    weeks = [date(2026, 10, 26) + timedelta(weeks=i) for i in range(3)]
    df = pd.DataFrame({"period": weeks * 2, "key": [1] * 3 + [2] * 3, "label": ["Дороги"] * 3 + ["ЖКХ"] * 3,
                       "messages": [20, 200, 210, 10, 150, 160], "partial": [True, False, False] * 2})
    spec = charts.by_topic_lines(df, top=5).to_dict()
    points = spec["layer"][1]
    assert points["encoding"]["opacity"]["scale"]["domain"] == ["полная неделя", "неполная неделя"]
    assert spec["layer"][0]["encoding"]["color"]["legend"]["orient"] == "bottom"
    rows = spec["datasets"][points["data"]["name"]]
    assert [(r["x_label"], r["label"], r["bucket_kind"]) for r in rows][:2] == [
        ("26.10", "Дороги", "неполная неделя"), ("26.10", "ЖКХ", "неполная неделя")]
    assert "неполная неделя" in svg_texts(charts.by_topic_lines(df, top=5, width=400))
    # The lines: per topic, 26.10→02.11 lighter (out of the partial week), 02.11→09.11 not.
    line = spec["layer"][0]
    assert line["encoding"]["opacity"]["condition"] == {"test": "datum.lighter", "value": charts.LIGHTER}
    segs = spec["datasets"][line["data"]["name"]]
    assert [(r["label"], r["x_label"], r["lighter"]) for r in segs] == [
        ("Дороги", "26.10", True), ("Дороги", "02.11", True), ("Дороги", "02.11", False), ("Дороги", "09.11", False),
        ("ЖКХ", "26.10", True), ("ЖКХ", "02.11", True), ("ЖКХ", "02.11", False), ("ЖКХ", "09.11", False)]


def test_month_axis_uses_russian_month_names():
    """Across years «дек 2025», «янв 2026»; within one year the month alone, so that all twelve
    fit a slide (twelve «мар 2025» did not, and the axis dropped March and June)."""
    months = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]
    year = pd.DataFrame({"period": [date(2025, m, 1) for m in range(1, 13)], "messages": [4000] * 12,
                         "answered": [1] * 12})
    texts = svg_texts(charts.messages_trend(year, grain="month", width=1180, height=460))
    assert [t for t in texts if t in months] == months
    across = pd.DataFrame({"period": [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)], "messages": [1] * 3,
                           "answered": [1] * 3})
    texts = svg_texts(charts.messages_trend(across, grain="month", width=600, height=250))
    assert "дек 2025" in texts and "янв 2026" in texts


def test_platform_colours():
    df = pd.DataFrame({"period": [date(2026, 9, 7)] * 3, "key": ["vk", "ok", "max"],
                       "label": ["ВКонтакте", "Одноклассники", "MAX"], "messages": [10, 5, 2]})
    color = charts.by_platform_area(df).to_dict()["encoding"]["color"]["scale"]
    assert dict(zip(color["domain"], color["range"])) == {
        "ВКонтакте": "#2a6fdb", "Одноклассники": "#f28c28", "MAX": "#8b5cf6"}


@pytest.mark.parametrize("norm, expected", [
    (24, ["в норме", "в норме", "в норме", "сверх нормы", "без ответа"]),
    (8, ["в норме", "в норме", "сверх нормы", "сверх нормы", "без ответа"]),
    (12, ["в норме", "в норме", "частично в норме", "сверх нормы", "без ответа"]),
    (72, ["в норме", "в норме", "в норме", "частично в норме", "без ответа"]),
])
def test_response_buckets_against_the_norm(norm, expected):
    buckets = ["lt1h", "1_8h", "8_24h", "gt24h", "none"]
    assert [charts.bucket_status(b, norm) for b in buckets] == expected


def test_response_distribution_labels():
    df = pd.DataFrame({"bucket": ["lt1h", "1_8h", "8_24h", "gt24h", "none"],
                       "label": ["до 1 ч", "1–8 ч", "8–24 ч", "более 24 ч", "без ответа"],
                       "messages": [500, 300, 100, 50, 50]})
    df["share"] = df["messages"] / 1000
    texts = svg_texts(charts.response_distribution(df, 24, width=600))
    assert f"50,0{NBSP}%" in texts and "500" in texts
    assert "Время первого ответа (норма 24 ч)" in texts
    assert "частично в норме" not in texts  # with a 24 h norm no bucket straddles it: no such legend item
    assert "частично в норме" in svg_texts(charts.response_distribution(df, 12, width=600))


def test_response_distribution_fits_a_half_width_column():
    """In a half-width column (1366 px screens) the bars fill their bands and the legend sits
    below the plot: a fixed bar width with the legend beside it made neighbouring bars overlap."""
    df = pd.DataFrame({"bucket": ["lt1h", "1_8h", "8_24h", "gt24h", "none"],
                       "label": ["до 1 ч", "1–8 ч", "8–24 ч", "более 24 ч", "без ответа"],
                       "messages": [0, 2, 2, 17, 10]})
    df["share"] = df["messages"] / 31
    spec = charts.response_distribution(df, 24, width=260).to_dict()
    bars = next(layer for layer in _layers(spec) if (layer["mark"]["type"] if isinstance(layer["mark"], dict)
                                                     else layer["mark"]) == "bar")
    mark = bars["mark"] if isinstance(bars["mark"], dict) else {}
    assert "size" not in mark
    assert bars["encoding"]["color"]["legend"]["orient"] == "bottom"


def _layers(spec: dict):
    for layer in spec.get("layer", [spec]):
        yield from (_layers(layer) if "layer" in layer else [layer])


@pytest.mark.parametrize("build", [
    lambda df: charts.messages_trend(df), lambda df: charts.timeliness_trend(df, 0.9)])
def test_every_trend_layer_has_a_russian_tooltip(weekly, build):
    """A layer without a tooltip shows raw field names («period») in Streamlit."""
    for layer in _layers(build(weekly).to_dict()):
        tooltip = layer["encoding"]["tooltip"]
        assert tooltip and all(re.search("[А-Яа-я]", t["title"]) for t in tooltip)


def test_municipality_bars_order_highlight_and_oblast_rule():
    df = pd.DataFrame({"municipality_id": [1, 2, 3], "name": ["А", "Б", "В"],
                       "median_response_min": [300.0, 60.0, 90.0]})
    spec = charts.municipality_bars(df, "median_response_min", highlight_id=3, oblast_value=150).to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["sort"] == ["Б", "В", "А"]  # lower is better: fastest on top
    texts = svg_texts(charts.municipality_bars(df, "median_response_min", oblast_value=150, width=400))
    assert "5 ч".replace(" ", NBSP) in texts and f"по области: 2{NBSP}ч 30{NBSP}мин" in texts
    worst = charts.municipality_bars(df, "median_response_min", worst_first=True).to_dict()
    assert worst["layer"][0]["encoding"]["y"]["sort"] == ["А", "В", "Б"]


def test_comparison_names_every_metric():
    df = pd.DataFrame({"name": ["А", "Б", "Среднее"], "share_in_norm": [0.8, 0.6, 0.7],
                       "subs_per_1000": [120.5, 80.0, 100.0]})
    texts = svg_texts(charts.comparison(df, ["share_in_norm", "subs_per_1000"], reference_name="Среднее"))
    # A long name on two lines (charts in a row keep their plots level), a short one on the second.
    assert "Ответ в срок" in texts and "Подписки на" in texts and "1000 жителей" in texts
    assert f"80,0{NBSP}%" in texts and "120,5" in texts


def test_comparison_titles_take_two_lines():
    """In a quarter of the page «Медиана первого ответа» was cut to «Медиана первого ответ»."""
    assert charts.two_lines("Медиана первого ответа") == ["Медиана первого", "ответа"]
    assert charts.two_lines("Подписки на 1000 жителей") == ["Подписки на", "1000 жителей"]
    assert charts.two_lines("Ответ в срок") == [" ", "Ответ в срок"]
    df = pd.DataFrame({"name": ["А", "Среднее"], "median_response_min": [120.0, 90.0]})
    title = charts.comparison_bars(df, "median_response_min", reference_name="Среднее").to_dict()["layer"][0]["title"]
    assert title["text"] == ["Медиана первого", "ответа"]
    # The page's column fits title and plot into the height: 28 px a bar besides the title.
    spec = charts.comparison_bars(df, "median_response_min", reference_name="Среднее").to_dict()
    assert spec["height"] - charts.TITLE_TWO_LINES_PX >= 28 * len(df)


def test_heatmap_fills_the_week():
    df = pd.DataFrame({"weekday": [0, 6], "hour": [9, 23], "messages": [10, 2]})
    data = charts.weekday_hour_heatmap(df).to_dict()
    values = next(iter(data["datasets"].values()))
    assert len(values) == 7 * 24
    assert {v["day"] for v in values} == set(charts.WEEKDAYS_SHORT)
    # No message (Telegram alone): 168 cells of 0 were all mid-blue, as if there were some.
    for none in (df.iloc[:0], df.assign(messages=0)):
        assert charts.NO_MESSAGES in svg_texts(charts.weekday_hour_heatmap(none).properties(width=300))


def test_empty_frames_give_a_message_not_an_error(weekly):
    for chart in (charts.messages_trend(weekly.iloc[:0]), charts.timeliness_trend(weekly.iloc[:0]),
                  charts.topic_bars(pd.DataFrame(columns=["topic", "messages", "share"]))):
        assert "Нет данных за выбранный период" in svg_texts(chart.properties(width=300))


def test_png_export_for_slides(weekly, tmp_path):
    out = tmp_path / "trend.png"
    charts.messages_trend(weekly, width=800, height=300).save(str(out), format="png", scale_factor=1)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rank_change_label():
    assert [charts.rank_change_label(c) for c in (2, -1, 0, None)] == ["▲ 2", "▼ 1", "=", "—"]


def test_rank_card_change_says_where_it_was_when_the_move_is_not_marked():
    nan = float("nan")
    assert charts.rank_card_change(2.0, 30.0) == "▲ 2"           # a move beyond the noise: the arrow
    assert charts.rank_card_change(-1.0, 27.0) == "▼ 1"
    assert charts.rank_card_change(nan, 26.0) == "было 26-е"      # within the noise: where it was
    assert charts.rank_card_change(nan, nan) is None               # not ranked before: nothing
    assert charts.rank_card_change(None, None) is None


def test_platform_bars_in_platform_colours_without_empty_platforms():
    df = pd.DataFrame({"platform": ["ok", "vk", "tg"], "platform_label": ["Одноклассники", "ВКонтакте", "Telegram"],
                       "messages": [100, 300, 0], "subscribers": [10, 30, 5]})
    spec = charts.platform_bars(df, "messages").to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["ВКонтакте", "Одноклассники"]
    assert scale["range"] == ["#2a6fdb", "#f28c28"]
    assert f"300 · 75,0{NBSP}%" in svg_texts(charts.platform_bars(df, "messages", width=300))


def test_best_and_worst_bars_share_one_scale_and_colour_by_target():
    from dashboard.core.targets import DEFAULT_TARGETS, STATUS_COLOURS

    best = pd.DataFrame({"municipality_id": [1, 2], "name": ["А", "Б"], "share_in_norm": [1.0, 0.95]})
    worst = pd.DataFrame({"municipality_id": [3, 4], "name": ["В", "Г"], "share_in_norm": [0.59, 0.8]})
    kw = dict(domain_max=1.0, target=DEFAULT_TARGETS["share_in_norm"], highlight_id=4)
    a = charts.municipality_bars(best, "share_in_norm", **kw).to_dict()
    b = charts.municipality_bars(worst, "share_in_norm", worst_first=True, **kw).to_dict()
    assert a["layer"][0]["encoding"]["x"]["scale"]["domain"] == b["layer"][0]["encoding"]["x"]["scale"]["domain"]
    bars = b["layer"][0]["encoding"]
    assert bars["color"]["scale"]["range"] == list(STATUS_COLOURS.values())
    assert bars["stroke"]["condition"]["test"] == "datum.chosen"
    rows = next(iter(b["datasets"].values()))
    assert {r["name"]: r["group"] for r in rows} == {"В": "далеко от цели", "Г": "близко к цели"}
    assert [r["chosen"] for r in rows] == [False, True]
    assert "цель 90,0\u00a0%" in svg_texts(charts.municipality_bars(worst, "share_in_norm", width=300, **kw))


def text_boxes(chart) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every text mark in the rendered SVG, in the
    plot's coordinates (y = 0 is the plot's top): 12 px text about 7 px a character wide,
    from 10 px above its baseline to 3 px below."""
    svg = vlc.vegalite_to_svg(chart.to_dict())
    boxes = []
    for m in re.finditer(r'<text [^>]*aria-roledescription="text mark"[^>]*'
                         r'transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*>([^<]+)</text>', svg):
        x, y, label = float(m[1]), float(m[2]), m[3].replace("&#160;", NBSP)
        boxes.append((label, x, y - 10, x + 7 * len(label), y + 3))
    return boxes


@pytest.mark.parametrize("shares", [[0.958, 0.926, 0.90, 0.868, 0.867],   # «Обзор» on demo data
                                    [0.90, 0.899, 0.5], [0.905, 0.93], [1.0, 0.2]])
@pytest.mark.parametrize("oblast", [None, 0.91])
def test_line_labels_never_touch_the_bar_values(shares, oblast):
    """«цель 90,0 %» (and «по области») sit above the plot, one row each, so they never cover
    a bar's value, whatever the values (the old label sat on the top bar's band at the goal:
    beside a top bar of 90–96 % the two texts overlapped)."""
    from dashboard.core.targets import DEFAULT_TARGETS

    df = pd.DataFrame({"municipality_id": range(len(shares)), "name": [f"М{i}" for i in range(len(shares))],
                       "share_in_norm": shares})
    chart = charts.municipality_bars(df, "share_in_norm", domain_max=1.0, target=DEFAULT_TARGETS["share_in_norm"],
                                     oblast_value=oblast, width=330, height=34 * len(shares))
    boxes = text_boxes(chart)
    lines = [b for b in boxes if b[0].startswith(("цель", "по области"))]
    values = [b for b in boxes if b not in lines]
    assert len(lines) == (2 if oblast else 1) and len(values) >= 2 * len(shares)  # each value and its halo
    assert all(bottom <= 0 for _t, _l, _top, _r, bottom in lines)              # above the plot
    for i, a in enumerate(lines):
        for b in lines[i + 1:] + values:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, f"{a[0]!r} overlaps {b[0]!r}"


def test_bar_values_are_drawn_over_the_dashed_lines():
    """A dashed line through a value (86,8 % beside a 90 % goal) is hidden behind the text's
    white halo: the lines come before the values in the layers."""
    from dashboard.core.targets import DEFAULT_TARGETS

    df = pd.DataFrame({"municipality_id": [1], "name": ["А"], "share_in_norm": [0.868]})
    layers = charts.municipality_bars(df, "share_in_norm", target=DEFAULT_TARGETS["share_in_norm"]).to_dict()["layer"]
    marks = [(ly["mark"]["type"], ly["mark"].get("stroke")) for ly in layers]
    assert marks == [("bar", None), ("rule", None), ("text", "white"), ("text", None), ("text", None)]


# -- complete series: zeros, gaps, partial buckets ------------------------------------

@pytest.fixture
def gappy():
    """Six weeks: the first and last cut by the period, two without messages."""
    periods = [date(2026, 10, 26) + timedelta(weeks=i) for i in range(6)]
    return pd.DataFrame({"period": periods, "partial": [True, False, False, False, False, True],
                         "messages": [1, 3, 0, 2, 0, 1], "answered": [1, 2, 0, 1, 0, 0],
                         "share_in_norm": [1.0, 2 / 3, None, 0.5, None, 0.0]})


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_counts_are_bars_for_every_bucket_with_integer_ticks(gappy):
    spec = charts.messages_trend(gappy, "week", width=600, height=250).to_dict()
    bars = _layers(spec)[0]
    assert bars["mark"]["type"] == "bar"
    data = spec["datasets"][bars["data"]["name"]] if "datasets" in spec else bars["data"]["values"]
    assert [r["messages"] for r in data] == [1, 3, 0, 2, 0, 1]          # zero weeks kept
    axis = bars["encoding"]["y"]["axis"]
    assert axis["format"] == ",d" and axis["values"] == [0, 1, 2, 3]   # a small top: whole ticks listed
    big = charts.messages_trend(gappy.assign(messages=gappy["messages"] * 10), "week", width=600).to_dict()
    assert _layers(big)[0]["encoding"]["y"]["axis"] == {"format": ",d", "tickMinStep": 1}
    texts = svg_texts(charts.messages_trend(gappy, "week", width=600, height=250))
    assert "09.11" in texts and "23.11" in texts                         # empty weeks on the axis
    ticks = [t for t in texts if re.fullmatch(r"[\d,]+", t)]
    assert ticks == ["0", "1", "2", "3"]                                  # no 0,5 ticks


@pytest.mark.parametrize("counts, ticks", [
    ([0, 1, 0, 1], ["0", "1"]),
    ([0, 2, 1, 2], ["0", "1", "2"]),     # was «0, 1, 1, 2, 2» in the report's image
    ([0, 0, 0, 0], ["0", "1"]),
])
def test_small_counts_get_whole_ticks_in_the_static_image(counts, ticks):
    """The report's PNGs come from vl-convert, whose Vega keeps half steps under tickMinStep."""
    df = pd.DataFrame({"period": [date(2026, 10, 1) + timedelta(days=i) for i in range(4)],
                       "messages": counts, "answered": counts})
    # No message at all: messages_trend says so in words (test_no_messages_at_all_is_said_in_words).
    trend = [charts.messages_trend(df, "day", width=600, height=460)] if any(counts) else []
    for chart in (*trend,
                  charts.by_topic_lines(df.assign(label="Дороги"), grain="day", width=600, height=460),
                  charts.by_platform_area(df.assign(key="vk", label="ВКонтакте"), grain="day", width=600, height=460)):
        assert [t for t in svg_texts(chart) if re.fullmatch(r"[\d,]+", t)] == ticks
        # In the browser tickMinStep would lower the count to 2 and thin the listed 0, 1, 2 to 0, 2.
        axis = next(layer["encoding"]["y"]["axis"] for layer in _layers(chart.to_dict()) if "y" in layer["encoding"])
        assert "tickMinStep" not in axis and axis["tickCount"] == len(axis["values"]) == len(ticks)


def test_partial_buckets_are_lighter_and_named(gappy):
    spec = charts.messages_trend(gappy, "week", width=600, height=250).to_dict()
    opacity = _layers(spec)[0]["encoding"]["opacity"]
    assert opacity["scale"] == {"type": "ordinal", "domain": ["полная неделя", "неполная неделя"], "range": [1, 0.4]}
    assert "неполная неделя" in svg_texts(charts.messages_trend(gappy, "week", width=600, height=250))
    assert "неполная неделя" in svg_texts(charts.timeliness_trend(gappy, grain="week", width=600, height=250))
    # All buckets complete: no legend about it.
    full = gappy.assign(partial=False)
    assert "opacity" not in _layers(charts.messages_trend(full, "week").to_dict())[0]["encoding"]


def test_share_line_breaks_at_buckets_without_messages(gappy):
    spec = charts.timeliness_trend(gappy, grain="week", width=600, height=250).to_dict()
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["mark"]["interpolate"] == "linear"
    assert line["encoding"]["detail"]["field"] == "seg"
    rows = spec["datasets"][line["data"]["name"]]
    segments = {}
    for r in rows:
        segments.setdefault(r["seg"], []).append(r["x_label"])
    # 26.10–02.11 joined; 16.11 and 30.11 alone: no segment crosses 09.11 or 23.11.
    assert list(segments.values()) == [["26.10", "02.11"]]


def test_chart_values_are_altairs_for_every_kind_of_column():
    from datetime import date

    from altair.utils.data import to_values

    df = pd.DataFrame({
        "name": pd.Series(["Бердск", None, "Обь"], dtype="str"),
        "label": pd.Series(["а", pd.NA, "в"], dtype="string"),
        "share": [0.5, float("nan"), float("inf")],
        "n": [1, 2, 3],
        "ok": [True, False, True],
        "at": pd.to_datetime(["2026-11-01 10:00", None, "2026-11-03 00:00"]),
        "day": [date(2026, 11, 1), None, date(2026, 11, 3)],
        "id": pd.array([1, None, 3], dtype="Int64"),
        "group": pd.Categorical(["a", "b", None]),
    }, index=[7, 8, 9])
    values = charts.chart_values(df)
    assert values == to_values(df)
    assert values["values"][1] == {"name": None, "label": None, "share": None, "n": 2, "ok": False, "at": "", "day": None,
                                   "id": None, "group": "b"}
    assert values["values"][0]["at"] == "2026-11-01T10:00:00" and values["values"][2]["share"] is None
    assert type(values["values"][0]["n"]) is int and type(values["values"][0]["id"]) is int
    # A kind Altair refuses (time spans) still goes through Altair: the same error.
    with pytest.raises(ValueError, match="timedelta"):
        charts.chart_values(pd.DataFrame({"d": pd.to_timedelta([1], unit="D")}))


def test_percent_ticks_are_distinct_on_a_fine_scale():
    """ER of a page moves between 1,0 % and 1,2 %: its ticks read «1 %», «1,1 %», «1,2 %»,
    never the same text twice (whole-percent labels printed «1 %» five times)."""
    from dashboard.presentation import page_charts

    weeks = [date(2026, 11, 2) + timedelta(weeks=i) for i in range(4)]
    df = pd.DataFrame({"week": weeks, "partial": [False] * 4, "er": [0.0118, 0.0110, 0.0106, 0.0105]})
    ticks = [t for t in svg_texts(page_charts.weekly_line(df, "er", "ER", share=True).properties(width=400))
             if t.endswith("%")]
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks)
    assert f"1,2{NBSP}%" in ticks or f"1,1{NBSP}%" in ticks
    whole = svg_texts(charts.timeliness_trend(pd.DataFrame({
        "period": weeks, "messages": [1] * 4, "answered": [1] * 4, "share_in_norm": [0.5] * 4}), width=400))
    assert f"20{NBSP}%" in whole and f"100{NBSP}%" in whole


@pytest.mark.parametrize("width", [240, 400])
def test_bar_values_fit_in_the_plot(width):
    """«45 818 · 18 %» after the longest bar ends inside the plot (Vega does not make room
    for a text beyond it: in a half-width column at 1366 px it was cut at the card's edge)."""
    topics = pd.DataFrame({"topic": ["Дороги", "ЖКХ", "Общественный транспорт"],
                           "messages": [45818, 36310, 23053], "share": [0.18, 0.14, 0.09]})
    subs = pd.DataFrame({"platform": ["vk", "ok", "max", "tg"],
                         "platform_label": ["ВКонтакте", "Одноклассники", "MAX", "Telegram"],
                         "messages": [1, 1, 1, 0], "subscribers": [60_998_163, 10_068_413, 9_167_766, 3_311_029]})
    # Built for a page's column (width "container"), drawn at that column's plot width.
    for chart in (charts.topic_bars(topics), charts.platform_bars(subs, "subscribers")):
        values = [b for b in text_boxes(chart.properties(width=width)) if "·" in b[0]]
        assert values and max(right for _t, _l, _top, right, _b in values) <= width, values


def test_long_response_buckets_break_in_two_lines():
    """«более 24 ч» and «без ответа» side by side ran together: two lines each."""
    dist = pd.DataFrame({"bucket": ["1_8", "24_plus", "none"], "label": ["1–8 ч", "более 24 ч", "без ответа"],
                         "messages": [10, 5, 2], "share": [0.59, 0.29, 0.12]})
    texts = svg_texts(charts.response_distribution(dist, 24, width=330))
    assert {"более", "24 ч".replace(" ", NBSP), "без", "ответа"} <= set(t.replace(" ", NBSP) for t in texts)
    assert "1–8 ч".replace(" ", NBSP) in {t.replace(" ", NBSP) for t in texts}


def test_short_names_for_a_narrow_column():
    """The rating's chart beside its table (~250 px at 1366 px) labels «г. Новосибирск»,
    «р. п. Кольцово», «Усть-Таркский р-н»; the tooltip keeps the full name; the values fit."""
    df = pd.DataFrame({"municipality_id": [1, 2, 3], "name": ["город Новосибирск", "рабочий посёлок Кольцово",
                                                             "Усть-Таркский район"], "score": [80.4, 67.9, 25.2]})
    chart = charts.municipality_bars(df, "score", short_names=True, height=90)
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["label"] for r in rows] == ["г. Новосибирск", "р. п. Кольцово", "Усть-Таркский р-н"]
    assert spec["layer"][0]["encoding"]["tooltip"][0]["field"] == "name"
    assert max(b[3] for b in text_boxes(chart.properties(width=130))) <= 130


def test_bars_of_a_given_width_keep_their_length():
    """A slide's chart (a number for its width) grows to hold its texts, so its bars keep the
    old room (the top bar to 1/1,4 of the plot), not the page column's."""
    topics = pd.DataFrame({"topic": ["Дороги", "ЖКХ"], "messages": [3098, 1939], "share": [0.23, 0.14]})
    scale = charts.topic_bars(topics, width=600).to_dict()["layer"][0]["encoding"]["x"]["scale"]
    assert scale["domainMax"] == pytest.approx(3098 * 1.4)


def test_weekly_lines_are_labelled_with_their_mondays():
    """The page profile's line charts put a tick on each week's Monday, as its bars do (a time
    axis labelled other days: «27.10», «03.11», «11.11» under points of 26.10, 02.11, 09.11)."""
    from dashboard.presentation import page_charts

    weeks = [date(2026, 10, 26) + timedelta(weeks=i) for i in range(5)]
    df = pd.DataFrame({"week": weeks, "partial": [True] + [False] * 4, "subscribers": [44_646, 44_733, 44_795,
                                                                                       44_876, 45_098]})
    texts = svg_texts(page_charts.weekly_line(df, "subscribers", "Подписчики").properties(width=400))
    assert [t for t in texts if re.fullmatch(r"\d\d\.\d\d", t)] == ["26.10", "02.11", "09.11", "16.11", "23.11"]


def test_a_bar_prints_its_share_as_the_table_beside_it():
    """One decimal, as fmt.pct (the tables): «3 098 · 22,8 %», not «23 %» beside «22,8 %»;
    3 of 13 594 messages: «3 · <0,1 %», not «3 · 0,0 %»."""
    topics = pd.DataFrame({"topic": ["Дороги", "Снег и уборка", "Прочее"], "messages": [3098, 14, 3],
                           "share": [0.2279, 0.00103, 0.00022]})
    texts = [html.unescape(t) for t in svg_texts(charts.topic_bars(topics, width=300))]
    assert f"3{NBSP}098 · 22,8{NBSP}%" in texts and f"14 · 0,1{NBSP}%" in texts and f"3 · <0,1{NBSP}%" in texts
    assert [charts.share_text(s) for s in (0, 0.00049, 0.0005, 0.2279, None)] == [
        f"0,0{NBSP}%", f"<0,1{NBSP}%", f"0,1{NBSP}%", f"22,8{NBSP}%", "—"]
    assert charts.share_text(0.2089) == fmt.pct(0.2089)


def test_the_slides_topic_bars_are_of_the_slide_width():
    """The report draws its topic bars for a slide (a number for the width), so they keep
    their length there; the page's column rule would shrink them to a third of the plot."""
    from dashboard.presentation.reports import figures

    class Content:
        topics = pd.DataFrame({"topic": ["Дороги", "ЖКХ"], "messages": [3098, 1939], "share": [0.23, 0.14]})
        series = pd.DataFrame({"period": [date(2026, 9, 7)], "messages": [1], "answered": [1],
                               "share_in_norm": [1.0]})
        municipalities = pd.DataFrame({"municipality_id": [1], "name": ["город Бердск"], "kind": ["urban_okrug"],
                                       "share_in_norm": [0.9]})
        responses = pd.DataFrame({"bucket": ["1_8"], "label": ["1–8 ч"], "messages": [1], "share": [1.0]})
        targets, grain, municipality_id, oblast_series = {}, "week", None, None

        class norm:
            hours = 24

        @property
        def map_classes(self):   # as ReportContent.map_classes
            from dashboard.presentation.maps import map_classes

            return map_classes(self.municipalities, targets=self.targets)

    topics = figures.chart_definitions(Content())["topics"].to_dict()
    assert topics["layer"][0]["encoding"]["x"]["scale"]["domainMax"] == pytest.approx(3098 * 1.4)


def _legends(spec: dict) -> dict[str, dict]:
    """channel -> legend of every encoding with one, over all layers."""
    out = {}
    for layer in _layers(spec):
        for channel, enc in layer.get("encoding", {}).items():
            if isinstance(enc, dict) and enc.get("legend"):
                out[channel] = enc["legend"]
    return out


def test_partial_legend_goes_above_where_a_colour_legend_is_below():
    """Topics or platforms by week with a cut week: the «полная / неполная неделя» legend beside
    the colour legend ran past a half-width card at 1366 px («■ полная» cut at its edge)."""
    weeks = [date(2026, 10, 26) + timedelta(weeks=i) for i in range(3)]
    df = pd.DataFrame({"period": weeks * 2, "partial": [True, False, True] * 2, "messages": [3, 5, 2, 1, 4, 2],
                       "label": ["Дороги"] * 3 + ["ЖКХ"] * 3, "key": ["vk"] * 3 + ["ok"] * 3})
    for chart in (charts.by_topic_lines(df, grain="week"), charts.by_platform_area(df, grain="week")):
        legends = _legends(chart.to_dict())
        assert legends["opacity"]["orient"] == "top"
        assert legends["color"].get("orient", "bottom") == "bottom"   # the theme's default
    # Alone (messages per week), the partial legend stays below the plot.
    alone = charts.messages_trend(df[df["label"] == "Дороги"].assign(answered=0), grain="week")
    assert _legends(alone.to_dict())["opacity"]["orient"] == "bottom"


def test_response_bars_leave_room_for_their_two_line_labels():
    """The tallest bar's «45,9 % / 2 168» was cut at the top of a half-width card; the legend
    repeated the axis title's norm in a title of its own."""
    df = pd.DataFrame({"bucket": ["h1", "h8", "h24", "more", "none"], "label": ["до 1 ч", "1–8 ч", "8–24 ч",
                                                                               "более 24 ч", "без ответа"],
                       "messages": [378, 2168, 1115, 698, 363], "share": [0.08, 0.459, 0.236, 0.148, 0.077]})
    spec = charts.response_distribution(df, 24).to_dict()
    layer = _layers(spec)[0]
    assert layer["encoding"]["y"]["scale"]["domainMax"] == pytest.approx(0.459 * 1.45)
    assert layer["encoding"]["x"]["title"] == "Время первого ответа (норма 24 ч)"
    assert layer["encoding"]["color"].get("title") is None


def _share_points(spec: dict) -> tuple[dict, list[dict]]:
    """The share's point layer of a timeliness_trend spec and its rows."""
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point" and "y" in layer["encoding"])
    return points, spec["datasets"][points["data"]["name"]]


def test_a_share_from_few_messages_due_is_a_hollow_point_named_in_legend_and_tooltip():
    """A share rests on the messages already due (the KPI's sample): fewer of them than the
    KPI's minimum (5) draw a hollow point, a legend says so, the tooltip says of how many. A
    last day of 94 messages of which 3 are due is a share of 3 (hollow); 4 messages all due are
    hollow; 6 due are not, however few messages the day had beside them."""
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(5)]
    df = pd.DataFrame({"period": days, "messages": [0, 1, 4, 10, 94], "due": [0, 1, 4, 6, 3],
                       "answered": [0, 1, 4, 9, 3], "in_norm": [0, 1, 3, 6, 3],
                       "share_in_norm": [None, 1.0, 0.75, 1.0, 1.0]})
    points, rows = _share_points(charts.timeliness_trend(df, 0.9, grain="day").to_dict())
    fill = points["encoding"]["fill"]
    few = "меньше 5 обращений, срок ответа по которым наступил"
    assert fill["scale"] == {"domain": ["от 5 обращений, срок ответа по которым наступил", few],
                             "range": [charts.GOOD, "white"]}
    assert fill["legend"]["values"] == [few]           # the hollow point named, whole
    assert fill["legend"]["labelLimit"] >= 400 and few in svg_texts(charts.timeliness_trend(df, 0.9, "day", 600))
    assert [(r["sample_kind"] == few, r["due_label"], r["share_label"]) for r in rows] == [
        (True, "наступил для всех", f"100,0{NBSP}% из 1 обращения, срок ответа по которому наступил — мало данных"),
        (True, "наступил для всех", f"75,0{NBSP}% из 4 обращений, срок ответа по которым наступил — мало данных"),
        (False, "ещё не наступил: 4 из 10", f"100,0{NBSP}% из 6 обращений, срок ответа по которым наступил"),
        (True, "ещё не наступил: 91 из 94",
         f"100,0{NBSP}% из 3 обращений, срок ответа по которым наступил — мало данных")]
    # Each layer's rows carry the fields it draws, not the series' other columns.
    assert set(rows[0]) == {"x_label", "share_in_norm", "point_kind", "sample_kind", "period_label", "bucket_kind",
                            "share_label", "due_label"}
    enough = df.assign(messages=[0, 6, 10, 7, 94], due=[0, 6, 10, 7, 94])
    spec = charts.timeliness_trend(enough, 0.9, grain="day").to_dict()
    assert not any("fill" in layer.get("encoding", {}) for layer in spec["layer"])   # no legend then


def test_a_bucket_with_messages_not_due_yet_is_lighter_and_says_how_many():
    """The last days' shares rest on part of their messages (the rest not due yet): their
    points are lighter, as a partial bucket's, a legend names them and the tooltip says how
    many are not due yet — a falling (or rising) last day is not read as a change of the rate."""
    days = [date(2026, 11, 26) + timedelta(days=i) for i in range(4)]
    df = pd.DataFrame({"period": days, "messages": [201, 100, 94, 0], "due": [201, 90, 30, 0],
                       "answered": [177, 41, 30, 0], "in_norm": [167, 41, 30, 0],
                       "share_in_norm": [167 / 201, 41 / 90, 1.0, None]})
    spec = charts.timeliness_trend(df, 0.9, grain="day").to_dict()
    points, rows = _share_points(spec)
    pending = "срок ответа наступил не у всех"
    assert points["encoding"]["opacity"]["scale"] == {"type": "ordinal", "domain": ["полный день", pending],
                                                      "range": [1, 0.4]}
    assert [(r["x_label"], r["point_kind"], r["due_label"]) for r in rows] == [
        ("26.11", "полный день", "наступил для всех"),
        ("27.11", pending, "ещё не наступил: 10 из 100"),
        ("28.11", pending, "ещё не наступил: 64 из 94")]
    assert {"field": "due_label", "title": "Срок ответа", "type": "nominal"} in points["encoding"]["tooltip"]
    assert pending in svg_texts(charts.timeliness_trend(df, 0.9, "day", 600))
    # The line into such a point is as light as it: 26.11–27.11 and 27.11–28.11.
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["opacity"] == {"value": 1, "condition": {"test": "datum.into_pending", "value": 0.4}}
    light = {(r["seg"], r["x_label"]) for r in spec["datasets"][line["data"]["name"]] if r["into_pending"]}
    assert sorted(light) == [(0, "26.11"), (0, "27.11"), (1, "27.11"), (1, "28.11")]
    # A partial week with messages not due yet is lighter once, named by the later reason.
    weeks = pd.DataFrame({"period": [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)],
                          "partial": [False, False, True], "messages": [1194, 1111, 40], "due": [1194, 1047, 10],
                          "share_in_norm": [0.79, 0.81, 0.5]})
    points, rows = _share_points(charts.timeliness_trend(weeks, grain="week").to_dict())
    assert points["encoding"]["opacity"]["scale"]["domain"] == ["полная неделя", pending]
    # With a partial week besides, the three entries in two columns: in a row they ran past a
    # half-width column at 1366 px (the plot ~400 px), «срок ответа наст» cut at the card's edge.
    three = weeks.assign(period=[date(2026, 11, 18), date(2026, 11, 23), date(2026, 11, 30)],
                         partial=[True, False, False])
    widths = [re.search(r'<svg[^>]* width="([\d.]+)"', vlc.vegalite_to_svg(
        charts.timeliness_trend(w, grain="week", width=400, height=200).to_dict())).group(1) for w in (
        three, three.assign(partial=False, due=three["messages"]))]
    assert widths[0] == widths[1]   # the legend adds no width to the chart
    # Each lighter kind as light as the other: Vega's default (point) scale spread the range
    # and drew a partial week at 0.7, between the full weeks and the not-yet-due one.
    spec = charts.timeliness_trend(three, grain="week").to_dict()
    scale = next(s for s in vlc.vegalite_to_vega(spec)["scales"] if s["name"] == "opacity")
    assert (scale["type"], scale["range"]) == ("ordinal", [1, 0.4, 0.4])
    assert [(r["bucket_kind"], r["point_kind"]) for r in rows] == [
        ("полная неделя", "полная неделя"), ("полная неделя", pending), ("неполная неделя", pending)]
    # All due: no such legend.
    spec = charts.timeliness_trend(df.assign(due=df["messages"]), 0.9, grain="day").to_dict()
    assert "opacity" not in _share_points(spec)[0]["encoding"]
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert not any(r["into_pending"] for r in spec["datasets"][line["data"]["name"]])


def test_timeliness_vs_oblast_draws_the_oblast_grey_with_the_difference_in_the_tooltip():
    """A municipality's share per week with the oblast's as a grey line: every bucket one row
    with both shares (none where a bucket had nothing due: a gap in that line, the row kept);
    the oblast's partial or not-yet-due buckets lighter (its line into them too), named in the
    legend even where the municipality has none such; the tooltip prints both and the
    municipality's minus the oblast's in п.п."""
    weeks = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    mine = pd.DataFrame({"period": weeks, "partial": False, "messages": [10, 3, 0, 8], "due": [10, 3, 0, 8],
                         "in_norm": [7, 3, 0, 6], "share_in_norm": [0.7, 1.0, None, 0.75]})
    oblast = pd.DataFrame({"period": weeks, "partial": False, "messages": [400, 0, 380, 420],
                           "due": [400, 0, 380, 200], "in_norm": [320, 0, 342, 170],
                           "share_in_norm": [0.8, None, 0.9, 0.85]})
    spec = charts.timeliness_vs_oblast(mine, oblast, 0.9, grain="week").to_dict()
    rows = spec["datasets"][spec["layer"][0]["data"]["name"]]     # the tooltips' layer: every bucket
    pending = "срок ответа наступил не у всех"
    assert [(r["x_label"], r["gap_label"]) for r in rows] == [
        ("02.11", f"−10,0{NBSP}п.п."), ("09.11", "—"), ("16.11", "—"), ("23.11", f"−10,0{NBSP}п.п.")]
    assert rows[0]["oblast_label"] == f"80,0{NBSP}% из 400 обращений, срок ответа по которым наступил"

    def points_of(color: str) -> list[dict]:
        layer = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point"
                     and layer["mark"].get("color") == color)
        return spec["datasets"][layer["data"]["name"]]

    assert [(r["x_label"], r["oblast_share"], r["oblast_lighter"]) for r in points_of(charts.REFERENCE_COLOR)] == [
        ("02.11", 0.8, False), ("16.11", 0.9, False), ("23.11", 0.85, True)]
    assert [(r["x_label"], r["share_in_norm"], r["sample_kind"]) for r in points_of(charts.GOOD)] == [
        ("02.11", 0.7, charts.FEW_LABELS[0]),
        ("09.11", 1.0, charts.FEW_LABELS[1]),                       # 3 due: the municipality's point hollow
        ("23.11", 0.75, charts.FEW_LABELS[0])]
    assert {t["title"]: t["field"] for t in spec["layer"][0]["encoding"]["tooltip"]} == {
        "Период с": "period_label", "Интервал": "bucket_kind", "Ответ в срок": "share_label",
        "Срок ответа": "due_label", "Вся область": "oblast_label", "Разница с областью": "gap_label"}
    # The oblast's line: grey, 02.11 to nothing (09.11 has no share), then 16.11–23.11, lighter.
    grey = [layer for layer in spec["layer"] if layer["mark"].get("color") == charts.REFERENCE_COLOR]
    line = next(layer for layer in grey if layer["mark"]["type"] == "line")
    segs = spec["datasets"][line["data"]["name"]]
    assert [(r["seg"], r["x_label"], r["lighter"]) for r in segs] == [(1, "16.11", True), (1, "23.11", True)]
    assert line["encoding"]["opacity"]["condition"] == {"test": "datum.lighter", "value": 0.4}
    # Its lighter bucket is named in the legend, though every bucket of the municipality is due.
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point"
                  and layer["mark"].get("color") == charts.GOOD)
    assert points["encoding"]["opacity"]["scale"]["domain"] == ["полная неделя", pending]
    assert pending in svg_texts(charts.timeliness_vs_oblast(mine, oblast, 0.9, "week", 600))
    # Without the oblast's frame it is timeliness_trend, as «Обзор» draws it.
    assert charts.timeliness_trend(mine, 0.9, "week").to_dict() == charts._timeliness(
        mine, None, 0.9, "week", "container", 260, None).to_dict()


def test_topics_beyond_the_top_are_one_bar_of_the_rest():
    """Eight of eleven topics printed shares summing to 85 % of all messages: the rest are
    one grey bar «Другие темы (3)» last, with their sum; one left over keeps its name."""
    names = [f"Тема {i}" for i in range(11)]
    messages = [100 - 5 * i for i in range(11)]
    total = sum(messages)
    topics = pd.DataFrame({"topic": names, "messages": messages, "share": [m / total for m in messages]})
    spec = charts.topic_bars(topics, top=8).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["topic"] for r in rows] == names[:8] + ["Другие темы (3)"]
    assert rows[-1]["messages"] == sum(messages[8:]) and rows[-1]["rest"] is True
    assert sum(r["messages"] for r in rows) == total
    assert rows[-1]["text"] == f"{fmt.num(sum(messages[8:]))} · {charts.share_text(sum(messages[8:]) / total)}"
    nine = next(iter(charts.topic_bars(topics.head(9), top=8).to_dict()["datasets"].values()))
    assert [r["topic"] for r in nine] == names[:9] and not any(r["rest"] for r in nine)


def test_no_messages_at_all_is_said_in_words():
    """Telegram alone: weeks of zero messages drew an axis of a single «0» over nothing, beside
    «Ответ в срок»'s «Нет данных»; the platform chart with nothing kept its title."""
    weeks = [date(2026, 11, 2) + timedelta(weeks=i) for i in range(4)]
    zeros = pd.DataFrame({"period": weeks, "messages": [0] * 4, "answered": [0] * 4, "share_in_norm": [None] * 4})
    assert charts.messages_trend(zeros).to_dict()["datasets"].popitem()[1] == [{"t": charts.NO_MESSAGES}]
    some = zeros.assign(messages=[0, 1, 0, 0], answered=[0, 1, 0, 0])
    assert charts.messages_trend(some).to_dict()["mark"]["type"] == "bar"
    none = pd.DataFrame({"platform": ["tg"], "platform_label": ["Telegram"], "messages": [0], "subscribers": [5]})
    assert charts.platform_bars(none, "messages", title="Обращения").to_dict()["title"] == "Обращения"
