"""Overdue, unanswered messages. No resident names or contacts are stored or shown."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from dashboard.core import platforms, schema
from dashboard.core.db import figures_now
from dashboard.core.localtime import to_local
from dashboard.core.schema import MESSAGE_STATUSES, OPEN_STATUSES
from dashboard.core.settings import get_settings
from dashboard.core.worktime import work_minutes
from queries.aggregate import (
    REGIONAL_NAME,
    deadline_cutoff,
    unanswered_in_period,
)
from queries.filters import Filters

COLUMNS = ["message_id", "platform", "platform_label", "page_title", "page_url", "municipality",
           "topic", "received_at", "status_label", "hours_overdue", "external_id"]


def _overdue_where(f: Filters, now: datetime) -> list:
    m = schema.message
    return [*unanswered_in_period(f, OPEN_STATUSES), m.c.received_at < deadline_cutoff(now, f.norm),
            *f.dimension_clauses(m)]


def overdue_count(conn: Connection, f: Filters, now: datetime | None = None) -> int:
    """How many messages overdue_messages lists over all its pages."""
    stmt = select(func.count()).select_from(schema.message).where(*_overdue_where(f, figures_now(conn, now)))
    return int(conn.execute(stmt).scalar_one())


def overdue_messages(conn: Connection, f: Filters, now: datetime | None = None, limit: int = 500,
                     offset: int = 0) -> pd.DataFrame:
    """Messages received in f's period, status 'new' or 'in_work', whose norm has passed by
    ``now``; oldest first, at most ``limit`` rows from ``offset``.
    Columns: message_id, platform, platform_label, page_title, page_url, municipality, topic,
    received_at (local time), status_label, hours_overdue (past the deadline, in the norm's
    mode), external_id.

    The same messages as KPIS['overdue'] (unanswered, received before the cut-off
    ``now`` − norm, or the norm counted back in working hours). hours_overdue = waiting time
    − norm, in calendar hours or working hours (Mon–Fri 9–18) by the norm's mode.
    received_at is naive local time (settings.display_tz)."""
    now = figures_now(conn, now)
    tz = get_settings().tz
    m, p, mu, t = schema.message, schema.page, schema.municipality, schema.topic
    stmt = (
        select(m.c.id.label("message_id"), m.c.platform, p.c.title.label("page_title"),
               p.c.url.label("page_url"),
               func.coalesce(mu.c.name, REGIONAL_NAME).label("municipality"),
               t.c.name.label("topic"), m.c.received_at, m.c.status, m.c.external_id)
        .select_from(m.join(p, m.c.page_id == p.c.id)
                     .join(t, m.c.topic_id == t.c.id)
                     .outerjoin(mu, m.c.municipality_id == mu.c.id))
        .where(*_overdue_where(f, now))
        .order_by(m.c.received_at, m.c.id)
        .offset(max(0, int(offset)))
        .limit(limit)
    )
    res = conn.execute(stmt)
    df = pd.DataFrame(res.all(), columns=list(res.keys()))
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df["platform_label"] = df["platform"].map(platforms.label)
    df["page_url"] = df["page_url"].map(platforms.safe_link)  # only http(s) links reach a link column
    df["status_label"] = df["status"].map(MESSAGE_STATUSES)
    if f.norm.mode == "working":
        waited = [work_minutes(r, now, tz) / 60 for r in df["received_at"]]
    else:
        waited = [(now - r).total_seconds() / 3600 for r in df["received_at"]]
    df["hours_overdue"] = pd.Series(waited, index=df.index, dtype="float64") - f.norm.hours
    df["received_at"] = [to_local(r, tz) for r in df["received_at"]]
    return df[COLUMNS]
