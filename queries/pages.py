"""The registry of official pages and the per-municipality compliance check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterator

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from dashboard.core import platforms, schema
from queries.aggregate import REGIONAL_NAME, key_column
from queries.filters import REGIONAL, Filters

POST_RECENCY_DAYS = 14

REGISTRY_COLUMNS = ["page_id", "platform", "platform_label", "title", "url", "organisation",
                    "org_kind", "sector", "municipality_id", "municipality", "verified",
                    "gospubliki", "subscribers", "stats_on", "last_post_at", "opened_on",
                    "closed_on"]


# Orders of the registry: key -> (Russian label, SQL sort columns built by _order_by).
REGISTRY_SORTS = {
    "municipality": "по муниципалитету",
    "title": "по названию",
    "organisation": "по организации",
    "subscribers": "по числу подписчиков",
    "last_post_at": "по последней публикации",
}
REGISTRY_PAGE_SIZE = 100


@dataclass(frozen=True)
class RegistryFilter:
    """What the registry is narrowed to besides the shared Filters (hashable: a cache key).

    search: substring of title, organisation or URL, case-insensitive (Cyrillic too);
    org_kinds: organisation kinds (empty: all); verified: True/False/None (any);
    include_closed: closed pages (closed_on set) too; silent_before (naive UTC): only pages
    whose last post is before that moment or that never posted (the list of silent pages
    to send out; None: any)."""

    search: str | None = None
    include_closed: bool = False
    org_kinds: tuple[str, ...] = ()
    verified: bool | None = None
    silent_before: datetime | None = None


def _fold(conn: Connection, expr):
    """Lower-case ``expr`` the same way on both backends: PostgreSQL's lower() folds Cyrillic
    under a UTF-8 ctype; SQLite's lower() folds only ASCII, so it gets dashboard.core.db's
    Python ``fold`` function."""
    return func.lower(expr) if conn.dialect.name == "postgresql" else func.fold(expr)


def _registry_where(conn: Connection, f: Filters | None, rf: RegistryFilter) -> list:
    p, o = schema.page, schema.organisation
    where = list(f.dimension_clauses(p)) if f is not None else []
    if not rf.include_closed:
        where.append(p.c.closed_on.is_(None))
    if rf.org_kinds:
        where.append(o.c.kind.in_(rf.org_kinds))
    if rf.verified is not None:
        where.append(p.c.verified.is_(rf.verified))
    if rf.silent_before is not None:
        where.append(or_(p.c.last_post_at.is_(None), p.c.last_post_at < rf.silent_before))
    needle = (rf.search or "").strip().lower()
    if needle:
        where.append(or_(*[_fold(conn, c).contains(needle, autoescape=True)
                           for c in (p.c.title, o.c.name, p.c.url)]))
    return where


def _registry_from():
    p, o, mu = schema.page, schema.organisation, schema.municipality
    return (p.join(o, p.c.organisation_id == o.c.id)
            .outerjoin(mu, p.c.municipality_id == mu.c.id))


def _order_by(sort: str, descending: bool) -> list:
    """ORDER BY for a REGISTRY_SORTS key; empty values last in both directions; ties broken
    by the default order, so paging is stable."""
    p, o = schema.page, schema.organisation
    platform_rank = case({k: i for i, k in enumerate(platforms.CODES)}, value=p.c.platform)
    default = [case((p.c.municipality_id.is_(None), 1), else_=0), p.c.municipality_id, o.c.name,
               platform_rank, p.c.id]
    if sort == "municipality":
        return [c.desc() for c in default] if descending else default
    col = {"title": p.c.title, "organisation": o.c.name, "subscribers": p.c.last_subscribers,
           "last_post_at": p.c.last_post_at}[sort]
    return [case((col.is_(None), 1), else_=0), col.desc() if descending else col.asc(), *default]


def _registry_select():
    p, o, mu = schema.page, schema.organisation, schema.municipality
    return select(
        p.c.id.label("page_id"), p.c.platform,
        case(platforms.LABELS, value=p.c.platform, else_=p.c.platform).label("platform_label"),
        p.c.title, p.c.url, o.c.name.label("organisation"), o.c.kind.label("org_kind"),
        o.c.sector, key_column(p, "municipality_id").label("municipality_id"),
        func.coalesce(mu.c.name, REGIONAL_NAME).label("municipality"), p.c.verified, p.c.gospubliki,
        p.c.last_subscribers.label("subscribers"), p.c.last_stats_on.label("stats_on"),
        p.c.last_post_at, p.c.opened_on, p.c.closed_on,
    ).select_from(_registry_from())


def _frame(conn: Connection, stmt) -> pd.DataFrame:
    res = conn.execute(stmt)
    return _rows_frame(res.all(), list(res.keys()))


def _rows_frame(rows, columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    df["subscribers"] = df["subscribers"].astype("Int64")
    df["last_post_at"] = pd.to_datetime(df["last_post_at"])
    df["url"] = df["url"].map(platforms.safe_link)  # only http(s) links reach a link column
    return df[REGISTRY_COLUMNS]


def registry_count(conn: Connection, f: Filters | None = None,
                   rf: RegistryFilter = RegistryFilter()) -> int:
    """How many pages registry_page would list over all its pages."""
    stmt = select(func.count()).select_from(_registry_from()).where(*_registry_where(conn, f, rf))
    return int(conn.execute(stmt).scalar_one())


def registry_page(conn: Connection, f: Filters | None = None, rf: RegistryFilter = RegistryFilter(),
                  sort: str = "municipality", descending: bool = False, offset: int = 0,
                  limit: int | None = REGISTRY_PAGE_SIZE) -> pd.DataFrame:
    """One page of the registry: at most ``limit`` pages from ``offset`` in the order ``sort``
    (a REGISTRY_SORTS key; empty values last), searched and filtered in SQL.
    Columns as registry(); ``limit`` None: every row (downloads).

    Platform and municipality filters of f apply; the period does not. The default order
    ("municipality"): municipality id (regional bodies last), organisation name, platform in
    registry order (VK, OK, MAX, Telegram), page id."""
    if sort not in REGISTRY_SORTS:
        raise ValueError(f"unknown registry order {sort!r}")
    stmt = (_registry_select().where(*_registry_where(conn, f, rf))
            .order_by(*_order_by(sort, descending)).offset(max(0, int(offset))))
    if limit is not None:
        stmt = stmt.limit(int(limit))
    return _frame(conn, stmt)


def registry_chunks(conn: Connection, f: Filters | None = None, rf: RegistryFilter = RegistryFilter(),
                    sort: str = "municipality", descending: bool = False,
                    chunk: int = 5000) -> Iterator[pd.DataFrame]:
    """Every row of registry_page's order, ``chunk`` rows at a time, streamed from the
    cursor (a workbook of 30 000 pages never holds them all). Columns as registry()."""
    if sort not in REGISTRY_SORTS:
        raise ValueError(f"unknown registry order {sort!r}")
    stmt = _registry_select().where(*_registry_where(conn, f, rf)).order_by(*_order_by(sort, descending))
    res = conn.execution_options(yield_per=chunk).execute(stmt)
    columns = list(res.keys())
    for rows in res.partitions():
        yield _rows_frame(rows, columns)


def registry(conn: Connection, f: Filters | None = None, search: str | None = None,
             include_closed: bool = False) -> pd.DataFrame:
    """All pages (platform and municipality filters of f apply; the period does not).
    ``search`` matches title, organisation or URL case-insensitively.
    Columns: page_id, platform, platform_label, title, url, organisation, org_kind, sector,
    municipality_id, municipality, verified, gospubliki, subscribers, stats_on, last_post_at,
    opened_on, closed_on. In registry_page's default order.

    Closed pages (closed_on set) are left out unless ``include_closed``. subscribers and
    stats_on are the page's latest snapshot (page.last_subscribers / last_stats_on);
    municipality_id is 0 and municipality 'Региональные органы власти' for regional
    bodies, which sort last. Screens show registry_page (one page of rows) instead."""
    return registry_page(conn, f, RegistryFilter(search=search, include_closed=include_closed),
                         limit=None)


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
    is_open = schema.page_open_on(today)
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
