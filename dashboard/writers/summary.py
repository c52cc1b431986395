"""Summary tables ``msg_daily`` (with its rollups ``msg_daily_mp``, ``msg_daily_pt``)
and ``subs_daily``, recomputed inside the database.

Writers call these in the same transaction as the raw rows they write, then
``db.touch_updated``. Two ways, both giving exactly the rows of a full rebuild:

- Deltas (the importer and the collector): the writer stages the rows it writes around the write and
  the summaries take the difference; the cost is the rows written plus one summary row
  per key, whatever the size of the database::

      summary.begin_message_delta(conn)
      summary.stage_message_ids(conn, changed_ids, -1)     # stored versions out (or stage_messages_in)
      ...insert / update messages...
      summary.stage_message_ids(conn, changed_ids, +1)     # written versions in
      summary.stage_message_keys(conn, new_keys, +1)
      summary.fold_message_delta(conn)                     # optional: between chunks
      ...more chunks staged the same way...
      summary.apply_message_delta(conn)

      if summary.begin_subscriber_delta(conn, pages, dates):   # before writing snapshots
          ...upsert page_stats...
          summary.apply_subscriber_delta(conn)

- Rebuilds (``refresh_messages``, ``refresh_subscribers``): delete the affected summary
  rows and rebuild them with ``INSERT ... SELECT ... GROUP BY``. Messages: whole days
  (``days``) or everything (the demo generator, a migration's replay). Subscribers: pass
  the earliest snapshot date written and the affected (municipality, platform) groups
  (``page_groups``); those groups' rows from that date on are rebuilt, other groups get a
  carried-forward row on a snapshot date that is new to the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import islice

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.expression import Join

from dashboard.core import schema
from dashboard.core.db import sql_text, without_jit
from dashboard.core.schema import (
    CAL_BINS,
    FLOWS,
    HOURS,
    MSG_MEASURES,
    N_BINS,
    OPEN_STATUSES,
    RESPONSE_BIN_EDGES,
    WORK_BINS,
)
from dashboard.core.sql_dates import month_start, week_start

_DAYS_PER_STATEMENT = 500  # keeps IN (...) lists well within parameter limits


# -- messages ------------------------------------------------------------------

def _in_bin(minutes, i: int):
    """Condition: ``minutes`` falls in histogram bin i (false for NULL: unanswered)."""
    cond = minutes >= RESPONSE_BIN_EDGES[i]
    if i + 1 < N_BINS:
        cond = and_(cond, minutes < RESPONSE_BIN_EDGES[i + 1])
    return cond


def _flag(cond):
    return case((cond, 1), else_=0)


def _messages_select(dialect: str, where, m=None):
    """SELECT producing msg_daily rows from raw messages matching ``where``.

    ``m``: a table shaped like ``message`` to read instead (default ``message``); if it has
    a ``sign`` column (the delta table), every row counts ``sign`` times (+1 or −1), so the
    result is the change the staged rows make to msg_daily."""
    m = schema.message if m is None else m
    signed = "sign" in m.c
    answered = m.c.first_response_at.is_not(None)
    src = select(
        m.c.received_day.label("day"),
        m.c.municipality_id,
        m.c.platform,
        m.c.topic_id,
        _flag(answered).label("answered"),
        _flag(and_(m.c.status == "closed", m.c.first_response_at.is_(None))).label("closed"),
        _flag(and_(m.c.status.in_(OPEN_STATUSES), m.c.first_response_at.is_(None))).label("open"),
        m.c.received_hour.label("hour"),
        _flag(and_(answered, m.c.photo_report.is_(True))).label("photo"),
        _flag(m.c.satisfaction == 1).label("pos"),
        _flag(m.c.satisfaction == -1).label("neg"),
        case((answered, m.c.response_minutes), else_=None).label("resp"),
        case((answered, m.c.response_work_minutes), else_=None).label("resp_work"),
        *([m.c.sign.label("w")] if signed else []),
    )
    if where is not None:
        src = src.where(where)
    src = src.subquery("src")
    c = src.c

    def total(expr):  # every measure is a sum over the rows (weighted by sign in a delta)
        return func.sum(expr * c.w) if signed else func.sum(expr)

    cols = [
        c.day.label("day"),
        week_start(dialect, c.day).label("week"),
        month_start(dialect, c.day).label("month"),
        c.municipality_id.label("municipality_id"),
        c.platform.label("platform"),
        c.topic_id.label("topic_id"),
        (func.sum(c.w) if signed else func.count()).label("n_received"),
        total(c.answered).label("n_answered"),
        total(c.closed).label("n_closed"),
        total(c.open).label("n_open"),
        total(c.photo).label("n_photo"),
        total(c.pos).label("n_sat_pos"),
        total(c.neg).label("n_sat_neg"),
        func.coalesce(total(c.resp), 0).label("sum_resp_min"),
        func.coalesce(total(c.resp_work), 0).label("sum_resp_work_min"),
    ]
    cols += [total(_flag(_in_bin(c.resp, i))).label(name) for i, name in enumerate(CAL_BINS)]
    cols += [total(_flag(_in_bin(c.resp_work, i))).label(name) for i, name in enumerate(WORK_BINS)]
    cols += [total(_flag(c.hour == h)).label(name) for h, name in enumerate(HOURS)]
    return select(*cols).group_by(c.day, c.municipality_id, c.platform, c.topic_id)


def _chunks(items: list, size: int):
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _rollup_select(table, where, md=None):
    """SELECT producing ``table``'s rows (a coarser rollup) from msg_daily rows matching ``where``
    (read from ``md``, a table shaped like msg_daily, if given)."""
    md = schema.msg_daily if md is None else md
    keys = [md.c[c.name] for c in table.c if c.name != "id" and c.name not in MSG_MEASURES]
    stmt = select(*keys, *[func.sum(md.c[k]).label(k) for k in MSG_MEASURES])
    if where is not None:
        stmt = stmt.where(where)
    return stmt.group_by(*keys)


class _KeysFirst(Join):
    """A join read keys first: SQLite's CROSS JOIN keeps the left table as the outer loop
    (its planner would otherwise scan a whole summary or ``message`` in index order)."""

    inherit_cache = True


@compiles(_KeysFirst, "sqlite")
def _keys_first_sqlite(join, compiler, **kw):
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def _matches(day_col, cols, keys, names: tuple[str, ...], regional: bool):
    """Join condition of a table's (day, *names) with the keys; ``regional``: the keys whose
    municipality is NULL (matched by IS NULL, so both passes can use the indexes)."""
    conds = [day_col == keys.c.day]
    for n in names:
        if n != "municipality_id":
            conds.append(cols[n] == keys.c[n])
        elif regional:
            conds += [cols[n].is_(None), keys.c[n].is_(None)]
        else:
            conds.append(cols[n] == keys.c[n])
    return and_(*conds)


# -- message deltas ----------------------------------------------------------------
# A writer that knows which rows it writes stages them around the write (see
# stage_messages): the stored version of each row it changes or moves with sign −1 before
# the write, the written version of each new or changed row with sign +1 after it. Then
# apply_message_delta sums the staged rows per summary key (by _messages_select, so the
# measures are defined once) and adds those sums to the summary rows of the same keys.
# It reads the staged rows and one summary row per key — never the messages already
# stored, so a write costs what it writes whatever the size of the database.

def _temp_copy(table, name: str) -> Table:
    """A temporary table with ``table``'s columns (no id, no constraints, all nullable)."""
    return Table(name, MetaData(), *[Column(c.name, c.type) for c in table.c if c.name != "id"],
                 prefixes=["TEMPORARY"])


