"""Dashboard of the official social-media pages of Novosibirsk oblast.

Layers, each a sub-package; imports point down only:

    ui/            Streamlit shell (entry point, cache, start-up, sidebar, cards)
    presentation/  charts, maps, reports
    writers/       importing, collect, demo, summaries
    core/          settings, schema, db, periods, metrics, formatting

``queries/`` (top level) sits between presentation and the core; ``pages/`` on top.
"""
