"""Headline KPIs on the hand-built fixture (tests/fixture_data.py), SQLite and PostgreSQL.

November 2026, no filters, by hand:

- pages open on 30.11: pages 1-9 (page 10 closed 20.10)                       -> 9
- subscribers, latest snapshot <= 30.11 per page:
  1400 + 540 + 80 + 350 + 220 + 100 + 60 + 420 + 5200                         -> 8370
- messages 1-28; unanswered: 9, 27 (closed), 17 (in work), 18, 19, 20 (new)  -> answered 22
- calendar response minutes of the 22 answers, sorted:
  5 5 10 15 20 30 40 45 60 90 100 120 180 200 300 500 600 1000 1440 1500 2000 4000
  sum 12260 -> mean 12260 / 22; < 24 h: 18 (1440 itself is not within); < 8 h: 15
  histogram: the 11th answer falls in bin [90, 120) holding 90 and 100 with 9 before it:
  median = 90 + (11 − 9) / 2 × 30 = 120
- working minutes (Mon-Fri 9-18), sorted:
  0 0 5 10 15 20 30 40 45 60 90 100 120 200 220 240 240 300 480 480 540 600
  sum 3835; all < 24 h; < 8 h: 18; median: 10 before bin [90, 120) -> 90 + (11 − 10) / 2 × 30 = 105
- NOW = Sat 28.11 19:00 local. Open messages received: 17 Mon 23.11 10:00, 18 Thu 26.11 10:00,
  19 Fri 27.11 20:00, 20 Sat 28.11 09:00.
  cut-off 24 h calendar: 27.11 19:00 -> overdue 17, 18; not yet due 19, 20 -> due 26
  cut-off 8 h calendar: 28.11 11:00 -> all four overdue -> due 28
  cut-off 24 working h: Fri 9 h + Thu 9 h + Wed 6 h -> Wed 25.11 12:00 -> overdue 17 -> due 25
  cut-off 8 working h: Fri 27.11 10:00 -> overdue 17, 18 -> due 26
- photo reports among answers: 1, 3, 10, 25 -> 4 / 22; satisfaction +1: 1, 2, 7; −1: 3, 12 -> 3/5
- posts of snapshots dated in November: 45 + 13 + 9 + 25 + 9 + 0 + 3 + 9 + 40 = 153
  likes 1434, comments 209, reposts 98 -> ER = 1741 / 153 / 8370
  posts per week per page = 153 / 9 / (30 / 7)
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from dashboard.core import schema
from dashboard.core.message_fields import message_times
from dashboard.core.metrics import NO_CHANGE
from dashboard.core.worktime import subtract_work_minutes
from dashboard.writers import summary
from queries import REGIONAL, Norm, kpis
from queries.aggregate import deadline_cutoff
from tests.fixture_data import NOV, NOW, OCT, TOPIC_ID, TZ, local_to_utc


def test_headline_november_calendar_24h(fixture_engine):
    with fixture_engine.connect() as conn:
        h = kpis.headline(conn, NOV, NOW)
    assert (h.pages, h.subscribers, h.messages, h.answered) == (9, 8370, 28, 22)
    assert (h.due, h.in_norm, h.overdue) == (26, 18, 2)
    assert h.share_answered == pytest.approx(22 / 28)
    assert h.share_in_norm == pytest.approx(18 / 26)
    assert h.median_response_min == pytest.approx(120.0)
    assert h.mean_response_min == pytest.approx(12260 / 22)
    assert h.photo_share == pytest.approx(4 / 22)
    assert h.satisfaction == pytest.approx(3 / 5)
    assert h.posts == 153
    assert h.posts_per_week == pytest.approx(153 / 9 / (30 / 7))
    assert h.er == pytest.approx(1741 / 153 / 8370)
    assert isinstance(h.pages, int) and isinstance(h.share_in_norm, float)


@pytest.mark.parametrize("norm, due, in_norm, overdue, median, mean", [
    (Norm(24, "calendar"), 26, 18, 2, 120.0, 12260 / 22),
    (Norm(8, "calendar"), 28, 15, 4, 120.0, 12260 / 22),
    (Norm(24, "working"), 25, 22, 1, 105.0, 3835 / 22),
    (Norm(8, "working"), 26, 18, 2, 105.0, 3835 / 22),
])
def test_headline_norms(fixture_engine, norm, due, in_norm, overdue, median, mean):
    with fixture_engine.connect() as conn:
        h = kpis.headline(conn, NOV.with_(norm=norm), NOW)
    assert (h.due, h.in_norm, h.overdue) == (due, in_norm, overdue)
    assert h.share_in_norm == pytest.approx(in_norm / due)
    assert h.median_response_min == pytest.approx(median)
    assert h.mean_response_min == pytest.approx(mean)


def test_deadline_cutoffs():
    assert deadline_cutoff(NOW, Norm(24, "calendar")) == local_to_utc("2026-11-27 19:00")
    assert deadline_cutoff(NOW, Norm(8, "calendar")) == local_to_utc("2026-11-28 11:00")
    assert deadline_cutoff(NOW, Norm(24, "working")) == local_to_utc("2026-11-25 12:00")
    assert deadline_cutoff(NOW, Norm(8, "working")) == local_to_utc("2026-11-27 10:00")
    assert subtract_work_minutes(NOW, 480, TZ) == datetime(2026, 11, 27, 3, 0)


def test_headline_compare_previous_month(fixture_engine):
    # October: pages open on 31.10: 1, 2, 4-9 (3 opens 05.11, 10 closed 20.10) -> 8.
    # Subscribers at 16.10 (last snapshot date <= 31.10):
    #   1100 + 500 + 300 + 200 + 100 + 400 + 5000 = 7600.
    # Messages 101-108: answered 101 (60), 102 (120), 103 (2000), 104 (30), 105 (600), 107 (10);
    #   106 closed, 108 new. Like for like: November is still running at NOW (28.11 19:00
    #   local, 27 d 19 h after it began), so October is taken as long after its start, at
    #   28.10 19:00 local (kpis.same_age; 29.10 would give October a day more): 108
    #   (29.10 12:00) had not arrived -> 7 messages; all answers were in; every one of 101-107
    #   was due (deadline cut-off 27.10 19:00) -> due 7, overdue 0; in norm 5 (all but 2000).
    #   bins: 10 | 30 | 60 | 120 | 600 | 2000; 3rd answer in [60, 90): median 60 + 1/1 × 30 = 90
    #   mean 2820 / 6 = 470; photo 102 -> 1/6; satisfaction 102 +1, 107 −1 -> 1/2
    # Posts dated in October: 22 + 5 + 20 + 3 + 2 + 8 + 30 = 90 over 8 pages and 31 days;
    #   likes 100+120+20+30+6+3+40+600 = 919, comments 20+24+2+0+1+0+4+90 = 141,
    #   reposts 5+6+1+10+0+0+2+40 = 64 -> ER 1124 / 90 / 7600.
    with fixture_engine.connect() as conn:
        cur, prev = kpis.headline_compare(conn, NOV, NOW)
        same = kpis.headline(conn, NOV, NOW)
    assert cur == same
    assert (prev.pages, prev.subscribers, prev.messages, prev.answered) == (8, 7600, 7, 6)
    assert (prev.due, prev.in_norm, prev.overdue) == (7, 5, 0)
    assert kpis.same_age(NOV, NOW) == datetime(2026, 10, 28, 12, 0)
    # Settled (as it stands at NOW), October shows 108 overdue.
    with fixture_engine.connect() as conn:
        settled = kpis.headline(conn, OCT, NOW)
    assert (settled.due, settled.in_norm, settled.overdue) == (8, 5, 1)
    assert prev.median_response_min == pytest.approx(90.0)
    assert prev.mean_response_min == pytest.approx(470.0)
    assert prev.photo_share == pytest.approx(1 / 6)
    assert prev.satisfaction == pytest.approx(0.5)
    assert prev.posts == 90
    assert prev.posts_per_week == pytest.approx(90 / 8 / (31 / 7))
    assert prev.er == pytest.approx(1124 / 90 / 7600)
    # Subscriber growth = 8370 − 7600.
    assert cur.subscribers - prev.subscribers == 770


def test_no_previous_period_before_the_data(fixture_engine):
    """The fixture's data begin on 01.10.2026: October's previous period (September) is no
    base, so its headline is blank and the previous rating has no rows — every change reads
    «—», not growth from zeros; November's previous (October) is compared as usual."""
    from queries import rating

    with fixture_engine.connect() as conn:
        assert kpis.data_from(conn, OCT) == date(2026, 10, 1)
        assert kpis.data_from(conn, NOV) is None
        cur, prev = kpis.headline_compare(conn, OCT, NOW)
        assert cur == kpis.headline(conn, OCT, NOW)
        assert prev == kpis.Headline.blank() and prev.value("subscribers") is None
        assert rating.previous_rating(conn, OCT, NOW).empty
        assert not rating.previous_rating(conn, NOV, NOW).empty
    assert kpis.KPIS["subscribers"].change(cur.subscribers, prev.subscribers) == NO_CHANGE


