"""The choropleth map of the 35 municipalities. Pure logic: folium, no Streamlit.

The map must draw in a closed network, so nothing here may point at a public CDN:

- Leaflet and jQuery come from the installed ``xstatic-leaflet`` / ``xstatic-jquery``
  packages; :func:`ensure_assets` copies them into the entry point's ``static/vendor/``
  (git-ignored; see ``dashboard.ui.startup``), which Streamlit serves at ``/app/static/vendor/...`` (``server.enableStaticServing``).
  Folium's Bootstrap / Font Awesome links are dropped (nothing here uses them).
- No tile layer unless ``settings.map_tiles_url`` is set.
- No branca colormap (streamlit-folium would add d3 from a CDN): classes and colours are
  computed here and the legend is returned as data for the page to draw.

The five urban okrugs are a few pixels wide at oblast scale but hold most residents, so
each also gets a circle marker of fixed pixel size at its centre, coloured like its area.
Every feature (polygon or marker) carries ``municipality_id`` so a click resolves to a
municipality (:func:`clicked_municipality_id`).
"""

from __future__ import annotations

import html
import math
import shutil
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import folium
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from dashboard.core import formatting as fmt
from dashboard.core import metrics
from dashboard.core.metrics import KPIS, LOW_DATA, low_data_messages
from dashboard.core.reference_data import BOUNDARIES_ATTRIBUTION, bare_name, boundaries
from queries.rating import MESSAGE_METRICS, shrunk

# -- static assets ------------------------------------------------------------

STATIC_URL = "/app/static/vendor"

LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"
JQUERY_JS = f"{STATIC_URL}/jquery/jquery.min.js"
MAP_JS = [("leaflet", LEAFLET_JS), ("jquery", JQUERY_JS)]
MAP_CSS = [("leaflet_css", LEAFLET_CSS)]


def _asset_sources() -> dict[str, Path]:
    """Installed XStatic data folders, by vendor sub-folder name."""
    import xstatic.pkg.jquery
    import xstatic.pkg.leaflet

    return {"leaflet": Path(xstatic.pkg.leaflet.BASE_DIR), "jquery": Path(xstatic.pkg.jquery.BASE_DIR)}


_ASSET_FILES = {
    "leaflet": ("leaflet.js", "leaflet.css", "images"),
    "jquery": ("jquery.min.js",),
}


def ensure_assets(target: Path) -> Path:
    """Copy Leaflet and jQuery from the installed XStatic packages into ``target``.

    Idempotent and cheap when the files are already there; returns ``target``."""
    sources = _asset_sources()
    for pkg, names in _ASSET_FILES.items():
        for name in names:
            src, dst = sources[pkg] / name, target / pkg / name
            if src.is_dir():
                if not dst.is_dir():
                    shutil.copytree(src, dst, dirs_exist_ok=True)
            elif not dst.exists() or dst.stat().st_size != src.stat().st_size:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
    return target


# -- metrics, classes and colours ---------------------------------------------


@dataclass(frozen=True)
class MapMetric:
    """A column of ``queries.breakdowns.by_municipality`` that the map can show."""

    code: str          # column name
    kpi: str           # key in dashboard.core.metrics.KPIS (name, unit, format, direction)

    @property
    def label(self) -> str:
        return KPIS[self.kpi].name

    def format(self, x) -> str:
        """The value as the registry writes it (same text as cards, tables and slides)."""
        return KPIS[self.kpi].format(x)

    @property
    def better(self) -> str:
        """'higher', 'lower' or 'neutral' (from the KPI catalogue)."""
        return KPIS[self.kpi].better

    @property
    def scale_note(self) -> str:
        """What a darker colour means, for the legend (quantile classes)."""
        if self.better == "neutral":
            return "темнее — больше"
        return "темнее — лучше" + (" (быстрее ответ)" if self.better == "lower" else "")


METRICS: dict[str, MapMetric] = {m.code: m for m in (
    MapMetric("share_in_norm", "share_in_norm"),
    MapMetric("median_response_min", "median_response"),
    MapMetric("subs_per_1000", "subs_per_1000"),
    MapMetric("messages", "messages"),
    MapMetric("messages_per_1000", "messages_per_1000"),
)}
DEFAULT_METRIC = "share_in_norm"

