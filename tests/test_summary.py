"""Summary tables (dashboard.writers.summary) on the fixture, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from dashboard.core import schema
from dashboard.core.message_fields import message_times
from dashboard.writers import summary
from tests.fixture_data import NSK, NSK_DISTRICT, TOPIC_ID, TZ, local_to_utc


def _rows(conn, table):
    """Every row without the surrogate id, sorted: comparable across rebuilds."""
    cols = [c for c in table.c if c.name != "id"]
    return sorted(conn.execute(select(*cols)).all(), key=lambda r: tuple(str(v) for v in r))


def _snapshot(conn):
    return (*[_rows(conn, t) for t in schema.MSG_ROLLUPS], _rows(conn, schema.subs_daily))


def _message(mid, page_id, municipality_id, platform, topic, local, delay, status):
    received = local_to_utc(local)
    answered = None if delay is None else received + timedelta(minutes=delay)
    return {"id": mid, "platform": platform, "external_id": f"t{mid}", "page_id": page_id,
            "municipality_id": municipality_id, "topic_id": TOPIC_ID[topic], "kind": "comment",
            "received_at": received, "first_response_at": answered, "status": status,
            "photo_report": False, "satisfaction": None, **message_times(received, answered, TZ)}


def test_refresh_is_idempotent(fixture_engine):
    with fixture_engine.begin() as conn:
        before = _snapshot(conn)
        summary.refresh_messages(conn)
        summary.refresh_subscribers(conn)
        summary.refresh_messages(conn, [date(2026, 11, 2), date(2026, 11, 3)])
        summary.refresh_subscribers(conn, since=date(2026, 11, 16))
        assert _snapshot(conn) == before
        # More days than one statement takes (chunks of 500), including days without messages.
        summary.refresh_messages(conn, (date(2025, 6, 1) + timedelta(days=i) for i in range(800)))
        assert _snapshot(conn) == before
    assert len(before[0]) > 0 and len(before[1]) > 0


def test_msg_daily_row(fixture_engine):
    md = schema.msg_daily
    with fixture_engine.connect() as conn:
        rows = conn.execute(select(md).where(md.c.day == date(2026, 11, 2), md.c.municipality_id == NSK,
                                             md.c.platform == "vk")).mappings().all()
        closed = conn.execute(select(md).where(md.c.day == date(2026, 11, 11))).mappings().one()
        total = conn.execute(select(md.c.n_received)).scalars().all()
    # 2.11, Новосибирск, VK: messages 1 (30 min, photo, +1) and 2 (90 min, +1), both roads.
    assert len(rows) == 1
    r = rows[0]
    assert (r["week"], r["month"], r["topic_id"]) == (date(2026, 11, 2), date(2026, 11, 1), TOPIC_ID["roads"])
    assert (r["n_received"], r["n_answered"], r["n_closed"], r["n_photo"]) == (2, 2, 0, 1)
    assert (r["n_sat_pos"], r["n_sat_neg"], r["sum_resp_min"], r["sum_resp_work_min"]) == (2, 0, 120, 120)
    # 30 is in bin 5 [30, 45), 90 in bin 8 [90, 120); the same in working minutes.
    assert [r[f"h{i:02d}"] for i in range(21)] == [0] * 5 + [1, 0, 0, 1] + [0] * 12
    assert [r[f"w{i:02d}"] for i in range(21)] == [r[f"h{i:02d}"] for i in range(21)]
    # 11.11: message 9 on MAX, closed without an answer.
    assert closed["platform"] == "max"
    assert (closed["n_received"], closed["n_answered"], closed["n_closed"]) == (1, 0, 1)
    assert closed["sum_resp_min"] == 0 and sum(closed[f"h{i:02d}"] for i in range(21)) == 0
    assert sum(total) == 36


def test_week_and_month_on_both_backends(fixture_engine):
    md = schema.msg_daily
    with fixture_engine.begin() as conn:
        conn.execute(insert(schema.message), [
            _message(900, 1, NSK, "vk", "roads", "2026-11-29 12:00", 5, "answered"),    # Sunday
            _message(901, 1, NSK, "vk", "roads", "2027-01-01 12:00", 5, "answered"),    # Friday
            _message(902, 1, NSK, "vk", "roads", "2026-03-01 10:00", None, "closed"),   # Sunday
        ])
        summary.refresh_messages(conn, [date(2026, 11, 29), date(2027, 1, 1), date(2026, 3, 1)])
        got = dict((d, (w, m)) for d, w, m in conn.execute(
            select(md.c.day, md.c.week, md.c.month).where(md.c.day.in_(
                [date(2026, 11, 29), date(2027, 1, 1), date(2026, 3, 1)]))).all())
    assert got == {
        date(2026, 11, 29): (date(2026, 11, 23), date(2026, 11, 1)),
        date(2027, 1, 1): (date(2026, 12, 28), date(2027, 1, 1)),
        date(2026, 3, 1): (date(2026, 2, 23), date(2026, 3, 1)),
    }


def test_partial_refresh_equals_full_rebuild(fixture_engine):
    m = schema.message
    with fixture_engine.begin() as conn:
        # Answer message 17 (23.11), move message 2 (2.11) to another topic, delete message 13
        # (17.11), add one on a new day (30.11); refresh only those days.
        conn.execute(update(m).where(m.c.id == 17).values(
            status="answered", first_response_at=datetime(2026, 11, 24, 3, 0),
            **{k: v for k, v in message_times(local_to_utc("2026-11-23 10:00"), datetime(2026, 11, 24, 3, 0),
                                              TZ).items() if k.startswith("response")}))
        conn.execute(update(m).where(m.c.id == 2).values(topic_id=TOPIC_ID["snow"]))
        conn.execute(delete(m).where(m.c.id == 13))
        conn.execute(insert(m), [_message(903, 5, NSK_DISTRICT, "vk", "housing", "2026-11-30 10:00", 50,
                                          "answered")])
        summary.refresh_messages(conn, {date(2026, 11, 23), date(2026, 11, 2), date(2026, 11, 17),
                                        date(2026, 11, 30)})
        partial = [_rows(conn, t) for t in schema.MSG_ROLLUPS]
        summary.refresh_messages(conn)
        assert [_rows(conn, t) for t in schema.MSG_ROLLUPS] == partial
        md = schema.msg_daily
        assert conn.execute(select(md).where(md.c.day == date(2026, 11, 17))).first() is None
        answered_17 = conn.execute(select(md.c.n_answered, md.c.sum_resp_min).where(
            md.c.day == date(2026, 11, 23), md.c.platform == "vk")).one()
        # 23.11 VK: message 17 only, now answered at 24.11 10:00 local, 1440 min later.
        assert tuple(answered_17) == (1, 1440)


def test_subscribers_carry_forward(fixture_engine):
    sd = schema.subs_daily
    with fixture_engine.connect() as conn:
        rows = {(r.on, r.municipality_id, r.platform): r for r in conn.execute(select(sd)).all()}
        latest = dict(conn.execute(select(schema.page.c.id, schema.page.c.last_subscribers)).all())
        latest_on = dict(conn.execute(select(schema.page.c.id, schema.page.c.last_stats_on)).all())
    # Page 6 (район, OK) has one snapshot on 1.10 (100 subscribers): carried to every later date.
    for on in (date(2026, 10, 1), date(2026, 10, 16), date(2026, 11, 16), date(2026, 11, 30)):
        r = rows[(on, NSK_DISTRICT, "ok")]
        assert (r.n_pages, r.subscribers, r.posts) == (1, 100, 2 if on == date(2026, 10, 1) else 0)
    # Новосибирск VK: page 1 from 1.10, page 8 from 16.10.
    r = rows[(date(2026, 10, 1), NSK, "vk")]
    assert (r.n_pages, r.subscribers, r.posts, r.likes) == (1, 1000, 10, 100)
    r = rows[(date(2026, 11, 16), NSK, "vk")]
    assert (r.n_pages, r.subscribers, r.posts, r.views) == (2, 1300 + 400, 14, 6500)
    r = rows[(date(2026, 11, 30), NSK, "vk")]
    assert (r.n_pages, r.subscribers) == (2, 1400 + 420)
    assert (r.posts, r.comments, r.reposts) == (16 + 9, 32 + 5, 8 + 3)
    # Regional VK (page 9): no snapshot on 30.11 but a row with the 16.11 level.
    r = rows[(date(2026, 11, 30), None, "vk")]
    assert (r.n_pages, r.subscribers, r.posts) == (1, 5200, 0)
    # No row before a group's first snapshot (MAX starts 16.11).
    assert (date(2026, 11, 1), NSK, "max") not in rows
    assert rows[(date(2026, 11, 16), NSK, "max")].subscribers == 50
    # Dates: every snapshot date of any page.
    assert sorted({k[0] for k in rows}) == [date(2026, 10, 1), date(2026, 10, 16), date(2026, 11, 1),
                                           date(2026, 11, 16), date(2026, 11, 30)]
    assert (latest[1], latest[6], latest[10]) == (1400, 100, None)
    assert (latest_on[1], latest_on[6], latest_on[10]) == (date(2026, 11, 30), date(2026, 10, 1), None)


def test_partial_subscriber_refresh_equals_full_rebuild(fixture_engine):
    ps = schema.page_stats
    with fixture_engine.begin() as conn:
        # A new snapshot date for page 6, a corrected level for page 1 on 16.11, and a new page.
        conn.execute(insert(ps), [{"page_id": 6, "on": date(2026, 11, 20), "subscribers": 130, "posts": 1,
                                   "views": 10, "likes": 1, "comments": 0, "reposts": 0}])
        conn.execute(update(ps).where(ps.c.page_id == 1, ps.c.on == date(2026, 11, 16))
                     .values(subscribers=1250))
        conn.execute(insert(schema.page), [{"id": 11, "platform": "max", "external_id": "fx11", "url": "u",
                                            "title": "Новая", "organisation_id": 2,
                                            "municipality_id": NSK_DISTRICT, "verified": False,
                                            "gospubliki": False}])
        conn.execute(insert(ps), [{"page_id": 11, "on": date(2026, 11, 30), "subscribers": 7, "posts": 0,
                                   "views": 0, "likes": 0, "comments": 0, "reposts": 0}])
        summary.refresh_subscribers(conn, since=date(2026, 11, 16))
        partial = _rows(conn, schema.subs_daily)
        pages_partial = conn.execute(select(schema.page).order_by(schema.page.c.id)).all()
        summary.refresh_subscribers(conn)
        assert _rows(conn, schema.subs_daily) == partial
        assert conn.execute(select(schema.page).order_by(schema.page.c.id)).all() == pages_partial
        sd = schema.subs_daily
        level = dict(((r.on, r.platform), r.subscribers) for r in conn.execute(
            select(sd).where(sd.c.municipality_id == NSK_DISTRICT)).all())
    # Район OK: 100 until 20.11, then 130 carried to 30.11; MAX page 11 from 30.11.
    assert (level[(date(2026, 11, 16), "ok")], level[(date(2026, 11, 20), "ok")],
            level[(date(2026, 11, 30), "ok")]) == (100, 130, 130)
    assert level[(date(2026, 11, 30), "max")] == 7
    assert pages_partial[10].last_subscribers == 7


def test_refresh_on_empty_database(engine):
    with engine.begin() as conn:
        summary.rebuild_all(conn)
        assert _snapshot(conn) == ([], [], [], [])


def _summed(rows: list[dict], keys: tuple[str, ...]) -> dict:
    """Measures of msg_daily rows summed per ``keys`` (the rollup computed in Python)."""
    out: dict = {}
    for r in rows:
        acc = out.setdefault(tuple(r[k] for k in keys), dict.fromkeys(schema.MSG_MEASURES, 0))
        for k in schema.MSG_MEASURES:
            acc[k] += r[k]
    return out


def test_rollups_are_msg_daily_summed(fixture_engine):
    with fixture_engine.connect() as conn:
        daily = [dict(r) for r in conn.execute(select(schema.msg_daily)).mappings()]
        for table in (schema.msg_daily_mp, schema.msg_daily_pt):
            keys = tuple(c.name for c in table.c if c.name != "id" and c.name not in schema.MSG_MEASURES)
            got = {tuple(r[k] for k in keys): {k: r[k] for k in schema.MSG_MEASURES}
                   for r in conn.execute(select(table)).mappings()}
            assert got == _summed(daily, keys)
    assert len(got) < len(daily)


def test_open_and_hour_counts(fixture_engine):
    md, m = schema.msg_daily, schema.message
    with fixture_engine.connect() as conn:
        n_open = conn.execute(select(func.sum(md.c.n_open))).scalar()
        raw_open = conn.execute(select(func.count()).where(
            m.c.status.in_(("new", "in_work")), m.c.first_response_at.is_(None))).scalar()
        hours = conn.execute(select(*[func.sum(md.c[h]) for h in schema.HOURS])).one()
        raw_hours = dict(conn.execute(select(m.c.received_hour, func.count()).group_by(m.c.received_hour)).all())
        nov_2 = conn.execute(select(md).where(md.c.day == date(2026, 11, 2), md.c.municipality_id == NSK,
                                              md.c.platform == "vk")).mappings().one()
    # Open (new / in work, no response): 17, 18, 19, 20 and 108 (October); 9, 27, 106 are closed.
    assert n_open == raw_open == 5
    assert list(hours) == [raw_hours.get(h, 0) for h in range(24)] and sum(hours) == 36
    # 2.11: message 1 at 10:xx, message 2 at 11:xx local.
    assert (nov_2["n_hour10"], nov_2["n_hour11"], nov_2["n_open"]) == (1, 1, 0)


def test_upgrade_from_0001_rebuilds_summaries(tmp_path):
    """A database with data upgraded 0001 -> head has the summaries of a fresh one."""
    from dashboard.core import migrate
    from dashboard.core.db import make_engine
    from tests import fixture_data

    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(fresh)
    with fresh.begin() as conn:
        fixture_data.build(conn)
        raw = {t: conn.execute(select(t)).mappings().all()
               for t in (schema.organisation, schema.page, schema.page_stats, schema.message)}
        want = _snapshot(conn)
    old = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(old, "0001")
    with old.begin() as conn:
        for t, rows in raw.items():  # raw tables as of 0001: without message.closed_at (0007)
            conn.execute(insert(t), [{k: v for k, v in r.items() if k != "closed_at"} for r in rows])
        summary.refresh_subscribers(conn)
    migrate.upgrade(old)
    with old.connect() as conn:
        assert _snapshot(conn) == want
