"""Local fake VK and OK APIs for the collection tests (http.server on 127.0.0.1).

One server answers both: ``{base}/method/<name>`` in VK format and ``{base}/fb.do``
(``method`` parameter) in OK format. Tests fill ``FakeApi`` with canned groups,
walls and comment threads, and inject failures:

- ``fail(method, code, times=1)``: the next ``times`` calls of ``method`` answer error ``code``;
- ``deny(method, group, code)``: every call of ``method`` for that group answers ``code``;
- ``drop(method, times=1)``: the next calls of ``method`` close the connection unanswered;
- ``page_size``: at most this many items per list response (forces paging).

With ``auto=True`` any group asked for that is not canned is invented on the fly
(subscribers from its id, two recent posts, a comment answered after 45 minutes and
one unanswered), so ``python -m tests.fakeapi --port 8765`` can stand in for VK and
OK when trying ``python -m dashboard collect`` on any registry (see the README, "Collection from VK and OK").

VK's ``execute`` is answered for code of the form ``return [API.m1({json}),API.m2({json}),…];``
(what the collector sends): each inner call is answered as if requested alone and logged in
``calls`` with the request's ``v`` and ``access_token``; an inner call that fails
(``deny``) gives ``false`` and an entry in ``execute_errors``; a ``drop`` or ``fail`` queued
for an inner method applies to the whole request, as VK's rate limits and network faults do.

Every API call is logged in ``calls`` as ``(method, params)``; every HTTP request's method
(``execute`` for a batch) in ``requests``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class FakeApi:
    vk_groups: dict[int, dict] = field(default_factory=dict)       # id → group object
    walls: dict[int, list[dict]] = field(default_factory=dict)      # id → posts, newest first
    # (group id, post id) → top-level comments; each may carry "replies": [...] (its thread)
    comments: dict[tuple[int, int], list[dict]] = field(default_factory=dict)
    ok_groups: dict[str, dict] = field(default_factory=dict)        # uid → group object
    page_size: int = 100
    auto: bool = False
    calls: list[tuple[str, dict]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""
    _fail: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _drop: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _deny: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def vk_url(self) -> str:
        return f"{self.base_url}/method"

    @property
    def ok_url(self) -> str:
        return f"{self.base_url}/fb.do"

    # --- failure injection ---

    def fail(self, method: str, code: int, times: int = 1) -> None:
        self._fail[method] += [code] * times

    def drop(self, method: str, times: int = 1) -> None:
        self._drop[method] += times

    def deny(self, method: str, group: int | str, code: int) -> None:
        self._deny[(method, str(group))] = code

    def methods(self) -> list[str]:
        """Names of the methods called, in order."""
        return [m for m, _ in self.calls]

    # --- dispatch ---

    def answer(self, method: str, params: dict) -> dict | None:
        """The JSON body for one call, or None to drop the connection."""
        if method == "execute":
            return self._execute(params)
        with self._lock:
            self.calls.append((method, params))
            if self._drop[method]:
                self._drop[method] -= 1
                return None
            if self._fail[method]:
                return self._error(method, self._fail[method].pop(0))
        group = params.get("owner_id", params.get("group_ids", params.get("uids", ""))).lstrip("-")
        for g in group.split(","):
            if (method, g) in self._deny:
                return self._error(method, self._deny[(method, g)])
        handler = {
            "groups.getById": self._groups_get_by_id,
            "wall.get": self._wall_get,
            "wall.getComments": self._wall_get_comments,
            "group.getInfo": self._group_get_info,
        }[method]
        return handler(params)

    _API_CALL = re.compile(r"API\.([\w.]+)\(")

    def _execute(self, params: dict) -> dict | None:
        body = params["code"].strip().removeprefix("return [").removesuffix("];")
        calls, pos, decoder = [], 0, json.JSONDecoder()
        while pos < len(body):
            m = self._API_CALL.match(body, pos)
            if m is None:
                return {"error": {"error_code": 12, "error_msg": f"fake VK: cannot parse code at {pos}"}}
            args, end = decoder.raw_decode(body, m.end())
            calls.append((m.group(1), args))
            pos = end + 1 + (body[end + 1:end + 2] == ",")
        if len(calls) > 25:
            return self._error("execute", 13)
        with self._lock:
            for method, _ in calls:
                if self._drop[method]:
                    self._drop[method] -= 1
                    return None
            for method, _ in calls:
                if self._fail[method]:
                    return self._error("execute", self._fail[method].pop(0))
        responses, errors = [], []
        for method, args in calls:
            inner = {**{k: str(v) for k, v in args.items()}, "v": params.get("v", ""),
                     "access_token": params.get("access_token", "")}
            payload = self.answer(method, inner)
            if "error" in payload:
                responses.append(False)
                errors.append({"method": method, **payload["error"]})
            else:
                responses.append(payload["response"])
        return {"response": responses, **({"execute_errors": errors} if errors else {})}

    @staticmethod
    def _error(method: str, code: int) -> dict:
        if "." in method and method.split(".")[0] == "group":  # OK format
            return {"error_code": code, "error_msg": f"fake OK error {code}", "error_data": None}
        return {"error": {"error_code": code, "error_msg": f"fake VK error {code}", "request_params": []}}

    def _page(self, items: list, params: dict) -> list:
        offset = int(params.get("offset", 0))
        count = min(int(params.get("count", 20)), self.page_size)
        return items[offset:offset + count]

    def _groups_get_by_id(self, params: dict) -> dict:
        ids = [int(x) for x in params["group_ids"].split(",") if x.isdigit()]
        if self.auto:
            for gid in ids:
                if gid not in self.vk_groups:
                    self._invent_vk(gid)
        return {"response": {"groups": [self.vk_groups[i] for i in ids if i in self.vk_groups],
                             "profiles": []}}

    def _wall_get(self, params: dict) -> dict:
        posts = self.walls.get(-int(params["owner_id"]), [])
        return {"response": {"count": len(posts), "items": self._page(posts, params)}}

    def _wall_get_comments(self, params: dict) -> dict:
        key = (-int(params["owner_id"]), int(params["post_id"]))
        top = self.comments.get(key, [])
        if "comment_id" in params:
            parent = next(c for c in top if c["id"] == int(params["comment_id"]))
            replies = parent.get("replies", [])
            return {"response": {"count": len(replies), "current_level_count": len(replies),
                                 "items": self._page(replies, params)}}
        n_thread = int(params.get("thread_items_count", 0))
        items = []
        for c in self._page(top, params):
            c = dict(c)
            replies = c.pop("replies", [])
            c["thread"] = {"count": len(replies), "items": replies[:n_thread], "can_post": True}
            items.append(c)
        total = len(top) + sum(len(c.get("replies", [])) for c in top)
        return {"response": {"count": total, "current_level_count": len(top), "items": items}}

    def _group_get_info(self, params: dict) -> list:
        if self.auto:
            for uid in params["uids"].split(","):
                if uid.isdigit() and uid not in self.ok_groups:
                    self.ok_groups[uid] = {"uid": uid, "name": f"Группа {uid}",
                                           "members_count": 500 + int(uid) % 5000}
        return [self.ok_groups[u] for u in params["uids"].split(",") if u in self.ok_groups]


    def _invent_vk(self, gid: int) -> None:
        now = int(time.time())
        self.vk_groups[gid] = {"id": gid, "name": f"Сообщество {gid}", "screen_name": f"club{gid}",
                               "is_closed": 0, "members_count": 1000 + gid % 9000, "verified": 1}
        day_ago = now - 86400
        self.walls[gid] = [
            {"id": 2, "date": now - 7200, "views": {"count": 120}, "likes": {"count": 7},
             "comments": {"count": 0}, "reposts": {"count": 1}},
            {"id": 1, "date": day_ago, "views": {"count": 340}, "likes": {"count": 21},
             "comments": {"count": 3}, "reposts": {"count": 2}},
        ]
        self.comments[(gid, 1)] = [
            {"id": 10, "from_id": 1001, "date": day_ago + 600, "text": "Когда отремонтируют дорогу?",
             "replies": [{"id": 11, "from_id": -gid, "date": day_ago + 600 + 45 * 60,
                          "text": "Ремонт запланирован на следующую неделю"}]},
            {"id": 12, "from_id": 1002, "date": day_ago + 1200, "text": "Не вывозят мусор"},
        ]


class _Handler(BaseHTTPRequestHandler):
    api: FakeApi

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
        params = dict(parse_qsl(body, keep_blank_values=True))
        if self.path.startswith("/method/"):
            method = self.path.removeprefix("/method/")
        elif self.path == "/fb.do":
            method = params.get("method", "")
        else:
            self.send_error(404)
            return
        with self.api._lock:
            self.api.requests.append(method)
        payload = self.api.answer(method, params)
        if payload is None:
            self.close_connection = True  # reply with nothing: the client sees a dropped connection
            return
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output clean
        pass


def _server(api: FakeApi, port: int) -> ThreadingHTTPServer:
    """An HTTP server for ``api`` on 127.0.0.1 (port 0: any free port); sets ``api.base_url``."""
    server = ThreadingHTTPServer(("127.0.0.1", port), type("Handler", (_Handler,), {"api": api}))
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    return server


@contextmanager
def serve(api: FakeApi | None = None):
    """Run ``api`` on 127.0.0.1 (random port) for the duration of the block."""
    api = api or FakeApi()
    server = _server(api, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class FakeClock:
    """A monotonic clock that only moves when someone sleeps; records every sleep."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def backoffs(self) -> list[float]:
        """Sleeps of a second or more: the retry backoffs (rate-limit waits are shorter)."""
        return [s for s in self.sleeps if s >= 1]


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.fakeapi [--port N]``: serve invented VK and OK data until Ctrl+C."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.fakeapi", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    port = parser.parse_args(argv).port
    api = FakeApi(auto=True)
    server = _server(api, port)
    print(f"VK_API_URL={api.vk_url} OK_API_URL={api.ok_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