# ColorBrewer sequential palettes, light to dark. Neutral volumes in blues; quality
# metrics in yellow-greens with the darkest colour on the better end.
PALETTE_NEUTRAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
PALETTE_QUALITY = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
NO_DATA_COLOUR = "#d0d4da"
NO_DATA_LABEL = "нет данных"
N_CLASSES = 5


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def class_breaks(values, n_classes: int = N_CLASSES) -> list[float]:
    """Upper bounds of all classes but the last: quantile classes of the known values.

    Each bound is an actual value (nearest rank) taken from the values above the previous
    bound, so a heap of equal values (say, many zeros) forms one class and the remaining
    classes still split the rest evenly. Fewer than ``n_classes`` classes come out when
    there are fewer distinct values. A value ``x`` falls in class ``sum(x > b for b in breaks)``."""
    rest = sorted(float(v) for v in values if not _missing(v))
    breaks: list[float] = []
    for k in range(n_classes, 1, -1):
        if not rest:
            break
        b = rest[math.ceil(len(rest) / k) - 1]
        if b >= rest[-1]:
            break
        breaks.append(b)
        rest = [v for v in rest if v > b]
    return breaks


def class_of(x: float, breaks: list[float]) -> int:
    return sum(x > b for b in breaks)


def palette(n: int, better: str) -> list[str]:
    """``n`` colours for classes in ascending value order.

    Sequential, spread over the 5-step palette; for 'lower is better' metrics the order
    is reversed so that the darkest colour always marks the better end."""
    base = PALETTE_NEUTRAL if better == "neutral" else PALETTE_QUALITY
    if n <= 0:
        return []
    if n == 1:
        picks = [base[len(base) // 2]]
    else:
        picks = [base[round(i * (len(base) - 1) / (n - 1))] for i in range(n)]
    return picks[::-1] if better == "lower" else picks


@dataclass(frozen=True)
class Choropleth:
    """Colours and labels of one metric over the municipalities (regional bodies excluded)."""

    metric: MapMetric
    values: dict[int, float | None]   # municipality_id -> value (None: no data)
    colours: dict[int, str]           # municipality_id -> fill colour
    labels: dict[int, str]            # municipality_id -> formatted value
    names: dict[int, str]             # municipality_id -> name
    legend: list[tuple[str, str]]     # (colour, label), ascending values, then "нет данных"
    target: object = None             # dashboard.core.targets.Target when classes are by target
    # Municipalities whose value rests on too few messages to be placed (see choropleth):
    # municipality_id -> its number of messages; drawn pale with a dashed border.
    few: dict[int, int] = field(default_factory=dict)
    min_messages: int | None = None   # the rating's threshold behind ``few``
    # What ``ranking`` orders by, when not the value: the rating's shrunk estimate of a
    # message-based share or median (queries.rating.shrunk), so the places are «Рейтинг»'s.
    order: dict[int, float | None] | None = None

    @property
    def shrunk(self) -> bool:
        """True when the places follow the shrunk estimate, not the value shown."""
        return self.order is not None

    @property
    def few_label(self) -> str:
        """The legend's key to the pale, dashed areas: «мало данных: меньше 20 обращений»."""
        n = self.min_messages or 0
        return f"{LOW_DATA}: меньше {fmt.num(n)} {fmt.plural(n, 'обращения', 'обращений', 'обращений')}"

    def tooltip_label(self, mid: int) -> str:
        """The value as the tooltip shows it: «100,0 % — мало данных: 12 обращений» for a
        municipality in ``few``, else the value alone."""
        if mid not in self.few:
            return self.labels[mid]
        return f"{self.labels[mid]} — {low_data_messages(self.few[mid])}"


def status_choropleth(metric: MapMetric, values: dict[int, float | None], names: dict[int, str],
                      target) -> Choropleth:
    """Three classes against a KPI's target (dashboard.core.targets.Target): green — the
    target is met, amber — between the target and the amber limit, red — beyond it."""
    from dashboard.core.targets import BAD, GOOD, STATUS_COLOURS, WARN

    fmt_ = metric.format
    if target.higher_is_better:
        texts = {GOOD: f"от {fmt_(target.goal)} — цель", WARN: f"{fmt_(target.amber)} – {fmt_(target.goal)}",
                 BAD: f"ниже {fmt_(target.amber)}"}
    else:
        texts = {GOOD: f"до {fmt_(target.goal)} — цель", WARN: f"{fmt_(target.goal)} – {fmt_(target.amber)}",
                 BAD: f"больше {fmt_(target.amber)}"}
    colours, labels = {}, {}
    for mid, v in values.items():
        status = target.status(v)
        colours[mid] = STATUS_COLOURS[status] if status else NO_DATA_COLOUR
        labels[mid] = metric.format(v) if status else NO_DATA_LABEL
    present = {target.status(v) for v in values.values()}
    legend = [(STATUS_COLOURS[k], texts[k]) for k in (GOOD, WARN, BAD)]
    if None in present:
        legend.append((NO_DATA_COLOUR, NO_DATA_LABEL))
    return Choropleth(metric, values, colours, labels, names, legend, target)


def choropleth(df: pd.DataFrame, metric_code: str, targets: dict | None = None,
               min_messages: int | None = None) -> Choropleth:
    """Classify ``by_municipality`` rows by a metric column into coloured classes: by the
    KPI's target when ``targets`` (code -> dashboard.core.targets.Target) has one, else
    quantile classes. With ``min_messages`` (the rating's threshold,
    dashboard.core.metrics.rating_min_messages), a metric computed from messages marks the
    municipalities with fewer messages as ``few``: coloured by their class, but drawn pale with
    a dashed border, «мало данных: N обращений» in the tooltip, and not placed in the ranking
    (a small sample cannot top it, as on «Рейтинг»)."""
    metric = METRICS[metric_code]
    rows = df[df["municipality_id"] > 0]
    values = {int(r.municipality_id): (None if _missing(v := getattr(r, metric.code)) else float(v))
              for r in rows.itertuples()}
    names = {int(r.municipality_id): r.name for r in rows.itertuples()}
    few = {}
    if min_messages and metric.code in MESSAGE_METRICS and "messages" in rows:
        few = {int(i): int(n) for i, n in zip(rows["municipality_id"], rows["messages"])
               if n < min_messages and values[int(i)] is not None}
    ch = _classified(metric, values, names, targets)
    return replace(ch, few=few, min_messages=min_messages if few else None, order=_shrunk_order(rows, metric.code))


def _shrunk_order(rows: pd.DataFrame, code: str) -> dict[int, float | None] | None:
    """The rating's shrunk estimate of a message-based share or median per municipality
    (queries.rating.shrunk, RATING_SHRUNK), when the frame has its counts; else None. «Карта»
    had numbered «Чистоозёрный р-н 100,0 %» (21 messages) first where «Рейтинг» put it ninth."""
    need = metrics.RATING_SHRUNK.get(code)
    if need is None or not all(c in rows for c in need if c):
        return None
    adj = shrunk(rows, code)
    return {int(i): None if pd.isna(a) else float(a) for i, a in zip(rows["municipality_id"], adj)}


def map_classes(df: pd.DataFrame, metric_code: str = DEFAULT_METRIC, targets: dict | None = None) -> Choropleth:
    """The municipalities' classes as every map draws them — «Карта» and the report's map
    slide (ReportContent.map_classes; its picture and its key read the same object): by the
    KPI's target where ``targets`` (settings.targets) has one, else quantile classes; a value
    from fewer messages than the rating's threshold is ``few``, «мало данных» (choropleth)."""
    return choropleth(df, metric_code, targets, min_messages=metrics.rating_min_messages())


def _classified(metric: MapMetric, values: dict[int, float | None], names: dict[int, str],
                targets: dict | None) -> Choropleth:
    if targets and metric.kpi in targets:
        return status_choropleth(metric, values, names, targets[metric.kpi])
    breaks = class_breaks(values.values())
    known = [v for v in values.values() if v is not None]
    n = len(breaks) + 1 if known else 0
    colours_by_class = palette(n, metric.better)

    colours, labels = {}, {}
    members: dict[int, list[float]] = {}
    for mid, v in values.items():
        if v is None:
            colours[mid], labels[mid] = NO_DATA_COLOUR, NO_DATA_LABEL
            continue
        c = class_of(v, breaks)
        members.setdefault(c, []).append(v)
        colours[mid], labels[mid] = colours_by_class[c], metric.format(v)

    legend = []
    for c in range(n):
        lo, hi = min(members[c]), max(members[c])
        text = metric.format(lo) if lo == hi else f"{metric.format(lo)} – {metric.format(hi)}"
        legend.append((colours_by_class[c], text))
    if any(v is None for v in values.values()):
        legend.append((NO_DATA_COLOUR, NO_DATA_LABEL))
    return Choropleth(metric, values, colours, labels, names, legend)


def ranking(ch: Choropleth) -> pd.DataFrame:
    """Municipalities ranked best first (largest first for neutral metrics) — by the rating's
    shrunk estimate where ``ch.order`` has it, as «Рейтинг» places them —; then, without a
    place, those with too few messages (``ch.few``, in the same order); no-data last.

    Columns: municipality_id, place (1.. or None), name, value, value_label, colour.
    Equal values share a place."""
    ascending = ch.metric.better == "lower"
    order = ch.order or {}
    known = sorted(((v if order.get(mid) is None else order[mid], v, mid) for mid, v in ch.values.items() if v is not None),
                   key=lambda t: (t[2] in ch.few, t[0] if ascending else -t[0], ch.names[t[2]]))
    rows, place, prev = [], 0, None
    for i, (k, v, mid) in enumerate(known, start=1):
        if mid in ch.few:
            rows.append((mid, None, ch.names[mid], v, ch.labels[mid], ch.colours[mid]))
            continue
        if k != prev:
            place, prev = i, k
        rows.append((mid, place, ch.names[mid], v, ch.labels[mid], ch.colours[mid]))
    for mid in sorted((m for m, v in ch.values.items() if v is None), key=ch.names.get):
        rows.append((mid, None, ch.names[mid], None, ch.labels[mid], ch.colours[mid]))
    out = pd.DataFrame(rows, columns=["municipality_id", "place", "name", "value", "value_label", "colour"])
    out["place"] = out["place"].astype("Int64")
    return out


def place_line(ch: Choropleth, municipality_id: int) -> str:
    """Where one municipality stands in ``ranking(ch)``, for the line under «Карта»'s table
    (35 rows scroll; a municipality looking for its own row had to hunt for it):
    «город Бердск, «Ответ в срок»: 18-е место из 28 (76,5 %).», a small sample's value without a
    place, or «нет данных». The metric is named: «Место в рейтинге» on the profile is the
    composite's (23 из 28), another place."""
    if municipality_id not in ch.names:
        return ""
    rank = ranking(ch)
    row = rank[rank["municipality_id"] == municipality_id].iloc[0]
    name = f"{ch.names[municipality_id]}, «{ch.metric.label}»"
    if pd.notna(row["place"]):
        ranked = int(rank["place"].notna().sum())
        return f"{name}: {int(row['place'])}-е место из {ranked} ({ch.labels[municipality_id]})."
    if municipality_id in ch.few:
        return (f"{name}: {ch.labels[municipality_id]}, без места — "
                f"{low_data_messages(ch.few[municipality_id])}.")
    return f"{name}: {ch.labels[municipality_id]}."


# -- geometry -------------------------------------------------------------------

URBAN_OKRUGS = ("город Новосибирск", "город Бердск", "город Искитим", "город Обь",
                "рабочий посёлок Кольцово")
MARKER_RADIUS_PX = 7


@lru_cache(maxsize=1)
def _geometries() -> dict[str, dict]:
    """name -> GeoJSON geometry (already simplified in the data file; read once)."""
    return {f["properties"]["name"]: f["geometry"] for f in boundaries()["features"]}


@lru_cache(maxsize=1)
def _centres() -> dict[str, tuple[float, float]]:
    """name -> (lat, lon) of the administrative centre, for the urban okrugs' markers."""
    return {f["properties"]["name"]: (f["properties"]["center_lat"], f["properties"]["center_lon"])
            for f in boundaries()["features"]}


def _walk_coords(geometry: dict):
    coords = geometry["coordinates"]
    polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


@lru_cache(maxsize=4)
def bounds(names: tuple[str, ...] | None = None) -> list[list[float]]:
    """[[south, west], [north, east]] of the named boundaries (all when None)."""
    geoms = _geometries()
    pts = [p for name, g in geoms.items() if names is None or name in names for p in _walk_coords(g)]
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


# What the map can be zoomed to: the whole oblast, or the Novosibirsk agglomeration
# where the five urban okrugs are big enough to see and click.
VIEWS = {"oblast": "Вся область", "agglomeration": "Новосибирская агломерация"}
DEFAULT_VIEW = "oblast"


def view_bounds(view: str) -> list[list[float]]:
    return bounds(URBAN_OKRUGS) if view == "agglomeration" else bounds()


def _properties(ch: Choropleth, mid: int, selected: int | None) -> dict:
    return {"municipality_id": mid, "name": ch.names[mid], "value_label": ch.tooltip_label(mid),
            "colour": ch.colours[mid], "selected": mid == selected, "few": mid in ch.few}


def _features(ch: Choropleth, selected: int | None = None) -> dict:
    """Polygon features of the municipalities in ``ch`` with display properties."""
    geoms = _geometries()
    feats = []
    for mid, name in ch.names.items():
        if name not in geoms:
            continue
        feats.append({
            "type": "Feature",
            "geometry": geoms[name],
            "properties": _properties(ch, mid, selected),
        })
    return {"type": "FeatureCollection", "features": feats}


def _marker_features(ch: Choropleth, selected: int | None = None) -> dict:
    """Point features of the urban okrugs' markers (callout_points: a column beside the
    agglomeration, not their real centres, which are a few pixels apart at oblast scale)."""
    centres = callout_points()
    feats = []
    for mid, name in ch.names.items():
        if name in URBAN_OKRUGS and name in centres:
            lat, lon = centres[name]
            feats.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": _properties(ch, mid, selected),
            })
    return {"type": "FeatureCollection", "features": feats}


