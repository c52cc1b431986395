"""Response-time distribution and weekday × hour on the fixture (November 2026)."""

from __future__ import annotations

import pytest

from dashboard.core.metrics import UNANSWERED_LABEL
from queries import REGIONAL, Norm, responses
from tests.fixture_data import NOV, TOPIC_ID


def test_response_distribution_calendar(fixture_engine):
    # Calendar answers: 5 5 10 15 20 30 40 45 | 60 90 100 120 180 200 300 | 500 600 1000 |
    # 1440 1500 2000 4000; unanswered 6 (9, 17-20, 27).
    with fixture_engine.connect() as conn:
        df = responses.response_distribution(conn, NOV)
    assert list(df.columns) == ["bucket", "label", "messages", "share"]
    assert list(df["bucket"]) == ["lt1h", "1_8h", "8_24h", "gt24h", "none"]
    assert df["label"].iloc[-1] == UNANSWERED_LABEL
    assert list(df["messages"]) == [8, 7, 3, 4, 6]
    assert list(df["share"]) == pytest.approx([8 / 28, 7 / 28, 3 / 28, 4 / 28, 6 / 28])


def test_response_distribution_working_hours(fixture_engine):
    # Working answers: 0 0 5 10 15 20 30 40 45 | 60 90 100 120 200 220 240 240 300 |
    # 480 480 540 600; none above 24 h.
    with fixture_engine.connect() as conn:
        df = responses.response_distribution(conn, NOV.with_(norm=Norm(8, "working")))
    assert list(df["messages"]) == [9, 9, 4, 0, 6]


def test_response_distribution_filtered_and_empty(fixture_engine):
    with fixture_engine.connect() as conn:
        regional = responses.response_distribution(conn, NOV.with_(municipality_ids=(REGIONAL,)))
        tg = responses.response_distribution(conn, NOV.with_(platforms=("tg",)))
    # Regional: 14 (60 min), 15 (1000 min).
    assert list(regional["messages"]) == [0, 1, 1, 0, 0]
    assert list(regional["share"]) == pytest.approx([0, 0.5, 0.5, 0, 0])
    assert len(tg) == 5 and tg["messages"].sum() == 0 and tg["share"].isna().all()


def test_weekday_hour(fixture_engine):
    # Local weekday and hour of receipt (0 = Monday):
    # Mon 10: 1, 17, 27; Mon 11: 2; Mon 12: 7; Mon 13: 12; Mon 14: 23;
    # Tue 9: 3; Tue 10: 22; Tue 11: 13, 28; Tue 14: 24; Tue 15: 8;
    # Wed 10: 14, 25; Wed 14: 4; Wed 16: 9; Thu 9: 10; Thu 10: 5, 15, 18; Thu 15: 26;
    # Fri 10: 11; Fri 17: 6; Fri 20: 19; Sat 9: 20; Sat 12: 16; Sat 18: 21.
    with fixture_engine.connect() as conn:
        df = responses.weekday_hour(conn, NOV)
        roads = responses.weekday_hour(conn, NOV.with_(topic_ids=(TOPIC_ID["roads"],), platforms=("ok",)))
    assert list(df.columns) == ["weekday", "hour", "messages"]
    assert {(r.weekday, r.hour): r.messages for r in df.itertuples()} == {
        (0, 10): 3, (0, 11): 1, (0, 12): 1, (0, 13): 1, (0, 14): 1,
        (1, 9): 1, (1, 10): 1, (1, 11): 2, (1, 14): 1, (1, 15): 1,
        (2, 10): 2, (2, 14): 1, (2, 16): 1,
        (3, 9): 1, (3, 10): 3, (3, 15): 1,
        (4, 10): 1, (4, 17): 1, (4, 20): 1,
        (5, 9): 1, (5, 12): 1, (5, 18): 1,
    }
    # Roads on OK: 6 (Fri 17), 18 (Thu 10), 25 (Wed 10).
    assert [tuple(r) for r in roads.itertuples(index=False)] == [(2, 10, 1), (3, 10, 1), (4, 17, 1)]


def test_weekday_hour_equals_raw_group_by(fixture_engine):
    """The rollups' hour columns give what a GROUP BY over raw messages gives, per filter."""
    from collections import Counter

    from sqlalchemy import select

    from dashboard.core import schema

    m = schema.message
    filters = [NOV, NOV.with_(municipality_ids=(REGIONAL,)), NOV.with_(topic_ids=(TOPIC_ID["roads"],)),
               NOV.with_(platforms=("vk",), municipality_ids=(REGIONAL,), topic_ids=(TOPIC_ID["roads"],))]
    with fixture_engine.connect() as conn:
        for f in filters:
            got = {(r.weekday, r.hour): r.messages for r in responses.weekday_hour(conn, f).itertuples()}
            rows = conn.execute(select(m.c.received_day, m.c.received_hour)
                                .where(m.c.received_day.between(f.start, f.end), *f.dimension_clauses(m))).all()
            assert got == dict(Counter((d.weekday(), h) for d, h in rows))
