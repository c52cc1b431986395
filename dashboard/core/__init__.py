"""The pure core: settings, schema and migrations, database access, periods, the metric
registry, formatting. Imports nothing from the layers above and no Streamlit."""
