"""Time series by day, week or month."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from queries.filters import Filters

GRAINS = ("day", "week", "month")


def messages_series(conn: Connection, f: Filters, grain: str = "week") -> pd.DataFrame:
    """Columns: period (date: the day, the Monday, or the 1st of month), messages, answered,
    in_norm, share_in_norm (in_norm / messages of the bucket, NaN if none),
    median_response_min. Buckets with no messages are absent."""
    raise NotImplementedError


def messages_series_by(conn: Connection, f: Filters, by: str = "platform", grain: str = "week") -> pd.DataFrame:
    """by='platform' or 'topic'. Columns: period, key (platform code or topic id), label, messages."""
    raise NotImplementedError


def subscribers_series(conn: Connection, f: Filters, grain: str = "week") -> pd.DataFrame:
    """Subscribers at the last snapshot date within each bucket of f's period, by platform.
    Columns: period, platform, platform_label, subscribers."""
    raise NotImplementedError
