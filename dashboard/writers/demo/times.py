"""Vectorised time arithmetic for the demo generator (numpy ``datetime64[s]``, naive).

``message_times`` is the array form of ``dashboard.core.message_fields.message_times`` (same
rules: local day and hour of receipt, calendar minutes floored, working minutes
Mon-Fri 09:00-18:00 as in ``dashboard.core.worktime``); ``tests/test_demo.py``
checks that both give identical values on every generated message.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from dashboard.core.settings import WORKDAY_END_HOUR, WORKDAY_START_HOUR

SECOND = np.timedelta64(1, "s")
_WORK_START = WORKDAY_START_HOUR * 3600
_WORK_END = WORKDAY_END_HOUR * 3600
_DAY_MIN = (WORKDAY_END_HOUR - WORKDAY_START_HOUR) * 60
_EPOCH = np.datetime64("2000-01-03", "D")  # a Monday before any data


class Zone:
    """UTC offsets of a time zone, tabulated per UTC hour over a range of dates."""

    def __init__(self, tz: ZoneInfo, first: datetime, last: datetime):
        self.t0 = np.datetime64(first.replace(minute=0, second=0, microsecond=0), "s")
        hours = int((last - first).total_seconds() // 3600) + 2
        base = first.replace(minute=0, second=0, microsecond=0, tzinfo=timezone.utc)
        self.offsets = np.array(
            [int((base + timedelta(hours=h)).astimezone(tz).utcoffset().total_seconds()) for h in range(hours)],
            dtype=np.int64,
        )

    def _offset(self, t: np.ndarray) -> np.ndarray:
        idx = ((t - self.t0) // np.timedelta64(3600, "s")).astype(np.int64)
        return self.offsets[np.clip(idx, 0, len(self.offsets) - 1)] * SECOND

    def to_local(self, utc: np.ndarray) -> np.ndarray:
        return utc + self._offset(utc)

    def to_utc(self, local: np.ndarray) -> np.ndarray:
        """UTC of a local wall time (for times in a DST gap or overlap: one of the readings)."""
        guess = local - self._offset(local)
        return local - self._offset(guess)


def _seconds_of_day(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    day = t.astype("datetime64[D]")
    return day, (t - day).astype(np.int64)


def work_clock(local: np.ndarray) -> np.ndarray:
    """Working minutes from a fixed Monday up to each local time (differences = worktime.work_minutes)."""
    day, sod = _seconds_of_day(local)
    before = np.clip((sod - _WORK_START) // 60, 0, _DAY_MIN)
    before = np.where(np.is_busday(day), before, 0)
    return np.busday_count(_EPOCH, day).astype(np.int64) * _DAY_MIN + before


def add_work_minutes(local: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """The local time ``minutes`` working minutes after each local time.

    A start outside working hours first moves to the next working-day start,
    so a message on Friday evening is answered on Monday.
    """
    day, sod = _seconds_of_day(local)
    busy = np.is_busday(day)
    after_hours = busy & (sod >= _WORK_END)
    start_day = np.busday_offset(day, after_hours.astype(np.int64), roll="forward")
    moved = ~busy | after_hours
    into = np.where(moved, 0, np.clip(sod - _WORK_START, 0, None))
    total = into + minutes.astype(np.int64) * 60
    full_days, rest = np.divmod(total, _DAY_MIN * 60)
    end_day = np.busday_offset(start_day, full_days)
    return end_day.astype("datetime64[s]") + (_WORK_START + rest) * SECOND


def message_times(received_utc: np.ndarray, response_utc: np.ndarray, zone: Zone) -> dict[str, np.ndarray]:
    """Array form of ``facts.message_times``; ``response_utc`` is NaT when unanswered.

    Returns received_day (datetime64[D]), received_hour, and response_minutes /
    response_work_minutes (int64, -1 where unanswered).
    """
    local = zone.to_local(received_utc)
    day, sod = _seconds_of_day(local)
    answered = ~np.isnat(response_utc)
    resp = np.where(answered, response_utc, received_utc)
    minutes = np.maximum(0, (resp - received_utc) // np.timedelta64(60, "s")).astype(np.int64)
    work = np.maximum(0, work_clock(zone.to_local(resp)) - work_clock(local))
    return {
        "received_day": day,
        "received_hour": sod // 3600,
        "response_minutes": np.where(answered, minutes, -1),
        "response_work_minutes": np.where(answered, work, -1),
    }
