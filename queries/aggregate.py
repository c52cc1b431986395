"""Building blocks shared by the query modules.

The ``*_sums`` functions each run one GROUP BY in the database and return a
small DataFrame keyed by any of the dimension columns in ``KEYS``;
``add_kpis`` then applies the formulas of ``dashboard.core.metrics.KPIS`` to those sums
(ratios of a few dozen aggregated rows, never raw data).

Sums and where they come from:

- ``page_counts``: ``pages`` — pages open on a date (``page`` table).
- ``subscriber_sums``: ``subscribers`` at the last snapshot date on or before
  the period end, and the period's ``posts``, ``views``, ``likes``,
  ``comments``, ``reposts`` (``subs_daily``).
- ``message_sums``: ``messages``, ``answered``, ``closed``, ``photo``,
  ``sat_pos``, ``sat_neg``, ``resp_sum`` (response minutes of answered
  messages, in the norm's mode), ``in_norm`` (answered faster than the norm)
  and the 21 histogram bins ``bin00..bin20`` in the norm's mode.
- ``pending_sums``: unanswered messages: ``not_due`` (received after the
  deadline cut-off, so not yet due) and ``overdue`` (still 'new' or 'in_work'
  and received before it) — from the summaries' ``n_open`` for days before the
  cut-off's local date; raw ``message`` rows only for the days after it.

Message sums read the smallest rollup that has the needed dimensions
(``message_table``: ``msg_daily_mp``, ``msg_daily_pt`` or ``msg_daily``).
"""

from __future__ import annotations

import operator
from datetime import date, datetime, timedelta, timezone
from functools import reduce

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, literal_column, not_, or_, select, union_all
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.db import figures_now
from dashboard.core.localtime import to_local
from dashboard.core.metrics import bins_below, grouped_median
from dashboard.core.schema import FLOWS, OPEN_STATUSES
from dashboard.core.settings import get_settings
from dashboard.core.worktime import subtract_work_minutes
from queries.filters import REGIONAL, Filters, Norm

KEYS = ("municipality_id", "platform", "topic_id", "day", "week", "month")
BIN_NAMES = tuple(f"bin{i:02d}" for i in range(schema.N_BINS))
UNANSWERED_STATUSES = (*OPEN_STATUSES, "closed")  # every status without an answer
ALL_PARTS = ("pages", "subscribers", "messages", "pending")
MESSAGE_PARTS = ("messages", "pending")
REGIONAL_NAME = "Региональные органы власти"


def key_column(table, name: str):
    """The grouping expression for dimension ``name`` on ``table``.

    ``municipality_id`` maps NULL (regional bodies) to ``REGIONAL`` (0); on the
    raw ``message`` table ``day`` is ``received_day``.
    """
    if name == "municipality_id":
        # A literal, not a bound parameter: PostgreSQL must see the same GROUP BY text.
        return func.coalesce(table.c.municipality_id, literal_column(str(REGIONAL)))
    if name == "day" and table is schema.message:
        return table.c.received_day
    return table.c[name]


def _keys(table, by) -> list:
    return [key_column(table, k).label(k) for k in by]


def _flag(cond):
    return case((cond, 1), else_=0)


def message_table(f: Filters, by=()):
    """The smallest message summary holding every dimension f filters on or ``by`` groups by:
    ``msg_daily_mp`` without topic, ``msg_daily_pt`` with topic but no municipality,
    ``msg_daily`` otherwise. All three hold the same measures per day."""
    topic = bool(f.topic_ids) or "topic_id" in by
    municipality = bool(f.municipality_ids) or "municipality_id" in by
    if not topic:
        return schema.msg_daily_mp
    if not municipality:
        return schema.msg_daily_pt
    return schema.msg_daily


def bin_columns(norm: Norm) -> tuple[str, ...]:
    """msg_daily histogram columns in the norm's mode (h.. calendar, w.. working)."""
    return schema.CAL_BINS if norm.mode == "calendar" else schema.WORK_BINS


