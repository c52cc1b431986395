"""Time series on the fixture. November 2026 weeks start on Mondays 2, 9, 16, 23 November;
1 November (a Sunday) belongs to the week of 26 October and 30 November (a Monday) starts
a week: both are partial buckets of November and have no messages."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from queries import Norm, series
from tests.fixture_data import NOV, NOW, OCT, TOPIC_ID

W1, W2, W3, W4 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)
W0, W5 = date(2026, 10, 26), date(2026, 11, 30)


def test_messages_series_by_week(fixture_engine):
    # Week of 2.11: 1-6, 23-26 (10, all answered): 30 90 200 600 1500 4000 100 500 40 1440;
    #   < 24 h: 7; median: 5th of 10 is 200 in [180, 240) with 4 below -> 180 + 1 × 60 = 240.
    # Week of 9.11: 7-11, 27, 28 (7); answers 45 10 300 2000 5; < 24 h: 4;
    #   median 2.5th of 5 in [45, 60) with 2 below -> 45 + 0.5 × 15 = 52.5.
    # Week of 16.11: 12-16 (5): 120 20 60 1000 180, all < 24 h; median in [120, 180): 150.
    # Week of 23.11: 17-22 (6); answers 21 (5) and 22 (15); median 1st of 2 in [5, 10): 10.
    with fixture_engine.connect() as conn:
        df = series.messages_series(conn, NOV, "week")
    assert list(df.columns[:8]) == ["period", "days", "partial", "messages", "answered", "in_norm",
                                    "share_in_norm", "median_response_min"]
    # Every week touching November, the two cut ones partial and empty: 0, not missing.
    assert list(df["period"]) == [W0, W1, W2, W3, W4, W5]
    assert list(df["days"]) == [1, 7, 7, 7, 7, 1]
    assert list(df["partial"]) == [True, False, False, False, False, True]
    assert list(df["messages"]) == [0, 10, 7, 5, 6, 0]
    assert list(df["answered"]) == [0, 10, 5, 5, 2, 0]
    assert list(df["in_norm"]) == [0, 7, 4, 5, 2, 0]
    assert df["share_in_norm"].tolist()[1:5] == pytest.approx([7 / 10, 4 / 7, 5 / 5, 2 / 6])
    assert df["median_response_min"].tolist()[1:5] == pytest.approx([240.0, 52.5, 150.0, 10.0])
    # No share or median where there are no messages: the line breaks there.
    assert df.loc[[0, 5], ["share_in_norm", "median_response_min"]].isna().all().all()


def test_messages_series_by_month_and_day(fixture_engine):
    with fixture_engine.connect() as conn:
        month = series.messages_series(conn, NOV, "month")
        day = series.messages_series(conn, NOV, "day")
        two_months = series.messages_series(conn, NOV.with_(start=OCT.start), "month")
        working = series.messages_series(conn, NOV.with_(norm=Norm(8, "working")), "month")
    assert list(month["period"]) == [date(2026, 11, 1)] and not month["partial"][0]
    assert (month["messages"][0], month["answered"][0], month["in_norm"][0]) == (28, 22, 18)
    assert month["share_in_norm"][0] == pytest.approx(18 / 28)
    assert month["median_response_min"][0] == pytest.approx(120.0)
    assert list(two_months["period"]) == [date(2026, 10, 1), date(2026, 11, 1)]
    assert list(two_months["messages"]) == [8, 28]
    assert (working["in_norm"][0], working["median_response_min"][0]) == (18, pytest.approx(105.0))
    # Every day of November is there; messages on 2-6, 9-13, 16-19, 21, 23, 24, 26-28 only.
    assert len(day) == 30 and not day["partial"].any()
    assert (day["messages"] > 0).sum() == 20
    empty = day[day["messages"] == 0]
    assert (empty["answered"] == 0).all() and empty["share_in_norm"].isna().all()
    assert day.set_index("period").loc[date(2026, 11, 1), "messages"] == 0
    assert day.set_index("period").loc[date(2026, 11, 2), "messages"] == 3      # 1, 2, 23
    assert day.set_index("period").loc[date(2026, 11, 28), "messages"] == 2     # 20, 21
    assert day["messages"].sum() == 28


def test_messages_series_filters(fixture_engine):
    with fixture_engine.connect() as conn:
        nsk = series.messages_series(conn, NOV.with_(municipality_ids=(31,)), "week")
        snow = series.messages_series(conn, NOV.with_(topic_ids=(TOPIC_ID["snow"],)), "week")
    # Новосибирск: week 2.11: 1-6; 9.11: 7-9; 16.11: 16; 23.11: 17, 18, 20, 21, 22.
    assert list(nsk["messages"]) == [0, 6, 3, 1, 5, 0]
    # Snow: 27 (9.11), 11 (13.11), 16 (21.11): no snow in the other weeks, which show 0.
    assert list(snow["period"]) == [W0, W1, W2, W3, W4, W5]
    assert list(snow["messages"]) == [0, 0, 2, 1, 0, 0]


def test_messages_series_by_platform_and_topic(fixture_engine):
    with fixture_engine.connect() as conn:
        by_platform = series.messages_series_by(conn, NOV, "platform", "week")
        by_topic = series.messages_series_by(conn, NOV, "topic", "month")
    assert list(by_platform.columns) == ["period", "key", "label", "messages", "partial"]
    got = {(r.period, r.key): r.messages for r in by_platform.itertuples() if r.messages}
    # Every week for every platform with messages: 6 weeks × VK, OK, MAX.
    assert len(by_platform) == 18 and set(by_platform["period"]) == {W0, W1, W2, W3, W4, W5}
    # Week 2.11: VK 1-5, 23, 24; OK 6, 25, 26. Week 9.11: VK 10, 11, 27, 28; OK 7; MAX 8, 9.
    # Week 16.11: VK 13-16; OK 12. Week 23.11: VK 17, 19-22; OK 18.
    assert got == {
        (W1, "ok"): 3, (W1, "vk"): 7,
        (W2, "max"): 2, (W2, "ok"): 1, (W2, "vk"): 4,
        (W3, "ok"): 1, (W3, "vk"): 4,
        (W4, "ok"): 1, (W4, "vk"): 5,
    }
    assert set(by_platform.loc[by_platform["key"] == "max", "label"]) == {"MAX"}
    # Month: roads 15, housing 6, improvement 3, education 1, snow 3 (in topic id order).
    codes = ("roads", "housing", "improvement", "education", "snow")
    assert list(by_topic["key"]) == [TOPIC_ID[c] for c in codes]
    assert list(by_topic["messages"]) == [15, 6, 3, 1, 3]
    assert by_topic["label"].iloc[0] == "Дороги"


def test_subscribers_series(fixture_engine):
    # Snapshot dates in November: 1 (week of 26.10), 16 and 30 (their own weeks).
    # 1.11: VK 1200 (p1) + 210 (p5) + 400 (p8, from 16.10) + 5000 (p9, from 1.10) = 6810;
    #       OK 520 + 100 (p6, from 1.10) = 620; Telegram 300 (from 16.10); MAX: no snapshot yet.
    # 16.11: VK 1300 + 210 + 60 + 400 + 5200 = 7170; OK 620; MAX 50; Telegram 350.
    # 30.11: VK 1400 + 220 + 60 + 420 + 5200 = 7300; OK 540 + 100 = 640; MAX 80; Telegram 350.
    with fixture_engine.connect() as conn:
        weekly = series.subscribers_series(conn, NOV, "week")
        monthly = series.subscribers_series(conn, NOV, "month")
        vk_nsk = series.subscribers_series(conn, NOV.with_(platforms=("vk",), municipality_ids=(31,)), "day")
    assert list(weekly.columns) == ["period", "platform", "platform_label", "subscribers"]
    got = {(r.period, r.platform): r.subscribers for r in weekly.itertuples()}
    assert got == {
        (date(2026, 10, 26), "ok"): 620, (date(2026, 10, 26), "tg"): 300, (date(2026, 10, 26), "vk"): 6810,
        (W3, "max"): 50, (W3, "ok"): 620, (W3, "tg"): 350, (W3, "vk"): 7170,
        (date(2026, 11, 30), "max"): 80, (date(2026, 11, 30), "ok"): 640,
        (date(2026, 11, 30), "tg"): 350, (date(2026, 11, 30), "vk"): 7300,
    }
    assert {(r.platform, r.subscribers) for r in monthly.itertuples()} == {
        ("max", 80), ("ok", 640), ("tg", 350), ("vk", 7300)}
    assert set(monthly["period"]) == {date(2026, 11, 1)}
    # VK in Новосибирск: pages 1 and 8: 1.11: 1200 + 400; 16.11: 1300 + 400; 30.11: 1400 + 420.
    assert list(vk_nsk["period"]) == [date(2026, 11, 1), date(2026, 11, 16), date(2026, 11, 30)]
    assert list(vk_nsk["subscribers"]) == [1600, 1700, 1820]
    assert set(vk_nsk["platform_label"]) == {"ВКонтакте"}


def test_unknown_grain_is_rejected(fixture_engine):
    with fixture_engine.connect() as conn, pytest.raises(ValueError, match="детализация"):
        series.messages_series(conn, NOV, "year")


def test_share_in_norm_counts_only_messages_already_due(fixture_engine):
    # At NOW (28.11 19:00 local) the 24 h deadline cut-off is 27.11 19:00: 19 (27.11 20:00) and
    # 20 (28.11 09:00), unanswered, are not due yet and do not count against the share, as
    # on the cards (tests/test_page_overview.py: 18/26 = 69,2 %).
    # Month: in norm 18 of 28 − 2 = 26. Week of 23.11 (17-22): 2 of 6 − 2 = 4.
    # Days: 27.11 only 19 -> nothing due, no share; 28.11: 20 not due, 21 in 5 min -> 1/1.
    with fixture_engine.connect() as conn:
        month = series.messages_series(conn, NOV, "month", now=NOW)
        week = series.messages_series(conn, NOV, "week", now=NOW)
        day = series.messages_series(conn, NOV, "day", now=NOW).set_index("period")
    assert (month["messages"][0], month["due"][0]) == (28, 26)
    assert month["share_in_norm"][0] == pytest.approx(18 / 26)
    assert list(week["due"]) == [0, 10, 7, 5, 4, 0]
    assert week["share_in_norm"].tolist()[1:5] == pytest.approx([7 / 10, 4 / 7, 5 / 5, 2 / 4])
    assert (day.loc[date(2026, 11, 27), "messages"], day.loc[date(2026, 11, 27), "due"]) == (1, 0)
    assert pd.isna(day.loc[date(2026, 11, 27), "share_in_norm"])
    assert day.loc[date(2026, 11, 28), "share_in_norm"] == pytest.approx(1.0)