# The staging table. A writer holding the rows it wrote column by column may insert them
# here itself with sign +1 (every ``message`` column but id) instead of stage_message_keys.
MESSAGE_DELTA = Table("tmp_message_delta", MetaData(),
                      *[Column(c.name, c.type) for c in schema.message.c if c.name != "id"],
                      Column("sign", Integer), prefixes=["TEMPORARY"])
_TABLE_KEYS = ((schema.msg_daily, ("municipality_id", "platform", "topic_id")),
               (schema.msg_daily_mp, ("municipality_id", "platform")),
               (schema.msg_daily_pt, ("platform", "topic_id")))
_SUMS = {t.name: _temp_copy(t, f"tmp_delta_{t.name}") for t, _ in _TABLE_KEYS}


def _recreate(conn: Connection, table: Table) -> None:
    """Drop and create a temporary table (its DDL compiled once per dialect: an import
    recreates the staging table after every chunk)."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")
    conn.exec_driver_sql(sql_text(conn, ("create", table.name), lambda: CreateTable(table)))


_PLANNED = ("day", "on", "municipality_id", "platform", "topic_id", "page_id", "n_received")


def _analyze(conn: Connection, table: Table) -> None:
    """Statistics for a temporary table: without them SQLite's planner takes it for as large
    as the summary it is joined to and scans the summary instead of looking keys up.
    PostgreSQL samples only the columns the merge joins and filters on (and counts the
    rows): the 60-odd measure columns of a summary's sums cost up to 0.1 s of CPU per
    ANALYZE, and no plan reads them."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"ANALYZE temp.{table.name}"))
        return
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c.name) for c in table.c if c.name in _PLANNED)
    conn.execute(text(f"ANALYZE {table.name} ({cols})" if cols else f"ANALYZE {table.name}"))


