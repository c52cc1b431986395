"""What every collection run shares: targets, resume state, per-page writes, the report.

A source (``vk.VkSource``, ``ok.OkSource``) turns registered pages into
``PageData`` (or ``PageSkipped``) by calling its API; it never touches the database.
``CollectionRun`` feeds it the pages still to do today and writes each page's
result in its own transaction, together with the page's ``collect_state`` row,
``msg_daily`` for the days its messages fall on, and ``meta.data_updated_at``. So an
interrupted run keeps the pages it finished, and the next run the same day
continues with the rest. ``post_state`` keeps, per post, the comment count seen when
its comments were last read; the source is given those counts (``Seen``) and reads the
comments only of posts whose count changed or that it has not read before. ``subs_daily`` (a rebuild that reads all of
``page_stats``) is refreshed once, in ``finish()``; every page transaction records
the earliest stale date in ``meta``, so a run killed before ``finish()`` is
repaired by whichever run finishes next.

Flows in a snapshot: the ``page_stats`` row dated D (the run's local day) counts
the posts published on the local days from the page's previous snapshot date
(inclusive) up to D (exclusive), and the views/likes/comments/reposts those posts
have at collection time. Without an earlier snapshot — or when it is older than
the collection window — the window starts ``days`` days before D. Consecutive
daily runs thus count every post exactly once, on the day after it was published.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from dashboard.core import formatting as fmt
from dashboard.core import schema
from dashboard.core.db import get_meta, set_meta, touch_updated, upsert, utcnow
from dashboard.core.localtime import to_local, to_naive_utc
from dashboard.core.message_fields import message_times
from dashboard.writers import summary
from dashboard.writers.collect.client import ApiError, JsonClient
from dashboard.writers.collect.topics import classify

S = schema

STATE_CHUNK = 500  # pending pages handed to the source at once, with their post_state


# --- What a source produces -------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A registered page to collect."""

    page_id: int
    external_id: str
    title: str
    municipality_id: int | None


@dataclass(frozen=True)
class Post:
    """A wall post with the counters it has at collection time (times naive UTC)."""

    id: int
    published_at: datetime
    views: int = 0
    likes: int = 0
    comments: int = 0
    reposts: int = 0


@dataclass(frozen=True)
class Comment:
    """A resident's top-level comment and the page's first reply to it, if any."""

    external_id: str
    received_at: datetime
    first_response_at: datetime | None
    text: str = ""
    photo_report: bool = False


@dataclass
class PageData:
    """Everything fetched for one page. ``posts`` is None when the source has no wall.

    ``comments_read``: ids of the posts whose comments were read in full this time (their
    ``Post.comments`` is recorded in ``post_state``); ``comments_unchanged``: how many
    commented posts were passed over because their count had not changed.
    """

    subscribers: int
    verified: bool | None = None
    posts: list[Post] | None = None
    comments: list[Comment] = field(default_factory=list)
    last_post_at: datetime | None = None
    comments_read: list[int | str] = field(default_factory=list)
    comments_unchanged: int = 0


# page id → {post id (as text) → comment count when its comments were last read}
Seen = Mapping[int, Mapping[str, int]]


