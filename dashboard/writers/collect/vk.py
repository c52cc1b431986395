"""VK (API 5.199): subscribers, recent posts and residents' comments with the page's replies.

Per run: ``groups.getById`` (fields ``members_count,verified``) for up to 500
pages per request; then per page ``wall.get`` (100 posts per request, newest
first, until the posts are older than the window) and, for every post in the
window whose comment count differs from the one seen when its comments were last
read (``post_state``; a new post has none), ``wall.getComments`` with
``thread_items_count=10`` (100 top-level comments per request). VK's
``comments.count`` counts the replies inside threads too, so a late answer of the
page to an old comment changes it and the post is read again. A top-level comment by a resident
(``from_id > 0``) becomes a message; the earliest reply in its thread written by
the community itself (``from_id == -group_id``) is the first response. When the
thread holds more replies than VK returned inline and none of those is the
community's, the whole thread is read with ``comment_id``.

Those per-page calls are not sent one by one: each page is read by a coroutine that
yields the calls it needs, and the pages of a batch advance together, their pending
calls packed 25 at a time (VK's limit) into one ``execute`` request. So a page costs
about 1/25 of a request per wall page and per post with new comments, instead of one each.
An error of one call inside ``execute`` (``execute_errors``) goes to that page only;
errors of the request as a whole (rate limits, network) are retried by the client.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Mapping
from datetime import datetime

from dashboard.writers.collect.client import ApiError, JsonClient
from dashboard.writers.collect.runner import (
    Comment,
    PageData,
    PageSkipped,
    Post,
    Seen,
    Target,
    chunked,
    from_unix,
    lookup_batch,
)

API_VERSION = "5.199"
BATCH = 500          # groups.getById ids per request
WALL_COUNT = 100     # wall.get maximum
COMMENTS_COUNT = 100  # wall.getComments maximum
THREAD_ITEMS = 10    # wall.getComments thread_items_count maximum
EXECUTE_CALLS = 25   # API calls in one execute request (VK's limit)
PAGES_AT_ONCE = BATCH  # pages read side by side, their calls packed into execute requests

Call = tuple[str, dict]                # (method, params) one page needs next
Reader = Generator[Call, object, "PageData"]  # a page's coroutine: yields calls, receives their results

RETRY_CODES = (6, 9, 29)  # too many requests per second, flood control, rate limit
SKIP_REASONS = {
    15: "доступ запрещён (сообщество закрыто или стена скрыта)",
    100: "неверный идентификатор сообщества",
    203: "доступ к сообществу запрещён",
}
POST_SKIP_CODES = (15, 212)  # comments of one post hidden: keep the page, drop those comments


def vk_error(payload: object) -> tuple[int, str] | None:
    """``(code, message)`` of a VK error response, else None."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        return int(err.get("error_code", 0)), str(err.get("error_msg", ""))
    return None


def make_client(**options) -> JsonClient:
    return JsonClient(error_of=vk_error, retry_codes=RETRY_CODES, **options)


def skip_reason(e: ApiError) -> str:
    return f"{SKIP_REASONS.get(e.code, 'ошибка API')} (ошибка VK {e.code}: {e.api_message})"


def group_key(external_id: str) -> str:
    """Normalise a page's external id: '123', '-123', 'club123', 'public123' → '123'."""
    key = external_id.strip().lower().lstrip("-")
    for prefix in ("club", "public", "event"):
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            return key[len(prefix):]
    return key