# The staged rows' sums per msg_daily key, gathered by fold_message_delta: a long write
# (an import of many chunks) folds each chunk's staged rows into it and merges the sums
# into the summaries once at the end, so the summaries are read and updated once per key
# rather than once per chunk, and the staged rows never outgrow a chunk.
_FOLDED = _temp_copy(schema.msg_daily, "tmp_delta_folded")


def begin_message_delta(conn: Connection) -> None:
    """Start staging message rows for apply_message_delta (empty delta tables)."""
    _recreate(conn, MESSAGE_DELTA)
    _recreate(conn, _FOLDED)


def fold_message_delta(conn: Connection) -> None:
    """Sum the rows staged so far per msg_daily key (kept until apply_message_delta) and
    empty the staging table: between the chunks of a long write, so that what is kept is
    one row per key per chunk, not every row written."""
    # Built and compiled once per dialect (db.sql_text): an import runs it after every chunk,
    # and building the statement of 65 sums and finding it in SQLAlchemy's cache cost more
    # than SQLite's work on a small chunk.
    conn.exec_driver_sql(sql_text(conn, "fold_message_delta", lambda: insert(_FOLDED).from_select(
        [c.name for c in _FOLDED.c], _messages_select(conn.dialect.name, None, m=MESSAGE_DELTA)),
        literal_binds=True))
    # Created anew rather than emptied: PostgreSQL then plans the next chunk's staging
    # statements afresh (a new table invalidates the plans psycopg's prepared statements
    # cached while ``message`` was smaller; kept, they scan the growing table: 45 s
    # instead of 0.5 s for 100 000 rows).
    _recreate(conn, MESSAGE_DELTA)


def _staging(sign: int, where=None, from_=None):
    """INSERT into MESSAGE_DELTA of ``message``'s rows (those matching ``where``, read from
    ``from_`` when given) with ``sign``."""
    m = schema.message
    names = [c.name for c in MESSAGE_DELTA.c if c.name != "sign"]
    rows = select(*[m.c[n] for n in names], literal(sign, Integer))
    if from_ is not None:
        rows = rows.select_from(from_)
    if where is not None:
        rows = rows.where(where)
    return insert(MESSAGE_DELTA).from_select([*names, "sign"], rows)


def stage_messages(conn: Connection, where, sign: int) -> None:
    """Stage the stored messages matching ``where``: sign −1 for the version about to be
    changed (before the write), +1 for the version written (after it)."""
    conn.execute(_staging(sign, where=where))


def stage_messages_in(conn: Connection, ids: Table, sign: int) -> None:
    """stage_messages of the messages whose ids the table ``ids`` holds (column ``id``: the rows
    a writer staged to update them all at once, bulk.update_from): one statement, the
    messages looked up by primary key from ``ids`` (compiled once per dialect)."""
    m = schema.message
    conn.exec_driver_sql(sql_text(conn, ("stage_messages_in", ids.name, sign), lambda: _staging(
        sign, from_=_KeysFirst(ids, m, m.c.id == ids.c.id)), literal_binds=True))


def stage_message_ids(conn: Connection, ids: Iterable[int], sign: int) -> None:
    """stage_messages of the messages with these ids."""
    m = schema.message
    for chunk in _chunks(sorted(set(ids)), _DAYS_PER_STATEMENT):
        stage_messages(conn, m.c.id.in_(chunk), sign)


def stage_message_keys(conn: Connection, keys: Iterable[tuple[str, str]], sign: int) -> None:
    """stage_messages of the messages with these (platform, external id) keys."""
    m = schema.message
    by_platform: dict[str, list[str]] = {}
    for platform, ext in set(keys):
        by_platform.setdefault(platform, []).append(ext)
    for platform, exts in sorted(by_platform.items()):
        for chunk in _chunks(sorted(exts), _DAYS_PER_STATEMENT):
            stage_messages(conn, and_(m.c.platform == platform, m.c.external_id.in_(chunk)), sign)