class PageSkipped(Exception):
    """The page cannot be collected (closed, deleted, access denied); Russian reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Source(Protocol):
    name: str      # collect_state.source and import_log kind suffix: 'vk' | 'ok'
    platform: str  # page.platform
    label: str     # Russian name for messages
    api_url: str
    client: JsonClient

    def fetch(self, targets: list[Target], since: datetime, seen: Seen
              ) -> Iterator[tuple[Target, PageData | PageSkipped]]:
        """Yield each target with its data or the reason it was skipped, in order.

        ``since`` (naive UTC) is the start of the collection window for posts and comments;
        ``seen`` the comment counts of the targets' posts read before (``post_state``).
        """


def chunked(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def lookup_batch(batch: list[Target], fetch: Callable[[list[Target]], dict[int, object]],
                 skip_codes: Collection[int], reason: Callable[[ApiError], str]) -> dict[int, object]:
    """``fetch`` a batch of pages (page id → info or PageSkipped), isolating bad ids.

    APIs reject a whole batch when one id is invalid or forbidden; the batch is
    then asked for one page at a time so that only the bad page is skipped.
    """
    try:
        return fetch(batch)
    except ApiError as e:
        if e.code not in skip_codes:
            raise
        if len(batch) == 1:
            return {batch[0].page_id: PageSkipped(reason(e))}
    out: dict[int, object] = {}
    for t in batch:
        out |= lookup_batch([t], fetch, skip_codes, reason)
    return out


# --- Results ------------------------------------------------------------------------------

@dataclass
class PageResult:
    """What one page contributed to the run."""

    target: Target
    skipped: str | None = None
    stats_added: int = 0
    stats_updated: int = 0
    posts: int = 0
    messages_added: int = 0
    messages_updated: int = 0
    messages_unchanged: int = 0
    comment_posts_read: int = 0
    comment_posts_unchanged: int = 0

    def cursor(self) -> str:
        """The JSON kept in collect_state.cursor for a finished page."""
        if self.skipped:
            return json.dumps({"skipped": self.skipped}, ensure_ascii=False)
        return json.dumps({
            "stats_added": self.stats_added, "stats_updated": self.stats_updated, "posts": self.posts,
            "messages_added": self.messages_added, "messages_updated": self.messages_updated,
            "messages_unchanged": self.messages_unchanged,
            "comment_posts_read": self.comment_posts_read,
            "comment_posts_unchanged": self.comment_posts_unchanged,
        })


@dataclass
class RunReport:
    """Totals of a run, with a Russian summary (``text``)."""

    label: str
    run_day: date
    pages_total: int
    results: list[PageResult]
    done_earlier: int = 0
    skipped_earlier: list[tuple[str, str]] = field(default_factory=list)  # (title, reason)
    requests: int = 0

    @property
    def done(self) -> list[PageResult]:
        return [r for r in self.results if not r.skipped]

    @property
    def skipped(self) -> list[PageResult]:
        return [r for r in self.results if r.skipped]

    def total(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.results)

    def text(self) -> str:
        n = fmt.num
        lines = [
            f"Сбор {self.label} за {fmt.d(self.run_day)}: страниц {n(self.pages_total)}, "
            f"собрано {n(len(self.done))}, пропущено {n(len(self.skipped))}"
            + (f", уже собрано ранее сегодня {n(self.done_earlier)}" if self.done_earlier else "") + ".",
        ]
        if self.skipped or self.skipped_earlier:
            lines.append("Пропущенные страницы:")
            lines += [f"  - {r.target.title}: {r.skipped}" for r in self.skipped]
            lines += [f"  - {title}: {reason} (ранее сегодня)" for title, reason in self.skipped_earlier]
        lines.append(
            f"Снимки подписчиков: добавлено {n(self.total('stats_added'))}, "
            f"обновлено {n(self.total('stats_updated'))}; публикаций учтено {n(self.total('posts'))}."
        )
        lines.append(
            f"Сообщения: новых {n(self.total('messages_added'))}, "
            f"обновлено {n(self.total('messages_updated'))}, "
            f"без изменений {n(self.total('messages_unchanged'))}."
        )
        read, unchanged = self.total("comment_posts_read"), self.total("comment_posts_unchanged")
        if read or unchanged:
            lines.append(f"Публикации с комментариями: прочитано {n(read)}, "
                         f"без новых комментариев {n(unchanged)} (не запрашивались).")
        per_page = f" ({fmt.num(self.requests / len(self.results), 2)} на страницу)" if self.results else ""
        lines.append(f"Запросов к API: {n(self.requests)}{per_page}.")
        return "\n".join(lines)


# --- Time helpers ---------------------------------------------------------------------------

def from_unix(ts: int | float) -> datetime:
    """Unix time → naive UTC datetime (how times are stored)."""
    return datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)


def local_day(ts_utc: datetime, tz: ZoneInfo) -> date:
    return to_local(ts_utc, tz).date()


def day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    """Naive UTC instant at which the local ``day`` begins."""
    return datetime.combine(day, time(0), tz).astimezone(timezone.utc).replace(tzinfo=None)


# --- The run ----------------------------------------------------------------------------------

class CollectionRun:
    """One run of one source: ``pending`` pages, ``pages()`` to work through them, ``finish()``.

    ``now`` (aware or naive UTC) fixes the run's clock; the run day is its local date.
    """

    def __init__(self, engine: Engine, source: Source, *, days: int, tz: ZoneInfo,
                 now: datetime | None = None, user: str | None = None):
        if days < 1:
            raise ValueError("days must be at least 1")
        self.engine = engine
        self.user = user  # who started the run (import_log.user)
        self.source = source
        self.tz = tz
        self.now = to_naive_utc(now) if now is not None else utcnow()
        self.run_day = local_day(self.now, tz)
        self.window_start = self.run_day - timedelta(days=days)
        self.since = day_start_utc(self.window_start, tz)  # naive UTC: posts and comments from here on
        self.results: list[PageResult] = []
        with engine.connect() as conn:
            targets = _load_targets(conn, source.platform, self.run_day)
            finished = _finished_today(conn, source.name, self.run_day)
            self.topic_ids = dict(conn.execute(select(S.topic.c.code, S.topic.c.id)).all())
        self.pending = [t for t in targets if t.page_id not in finished]
        self.pages_total = len(targets)
        self.done_earlier = len(targets) - len(self.pending)
        by_id = {t.page_id: t for t in targets}
        self.skipped_earlier = [(by_id[pid].title, reason) for pid, reason in finished.items()
                                if reason and pid in by_id]

    def pages(self) -> Iterator[PageResult]:
        """Collect and write the pending pages one by one, yielding each page's result."""
        for chunk in chunked(self.pending, STATE_CHUNK):
            with self.engine.connect() as conn:
                seen = _comments_seen(conn, [t.page_id for t in chunk])
            for target, data in self.source.fetch(chunk, self.since, seen):
                with self.engine.begin() as conn:
                    if isinstance(data, PageSkipped):
                        result = PageResult(target, skipped=data.reason)
                    else:
                        result = self._write_page(conn, target, data)
                    _mark_done(conn, self.source.name, target.page_id, self.run_day, result.cursor(),
                               failed=result.skipped is not None)
                self.results.append(result)
                yield result

    def finish(self) -> RunReport:
        """Record the run in import_log and return its report."""
        report = RunReport(
            label=self.source.label, run_day=self.run_day, pages_total=self.pages_total,
            results=self.results, done_earlier=self.done_earlier,
            skipped_earlier=self.skipped_earlier,
            requests=self.source.client.requests_made,
        )
        with self.engine.begin() as conn:
            self._refresh_subscribers(conn)
            conn.execute(S.import_log.insert().values(
                at=utcnow(), file_name=f"{self.source.label} API: {self.source.api_url}"[:255],
                kind=f"collect-{self.source.name}", status="ok",
                rows_added=report.total("stats_added") + report.total("messages_added"),
                rows_updated=report.total("stats_updated") + report.total("messages_updated"),
                rows_unchanged=report.total("messages_unchanged"),
                rows_rejected=len(report.skipped),
                message=report.text(), user=self.user,
            ))
        return report

    def run(self) -> RunReport:
        """All pending pages, then ``finish()``."""
        for _ in self.pages():
            pass
        return self.finish()

    # --- writes of one page (inside its transaction) ---

    def _write_page(self, conn: Connection, target: Target, data: PageData) -> PageResult:
        result = PageResult(target)
        self._write_stats(conn, target, data, result)
        self._update_page(conn, target, data)
        self._write_messages(conn, target, data.comments, result)
        self._write_post_state(conn, target, data, result)
        self._note_subscribers_stale(conn)
        touch_updated(conn, self.now)
        return result

    # subs_daily is rebuilt once per run (in finish), not per page: the rebuild reads
    # all of page_stats. Each page's transaction records the earliest stale date in
    # `meta`, so even a run killed before finish() is repaired by the next run.

    @property
    def _stale_key(self) -> str:
        return f"collect_{self.source.name}_subs_since"

    def _note_subscribers_stale(self, conn: Connection) -> None:
        current = get_meta(conn, self._stale_key)
        if current is None or date.fromisoformat(current) > self.run_day:
            set_meta(conn, self._stale_key, self.run_day.isoformat())

    def _refresh_subscribers(self, conn: Connection) -> None:
        since = get_meta(conn, self._stale_key)
        if since is None:
            return
        summary.refresh_subscribers(conn, since=date.fromisoformat(since))
        conn.execute(delete(S.meta).where(S.meta.c.key == self._stale_key))

    def _write_stats(self, conn: Connection, target: Target, data: PageData, result: PageResult) -> None:
        ps = S.page_stats
        row = {"page_id": target.page_id, "on": self.run_day, "subscribers": data.subscribers}
        update_cols = ["subscribers"]
        if data.posts is not None:
            prev_on = conn.execute(select(func.max(ps.c.on)).where(
                ps.c.page_id == target.page_id, ps.c.on < self.run_day)).scalar()
            start = max(prev_on, self.window_start) if prev_on else self.window_start
            flows = [p for p in data.posts if start <= local_day(p.published_at, self.tz) < self.run_day]
            row |= {
                "posts": len(flows),
                "views": sum(p.views for p in flows),
                "likes": sum(p.likes for p in flows),
                "comments": sum(p.comments for p in flows),
                "reposts": sum(p.reposts for p in flows),
            }
            update_cols += ["posts", "views", "likes", "comments", "reposts"]
            result.posts = len(flows)
        exists = conn.execute(select(ps.c.page_id).where(
            ps.c.page_id == target.page_id, ps.c.on == self.run_day)).first() is not None
        upsert(conn, ps, [row], ["page_id", "on"], update_cols)
        if exists:
            result.stats_updated = 1
        else:
            result.stats_added = 1

    def _write_post_state(self, conn: Connection, target: Target, data: PageData, result: PageResult) -> None:
        """Record the comment counts of the posts read; forget posts older than the window."""
        if data.posts is None:
            return
        ps = S.post_state
        conn.execute(delete(ps).where(ps.c.page_id == target.page_id, ps.c.published_at < self.since))
        read = {str(i) for i in data.comments_read}
        upsert(conn, ps, [
            {"page_id": target.page_id, "post_id": str(p.id), "published_at": p.published_at,
             "comments": p.comments, "read_at": self.now}
            for p in data.posts if str(p.id) in read], ["page_id", "post_id"], ["published_at", "comments", "read_at"])
        result.comment_posts_read = len(read)
        result.comment_posts_unchanged = data.comments_unchanged

    def _update_page(self, conn: Connection, target: Target, data: PageData) -> None:
        p = S.page
        values: dict = {}
        if data.verified is not None:
            values["verified"] = data.verified
        if data.last_post_at is not None:
            current = conn.execute(select(p.c.last_post_at).where(p.c.id == target.page_id)).scalar()
            if current is None or data.last_post_at > current:
                values["last_post_at"] = data.last_post_at
        if values:
            conn.execute(update(p).where(p.c.id == target.page_id).values(**values))

    def _write_messages(self, conn: Connection, target: Target, comments: Iterable[Comment],
                        result: PageResult) -> None:
        """Insert new comments, record replies that appeared since, and add what changed to
        the message summaries (summary deltas: the stored versions of the rows it changes
        out, the written rows in; no stored message is read beyond those).

        An existing message is only ever moved forward: a reply found now sets its
        first response and status 'answered'; its topic and any status set by the
        ЦУР are otherwise left alone.
        """
        comments = list(comments)
        if not comments:
            return
        m = S.message
        existing = {
            r.external_id: r
            for r in conn.execute(select(m.c.id, m.c.external_id, m.c.first_response_at, m.c.status,
                                         m.c.photo_report).where(
                m.c.platform == self.source.platform,
                m.c.external_id.in_([c.external_id for c in comments])))
        }
        other_topic = self.topic_ids["other"]
        new_rows, answered = [], {}
        for c in comments:
            times = message_times(c.received_at, c.first_response_at, self.tz)
            old = existing.get(c.external_id)
            if old is None:
                new_rows.append({
                    "platform": self.source.platform, "external_id": c.external_id,
                    "page_id": target.page_id, "municipality_id": target.municipality_id,
                    "topic_id": self.topic_ids.get(classify(c.text), other_topic),
                    "kind": "comment", "received_at": c.received_at,
                    "first_response_at": c.first_response_at,
                    "status": "answered" if c.first_response_at else "new",
                    "photo_report": c.photo_report, "satisfaction": None,
                    **times,
                })
            elif c.first_response_at is not None and (
                    old.first_response_at != c.first_response_at or old.status != "answered"
                    or old.photo_report != c.photo_report):
                answered[old.id] = dict(
                    first_response_at=c.first_response_at, status="answered",
                    photo_report=c.photo_report,
                    response_minutes=times["response_minutes"],
                    response_work_minutes=times["response_work_minutes"],
                )
            else:
                result.messages_unchanged += 1
        result.messages_updated = len(answered)
        result.messages_added = len(new_rows)
        if not new_rows and not answered:
            return
        summary.begin_message_delta(conn)
        summary.stage_message_ids(conn, answered, -1)
        for mid, values in answered.items():
            conn.execute(update(m).where(m.c.id == mid).values(**values))
        upsert(conn, m, new_rows, ["platform", "external_id"])
        summary.stage_message_ids(conn, answered, +1)
        summary.stage_message_keys(conn, ((r["platform"], r["external_id"]) for r in new_rows), +1)
        summary.apply_message_delta(conn)


