"""The headline KPIs split by municipality, platform and topic.

Formulas as in ``queries.kpis.headline`` (dashboard.core.metrics.KPIS codes), per group.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from dashboard.core import platforms, schema
from queries.aggregate import (
    ALL_PARTS,
    MESSAGE_PARTS,
    REGIONAL_NAME,
    add_kpis,
    fill_zeros,
    ratio,
    sums,
)
from queries.filters import REGIONAL, Filters

MUNICIPALITY_COLUMNS = [
    "municipality_id", "name", "kind", "population", "pages", "subscribers", "subs_per_1000",
    "messages", "messages_per_1000", "answered", "due", "in_norm", "share_in_norm",
    "median_response_min", "mean_response_min", "overdue", "photo_share", "posts",
    "posts_per_week", "er",
    # additions to the documented contract
    "share_answered", "satisfaction", "closed", "photo", "sat_pos", "sat_neg",
    "views", "likes", "comments", "reposts",
]
PLATFORM_COLUMNS = [
    "platform", "platform_label", "pages", "subscribers", "messages", "due", "in_norm",
    "share_in_norm", "median_response_min",
    # additions
    "answered", "share_answered", "mean_response_min", "overdue", "posts", "posts_per_week", "er",
]
TOPIC_COLUMNS = [
    "topic_id", "topic", "messages", "share", "answered", "in_norm", "share_in_norm",
    "median_response_min",
    # additions
    "due", "share_answered", "mean_response_min", "overdue",
]


def _municipality_rows(conn: Connection, f: Filters) -> pd.DataFrame:
    """The municipalities f selects (all 35 by default, in id order), plus the regional row."""
    mu = schema.municipality
    stmt = select(mu.c.id.label("municipality_id"), mu.c.name, mu.c.kind, mu.c.population)
    ids = [i for i in f.municipality_ids if i != REGIONAL]
    if f.municipality_ids:
        stmt = stmt.where(mu.c.id.in_(ids))
    df = pd.DataFrame(conn.execute(stmt.order_by(mu.c.id)).all(),
                      columns=["municipality_id", "name", "kind", "population"])
    if not f.municipality_ids or REGIONAL in f.municipality_ids:
        regional = pd.DataFrame([{"municipality_id": REGIONAL, "name": REGIONAL_NAME,
                                  "kind": "regional", "population": None}])
        df = pd.concat([df, regional], ignore_index=True)
    df["population"] = pd.to_numeric(df["population"]).astype("float64")
    return df


def by_municipality(conn: Connection, f: Filters, now: datetime | None = None,
                    parts=ALL_PARTS, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per municipality (all 35, zeros where no data) plus, unless filtered out,
    a row municipality_id=0 'Региональные органы власти' (population NaN).

    Columns: municipality_id, name, kind, population, pages, subscribers, subs_per_1000,
    messages, messages_per_1000, answered, due, in_norm, share_in_norm, median_response_min,
    mean_response_min, overdue, photo_share, posts, posts_per_week, er.
    Shares are 0..1 (NaN when the denominator is 0).

    With a municipality filter only the selected municipalities are returned. Also:
    share_answered, satisfaction, closed, photo, sat_pos, sat_neg, views, likes, comments,
    reposts. subs_per_1000 ('subs_per_1000') = subscribers / population × 1000;
    messages_per_1000 ('messages_per_1000') = messages / population × 1000.

    ``parts`` (queries.aggregate.sums) narrows the sums read, e.g. MESSAGE_PARTS: then only
    the columns computed from them (no pages, subscribers, posts or what derives from them).
    ``as_of`` (UTC): the message figures as they stood at that moment (queries.aggregate.sums)."""
    base = _municipality_rows(conn, f)
    data = sums(conn, f, now, by=("municipality_id",), parts=parts, as_of=as_of)
    df = base.merge(data, on="municipality_id", how="left")
    df = add_kpis(fill_zeros(df, keep=("municipality_id", "name", "kind", "population")), f)
    if "subscribers" in df.columns:
        df["subs_per_1000"] = (ratio(df["subscribers"], df["population"]) * 1000).values
    if "messages" in df.columns:
        df["messages_per_1000"] = (ratio(df["messages"], df["population"]) * 1000).values
    return df[[c for c in MUNICIPALITY_COLUMNS if c in df.columns]]


def by_platform(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """One row per platform present. Columns: platform, platform_label, pages, subscribers,
    messages, due, in_norm, share_in_norm, median_response_min.

    "Present": the platform has open pages, subscribers or messages under f. In the order
    of the platform registry. Also: answered, share_answered, mean_response_min, overdue, posts,
    posts_per_week, er."""
    df = add_kpis(sums(conn, f, now, by=("platform",)), f)
    df = df[(df["pages"] > 0) | (df["subscribers"] > 0) | (df["messages"] > 0)]
    order = platforms.ordered(df["platform"])
    df = df.assign(order=df["platform"].map(order.index)).sort_values("order")
    df["platform_label"] = df["platform"].map(platforms.label)
    return df[PLATFORM_COLUMNS].reset_index(drop=True)


def by_topic(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """One row per topic with messages. Columns: topic_id, topic, messages, share (of all
    messages), answered, in_norm, share_in_norm, median_response_min. Sorted by messages desc.

    share = topic's messages / all messages under f; share_in_norm = in_norm / due as in
    the headline (``now`` optional, default the current time). Ties keep the catalogue
    order. Also: due, share_answered, mean_response_min, overdue."""
    df = add_kpis(sums(conn, f, now, by=("topic_id",), parts=MESSAGE_PARTS), f)
    df = df[df["messages"] > 0]
    t = schema.topic
    names = pd.DataFrame(conn.execute(select(t.c.id, t.c.name, t.c.sort_order)).all(),
                         columns=["topic_id", "topic", "sort_order"])
    df = df.merge(names, on="topic_id", how="left")
    df["share"] = ratio(df["messages"], pd.Series(df["messages"].sum(), index=df.index)).values
    df = df.sort_values(["messages", "sort_order"], ascending=[False, True])
    return df[TOPIC_COLUMNS].reset_index(drop=True)
