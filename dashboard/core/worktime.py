"""Working-hours arithmetic for the response norm (Mon-Fri 09:00-18:00 local time).

Public holidays are not modelled: the norm counts every weekday.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dashboard.core.localtime import to_local
from dashboard.core.settings import WORKDAY_END_HOUR, WORKDAY_START_HOUR

_DAY_MIN = (WORKDAY_END_HOUR - WORKDAY_START_HOUR) * 60


def _minutes_before(t: datetime) -> int:
    """Working minutes from the start of t's day up to t (t local, naive)."""
    if t.weekday() >= 5:
        return 0
    m = (t.hour - WORKDAY_START_HOUR) * 60 + t.minute + t.second / 60
    return int(min(max(m, 0), _DAY_MIN))


def work_minutes(start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> int:
    """Working minutes between two UTC instants (0 if end <= start)."""
    if end_utc <= start_utc:
        return 0
    a, b = to_local(start_utc, tz), to_local(end_utc, tz)
    da, db = a.date(), b.date()
    if da == db:
        return _minutes_before(b) - _minutes_before(a)
    total = (_DAY_MIN if da.weekday() < 5 else 0) - _minutes_before(a)
    total += _minutes_before(b)
    days = (db - da).days - 1
    if days > 0:
        full_weeks, rest = divmod(days, 7)
        total += full_weeks * 5 * _DAY_MIN
        d = da + timedelta(days=1 + full_weeks * 7)
        for i in range(rest):
            if (d + timedelta(days=i)).weekday() < 5:
                total += _DAY_MIN
    return total


def subtract_work_minutes(end_utc: datetime, minutes: int, tz: ZoneInfo) -> datetime:
    """The latest UTC instant t with work_minutes(t, end_utc) == minutes.

    Used for "overdue" cut-offs: a message received before it has waited longer
    than the norm in working hours.
    """
    t = to_local(end_utc, tz)
    left = minutes
    while True:
        before = _minutes_before(t)
        if t.weekday() < 5 and before > 0:
            if before >= left:
                res = t.replace(hour=WORKDAY_START_HOUR, minute=0, second=0, microsecond=0) + timedelta(
                    minutes=before - left)
                if left == 0:
                    res = t
                return res.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)
            left -= before
        t = datetime(t.year, t.month, t.day) - timedelta(days=1)
        t = t.replace(hour=WORKDAY_END_HOUR)
