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


def build(conn, slow_from: date | None = None, factor: int = 1, office_week: bool = False,
          now: datetime = NOW) -> None:
    """The steady pattern from FIRST to ``now``; from ``slow_from`` on every answer takes
    ``factor`` times longer; with ``office_week`` no answer is given on a Saturday or Sunday
    (it waits for Monday 09:30 local): the same every week, but not every day."""
    conn.execute(insert(schema.organisation), [{"id": 1, "name": "Администрация", "kind": "municipal_admin",
                                                "municipality_id": 1}])
    conn.execute(insert(schema.page), [{
        "id": 1, "platform": "vk", "external_id": "p1", "url": "https://vk.com/p1", "title": "Страница",
        "organisation_id": 1, "municipality_id": 1, "verified": True, "gospubliki": True,
        "opened_on": date(2025, 1, 1)}])
    rows, n, day = [], 0, FIRST
    while day <= now.date():
        for hour, delay, status in DAY:
            received = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(timezone.utc)
            received = received.replace(tzinfo=None)
            if received > now:
                continue
            if delay is not None and slow_from and day >= slow_from:
                delay *= factor
            answered = None if delay is None else received + timedelta(minutes=delay)
            if answered is not None and office_week:
                local = answered.replace(tzinfo=timezone.utc).astimezone(TZ)
                if local.weekday() >= 5:
                    monday = local.date() + timedelta(days=7 - local.weekday())
                    answered = datetime(monday.year, monday.month, monday.day, 9, 30, tzinfo=TZ)
                    answered = answered.astimezone(timezone.utc).replace(tzinfo=None)
            if answered is not None and answered > now:   # not given yet
                answered, status = None, "in_work"
            closed = received + CLOSED_AFTER if status == "closed" else None
            if closed is not None and closed > now:       # not closed yet
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


SUNDAY_NIGHT = datetime(2026, 9, 6, 15, 0)  # UTC; 22:00 local, Sunday


@pytest.mark.parametrize("days", [7, 30])
def test_a_weekly_rhythm_shows_no_change(engine, days):
    """Weekend messages wait for Monday: on a Sunday night more are unanswered and overdue
    than on a Friday night. The previous period holds the same days of the week (shifted
    back by whole weeks: 7 days, 35 for 30 days), so the rhythm cancels out; the 30 days
    right before (ending on a Friday) would not."""
    with engine.begin() as conn:
        build(conn, office_week=True, now=SUNDAY_NIGHT)
    p = periods.preset(f"{days}d", SUNDAY_NIGHT.date())
    f = Filters(p.start, p.end)
    assert f.previous().end.weekday() == f.end.weekday() == 6
    with engine.connect() as conn:
        cur, prev = kpis.headline_compare(conn, f, SUNDAY_NIGHT)
        right_before = f.with_(start=f.start - timedelta(days=days), end=f.start - timedelta(days=1))
        friday = kpis.headline(conn, right_before, SUNDAY_NIGHT, as_of=SUNDAY_NIGHT - timedelta(days=days))
    assert cur.overdue > 0
    for k in KPIS.values():
        if cur.has(k.code):
            ch = k.change(cur.value(k.code), prev.value(k.code), cur.sample(k.code), prev.sample(k.code))
            assert ch.direction in ("flat", None) or ch.text is None, (days, k.code, ch.text)
    if days == 30:
        assert friday.overdue < cur.overdue and friday.share_answered > cur.share_answered


def test_same_age_moment():
    f = Filters(date(2026, 9, 4), date(2026, 9, 10))
    assert kpis.same_age(f, NOW) == NOW - timedelta(days=7)
    aug = Filters(date(2026, 8, 1), date(2026, 8, 31))
    assert kpis.same_age(aug, NOW) == NOW - timedelta(days=31)          # July 31 + 10 days 15 h
    # A month still running is compared with as much of the month before, from its start:
    # 10.09 15:00 local, 9 days 15 h into September, against 10.08 15:00 (not 11.08: the
    # distance between the months' first days, 31, not between their last, 30).
    sep = Filters(date(2026, 9, 1), date(2026, 9, 30))
    assert kpis.same_age(sep, NOW) == NOW - timedelta(days=31)
    # September is over at local midnight (30.09 17:00 UTC): from then on, the time since the end.
    assert kpis.same_age(sep, datetime(2026, 9, 30, 16, 59)) == datetime(2026, 8, 30, 16, 59)
    assert kpis.same_age(sep, datetime(2026, 9, 30, 17, 0)) == datetime(2026, 8, 31, 17, 0)