def test_headline_platform_filter(fixture_engine):
    # VK: pages 1, 5, 7, 8, 9 -> 5; subscribers 1400 + 220 + 60 + 420 + 5200 = 7300.
    # Messages on VK pages: page 1: 1-5, 16, 17, 20, 21 (9); page 5: 10, 11, 19, 23, 24, 27, 28 (7);
    #   7: 13; 8: 22; 9: 14, 15 -> 20. Unanswered: 17, 20, 19, 27 -> answered 16.
    # Calendar answers: 30 90 200 600 1500 180 5 | 300 2000 100 500 5 | 20 | 15 | 60 1000
    #   < 24 h: all but 1500, 2000 -> 14. Open: 17 overdue; 19, 20 not due -> due 18.
    with fixture_engine.connect() as conn:
        h = kpis.headline(conn, NOV.with_(platforms=("vk",)), NOW)
    assert (h.pages, h.subscribers, h.messages, h.answered) == (5, 7300, 20, 16)
    assert (h.due, h.in_norm, h.overdue) == (18, 14, 1)
    # sorted: 5 5 15 20 30 60 90 100 180 200 300 500 600 1000 1500 2000; 8th answer is 100
    # in bin [90, 120) holding 90 and 100, 6 before it: 90 + (8 − 6) / 2 × 30 = 120
    assert h.median_response_min == pytest.approx(120.0)