# --- State and targets ----------------------------------------------------------------------

def _load_targets(conn: Connection, platform: str, run_day: date) -> list[Target]:
    """Open pages of the platform, in id order."""
    p = S.page
    rows = conn.execute(
        select(p.c.id, p.c.external_id, p.c.title, p.c.municipality_id)
        .where(p.c.platform == platform, or_(p.c.closed_on.is_(None), p.c.closed_on > run_day))
        .order_by(p.c.id)
    )
    return [Target(r.id, r.external_id, r.title, r.municipality_id) for r in rows]


def _comments_seen(conn: Connection, page_ids: list[int]) -> dict[int, dict[str, int]]:
    """``post_state`` of the pages: page id → {post id → comment count last read}."""
    ps = S.post_state
    out: dict[int, dict[str, int]] = {}
    for page_id, post_id, comments in conn.execute(
            select(ps.c.page_id, ps.c.post_id, ps.c.comments).where(ps.c.page_id.in_(page_ids))):
        out.setdefault(page_id, {})[post_id] = comments
    return out


def _finished_today(conn: Connection, source: str, run_day: date) -> dict[int, str | None]:
    """Pages finished today by this source: page id → skip reason (None if collected)."""
    cs = S.collect_state
    out = {}
    for page_id, cursor in conn.execute(select(cs.c.page_id, cs.c.cursor).where(
            and_(cs.c.source == source, cs.c.run_day == run_day, cs.c.done.is_(True)))):
        try:
            out[page_id] = json.loads(cursor or "{}").get("skipped")
        except ValueError:
            out[page_id] = None
    return out


def _mark_done(conn: Connection, source: str, page_id: int, run_day: date, cursor: str,
               failed: bool = False) -> None:
    """Record the page as finished today; ``fail_runs`` counts the runs in a row (one per
    day) that could not read it, and drops to 0 when a run reads it."""
    cs = S.collect_state
    prev = conn.execute(select(cs.c.run_day, cs.c.fail_runs).where(
        cs.c.source == source, cs.c.page_id == page_id)).first()
    if not failed:
        streak = 0
    elif prev is None:
        streak = 1
    elif prev.run_day == run_day:  # a failure already counted today counts once
        streak = max(prev.fail_runs or 0, 1)
    else:
        streak = (prev.fail_runs or 0) + 1
    upsert(conn, S.collect_state,
           [{"source": source, "page_id": page_id, "run_day": run_day, "cursor": cursor, "done": True,
             "fail_runs": streak}],
           ["source", "page_id"], ["run_day", "cursor", "done", "fail_runs"])
