"""Headline KPIs for a period, and for the previous equal period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from queries.filters import Filters


@dataclass(frozen=True)
class Headline:
    """Formulas: dashboard.kpi.KPIS[<field name>]."""

    pages: int
    subscribers: int
    messages: int
    answered: int
    due: int                         # messages whose response deadline has passed or answered
    in_norm: int
    share_answered: float | None     # answered / messages
    share_in_norm: float | None      # in_norm / due
    median_response_min: float | None
    mean_response_min: float | None
    overdue: int
    photo_share: float | None        # photo / answered
    satisfaction: float | None       # pos / (pos + neg)
    posts: int
    posts_per_week: float | None     # per page
    er: float | None                 # share, 0.012 = 1,2 %


def headline(conn: Connection, f: Filters, now: datetime | None = None) -> Headline:
    """All headline KPIs for f's period and dimensions. ``now`` (UTC, naive) defaults to the
    current time and only matters for `due` and `overdue`."""
    raise NotImplementedError


def headline_compare(conn: Connection, f: Filters, now: datetime | None = None) -> tuple[Headline, Headline]:
    """(current period, previous equal period) with the same dimension filters."""
    raise NotImplementedError