# -- the folium map ---------------------------------------------------------------

LEAFLET_PREFIX = '<a href="https://leafletjs.com" title="Библиотека интерактивных карт">Leaflet</a>'
ATTRIBUTION_HTML = (f'<a href="https://www.openstreetmap.org/copyright">'
                    f'{BOUNDARIES_ATTRIBUTION.split(" (")[0]}</a> (ODbL)')
MAP_BACKGROUND = "#dde3ea"
BORDER_COLOUR = "#ffffff"
TOOLTIP_STYLE = ("font-family: 'Source Sans', 'Source Sans Pro', 'DejaVu Sans', sans-serif; "
                 "font-size: 14px; padding: 4px 6px;")


class _AttributionPrefix(MacroElement):
    """Replaces Leaflet's attribution prefix (Leaflet 1.9 shows a flag icon there)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
        {% endmacro %}
    """)

    def __init__(self, prefix: str):
        super().__init__()
        self._name = "AttributionPrefix"
        self.prefix = prefix


SELECTED_COLOUR = "#c8102e"


# A value from too few messages (Choropleth.few): its class colour, pale, in a dashed border.
FEW_FILL_OPACITY = 0.35
FEW_BORDER_COLOUR = "#5b6b7f"
FEW_DASH = "5 4"


def _style(feature: dict) -> dict:
    props = feature["properties"]
    few = props.get("few")
    style = {"fillColor": props["colour"], "fillOpacity": FEW_FILL_OPACITY if few else 0.9,
             "color": BORDER_COLOUR, "weight": 1.1, "opacity": 1}
    if few:
        style.update(color=FEW_BORDER_COLOUR, weight=1.5, dashArray=FEW_DASH)
    if props.get("selected"):
        style.update(color=SELECTED_COLOUR, weight=3)
    return style


