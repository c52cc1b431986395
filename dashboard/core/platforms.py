"""The platforms the dashboard knows: one record per platform, the single owner of what
differs between them (code, Russian label, chart colour, URL hosts and page ids, whether
residents write to it, its API collector).

The schema stores the code (``page.platform``, ``message.platform``); screens, files and
charts take the label and colour from here; the importer reads hosts, names and ids from
here; the CLI offers the platforms that have a collector.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

_NUMERIC_ID = re.compile(r"(?:club|public|event|group)?-?(\d+)")
_VK_WALL = re.compile(r"wall-(\d+)_\d+", re.I)


def _numeric_or_lower(value: str) -> str:
    """'club123', 'public123', 'event123', 'group123', '-123' → '123'; other ids lower-cased."""
    s = value.strip().lower().lstrip("@")
    m = _NUMERIC_ID.fullmatch(s)
    return m.group(1) if m else s


def _lower(value: str) -> str:
    return value.strip().lower().lstrip("@")


def _vk_path(seg: list[str]) -> str:
    """vk.com/club123, /public123, /name, or a post link /wall-123_45 (→ the community 123)."""
    wall = _VK_WALL.fullmatch(seg[0])
    return wall.group(1) if wall else seg[0]


def _ok_path(seg: list[str]) -> str:
    """ok.ru/group/123 or ok.ru/name."""
    return seg[1] if len(seg) >= 2 and seg[0].lower() == "group" else seg[0]


def _tg_path(seg: list[str]) -> str:
    """t.me/name or the web preview t.me/s/name."""
    return seg[1] if len(seg) >= 2 and seg[0].lower() == "s" else seg[0]


def _max_path(seg: list[str]) -> str:
    """max.ru/<path>: the whole path is the page's address."""
    return "/".join(seg)


@dataclass(frozen=True)
class Platform:
    code: str                     # stored in page.platform / message.platform (≤ 8 chars)
    label: str                    # Russian name on screens, in files and reports
    color: str                    # chart colour
    hosts: tuple[str, ...]        # URL hosts (without www./m./web.) named in messages
    old_hosts: tuple[str, ...]    # former hosts, still accepted in links
    aliases: tuple[str, ...]      # other names accepted in imported files (lower case)
    carries_messages: bool        # residents write to its pages (Telegram channels do not)
    collector: str | None         # the API collector in dashboard.writers.collect, if any
    normalise_id: Callable[[str], str]      # an external id as written → the stored form
    id_from_path: Callable[[list[str]], str]  # non-empty URL path segments → external id
    url_of_id: Callable[[str], str]         # stored external id → the page's usual URL


PLATFORMS: dict[str, Platform] = {p.code: p for p in (
    Platform(
        code="vk", label="ВКонтакте", color="#2a6fdb",
        hosts=("vk.com", "vk.ru"), old_hosts=("vkontakte.ru",),
        aliases=("вк", "вконтакте", "в контакте", "vkontakte"),
        carries_messages=True, collector="vk",
        normalise_id=_numeric_or_lower, id_from_path=_vk_path,
        url_of_id=lambda i: f"https://vk.com/club{i}" if i.isdigit() else f"https://vk.com/{i}",
    ),
    Platform(
        code="ok", label="Одноклассники", color="#f28c28",
        hosts=("ok.ru",), old_hosts=("odnoklassniki.ru",),
        aliases=("ок", "одноклассники", "odnoklassniki"),
        carries_messages=True, collector="ok",
        normalise_id=_numeric_or_lower, id_from_path=_ok_path,
        url_of_id=lambda i: f"https://ok.ru/group/{i}" if i.isdigit() else f"https://ok.ru/{i}",
    ),
    Platform(
        code="max", label="MAX", color="#8b5cf6",
        hosts=("max.ru",), old_hosts=(),
        aliases=("макс", "мессенджер max", "мессенджер макс"),
        carries_messages=True, collector=None,
        normalise_id=_lower, id_from_path=_max_path,
        url_of_id=lambda i: f"https://max.ru/{i}",
    ),
    # Telegram channels are broadcast-only (41-ФЗ): no residents' messages, no response norm.
    Platform(
        code="tg", label="Telegram", color="#38bdf8",
        hosts=("t.me",), old_hosts=("telegram.me",),
        aliases=("телеграм", "телеграмм", "тг", "telegram"),
        carries_messages=False, collector=None,
        normalise_id=_lower, id_from_path=_tg_path,
        url_of_id=lambda i: f"https://t.me/{i}",
    ),
)}

