"""Reading one data row with error collection, and the problems list of a whole file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from dashboard.core.formatting import num, plural
from dashboard.writers.importing.columns import Header
from dashboard.writers.importing.references import (
    MunicipalityMatcher,
    PageIndex,
    PageInfo,
    TopicMatcher,
)
from dashboard.writers.importing.values import parse_platform, text

MAX_ERRORS_SHOWN = 50
MAX_KINDS = 20       # kinds of problem tallied per file (a column and a message); the rest counted together
ROWS_PER_KIND = 5    # rows named for each kind
_VALUE_SHOWN_CHARS = 80


def shown_value(v) -> str:
    """A cell value as the user would recognise it in the file."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%d.%m.%Y %H:%M:%S").removesuffix(" 00:00:00")
    if isinstance(v, date):
        return v.strftime("%d.%m.%Y")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s if len(s) <= _VALUE_SHOWN_CHARS else s[:_VALUE_SHOWN_CHARS - 1] + "…"


@dataclass(frozen=True)
class RowError:
    """One problem: row number as in Excel (None: the file as a whole), column header, value."""

    row: int | None
    column: str | None
    value: str | None
    message: str

    def text(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        if self.value is not None and self.column:
            where.append(f"значение «{self.value}»" if self.value else "пусто")
        prefix = ", ".join(where)
        message = self.message if self.message.endswith((".", "?", "!", "»")) else self.message + "."
        return f"{prefix}: {message}" if prefix else message


@dataclass
class ProblemKind:
    """One kind of problem in a file (the same message in the same column): how many rows
    have it, the first few of them and the first value, so ten thousand rows with one wrong
    date format read as one line, not as a page of identical ones."""

    column: str | None
    message: str
    count: int = 0
    rows: list[int] = field(default_factory=list)  # the first ROWS_PER_KIND
    example: str | None = None

    def where(self) -> str:
        """«строки 2, 3, 4, 5, 6 и ещё 9 995» / «строка 7» / «» (the file as a whole)."""
        if not self.rows:
            return ""
        listed = ", ".join(str(r) for r in self.rows)
        more = self.count - len(self.rows)
        head = "строка" if self.count == 1 else "строки"
        return f"{head} {listed}" + (f" и ещё {num(more)} {plural(more, 'строка', 'строки', 'строк')}"
                                      if more > 0 else "")

    def text(self) -> str:
        """One line of the report: «столбец «Дата поступления», 10 000 раз (строки 2, 3, … и ещё 9 995):
        ожидалась дата…»."""
        where = [f"столбец «{self.column}»"] if self.column else []
        where.append(f"{num(self.count)} {plural(self.count, 'раз', 'раза', 'раз')}")
        rows = self.where()
        return f"{', '.join(where)}{f' ({rows})' if rows else ''}: {self.message}"


class Problems:
    """All problems of a file: the first MAX_ERRORS_SHOWN kept, every one counted, and
    tallied by kind (``kinds``; the first MAX_KINDS kinds, problems of any further kind in
    ``other_kinds``)."""

    def __init__(self, limit: int = MAX_ERRORS_SHOWN):
        self.limit = limit
        self.shown: list[RowError] = []
        self.count = 0
        self.rows: set[int] = set()
        self.kinds: dict[tuple[str | None, str], ProblemKind] = {}
        self.other_kinds = 0

    def add(self, row: int | None, column: str | None, value, message: str) -> None:
        self.count += 1
        if row is not None:
            self.rows.add(row)
        shown = None if value is None else shown_value(value)
        if len(self.shown) < self.limit:
            self.shown.append(RowError(row, column, shown, message))
        kind = self.kinds.get((column, message))
        if kind is None:
            if len(self.kinds) >= MAX_KINDS:
                self.other_kinds += 1
                return
            kind = self.kinds[column, message] = ProblemKind(column, message, example=shown or None)
        kind.count += 1
        if row is not None and len(kind.rows) < ROWS_PER_KIND:
            kind.rows.append(row)

    def __bool__(self) -> bool:
        return self.count > 0


class HeldProblems(Problems):
    """A chunk's problems found ahead of their turn (its check runs while the chunk before it
    is still being written): kept back until ``release``, then added to the file's problems
    and from then on passed straight to them — so the file's list is in the same order, and
    a chunk is written or not on the same grounds, as if the chunks were checked one after
    the other."""

    def __init__(self):
        super().__init__()
        self._held: list[tuple] = []
        self._to: Problems | None = None

    def add(self, row: int | None, column: str | None, value, message: str) -> None:
        self.count += 1
        if self._to is None:
            self._held.append((row, column, value, message))
        else:
            self._to.add(row, column, value, message)

    def release(self, to: Problems) -> None:
        for problem in self._held:
            to.add(*problem)
        self._held, self._to = [], to


@dataclass
class Context:
    """What rows are checked against: time zone and the reference data in the database."""

    tz: ZoneInfo
    municipalities: MunicipalityMatcher
    topics: TopicMatcher
    pages: PageIndex
    # Messages on PostgreSQL: whether the check builds a chunk's clean rows as new rows ahead
    # of its plan (kinds.MessagesKind.check_chunk): yes while the chunks written hold no stored
    # message; a chunk that does says the file repeats stored rows (a cumulative export).
    new_ahead: bool = True


class RowReader:
    """Cells of one data row by field name; parse errors go to ``problems`` with row and column."""

    __slots__ = ("header", "number", "cells", "problems", "failed", "_index")

    def __init__(self, header: Header, number: int, cells: list, problems: Problems):
        self.header, self.number, self.cells, self.problems = header, number, cells, problems
        self.failed: set[str] = set()
        self._index = header.index

    def has(self, name: str) -> bool:
        return name in self._index

    def raw(self, name: str):
        i = self._index.get(name)
        return self.cells[i] if i is not None and i < len(self.cells) else None

    @property
    def ok(self) -> bool:
        return not self.failed

    def error(self, name: str, message: str) -> None:
        self.failed.add(name)
        self.problems.add(self.number, self.header.written.get(name, name), self.raw(name), message)

    def get(self, name: str, parse: Callable = text, *, required: bool = False):
        """The parsed cell (None when the column is absent or the cell empty)."""
        i = self._index.get(name)  # has() and raw() inlined: this runs for every cell of every row
        if i is None:
            return None
        raw = self.cells[i] if i < len(self.cells) else None
        try:
            value = parse(raw)
        except ValueError as e:
            self.error(name, str(e))
            return None
        if value is None and required:
            self.error(name, "не заполнено")
        return value

    def text(self, name: str, max_len: int, *, required: bool = False) -> str | None:
        value = self.get(name, required=required)
        if value is not None and len(value) > max_len:
            self.error(name, f"слишком длинное значение (больше {max_len} символов)")
            return None
        return value


@dataclass
class Candidate:
    """A checked data row: its key in the table and the values it sets (present columns only)."""

    reader: RowReader
    key: tuple
    values: dict
    extra: dict = field(default_factory=dict)

    @property
    def row(self) -> int:
        return self.reader.number

    def error(self, name: str, message: str) -> None:
        self.reader.error(name, message)


def resolve_page(r: RowReader, ctx: Context) -> PageInfo | None:
    """The registered page a stats or message row refers to (by URL, or by ID and platform)."""
    platform = r.get("platform", parse_platform)
    page = r.get("page_url", ctx.pages.by_url_value) if r.has("page_url") else None
    if page is None and "page_url" not in r.failed and r.has("page_id"):
        page = r.get("page_id", lambda v: ctx.pages.by_external_id(v, platform))
    if page is None and not ({"page_url", "page_id"} & r.failed):
        r.error("page_url" if r.has("page_url") else "page_id", "не заполнено: укажите ссылку или ID страницы")
    if page is not None and platform and page.platform != platform:
        r.error("platform", "площадка не совпадает с площадкой страницы в реестре")
        return None
    return page


class SeenKeys:
    """Keys met so far in a file read in chunks, to report a key repeated anywhere in it.

    Holds 12 bytes per key (its 8-byte hash and its row as 4 bytes: a file's rows are far
    fewer than 2³²) in sorted numpy arrays, not the keys, so a million-row file costs ~12 MB.
    Within a chunk keys are compared exactly; against earlier chunks by 64-bit hash (a false
    match needs a collision: ~1e-8 for 10⁶ keys).
    """

    def __init__(self) -> None:
        self._hashes = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.uint32)

    def check(self, cands: list[Candidate], name: str, what: str) -> list[Candidate]:
        """Report the chunk's repeated keys at the later row (column ``name``); the others, remembered."""
        repeated = self.repeated([c.key for c in cands], [c.row for c in cands])
        for i, row in repeated.items():
            cands[i].error(name, repeated_text(what, row))
        return [c for i, c in enumerate(cands) if i not in repeated]

    def repeated(self, keys: list[tuple], rows: list[int]) -> dict[int, int]:
        """Positions of ``keys`` (a chunk's, in row order) met before → the row they were met at;
        the keys met for the first time are remembered."""
        hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
        at = np.searchsorted(self._hashes, hashes)
        earlier = np.zeros(len(keys), dtype=bool)
        if len(self._hashes):
            earlier = self._hashes[np.minimum(at, len(self._hashes) - 1)] == hashes
        first: dict[tuple, int] = {}
        out: dict[int, int] = {}
        for i in np.flatnonzero(earlier).tolist():
            out[i] = int(self._rows[at[i]])
        for i, (key, row) in enumerate(zip(keys, rows)):
            if i in out:
                continue
            met = first.setdefault(key, row)
            if met != row:
                out[i] = met
        new_hashes = np.fromiter(map(hash, first), dtype=np.int64, count=len(first))
        new_rows = np.fromiter(first.values(), dtype=np.uint32, count=len(first))
        order = np.argsort(new_hashes, kind="stable")
        new_hashes, new_rows = new_hashes[order], new_rows[order]
        where = np.searchsorted(self._hashes, new_hashes)
        self._hashes = np.insert(self._hashes, where, new_hashes)
        self._rows = np.insert(self._rows, where, new_rows)
        return out


def repeated_text(what: str, row: int) -> str:
    return f"{what} уже есть в строке {row}: в файле она должна быть один раз"