def _merge(conn: Connection, table: Table, names: tuple[str, ...], sums: Table) -> None:
    """Add ``sums`` (one row per key of ``table``) to ``table``'s rows of the same keys: rows
    of known keys are updated in place (their indexed key columns stay, so the indexes are
    not touched), new keys inserted, rows that reach zero messages deleted."""
    key_cols = ["day", "week", "month", *names]
    measures = list(MSG_MEASURES)
    passes = (False, True) if "municipality_id" in names else (False,)
    for regional in passes:
        conn.execute(update(table)
                     .where(_matches(table.c.day, table.c, sums, names, regional))
                     .values({k: table.c[k] + sums.c[k] for k in measures}))
    old = table.alias("old")
    known = or_(*[exists().where(_matches(old.c.day, old.c, sums, names, regional)) for regional in passes])
    conn.execute(insert(table).from_select([*key_cols, *measures], select(
        *[sums.c[c] for c in key_cols], *[sums.c[k] for k in measures]).where(not_(known), sums.c.n_received > 0)))
    if conn.execute(select(sums.c.n_received).where(sums.c.n_received < 0).limit(1)).first() is None:
        return  # nothing removed: no row can have reached zero
    for regional in passes:
        gone = select(old.c.id).select_from(_KeysFirst(sums, old, _matches(old.c.day, old.c, sums, names, regional)))
        conn.execute(delete(table).where(table.c.id.in_(gone), table.c.n_received <= 0))


def apply_message_delta(conn: Connection) -> None:
    """Add the change of the rows staged since begin_message_delta (folded or not) to
    msg_daily and its rollups; drop the staged rows."""
    md = schema.msg_daily
    fold_message_delta(conn)
    base = _SUMS[md.name]
    _recreate(conn, base)
    cols = [c.name for c in base.c]
    conn.execute(insert(base).from_select(cols, _rollup_select(md, None, md=_FOLDED)))
    _analyze(conn, base)
    with without_jit(conn):  # nationally the merge's estimates call for JIT: 0.3 s compiling, for nothing
        for table, names in _TABLE_KEYS:
            sums = _SUMS[table.name]
            if table is not md:
                _recreate(conn, sums)
                conn.execute(insert(sums).from_select([c.name for c in sums.c], _rollup_select(table, None, md=base)))
                _analyze(conn, sums)
            _merge(conn, table, names, sums)
    for table in (*[_SUMS[t.name] for t, _ in _TABLE_KEYS], MESSAGE_DELTA, _FOLDED):
        conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def refresh_messages(conn: Connection, days: Iterable[date] | None = None) -> None:
    """Recompute ``msg_daily`` and its rollups for the given local days, else (None) for
    every day. Writers that know the rows they write apply deltas instead (above).

    ``msg_daily``: one row per (day, municipality or NULL, platform, topic):
    received, answered (first response given), closed without answer, open
    ('new'/'in_work' without a response), answers with a photo report,
    positive/negative satisfaction, sums of calendar and working response
    minutes, the response-time histograms over ``schema.RESPONSE_BIN_EDGES``
    (``h00..h20`` calendar, ``w00..w20`` working) and receipts per local hour
    (``n_hour00..n_hour23``).

    ``msg_daily_mp`` (no topic) and ``msg_daily_pt`` (no municipality) are the
    same measures summed from the fresh msg_daily rows of the same days.
    """
    md, m = schema.msg_daily, schema.message
    dialect = conn.dialect.name
    rollups = (schema.msg_daily_mp, schema.msg_daily_pt)

    def cols(table):
        return [c.name for c in table.c if c.name != "id"]

    if days is None:
        for table in (md, *rollups):
            conn.execute(delete(table))
        conn.execute(insert(md).from_select(cols(md), _messages_select(dialect, None)))
        for table in rollups:
            conn.execute(insert(table).from_select(cols(table), _rollup_select(table, None)))
        return
    for chunk in _chunks(sorted(set(days)), _DAYS_PER_STATEMENT):
        for table in (md, *rollups):
            conn.execute(delete(table).where(table.c.day.in_(chunk)))
        conn.execute(insert(md).from_select(
            cols(md), _messages_select(dialect, m.c.received_day.in_(chunk))))
        for table in rollups:
            conn.execute(insert(table).from_select(
                cols(table), _rollup_select(table, md.c.day.in_(chunk))))


