"""One page's profile: what it is, its audience and posts week by week, its messages.

Statistics come from ``page_stats`` (one snapshot per page and date) and messages from the
raw ``message`` rows of that page (the ``page_id`` index): a page has at most a few thousand
messages a year, so no summary is needed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.db import figures_now
from dashboard.core.platforms import label as platform_label
from queries.aggregate import REGIONAL_NAME, deadline_cutoff
from queries.filters import Norm

WEEK_COLUMNS = ["week", "partial", "subscribers", "posts", "views", "likes", "comments", "reposts", "er",
                "messages", "answered", "due", "in_norm", "share_in_norm"]


def page_card(conn: Connection, page_id: int) -> dict | None:
    """The page's registry record: page_id, platform, platform_label, title, url, organisation,
    municipality_id (None: regional), municipality, verified, gospubliki, subscribers,
    stats_on, last_post_at (UTC), opened_on, closed_on. None when there is no such page."""
    p, o, mu = schema.page, schema.organisation, schema.municipality
    row = conn.execute(
        select(p.c.id.label("page_id"), p.c.platform, p.c.title, p.c.url, o.c.name.label("organisation"),
               p.c.municipality_id, mu.c.name.label("municipality"), p.c.verified, p.c.gospubliki,
               p.c.last_subscribers.label("subscribers"), p.c.last_stats_on.label("stats_on"),
               p.c.last_post_at, p.c.opened_on, p.c.closed_on)
        .select_from(p.join(o, p.c.organisation_id == o.c.id).outerjoin(mu, p.c.municipality_id == mu.c.id))
        .where(p.c.id == page_id)
    ).first()
    if row is None:
        return None
    card = dict(row._mapping)
    card["municipality"] = card["municipality"] or REGIONAL_NAME
    card["platform_label"] = platform_label(card["platform"])
    return card


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly(conn: Connection, page_id: int, start: date, end: date, norm: Norm = Norm(),
           now: datetime | None = None) -> pd.DataFrame:
    """One row per week (Monday) overlapping start..end, every week present (zeros included).

    subscribers: the level of the page's last snapshot on or before the week's last day (or
    the period end); posts, views, likes, comments, reposts: flows of snapshots dated in the
    week; er = (likes + reposts + comments) / posts / subscribers (KPI 'er'; NaN without
    posts). Messages received in the week: messages, answered, due (answered, or received
    before ``now`` − norm), in_norm (answered within the norm, in its mode), share_in_norm =
    in_norm / due. partial: the week reaches outside start..end."""
    now = figures_now(conn, now)
    first, last = _monday(start), _monday(end)
    weeks = pd.DataFrame({"week": pd.date_range(first, last, freq="7D").date})
    ps = schema.page_stats
    snaps = pd.DataFrame(conn.execute(
        select(ps.c.on, ps.c.subscribers, ps.c.posts, ps.c.views, ps.c.likes, ps.c.comments, ps.c.reposts)
        .where(ps.c.page_id == page_id, ps.c.on <= end).order_by(ps.c.on)).all(),
        columns=["on", "subscribers", "posts", "views", "likes", "comments", "reposts"])
    flows = ["posts", "views", "likes", "comments", "reposts"]
    if snaps.empty:
        for c in ["subscribers", *flows]:
            weeks[c] = 0 if c != "subscribers" else pd.NA
    else:
        snaps["week"] = snaps["on"].map(_monday)
        inside = snaps[snaps["on"] >= start]
        sums = inside.groupby("week")[flows].sum()
        weeks = weeks.merge(sums, left_on="week", right_index=True, how="left")
        weeks[flows] = weeks[flows].fillna(0).astype("int64")
        levels = []
        for w in weeks["week"]:
            upto = min(w + timedelta(days=6), end)
            known = snaps[snaps["on"] <= upto]
            levels.append(int(known["subscribers"].iloc[-1]) if not known.empty else pd.NA)
        weeks["subscribers"] = pd.array(levels, dtype="Int64")
    subs = pd.to_numeric(weeks["subscribers"], errors="coerce").astype("float64")
    posts = weeks["posts"].astype("float64")
    engaged = (weeks["likes"] + weeks["reposts"] + weeks["comments"]).astype("float64")
    weeks["er"] = (engaged / posts / subs).where((posts > 0) & (subs > 0))

    m = schema.message
    minutes = m.c.response_minutes if norm.mode == "calendar" else m.c.response_work_minutes
    cutoff = deadline_cutoff(now, norm)
    answered = m.c.first_response_at.is_not(None)
    res = conn.execute(
        select(m.c.received_day.label("day"), func.count().label("messages"),
               func.sum(case((answered, 1), else_=0)).label("answered"),
               func.sum(case((answered | (m.c.received_at < cutoff), 1), else_=0)).label("due"),
               func.sum(case((and_(answered, minutes <= norm.minutes), 1), else_=0)).label("in_norm"))
        .where(m.c.page_id == page_id, m.c.received_day.between(start, end))
        .group_by(m.c.received_day))
    daily = pd.DataFrame(res.all(), columns=["day", "messages", "answered", "due", "in_norm"])
    counts = ["messages", "answered", "due", "in_norm"]
    if daily.empty:
        for c in counts:
            weeks[c] = 0
    else:
        daily["week"] = daily["day"].map(_monday)
        weekly_msgs = daily.groupby("week")[counts].sum()
        weeks = weeks.merge(weekly_msgs, left_on="week", right_index=True, how="left")
        weeks[counts] = weeks[counts].fillna(0).astype("int64")
    weeks["share_in_norm"] = (weeks["in_norm"] / weeks["due"]).where(weeks["due"] > 0)
    weeks["partial"] = [(w < start) or (w + timedelta(days=6) > end) for w in weeks["week"]]
    return weeks[WEEK_COLUMNS]


def totals(weeks: pd.DataFrame) -> dict:
    """Period totals of ``weekly``: posts, views, likes, comments, reposts, messages, answered,
    due, in_norm, share_in_norm, subscribers (the last week's level), er (period ER)."""
    t = {c: int(weeks[c].sum()) for c in ("posts", "views", "likes", "comments", "reposts", "messages",
                                          "answered", "due", "in_norm")}
    subs = weeks["subscribers"].dropna()
    t["subscribers"] = int(subs.iloc[-1]) if len(subs) else None
    t["share_in_norm"] = t["in_norm"] / t["due"] if t["due"] else None
    engaged = t["likes"] + t["reposts"] + t["comments"]
    t["er"] = engaged / t["posts"] / t["subscribers"] if t["posts"] and t["subscribers"] else None
    return t
