"""The server: ``streamlit run dashboard/ui/serve.py`` (from the repository root; scripts/start.sh).

The app itself is dashboard/ui/app.py; this module wraps it in ``st.App`` (``streamlit run``
finds the ``app`` below and serves it with uvicorn, with the same options and .streamlit/config.toml)
to put two middlewares before Streamlit's routes: a nested address such as ``/karta/x`` is
redirected to an address the app can answer with its Russian «Страница не найдена» (Streamlit
alone shows a blank page there; dashboard/ui/notfound.py says why), and the HTML document is
Russian before Streamlit's scripts run (dashboard/ui/document.py: the calendar of «Свой период»
in an English browser). ``streamlit run dashboard/ui/app.py`` still works, without either.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from dashboard.ui.document import RussianDocument
from dashboard.ui.notfound import NestedPathRedirect

app = st.App("app.py", middleware=[Middleware(NestedPathRedirect), Middleware(RussianDocument)])