# -- subscribers -----------------------------------------------------------------

def _subscribers_select(conn: Connection, since: date | None, groups: set | None = None):
    """SELECT producing subs_daily rows for every snapshot date >= since.

    Each snapshot adds (its level − the page's previous level) to its group's
    subscriber total from its date on, and a page's first snapshot adds 1 to
    the page count; running sums over the (date × group) grid give the
    carried-forward totals.

    Full rebuild (``since`` None): one pass over ``page_stats`` with LAG().
    Partial (``since`` set): only snapshots dated >= since are read, each
    looking up its page's previous level by index; the running sums start from
    the kept subs_daily rows of the last date before ``since``. ``groups``: only
    these (municipality key, platform) groups (municipality key 0 = regional).
    """
    ps, p, sd = schema.page_stats, schema.page, schema.subs_daily
    if since is None:
        prev_level = func.lag(ps.c.subscribers).over(partition_by=ps.c.page_id, order_by=ps.c.on)
        base_on = None
    else:
        prev = ps.alias("prev")
        prev_level = (select(prev.c.subscribers)
                      .where(prev.c.page_id == ps.c.page_id, prev.c.on < ps.c.on)
                      .order_by(prev.c.on.desc()).limit(1).scalar_subquery())
        base_on = conn.execute(select(func.max(sd.c.on)).where(sd.c.on < since)).scalar()
    snap = (
        select(
            ps.c.on,
            func.coalesce(p.c.municipality_id, 0).label("mkey"),
            p.c.platform,
            (ps.c.subscribers - func.coalesce(prev_level, 0)).label("d_subs"),
            _flag(prev_level.is_(None)).label("d_pages"),  # subscribers is never NULL
            *[ps.c[k] for k in FLOWS],
        )
        .join_from(ps, p, ps.c.page_id == p.c.id)
    )
    dates = select(ps.c.on).distinct()
    if since is not None:
        snap = snap.where(ps.c.on >= since)
        dates = dates.where(ps.c.on >= since)
    if groups is not None:
        snap = snap.where(_group_clause(p.c.municipality_id, p.c.platform, groups))
    snap, dates = snap.cte("snap"), dates.cte("dates")
    daily = (
        select(
            snap.c.on, snap.c.mkey, snap.c.platform,
            func.sum(snap.c.d_subs).label("d_subs"),
            func.sum(snap.c.d_pages).label("d_pages"),
            *[func.sum(snap.c[k]).label(k) for k in FLOWS],
        )
        .group_by(snap.c.on, snap.c.mkey, snap.c.platform)
        .cte("daily")
    )
    group_sel = select(daily.c.mkey, daily.c.platform)
    base = None
    if base_on is not None:
        base = (select(func.coalesce(sd.c.municipality_id, 0).label("mkey"), sd.c.platform,
                       sd.c.n_pages, sd.c.subscribers)
                .where(sd.c.on == base_on))
        if groups is not None:
            base = base.where(_group_clause(sd.c.municipality_id, sd.c.platform, groups))
        base = base.cte("base")
        group_sel = group_sel.union(select(base.c.mkey, base.c.platform))
    else:
        group_sel = group_sel.distinct()
    groups = group_sel.cte("groups")
    running = {"partition_by": (groups.c.mkey, groups.c.platform), "order_by": dates.c.on}
    n_pages = func.sum(func.coalesce(daily.c.d_pages, 0)).over(**running)
    subscribers = func.sum(func.coalesce(daily.c.d_subs, 0)).over(**running)
    frm = dates.join(groups, true()).outerjoin(daily, and_(
        daily.c.on == dates.c.on,
        daily.c.mkey == groups.c.mkey,
        daily.c.platform == groups.c.platform,
    ))
    if base is not None:
        frm = frm.outerjoin(base, and_(base.c.mkey == groups.c.mkey, base.c.platform == groups.c.platform))
        n_pages = n_pages + func.coalesce(base.c.n_pages, 0)
        subscribers = subscribers + func.coalesce(base.c.subscribers, 0)
    grid = (
        select(
            dates.c.on, groups.c.mkey, groups.c.platform,
            n_pages.label("n_pages"),
            subscribers.label("subscribers"),
            *[func.coalesce(daily.c[k], 0).label(k) for k in FLOWS],
        )
        .select_from(frm)
        .subquery("grid")
    )
    g = grid.c
    return select(
        g.on, func.nullif(g.mkey, 0).label("municipality_id"), g.platform,
        g.n_pages, g.subscribers, *[g[k] for k in FLOWS],
    ).where(g.n_pages > 0)


