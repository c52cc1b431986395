"""Derived fields written together with each raw fact (demo, import and collection share them)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.core.localtime import to_local
from dashboard.core.worktime import work_minutes


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
