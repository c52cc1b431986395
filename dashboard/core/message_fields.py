"""Derived fields written together with each raw fact (demo, import and collection share them).

``message_times`` derives them for one message; ``message_times_arrays`` is its array form
(numpy ``datetime64[s]``, naive) for the demo generator and the bulk import, with the same
rules: local day and hour of receipt, calendar minutes floored, working minutes Mon-Fri
09:00-18:00 as in ``dashboard.core.worktime``. tests/test_demo.py and
tests/test_import_columnar.py check that both forms give identical values.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from dashboard.core.localtime import to_local
from dashboard.core.settings import WORKDAY_END_HOUR, WORKDAY_START_HOUR
from dashboard.core.worktime import work_minutes

SECOND = np.timedelta64(1, "s")
_WORK_START = WORKDAY_START_HOUR * 3600
_WORK_END = WORKDAY_END_HOUR * 3600
_DAY_MIN = (WORKDAY_END_HOUR - WORKDAY_START_HOUR) * 60
_EPOCH = np.datetime64("2000-01-03", "D")  # a Monday before any data


def message_times(received_at: datetime, first_response_at: datetime | None, tz: ZoneInfo) -> dict:
    """Local day/hour of receipt and calendar/working response minutes.

    Both times are naive UTC. A response earlier than receipt counts as 0 minutes.
    """
    local = to_local(received_at, tz)
    out = {
        "received_day": local.date(),
        "received_hour": local.hour,
        "response_minutes": None,
        "response_work_minutes": None,
    }
    if first_response_at is not None:
        secs = (first_response_at - received_at).total_seconds()
        out["response_minutes"] = max(0, int(secs // 60))
        out["response_work_minutes"] = work_minutes(received_at, first_response_at, tz)
    return out


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

    @classmethod
    def covering(cls, tz: ZoneInfo, *utc: np.ndarray) -> "Zone":
        """The zone tabulated over every (non-NaT) time of the given UTC arrays."""
        times = np.concatenate([a[~np.isnat(a)] for a in utc]) if utc else np.empty(0, "datetime64[s]")
        if not len(times):
            now = datetime(2000, 1, 1)
            return cls(tz, now, now)
        return cls(tz, times.min().item(), times.max().item())

    def _offset(self, t: np.ndarray) -> np.ndarray:
        idx = ((t - self.t0) // np.timedelta64(3600, "s")).astype(np.int64)
        return self.offsets[np.clip(idx, 0, len(self.offsets) - 1)] * SECOND

    def to_local(self, utc: np.ndarray) -> np.ndarray:
        return utc + self._offset(utc)

    def to_utc(self, local: np.ndarray) -> np.ndarray:
        """UTC of a local wall time (for times in a DST gap or overlap: one of the readings)."""
        guess = local - self._offset(local)
        return local - self._offset(guess)


def seconds_of_day(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    day = t.astype("datetime64[D]")
    return day, (t - day).astype(np.int64)


def work_clock(local: np.ndarray) -> np.ndarray:
    """Working minutes from a fixed Monday up to each local time (differences = worktime.work_minutes)."""
    day, sod = seconds_of_day(local)
    before = np.clip((sod - _WORK_START) // 60, 0, _DAY_MIN)
    before = np.where(np.is_busday(day), before, 0)
    return np.busday_count(_EPOCH, day).astype(np.int64) * _DAY_MIN + before


def message_times_arrays(received_utc: np.ndarray, response_utc: np.ndarray, zone: Zone) -> dict[str, np.ndarray]:
    """Array form of ``message_times``; ``response_utc`` is NaT when unanswered.

    Returns received_day (datetime64[D]), received_hour, and response_minutes /
    response_work_minutes (int64, -1 where unanswered).
    """
    local = zone.to_local(received_utc)
    day, sod = seconds_of_day(local)
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
