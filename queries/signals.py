"""The facts the signal rules need, and the open signals the screens show.

``evaluate`` reads the facts (each one GROUP BY or an indexed read) and applies the rules of
``dashboard.core.signals``; ``open_signals`` adds when each signal first appeared, from the
state ``python -m dashboard alerts`` records (``signal_state``), or — for a situation no run
has recorded yet — from when the data says it began.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.engine import Connection

from dashboard.core import formatting as fmt
from dashboard.core import schema
from dashboard.core import signals as rules
from dashboard.core.db import figures_now, get_meta
from dashboard.core.localtime import to_local, to_naive_utc
from dashboard.core.platforms import label as platform_label
from dashboard.core.settings import Settings, get_settings
from queries.aggregate import add_kpis, deadline_cutoff, sums
from queries.filters import REGIONAL, Filters, Norm

MANDATORY_ORG_KINDS = ("municipal_admin", "regional")

COLUMNS = ["key", "kind", "kind_label", "severity", "severity_label", "icon", "text", "link",
           "municipality_id", "municipality", "page_id", "first_seen"]


def _local_today(now: datetime, s: Settings) -> date:
    return to_local(now, s.tz).date()


def _names(conn: Connection) -> dict[int, str]:
    mu = schema.municipality
    return dict(conn.execute(select(mu.c.id, mu.c.name)).all())


# --- facts ------------------------------------------------------------------------------------

def overdue_facts(conn: Connection, now: datetime, norm: Norm, lookback_days: int) -> list[rules.Overdue]:
    """Per municipality (None: regional bodies): messages received in the last ``lookback_days``
    days, 'new' or 'in_work' without a response, whose norm has passed at ``now``; their number
    and the oldest receipt time. Served by the index of open messages (schema.is_open)."""
    m = schema.message
    rows = conn.execute(
        select(m.c.municipality_id, func.count().label("n"), func.min(m.c.received_at).label("oldest"))
        .where(schema.is_open(m.c.status), m.c.first_response_at.is_(None),
               m.c.received_at >= now - timedelta(days=lookback_days),
               m.c.received_at < deadline_cutoff(now, norm))
        .group_by(m.c.municipality_id)
    ).all()
    names = _names(conn)
    return [rules.Overdue(r.municipality_id, names.get(r.municipality_id), int(r.n), r.oldest)
            for r in rows]


def page_facts(conn: Connection, today: date, *, silent_before: datetime | None = None,
               min_fail_runs: int | None = None) -> list[rules.PageFact]:
    """Every page open on ``today``: last post, госметка, whether it is mandatory, and the
    longest run of failed collections (with the last reason) over the sources.

    With ``min_fail_runs``, only the pages a page rule can fire on, chosen in SQL (70 000
    pages country-wide, a few thousand of them firing): ``min_fail_runs`` failed runs or
    more (``unreachable``), a mandatory page without the госметка (``no_mark``), and with
    ``silent_before`` (naive UTC) last post at or before it (``silent``). The rules still
    decide; this only leaves out pages none of them could fire on."""
    p, o, cs = schema.page, schema.organisation, schema.collect_state
    names = _names(conn)
    fails: dict[int, tuple[int, str | None]] = {}
    for page_id, runs, cursor in conn.execute(
            select(cs.c.page_id, cs.c.fail_runs, cs.c.cursor).where(cs.c.fail_runs > 0)):
        try:
            reason = json.loads(cursor or "{}").get("skipped")
        except ValueError:
            reason = None
        if runs > fails.get(page_id, (0, None))[0]:
            fails[page_id] = (int(runs), reason)
    # The organisations whose VK and OK pages are mandatory: a set to test each page against
    # (a few dozen), not an organisation to seek for each of 70 000 pages.
    mandatory_org = p.c.organisation_id.in_(select(o.c.id).where(o.c.kind.in_(MANDATORY_ORG_KINDS)))
    where = [schema.page_open_on(today)]
    if min_fail_runs is not None:
        where.append(or_(
            *([p.c.last_post_at <= silent_before] if silent_before is not None else []),
            p.c.id.in_(select(cs.c.page_id).where(cs.c.fail_runs >= min_fail_runs)),
            and_(p.c.platform.in_(rules.MANDATORY_PLATFORMS), mandatory_org, p.c.verified.is_not(True)),
        ))
    rows = conn.execute(
        select(p.c.id, p.c.title, p.c.platform, p.c.municipality_id, p.c.last_post_at, p.c.verified,
               mandatory_org.label("mandatory_org"))
        .where(*where)
        .order_by(p.c.id)
    ).all()
    return [
        rules.PageFact(
            page_id=r.id, title=r.title, platform=r.platform, municipality_id=r.municipality_id,
            municipality=names.get(r.municipality_id), last_post_at=r.last_post_at,
            fail_runs=fails.get(r.id, (0, None))[0], reason=fails.get(r.id, (0, None))[1],
            verified=bool(r.verified),
            mandatory=r.platform in rules.MANDATORY_PLATFORMS and bool(r.mandatory_org),
        )
        for r in rows
    ]


def presence_facts(conn: Connection, today: date) -> list[rules.Presence]:
    """Per municipality: has its administration an open VK page, an open OK page (the
    has_vk / has_ok of ``queries.pages.compliance``). Only the administrations' VK and OK
    pages are read: their organisations are a set of a few dozen to test each page
    against, not an organisation to seek for each of 70 000 pages."""
    p, o, mu = schema.page, schema.organisation, schema.municipality
    have = set(conn.execute(
        select(p.c.municipality_id, p.c.platform).distinct()
        .where(p.c.platform.in_(rules.MANDATORY_PLATFORMS),
               p.c.organisation_id.in_(select(o.c.id).where(o.c.kind == "municipal_admin")),
               schema.page_open_on(today), p.c.municipality_id.is_not(None))).all())
    return [rules.Presence(mid, name, (mid, "vk") in have, (mid, "ok") in have)
            for mid, name in conn.execute(select(mu.c.id, mu.c.name).order_by(mu.c.id))]


def daily_count_facts(conn: Connection, day: date, weeks: int) -> list[rules.DailyCounts]:
    """Messages received on ``day`` and on the same weekday of the ``weeks`` weeks before:
    per municipality (from msg_daily_mp) and per topic over the oblast (msg_daily_pt)."""
    days = [day - timedelta(weeks=k) for k in range(weeks + 1)]
    out: list[rules.DailyCounts] = []
    names = _names(conn)
    mp, pt, t = schema.msg_daily_mp, schema.msg_daily_pt, schema.topic
    by_mun: dict[int | None, dict[date, int]] = {}
    for mid, d, n in conn.execute(
            select(mp.c.municipality_id, mp.c.day, func.sum(mp.c.n_received))
            .where(mp.c.day.in_(days)).group_by(mp.c.municipality_id, mp.c.day)):
        by_mun.setdefault(mid, {})[d] = int(n or 0)
    for mid, counts in by_mun.items():
        out.append(rules.DailyCounts("m", mid, names.get(mid) or rules.REGIONAL_NAME, counts))
    topic_names = dict(conn.execute(select(t.c.id, t.c.name)).all())
    by_topic: dict[int, dict[date, int]] = {}
    for tid, d, n in conn.execute(
            select(pt.c.topic_id, pt.c.day, func.sum(pt.c.n_received))
            .where(pt.c.day.in_(days)).group_by(pt.c.topic_id, pt.c.day)):
        by_topic.setdefault(tid, {})[d] = int(n or 0)
    for tid, counts in by_topic.items():
        out.append(rules.DailyCounts("t", tid, topic_names.get(tid, str(tid)), counts))
    return out


def norm_share_facts(conn: Connection, recent: tuple[date, date], before: tuple[date, date],
                     norm: Norm, now: datetime) -> list[rules.NormShare]:
    """Share answered within the norm and due messages per municipality (regional bodies
    together) with messages in both periods: from the message and pending sums only
    (the same formulas as by_municipality, without its page and subscriber parts)."""
    names = _names(conn)

    def shares(period: tuple[date, date]) -> pd.DataFrame:
        f = Filters(*period, norm=norm)
        df = sums(conn, f, now, by=("municipality_id",), parts=("messages", "pending"))
        # Only share_in_norm's sums: add_kpis then skips the median, mean and other shares.
        return add_kpis(df[["municipality_id", "messages", "not_due", "in_norm"]], f).set_index("municipality_id")

    def share(v):
        return None if pd.isna(v) else float(v)

    cur, prev = shares(recent), shares(before)
    return [
        rules.NormShare(None if mid == REGIONAL else int(mid), None if mid == REGIONAL else names.get(int(mid)),
                        share(row["share_in_norm"]), int(row["due"]),
                        share(prev.loc[mid, "share_in_norm"]), int(prev.loc[mid, "due"]))
        for mid, row in cur.iterrows() if mid in prev.index
    ]


def subs_facts(conn: Connection, today: date, min_drop_pct: float | None = None) -> list[rules.SubsChange]:
    """Open pages whose latest snapshot is at most 3 days old, with the latest snapshot taken
    7–14 days before it (week on week). The latest date is the newest snapshot of all pages.

    With ``min_drop_pct``, only pages that lost about that share or more of at least
    SUBS_DROP_MIN subscribers (chosen in SQL with a small margin; ``subs_drop`` decides)."""
    p, ps = schema.page, schema.page_stats
    # The newest snapshot of all pages (the greatest page.last_stats_on): the last entry of
    # the date index, not a scan of every page.
    latest = conn.execute(select(func.max(ps.c.on))).scalar()
    if latest is None:
        return []
    week_ago, two_weeks_ago = latest - timedelta(days=7), latest - timedelta(days=14)
    # The snapshots of the week before are one range of the (on, page_id, subscribers)
    # index (migration 0015), joined to their page by its key; the drop is tested on each,
    # and only the few that pass are checked for being their page's latest of the week (no
    # later snapshot in it) — not two seeks per page for the latest one (70 000 pages).
    later = ps.alias("later")
    rows = conn.execute(
        select(p.c.id, p.c.title, p.c.platform, p.c.municipality_id, p.c.last_stats_on, p.c.last_subscribers,
               ps.c.on.label("before_on"), ps.c.subscribers.label("before"))
        .select_from(ps.join(p, p.c.id == ps.c.page_id))
        .where(ps.c.on.between(two_weeks_ago, week_ago),
               p.c.last_stats_on >= latest - timedelta(days=3), p.c.last_subscribers.is_not(None),
               or_(p.c.closed_on.is_(None), p.c.closed_on > today),
               *([ps.c.subscribers >= rules.SUBS_DROP_MIN,
                  (ps.c.subscribers - p.c.last_subscribers) * 100.0
                  >= ps.c.subscribers * (min_drop_pct - 0.01)]
                 if min_drop_pct is not None else []),
               # On the page, not the snapshot: tested after the drop, on the few that pass.
               ~exists().where(later.c.page_id == p.c.id, later.c.on > ps.c.on, later.c.on <= week_ago))
    ).all()  # no ORDER BY: ordered by page, SQLite would walk every page again
    names = _names(conn)
    return [rules.SubsChange(r.id, r.title, r.platform, r.municipality_id, names.get(r.municipality_id),
                             r.last_stats_on, int(r.last_subscribers), r.before_on, int(r.before))
            for r in rows]


def last_write(conn: Connection) -> datetime | None:
    """The last successful import or collection (import_log), or data write (meta)."""
    il = schema.import_log
    logged = conn.execute(select(func.max(il.c.at)).where(il.c.status == "ok")).scalar()
    meta = get_meta(conn, schema.META_UPDATED_AT)
    touched = None
    if meta:
        touched = to_naive_utc(datetime.fromisoformat(meta))
    times = [t for t in (logged, touched) if t is not None]
    return max(times) if times else None


# --- evaluation -----------------------------------------------------------------------------

def evaluate(conn: Connection, now: datetime | None = None, settings: Settings | None = None, *,
             silent: bool = True) -> list[rules.Signal]:
    """Every signal firing at ``now`` (naive UTC; default the clock), most important first.
    ``silent=False`` leaves the silent rule out (``open_signals`` draws it as a table,
    ``silent_frame``)."""
    s = settings or get_settings()
    now = figures_now(conn, now)
    norm = Norm.from_settings(s)
    today = _local_today(now, s)
    day = today - timedelta(days=1)  # the last full local day
    # Without the silent rule, no page need be read for being silent (None: no such page).
    pages = page_facts(conn, today, silent_before=now - timedelta(days=s.signal_silent_days) if silent else None,
                       min_fail_runs=s.signal_collect_failures)
    out = [
        *rules.overdue(overdue_facts(conn, now, norm, s.signal_overdue_days), now,
                       s.norm_short,
                       s.signal_escalation_days),
        *(rules.silent(pages, now, s.signal_silent_days, s.tz) if silent else []),
        *rules.unreachable(pages, s.signal_collect_failures),
        *rules.no_mark(pages),
        *rules.missing_page(presence_facts(conn, today)),
        *rules.spike(daily_count_facts(conn, day, s.signal_spike_weeks), day, s.signal_spike_weeks,
                     s.signal_spike_z, s.signal_spike_min),
        *rules.norm_drop(norm_share_facts(conn, (day - timedelta(days=6), day),
                                          (day - timedelta(days=34), day - timedelta(days=7)), norm, now),
                         s.signal_norm_drop_pp, (day - timedelta(days=6), day)),
        *rules.subs_drop(subs_facts(conn, today, s.signal_subs_drop_pct), s.signal_subs_drop_pct),
        *rules.stale(last_write(conn), now, s.signal_stale_days, s.tz),
    ]
    return sorted(out, key=rules.sort_key)


def frame(signals: list[rules.Signal], names: dict[int, str], first_seen: dict[str, datetime],
          now: datetime) -> pd.DataFrame:
    """Signals as a table (COLUMNS); first_seen from ``first_seen`` by key, else when the data
    says the situation began, else ``now``."""
    rows = [{
        "key": x.key, "kind": x.kind, "kind_label": x.kind_label, "severity": x.severity,
        "severity_label": x.severity_label, "icon": rules.SEVERITY_ICONS[x.severity], "text": x.text,
        "link": x.link, "municipality_id": x.municipality_id,
        "municipality": names.get(x.municipality_id) if x.municipality_id else
        (rules.REGIONAL_NAME if x.page_id or x.kind in ("overdue", "norm_drop") or x.key == "spike:m0"
         else "Вся область"),
        "page_id": x.page_id, "first_seen": first_seen.get(x.key) or (min(x.since, now) if x.since else now),
    } for x in signals]
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["page_id"] = df["page_id"].astype("Int64")
    df["municipality_id"] = df["municipality_id"].astype("Int64")
    return df


def silent_pages(conn: Connection, now: datetime, s: Settings) -> pd.DataFrame:
    """The pages the silent rule (``rules.silent``) fires on at ``now``: page_id, title,
    platform, municipality_id, last_post_at (naive UTC) and quiet (whole days since it)."""
    p = schema.page
    days = s.signal_silent_days
    today = _local_today(now, s)
    res = conn.execute(  # the pages page_facts reads for the rule
        select(p.c.id, p.c.title, p.c.platform, p.c.municipality_id, p.c.last_post_at)
        .where(schema.page_open_on(today), p.c.last_post_at <= now - timedelta(days=days))
        .order_by(p.c.id))
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes (slow for thousands).
    df = pd.DataFrame([tuple(r) for r in res], columns=["page_id", "title", "platform", "municipality_id",
                                                        "last_post_at"])
    df["last_post_at"] = pd.to_datetime(df["last_post_at"])
    df["quiet"] = (now - df["last_post_at"]).dt.days
    return df[df["quiet"] >= days].reset_index(drop=True)


def silent_frame(conn: Connection, now: datetime, s: Settings, names: dict[int, str],
                 first_seen: dict[str, datetime], pages: pd.DataFrame | None = None) -> pd.DataFrame:
    """The silent rule (``rules.silent``) as ``frame`` would show its signals, built by
    column: thousands of pages country-wide, each sentence from its page's facts and the
    day counts and dates formatted once per distinct value. Plus the sort columns of
    ``rules.sort_key`` (_severity, _kind, _weight). ``pages``: some rows of
    ``silent_pages`` (default: all of them)."""
    df = silent_pages(conn, now, s) if pages is None else pages
    if df.empty:
        return pd.DataFrame(columns=[*COLUMNS, "_severity", "_kind", "_weight"])
    last, quiet = df["last_post_at"], df["quiet"]
    days = s.signal_silent_days
    mid = df["municipality_id"].astype("Int64")
    named = mid.map(names, na_action="ignore")
    place = named.where(named.notna(), rules.REGIONAL_NAME)  # rules.place in the sentence
    # frame's column: the name for a municipality id, REGIONAL_NAME for a regional body's page
    municipality = named.where(mid.fillna(0).ne(0), rules.REGIONAL_NAME)
    local_day = (last.dt.tz_localize("UTC").dt.tz_convert(s.tz).dt.date if s.tz else last.dt.date)
    page_ids = [int(i) for i in df["page_id"]]
    keys = [rules.silent_key(i) for i in page_ids]
    since = last + timedelta(days=days)
    out = pd.DataFrame({
        "key": keys,
        "kind": "silent", "kind_label": rules.KINDS["silent"], "severity": "warning",
        "severity_label": rules.SEVERITIES["warning"], "icon": rules.SEVERITY_ICONS["warning"],
        # rules.silent_text, by column: each day count and date formatted once, not per page
        "text": ("«" + df["title"] + "» (" + df["platform"].map(platform_label) + ", " + place
                 + "): нет публикаций " + quiet.map({q: rules.days_text(q) for q in quiet.unique()})
                 + ", последняя — " + local_day.map({d: fmt.d(d) for d in local_day.unique()})),
        "link": [rules.page_link(i) for i in page_ids],
        "municipality_id": mid,
        "municipality": municipality,
        "page_id": pd.array(page_ids, dtype="Int64"),
        "first_seen": [first_seen.get(k) or min(t, now) for k, t in zip(keys, since.dt.to_pydatetime())],
        "_severity": list(rules.SEVERITIES).index("warning"), "_kind": list(rules.KINDS).index("silent"),
        "_weight": quiet.astype("float64"),
    })
    return out.reset_index(drop=True)


def _first_seen(conn: Connection) -> dict[str, datetime]:
    st = schema.signal_state
    return dict(conn.execute(select(st.c.key, st.c.first_seen).where(st.c.resolved_at.is_(None))).all())


def _in_order(conn: Connection, now: datetime, s: Settings, names: dict[int, str],
              seen: dict[str, datetime], others: list[rules.Signal], quiet_pages: pd.DataFrame) -> pd.DataFrame:
    """``others`` (every rule but silent) and the silent signals of ``quiet_pages`` as one
    table (COLUMNS) in the order of ``rules.sort_key``."""
    df = frame(others, names, seen, now).assign(
        _severity=[list(rules.SEVERITIES).index(x.severity) for x in others],
        _kind=[list(rules.KINDS).index(x.kind) for x in others],
        _weight=[float(x.weight) for x in others])
    quiet = silent_frame(conn, now, s, names, seen, quiet_pages)
    if not quiet.empty:
        df = pd.concat([df, quiet], ignore_index=True) if not df.empty else quiet
        df["_weight"] = -df["_weight"].astype("float64")
        df = df.sort_values(["_severity", "_kind", "_weight", "key"], kind="stable")
    df = df.drop(columns=["_severity", "_kind", "_weight"]).reset_index(drop=True)
    df["page_id"] = df["page_id"].astype("Int64")
    df["municipality_id"] = df["municipality_id"].astype("Int64")
    return df[COLUMNS]


def open_signals(conn: Connection, now: datetime | None = None) -> pd.DataFrame:
    """Open signals at ``now``, most important first (COLUMNS). first_seen (naive UTC) is
    when an alerts run first recorded the situation, or when the data says it began.

    The same table as ``frame(evaluate(...))``; the silent rule's thousands of signals are
    built by column (``silent_frame``) rather than one object each, and merged in the order
    of ``rules.sort_key``."""
    now = figures_now(conn, now)
    s = get_settings()
    return _in_order(conn, now, s, _names(conn), _first_seen(conn), evaluate(conn, now, s, silent=False),
                     silent_pages(conn, now, s))


ATTENTION_COUNTS = ["municipality_id", "severity", "n"]


def attention(conn: Connection, now: datetime | None = None, limit: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What a «Требует внимания» block shows, without a sentence for each of the thousands
    of silent pages country-wide: (counts, first).

    counts (ATTENTION_COUNTS): the open signals per municipality_id (<NA>: regional bodies
    and the whole oblast) and severity. first (COLUMNS): each municipality's first
    ``limit`` open signals, all in the order of ``open_signals`` — so the first ``limit``
    signals of any set of municipalities are the first of its rows here."""
    now = figures_now(conn, now)
    s = get_settings()
    others = evaluate(conn, now, s, silent=False)
    quiet = silent_pages(conn, now, s)
    group = quiet["municipality_id"].astype("Int64").fillna(-1)
    # Each municipality's first silent pages in the rule's order: longest silence, then key.
    top = (quiet.assign(_key=[rules.silent_key(int(i)) for i in quiet["page_id"]], _group=group)
           .sort_values(["quiet", "_key"], ascending=[False, True], kind="stable")
           .groupby("_group", sort=False).head(limit).drop(columns=["_key", "_group"]))
    df = _in_order(conn, now, s, _names(conn), _first_seen(conn), others, top)
    first = df[df.groupby(df["municipality_id"].fillna(-1), sort=False).cumcount() < limit].reset_index(drop=True)
    counts = pd.concat([
        pd.DataFrame({"municipality_id": pd.array([x.municipality_id for x in others], dtype="Int64"),
                      "severity": [x.severity for x in others]}),
        pd.DataFrame({"municipality_id": quiet["municipality_id"].astype("Int64"), "severity": "warning"}),
    ], ignore_index=True)
    counts = (counts.groupby([counts["municipality_id"].fillna(-1), "severity"]).size().rename("n").reset_index())
    counts["municipality_id"] = counts["municipality_id"].astype("Int64").replace(-1, pd.NA)
    return counts[ATTENTION_COUNTS], first
