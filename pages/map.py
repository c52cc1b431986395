"""«Карта»: the 35 municipalities coloured by a chosen metric; a click opens the profile.

Works in a closed network: Leaflet is served by the app itself (dashboard.presentation.maps).
The sidebar's municipality filter is not applied to the map (it compares all 35);
the chosen municipality is outlined instead.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
import streamlit_folium

from dashboard.core.metrics import KPIS
from dashboard.core.reference_data import SHORT_NAMES_NOTE, short_name
from dashboard.core.settings import get_settings
from dashboard.presentation import maps
from dashboard.ui import widgets
from queries import REGIONAL, breakdowns

PROFILE_PAGE = widgets.PAGES_DIR / "municipality.py"
MAP_HEIGHT = 500
TABLE_HEIGHT = MAP_HEIGHT - 52  # the scale switch sits above the table


def open_profile(municipality_id: int | None) -> None:
    """Go to the municipality's profile page (it reads the ``m`` query parameter)."""
    if municipality_id:
        st.switch_page(PROFILE_PAGE, query_params={"m": str(municipality_id)})


LEGEND_CSS = """<style>
.map-legend { display: flex; flex-wrap: wrap; align-items: center; gap: 0.2rem 1.1rem;
  font-size: 0.92rem; margin: 0.1rem 0 0.2rem 0; }
.map-legend-title { font-weight: 600; }
.map-legend-note { color: #5b6b7f; font-size: 0.85rem; }
.map-legend-item { display: inline-flex; align-items: center; gap: 0.4rem; white-space: nowrap; }
.map-legend-swatch { display: inline-block; width: 1.5rem; height: 0.9rem; flex: none;
  border: 1px solid #5b6b7f; border-radius: 2px; }
.map-legend-swatch.few { background: #e8ecf1; border: 1.5px dashed #5b6b7f; }
</style>"""


def legend(ch: maps.Choropleth) -> None:
    """The map legend in one line above the map: a swatch per class, drawn by Streamlit
    (a legend inside the map would need extra JS)."""
    # No unit after the name: the values carry their own ('78,0 %', '5 ч 8 мин') or the name
    # says it ('Подписки на 1000 жителей').
    # Classes by a target name it themselves («от 90,0 % — цель»): no second «цель: не ниже 90 %».
    note = "" if ch.target is not None else ch.metric.scale_note
    items = "".join(
        f'<span class="map-legend-item"><span class="map-legend-swatch" style="background:{colour}">'
        f"</span>{html.escape(label)}</span>"
        for colour, label in ch.legend
    )
    if ch.few:
        # Drawn as on the map: pale, in a dashed border (maps._style).
        items += (f'<span class="map-legend-item"><span class="map-legend-swatch few"></span>'
                  f"{html.escape(ch.few_label)}</span>")
    st.markdown(
        f'{LEGEND_CSS}<div class="map-legend">'
        f'<span class="map-legend-title">{html.escape(ch.metric.label)}</span>'
        f'{items}<span class="map-legend-note">{html.escape(note)}</span></div>',
        unsafe_allow_html=True,
    )


def value_header(metric: maps.MapMetric) -> str:
    """The ranking's value header in its 96 px (wider broke the 1024 px layout): the legend
    above names the metric whole, the header's help too. «Медиана ответа», «Подписки на 1000»
    and «Обращения на 1000» were cut; a per-1000 value is headed by its unit."""
    kpi = KPIS[metric.kpi]
    if kpi.kind == "minutes":
        return "Медиана"
    if kpi.unit == "на 1000 жит.":
        return "На 1000 жит."
    return kpi.short


def ranked_table(ch: maps.Choropleth, selected: int | None) -> None:
    """Compact ranking beside the map, best first, with each row's map colour; the
    municipality chosen in the sidebar is highlighted."""
    rank = maps.ranking(ch)
    shown = pd.DataFrame({
        "place": rank["place"],
        "swatch": "●",
        "name": rank["name"].map(short_name),
        "value": rank["value"],
    })
    colours = rank["colour"].tolist()
    chosen = (rank["municipality_id"] == selected).tolist()
    config = {
        "place": widgets.number_column("№", "int", width=36),
        "swatch": st.column_config.TextColumn("", width=24),
        # Fixed widths keep the value column on screen on a 1024 px tablet; short names
        # («р. п. Кольцово»): the full ones were cut in the 170 px.
        "name": st.column_config.TextColumn("Муниципалитет", width=170, help=f"Сокращения: {SHORT_NAMES_NOTE}"),
        "value": widgets.kpi_column(ch.metric.code, value_header(ch.metric), width=96,
                                    help=f"{ch.metric.label}. {KPIS[ch.metric.kpi].formula}"),
    }
    widgets.table(shown, config, height=TABLE_HEIGHT, style=lambda styler: widgets.selected_rows(chosen)(
        styler.apply(lambda col: [f"color: {c}" for c in colours], subset=["swatch"])))
    if selected:
        st.caption(maps.place_line(ch, selected))
    if ch.shrunk:
        st.caption("Места — как в «Рейтинге»: с поправкой на малое число обращений (значение меньшей "
                   "выборки ближе к среднему по области), поэтому порядок может расходиться с показанными долями.")
    if ch.few:
        st.caption(f"«—» в графе № — меньше {ch.min_messages} обращений за период: значение "
                   "показано (на карте — бледно, в пунктирной границе), но места нет, как в «Рейтинге».")


f = widgets.current_filters()
widgets.page_header("Карта", f)

metric_code = st.segmented_control(
    "Показатель", list(maps.METRICS), default=maps.DEFAULT_METRIC, required=True,
    format_func=lambda code: maps.METRICS[code].label, key="metric", bind="query-params",
) or maps.DEFAULT_METRIC

selected = next((i for i in f.municipality_ids if i != REGIONAL), None)
data = widgets.cached(breakdowns.by_municipality, f.with_(municipality_ids=()))
ch = maps.map_classes(data, metric_code, get_settings().targets)

legend(ch)
left, right = st.columns([3, 2], gap="medium")
with right:
    view = st.segmented_control(
        "Масштаб", list(maps.VIEWS), default=maps.DEFAULT_VIEW, required=True,
        format_func=maps.VIEWS.get, key="view", bind="query-params", label_visibility="collapsed",
    ) or maps.DEFAULT_VIEW
    ranked_table(ch, selected)
with left:
    clicked = streamlit_folium.st_folium(
        maps.build_map(ch, get_settings().map_tiles_url, selected=selected, view=view),
        key="municipality_map", height=MAP_HEIGHT, use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
    st.caption(("Городские округа — кружки в столбец у агломерации, линии ведут к их центрам; "
                "крупнее — в масштабе «Новосибирская агломерация». " if view == "oblast" else "")
               + "Названия, которым не хватает места, — при наведении. "
               "Нажмите на муниципалитет, чтобы открыть его профиль (фильтр «Муниципалитет» станет "
               "им; сбросить — на странице).")

open_profile(maps.clicked_municipality_id(clicked))
