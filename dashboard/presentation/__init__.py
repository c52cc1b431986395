"""Presentation without Streamlit: Altair charts, folium maps and the report files
(PPTX, PDF, XLSX). Takes frames from ``queries`` and returns charts, maps and bytes."""
