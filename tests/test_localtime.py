"""UTC ↔ display time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.core.localtime import to_local, to_local_series, to_naive_utc

NSK = ZoneInfo("Asia/Novosibirsk")  # UTC+7


def test_to_local():
    assert to_local(datetime(2026, 11, 28, 20, 30), NSK) == datetime(2026, 11, 29, 3, 30)
    assert to_local(None, NSK) is None and to_local(pd.NaT, NSK) is None


def test_to_local_series_keeps_empty_values():
    s = to_local_series(pd.Series([datetime(2026, 1, 1, 0, 0), None]), NSK)
    assert s.iloc[0] == pd.Timestamp(2026, 1, 1, 7, 0) and pd.isna(s.iloc[1])


def test_to_naive_utc():
    aware = datetime(2026, 11, 29, 3, 30, tzinfo=timezone(timedelta(hours=7)))
    assert to_naive_utc(aware) == datetime(2026, 11, 28, 20, 30)
    assert to_naive_utc(datetime(2026, 11, 28, 20, 30)) == datetime(2026, 11, 28, 20, 30)


def test_a_local_day_starts_at_its_midnight_in_utc():
    """«Без публикаций с 01.12.2026» in Novosibirsk (UTC+7) counts from 30.11 17:00 UTC."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from dashboard.core.localtime import day_start_utc

    assert day_start_utc(date(2026, 12, 1), ZoneInfo("Asia/Novosibirsk")) == datetime(2026, 11, 30, 17, 0)
