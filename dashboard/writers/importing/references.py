"""Matching names in a file against the database: municipalities, topics, organisations, pages.

Each matcher raises ``ValueError`` with a Russian message (and a suggestion when a
close name exists), like the cell parsers in ``importer_values``.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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

    wrapper.answered = cache.__contains__  # whether a raw value was matched already (its (type, value) key)
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


@dataclass(frozen=True)
class PageInfo:
    id: int
    platform: str
    municipality_id: int | None


class PageIndex:
    """Registered pages by (platform, external id), by their URL and by bare external id.

    Looked up in the database on demand, memoised: a file costs lookups of the pages it
    names, not a read of the whole registry (70 000 pages at national scale, each URL
    parsed). ``preload`` looks a chunk's URLs up together (one query per 500 pages); any
    other value is looked up alone. Only a value found no other way (a URL whose id is not
    the page's stored id, e.g. vk.com/name for a page stored by number) builds the map of
    every stored URL, once."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._by_key: dict[tuple[str, str], PageInfo | None] = {}
        self._by_url: dict[tuple[str, str], PageInfo] | None = None
        self._refs: dict = {}  # URL cell → its parsed reference, from preload (used once)
        self.by_url_value = memoised(self._by_url_value)
        # Held while reading the database: a chunk is checked in another thread while the
        # importer writes the chunk before it, holding this lock, on the same connection.
        self.lock = threading.RLock()

    @classmethod
    def load(cls, conn: Connection) -> "PageIndex":
        return cls(conn)

    def _key(self, platform: str, external_id: str) -> PageInfo | None:
        """The page stored as (platform, external id), external id in its stored form."""
        key = (platform, external_id)
        if key not in self._by_key:
            p = schema.page
            with self.lock:
                row = self.conn.execute(select(p.c.id, p.c.platform, p.c.municipality_id).where(
                    p.c.platform == platform, p.c.external_id == external_id)).first()
            self._by_key[key] = PageInfo(*row) if row else None
        return self._by_key[key]

    def preload(self, values: Iterable) -> None:
        """Look the pages of these URL cells up in a few queries (a chunk's worth at a time);
        values that are not page URLs are left to the row's own check, values an earlier chunk
        named are answered already (a month of stats names every page once a date: each URL
        is parsed once, not once per chunk it is in)."""
        wanted: dict[str, set[str]] = {}
        self._refs = {}  # the previous chunk's are memoised by now
        answered = self.by_url_value.answered
        for value in values:
            key = (type(value), value)
            if key in self._refs or answered(key):
                continue
            try:
                ref = parse_page_url(value)
            except (ValueError, TypeError):
                continue
            self._refs[key] = ref
            if ref is not None and (ref.platform, ref.external_id) not in self._by_key:
                wanted.setdefault(ref.platform, set()).add(ref.external_id)
        for platform, ids in sorted(wanted.items()):
            ids = sorted(ids)
            with self.lock:
                rows = bulk.by_external_id(self.conn, schema.page, ("id", "platform", "municipality_id", "external_id"),
                                           platform, ids)
            found = {ext: PageInfo(pid, pl, mun) for pid, pl, mun, ext in rows}
            self._by_key.update({(platform, ext): found.get(ext) for ext in ids})

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

    def _by_url_value(self, value) -> PageInfo | None:
        """The page a URL cell points to (None for an empty cell)."""
        key = (type(value), value)
        ref = self._refs.pop(key) if key in self._refs else parse_page_url(value)
        if ref is None:
            return None
        found = self._key(ref.platform, ref.external_id) or self._url_map().get((ref.platform, ref.external_id))
        if found is None:
            raise ValueError("страница с такой ссылкой не найдена в реестре; сначала импортируйте страницы")
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
