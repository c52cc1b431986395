"""OK (Одноклассники): subscribers of registered pages through ``group.getInfo``.

Requests are signed as the OK REST API requires: ``sig`` is the MD5 of the
parameters (without ``access_token``) sorted by name and joined as ``k=v``,
followed by the session secret ``md5(access_token + application secret key)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime

from dashboard.writers.collect.client import ApiError, JsonClient
from dashboard.writers.collect.runner import (
    PageData,
    PageSkipped,
    Seen,
    Target,
    chunked,
    lookup_batch,
)

BATCH = 100  # group.getInfo uids per request
RETRY_CODES = (2, 8)  # SERVICE (temporarily unavailable), FLOOD_BLOCKED
SKIP_REASONS = {
    100: "неверный идентификатор группы",
    300: "группа не найдена",
}


def ok_error(payload: object) -> tuple[int, str] | None:
    """``(code, message)`` of an OK error response, else None."""
    if isinstance(payload, dict) and "error_code" in payload:
        return int(payload["error_code"]), str(payload.get("error_msg", ""))
    return None


def make_client(**options) -> JsonClient:
    return JsonClient(error_of=ok_error, retry_codes=RETRY_CODES, **options)


def skip_reason(e: ApiError) -> str:
    return f"{SKIP_REASONS.get(e.code, 'ошибка API')} (ошибка OK {e.code}: {e.api_message})"


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def signature(params: Mapping[str, object], access_token: str, secret_key: str) -> str:
    """OK request signature (lower-case hex MD5)."""
    body = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("access_token", "sig"))
    return md5(body + md5(access_token + secret_key))


class OkSource:
    """Collects registered OK pages through ``client``."""

    name = "ok"
    platform = "ok"
    label = "Одноклассники"

    def __init__(self, api_url: str, access_token: str, application_key: str, secret_key: str,
                 client: JsonClient):
        self.api_url = api_url
        self.access_token = access_token
        self.application_key = application_key
        self.secret_key = secret_key
        self.client = client

    def call(self, method: str, **params) -> object:
        signed = {"application_key": self.application_key, "format": "json", "method": method, **params}
        signed["sig"] = signature(signed, self.access_token, self.secret_key)
        signed["access_token"] = self.access_token
        return self.client.call(self.api_url, signed, method)

    def fetch(self, targets: list[Target], since: datetime, seen: Seen
              ) -> Iterator[tuple[Target, PageData | PageSkipped]]:
        """Subscribers only (no wall is read, so ``since`` and ``seen`` do not apply)."""
        for batch in chunked(targets, BATCH):
            groups = lookup_batch(batch, self._groups, SKIP_REASONS, skip_reason)
            for target in batch:
                yield target, groups[target.page_id]

    def _groups(self, batch: list[Target]) -> dict[int, PageData | PageSkipped]:
        resp = self.call("group.getInfo", uids=",".join(t.external_id.strip() for t in batch),
                         fields="uid,name,members_count")
        groups = resp.get("groups", []) if isinstance(resp, dict) else resp
        found = {str(g.get("uid")): g for g in groups}
        return {t.page_id: _page_data(found.get(t.external_id.strip())) for t in batch}


def _page_data(group: dict | None) -> PageData | PageSkipped:
    if group is None:
        return PageSkipped("группа не найдена или удалена (OK не вернул её)")
    if group.get("members_count") is None:
        return PageSkipped("OK не сообщил число участников")
    return PageData(subscribers=int(group["members_count"]))
