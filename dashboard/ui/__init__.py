"""The Streamlit shell: the entry point ``app.py``, its static files, the query cache,
start-up, sidebar filters and shared building blocks. The only package that imports
Streamlit (besides ``pages/``)."""
