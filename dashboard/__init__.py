"""Dashboard of the official social-media pages of Novosibirsk oblast.

Pure logic (settings, schema, KPIs, demo data, imports, charts, maps, reports)
lives here free of Streamlit; only ``dashboard.widgets`` and ``app_pages/`` import it.
"""
