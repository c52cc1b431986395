"""Matching names in a file against the database: municipalities, topics, organisations, pages.

Each matcher raises ``ValueError`` with a Russian message (and a suggestion when a
close name exists), like the cell parsers in ``importer_values``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.platforms import CODES, normalise_external_id
from dashboard.writers.importing import bulk
from dashboard.writers.importing.values import (
    norm,
    parse_page_url,
    text,
)

# Words that do not tell municipalities apart: "Баганский р-н", "Баганский муниципальный
# округ" and "Баганский район" are one unit; so are "г. Бердск" and "городской округ город Бердск".
_GENERIC = {
    "район", "р", "н", "рн", "мр", "город", "г", "гор", "городской", "округ", "го", "мо", "муниципальный",
    "муниципальное", "образование", "рабочий", "поселок", "рп", "пгт", "п", "новосибирской", "области", "нсо",
}
# Values meaning "a regional body, no municipality".
REGIONAL_WORDS = {
    "область", "новосибирская область", "нсо", "регион", "региональный", "региональный уровень",
    "областной", "областной уровень", "правительство новосибирской области",
}


def memoised(fn: Callable) -> Callable:
    """Cache a matcher's answer per raw value (files repeat the same page or topic a lot)."""
    cache: dict = {}

    def wrapper(value):
        key = (type(value), value)
        if key not in cache:
            try:
                cache[key] = (True, fn(value))
            except ValueError as e:
                cache[key] = (False, str(e))
        ok, answer = cache[key]
        if not ok:
            raise ValueError(answer)
        return answer

    return wrapper


def municipality_core(name: str) -> str:
    """The distinguishing part of a municipality name: 'г. Бердск' → 'бердск'."""
    return " ".join(w for w in norm(name).split() if w not in _GENERIC)


class MunicipalityMatcher:
    """The 35 municipalities by name, official name, a shortened name or OKTMO."""

    def __init__(self, rows: list[tuple[int, str, str, str]]):
        """rows: (id, name, name_official, oktmo)."""
        self.names = {mid: name for mid, name, _, _ in rows}
        self.by_key: dict[str, int] = {}
        self.by_oktmo = {oktmo: mid for mid, _, _, oktmo in rows}
        cores: dict[str, set[int]] = {}
        for mid, name, official, _ in rows:
            for s in (name, official):
                self.by_key[norm(s)] = mid
                cores.setdefault(municipality_core(s), set()).add(mid)
        self.by_core = {k: ids.pop() for k, ids in cores.items() if len(ids) == 1 and k}

    @classmethod
    def load(cls, conn: Connection) -> "MunicipalityMatcher":
        m = schema.municipality
        return cls([tuple(r) for r in conn.execute(select(m.c.id, m.c.name, m.c.name_official, m.c.oktmo))])

    def match_oktmo(self, value) -> int | None:
        s = text(value)
        if s is None:
            return None
        digits = re.sub(r"\D", "", s)
        if len(digits) == 11:  # a settlement's code: the unit is its first 8 digits
            digits = digits[:8]
        if digits in self.by_oktmo:
            return self.by_oktmo[digits]
        raise ValueError("нет муниципалитета Новосибирской области с таким кодом ОКТМО")

    def match(self, value) -> int | None:
        """Municipality id; None for an empty cell or a regional body ("Область")."""
        s = text(value)
        if s is None or norm(s) in REGIONAL_WORDS:
            return None
        if re.fullmatch(r"[\d\s]{8,14}", s):
            return self.match_oktmo(s)
        key = norm(s)
        found = self.by_key.get(key) or self.by_core.get(municipality_core(s))
        if found:
            return found
        hint = difflib.get_close_matches(municipality_core(s), list(self.by_core), n=1, cutoff=0.75)
        suggestion = f"; возможно, «{self.names[self.by_core[hint[0]]]}»" if hint else ""
        raise ValueError("муниципалитет не найден среди 35 муниципалитетов Новосибирской области"
                         f" (для региональных органов оставьте пусто или «Область»){suggestion}")