def _update_page_latest(conn: Connection, since: date | None, pages: Iterable[int] | None = None) -> None:
    """page.last_subscribers / last_stats_on from each page's latest snapshot."""
    ps, p = schema.page_stats, schema.page
    latest_on = select(func.max(ps.c.on)).where(ps.c.page_id == p.c.id).scalar_subquery()
    latest_level = (
        select(ps.c.subscribers).where(ps.c.page_id == p.c.id)
        .order_by(ps.c.on.desc()).limit(1).scalar_subquery()
    )
    stmt = update(p).values(last_subscribers=latest_level, last_stats_on=latest_on)
    if pages is not None:
        for chunk in _chunks(sorted(set(pages)), _DAYS_PER_STATEMENT):
            conn.execute(stmt.where(p.c.id.in_(chunk)))
        return
    if since is not None:
        stmt = stmt.where(exists().where(ps.c.page_id == p.c.id, ps.c.on >= since))
    conn.execute(stmt)


def _group_clause(mun_col, platform_col, groups: set):
    """Rows of the (municipality key, platform) ``groups``; key 0 = regional (NULL). Never
    NULL itself, so ``not_()`` of it is the other groups."""
    parts = []
    for platform in sorted({g[1] for g in groups}):
        keys = {g[0] or 0 for g in groups if g[1] == platform}
        if keys - {0}:  # by the (municipality, platform) indexes, not a scan of the platform;
            # IS NOT NULL keeps the clause false (not NULL) for regional rows, so not_() works
            parts.append(and_(mun_col.is_not(None), mun_col.in_(sorted(keys - {0})), platform_col == platform))
        if 0 in keys:
            parts.append(and_(mun_col.is_(None), platform_col == platform))
    return or_(*parts) if parts else false()


def page_groups(conn: Connection, page_ids: Iterable[int]) -> set:
    """The (municipality key, platform) groups of subs_daily the pages belong to now
    (municipality key 0 = regional); for a page that moves, pass its old group too."""
    p = schema.page
    out: set = set()
    for chunk in _chunks(sorted(set(page_ids)), _DAYS_PER_STATEMENT):
        out |= {(m or 0, pl) for m, pl in conn.execute(
            select(p.c.municipality_id, p.c.platform).where(p.c.id.in_(chunk)).distinct())}
    return out


def refresh_subscribers(conn: Connection, since: date | None = None, groups: Iterable[tuple] | None = None,
                        pages: Iterable[int] | None = None) -> None:
    """Recompute ``subs_daily`` for every snapshot date >= ``since`` (None: all dates).

    Per (date, municipality or NULL, platform): ``n_pages`` = pages with any
    snapshot on or before the date; ``subscribers`` = sum of those pages'
    latest level on or before the date (carried forward); posts, views, likes,
    comments, reposts = sums of the snapshots dated exactly that day. Also
    refreshes ``page.last_subscribers`` and ``page.last_stats_on``.

    A partial refresh trusts the kept rows before ``since``: pass the earliest
    snapshot date written (or changed) since the last refresh. ``groups``
    ((municipality id or 0, platform), see page_groups) limits it to the groups
    whose snapshots changed; the other groups keep their rows and only get a
    carried-forward row on a snapshot date new to the table. ``pages``: the pages
    whose snapshots changed (their latest figures are refreshed; default: every
    page with a snapshot on or after ``since``).
    """
    sd, ps = schema.subs_daily, schema.page_stats
    cols = ["on", "municipality_id", "platform", "n_pages", "subscribers", *FLOWS]
    if since is None:
        conn.execute(delete(sd))
        conn.execute(insert(sd).from_select(cols, _subscribers_select(conn, None)))
        _update_page_latest(conn, None)
        return
    groups = None if groups is None else {(m or 0, pl) for m, pl in groups}
    if groups is not None and not groups:
        return
    new_dates: list[date] = []
    if groups is not None:
        known = set(conn.execute(select(sd.c.on).where(sd.c.on >= since).distinct()).scalars())
        new_dates = sorted(set(conn.execute(select(ps.c.on).where(ps.c.on >= since).distinct()).scalars())
                           - known)
    stmt = delete(sd).where(sd.c.on >= since)
    if groups is not None:
        stmt = stmt.where(_group_clause(sd.c.municipality_id, sd.c.platform, groups))
    conn.execute(stmt)
    conn.execute(insert(sd).from_select(cols, _subscribers_select(conn, since, groups)))
    # Other groups: a row on each new date, carried from their row on the date before it.
    for on in new_dates:
        before = conn.execute(select(func.max(sd.c.on)).where(sd.c.on < on)).scalar()
        if before is None:
            continue
        carried = (select(literal(on, Date), sd.c.municipality_id, sd.c.platform, sd.c.n_pages,
                          sd.c.subscribers, *[literal(0, Integer) for _ in FLOWS])
                   .where(sd.c.on == before, not_(_group_clause(sd.c.municipality_id, sd.c.platform, groups))))
        conn.execute(insert(sd).from_select(cols, carried))
    _update_page_latest(conn, since, pages)


