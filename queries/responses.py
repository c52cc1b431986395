"""Response-time distribution and the weekday × hour pattern."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from dashboard import schema
from dashboard.kpi import RESPONSE_BUCKETS, UNANSWERED_LABEL, bins_below
from queries.aggregate import BIN_NAMES, message_sums, ratio
from queries.filters import Filters
from queries.sql import weekday

UNANSWERED_CODE = "none"


def response_distribution(conn: Connection, f: Filters) -> pd.DataFrame:
    """Buckets of first-response time (dashboard.kpi.RESPONSE_BUCKETS, in the norm's mode:
    calendar or working minutes) plus 'без ответа'. Always 5 rows in that order.
    Columns: bucket, label, messages, share (of all messages).

    Each bucket sums the msg_daily histogram bins between its edges (every bucket edge is
    a bin edge); 'без ответа' (bucket 'none') = messages − answered, so it includes
    closed-without-answer and still open messages."""
    s = message_sums(conn, f).iloc[0]
    rows = []
    for code, label, lo, hi in RESPONSE_BUCKETS:
        names = BIN_NAMES[bins_below(lo):bins_below(hi) if hi is not None else None]
        rows.append((code, label, int(sum(s[n] for n in names))))
    rows.append((UNANSWERED_CODE, UNANSWERED_LABEL, int(s["messages"] - s["answered"])))
    df = pd.DataFrame(rows, columns=["bucket", "label", "messages"])
    df["share"] = ratio(df["messages"], pd.Series(int(s["messages"]), index=df.index)).values
    return df


def weekday_hour(conn: Connection, f: Filters) -> pd.DataFrame:
    """Messages by local weekday (0 = Monday) and hour (0-23); only non-empty cells.
    Columns: weekday, hour, messages.

    Grouped in the database over raw ``message`` rows of f's period (local day and hour of
    receipt; counted per day and hour first, so the weekday is computed once per day),
    ordered by weekday, hour."""
    m = schema.message
    per_day = (select(m.c.received_day.label("day"), m.c.received_hour.label("hour"),
                      func.count().label("n"))
               .where(m.c.received_day.between(f.start, f.end), *f.dims(m))
               .group_by(m.c.received_day, m.c.received_hour)
               .subquery("per_day"))
    wd = weekday(conn.dialect.name, per_day.c.day)
    stmt = (select(wd.label("weekday"), per_day.c.hour, func.sum(per_day.c.n).label("messages"))
            .group_by(wd, per_day.c.hour)
            .order_by(wd, per_day.c.hour))
    df = pd.DataFrame(conn.execute(stmt).all(), columns=["weekday", "hour", "messages"])
    return df.astype("int64")