class VkSource:
    """Collects registered VK pages through ``client``."""

    name = "vk"
    platform = "vk"
    label = "ВКонтакте"

    def __init__(self, api_url: str, token: str, client: JsonClient):
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.client = client

    def call(self, method: str, **params) -> object:
        payload = self.client.call(
            f"{self.api_url}/{method}", {**params, "access_token": self.token, "v": API_VERSION}, method)
        return payload["response"]

    def execute(self, calls: list[Call]) -> list[object]:
        """Up to EXECUTE_CALLS calls in one ``execute`` request: each call's response, or its ApiError."""
        code = "return [" + ",".join(
            f"API.{method}({json.dumps(params, ensure_ascii=False)})" for method, params in calls) + "];"
        payload = self.client.call(f"{self.api_url}/execute",
                                   {"code": code, "access_token": self.token, "v": API_VERSION}, "execute")
        errors = iter(payload.get("execute_errors") or [])
        out: list[object] = []
        for (method, _params), resp in zip(calls, payload["response"], strict=True):
            if resp is False:  # that call failed; its error is the next one in execute_errors
                err = next(errors, {})
                resp = ApiError(int(err.get("error_code", 0)), str(err.get("error_msg", "")), method)
            out.append(resp)
        return out

    def fetch(self, targets: list[Target], since: datetime, seen: Seen
              ) -> Iterator[tuple[Target, PageData | PageSkipped]]:
        for batch in chunked(targets, BATCH):
            groups = lookup_batch(batch, self._groups, SKIP_REASONS, skip_reason)
            for part in chunked(batch, PAGES_AT_ONCE):
                yield from self._pages_together(part, groups, since, seen)

    def _pages_together(self, batch: list[Target], groups: dict, since: datetime, seen: Seen
                        ) -> Iterator[tuple[Target, PageData | PageSkipped]]:
        """Read the pages of ``batch`` side by side; yield them in order as each (and those before it) is done."""
        done: dict[int, PageData | PageSkipped] = {}
        waiting: dict[int, tuple[Reader, Call]] = {}  # page id → its coroutine and the call it waits for

        def advance(page_id: int, reader: Reader, value: object) -> None:
            try:
                call = reader.throw(value) if isinstance(value, ApiError) else reader.send(value)
            except StopIteration as stop:
                done[page_id] = stop.value
            except ApiError as e:
                if e.code not in SKIP_REASONS:
                    raise
                done[page_id] = PageSkipped(skip_reason(e))
            else:
                waiting[page_id] = (reader, call)

        for target in batch:
            info = groups[target.page_id]
            if isinstance(info, PageSkipped):
                done[target.page_id] = info
            else:
                advance(target.page_id, self._page(info, since, seen.get(target.page_id, {})), None)
        position = 0
        while True:
            while position < len(batch) and batch[position].page_id in done:
                target = batch[position]
                yield target, done.pop(target.page_id)
                position += 1
            if not waiting:
                return
            ids = list(waiting)[:EXECUTE_CALLS]
            results = self.execute([waiting[i][1] for i in ids])
            for page_id, result in zip(ids, results, strict=True):
                reader, _call = waiting.pop(page_id)
                advance(page_id, reader, result)

    # --- groups.getById ---

    def _groups(self, batch: list[Target]) -> dict[int, dict | PageSkipped]:
        resp = self.call("groups.getById", group_ids=",".join(group_key(t.external_id) for t in batch),
                         fields="members_count,verified")
        groups = resp.get("groups", []) if isinstance(resp, dict) else resp  # 5.199 object, older list
        found: dict[str, dict] = {}
        for g in groups:
            found[str(g.get("id"))] = g
            if g.get("screen_name"):
                found[str(g["screen_name"]).lower()] = g
        return {t.page_id: _usable(found.get(group_key(t.external_id))) for t in batch}

    # --- one page: a coroutine yielding (method, params) and receiving each call's response ---

    def _page(self, group: dict, since: datetime, seen: Mapping[str, int]) -> Reader:
        """Subscribers and the wall; comments of the posts whose count is not the one ``seen``."""
        gid = int(group["id"])
        items, last_post_at = yield from self._wall(gid, since)
        comments: list[Comment] = []
        read: list[int] = []
        unchanged = 0
        for item in items:
            post_id, count = int(item["id"]), _count(item, "comments")
            before = seen.get(str(post_id))
            if count == (before or 0):  # nothing new (0 and never read: nothing at all)
                unchanged += before is not None and count > 0
                continue
            if count:
                got, complete = yield from self._comments(gid, post_id)
                comments += got
                if not complete:  # hidden comments: try again next run
                    continue
            read.append(post_id)  # a count fallen to 0 is recorded too, so new comments are noticed
        return PageData(
            subscribers=int(group["members_count"]),
            verified=bool(group.get("verified")),
            posts=[Post(id=int(i["id"]), published_at=from_unix(i["date"]), views=_count(i, "views"),
                        likes=_count(i, "likes"), comments=_count(i, "comments"),
                        reposts=_count(i, "reposts"))
                   for i in items],
            comments=comments,
            last_post_at=last_post_at,
            comments_read=read,
            comments_unchanged=unchanged,
        )

    def _wall(self, gid: int, since: datetime) -> Generator[Call, object, tuple[list[dict], datetime | None]]:
        """Posts published at or after ``since`` (newest first) and the newest post's time."""
        posts: list[dict] = []
        newest: datetime | None = None
        offset = 0
        while True:
            resp = yield "wall.get", {"owner_id": -gid, "count": WALL_COUNT, "offset": offset}
            items = resp.get("items", [])
            for item in items:
                when = from_unix(item["date"])
                newest = when if newest is None else max(newest, when)
                if when >= since:
                    posts.append(item)
                elif not item.get("is_pinned"):  # a pinned post may be old and still on top
                    return posts, newest
            offset += len(items)
            if not items or offset >= int(resp.get("count", 0)):
                return posts, newest

    def _comments(self, gid: int, post_id: int) -> Generator[Call, object, tuple[list[Comment], bool]]:
        """Residents' top-level comments on one post, each with the page's first reply, and
        whether they were all read (False when VK hid them part way)."""
        out: list[Comment] = []
        try:
            top = yield from self._paged_comments(gid, post_id, thread_items_count=THREAD_ITEMS)
            for c in top:
                if c.get("deleted") or int(c.get("from_id", 0)) <= 0:
                    continue
                reply = yield from self._first_reply(gid, post_id, c)
                out.append(Comment(
                    external_id=f"{gid}_{post_id}_{c['id']}",
                    received_at=from_unix(c["date"]),
                    first_response_at=from_unix(reply["date"]) if reply else None,
                    text=c.get("text") or "",
                    photo_report=_has_photo(reply),
                ))
        except ApiError as e:
            if e.code not in POST_SKIP_CODES:
                raise
            return out, False
        return out, True

    def _paged_comments(self, gid: int, post_id: int, **params) -> Generator[Call, object, list[dict]]:
        out: list[dict] = []
        offset = 0
        while True:
            resp = yield "wall.getComments", {"owner_id": -gid, "post_id": post_id, "count": COMMENTS_COUNT,
                                              "offset": offset, "sort": "asc", **params}
            items = resp.get("items", [])
            out += items
            offset += len(items)
            total = resp.get("current_level_count", resp.get("count", 0))
            if not items or offset >= int(total):
                return out

    def _first_reply(self, gid: int, post_id: int, comment: dict) -> Generator[Call, object, dict | None]:
        """The community's earliest reply in the comment's thread, or None."""
        thread = comment.get("thread") or {}
        inline = thread.get("items") or []
        reply = _earliest_by(gid, inline)
        if reply is None and int(thread.get("count", 0)) > len(inline):
            replies = yield from self._paged_comments(gid, post_id, comment_id=comment["id"])
            reply = _earliest_by(gid, replies)
        return reply


def _usable(group: dict | None) -> dict | PageSkipped:
    """The group, or why it cannot be collected."""
    if group is None:
        return PageSkipped("сообщество не найдено (VK не вернул его)")
    if group.get("deactivated"):
        return PageSkipped(f"сообщество удалено или заблокировано ({group['deactivated']})")
    if group.get("is_closed"):
        return PageSkipped("сообщество закрытое или частное")
    if group.get("members_count") is None:
        return PageSkipped("VK не сообщил число подписчиков")
    return group


def _earliest_by(gid: int, replies) -> dict | None:
    own = [r for r in replies if int(r.get("from_id", 0)) == -gid and not r.get("deleted")]
    return min(own, key=lambda r: (r["date"], r["id"])) if own else None


def _count(item: dict, key: str) -> int:
    value = item.get(key)
    return int(value.get("count", 0)) if isinstance(value, dict) else 0


def _has_photo(reply: dict | None) -> bool:
    return bool(reply) and any(a.get("type") == "photo" for a in reply.get("attachments") or [])
