"""The registry of official pages and the per-municipality compliance check."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core import platforms
from queries.aggregate import REGIONAL_NAME, key_column
from queries.filters import REGIONAL, Filters

POST_RECENCY_DAYS = 14

REGISTRY_COLUMNS = ["page_id", "platform", "platform_label", "title", "url", "organisation",
                    "org_kind", "sector", "municipality_id", "municipality", "verified",
                    "gospubliki", "subscribers", "stats_on", "last_post_at", "opened_on",
                    "closed_on"]


def registry(conn: Connection, f: Filters | None = None, search: str | None = None,
             include_closed: bool = False) -> pd.DataFrame:
    """All pages (platform and municipality filters of f apply; the period does not).
    ``search`` matches title, organisation or URL case-insensitively.
    Columns: page_id, platform, platform_label, title, url, organisation, org_kind, sector,
    municipality_id, municipality, verified, gospubliki, subscribers, stats_on, last_post_at,
    opened_on, closed_on. Ordered by municipality, organisation, platform.

    Order: municipality id (regional bodies last), organisation name, platform in
    registry order (VK, OK, MAX, Telegram).

    Closed pages (closed_on set) are left out unless ``include_closed``. subscribers and
    stats_on are the page's latest snapshot (page.last_subscribers / last_stats_on);
    municipality_id is 0 and municipality 'Региональные органы власти' for regional
    bodies, which sort last. The search is a substring match done after the query (SQLite's
    LIKE folds only ASCII letters; this keeps Cyrillic matching identical on both backends)."""
    p, o, mu = schema.page, schema.organisation, schema.municipality
    stmt = (
        select(p.c.id.label("page_id"), p.c.platform, p.c.title, p.c.url,
               o.c.name.label("organisation"), o.c.kind.label("org_kind"), o.c.sector,
               key_column(p, "municipality_id").label("municipality_id"),
               mu.c.name.label("municipality"), p.c.verified, p.c.gospubliki,
               p.c.last_subscribers.label("subscribers"), p.c.last_stats_on.label("stats_on"),
               p.c.last_post_at, p.c.opened_on, p.c.closed_on)
        .select_from(p.join(o, p.c.organisation_id == o.c.id)
                     .outerjoin(mu, p.c.municipality_id == mu.c.id))
        .order_by(case((p.c.municipality_id.is_(None), 1), else_=0), p.c.municipality_id,
                  o.c.name, case({k: i for i, k in enumerate(platforms.CODES)}, value=p.c.platform),
                  p.c.id)
    )
    if f is not None:
        stmt = stmt.where(*f.dims(p))
    if not include_closed:
        stmt = stmt.where(p.c.closed_on.is_(None))
    res = conn.execute(stmt)
    df = pd.DataFrame(res.all(), columns=list(res.keys()))
    df["municipality"] = df["municipality"].fillna(REGIONAL_NAME)
    df["platform_label"] = df["platform"].map(platforms.label)
    df["subscribers"] = df["subscribers"].astype("Int64")
    if search and search.strip():
        needle = search.strip().casefold()
        hay = (df["title"] + "\n" + df["organisation"] + "\n" + df["url"]).str.casefold()
        df = df[hay.str.contains(needle, regex=False)]
    return df[REGISTRY_COLUMNS].reset_index(drop=True)


def compliance(conn: Connection, today: date, f: Filters | None = None) -> pd.DataFrame:
    """One row per municipality (35): does its administration (organisation kind
    'municipal_admin') have an open VK page and an open OK page, do they carry the госметка,
    did they post within POST_RECENCY_DAYS days before ``today``.
    Columns: municipality_id, name, has_vk, has_ok, verified, posted_recently, compliant,
    pages_total, last_post_at.

    Open = opened_on empty or <= today, closed_on empty or after today. verified: every open
    VK/OK page of the administration has the госметка (and there is one); posted_recently:
    every such page's last post is on or after today − POST_RECENCY_DAYS (00:00 UTC);
    compliant = all four. pages_total: open pages of every organisation of the
    municipality; last_post_at: latest post of the administration's VK/OK pages. Only f's
    municipality filter applies (the regional pseudo-municipality has no row)."""
    p, o, mu = schema.page, schema.organisation, schema.municipality
    is_open = and_(or_(p.c.opened_on.is_(None), p.c.opened_on <= today),
                   or_(p.c.closed_on.is_(None), p.c.closed_on > today))
    since = datetime.combine(today - timedelta(days=POST_RECENCY_DAYS), datetime.min.time())
    admin = and_(o.c.kind == "municipal_admin", p.c.platform.in_(("vk", "ok")))

    def admin_count(cond=None):
        return func.sum(case((and_(admin, cond) if cond is not None else admin, 1), else_=0))

    stmt = (
        select(p.c.municipality_id,
               func.count().label("pages_total"),
               admin_count().label("admin_pages"),
               admin_count(p.c.platform == "vk").label("n_vk"),
               admin_count(p.c.platform == "ok").label("n_ok"),
               admin_count(p.c.verified.is_(True)).label("n_verified"),
               admin_count(p.c.last_post_at >= since).label("n_recent"),
               func.max(case((admin, p.c.last_post_at), else_=None)).label("last_post_at"))
        .select_from(p.join(o, p.c.organisation_id == o.c.id))
        .where(is_open, p.c.municipality_id.is_not(None))
        .group_by(p.c.municipality_id)
    )
    res = conn.execute(stmt)
    stats = pd.DataFrame(res.all(), columns=list(res.keys()))
    munis = select(mu.c.id.label("municipality_id"), mu.c.name).order_by(mu.c.id)
    if f is not None and f.municipality_ids:
        munis = munis.where(mu.c.id.in_([i for i in f.municipality_ids if i != REGIONAL]))
    df = pd.DataFrame(conn.execute(munis).all(), columns=["municipality_id", "name"])
    df = df.merge(stats, on="municipality_id", how="left")
    for c in ("pages_total", "admin_pages", "n_vk", "n_ok", "n_verified", "n_recent"):
        df[c] = pd.to_numeric(df[c]).fillna(0).astype("int64")
    df["last_post_at"] = pd.to_datetime(df["last_post_at"])
    df["has_vk"] = df["n_vk"] > 0
    df["has_ok"] = df["n_ok"] > 0
    df["verified"] = (df["admin_pages"] > 0) & (df["n_verified"] == df["admin_pages"])
    df["posted_recently"] = (df["admin_pages"] > 0) & (df["n_recent"] == df["admin_pages"])
    df["compliant"] = df["has_vk"] & df["has_ok"] & df["verified"] & df["posted_recently"]
    return df[["municipality_id", "name", "has_vk", "has_ok", "verified", "posted_recently",
               "compliant", "pages_total", "last_post_at"]]