def _highlight(_feature: dict) -> dict:
    return {"weight": 2.5, "color": "#0b2545", "fillOpacity": 1}


def _marker_style(feature: dict) -> dict:
    props = feature["properties"]
    style = {"fill": True, "fillColor": props["colour"], "fillOpacity": 1, "radius": MARKER_RADIUS_PX,
             "color": SELECTED_COLOUR if props.get("selected") else "#0b2545",
             "weight": 3 if props.get("selected") else 1.5}
    if props.get("few"):
        style.update(fillOpacity=FEW_FILL_OPACITY, dashArray="3 2")
    return style


def _tooltip(metric: MapMetric) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(fields=["name", "value_label"], aliases=["Муниципалитет", metric.label],
                                 style=TOOLTIP_STYLE, sticky=True)


LABEL_CSS = (
    ".map-label { position: absolute; transform: translate(-50%, -50%); font-size: 11px; font-weight: 600;"
    " color: #0b2545; white-space: nowrap; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;"
    " pointer-events: none; line-height: 1; }"
    ".map-label.okrug-label { transform: translate(0, -50%); font-size: 12px; }"
    ".map-label.agglo-label { font-size: 13px; }"
    " path.map-leader { pointer-events: none !important; }")


def _ring_centroid(ring: list) -> tuple[float, float, float]:
    """(area, lon, lat) of a ring (shoelace; plane coordinates are fine at this scale)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not a:
        return 0.0, ring[0][0], ring[0][1]
    return abs(a) / 2, cx / (3 * a), cy / (3 * a)


@lru_cache(maxsize=1)
def label_points() -> dict[str, tuple[float, float, float]]:
    """name -> (lat, lon, area) of a district's label: the centroid of its largest polygon."""
    out = {}
    for name, g in _geometries().items():
        polygons = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        area, lon, lat = max(_ring_centroid([tuple(p[:2]) for p in poly[0]]) for poly in polygons)
        out[name] = (lat, lon, area)
    return out


