"""metrics.trend_grain: a scope's trends by the period's own buckets, or by coarser ones where
those would hold too few messages for a share — on the pages and in the report alike.

The other tests keep each period's own grain (conftest.trends_keep_the_periods_grain: the
hand-built fixture has 15 and 10 messages a month); these put the product's threshold back."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.core import metrics
from dashboard.core.periods import Period
from dashboard.presentation.reports import content, deck
from tests import fixture_data
from tests.apptest_utils import assert_ok, run_page, texts
from tests.conftest import new_database
from tests.fixture_data import NOW, NSK
from tests.test_reports import NORM, NOV

THIRTY = Period(date(2026, 10, 31), date(2026, 11, 29))   # 30 day buckets; 5 weeks (from 26.10); 2 months
HALF_YEAR = Period(date(2026, 6, 1), date(2026, 11, 30))  # 27 weeks; 6 months


@pytest.fixture
def product_threshold(monkeypatch):
    monkeypatch.setattr(metrics, "TREND_MIN_PER_BUCKET", metrics.KPIS["share_in_norm"].min_sample)


@pytest.mark.parametrize("period, count, grain", [
    (THIRTY, 150, "day"),      # 5 a day on average: days
    (THIRTY, 149, "week"),
    (THIRTY, 18, "week"),      # fewer than 5 a week too, but 2 months are no trend
    (Period(date(2026, 11, 23), date(2026, 11, 29)), 3, "day"),   # 7 days: 2 weeks are no trend
    (Period(date(2026, 7, 1), date(2026, 9, 30)), 69, "week"),    # a quarter: 3 months are none either
    (HALF_YEAR, 135, "week"),  # 27 weeks × 5
    (HALF_YEAR, 134, "month"),
    (Period(date(2025, 12, 1), date(2026, 11, 30)), 0, "month"),  # a year is months anyway
])
def test_the_period_s_grain_or_a_coarser_one_with_enough_in_each_bucket(period, count, grain):
    assert period.grain_for(count, 5) == grain


def test_the_threshold_is_the_share_s_minimum_sample(product_threshold):
    assert metrics.TREND_MIN_PER_BUCKET == metrics.KPIS["share_in_norm"].min_sample == 5
    assert metrics.trend_grain(THIRTY, 4722) == "day"   # the demo oblast's 30 days
    assert metrics.trend_grain(THIRTY, 132) == "week"   # a district's (город Бердск in the demo)


def test_a_municipality_s_month_of_15_messages_reads_by_weeks(app_db, product_threshold):
    """Новосибирск's 15 messages of the fixture's November are half a message a day:
    «Обращения» and «Ответ в срок» by weeks, and the caption says why; the weeks hold the same
    15 messages as the card."""
    at = run_page(app_db, "pages/municipality.py", now=NOW)
    at.sidebar.selectbox(key="mo").set_value(NSK).run()
    assert_ok(at)
    assert "Число обращений по неделям — по дням мало обращений" in texts(at)
    rows = _messages_rows(at)
    # Every week the period touches, the first and the last cut by it (marked partial), and
    # the week of 29.11, after the figures' last day (NOW, 28.11), as the report marks it.
    assert [(r["x_label"], bool(r["partial"])) for r in rows] == [
        ("26.10", True), ("02.11", False), ("09.11", False), ("16.11", False), ("23.11", True), ("30.11", True)]
    assert sum(r["messages"] for r in rows) == 15


def test_the_report_of_a_small_municipality_is_by_weeks_too(tmp_path, product_threshold):
    eng, cleanup = new_database("sqlite", tmp_path)
    try:
        with eng.begin() as conn:
            fixture_data.build(conn)
        c = content.gather(eng, NOV, NSK, NORM, NOW)
        assert c.grain == "week"
        # November touches six weeks, from Monday 26.10 to Monday 30.11.
        assert list(c.series["period"].astype(str)) == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16",
                                                        "2026-11-23", "2026-11-30"]
        assert int(c.series["messages"].sum()) == c.headline.messages == 15
        titles = [s.title for s in deck.build(c, {k: b"" for k in deck.CHART_BOXES}).slides]
        assert "Обращения по неделям" in titles and "Ответ в срок по неделям" in titles
    finally:
        cleanup()


def _messages_rows(at) -> list[dict]:
    """The «Обращения» chart's rows (the first chart with a ``messages`` column and no share)."""
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for e in at.get("vega_lite_chart"):
        for d in e.proto.datasets:
            df = convert_arrow_bytes_to_pandas_df(d.data.data)
            if "messages" in df and "share_in_norm" not in json.dumps(json.loads(e.proto.spec)):
                return df.to_dict("records")
    raise AssertionError("no «Обращения» chart")