def deadline_cutoff(now: datetime, norm: Norm) -> datetime:
    """Latest receipt time (UTC) whose response deadline has passed at ``now``.

    Calendar mode: now − norm. Working mode: the norm's minutes counted back
    through working hours (Mon–Fri 9–18 local, ``worktime.subtract_work_minutes``).
    """
    if norm.mode == "working":
        return subtract_work_minutes(now, norm.minutes, get_settings().tz)
    return now - timedelta(minutes=norm.minutes)


def unanswered_in_period(f: Filters, statuses=UNANSWERED_STATUSES) -> list:
    """WHERE clauses on raw ``message``: no response yet, status in ``statuses``, received
    on a local day of f's period.

    The received_at bounds repeat the period in UTC so that the (status, received_at)
    index of open messages serves the query when ``statuses`` are the open ones
    (unanswered messages are few; the period's messages are many).
    """
    m = schema.message
    tz = get_settings().tz

    def utc_midnight(d: date) -> datetime:
        local = datetime(d.year, d.month, d.day, tzinfo=tz)
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    return [
        schema.is_open(m.c.status) if tuple(statuses) == OPEN_STATUSES else m.c.status.in_(statuses),
        m.c.first_response_at.is_(None),
        m.c.received_at >= utc_midnight(f.start),
        m.c.received_at < utc_midnight(f.end + timedelta(days=1)),
        m.c.received_day.between(f.start, f.end),
    ]


def _frame(conn: Connection, stmt, by) -> pd.DataFrame:
    """Run ``stmt``; sums come back as ints (0 for NULL), keys as they are.

    Built column by column (each sum an int64 array at once), not from rows then cast:
    pandas' cast of a few dozen columns in place cost more than the query of a rollup."""
    res = conn.execute(stmt)
    cols = list(res.keys())
    rows = res.all()
    if not rows:  # keys of no rows stay untyped (object), as pandas makes them from rows
        return pd.DataFrame({c: np.empty(0, dtype=object if c in by else "int64") for c in cols}, columns=cols)
    return pd.DataFrame({c: list(v) if c in by else np.array([x or 0 for x in v], dtype="int64")
                         for c, v in zip(cols, zip(*rows))}, columns=cols)


# -- sums ------------------------------------------------------------------------

def page_counts(conn: Connection, f: Filters, by=(), on: date | None = None) -> pd.DataFrame:
    """``pages``: pages open on ``on`` (default: period end) — KPIS['pages']."""
    p = schema.page
    on = on or f.end
    stmt = (select(*_keys(p, by), func.count().label("pages"))
            .where(schema.page_open_on(on), *f.dimension_clauses(p)).group_by(*_keys(p, by)))
    return _frame(conn, stmt, by)


def subscriber_sums(conn: Connection, f: Filters, by=()) -> pd.DataFrame:
    """``subscribers`` at the last snapshot date <= period end (KPIS['subscribers']) and
    the flows (posts, views, likes, comments, reposts) of snapshots dated in the period."""
    sd = schema.subs_daily
    last = sd.alias("last")
    last_on = (select(func.max(last.c.on))
               .where(last.c.on <= f.end, *f.dimension_clauses(last)).scalar_subquery())
    in_period = sd.c.on.between(f.start, f.end)
    stmt = (
        select(*_keys(sd, by),
               func.sum(case((sd.c.on == last_on, sd.c.subscribers), else_=0)).label("subscribers"),
               *[func.sum(case((in_period, sd.c[k]), else_=0)).label(k) for k in FLOWS])
        .where(or_(in_period, sd.c.on == last_on), *f.dimension_clauses(sd))
        .group_by(*_keys(sd, by))
    )
    return _frame(conn, stmt, by)


def message_sums(conn: Connection, f: Filters, by=()) -> pd.DataFrame:
    """Message counts, response sums and histogram over the period's days (msg_daily or a
    coarser rollup, ``message_table``)."""
    md = message_table(f, by)
    bins = [md.c[b] for b in bin_columns(f.norm)]
    below = bins[:bins_below(f.norm.minutes)]
    resp = md.c.sum_resp_min if f.norm.mode == "calendar" else md.c.sum_resp_work_min
    stmt = (
        select(*_keys(md, by),
               func.sum(md.c.n_received).label("messages"),
               func.sum(md.c.n_answered).label("answered"),
               func.sum(md.c.n_closed).label("closed"),
               func.sum(md.c.n_photo).label("photo"),
               func.sum(md.c.n_sat_pos).label("sat_pos"),
               func.sum(md.c.n_sat_neg).label("sat_neg"),
               func.sum(resp).label("resp_sum"),
               func.sum(reduce(operator.add, below)).label("in_norm"),
               *[func.sum(b).label(n) for b, n in zip(bins, BIN_NAMES)])
        .where(md.c.day.between(f.start, f.end), *f.dimension_clauses(md))
        .group_by(*_keys(md, by))
    )
    return _frame(conn, stmt, by)