@pytest.mark.parametrize("name", list(PERIODS))
def test_slower_answers_give_the_right_sign(engine, name):
    """Every answer five times slower from 1 August (5 h -> 25 h: over the 24 h norm).
    August against July and the last 30 days (against 08.07–06.08, mostly before the
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
    if name == "30d":
        # 12.08–10.09 against 08.07–06.08 (35 days back): answers slowed on 01.08, so at
        # this age the current period has seven days of 13:00 messages whose answer (a
        # week) has not come yet, the previous one only six: fewer answered, rightly.
        assert (change["share_answered"].direction, change["share_answered"].tone) == ("down", "bad")
    else:
        # August against July: slow answers (a week) have all arrived at this age.
        assert change["share_answered"].direction == "flat"


def test_unsettled_is_the_plain_rule_over_the_period(steady):
    """aggregate.unsettled (three index ranges) picks exactly the messages of the plain
    rule — f's days and dimensions, received after the moment or not answered by then —
    at moments every 5 hours around the periods' ends, for an answer recorded before its
    receipt and a message received just after local midnight too."""
    from sqlalchemy import and_, or_, select, update

    from queries.aggregate import unsettled

    m = schema.message
    with steady.begin() as conn:
        # Received 23:00 local on 09.09, answered (so the data says) 6 hours earlier.
        conn.execute(update(m).where(m.c.id == 1).values(
            received_at=datetime(2026, 9, 9, 16, 0), first_response_at=datetime(2026, 9, 9, 10, 0),
            **message_times(datetime(2026, 9, 9, 16, 0), datetime(2026, 9, 9, 10, 0), TZ)))
        # Received 00:30 local on 10.09 (17:30 UTC the day before), not answered.
        conn.execute(update(m).where(m.c.id == 2).values(
            received_at=datetime(2026, 9, 9, 17, 30), first_response_at=None, status="new",
            **message_times(datetime(2026, 9, 9, 17, 30), None, TZ)))
    filters = [*(Filters(p.start, p.end) for p in PERIODS.values()), Filters(date(2026, 9, 9), date(2026, 9, 10)),
               Filters(date(2026, 9, 1), date(2026, 9, 10), municipality_ids=(1,)),
               Filters(date(2026, 9, 1), date(2026, 9, 10), municipality_ids=(2,))]
    moments = [datetime(2026, 8, 28) + timedelta(hours=5 * i) for i in range(72)]
    checked = 0
    with steady.connect() as conn:
        assert conn.execute(select(m.c.received_day).where(m.c.id == 2)).scalar() == date(2026, 9, 10)
        for f in filters:
            for as_of in moments:
                plain = and_(m.c.received_day.between(f.start, f.end), *f.dimension_clauses(m),
                             or_(m.c.received_at > as_of, m.c.first_response_at.is_(None),
                                 m.c.first_response_at > as_of))
                want = set(conn.execute(select(m.c.id).where(plain)).scalars())
                assert set(conn.execute(select(m.c.id).where(unsettled(f, as_of))).scalars()) == want, (f, as_of)
                checked += bool(want)
    assert checked > 300  # most of the 576 cases select something


def test_the_changes_name_the_days_they_compare_with():
    """Screens and reports say what the same age means in days (metrics.change_basis of
    kpis.compared_until): a running September on 10.09 15:00 is compared with 01.08–10.08,
    not with August whole; August, over, with July whole."""
    from dashboard.core.metrics import change_basis

    sep = Filters(date(2026, 9, 1), date(2026, 9, 30))
    aug = Filters(date(2026, 8, 1), date(2026, 8, 31))
    assert kpis.compared_until(None, sep, NOW) == date(2026, 8, 10)
    assert change_basis(sep.period.previous(), date(2026, 8, 10)) == "к 01.08.2026 – 10.08.2026 (столько же дней)"
    assert kpis.compared_until(None, aug, NOW) is None
    assert change_basis(aug.period.previous(), None) == "к периоду 01.07.2026 – 31.07.2026"
    # 30.09 23:59 local: September still runs, against August to its 30th; at midnight it is over.
    assert kpis.compared_until(None, sep, datetime(2026, 9, 30, 16, 59)) == date(2026, 8, 30)
    assert kpis.compared_until(None, sep, datetime(2026, 9, 30, 17, 0)) is None


def test_the_previous_values_are_named_as_far_as_they_are_taken():
    """The report's cards and workbook name the previous period's values: October whole once
    November is over; «октябрь 2026 по 28.10» while it runs; a period of days by its dates."""
    from dashboard.core.metrics import previous_label

    october = periods.month(2026, 10)
    assert previous_label(october) == "октябрь 2026"
    assert previous_label(october, date(2026, 10, 28)) == "октябрь 2026 по 28.10"
    days = periods.Period(date(2026, 11, 16), date(2026, 11, 22))
    assert previous_label(days, date(2026, 11, 21)) == "16.11.2026 – 21.11.2026"
