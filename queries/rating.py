"""League table and composite rating of municipalities."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from queries.filters import Filters


def rating(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """The 35 municipalities with the composite score (dashboard.kpi.RATING_WEIGHTS: each
    component min-max scaled to 0..100 across ranked municipalities, lower-is-better
    components inverted), rank (1 = best), previous period's rank and rank_change
    (positive = moved up). Municipalities with fewer than RATING_MIN_MESSAGES messages get
    enough_data=False, score/rank NaN ("мало данных").
    Columns: by_municipality's columns + score, rank, prev_rank, rank_change, enough_data."""
    raise NotImplementedError