def _label(m: folium.Map, lat: float, lon: float, text: str, css: str, priority: int) -> None:
    folium.Marker(
        (lat, lon), interactive=False, keyboard=False,
        icon=folium.DivIcon(html=f'<div class="map-label {css}" data-priority="{priority}">{html.escape(text)}</div>',
                            icon_size=(0, 0), icon_anchor=(0, 0), class_name="map-label-icon"),
    ).add_to(m)


def _add_district_labels(m: folium.Map, ch: Choropleth) -> None:
    """A name label on every district; where labels would overlap, the larger district's is
    kept (``_HideOverlaps``) and the other shows on zoom, or in the tooltip on hover."""
    points = label_points()
    districts = sorted((n for n in ch.names.values() if n in points and n not in URBAN_OKRUGS),
                       key=lambda n: -points[n][2])
    for rank, name in enumerate(districts, start=100):
        lat, lon, _ = points[name]
        _label(m, lat, lon, bare_name(name), "district-label", rank)


def _add_agglomeration_labels(m: folium.Map, ch: Choropleth) -> None:
    """At the agglomeration scale the urban okrugs are polygons big enough to name in place."""
    points = label_points()
    for i, name in enumerate(n for n in ch.names.values() if n in URBAN_OKRUGS and n in points):
        lat, lon, _ = points[name]
        _label(m, lat, lon, bare_name(name), "okrug-label agglo-label", i)


