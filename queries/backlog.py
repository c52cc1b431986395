"""Overdue, unanswered messages. No resident names or contacts are stored or shown."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from queries.filters import Filters


def overdue_messages(conn: Connection, f: Filters, now: datetime | None = None, limit: int = 500) -> pd.DataFrame:
    """Messages received in f's period, status 'new' or 'in_work', whose norm has passed by
    ``now``; oldest first, at most ``limit`` rows.
    Columns: message_id, platform, platform_label, page_title, page_url, municipality, topic,
    received_at (local time), status_label, hours_overdue (past the deadline, in the norm's
    mode), external_id."""
    raise NotImplementedError
