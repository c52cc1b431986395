"""The pure core: settings, schema and migrations, database access, periods, the metric
and platform registries, formatting, local time. Imports nothing from the layers above
and no Streamlit."""
