"""A small hand-built data set whose every KPI is computed by hand in tests/test_queries_*.py.

Periods: October 2026 (previous) and November 2026 (current). ``NOW`` is Saturday
28.11.2026 19:00 local (12:00 UTC); Asia/Novosibirsk is UTC+7.

Municipalities: 31 город Новосибирск, 19 Новосибирский район, 1 Баганский район, and
regional bodies (municipality NULL).

Pages (P = platform, M = municipality, opened 01.01.2025 unless noted):

    id P   M    owner                     notes
    1  vk  31   мэрия (municipal_admin)   госметка, last post 27.11
    2  ok  31   мэрия                     госметка, last post 20.11
    3  max 31   мэрия                     opened 05.11.2026
    4  tg  31   мэрия                     broadcast only
    5  vk  19   администрация района      госметка, last post 25.11
    6  ok  19   администрация района      no госметка, last post 01.11
    7  vk  1    администрация района      госметка, last post 26.11; no OK page
    8  vk  31   школа (institution)
    9  vk  —    правительство (regional)  госметка
    10 ok  —    правительство             closed 20.10.2026, no statistics

Messages are listed in ``MESSAGES`` with local receipt time and calendar delay of the
first response; working minutes (Mon-Fri 9-18) are noted per message for the tests.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.db import touch_updated
from dashboard.core.message_fields import message_times
from dashboard.core.reference_data import TOPICS
from dashboard.writers import summary
from queries.filters import Filters

TZ = ZoneInfo("Asia/Novosibirsk")
NOW = datetime(2026, 11, 28, 12, 0)          # UTC; 19:00 local, Saturday
UPDATED_AT = datetime(2026, 11, 28, 11, 30)  # meta.data_updated_at
NSK, NSK_DISTRICT, BAGAN = 31, 19, 1
NOV = Filters(date(2026, 11, 1), date(2026, 11, 30))
OCT = Filters(date(2026, 10, 1), date(2026, 10, 31))
TOPIC_ID = {code: i for i, (code, _name) in enumerate(TOPICS, start=1)}

ORGANISATIONS = [
    # id, name, kind, sector, municipality
    (1, "Мэрия города Новосибирска", "municipal_admin", None, NSK),
    (2, "Администрация Новосибирского района", "municipal_admin", None, NSK_DISTRICT),
    (3, "Администрация Баганского района", "municipal_admin", None, BAGAN),
    (4, "Школа № 1 города Новосибирска", "institution", "education", NSK),
    (5, "Правительство Новосибирской области", "regional", None, None),
]

PAGES = [
    # id, platform, organisation, verified, opened_on, closed_on, last_post_at (UTC)
    (1, "vk", 1, True, date(2025, 1, 1), None, datetime(2026, 11, 27, 5, 0)),
    (2, "ok", 1, True, date(2025, 1, 1), None, datetime(2026, 11, 20, 5, 0)),
    (3, "max", 1, False, date(2026, 11, 5), None, datetime(2026, 11, 27, 6, 0)),
    (4, "tg", 1, False, date(2025, 1, 1), None, datetime(2026, 11, 28, 3, 0)),
    (5, "vk", 2, True, date(2025, 1, 1), None, datetime(2026, 11, 25, 4, 0)),
    (6, "ok", 2, False, date(2025, 1, 1), None, datetime(2026, 11, 1, 4, 0)),
    (7, "vk", 3, True, date(2025, 1, 1), None, datetime(2026, 11, 26, 4, 0)),
    (8, "vk", 4, False, date(2025, 1, 1), None, datetime(2026, 11, 24, 4, 0)),
    (9, "vk", 5, True, date(2025, 1, 1), None, datetime(2026, 11, 27, 2, 0)),
    (10, "ok", 5, False, date(2025, 1, 1), date(2026, 10, 20), datetime(2026, 10, 19, 2, 0)),
]

# page, date, subscribers, posts, views, likes, comments, reposts
STATS = [
    (1, date(2026, 10, 1), 1000, 10, 5000, 100, 20, 5),
    (1, date(2026, 10, 16), 1100, 12, 6000, 120, 24, 6),
    (1, date(2026, 11, 1), 1200, 15, 7000, 150, 30, 10),
    (1, date(2026, 11, 16), 1300, 14, 6500, 140, 28, 7),
    (1, date(2026, 11, 30), 1400, 16, 8000, 160, 32, 8),
    (2, date(2026, 10, 1), 500, 5, 1000, 20, 2, 1),
    (2, date(2026, 11, 1), 520, 6, 1200, 25, 3, 2),
    (2, date(2026, 11, 30), 540, 7, 1500, 30, 4, 2),
    (3, date(2026, 11, 16), 50, 4, 300, 10, 1, 0),
    (3, date(2026, 11, 30), 80, 5, 400, 12, 2, 1),
    (4, date(2026, 10, 16), 300, 20, 3000, 30, 0, 10),
    (4, date(2026, 11, 16), 350, 25, 3500, 40, 0, 12),
    (5, date(2026, 10, 1), 200, 3, 400, 6, 1, 0),
    (5, date(2026, 11, 1), 210, 4, 450, 8, 2, 1),
    (5, date(2026, 11, 30), 220, 5, 500, 9, 1, 1),
    (6, date(2026, 10, 1), 100, 2, 100, 3, 0, 0),
    (7, date(2026, 11, 16), 60, 3, 200, 5, 1, 1),
    (8, date(2026, 10, 16), 400, 8, 900, 40, 4, 2),
    (8, date(2026, 11, 30), 420, 9, 1000, 45, 5, 3),
    (9, date(2026, 10, 1), 5000, 30, 20000, 600, 90, 40),
    (9, date(2026, 11, 16), 5200, 40, 25000, 800, 100, 50),
]

# id, page, topic, received (local), delay in calendar minutes (None: no answer), status,
# photo report, satisfaction.            working minutes of the answer in the comment
A, C, W, N = "answered", "closed", "in_work", "new"
MESSAGES = [
    # November 2026 (Nov 1 is a Sunday)
    (1, 1, "roads", "2026-11-02 10:00", 30, A, True, 1),           # Mon, work 30
    (2, 1, "roads", "2026-11-02 11:00", 90, A, False, 1),          # work 90
    (3, 1, "housing", "2026-11-03 09:30", 200, A, True, -1),       # work 200
    (4, 1, "roads", "2026-11-04 14:00", 600, A, False, None),      # Wed -> Thu 00:00, work 240
    (5, 1, "improvement", "2026-11-05 10:00", 1500, A, False, None),  # -> Fri 11:00, work 600
    (6, 2, "roads", "2026-11-06 17:00", 4000, A, False, None),     # Fri -> Mon 11:40, work 220
    (7, 2, "housing", "2026-11-09 12:00", 45, A, False, 1),        # work 45
    (8, 3, "roads", "2026-11-10 15:00", 10, A, False, None),       # work 10
    (9, 3, "improvement", "2026-11-11 16:00", None, C, False, None),
    (10, 5, "roads", "2026-11-12 09:00", 300, A, True, None),      # work 300
    (11, 5, "snow", "2026-11-13 10:00", 2000, A, False, None),     # Fri -> Sat 19:20, work 480
    (12, 6, "housing", "2026-11-16 13:00", 120, A, False, -1),     # work 120
    (13, 7, "roads", "2026-11-17 11:00", 20, A, False, None),      # work 20
    (14, 9, "roads", "2026-11-18 10:00", 60, A, False, None),      # work 60
    (15, 9, "housing", "2026-11-19 10:00", 1000, A, False, None),  # -> Fri 02:40, work 480
    (16, 1, "snow", "2026-11-21 12:00", 180, A, False, None),      # Saturday, work 0
    (17, 1, "roads", "2026-11-23 10:00", None, W, False, None),
    (18, 2, "roads", "2026-11-26 10:00", None, N, False, None),
    (19, 5, "roads", "2026-11-27 20:00", None, N, False, None),
    (20, 1, "housing", "2026-11-28 09:00", None, N, False, None),
    (21, 1, "roads", "2026-11-28 18:00", 5, A, False, None),       # Saturday, work 0
    (22, 8, "education", "2026-11-24 10:00", 15, A, False, None),  # work 15
    (23, 5, "roads", "2026-11-02 14:00", 100, A, False, None),     # work 100
    (24, 5, "housing", "2026-11-03 14:00", 500, A, False, None),   # -> 22:20, work 240
    (25, 6, "roads", "2026-11-04 10:00", 40, A, True, None),       # work 40
    (26, 6, "improvement", "2026-11-05 15:00", 1440, A, False, None),  # -> Fri 15:00, work 540
    (27, 5, "snow", "2026-11-09 10:00", None, C, False, None),
    (28, 5, "roads", "2026-11-10 11:00", 5, A, False, None),       # work 5
    # October 2026 (Oct 1 is a Thursday)
    (101, 1, "roads", "2026-10-05 10:00", 60, A, False, None),     # Mon, work 60
    (102, 1, "roads", "2026-10-06 10:00", 120, A, True, 1),        # work 120
    (103, 2, "housing", "2026-10-07 10:00", 2000, A, False, None),  # Wed -> Thu 19:20, work 1020
    (104, 5, "roads", "2026-10-08 11:00", 30, A, False, None),     # work 30
    (105, 9, "improvement", "2026-10-09 10:00", 600, A, False, None),  # Fri -> 20:00, work 480
    (106, 1, "roads", "2026-10-12 09:00", None, C, False, None),
    (107, 1, "housing", "2026-10-20 10:00", 10, A, False, -1),     # work 10
    (108, 7, "roads", "2026-10-29 12:00", None, N, False, None),
]


def local_to_utc(text: str) -> datetime:
    """'2026-11-02 10:00' local (Asia/Novosibirsk) as naive UTC."""
    local = datetime.fromisoformat(text).replace(tzinfo=TZ)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def page_rows() -> list[dict]:
    org_muni = {o[0]: o[4] for o in ORGANISATIONS}
    return [
        {"id": pid, "platform": platform, "external_id": f"fx{pid}",
         "url": f"https://example.org/{platform}/{pid}", "title": f"Страница {pid}",
         "organisation_id": org, "municipality_id": org_muni[org], "verified": verified,
         "gospubliki": verified, "opened_on": opened, "closed_on": closed, "last_post_at": last_post}
        for pid, platform, org, verified, opened, closed, last_post in PAGES
    ]


def message_rows() -> list[dict]:
    page = {p["id"]: p for p in page_rows()}
    rows = []
    for mid, pid, topic, received, delay, status, photo, sat in MESSAGES:
        received_at = local_to_utc(received)
        answered_at = None if delay is None else received_at + timedelta(minutes=delay)
        rows.append({
            "id": mid, "platform": page[pid]["platform"], "external_id": f"m{mid}",
            "page_id": pid, "municipality_id": page[pid]["municipality_id"],
            "topic_id": TOPIC_ID[topic], "kind": "comment", "received_at": received_at,
            "first_response_at": answered_at, "status": status, "photo_report": photo,
            "satisfaction": sat, **message_times(received_at, answered_at, TZ),
        })
    return rows


def build(conn: Connection) -> None:
    """Write the fixture rows and refresh the summary tables (reference data is loaded)."""
    conn.execute(insert(schema.organisation), [
        {"id": i, "name": name, "kind": kind, "sector": sector, "municipality_id": m}
        for i, name, kind, sector, m in ORGANISATIONS])
    conn.execute(insert(schema.page), page_rows())
    conn.execute(insert(schema.page_stats), [
        {"page_id": p, "on": on, "subscribers": s, "posts": po, "views": v, "likes": li,
         "comments": co, "reposts": re}
        for p, on, s, po, v, li, co, re in STATS])
    conn.execute(insert(schema.message), message_rows())
    summary.refresh_messages(conn)
    summary.refresh_subscribers(conn)
    touch_updated(conn, UPDATED_AT)
