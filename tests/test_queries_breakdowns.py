"""KPIs by municipality, platform and topic on the fixture (see test_queries_kpis.py for the
message list by hand). November 2026, norm 24 calendar hours, NOW = 28.11 19:00 local."""

from __future__ import annotations

import math

import pytest

from queries import REGIONAL, Norm, breakdowns
from tests.fixture_data import NOV, NOW, TOPIC_ID


def _row(df, **key):
    (col, value), = key.items()
    rows = df[df[col] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_by_municipality_rows_and_totals(fixture_engine):
    with fixture_engine.connect() as conn:
        df = breakdowns.by_municipality(conn, NOV, NOW)
    assert len(df) == 36
    assert list(df["municipality_id"]) == list(range(1, 36)) + [REGIONAL]
    assert list(df.columns[:20]) == [
        "municipality_id", "name", "kind", "population", "pages", "subscribers", "subs_per_1000",
        "messages", "messages_per_1000", "answered", "due", "in_norm", "share_in_norm",
        "median_response_min", "mean_response_min", "overdue", "photo_share", "posts",
        "posts_per_week", "er"]
    # Municipal figures plus the regional row add up to the oblast headline.
    assert df["messages"].sum() == 28
    assert df["subscribers"].sum() == 8370
    assert df["pages"].sum() == 9
    assert df["due"].sum() == 26 and df["in_norm"].sum() == 18 and df["overdue"].sum() == 2
    # A municipality without data: zeros and NaN shares.
    empty = _row(df, municipality_id=2)
    assert (empty["pages"], empty["messages"], empty["subscribers"]) == (0, 0, 0)
    assert math.isnan(empty["share_in_norm"]) and math.isnan(empty["median_response_min"])
    assert empty["subs_per_1000"] == 0.0


def test_by_municipality_values(fixture_engine):
    with fixture_engine.connect() as conn:
        df = breakdowns.by_municipality(conn, NOV, NOW)
    nsk = _row(df, municipality_id=31)
    # Pages 1, 2, 3, 4, 8; subscribers 1400 + 540 + 80 + 350 + 420; messages 1-9, 16-18, 20-22.
    # Answers sorted: 5 10 15 30 45 90 180 200 600 1500 4000 (sum 6675); < 24 h: 9.
    # Median: 5.5th of 11; 5 answers below bin [90, 120) holding one -> 90 + 0.5 × 30 = 105.
    assert nsk["name"] == "город Новосибирск" and nsk["population"] == 1633595
    assert (nsk["pages"], nsk["subscribers"], nsk["messages"], nsk["answered"]) == (5, 2790, 15, 11)
    assert (nsk["due"], nsk["in_norm"], nsk["overdue"]) == (14, 9, 2)
    assert nsk["share_in_norm"] == pytest.approx(9 / 14)
    assert nsk["median_response_min"] == pytest.approx(105.0)
    assert nsk["mean_response_min"] == pytest.approx(6675 / 11)
    assert nsk["photo_share"] == pytest.approx(2 / 11)
    assert nsk["subs_per_1000"] == pytest.approx(2790 / 1633595 * 1000)
    assert nsk["messages_per_1000"] == pytest.approx(15 / 1633595 * 1000)
    # Posts 45 + 13 + 9 + 25 + 9 = 101; likes 450+55+22+40+45 = 612, comments 90+7+3+0+5 = 105,
    # reposts 25+4+1+12+3 = 45.
    assert nsk["posts"] == 101
    assert nsk["posts_per_week"] == pytest.approx(101 / 5 / (30 / 7))
    assert nsk["er"] == pytest.approx(762 / 101 / 2790)

    district = _row(df, municipality_id=19)
    # Pages 5, 6; 220 + 100 subscribers; messages 10, 11, 12, 19, 23-28; 19 new (not due), 27 closed.
    # Answers sorted: 5 40 100 120 300 500 1440 2000 (sum 4505); < 24 h: 6 (1440 is not).
    # Median: 4th of 8 is the only one in [120, 180) with 3 below -> 120 + 1 × 60 = 180.
    assert (district["pages"], district["subscribers"], district["messages"]) == (2, 320, 10)
    assert (district["answered"], district["due"], district["in_norm"], district["overdue"]) == (8, 9, 6, 0)
    assert district["median_response_min"] == pytest.approx(180.0)
    assert district["mean_response_min"] == pytest.approx(4505 / 8)
    assert district["photo_share"] == pytest.approx(2 / 8)
    assert district["posts"] == 9

    bagan = _row(df, municipality_id=1)
    # One message answered in 20 min: bin [20, 30), median 20 + 0.5 × 10 = 25.
    assert (bagan["pages"], bagan["subscribers"], bagan["messages"], bagan["in_norm"]) == (1, 60, 1, 1)
    assert bagan["median_response_min"] == pytest.approx(25.0)

    regional = _row(df, municipality_id=REGIONAL)
    assert regional["name"] == "Региональные органы власти"
    assert math.isnan(regional["population"]) and math.isnan(regional["subs_per_1000"])
    assert (regional["pages"], regional["subscribers"]) == (1, 5200)
    assert (regional["messages"], regional["posts"]) == (2, 40)


def test_by_municipality_filtered(fixture_engine):
    with fixture_engine.connect() as conn:
        only = breakdowns.by_municipality(conn, NOV.with_(municipality_ids=(31,)), NOW)
        with_regional = breakdowns.by_municipality(conn, NOV.with_(municipality_ids=(31, REGIONAL)), NOW)
        ok = breakdowns.by_municipality(conn, NOV.with_(platforms=("ok",)), NOW)
    assert list(only["municipality_id"]) == [31]
    assert list(with_regional["municipality_id"]) == [31, REGIONAL]
    # OK pages: 2 (Новосибирск: messages 6, 7, 18) and 6 (район: 12, 25, 26).
    assert _row(ok, municipality_id=31)["messages"] == 3
    assert _row(ok, municipality_id=19)["messages"] == 3
    assert _row(ok, municipality_id=19)["subscribers"] == 100


def test_by_platform(fixture_engine):
    with fixture_engine.connect() as conn:
        df = breakdowns.by_platform(conn, NOV, NOW)
    assert list(df["platform"]) == ["vk", "ok", "max", "tg"]
    assert list(df["platform_label"]) == ["ВКонтакте", "Одноклассники", "MAX", "Telegram"]
    vk, ok, mx, tg = (df.iloc[i] for i in range(4))
    # VK: see test_headline_platform_filter.
    assert (vk["pages"], vk["subscribers"], vk["messages"], vk["due"], vk["in_norm"]) == (5, 7300, 20, 18, 14)
    assert vk["median_response_min"] == pytest.approx(120.0)
    # OK: pages 2, 6 (10 closed); messages 6, 7, 18, 12, 25, 26; answers 40 45 120 1440 4000;
    # 18 overdue -> due 6; median: 2.5th of 5 in [120, 180) with 2 below -> 120 + 0.5 × 60 = 150.
    assert (ok["pages"], ok["subscribers"], ok["messages"], ok["due"], ok["in_norm"]) == (2, 640, 6, 6, 3)
    assert ok["median_response_min"] == pytest.approx(150.0)
    # MAX: page 3; messages 8 (10 min) and 9 (closed): median 10 + 0.5 × 5 = 12.5.
    assert (mx["pages"], mx["subscribers"], mx["messages"], mx["due"], mx["in_norm"]) == (1, 80, 2, 2, 1)
    assert mx["median_response_min"] == pytest.approx(12.5)
    # Telegram: broadcast only.
    assert (tg["pages"], tg["subscribers"], tg["messages"]) == (1, 350, 0)
    assert math.isnan(tg["share_in_norm"])


def test_by_platform_working_hours(fixture_engine):
    # OK working minutes: 6 -> 220, 7 -> 45, 12 -> 120, 25 -> 40, 26 -> 540: all < 24 working h;
    # 18 (Thu 26.11 10:00) is after the Wed 12:00 cut-off -> not due -> due 5.
    with fixture_engine.connect() as conn:
        df = breakdowns.by_platform(conn, NOV.with_(norm=Norm(24, "working")), NOW)
    ok = df[df["platform"] == "ok"].iloc[0]
    assert (ok["due"], ok["in_norm"]) == (5, 5)
    assert ok["share_in_norm"] == pytest.approx(1.0)


def test_by_topic(fixture_engine):
    with fixture_engine.connect() as conn:
        df = breakdowns.by_topic(conn, NOV, now=NOW)
    codes = ("roads", "housing", "improvement", "snow", "education")
    assert list(df["topic_id"]) == [TOPIC_ID[c] for c in codes]
    assert list(df["messages"]) == [15, 6, 3, 3, 1]
    assert df["share"].sum() == pytest.approx(1.0)
    roads, housing, improvement, snow, education = (df.iloc[i] for i in range(5))
    assert roads["topic"] == "Дороги" and roads["share"] == pytest.approx(15 / 28)
    # Roads: answers 5 5 10 20 30 40 60 90 100 300 600 4000; < 24 h: 11; 17, 18 overdue, 19 not due.
    # Median: 6th of 12; bin [30, 45) holds 30, 40 with 4 below -> 30 + (6 − 4) / 2 × 15 = 45.
    assert (roads["answered"], roads["in_norm"], roads["due"]) == (12, 11, 14)
    assert roads["share_in_norm"] == pytest.approx(11 / 14)
    assert roads["median_response_min"] == pytest.approx(45.0)
    # Housing: 3 (200), 7 (45), 12 (120), 15 (1000), 24 (500) and 20 (new, not due).
    # Median: 2.5th of 5 in [180, 240) with 2 below -> 180 + 0.5 × 60 = 210.
    assert (housing["answered"], housing["in_norm"], housing["due"]) == (5, 5, 5)
    assert housing["median_response_min"] == pytest.approx(210.0)
    # Improvement: 5 (1500), 26 (1440), 9 closed -> none within 24 h.
    assert (improvement["answered"], improvement["in_norm"], improvement["due"]) == (2, 0, 3)
    assert improvement["share_in_norm"] == 0.0
    # Snow: 11 (2000), 16 (180), 27 closed.
    assert (snow["answered"], snow["in_norm"], snow["due"]) == (2, 1, 3)
    assert education["median_response_min"] == pytest.approx(15 + 0.5 * 5)


def test_by_topic_filters(fixture_engine):
    with fixture_engine.connect() as conn:
        df = breakdowns.by_topic(conn, NOV.with_(municipality_ids=(19,), norm=Norm(8, "calendar")), now=NOW)
    # Район: roads 10, 19, 23, 25, 28 (5); housing 12, 24 (2); snow 11, 27 (2); improvement 26 (1).
    assert list(df["messages"]) == [5, 2, 2, 1]
    roads = df.iloc[0]
    # Roads answers 300, 100, 40, 5 (< 8 h: all 4); 19 (Fri 20:00) is past the 8 h cut-off
    # (Sat 11:00) -> overdue and due.
    assert (roads["in_norm"], roads["due"], roads["overdue"]) == (4, 5, 1)