# At oblast scale the five urban okrugs are a few pixels apart: their markers stand in a
# column east of the agglomeration, in the order of their latitude, each with a label and a
# leader line to its real centre.
CALLOUT_LON = 84.05
CALLOUT_TOP_LAT = 55.7
CALLOUT_STEP = 0.33
CALLOUT_ROOM_LON = 1.3


@lru_cache(maxsize=1)
def callout_points() -> dict[str, tuple[float, float]]:
    """name -> (lat, lon) of an urban okrug's marker at oblast scale."""
    centres = _centres()
    order = sorted((n for n in URBAN_OKRUGS if n in centres), key=lambda n: -centres[n][0])
    return {n: (CALLOUT_TOP_LAT - i * CALLOUT_STEP, CALLOUT_LON) for i, n in enumerate(order)}


def _add_okrug_callouts(m: folium.Map, ch: Choropleth) -> None:
    centres, callouts = _centres(), callout_points()
    for i, (name, (lat, lon)) in enumerate(callouts.items()):
        # Drawn after the clickable markers (which stay right after the 35 polygons) and
        # transparent to the mouse (folium has no `interactive` option for vector layers).
        folium.PolyLine([centres[name], (lat, lon - 0.1)], color="#0b2545", weight=1, opacity=0.7,
                        class_name="map-leader").add_to(m)
        folium.CircleMarker(centres[name], radius=2, color="#0b2545", fill=True, fill_opacity=1, weight=0,
                            class_name="map-leader").add_to(m)
        _label(m, lat, lon + 0.16, bare_name(name), "okrug-label", i)