# Extra topic names seen in ЦУР reports, by topic code.
TOPIC_ALIASES = {
    "roads": ("Дорожное хозяйство", "Дороги и тротуары", "Ремонт дорог", "Дорожная деятельность"),
    "housing": ("Жилищно-коммунальное хозяйство", "МКД", "Многоквартирные дома", "Жилье"),
    "improvement": ("Благоустройство территории", "Благоустройство дворов", "Освещение"),
    "waste": ("ТКО", "Вывоз ТКО", "Мусор", "Отходы"),
    "transport": ("Транспорт", "Пассажирские перевозки"),
    "health": ("Медицина", "Здоровье"),
    "education": ("Школы", "Детские сады"),
    "social": ("Социальная сфера", "Соцзащита", "Социальное обслуживание"),
    "snow": ("Уборка снега", "Снег", "Зимнее содержание"),
    "heat_water": ("Теплоснабжение", "Водоснабжение", "Отопление", "ЖКУ: тепло и вода"),
    "other": ("Другое", "Иное", "Разное"),
}


class TopicMatcher:
    """Topics by name, code or a known alias."""

    def __init__(self, rows: list[tuple[int, str, str]]):
        """rows: (id, code, name) in display order."""
        self.names = [name for _, _, name in rows]
        self.by_key: dict[str, int] = {}
        ids = {code: tid for tid, code, _ in rows}
        for tid, code, name in rows:
            self.by_key[norm(code)] = tid
            self.by_key[norm(name)] = tid
        for code, aliases in TOPIC_ALIASES.items():
            for alias in aliases:
                if code in ids:
                    self.by_key.setdefault(norm(alias), ids[code])
        self.other = ids.get("other")
        self.match = memoised(self._match)

    @classmethod
    def load(cls, conn: Connection) -> "TopicMatcher":
        t = schema.topic
        rows = conn.execute(select(t.c.id, t.c.code, t.c.name).order_by(t.c.sort_order, t.c.id))
        return cls([tuple(r) for r in rows])

    def _match(self, value) -> int | None:
        """Topic id; an empty cell is «Прочее»."""
        s = text(value)
        if s is None:
            return self.other
        found = self.by_key.get(norm(s))
        if found is None:
            names = ", ".join(f"«{n}»" for n in self.names)
            raise ValueError(f"неизвестная тема; допустимые темы: {names}")
        return found


class PageInfo(NamedTuple):
    id: int
    platform: str
    municipality_id: int | None


UNKNOWN = object()  # not looked up yet
_PLATFORM_AT = {code: i for i, code in enumerate(CODES)}


def _digest(kind: bytes, text: str) -> bytes:
    """The 16 bytes a PageMemo knows a looked-up text by: a URL cell (``kind`` b"u") or a
    platform and external id (b"k")."""
    return hashlib.blake2b(kind + text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class PageMemo:
    """Answers of page lookups kept for the rest of a file, compactly: each by the 16-byte
    BLAKE2 digest of what was looked up, in a sorted numpy array, with the page's id,
    platform and municipality in arrays beside it — 33 bytes an answer, where Python objects
    (the cell's text, key tuples, a PageInfo, dict slots) took about 600 bytes a page: 150 MB
    for a stats file naming 250 000 pages. A digest stands for one text (two texts of one
    file sharing 128 bits is not to be expected), so an answer is exact, not a guess."""

    def __init__(self) -> None:
        # (digests, page ids or -1 for no such page, platforms' places in CODES, municipality ids
        # or -1 for none), replaced as one value: a reader never sees arrays of different lengths
        self._arrays = (np.empty(0, dtype="S16"), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8),
                        np.empty(0, dtype=np.int64))
        # Answers not merged into the arrays yet: merging copies them (np.insert), so answers
        # learnt one at a time (a file keyed by platform and ID, looked up page by page) wait
        # here and are merged MERGE_AT at a time, not one by one (quadratic in the pages).
        self._pending: dict[bytes, PageInfo | None] = {}

    MERGE_AT = 4096

    def __len__(self) -> int:
        self.flush()
        return len(self._arrays[0])

    def get(self, digests: list[bytes]) -> list:
        """For each digest its page (PageInfo), None (looked up: no such page) or UNKNOWN."""
        known, ids, platforms, municipalities = self._arrays
        pending = self._pending
        out: list = [pending.get(d, UNKNOWN) for d in digests] if pending else [UNKNOWN] * len(digests)
        if not digests or not len(known):
            return out
        wanted = np.array(digests, dtype="S16")
        at = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
        hits = np.flatnonzero(known[at] == wanted)
        at = at[hits]
        for i, pid, platform, mun in zip(hits.tolist(), ids[at].tolist(), platforms[at].tolist(),
                                         municipalities[at].tolist()):
            out[i] = None if pid < 0 else PageInfo(pid, CODES[platform], None if mun < 0 else mun)
        return out

    def add(self, digests: list[bytes], pages: list[PageInfo | None]) -> None:
        """Remember these answers (a digest known already keeps its answer)."""
        for digest, page in zip(digests, pages):
            self._pending.setdefault(digest, page)
        if len(self._pending) >= self.MERGE_AT:
            self.flush()

    def flush(self) -> None:
        """Merge the pending answers into the arrays (a reader meanwhile may miss one of them
        and look it up again: a query more, not a wrong answer)."""
        pending = list(self._pending.items())  # one step under the GIL: another thread may add
        entries = [(d, p) for d, p in pending if p is None or p.platform in _PLATFORM_AT]
        if not entries:
            self._pending = {}
            return
        known, ids, platforms, municipalities = self._arrays
        new, first = np.unique(np.array([d for d, _ in entries], dtype="S16"), return_index=True)
        pages = [entries[i][1] for i in first.tolist()]
        at = np.searchsorted(known, new)
        fresh = known[np.minimum(at, len(known) - 1)] != new if len(known) else np.ones(len(new), dtype=bool)
        pages = [p for p, f in zip(pages, fresh.tolist()) if f]
        new, at = new[fresh], at[fresh]
        self._arrays = (
            np.insert(known, at, new),
            np.insert(ids, at, np.array([-1 if p is None else p.id for p in pages], dtype=np.int64)),
            np.insert(platforms, at, np.array([0 if p is None else _PLATFORM_AT[p.platform] for p in pages],
                                              dtype=np.int8)),
            np.insert(municipalities, at, np.array(
                [-1 if p is None or p.municipality_id is None else p.municipality_id for p in pages],
                dtype=np.int64)),
        )
        self._pending = {}


