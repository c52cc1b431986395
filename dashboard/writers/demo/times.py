"""Vectorised time arithmetic for the demo generator (numpy ``datetime64[s]``, naive).

The zone table and ``message_times`` (the array form of
``dashboard.core.message_fields.message_times``) live in ``dashboard.core.message_fields``,
shared with the bulk import; ``tests/test_demo.py`` checks both forms give identical values.
"""

from __future__ import annotations

import numpy as np

from dashboard.core.message_fields import _DAY_MIN, _WORK_END, _WORK_START, SECOND, Zone, work_clock
from dashboard.core.message_fields import message_times_arrays as message_times
from dashboard.core.message_fields import seconds_of_day as _seconds_of_day

__all__ = ["SECOND", "Zone", "add_work_minutes", "message_times", "work_clock"]


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
