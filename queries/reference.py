"""Reference lists and the data status shown in the banner and footer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.db import get_meta
from dashboard.core.localtime import to_naive_utc


@dataclass(frozen=True)
class DataStatus:
    is_demo: bool
    updated_at: datetime | None   # UTC, from meta.data_updated_at
    first_day: date | None        # first local day with messages or stats
    last_day: date | None         # last local day with messages or stats
    n_pages: int
    n_messages: int


def _sort_name(name: str) -> str:
    """Alphabetical key that is the same on every backend (ё sorts as е)."""
    return name.casefold().replace("ё", "е")


def municipalities(conn: Connection) -> pd.DataFrame:
    """Columns: id, name, name_official, kind, oktmo, population, area_km2, center_lat, center_lon.
    Ordered: urban okrugs first (by population desc), then the rest by name."""
    mu = schema.municipality
    cols = ["id", "name", "name_official", "kind", "oktmo", "population", "area_km2",
            "center_lat", "center_lon"]
    rows = conn.execute(select(*[mu.c[c] for c in cols])).all()
    urban = sorted((r for r in rows if r.kind == "urban_okrug"),
                   key=lambda r: (-(r.population or 0), _sort_name(r.name)))
    rest = sorted((r for r in rows if r.kind != "urban_okrug"), key=lambda r: _sort_name(r.name))
    df = pd.DataFrame(urban + rest, columns=cols)
    df["population"] = df["population"].astype("Int64")
    return df


def topics(conn: Connection) -> pd.DataFrame:
    """Columns: id, code, name; in sort_order."""
    t = schema.topic
    rows = conn.execute(select(t.c.id, t.c.code, t.c.name).order_by(t.c.sort_order, t.c.id)).all()
    return pd.DataFrame(rows, columns=["id", "code", "name"])


def _utc_naive(iso: str | None) -> datetime | None:
    if not iso:
        return None
    return to_naive_utc(datetime.fromisoformat(iso))


def data_status(conn: Connection) -> DataStatus:
    """Demo flag, last write time, the span of days with data, and page/message totals.

    Read from the summary tables and ``page``, so it is cheap at any scale: messages from
    the rollup by (day, municipality, platform) ``msg_daily_mp`` — every page run reads
    this, and the rollup is an eighth of ``msg_daily`` at national scale; ``n_messages``
    is the total of its ``n_received``."""
    md, sd = schema.msg_daily_mp, schema.subs_daily
    m_last, n_messages = conn.execute(select(func.max(md.c.day), func.sum(md.c.n_received))).one()
    s_last = conn.execute(select(func.max(sd.c.on))).scalar()
    n_pages = conn.execute(select(func.count()).select_from(schema.page)).scalar()
    updated = get_meta(conn, schema.META_UPDATED_AT)
    lasts = [d for d in (m_last, s_last) if d is not None]
    return DataStatus(
        is_demo=get_meta(conn, schema.META_DEMO) == "1",
        updated_at=_utc_naive(updated),
        first_day=first_day(conn),
        last_day=max(lasts) if lasts else None,
        n_pages=int(n_pages or 0),
        n_messages=int(n_messages or 0),
    )


def first_day(conn: Connection) -> date | None:
    """The first local day with messages or subscriber figures (``DataStatus.first_day``):
    where the data begin, which the changes of a period must not reach before
    (metrics.before_the_data)."""
    firsts = [conn.execute(select(func.min(t.c[c]))).scalar()
              for t, c in ((schema.msg_daily_mp, "day"), (schema.subs_daily, "on"))]
    return min((d for d in firsts if d is not None), default=None)


def has_pages(conn: Connection) -> bool:
    """True when the schema exists and at least one page is registered."""
    if not inspect(conn).has_table("page"):
        return False
    return conn.execute(select(schema.page.c.id).limit(1)).first() is not None
