"""UTC ↔ display time. The database stores naive UTC; screens, files and day boundaries
use the display time zone (``Settings.tz``)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import pandas as pd


def to_local(utc: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A naive UTC time → the naive local time in ``tz``; None/NaT stay None."""
    if utc is None or utc != utc:  # NaT, pandas' empty time, is the one time unequal to itself
        return None
    return utc.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)


def to_local_series(utc: pd.Series, tz: ZoneInfo) -> pd.Series:
    """A column of naive UTC times → naive local times in ``tz``, vectorised; empty values
    stay NaT."""
    import pandas as pd

    return pd.to_datetime(utc).dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)


def to_naive_utc(when: datetime) -> datetime:
    """An aware time, or a naive one taken as UTC, as naive UTC (how the database stores it)."""
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    """The start of ``day`` in ``tz``, as naive UTC (how the database stores times)."""
    return to_naive_utc(datetime.combine(day, time.min, tzinfo=tz))
