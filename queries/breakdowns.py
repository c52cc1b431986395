"""The headline KPIs split by municipality, platform and topic."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from queries.filters import Filters


def by_municipality(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """One row per municipality (all 35, zeros where no data) plus, unless filtered out,
    a row municipality_id=0 'Региональные органы власти' (population NaN).

    Columns: municipality_id, name, kind, population, pages, subscribers, subs_per_1000,
    messages, messages_per_1000, answered, due, in_norm, share_in_norm, median_response_min,
    mean_response_min, overdue, photo_share, posts, posts_per_week, er.
    Shares are 0..1 (NaN when the denominator is 0)."""
    raise NotImplementedError


def by_platform(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """One row per platform present. Columns: platform, platform_label, pages, subscribers,
    messages, due, in_norm, share_in_norm, median_response_min."""
    raise NotImplementedError


def by_topic(conn: Connection, f: Filters) -> pd.DataFrame:
    """One row per topic with messages. Columns: topic_id, topic, messages, share (of all
    messages), answered, in_norm, share_in_norm, median_response_min. Sorted by messages desc."""
    raise NotImplementedError