# -- subscriber deltas ---------------------------------------------------------------
# A write of snapshots of known pages (the stats import) changes subs_daily only through
# those pages: begin_subscriber_delta stages what they contribute on every summary date
# from the earliest date written (sign −1: level carried forward, counted as a page, flows
# of the day), apply_subscriber_delta stages it again after the write (+1) and adds the
# difference to the group rows. It reads the pages' own snapshots and one summary row per
# (date, group) — not the other pages of their groups.

_SUBS_PAGES = Table("tmp_subs_pages", MetaData(), Column("page_id", Integer), prefixes=["TEMPORARY"])
_SUBS_DATES = Table("tmp_subs_dates", MetaData(), Column("on", Date), prefixes=["TEMPORARY"])
_SUBS_MEASURES = ("n_pages", "subscribers", *FLOWS)


def _subs_temp(name: str) -> Table:
    """A temporary table of subs_daily rows keyed by municipality key (0 = regional)."""
    return Table(name, MetaData(), Column("on", Date), Column("mkey", Integer), Column("platform", String(8)),
                 *[Column(k, Integer) for k in _SUBS_MEASURES], prefixes=["TEMPORARY"])


_SUBS_DELTA = _subs_temp("tmp_subs_delta")
_SUBS_MERGED = _subs_temp("tmp_subs_merged")


def _stage_subscribers(conn: Connection, sign: int) -> None:
    """What the staged pages contribute to subs_daily on the staged dates, times ``sign``."""
    ps, p = schema.page_stats, schema.page
    pg, dt = _SUBS_PAGES, _SUBS_DATES
    latest = (select(func.max(ps.c.on)).where(ps.c.page_id == pg.c.page_id, ps.c.on <= dt.c.on)
              .scalar_subquery())
    grid = select(dt.c.on, pg.c.page_id, latest.label("latest")).select_from(pg.join(dt, true())).subquery("grid")
    level, today = ps.alias("lvl"), ps.alias("today")
    mkey = func.coalesce(p.c.municipality_id, 0)
    frm = (grid.join(p, p.c.id == grid.c.page_id)
           .outerjoin(level, and_(level.c.page_id == grid.c.page_id, level.c.on == grid.c.latest))
           .outerjoin(today, and_(today.c.page_id == grid.c.page_id, today.c.on == grid.c.on)))
    stmt = (select(grid.c.on, mkey.label("mkey"), p.c.platform,
                   (func.sum(_flag(grid.c.latest.is_not(None))) * sign).label("n_pages"),
                   (func.sum(func.coalesce(level.c.subscribers, 0)) * sign).label("subscribers"),
                   *[(func.sum(func.coalesce(today.c[k], 0)) * sign).label(k) for k in FLOWS])
            .select_from(frm).group_by(grid.c.on, mkey, p.c.platform))
    conn.execute(insert(_SUBS_DELTA).from_select(["on", "mkey", "platform", *_SUBS_MEASURES], stmt))


# Above this many (page, date) pairs a delta costs more than rebuilding the groups from the
# first date (refresh_subscribers): a history of thousands of pages, not a day's snapshots.
MAX_DELTA_CELLS = 100_000


