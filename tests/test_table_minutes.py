"""Durations in screen tables print as the KPI's own card does («5 ч 8 мин», metrics.format_value),
not as bare minutes under «мин»; the cells stay numbers, so the columns sort as numbers."""

from __future__ import annotations


def _median_table():
    import pandas as pd

    from dashboard.ui import widgets

    df = pd.DataFrame({"name": ["а", "б", "в", "г"], "median_response_min": [308.0, 45.0, 2905.4, None]})
    widgets.table(df, {"name": "Муниципалитет", "median_response_min": widgets.kpi_column("median_response_min")})


def test_a_median_of_308_minutes_reads_5_h_8_min():
    import json

    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import display_texts

    at = AppTest.from_function(_median_table).run()
    assert not at.exception
    frame = at.dataframe[0]
    assert list(display_texts(frame)["median_response_min"]) == [
        "5\u00a0ч 8\u00a0мин", "45\u00a0мин", "2\u00a0дн", "—"]
    assert frame.value["median_response_min"].dtype.kind == "f"          # sorted as minutes
    config = json.loads(frame.proto.columns)["median_response_min"]
    assert config["label"] == "Медиана первого ответа"                    # the unit is in each value
    assert config["type_config"]["type"] == "number" and "format" not in config["type_config"]