def pending_sums(conn: Connection, f: Filters, now: datetime | None = None, by=()) -> pd.DataFrame:
    """Unanswered messages of the period around the deadline cut-off (``now`` − norm):
    ``not_due`` — received at or after it, so their deadline has not come yet (any status);
    ``overdue`` — still 'new' or 'in_work' and received before it (KPIS['overdue']).

    Days whose local date is before the cut-off's local date were received entirely
    before it: their ``overdue`` is the summaries' ``n_open`` ('new'/'in_work' without a
    response) and ``not_due`` is 0. Only the days from the cut-off's local date on (a few,
    usually none of a closed period) read raw ``message`` rows."""
    cut = deadline_cutoff(figures_now(conn, now), f.norm)
    cut_day = to_local(cut, get_settings().tz).date()
    parts = []
    if f.start < cut_day:
        md = message_table(f, by)
        parts.append(
            select(*_keys(md, by), literal_column("0").label("not_due"), md.c.n_open.label("overdue"))
            .where(md.c.day.between(f.start, min(f.end, cut_day - timedelta(days=1))), *f.dimension_clauses(md)))
    if f.end >= cut_day:
        m = schema.message
        is_open = m.c.status.in_(OPEN_STATUSES)
        parts.append(
            select(*_keys(m, by),
                   _flag(m.c.received_at >= cut).label("not_due"),
                   _flag(and_(m.c.received_at < cut, is_open)).label("overdue"))
            .where(*unanswered_in_period(f.with_(start=max(f.start, cut_day))), *f.dimension_clauses(m)))
    u = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("pending")
    keys = [u.c[k] for k in by]
    stmt = (select(*keys, func.sum(u.c.not_due).label("not_due"), func.sum(u.c.overdue).label("overdue"))
            .group_by(*keys))
    return _frame(conn, stmt, by)


# Message sums that a message not yet received, or not yet answered, at a moment must not
# count: (sum, its late_* correction).
AS_OF_CORRECTED = ("messages", "answered", "closed", "photo", "sat_pos", "sat_neg", "resp_sum", *BIN_NAMES)


def unsettled(f: Filters, as_of: datetime):
    """f's messages (its days and dimensions) not settled at ``as_of`` (UTC, naive):
    received after it, or without a first response by then.

    Written as three ranges of the (received_day, first_response_at, received_at) index,
    each a seek per day (an index OR): unanswered, answered after ``as_of``, and received
    after ``as_of`` — possible only from ``as_of``'s UTC date − 1 on (received_day is the
    local date, less than a day from UTC's), where the answer time says nothing. Not the
    period's whole index with the test on every entry (a month nationally: 425 000
    entries for 15 000 messages)."""
    m = schema.message
    days = [f.start + timedelta(days=i) for i in range((f.end - f.start).days + 1)]
    # f's dimensions in each range, so a municipality's is a range of its own index.
    dims = f.dimension_clauses(m)
    return or_(and_(*dims, m.c.received_day.in_(days), m.c.first_response_at.is_(None)),
               and_(*dims, m.c.received_day.in_(days), m.c.first_response_at > as_of),
               and_(*dims, m.c.received_day.between(max(f.start, as_of.date() - timedelta(days=1)), f.end),
                    m.c.received_at > as_of))