class Recalled(NamedTuple):
    """A chunk's URL cells as ``PageIndex.recall`` found them in the memo."""

    pages: dict   # (str, cell) → PageInfo: the cells an earlier chunk named
    others: list  # (cell, its digest): the cells to look up


class PageIndex:
    """Registered pages by (platform, external id), by their URL and by bare external id.

    Looked up in the database on demand: a file costs lookups of the pages it names, not a
    read of the whole registry (70 000 pages at national scale, each URL parsed).
    ``preload`` looks a chunk's URLs up together (one query per 500 pages); any other value
    is looked up alone. Only a value found no other way (a URL whose id is not the page's
    stored id, e.g. vk.com/name for a page stored by number) builds the map of every stored
    URL, once.

    What a chunk looked up is kept as objects until the next chunk's ``preload`` (the
    importer calls it once a chunk, after the check of the one before, with what ``recall``
    found of the chunk's URL cells in the checking thread); what the rest of
    the file needs of it — the pages its URL cells and ids were found to be — in a PageMemo,
    33 bytes an answer: a stats file names every page once a date, and its URLs are parsed
    and looked up once, not once a chunk, in memory that does not grow by objects per page."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._memo = PageMemo()
        self._chunk: dict = {}  # (type, cell) → PageInfo, None (an empty cell) or the problem's text
        self._keys: dict[tuple[str, str], PageInfo | None] = {}  # this chunk's (platform, external id) → page
        self._by_url: dict[tuple[str, str], PageInfo] | None = None
        # Held while reading the database: a chunk is checked in another thread while the
        # importer writes the chunk before it, holding this lock, on the same connection.
        self.lock = threading.RLock()

    @classmethod
    def load(cls, conn: Connection) -> "PageIndex":
        return cls(conn)

    def _key(self, platform: str, external_id: str) -> PageInfo | None:
        """The page stored as (platform, external id), external id in its stored form."""
        key = (platform, external_id)
        if key in self._keys:
            return self._keys[key]
        digest = _digest(b"k", f"{platform}\0{external_id}")
        found = self._memo.get([digest])[0]
        if found is UNKNOWN:
            p = schema.page
            with self.lock:
                row = self.conn.execute(select(p.c.id, p.c.platform, p.c.municipality_id).where(
                    p.c.platform == platform, p.c.external_id == external_id)).first()
            found = PageInfo(*row) if row else None
            self._memo.add([digest], [found])
        self._keys[key] = found
        return found

    def recall(self, values: Iterable) -> Recalled:
        """These URL cells (a chunk's, distinct) split into the pages the memo knows them to
        be and the cells to look up (with their digests): what ``preload`` takes. Reads no
        database, so the importer runs it in the checking thread while the chunk before is
        written (after that chunk's check, so the memo holds all the file's chunks before)."""
        cells = [v for v in values if v.__class__ is str]
        digests = [_digest(b"u", v) for v in cells]
        known, others = {}, []
        for cell, digest, found in zip(cells, digests, self._memo.get(digests)):
            if found is UNKNOWN:
                others.append((cell, digest))
            else:
                known[(str, cell)] = found
        return Recalled(known, others)

    def preload(self, values: Recalled | Iterable) -> None:
        """Start a chunk: look the pages of its URL cells (or what ``recall`` left of them) up
        in a few queries. Cells an earlier chunk named are answered by the memo (a month of
        stats names every page once a date: each URL is parsed once, not once per chunk it is
        in); cells that are not page URLs are left to the row's own check."""
        recalled = values if isinstance(values, Recalled) else self.recall(values)
        self._chunk, self._keys = recalled.pages, {}
        refs = {}
        wanted: dict[str, set[str]] = {}
        for cell, digest in recalled.others:
            try:
                ref = parse_page_url(cell)
            except (ValueError, TypeError):
                continue
            if ref is not None:
                refs[cell] = (digest, ref)
                wanted.setdefault(ref.platform, set()).add(ref.external_id)
        for platform, ids in sorted(wanted.items()):
            ids = sorted(ids)
            with self.lock:
                rows = bulk.by_external_id(self.conn, schema.page, ("id", "platform", "municipality_id", "external_id"),
                                           platform, ids)
            found = {ext: PageInfo(pid, pl, mun) for pid, pl, mun, ext in rows}
            self._keys.update({(platform, ext): found.get(ext) for ext in ids})
        learnt, pages = [], []
        for cell, (digest, ref) in refs.items():
            page = self._keys[(ref.platform, ref.external_id)]
            if page is not None:  # else by_url_value looks further, or words the problem
                self._chunk[(str, cell)] = page
                learnt.append(digest)
                pages.append(page)
        self._memo.add(learnt, pages)

    def _url_map(self) -> dict[tuple[str, str], PageInfo]:
        if self._by_url is None:
            p = schema.page
            self._by_url = {}
            with self.lock:
                rows = self.conn.execute(
                    select(p.c.id, p.c.platform, p.c.url, p.c.municipality_id).order_by(p.c.id)).all()
            for pid, platform, url, mun in rows:
                try:
                    ref = parse_page_url(url)
                except ValueError:
                    ref = None
                if ref is not None:
                    self._by_url.setdefault((ref.platform, ref.external_id), PageInfo(pid, platform, mun))
        return self._by_url

    def by_url_value(self, value) -> PageInfo | None:
        """The page a URL cell points to (None for an empty cell); ValueError (Russian) when
        it is not a page URL or no registered page has it."""
        key = (type(value), value)
        answer = self._chunk.get(key, UNKNOWN)
        if answer is UNKNOWN:
            answer = self._chunk[key] = self._answer(value)
        if answer.__class__ is str:
            raise ValueError(answer)
        return answer

    def _answer(self, value) -> PageInfo | str | None:
        """by_url_value's answer for a cell the chunk has not met: the page, None, or the problem."""
        digest = _digest(b"u", value) if value.__class__ is str else None
        if digest is not None and (found := self._memo.get([digest])[0]) is not UNKNOWN:
            return found
        try:
            ref = parse_page_url(value)
            if ref is None:
                return None
            found = self._key(ref.platform, ref.external_id) or self._url_map().get((ref.platform, ref.external_id))
            if found is None:
                raise ValueError("страница с такой ссылкой не найдена в реестре; сначала импортируйте страницы")
        except ValueError as e:
            return str(e)
        if digest is not None:
            self._memo.add([digest], [found])
        return found

    def by_external_id(self, value, platform: str | None) -> PageInfo | None:
        s = text(value)
        if s is None:
            return None
        if platform:
            found = self._key(platform, normalise_external_id(platform, s))
            candidates = [found] if found else []
        else:
            candidates = {info.id: info for p in CODES
                          for info in [self._key(p, normalise_external_id(p, s))] if info}
            candidates = list(candidates.values())
        if not candidates:
            raise ValueError("страница с таким ID не найдена в реестре; сначала импортируйте страницы")
        if len(candidates) > 1:
            raise ValueError("такой ID есть у страниц на разных площадках — добавьте столбец «Площадка» "
                             "или укажите ссылку")
        return candidates[0]
