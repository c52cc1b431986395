"""«Карта»: the 35 municipalities coloured by a chosen metric; a click opens the profile.

Works in a closed network: Leaflet is served by the app itself (dashboard.maps).
The sidebar's municipality filter is not applied to the map (it compares all 35);
the chosen municipality is outlined instead.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
import streamlit_folium

from dashboard import maps, widgets
from dashboard.kpi import KPIS
from dashboard.settings import get_settings
from queries import REGIONAL, breakdowns

PROFILE_PAGE = "pages/municipality.py"
MAP_HEIGHT = 600
TABLE_HEIGHT = 452


def open_profile(municipality_id: int | None) -> None:
    """Go to the municipality's profile page (it reads the ``m`` query parameter)."""
    if municipality_id:
        st.switch_page(PROFILE_PAGE, query_params={"m": str(municipality_id)})


def legend(ch: maps.Choropleth) -> None:
    """The map legend: one swatch per class, drawn by Streamlit (no JS on the map)."""
    unit = KPIS[ch.metric.kpi].unit
    rows = "".join(
        f'<div class="map-legend-row"><span class="map-legend-swatch" style="background:{colour}"></span>'
        f"{html.escape(label)}</div>"
        for colour, label in ch.legend
    )
    st.markdown(
        f"""<style>
        .map-legend {{ font-size: 0.92rem; line-height: 1.5; margin-bottom: 0.4rem; }}
        .map-legend-title {{ font-weight: 600; }}
        .map-legend-note {{ color: #5b6b7f; font-size: 0.85rem; margin-bottom: 0.25rem; }}
        .map-legend-row {{ display: flex; align-items: center; gap: 0.5rem; white-space: nowrap; }}
        .map-legend-swatch {{ display: inline-block; width: 1.6rem; height: 0.95rem;
            border: 1px solid #5b6b7f; border-radius: 2px; flex: none; }}
        </style>
        <div class="map-legend">
          <div class="map-legend-title">{html.escape(ch.metric.label)}, {html.escape(unit)}</div>
          <div class="map-legend-note">{html.escape(ch.metric.scale_note)}</div>
          {rows}
        </div>""",
        unsafe_allow_html=True,
    )


def ranked_table(ch: maps.Choropleth) -> int | None:
    """Compact ranking beside the map; returns the municipality of a selected row."""
    rank = maps.ranking(ch)
    shown = pd.DataFrame({
        "place": rank["place"],
        "swatch": "●",
        "name": rank["name"],
        "value": rank["value_label"],
    })
    colours = rank["colour"].tolist()
    styled = shown.style.apply(
        lambda col: [f"color: {c}; font-size: 1.1rem" for c in colours], subset=["swatch"])
    event = st.dataframe(
        styled, hide_index=True, height=TABLE_HEIGHT, width="stretch",
        column_config={
            "place": st.column_config.NumberColumn("№", width=40),
            "swatch": st.column_config.TextColumn("", width=28),
            "name": st.column_config.TextColumn("Муниципалитет"),
            "value": st.column_config.TextColumn(ch.metric.label),
        },
        on_select="rerun", selection_mode="single-row", key="map_ranking",
    )
    selected = event.selection.rows if event is not None else []
    return int(rank["municipality_id"].iloc[selected[0]]) if selected else None


f = widgets.current_filters()
widgets.page_header("Карта", f)

metric_code = st.segmented_control(
    "Показатель", list(maps.METRICS), default=maps.DEFAULT_METRIC, required=True,
    format_func=lambda code: maps.METRICS[code].label, key="metric", bind="query-params",
) or maps.DEFAULT_METRIC

selected = next((i for i in f.municipality_ids if i != REGIONAL), None)
data = widgets.q(breakdowns.by_municipality, f.with_(municipality_ids=()))
ch = maps.choropleth(data, metric_code)

maps.ensure_assets()
left, right = st.columns([7, 4], gap="medium")
with left:
    clicked = streamlit_folium.st_folium(
        maps.build_map(ch, get_settings().map_tiles_url, selected=selected),
        key="municipality_map", height=MAP_HEIGHT, use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
    st.caption("Городские округа показаны кружками в их центрах. Нажмите на муниципалитет "
               "на карте или в таблице, чтобы открыть его профиль.")
with right:
    legend(ch)
    picked = ranked_table(ch)

open_profile(maps.clicked_municipality_id(clicked) or picked)