def test_headline_municipality_and_regional_filters(fixture_engine):
    with fixture_engine.connect() as conn:
        nsk = kpis.headline(conn, NOV.with_(municipality_ids=(31,)), NOW)
        reg = kpis.headline(conn, NOV.with_(municipality_ids=(REGIONAL,)), NOW)
        both = kpis.headline(conn, NOV.with_(municipality_ids=(31, REGIONAL)), NOW)
    # Город Новосибирск: pages 1, 2, 3, 4, 8 -> 5; subscribers 1400 + 540 + 80 + 350 + 420 = 2790.
    # Messages 1-9, 16, 17, 18, 20, 21, 22 -> 15; unanswered 9, 17, 18, 20 -> answered 11.
    # Answers: 30 90 200 600 1500 4000 45 10 180 5 15; < 24 h: 9. Open: 17, 18 overdue,
    # 20 not due -> due 14.
    assert (nsk.pages, nsk.subscribers, nsk.messages, nsk.answered) == (5, 2790, 15, 11)
    assert (nsk.due, nsk.in_norm, nsk.overdue) == (14, 9, 2)
    # Regional bodies: page 9 (page 10 closed): 5200 subscribers, posts 40.
    # Messages 14 (60 min) and 15 (1000 min): both within 24 h.
    assert (reg.pages, reg.subscribers, reg.messages, reg.answered) == (1, 5200, 2, 2)
    assert (reg.due, reg.in_norm, reg.overdue, reg.posts) == (2, 2, 0, 40)
    assert reg.mean_response_min == pytest.approx(530.0)
    assert (both.pages, both.subscribers, both.messages) == (6, 7990, 17)