def late_sums(conn: Connection, f: Filters, as_of: datetime, by=()) -> pd.DataFrame:
    """What f's messages lacked at the moment ``as_of`` (UTC, naive), from raw ``message``
    rows of the period's days (the received_day index) that were not settled then —
    received after ``as_of``, or without a first response by then:

    - ``late_<sum>`` for each sum of AS_OF_CORRECTED: the part of today's message sums
      that did not exist at ``as_of`` (messages received after it; answers, their
      response minutes, histogram bins and photo reports given after it; satisfaction
      marks of messages received after it);
    - ``not_due`` / ``overdue``: pending_sums as they stood at ``as_of``: unanswered then
      and received after / before the deadline cut-off of ``as_of``; overdue counts
      messages still open today, answered after ``as_of``, or closed without an answer
      after ``as_of`` (``closed_at``); a closed message without ``closed_at`` (imported
      without it) counts as closed already, as today. ``late_closed`` likewise removes
      messages received, or closed, after ``as_of``."""
    m = schema.message
    resp = m.c.response_minutes if f.norm.mode == "calendar" else m.c.response_work_minutes
    edges = schema.RESPONSE_BIN_EDGES
    arrived = m.c.received_at <= as_of
    answered_now = m.c.first_response_at.is_not(None)
    answered_then = and_(answered_now, arrived, m.c.first_response_at <= as_of)
    late_answer = and_(answered_now, not_(answered_then))
    open_then = and_(arrived, not_(answered_then))
    closed_now = and_(m.c.status == "closed", not_(answered_now))
    closed_later = and_(closed_now, m.c.closed_at.is_not(None), m.c.closed_at > as_of)
    cut = deadline_cutoff(as_of, f.norm)

    def in_bin(i: int):
        lo = resp >= edges[i]
        return lo if i + 1 == len(edges) else and_(lo, resp < edges[i + 1])

    stmt = (
        select(*_keys(m, by),
               func.sum(_flag(not_(arrived))).label("late_messages"),
               func.sum(_flag(late_answer)).label("late_answered"),
               func.sum(_flag(and_(closed_now, or_(not_(arrived), closed_later)))).label("late_closed"),
               func.sum(_flag(and_(late_answer, m.c.photo_report.is_(True)))).label("late_photo"),
               func.sum(_flag(and_(not_(arrived), m.c.satisfaction == 1))).label("late_sat_pos"),
               func.sum(_flag(and_(not_(arrived), m.c.satisfaction == -1))).label("late_sat_neg"),
               func.sum(case((late_answer, resp), else_=0)).label("late_resp_sum"),
               *[func.sum(_flag(and_(late_answer, in_bin(i)))).label(f"late_{b}")
                 for i, b in enumerate(BIN_NAMES)],
               func.sum(_flag(and_(open_then, m.c.received_at >= cut))).label("not_due"),
               func.sum(_flag(and_(open_then, m.c.received_at < cut,
                                   or_(m.c.status.in_(OPEN_STATUSES), answered_now, closed_later))))
               .label("overdue"))
        .where(unsettled(f, as_of))
        .group_by(*_keys(m, by))
    )
    return _frame(conn, stmt, by)


def message_sums_as_of(conn: Connection, f: Filters, as_of: datetime, by=()) -> pd.DataFrame:
    """message_sums and pending_sums of f's messages as they stood at ``as_of``: today's
    summaries minus late_sums, so a previous period is compared at the same age as the
    current one (queries.kpis.headline_compare)."""
    full = message_sums(conn, f, by)
    late = late_sums(conn, f, as_of, by)
    df = full.merge(late, on=list(by), how="outer") if by else pd.concat([full, late], axis=1)
    df = fill_zeros(df, by)
    for c in AS_OF_CORRECTED:
        df[c] = df[c] - df[f"late_{c}"]
    below = BIN_NAMES[:bins_below(f.norm.minutes)]
    df["in_norm"] = df[list(below)].sum(axis=1).astype("int64")
    return df.drop(columns=[f"late_{c}" for c in AS_OF_CORRECTED])


def sums(conn: Connection, f: Filters, now: datetime | None = None, by=(),
         parts=ALL_PARTS, as_of: datetime | None = None) -> pd.DataFrame:
    """The chosen parts' sums side by side, outer-joined on the ``by`` keys (0 where absent).

    With ``as_of`` (UTC) the message parts are as they stood at that moment
    (message_sums_as_of; 'messages' and 'pending' then come together)."""
    makers = {
        "pages": lambda: page_counts(conn, f, by),
        "subscribers": lambda: subscriber_sums(conn, f, by),
        "messages": lambda: message_sums(conn, f, by),
        "pending": lambda: pending_sums(conn, f, now, by),
    }
    if as_of is not None and "messages" in parts:
        makers["messages"] = lambda: message_sums_as_of(conn, f, as_of, by)
        parts = [p for p in parts if p != "pending"]
    frames = [makers[p]() for p in parts]
    if not by:
        return pd.concat([fr.reset_index(drop=True) for fr in frames], axis=1)
    df = reduce(lambda a, b: a.merge(b, on=list(by), how="outer"), frames)
    return fill_zeros(df, by)


