"""Response-time distribution and the weekday × hour pattern."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from dashboard.core.metrics import RESPONSE_BUCKETS, UNANSWERED_LABEL, bins_below
from dashboard.core.schema import HOURS
from dashboard.core.sql_dates import weekday
from queries.aggregate import BIN_NAMES, message_sums, message_table, ratio
from queries.filters import Filters

UNANSWERED_CODE = "none"


def response_distribution(conn: Connection, f: Filters) -> pd.DataFrame:
    """Buckets of first-response time (dashboard.core.metrics.RESPONSE_BUCKETS, in the norm's mode:
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

    Summed in the database from the summaries' receipts per local hour
    (``n_hour00..n_hour23``) over f's period, on the smallest rollup with f's
    dimensions (totals per day first, so the weekday is computed once per day);
    ordered by weekday, hour."""
    md = message_table(f)
    per_day = (select(md.c.day, *[func.sum(md.c[h]).label(h) for h in HOURS])
               .where(md.c.day.between(f.start, f.end), *f.dimension_clauses(md))
               .group_by(md.c.day)
               .subquery("per_day"))
    wd = weekday(conn.dialect.name, per_day.c.day)
    stmt = (select(wd.label("weekday"), *[func.sum(per_day.c[h]).label(h) for h in HOURS])
            .group_by(wd).order_by(wd))
    wide = pd.DataFrame(conn.execute(stmt).all(), columns=["weekday", *HOURS])
    long = wide.melt(id_vars="weekday", var_name="hour", value_name="messages")
    long["hour"] = long["hour"].map({h: i for i, h in enumerate(HOURS)})
    long = long[long["messages"].fillna(0) > 0].sort_values(["weekday", "hour"])
    return long[["weekday", "hour", "messages"]].reset_index(drop=True).astype("int64")
