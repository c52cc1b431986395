"""Database schema (SQLAlchemy Core tables).

Raw facts: ``municipality``, ``topic``, ``organisation``, ``page``, ``page_stats``,
``message``. Summary tables, kept up to date on every write by
``dashboard.writers.summary``: ``msg_daily`` and ``subs_daily``. Every screen reads the
summaries, so a page view never scans raw messages (see README, "Speed").

Times are stored in UTC without a zone; ``message.received_day`` and
``received_hour`` are the local (display time zone) calendar day and hour,
written together with the message.

Re-imports and re-collection are idempotent through the unique keys
(platform + external id) on ``page`` and ``message`` and (page, date) on
``page_stats``. The platform codes and what differs between platforms live in
``dashboard.core.platforms``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
    or_,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

MUNICIPALITY_KINDS = {
    "urban_okrug": "городской округ",
    "municipal_district": "муниципальный район",
    "municipal_okrug": "муниципальный округ",
}

ORG_KINDS = {
    "regional": "региональный орган власти",
    "municipal_admin": "администрация муниципалитета",
    "institution": "подведомственное учреждение",
}
ORG_SECTORS = {
    "education": "образование",
    "health": "здравоохранение",
    "culture": "культура",
    "social": "социальная защита",
    "sport": "спорт",
    "housing": "ЖКХ",
    "transport": "транспорт",
    "other": "прочее",
}

MESSAGE_STATUSES = {
    "new": "новое",
    "in_work": "в работе",
    "answered": "дан ответ",
    "closed": "закрыто без ответа",
}
OPEN_STATUSES = ("new", "in_work")  # without an answer and can still be answered
OPEN_STATUSES_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"
# A message closed without an answer whose closing moment is unknown (stored before
# message.closed_at existed) counts as closed this many days after receipt, and not later
# than the migration (0007's backfill); the demo generator closes old messages the same way.
CLOSED_AFTER_DAYS = 14
MESSAGE_KINDS = {"comment": "комментарий", "private": "личное сообщение"}

# Counts of a page snapshot since the previous one (page_stats, subs_daily).
FLOWS = ("posts", "views", "likes", "comments", "reposts")

# import_log.kind of file imports (collection runs are "collect-<platform code>") and status.
IMPORT_KINDS = {"pages": "страницы", "stats": "статистика страниц", "messages": "сообщения"}
IMPORT_STATUSES = {"ok": "выполнен", "rejected": "отклонён"}

# Response-time histogram kept in msg_daily: bin i holds responses with
# RESPONSE_BIN_EDGES[i] <= minutes < RESPONSE_BIN_EDGES[i+1]; the last bin is open.
# Every allowed norm (settings.NORM_HOURS_ALLOWED) is an edge.
RESPONSE_BIN_EDGES = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960,
                      1440, 2160, 2880, 4320, 10080)
N_BINS = len(RESPONSE_BIN_EDGES)
CAL_BINS = tuple(f"h{i:02d}" for i in range(N_BINS))   # calendar minutes
WORK_BINS = tuple(f"w{i:02d}" for i in range(N_BINS))  # working minutes (Mon-Fri 9-18)


municipality = Table(
    "municipality", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("name_official", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("oktmo", String(11), nullable=False, unique=True),
    Column("admin_center", String(120)),
    Column("center_lat", Float),
    Column("center_lon", Float),
    Column("area_km2", Float),
    Column("population", Integer),
    Column("population_year", Integer),
)

topic = Table(
    "topic", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("sort_order", Integer, nullable=False, default=0),
)

organisation = Table(
    "organisation", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("sector", String(32)),
    Column("municipality_id", Integer, ForeignKey("municipality.id")),
)

page = Table(
    "page", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(8), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("url", String(255), nullable=False),
    Column("title", String(255), nullable=False),
    Column("organisation_id", Integer, ForeignKey("organisation.id"), nullable=False),
    # Denormalised from organisation so that filters need no join.
    Column("municipality_id", Integer, ForeignKey("municipality.id")),
    Column("verified", Boolean, nullable=False, default=False),       # госметка
    Column("gospubliki", Boolean, nullable=False, default=False),     # connected to «Госпаблики»
    Column("opened_on", Date),
    Column("closed_on", Date),
    # Latest figures, maintained on write (registry reads them directly).
    Column("last_subscribers", Integer),
    Column("last_stats_on", Date),
    Column("last_post_at", DateTime),
    UniqueConstraint("platform", "external_id"),
    Index(None, "municipality_id", "platform"),
    # Covers page counts grouped by platform / municipality (queries.aggregate.page_counts).
    Index(None, "platform", "municipality_id", "opened_on", "closed_on"),
)

def page_open_on(day):
    """The page was open on ``day``: opened on or before it (or when unknown) and not closed
    by it — the pages a count, a registry or a rule takes as existing on that day."""
    return and_(or_(page.c.opened_on.is_(None), page.c.opened_on <= day),
                or_(page.c.closed_on.is_(None), page.c.closed_on > day))


page_stats = Table(
    "page_stats", metadata,
    Column("page_id", Integer, ForeignKey("page.id"), primary_key=True),
    Column("on", Date, primary_key=True),
    # Level on that date.
    Column("subscribers", Integer, nullable=False),
    # Flows since the page's previous snapshot (posts published, and the
    # views/likes/comments/reposts those posts collected).
    Column("posts", Integer, nullable=False, default=0),
    Column("views", Integer, nullable=False, default=0),
    Column("likes", Integer, nullable=False, default=0),
    Column("comments", Integer, nullable=False, default=0),
    Column("reposts", Integer, nullable=False, default=0),
    # By date; the page and its level ride along, so the week-old snapshot of every page
    # (the subscriber-drop signal) is one range of the index (queries.signals.subs_facts).
    Index("ix_page_stats_on_page_id_subscribers", "on", "page_id", "subscribers"),
)

message = Table(
    "message", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(8), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("page_id", Integer, ForeignKey("page.id"), nullable=False),
    Column("municipality_id", Integer, ForeignKey("municipality.id")),  # denormalised
    Column("topic_id", Integer, ForeignKey("topic.id"), nullable=False),
    Column("kind", String(16), nullable=False, default="comment"),
    Column("received_at", DateTime, nullable=False),       # UTC
    Column("received_day", Date, nullable=False),          # local date
    Column("received_hour", SmallInteger, nullable=False),  # local hour 0-23
    Column("first_response_at", DateTime),                 # UTC
    Column("response_minutes", Integer),                   # calendar minutes
    Column("response_work_minutes", Integer),              # working minutes
    Column("status", String(16), nullable=False),
    # UTC; when a message was closed without an answer (status 'closed'). NULL for other
    # statuses, and for closed messages imported without it (counted as closed throughout).
    Column("closed_at", DateTime),
    Column("photo_report", Boolean, nullable=False, default=False),
    Column("satisfaction", SmallInteger),                  # -1, 0, 1 or NULL
    UniqueConstraint("platform", "external_id"),
    # By day, and which were unsettled at a moment (like-for-like), found in the index.
    Index("ix_message_day_settled", "received_day", "first_response_at", "received_at"),
    # Open messages only (about 1 % of them): overdue lists and counts. Every message
    # written lands in each index of the table, so an index of every message costs each
    # write a leaf page of its own (see docs/SPEED.md, «Writes on SQLite»).
    Index("ix_message_open", "status", "received_at",
          sqlite_where=text(OPEN_STATUSES_SQL), postgresql_where=text(OPEN_STATUSES_SQL)),
    Index(None, "page_id"),
    # A municipality's messages of a period, and which were unsettled at a moment (like-for-like).
    Index("ix_message_municipality_day", "municipality_id", "received_day", "first_response_at", "received_at"),
)


def is_open(status):
    """``status IN OPEN_STATUSES`` with the statuses written out, word for word the
    predicate of the partial index ``ix_message_open``: a query's WHERE must repeat it to
    be served by the index (PostgreSQL's generic plans cannot prove it from bound parameters)."""
    return status.in_([literal_column(f"'{s}'") for s in OPEN_STATUSES])


HOURS = tuple(f"n_hour{h:02d}" for h in range(24))  # messages received in local hour h


def _day_columns() -> list[Column]:
    """The id and time keys shared by msg_daily and its coarser rollups."""
    return [
        Column("id", Integer, primary_key=True),
        Column("day", Date, nullable=False),
        Column("week", Date, nullable=False),    # Monday of that week
        Column("month", Date, nullable=False),   # first day of that month
    ]


def _measure_columns() -> list[Column]:
    """The measure columns shared by msg_daily and its coarser rollups."""
    counts = ["n_received", "n_answered", "n_closed", "n_open", "n_photo", "n_sat_pos", "n_sat_neg",
              "sum_resp_min", "sum_resp_work_min", *CAL_BINS, *WORK_BINS, *HOURS]
    return [Column(name, Integer, nullable=False, default=0) for name in counts]


# Measures (all per group and local day of receipt):
#   n_received; n_answered (first response given); n_closed (closed without answer);
#   n_open ('new' or 'in_work' and no response yet); n_photo (answers with a photo
#   report); n_sat_pos / n_sat_neg; sum_resp_min / sum_resp_work_min (calendar /
#   working minutes of answered messages); response histograms h00..h20 (calendar)
#   and w00..w20 (working); n_hour00..n_hour23 (messages by local hour of receipt).
msg_daily = Table(
    "msg_daily", metadata,
    *_day_columns(),
    Column("municipality_id", Integer),      # NULL: regional bodies
    Column("platform", String(8), nullable=False),
    Column("topic_id", Integer, nullable=False),
    *_measure_columns(),
    # A write's summary merge looks each key up: the topic too, so that it reads one row
    # (migration 0016; on PostgreSQL the summary tables also keep fillfactor 80 there, so
    # the merge's updates stay on their page and leave the indexes alone).
    Index(None, "day", "municipality_id", "platform", "topic_id"),
    # The msg_daily_pt rows above a (day, platform, topic): partial summary refresh.
    Index("ix_msg_daily_day_platform_topic", "day", "platform", "topic_id"),
)

# msg_daily summed over topics: for queries that neither group by nor filter on topic.
msg_daily_mp = Table(
    "msg_daily_mp", metadata,
    *_day_columns(),
    Column("municipality_id", Integer),
    Column("platform", String(8), nullable=False),
    *_measure_columns(),
    Index(None, "day"),
    Index(None, "municipality_id", "day"),
)

# msg_daily summed over municipalities: topic queries without a municipality dimension.
msg_daily_pt = Table(
    "msg_daily_pt", metadata,
    *_day_columns(),
    Column("platform", String(8), nullable=False),
    Column("topic_id", Integer, nullable=False),
    *_measure_columns(),
    Index(None, "day"),
)

MSG_ROLLUPS = (msg_daily, msg_daily_mp, msg_daily_pt)
MSG_MEASURES = tuple(c.name for c in msg_daily.c
                     if c.name not in ("id", "day", "week", "month", "municipality_id", "platform", "topic_id"))

subs_daily = Table(
    "subs_daily", metadata,
    Column("id", Integer, primary_key=True),
    Column("on", Date, nullable=False),      # a date on which some page has a snapshot
    Column("municipality_id", Integer),      # NULL: regional bodies
    Column("platform", String(8), nullable=False),
    Column("n_pages", Integer, nullable=False, default=0),      # pages with any snapshot <= on
    Column("subscribers", Integer, nullable=False, default=0),  # sum of each page's latest level <= on
    Column("posts", Integer, nullable=False, default=0),        # flows of snapshots dated `on`
    Column("views", Integer, nullable=False, default=0),
    Column("likes", Integer, nullable=False, default=0),
    Column("comments", Integer, nullable=False, default=0),
    Column("reposts", Integer, nullable=False, default=0),
    Index(None, "on", "municipality_id", "platform"),
)

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
# Keys used in `meta`.
META_DEMO = "demo"                 # "1" while the database holds generated demo data
META_DEMO_SEED = "demo_seed"
META_DEMO_REMOVED = "demo_removed"  # "1" after «demo --remove»: «demo --if-empty» (start.sh) leaves it empty
META_UPDATED_AT = "data_updated_at"  # ISO UTC time of the last successful write
META_DATA_AS_OF = "data_as_of"      # ISO UTC moment the data stops (a demo's snapshot); see db.figures_now

import_log = Table(
    "import_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),  # UTC
    Column("file_name", String(255), nullable=False),
    Column("kind", String(16), nullable=False),    # pages | stats | messages | collect-vk | collect-ok
    Column("status", String(16), nullable=False),  # ok | rejected
    Column("rows_added", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    Column("message", Text),
    Column("user", String(255)),  # who ran it: an e-mail, «локальный режим» or «командная строка: NAME»
)

# Resume point of a collection run: one row per (source, page); a rerun skips
# pages already done in the same run and continues from the stored cursor.
collect_state = Table(
    "collect_state", metadata,
    Column("source", String(16), primary_key=True),   # vk | ok
    Column("page_id", Integer, ForeignKey("page.id"), primary_key=True),
    Column("run_day", Date, nullable=False),
    Column("cursor", Text),
    Column("done", Boolean, nullable=False, default=False),
    # Runs in a row (one a day) that could not read the page; 0 after a successful run.
    Column("fail_runs", Integer, nullable=False, default=0, server_default="0"),
)

# Per collected post: its comment count when its comments were last read in full. The next
# run reads the comments only of posts whose count changed or that are new (VK counts the
# replies inside threads too, so a late answer of the page changes it); rows of posts older
# than the collection window are dropped as the page is collected.
post_state = Table(
    "post_state", metadata,
    Column("page_id", Integer, ForeignKey("page.id"), primary_key=True),
    Column("post_id", String(64), primary_key=True),
    Column("published_at", DateTime, nullable=False),  # UTC
    Column("comments", Integer, nullable=False),
    Column("read_at", DateTime, nullable=False),       # UTC, the run that read them
)

# --- Signals and digests (dashboard.core.signals, dashboard.writers.alerts) ---------------

# The state of each signal, keyed by its stable key: recorded by `python -m dashboard alerts`.
# A signal that stops firing gets resolved_at; if it fires again later it is reopened
# (resolved_at cleared, first_seen set anew).
signal_state = Table(
    "signal_state", metadata,
    Column("key", String(120), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("municipality_id", Integer),  # NULL: regional bodies or the whole oblast
    Column("page_id", Integer),
    Column("text", Text, nullable=False),
    Column("link", String(255), nullable=False),
    Column("first_seen", DateTime, nullable=False),   # UTC
    Column("last_seen", DateTime, nullable=False),    # UTC, last run that saw it firing
    Column("resolved_at", DateTime),                  # UTC; NULL while open
    Index(None, "resolved_at"),
)

# Who receives the daily digest and how. municipality_id NULL: the ЦУР (every signal).
alert_recipient = Table(
    "alert_recipient", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("municipality_id", Integer, ForeignKey("municipality.id")),
    Column("email", String(255)),
    Column("telegram_chat_id", String(64)),
    Column("telegram_token", String(255)),  # own bot; empty: TELEGRAM_BOT_TOKEN
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

DIGEST_CHANNELS = {"email": "эл. почта", "telegram": "Telegram"}
DIGEST_STATUSES = {"pending": "ожидает отправки", "sent": "отправлена", "superseded": "заменена новой"}

# One digest per recipient, channel and local day: never sent twice; a failed send stays
# 'pending' (with the error) and is retried by the next run.
alert_digest = Table(
    "alert_digest", metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient_id", Integer, ForeignKey("alert_recipient.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("day", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    UniqueConstraint("recipient_id", "channel", "day"),
)


# --- Access (dashboard.core.access, dashboard.writers.users) ------------------------------

# Who may sign in and with which role (dashboard.core.access.ROLES). The e-mail is the
# identity provider's `email` claim, stored lower-case. municipality_id: only for the role
# "municipality", the one municipality the user is bound to.
app_user = Table(
    "app_user", metadata,
    Column("email", String(255), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("municipality_id", Integer, ForeignKey("municipality.id")),
    Column("created_at", DateTime, nullable=False),  # UTC
    Column("created_by", String(255), nullable=False),
    Column("updated_at", DateTime, nullable=False),  # UTC
    Column("updated_by", String(255), nullable=False),
)

# Every change of app_user: who did what to whom, and when.
access_log = Table(
    "access_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),          # UTC
    Column("actor", String(255), nullable=False),
    Column("action", String(16), nullable=False),    # add | change | remove
    Column("email", String(255), nullable=False),
    Column("role", String(16)),                      # after the change (before it, for remove)
    Column("municipality_id", Integer),
)
