"""Chart images for reports: Altair definitions exported to PNG with vl-convert.

Charts the app also shows come from ``dashboard.presentation.charts`` (the same definitions and
theme as on screen); this module adds the report-only static map (the app map's classes
and colours from ``dashboard.presentation.maps``) and sizes every chart to its place on the slide with
fonts large enough to read from the back of a room.
"""

from __future__ import annotations

import copy
from functools import lru_cache

import altair as alt
import pandas as pd

from dashboard.core.reference_data import boundaries
from dashboard.presentation import charts, maps
from dashboard.presentation.reports import theme
from dashboard.presentation.reports.theme import Box

# Report overrides on top of the app theme: bigger type, embedded-safe font. The font is set
# wherever the app theme names one (it leads with the browser page's «Source Sans»), so every
# text of an image is DejaVu, as the PDF around it.
_FONT = theme.CHART_FONT
REPORT_CONFIG = {
    "font": _FONT,
    "background": "white",
    "axis": {"labelFont": _FONT, "titleFont": _FONT, "labelFontSize": 17, "titleFontSize": 18,
             "titleFontWeight": "normal", "labelColor": "#" + theme.TEXT, "titleColor": "#" + theme.MUTED},
    "legend": {"labelFont": _FONT, "titleFont": _FONT, "labelFontSize": 17, "titleFontSize": 18,
               "titleFontWeight": "normal", "labelLimit": 400, "titleLimit": 600},
    "header": {"labelFont": _FONT, "titleFont": _FONT, "labelFontSize": 17, "titleFontSize": 18},
    "title": {"font": _FONT, "fontSize": 20},
    "text": {"font": _FONT, "fontSize": 17},
    "view": {"stroke": None},
}


@lru_cache(maxsize=1)
def _vl_convert():
    import vl_convert

    theme.check_fonts()
    vl_convert.register_font_directory(str(theme.FONT_DIR))
    return vl_convert