class _HideOverlaps(MacroElement):
    """Hides a label that overlaps a label of higher priority (lower number), again after
    every zoom, so the largest districts keep their names at oblast scale."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
          function place() {
            var els = Array.prototype.slice.call(map.getContainer().querySelectorAll('.map-label'));
            els.sort(function (a, b) { return a.dataset.priority - b.dataset.priority; });
            var shown = [];
            els.forEach(function (el) {
              el.style.visibility = 'visible';
              var r = el.getBoundingClientRect();
              var hit = shown.some(function (s) {
                return r.left < s.right + 2 && r.right > s.left - 2 && r.top < s.bottom + 1 && r.bottom > s.top - 1;
              });
              if (hit) { el.style.visibility = 'hidden'; } else { shown.push(r); }
            });
          }
          map.on('zoomend moveend resize', place);
          map.whenReady(function () { setTimeout(place, 0); setTimeout(place, 400); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "HideOverlaps"


def build_map(ch: Choropleth, tiles_url: str = "", selected: int | None = None,
              view: str = DEFAULT_VIEW, height: int | str = "100%") -> folium.Map:
    """The folium map: coloured polygons, urban okrug markers, local assets only.

    ``selected`` (a municipality id) is outlined in red. ``view`` (a key of VIEWS) sets
    the initial extent; the okrug markers are only needed, and only drawn, oblast-wide."""
    (south, west), (north, east) = view_bounds(view)
    if view == "oblast":
        east += CALLOUT_ROOM_LON  # the okrugs' labels right of their column
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None, zoom_start=6, min_zoom=5, max_zoom=13,
                   zoom_snap=0.25, zoom_delta=0.5, scroll_wheel_zoom=False, height=height,
                   font_size="0.8rem")
    m.default_js = MAP_JS
    m.default_css = MAP_CSS
    m.get_root().header.add_child(Element(
        f"<style>.leaflet-container {{ background: {MAP_BACKGROUND}; }}"
        f".leaflet-tooltip.foliumtooltip table th {{ text-align: left; padding-right: 8px;"
        f" font-weight: 400; color: #5b6b7f; }}{LABEL_CSS}</style>"))
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=" ", name="Подложка").add_to(m)
    folium.GeoJson(
        _features(ch, selected), name="Муниципалитеты", style_function=_style, highlight_function=_highlight,
        tooltip=_tooltip(ch.metric), attribution=ATTRIBUTION_HTML,
    ).add_to(m)
    if view == "agglomeration":
        _add_agglomeration_labels(m, ch)
    if view == "oblast":
        folium.GeoJson(
            _marker_features(ch, selected), name="Городские округа", style_function=_marker_style,
            marker=folium.CircleMarker(radius=MARKER_RADIUS_PX), tooltip=_tooltip(ch.metric),
        ).add_to(m)
        _add_okrug_callouts(m, ch)
    _add_district_labels(m, ch)
    _HideOverlaps().add_to(m)
    _AttributionPrefix(LEAFLET_PREFIX).add_to(m)
    m.fit_bounds([[south, west], [north, east]], padding=(8, 8))
    return m


# -- clicks ------------------------------------------------------------------------


def clicked_municipality_id(value) -> int | None:
    """The municipality a ``st_folium`` return value says was clicked, or None.

    Reads ``last_active_drawing`` (the clicked GeoJSON feature, polygon or marker) and
    its ``municipality_id`` property."""
    if not isinstance(value, dict):
        return None
    feature = value.get("last_active_drawing")
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties") or {}
    mid = props.get("municipality_id")
    try:
        return int(mid) if mid is not None and int(mid) > 0 else None
    except (TypeError, ValueError):
        return None