CODES: tuple[str, ...] = tuple(PLATFORMS)
LABELS: dict[str, str] = {p.code: p.label for p in PLATFORMS.values()}
MESSAGE_PLATFORMS: tuple[str, ...] = tuple(p.code for p in PLATFORMS.values() if p.carries_messages)
COLLECTED: tuple[str, ...] = tuple(p.code for p in PLATFORMS.values() if p.collector)
HOSTS: dict[str, str] = {host: p.code for p in PLATFORMS.values() for host in p.hosts + p.old_hosts}
_HOST_PREFIXES = ("www.", "m.", "web.")


def label(code: str) -> str:
    """The Russian name of a platform; an unknown code is shown as it is."""
    return LABELS.get(code, code)


def ordered(codes: Iterable[str]) -> list[str]:
    """Distinct codes in the registry's order (VK, OK, MAX, Telegram), unknown codes last."""
    codes = list(dict.fromkeys(codes))
    return [c for c in CODES if c in codes] + sorted(c for c in codes if c not in PLATFORMS)


@functools.lru_cache(maxsize=1024)
def host_platform(host: str) -> str | None:
    """The platform a URL host belongs to ('www.vk.com' → 'vk'), or None (memoised: a file
    names a handful of hosts thousands of times)."""
    host = (host or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
    return HOSTS.get(host)


def normalise_external_id(code: str, value: str) -> str:
    """An external id as written in a file → the form stored and compared."""
    return PLATFORMS[code].normalise_id(value)


WEB_SCHEMES = ("http", "https")
_HOST_PORT = re.compile(r"^[a-z0-9.-]+:\d+(/|$)", re.I)  # vk.com:443/club1 is a host and a port
_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_WEB_SCHEME = re.compile(r"^https?://", re.I)
# The usual page URL: http(s), a plain ASCII host (no user, port or brackets), a path, no
# query or fragment. For these urlsplit's host is the host lower-cased and its path the rest,
# so page_ref reads them off this match; any other URL goes through urlsplit. A national file
# names ~9 000 distinct pages: 7.7 → 2.4 µs a URL with the compiled patterns and the memoised
# host (tests/test_page_urls.py checks the two ways agree).
_PLAIN_URL = re.compile(r"https?://([a-z0-9.-]+)(/[^?#]*)?", re.I | re.A)


def safe_link(url) -> str | None:
    """``url`` if a browser may open it from a link (an http or https address), else None.

    The importer accepts nothing else (page_ref), but the link columns of tables take their
    URLs through this too, so a row written by an older version or by hand never hands
    ``javascript:`` (or any other scheme) to the browser."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    if re.search(r"\s", u) or urlsplit(u).scheme.lower() not in WEB_SCHEMES or not urlsplit(u).netloc:
        return None
    return u


@dataclass(frozen=True)
class PageRef:
    """Where a page URL points: platform and external id (equal for equal pages)."""

    platform: str
    external_id: str
    url: str   # as written, with https:// added when missing


def page_ref(url: str) -> PageRef:
    """A page URL on one of the platforms' hosts → PageRef; ValueError (Russian) otherwise.
    Only http(s): ``javascript:``, ``data:`` and other schemes are refused, so a stored page
    URL is always safe to open from a link.

    VK: vk.com/club123, /public123 or a post link /wall-123_45 → '123', vk.com/name → 'name'.
    OK: ok.ru/group/123 → '123', ok.ru/name → 'name'. Telegram: t.me/name (or /s/name).
    MAX: max.ru/<path> → the path.
    """
    u = url.strip()
    if _SPACE.search(u):
        raise ValueError("в ссылке не должно быть пробелов")
    plain = _PLAIN_URL.fullmatch(u)
    if plain:
        host, path = plain.group(1).lower(), plain.group(2) or ""
    else:
        scheme = _SCHEME.match(u)
        if scheme and scheme.group(1).lower() not in WEB_SCHEMES and not _HOST_PORT.match(u):
            raise ValueError("ссылка должна начинаться с https:// или http://")
        if not _WEB_SCHEME.match(u):
            u = "https://" + u
        parts = urlsplit(u)
        host, path = parts.hostname or "", parts.path
    code = host_platform(host)
    if code is None:
        hosts = [host for p in PLATFORMS.values() for host in p.hosts]
        raise ValueError(f"ссылка должна вести на {', '.join(hosts[:-1])} или {hosts[-1]}")
    segments = [s for s in path.split("/") if s]
    if not segments:
        raise ValueError("в ссылке нет адреса страницы (после имени сайта)")
    platform = PLATFORMS[code]
    return PageRef(code, platform.normalise_id(platform.id_from_path(segments)), u)