def _merge(base: dict, extra: dict) -> dict:
    """Deep-merge extra into a copy of base (extra wins)."""
    out = copy.deepcopy(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def px(inches: float) -> int:
    return int(round(inches * theme.CHART_PX_PER_IN))


def report_spec(chart: alt.TopLevelMixin, box: Box, overrides: dict | None = None) -> dict:
    """The Vega-Lite spec of ``chart`` sized to ``box`` in the report's type (REPORT_CONFIG).

    ``overrides`` is merged into the top-level spec last (e.g. padding for labels past the bars)."""
    spec = chart.to_dict()
    if not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        spec.update(width=px(box.w), height=px(box.h), autosize={"type": "fit", "contains": "padding"})
    spec["config"] = _merge(spec.get("config", {}), REPORT_CONFIG)
    return _merge(spec, overrides or {})


def to_png(chart: alt.TopLevelMixin, box: Box, overrides: dict | None = None) -> bytes:
    """Render ``chart`` to a PNG that fills ``box`` at 2x resolution, Russian number formats."""
    spec = report_spec(chart, box, overrides)
    vlc = _vl_convert()
    return vlc.vegalite_to_png(spec, scale=2, format_locale="ru-RU", time_format_locale="ru-RU")


# -- the static map ---------------------------------------------------------------

def status_map(ch: maps.Choropleth, highlight_id: int | None = None) -> alt.LayerChart:
    """The app map's classes and colours (``maps.map_classes``, given: the slide's key reads
    the same) as a static Altair map.

    The urban okrugs, too small to see at oblast scale, also get a circle at their centre, as
    in the app; ``highlight_id`` outlines one municipality. A value from fewer messages than
    the rating's threshold is drawn pale in a dashed border, as on the app's map (``ch.few``).
    """
    label_of = {colour: label for colour, label in ch.legend}
    props = {f["properties"]["name"]: f["properties"] for f in boundaries()["features"]}
    data = pd.DataFrame([
        {"name": name, "cls": label_of[ch.colours[mid]], "selected": mid == highlight_id,
         "lat": props[name]["center_lat"], "lon": props[name]["center_lon"],
         "urban": name in maps.URBAN_OKRUGS, "few": mid in ch.few}
        for mid, name in ch.names.items() if name in props])
    scale = alt.Scale(domain=[label for _, label in ch.legend], range=[colour for colour, _ in ch.legend])
    color = alt.Color("cls:N", title=ch.metric.label, scale=scale,
                      legend=alt.Legend(orient="bottom", direction="horizontal", columns=3,
                                        symbolType="square", symbolSize=400, columnPadding=24))
    areas = alt.Chart(alt.Data(values=boundaries()["features"])).transform_lookup(
        lookup="properties.name", from_=alt.LookupData(data, "name", ["cls", "selected"]),
    ).mark_geoshape(stroke=maps.BORDER_COLOUR, strokeWidth=0.8).encode(color=color)
    # Small samples: a white veil over the class colour (the app's fill opacity) in a dashed border.
    pale = alt.Chart(alt.Data(values=boundaries()["features"])).transform_lookup(
        lookup="properties.name", from_=alt.LookupData(data, "name", ["few"]),
    ).transform_filter("datum.few").mark_geoshape(
        fill="white", fillOpacity=1 - maps.FEW_FILL_OPACITY, stroke=maps.FEW_BORDER_COLOUR,
        strokeWidth=1.2, strokeDash=[4, 3])
    markers = alt.Chart(data[data["urban"]]).mark_circle(size=260).encode(
        longitude="lon:Q", latitude="lat:Q", color=alt.Color("cls:N", scale=scale, legend=None),
        opacity=alt.condition("datum.few", alt.value(maps.FEW_FILL_OPACITY + 0.15), alt.value(1)),
        stroke=alt.condition("datum.selected", alt.value(maps.SELECTED_COLOUR), alt.value(maps.BORDER_COLOUR)),
        strokeWidth=alt.condition("datum.selected", alt.value(4), alt.value(1.5)),
    )
    layers = [areas, pale, markers]
    if highlight_id is not None:
        layers.append(alt.Chart(alt.Data(values=boundaries()["features"])).transform_lookup(
            lookup="properties.name", from_=alt.LookupData(data, "name", ["selected"]),
        ).transform_filter("datum.selected").mark_geoshape(
            fill=None, stroke=maps.SELECTED_COLOUR, strokeWidth=4))
    return alt.layer(*layers).project("mercator")


# -- every image of a deck --------------------------------------------------------

# Per-chart adjustments for slide sizes: room for value labels right of the longest bar,
# a two-column legend where one row would not fit.
OVERRIDES = {
    "topics": {"padding": {"left": 8, "top": 8, "bottom": 8, "right": 110}},
    "responses": {"config": {"legend": {"columns": 2}, "text": {"fontSize": 15}}},
}


def chart_definitions(c) -> dict[str, alt.TopLevelMixin]:
    """The deck's charts (keys of deck.CHART_BOXES) for a ReportContent."""
    from dashboard.presentation.reports.deck import CHART_BOXES

    goal = c.targets["share_in_norm"].goal if "share_in_norm" in c.targets else None
    return {
        "map": status_map(c.map_classes, highlight_id=c.municipality_id),
        "messages": charts.messages_trend(c.series, c.grain),
        # A municipality's with the oblast's share beside it, as on «Муниципалитет».
        "timeliness": charts.timeliness_trend(c.series, goal, grain=c.grain) if c.oblast_series is None
        else charts.timeliness_vs_oblast(c.series, c.oblast_series, goal, grain=c.grain),
        # Of the slide's width, not a page's column: the padding above makes room for the values.
        "topics": charts.topic_bars(c.topics, width=px(CHART_BOXES["topics"].w)),
        "responses": charts.response_distribution(c.responses, c.norm.hours),
    }


def chart_images(c, progress=lambda fraction, text: None) -> dict[str, bytes]:
    """Render each chart once, sized for its place on the slide."""
    from dashboard.presentation.reports.deck import CHART_BOXES

    defs = chart_definitions(c)
    out = {}
    for i, (name, chart) in enumerate(defs.items()):
        progress(i / len(defs), f"Графики: {i + 1} из {len(defs)}…")
        out[name] = to_png(chart, CHART_BOXES[name], OVERRIDES.get(name))
    return out