def fill_zeros(df: pd.DataFrame, keep=()) -> pd.DataFrame:
    """Counts missing after an outer/left join become 0 (every column except ``keep``).
    Only the columns a join left without a value (no longer int64) are rewritten, into a
    new frame: setting them one by one into the joined frame split its block each time."""
    todo = [c for c in df.columns if c not in keep and df[c].dtype != "int64"]
    if not todo:
        return df
    return pd.DataFrame({c: df[c].fillna(0).astype("int64") if c in todo else df[c] for c in df.columns},
                        index=df.index)


# -- formulas ----------------------------------------------------------------------

def ratio(num, den) -> pd.Series:
    """num / den as floats; NaN where den is 0."""
    num = pd.Series(num, dtype="float64")
    den = pd.Series(den, dtype="float64")
    return num / den.where(den != 0)


def add_kpis(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Add the KPI columns whose inputs are present (formulas: dashboard.core.metrics.KPIS):
    a caller that needs one KPI passes only its sums.

    - due = messages − not_due; share_in_norm = in_norm / due ('share_in_norm').
    - share_answered = answered / messages ('share_answered').
    - median_response_min = kpi.grouped_median(bins) ('median_response'),
      mean_response_min = resp_sum / answered ('mean_response'); both in the
      norm's mode (calendar or working minutes).
    - photo_share = photo / answered ('photo_share');
      satisfaction = sat_pos / (sat_pos + sat_neg) ('satisfaction').
    - posts_per_week = posts / pages / (period days / 7) ('posts_per_week').
    - er = (likes + reposts + comments) / posts / subscribers ('er'), a share.
    """
    df = df.copy()
    cols = set(df.columns)
    if {"messages", "not_due", "in_norm"} <= cols:
        df["due"] = df["messages"] - df["not_due"]
        df["share_in_norm"] = ratio(df["in_norm"], df["due"]).values
    if {"messages", "answered"} <= cols:
        df["share_answered"] = ratio(df["answered"], df["messages"]).values
    if set(BIN_NAMES) <= cols:
        df["median_response_min"] = [
            _nan(grouped_median(list(row))) for row in df[list(BIN_NAMES)].itertuples(index=False)]
    if {"resp_sum", "answered"} <= cols:
        df["mean_response_min"] = ratio(df["resp_sum"], df["answered"]).values
    if {"photo", "answered"} <= cols:
        df["photo_share"] = ratio(df["photo"], df["answered"]).values
    if {"sat_pos", "sat_neg"} <= cols:
        df["satisfaction"] = ratio(df["sat_pos"], df["sat_pos"] + df["sat_neg"]).values
    if "posts" in cols and "pages" in cols:
        df["posts_per_week"] = (ratio(df["posts"], df["pages"]) / (f.period.days / 7)).values
    if "posts" in cols and "subscribers" in cols:
        reactions = df["likes"] + df["reposts"] + df["comments"]
        subscribers = df["subscribers"].astype("float64").where(df["subscribers"] != 0)
        df["er"] = ratio(reactions, df["posts"]).values / subscribers.values
    return df


def _nan(x):
    return float("nan") if x is None else x


def measures(conn: Connection, f: Filters, now: datetime | None = None, by=(),
             parts=ALL_PARTS, as_of: datetime | None = None) -> pd.DataFrame:
    """``sums`` followed by ``add_kpis``."""
    return add_kpis(sums(conn, f, now, by, parts, as_of), f)


def none_if_nan(x):
    """NaN (pandas' missing) as None, numpy scalars as plain Python numbers."""
    if x is None or (isinstance(x, float) and x != x):
        return None
    return x.item() if hasattr(x, "item") else x
