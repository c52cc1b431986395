"""Time series by day, week or month."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from dashboard.core import platforms, schema
from dashboard.core.periods import Period, bucket_start, past_the_data
from dashboard.core.sql_dates import GRAINS, period_start
from queries.aggregate import add_kpis, key_column, message_sums, message_table, pending_sums, ratio
from queries.filters import Filters


def _check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise ValueError(f"Неизвестная детализация {grain!r}: ожидается day, week или month.")


def bucket_frame(f: Filters, grain: str) -> pd.DataFrame:
    """Every bucket of f's period (``Period.buckets``): period (its first day), days (inside
    the period), partial (the period cuts it)."""
    b = f.period.buckets(grain)
    return pd.DataFrame({"period": [x.start for x in b], "days": [x.days for x in b],
                         "partial": [x.partial for x in b]})


def cut_by_the_data(df: pd.DataFrame, period: Period, grain: str, until: date | None,
                    column: str = "period") -> pd.DataFrame:
    """``df`` (a series of ``period`` with the buckets' first days in ``column`` and a
    partial column: messages_series, messages_series_by, page_profile.weekly by "week")
    with the buckets that run past ``until`` (periods.known_until) marked ``partial`` too,
    as those the period cuts: the screens and the report draw them lighter, not as a fall
    to zero."""
    late = past_the_data(period, grain, until)
    if not late:
        return df
    starts = pd.Series([pd.Timestamp(d).date() for d in df[column]], index=df.index)
    return df.assign(partial=df["partial"].astype(bool).values | starts.isin(late).values)


def messages_series(conn: Connection, f: Filters, grain: str = "week", now: datetime | None = None) -> pd.DataFrame:
    """Every bucket of f's period (day, the Monday of a week, or the 1st of a month), with
    columns: period, days, partial, messages, answered, in_norm, share_in_norm,
    median_response_min, mean_response_min, due.

    share_in_norm is the KPI's own (in_norm / due), as the cards print it: the messages of
    a bucket whose deadline has not come at ``now`` (queries.aggregate.pending_sums) are
    not counted against it — counted, the last days of every trend fell to a third.

    Buckets without messages are present with counts 0 and no share or median (NaN), so a
    line breaks there instead of joining its neighbours. A bucket the period cuts (a week
    starting before it) counts only its days inside the period and is marked ``partial``.
    median_response_min is metrics.grouped_median ('median_response') in the norm's mode."""
    _check_grain(grain)
    df = add_kpis(message_sums(conn, f, by=(grain,)), f).rename(columns={grain: "period"})
    counts = ["messages", "answered", "in_norm"]
    df = bucket_frame(f, grain).merge(df[["period", *counts, "median_response_min", "mean_response_min"]],
                                      on="period", how="left")
    df[counts] = df[counts].fillna(0).astype("int64")
    # Not yet due, counted by day in the database (only the days from the deadline cut-off on
    # have any), summed into the buckets here.
    pending = pending_sums(conn, f, now, by=("day",))
    not_due = pending.groupby([bucket_start(d, grain) for d in pending["day"]])["not_due"].sum()
    df["due"] = df["messages"] - df["period"].map(not_due).fillna(0).astype("int64")
    df["share_in_norm"] = ratio(df["in_norm"], df["due"]).values
    cols = ["period", "days", "partial", "messages", "answered", "in_norm", "share_in_norm",
            "median_response_min", "mean_response_min", "due"]
    return df[cols].reset_index(drop=True)


def messages_series_by(conn: Connection, f: Filters, by: str = "platform", grain: str = "week") -> pd.DataFrame:
    """by='platform' or 'topic'. Columns: period, key (platform code or topic id), label,
    messages, partial. Every bucket of the period for every key with messages in it (0 where
    it had none that bucket). Ordered by period, then key."""
    _check_grain(grain)
    md = message_table(f, (by if by == "platform" else "topic_id",))
    if by == "platform":
        key = md.c.platform
    elif by == "topic":
        key = md.c.topic_id
    else:
        raise ValueError(f"Неизвестная разбивка {by!r}: ожидается platform или topic.")
    period = key_column(md, grain)
    stmt = (select(period.label("period"), key.label("key"), func.sum(md.c.n_received).label("messages"))
            .where(md.c.day.between(f.start, f.end), *f.dimension_clauses(md))
            .group_by(period, key).order_by(period, key))
    df = pd.DataFrame(conn.execute(stmt).all(), columns=["period", "key", "messages"])
    # Every bucket for every key that has messages: 0 where a key had none that bucket.
    full = bucket_frame(f, grain)[["period", "partial"]].merge(
        pd.DataFrame({"key": pd.unique(df["key"])}), how="cross")
    df = full.merge(df, on=["period", "key"], how="left").fillna({"messages": 0})
    df["messages"] = df["messages"].astype("int64")
    df = df.sort_values(["period", "key"]).reset_index(drop=True)
    if by == "platform":
        labels = platforms.label
    else:
        t = schema.topic
        labels = dict(conn.execute(select(t.c.id, t.c.name)).all())
    df["label"] = df["key"].map(labels)
    return df[["period", "key", "label", "messages", "partial"]]


def subscribers_series(conn: Connection, f: Filters, grain: str = "week") -> pd.DataFrame:
    """Subscribers at the last snapshot date within each bucket of f's period, by platform.
    Columns: period, platform, platform_label, subscribers.

    Per bucket: subs_daily rows at the bucket's last snapshot date inside f's period
    (KPIS['subscribers'] on that date). Buckets without a snapshot date are absent."""
    _check_grain(grain)
    sd = schema.subs_daily
    bucket = period_start(conn.dialect.name, sd.c.on, grain)
    where = [sd.c.on.between(f.start, f.end), *f.dimension_clauses(sd)]
    last = (select(bucket.label("period"), func.max(sd.c.on).label("last_on"))
            .where(*where).group_by(bucket).subquery("last"))
    stmt = (select(last.c.period, sd.c.platform, func.sum(sd.c.subscribers).label("subscribers"))
            .join_from(sd, last, sd.c.on == last.c.last_on)
            .where(*f.dimension_clauses(sd))
            .group_by(last.c.period, sd.c.platform)
            .order_by(last.c.period, sd.c.platform))
    df = pd.DataFrame(conn.execute(stmt).all(), columns=["period", "platform", "subscribers"])
    df["subscribers"] = df["subscribers"].astype("int64")
    df["platform_label"] = df["platform"].map(platforms.label)
    return df[["period", "platform", "platform_label", "subscribers"]]
