"""The registry of official pages and the per-municipality compliance check."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from queries.filters import Filters

POST_RECENCY_DAYS = 14


def registry(conn: Connection, f: Filters | None = None, search: str | None = None,
             include_closed: bool = False) -> pd.DataFrame:
    """All pages (platform and municipality filters of f apply; the period does not).
    ``search`` matches title, organisation or URL case-insensitively.
    Columns: page_id, platform, platform_label, title, url, organisation, org_kind, sector,
    municipality_id, municipality, verified, gospubliki, subscribers, stats_on, last_post_at,
    opened_on, closed_on. Ordered by municipality, organisation, platform."""
    raise NotImplementedError


def compliance(conn: Connection, today: date, f: Filters | None = None) -> pd.DataFrame:
    """One row per municipality (35): does its administration (organisation kind
    'municipal_admin') have an open VK page and an open OK page, do they carry the госметка,
    did they post within POST_RECENCY_DAYS days before ``today``.
    Columns: municipality_id, name, has_vk, has_ok, verified, posted_recently, compliant,
    pages_total, last_post_at."""
    raise NotImplementedError
