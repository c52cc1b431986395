"""The chart specs the pages cache (widgets._chart_spec): what Streamlit sends for them."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd


def _marshalled(spec: dict):
    """What st.vega_lite_chart sends for ``spec``: the spec's JSON and each named dataset's bytes."""
    from streamlit.elements.vega_charts import _marshall_chart_data, _prepare_vega_lite_spec
    from streamlit.proto.VegaLiteChart_pb2 import VegaLiteChart

    proto = VegaLiteChart()
    spec = _prepare_vega_lite_spec(spec, True)
    _marshall_chart_data(proto, spec, None)
    return spec, {d.name: d.data.data for d in proto.datasets}


def test_the_cached_spec_carries_the_datasets_as_the_arrow_bytes_streamlit_sends():
    """Each dataset's rows become Arrow once, when the spec is made and cached: Streamlit
    converted them on every draw (about 1 ms a dataset) and passes bytes through. The browser
    gets the same spec and the same bytes either way."""
    import altair as alt
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    from dashboard.presentation import charts
    from dashboard.ui import widgets

    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(4)]
    series = pd.DataFrame({"period": days, "partial": False, "messages": [10, 0, 7, 94], "due": [10, 0, 7, 30],
                           "answered": [9, 0, 7, 30], "in_norm": [8, 0, 6, 30],
                           "share_in_norm": [0.8, None, 6 / 7, 1.0]})
    with alt.theme.enable(charts.THEME), alt.data_transformers.enable(charts.DATA_TRANSFORMER):
        rows = charts.timeliness_trend(series, 0.9, grain="day").to_dict()
    cached = widgets.arrow_datasets(rows)
    assert len(rows["datasets"]) >= 3 and set(cached["datasets"]) == set(rows["datasets"])
    assert all(isinstance(b, bytes) for b in cached["datasets"].values())
    assert {k: v for k, v in cached.items() if k != "datasets"} == {k: v for k, v in rows.items() if k != "datasets"}
    assert _marshalled(cached) == _marshalled(rows)
    points = next(layer for layer in rows["layer"] if layer["mark"]["type"] == "point" and "y" in layer["encoding"])
    back = convert_arrow_bytes_to_pandas_df(cached["datasets"][points["data"]["name"]])
    assert list(back["x_label"]) == ["01.11", "03.11", "04.11"]
    assert list(back["share_in_norm"]) == [0.8, 6 / 7, 1.0]
    # The spec widgets.chart draws is the cached one: rows already Arrow.
    spec = widgets._chart_spec("dashboard.presentation.charts.timeliness_trend", (series, 0.9), (("grain", "day"),))
    assert spec == cached