def begin_subscriber_delta(conn: Connection, pages: Iterable[int], dates: Iterable[date]) -> bool:
    """Before writing snapshots of ``pages`` dated ``dates``: stage what those pages add to
    subs_daily on every summary date from the earliest of ``dates`` on, and on ``dates``.
    False (nothing staged) when that is more than MAX_DELTA_CELLS (page, date) pairs: then
    refresh the groups with refresh_subscribers instead."""
    sd = schema.subs_daily
    pages, dates = sorted(set(pages)), sorted(set(dates))
    for table in (_SUBS_PAGES, _SUBS_DATES, _SUBS_DELTA):
        _recreate(conn, table)
    if not pages or not dates:
        return True
    known = set(conn.execute(select(sd.c.on).where(sd.c.on >= dates[0]).distinct()).scalars())
    on_dates = sorted(known | set(dates))
    if len(pages) * len(on_dates) > MAX_DELTA_CELLS:
        return False
    conn.execute(insert(_SUBS_PAGES), [{"page_id": pid} for pid in pages])
    conn.execute(insert(_SUBS_DATES), [{"on": on} for on in on_dates])
    _analyze(conn, _SUBS_PAGES)
    _analyze(conn, _SUBS_DATES)
    _stage_subscribers(conn, -1)
    return True


def apply_subscriber_delta(conn: Connection) -> None:
    """After the write begun by begin_subscriber_delta: add its change to subs_daily (a
    date new to the table first gets every group's row carried from the date before it),
    refresh the pages' latest figures, drop the staged rows."""
    sd = schema.subs_daily
    pages = conn.execute(select(_SUBS_PAGES.c.page_id)).scalars().all()
    if pages:
        _stage_subscribers(conn, +1)
        cols = ["on", "municipality_id", "platform", "n_pages", "subscribers", *FLOWS]
        dates = conn.execute(select(_SUBS_DATES.c.on).order_by(_SUBS_DATES.c.on)).scalars().all()
        known = set(conn.execute(select(sd.c.on).where(sd.c.on >= dates[0]).distinct()).scalars())
        for on in [d for d in dates if d not in known]:
            before = conn.execute(select(func.max(sd.c.on)).where(sd.c.on < on)).scalar()
            if before is not None:
                conn.execute(insert(sd).from_select(cols, select(
                    literal(on, Date), sd.c.municipality_id, sd.c.platform, sd.c.n_pages, sd.c.subscribers,
                    *[literal(0, Integer) for _ in FLOWS]).where(sd.c.on == before)))
        delta = _SUBS_DELTA
        keys = select(delta.c.on, delta.c.mkey, delta.c.platform).distinct().subquery("k")
        mkey = func.coalesce(sd.c.municipality_id, 0)
        match = and_(sd.c.on == keys.c.on, mkey == keys.c.mkey, sd.c.platform == keys.c.platform)
        stored = (select(sd.c.on, mkey.label("mkey"), sd.c.platform, *[sd.c[k] for k in _SUBS_MEASURES])
                  .select_from(_KeysFirst(keys, sd, match)))
        both = select(*[delta.c[c.name] for c in _SUBS_DELTA.c]).union_all(stored).subquery("both")
        merged = (select(both.c.on, both.c.mkey, both.c.platform,
                         *[func.sum(both.c[k]).label(k) for k in _SUBS_MEASURES])
                  .group_by(both.c.on, both.c.mkey, both.c.platform)
                  .having(func.sum(both.c.n_pages) > 0))
        _recreate(conn, _SUBS_MERGED)
        conn.execute(insert(_SUBS_MERGED).from_select([c.name for c in _SUBS_MERGED.c], merged))
        old = sd.alias("old")
        gone = select(old.c.id).select_from(_KeysFirst(keys, old, and_(
            old.c.on == keys.c.on, func.coalesce(old.c.municipality_id, 0) == keys.c.mkey,
            old.c.platform == keys.c.platform)))
        conn.execute(delete(sd).where(sd.c.id.in_(gone)))
        mg = _SUBS_MERGED
        conn.execute(insert(sd).from_select(cols, select(
            mg.c.on, func.nullif(mg.c.mkey, 0), mg.c.platform, *[mg.c[k] for k in _SUBS_MEASURES])))
        _update_page_latest(conn, None, pages)
    for table in (_SUBS_PAGES, _SUBS_DATES, _SUBS_DELTA, _SUBS_MERGED):
        conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def rebuild_all(conn: Connection) -> None:
    """Recompute both summary tables from scratch (after bulk loads or repairs)."""
    refresh_messages(conn)
    refresh_subscribers(conn)
