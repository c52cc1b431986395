"""Like-for-like comparisons (queries.kpis.headline_compare, queries.aggregate.late_sums):
the previous period is taken as it stood at the same age as the current one.

Fixture: one page receiving the same five messages every day, answered the same way
(the data as it stands at NOW: an answer not given yet is not in the database):

    09:00 answered after 30 min          11:00 answered after 5 h
    13:00 answered after 33 h 20 min     14:00 never answered, status 'new'
    10:00 never answered, 'new' for 5 days, then closed without an answer (closed_at)

A steady state: every KPI must show no change for the last 7 and 30 days and for a
finished month (August against July, both 31 days). The settled previous period would
show a better share answered and fewer overdue messages, and without closed_at the
previous period would count the since-closed 10:00 messages as closed at its age (fewer
overdue): the test of the rule can fail.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from dashboard.core import periods, schema
from dashboard.core.message_fields import message_times
from dashboard.core.metrics import KPIS
from dashboard.writers import summary
from queries import kpis
from queries.filters import Filters
from tests.fixture_data import TZ

NOW = datetime(2026, 9, 10, 8, 0)     # UTC; 15:00 local, Thursday
TODAY = date(2026, 9, 10)
FIRST = date(2026, 5, 1)
DAY = [  # local hour, delay in minutes (None: no answer), status if unanswered
    (9, 30, None), (11, 300, None), (13, 2000, None), (14, None, "new"), (10, None, "closed"),
]
CLOSED_AFTER = timedelta(days=5)  # an unanswered 'closed' message is 'new' until then


def build(conn, slow_from: date | None = None, factor: int = 1) -> None:
    """The steady pattern from FIRST to NOW; from ``slow_from`` on every answer takes
    ``factor`` times longer."""
    conn.execute(insert(schema.organisation), [{"id": 1, "name": "Администрация", "kind": "municipal_admin",
                                                "municipality_id": 1}])
    conn.execute(insert(schema.page), [{
        "id": 1, "platform": "vk", "external_id": "p1", "url": "https://vk.com/p1", "title": "Страница",
        "organisation_id": 1, "municipality_id": 1, "verified": True, "gospubliki": True,
        "opened_on": date(2025, 1, 1)}])
    rows, n, day = [], 0, FIRST
    while day <= TODAY:
        for hour, delay, status in DAY:
            received = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(timezone.utc)
            received = received.replace(tzinfo=None)
            if received > NOW:
                continue
            if delay is not None and slow_from and day >= slow_from:
                delay *= factor
            answered = None if delay is None else received + timedelta(minutes=delay)
            if answered is not None and answered > NOW:   # not given yet
                answered, status = None, "in_work"
            closed = received + CLOSED_AFTER if status == "closed" else None
            if closed is not None and closed > NOW:       # not closed yet
                closed, status = None, "new"
            n += 1
            rows.append({"id": n, "platform": "vk", "external_id": f"m{n}", "page_id": 1, "municipality_id": 1,
                         "topic_id": 1, "kind": "comment", "received_at": received, "first_response_at": answered,
                         "status": "answered" if answered else status, "closed_at": closed, "photo_report": False,
                         "satisfaction": None, **message_times(received, answered, TZ)})
        day += timedelta(days=1)
    conn.execute(insert(schema.message), rows)
    summary.refresh_messages(conn)


AGEING = [k for k in KPIS.values() if k.ages]
PERIODS = {
    "7d": periods.preset("7d", TODAY),
    "30d": periods.preset("30d", TODAY),
    "август": periods.month(2026, 8),
}


@pytest.fixture
def steady(engine):
    with engine.begin() as conn:
        build(conn)
    return engine


@pytest.mark.parametrize("name", list(PERIODS))
def test_steady_state_shows_no_change(steady, name):
    p = PERIODS[name]
    f = Filters(p.start, p.end)
    with steady.connect() as conn:
        cur, prev = kpis.headline_compare(conn, f, NOW)
        settled = kpis.headline(conn, f.previous(), NOW)
    assert cur.messages > 0 and cur.overdue > 0
    for k in KPIS.values():
        if not cur.has(k.code):
            continue
        ch = k.change(cur.value(k.code), prev.value(k.code), cur.sample(k.code), prev.sample(k.code))
        assert ch.direction in ("flat", None) or ch.text is None, (name, k.code, ch.text)
        assert ch.tone == "neutral", (name, k.code)
    if name != "август":
        # Against the settled previous period the open period would look worse.
        assert settled.share_answered > cur.share_answered
        assert settled.overdue < cur.overdue or settled.due > cur.due


def test_same_age_moment():
    f = Filters(date(2026, 9, 4), date(2026, 9, 10))
    assert kpis.same_age(f, NOW) == NOW - timedelta(days=7)
    aug = Filters(date(2026, 8, 1), date(2026, 8, 31))
    assert kpis.same_age(aug, NOW) == NOW - timedelta(days=31)          # July 31 + 10 days 15 h
    sep = Filters(date(2026, 9, 1), date(2026, 9, 30))                    # ongoing month, vs August
    assert kpis.same_age(sep, NOW) == NOW - timedelta(days=30)


@pytest.mark.parametrize("name", list(PERIODS))
def test_slower_answers_give_the_right_sign(engine, name):
    """Every answer five times slower from 1 August (5 h -> 25 h: over the 24 h norm).
    August against July and the last 30 days (against 13.07-11.08, mostly before the
    change) got worse; the last 7 days against the 7 before, both slow, did not change."""
    with engine.begin() as conn:
        build(conn, slow_from=date(2026, 8, 1), factor=5)
    p = PERIODS[name]
    f = Filters(p.start, p.end)
    with engine.connect() as conn:
        cur, prev = kpis.headline_compare(conn, f, NOW)
    change = {k.code: k.change(cur.value(k.code), prev.value(k.code), cur.sample(k.code), prev.sample(k.code))
              for k in AGEING}
    if name == "7d":
        assert all(c.direction == "flat" for c in change.values()), {k: c.text for k, c in change.items()}
        return
    assert (change["median_response"].direction, change["median_response"].tone) == ("up", "bad")
    assert (change["mean_response"].direction, change["mean_response"].tone) == ("up", "bad")
    assert (change["share_in_norm"].direction, change["share_in_norm"].tone) == ("down", "bad")
    # Slow answers (a week) have all arrived at this age, in both periods: no change.
    assert change["share_answered"].direction == "flat"