def test_headline_topic_filter(fixture_engine):
    # Roads: 1, 2, 4, 6, 8, 10, 13, 14, 17, 18, 19, 21, 23, 25, 28 -> 15; unanswered 17, 18, 19.
    # Answers: 30 90 600 4000 10 300 20 60 5 100 40 5 -> 12, < 24 h: 11; open: 17, 18 overdue,
    # 19 not due -> due 14. Pages and subscribers do not depend on the topic.
    with fixture_engine.connect() as conn:
        h = kpis.headline(conn, NOV.with_(topic_ids=(TOPIC_ID["roads"],)), NOW)
    assert (h.messages, h.answered, h.due, h.in_norm, h.overdue) == (15, 12, 14, 11, 2)
    assert (h.pages, h.subscribers) == (9, 8370)


def test_headline_empty_period(fixture_engine):
    with fixture_engine.connect() as conn:
        h = kpis.headline(conn, NOV.with_(start=date(2020, 11, 1), end=date(2020, 11, 30)), NOW)
    assert (h.pages, h.subscribers, h.messages, h.due, h.overdue, h.posts) == (0, 0, 0, 0, 0, 0)
    assert h.share_in_norm is None and h.median_response_min is None and h.er is None
    assert h.posts_per_week is None


def test_previous_period_of_filters():
    assert OCT == NOV.previous()


def test_recent_unanswered_messages_are_not_due_whatever_their_status(fixture_engine):
    # A message closed without an answer 3 h before NOW: its 24 h deadline has not come,
    # so it is not due (not counted against the share) and not overdue.
    received = local_to_utc("2026-11-28 16:00")
    with fixture_engine.begin() as conn:
        conn.execute(insert(schema.message), [{
            "id": 500, "platform": "vk", "external_id": "m500", "page_id": 1, "municipality_id": 31,
            "topic_id": TOPIC_ID["other"], "kind": "comment", "received_at": received,
            "first_response_at": None, "status": "closed", "photo_report": False, "satisfaction": None,
            **message_times(received, None, TZ)}])
        summary.refresh_messages(conn, [date(2026, 11, 28)])
    with fixture_engine.connect() as conn:
        h = kpis.headline(conn, NOV, NOW)
        eight = kpis.headline(conn, NOV.with_(norm=Norm(8, "calendar")), NOW)
    assert (h.messages, h.due, h.in_norm, h.overdue) == (29, 26, 18, 2)
    # Under the 8 h norm it is not due either (received 3 h ago), while 19 and 20 are overdue.
    assert (eight.messages, eight.due, eight.overdue) == (29, 28, 4)


def test_sums_frame_ints_nulls_zero_keys_as_they_are(engine):
    from sqlalchemy import Integer, String, cast, func, literal, null, select, union_all

    from queries import aggregate

    rows = union_all(select(literal("vk", String).label("k"), literal(3, Integer).label("s")),
                     select(literal("vk", String), literal(4, Integer)),
                     select(literal("ok", String), cast(null(), Integer))).subquery()
    stmt = select(rows.c.k, func.sum(rows.c.s).label("s")).group_by(rows.c.k).order_by(rows.c.k)
    with engine.connect() as conn:
        df = aggregate._frame(conn, stmt, ("k",))
        none = aggregate._frame(conn, stmt.where(rows.c.k == "tg"), ("k",))
    assert list(df.columns) == ["k", "s"] and list(df["k"]) == ["ok", "vk"]
    assert list(df["s"]) == [0, 7] and df["s"].dtype == "int64"   # NULL sum -> 0
    assert list(none.columns) == ["k", "s"] and none.empty
    assert none["s"].dtype == "int64" and none["k"].dtype == object


def test_add_kpis_adds_the_kpis_whose_sums_are_given():
    import pandas as pd

    from queries import aggregate

    df = pd.DataFrame({"municipality_id": [1, 2], "messages": [10, 4], "not_due": [2, 4], "in_norm": [6, 0]})
    out = aggregate.add_kpis(df, NOV)
    assert list(out.columns) == [*df.columns, "due", "share_in_norm"]   # no median, no other share
    assert list(out["due"]) == [8, 0]
    assert out["share_in_norm"].iloc[0] == pytest.approx(0.75) and pd.isna(out["share_in_norm"].iloc[1])
    out = aggregate.add_kpis(df.assign(answered=[5, 0], photo=[1, 0]), NOV)
    assert list(out["share_answered"]) == [0.5, 0.0] and out["photo_share"].iloc[0] == pytest.approx(0.2)
    assert "median_response_min" not in out and "satisfaction" not in out
