"""Response-time distribution and the weekday × hour pattern."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from queries.filters import Filters


def response_distribution(conn: Connection, f: Filters) -> pd.DataFrame:
    """Buckets of first-response time (dashboard.kpi.RESPONSE_BUCKETS, in the norm's mode:
    calendar or working minutes) plus 'без ответа'. Always 5 rows in that order.
    Columns: bucket, label, messages, share (of all messages)."""
    raise NotImplementedError


def weekday_hour(conn: Connection, f: Filters) -> pd.DataFrame:
    """Messages by local weekday (0 = Monday) and hour (0-23); only non-empty cells.
    Columns: weekday, hour, messages."""
    raise NotImplementedError
