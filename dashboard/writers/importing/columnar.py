"""Checking a chunk of file rows column by column (the fast path of the messages and stats imports).

A chunk of rows is turned into columns and each column is checked at once:

- cells that repeat a lot (page, topic, status, yes/no, …) by their distinct values: each
  distinct value — or combination, for the page's URL / ID / platform — is checked once, with
  the very code the per-row check uses (a ``RowReader`` over a one-row stand-in);
- identifiers by a plain-token test (no spaces, not too long, not a dash);
- whole numbers written as plain digits by ``int``;
- moments written as exports write them (``28.11.2026 14:05``) by numpy on the characters,
  date-and-time cells of a workbook as they are; local → UTC once per distinct local hour;
  any other form cell by cell with ``values.parse_datetime``.

The fast path only decides which rows are certainly clean. A row with any failing cell goes
back through the per-row check (``kind.parse``), which records its problems with the usual
texts, row and column; so what an error says has one owner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from itertools import zip_longest
from zoneinfo import ZoneInfo

import numpy as np

from dashboard.core.message_fields import SECOND
from dashboard.writers.importing.columns import Header
from dashboard.writers.importing.read import Row
from dashboard.writers.importing.rows import Problems, RowReader
from dashboard.writers.importing.values import _EMPTY, parse_datetime, parse_int

BAD = object()  # a cell (or combination) the per-row check would report

_NONE_TYPE = type(None)
_PLAIN_TYPES = {str, _NONE_TYPE}
NAT = np.datetime64("NaT", "s")

# 28.11.2026 14:05 as code points: digits at these positions, these separators at the others.
_DIGITS = np.array([0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15])
_SEPARATORS = {2: ord("."), 5: ord("."), 10: ord(" "), 13: ord(":")}


class Columns:
    """One chunk of data rows under ``header``, read column by column.

    ``ok`` starts all True and loses every row a check finds a problem in.
    """

    def __init__(self, header: Header, chunk: list[Row]):
        self.header = header
        self.numbers = [number for number, _ in chunk]
        self.rows = [cells for _, cells in chunk]
        self.n = len(chunk)
        self.ok = np.ones(self.n, dtype=bool)
        self._columns = list(zip_longest(*self.rows))  # short rows: None past their end

    def has(self, name: str) -> bool:
        return name in self.header.index

    def raw(self, name: str) -> list | None:
        """The cells of a column (None past a short row); None when the column is absent."""
        i = self.header.index.get(name)
        if i is None:
            return None
        return list(self._columns[i]) if i < len(self._columns) else [None] * self.n

    def cell(self, pos: int, name: str):
        i = self.header.index.get(name)
        cells = self.rows[pos]
        return cells[i] if i is not None and i < len(cells) else None

    def report(self, problems: Problems, pos: int, name: str, message: str) -> None:
        """A problem of one row found after the check (as ``RowReader.error`` records it)."""
        problems.add(self.numbers[pos], self.header.written.get(name, name), self.cell(pos, name), message)

    def reader(self, pos: int, problems: Problems) -> RowReader:
        return RowReader(self.header, self.numbers[pos], self.rows[pos], problems)

    def _fail(self, values: list) -> None:
        bad = [i for i, v in enumerate(values) if v is BAD]
        if bad:
            self.ok[bad] = False

    # --- distinct values ---------------------------------------------------------------------

    def by_value(self, names: tuple[str, ...], check: Callable[[RowReader], object]) -> list:
        """``check(reader)`` once per distinct combination of the cells of ``names`` (the present
        ones), for every row; BAD (and the row no longer ``ok``) where it records a problem."""
        present = [name for name in names if self.has(name)]
        if not present:
            value = self._evaluate({}, check)
            out = [value] * self.n
            self._fail(out)
            return out
        columns, typed = [], []
        for name in present:
            col = self.raw(name)
            # 1, 1.0 and True are one dict key: tell apart cells of other types than text
            mixed = not set(map(type, col)) <= _PLAIN_TYPES
            columns.append([(type(v), v) for v in col] if mixed else col)
            typed.append(mixed)
        keys = columns[0] if len(columns) == 1 else list(zip(*columns))
        # _evaluate inlined: a national file names ~9 000 distinct pages, and building the row
        # and a scratch Problems per value cost as much as the page check itself. The row's
        # cells are laid out once; the scratch is replaced only after it records a problem.
        where = [self.header.index[name] for name in present]
        width = max(where) + 1
        single = len(columns) == 1
        scratch = Problems(limit=0)
        table = {}
        for key in dict.fromkeys(keys):
            cells = [None] * width
            for i, part, mixed in zip(where, (key,) if single else key, typed):
                cells[i] = part[1] if mixed else part
            value = check(RowReader(self.header, 0, cells, scratch))
            if scratch:
                table[key], scratch = BAD, Problems(limit=0)
            else:
                table[key] = value
        out = list(map(table.__getitem__, keys))
        self._fail(out)
        return out

    def _evaluate(self, cells_by_name: dict, check: Callable[[RowReader], object]):
        width = max((self.header.index[name] for name in cells_by_name), default=-1) + 1
        cells = [None] * width
        for name, value in cells_by_name.items():
            cells[self.header.index[name]] = value
        scratch = Problems(limit=0)
        value = check(RowReader(self.header, 0, cells, scratch))
        return BAD if scratch else value

    def each(self, positions, name: str, check: Callable[[RowReader], object]) -> dict[int, object]:
        """``check`` on single cells of column ``name`` (rows at ``positions``): pos → value or BAD."""
        out = {}
        for pos in positions:
            out[pos] = self._evaluate({name: self.cell(pos, name)}, check)
            if out[pos] is BAD:
                self.ok[pos] = False
        return out

    # --- identifiers ---------------------------------------------------------------------------

    def identifiers(self, name: str, max_len: int) -> list:
        """A required text column of distinct values (message IDs): plain tokens as they are,
        anything else through ``RowReader.text``."""
        col = self.raw(name)
        plain = re.compile(r"\S{1,%d}" % max_len).fullmatch
        out = [v if v.__class__ is str and plain(v) is not None and v.lower() not in _EMPTY
               else str(v) if v.__class__ is int and -10 ** 63 < v < 10 ** 63  # a number cell of a workbook
               else BAD for v in col]
        slow = [i for i, v in enumerate(out) if v is BAD]
        for pos, value in self.each(slow, name, lambda r: r.text(name, max_len, required=True)).items():
            out[pos] = value
        return out

    # --- whole numbers -------------------------------------------------------------------------

    def integers(self, name: str, required: bool = False) -> list:
        """A column of non-negative whole numbers (``values.parse_int``): cells of plain ASCII
        digits (up to 18) as ints, whole non-negative number cells of a workbook as they are,
        empty cells None (unless ``required``); anything else cell by cell with ``parse_int``.
        An absent column: None for every row."""
        col = self.raw(name)
        if col is None:
            return [None] * self.n
        empty = BAD if required else None
        out = [int(v) if v.__class__ is str and len(v) <= 18 and v.isascii() and v.isdigit()
               else v if v.__class__ is int and v >= 0
               else int(v) if v.__class__ is float and v >= 0 and v.is_integer() and v < 1e18
               else empty if v is None or v == ""
               else BAD for v in col]
        slow = [i for i, v in enumerate(out) if v is BAD]
        for pos, value in self.each(slow, name, lambda r: r.get(name, parse_int, required=required)).items():
            out[pos] = value
        return out

    # --- moments -------------------------------------------------------------------------------

    def moments(self, name: str, tz: ZoneInfo, required: bool = False) -> np.ndarray:
        """A date-and-time column as naive UTC ``datetime64[s]`` (NaT: empty or failed; failed
        rows are no longer ``ok``). Same values as ``values.parse_datetime`` cell by cell."""
        out = np.full(self.n, NAT)
        col = self.raw(name)
        if col is None:
            return out
        usual = np.array([v if v.__class__ is str and len(v) == 16 else "" for v in col], dtype="<U16")
        local, fast = _usual_moments(usual)
        cells = [i for i, v in enumerate(col) if v.__class__ is datetime and v.tzinfo is None]  # Excel's dates
        if cells:
            local[cells] = np.array([col[i] for i in cells], dtype="datetime64[s]")
            fast[cells] = True
        if fast.any():
            out[fast] = _local_to_utc(local[fast], tz)
        rest = np.flatnonzero(~fast)
        if not required:  # empty cells stay NaT without a look
            rest = [i for i in rest if col[i] is not None and col[i] != ""]
        parse = lambda v: parse_datetime(v, tz)  # noqa: E731
        for pos, value in self.each(rest, name, lambda r: r.get(name, parse, required=required)).items():
            if value is not BAD and value is not None:
                out[pos] = np.datetime64(value, "s")
        return out


def _usual_moments(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local times of the cells written exactly dd.mm.yyyy hh:mm (a real date and time), and
    which cells those are."""
    n = len(cells)
    codes = cells.view(np.uint32).reshape(n, 16).astype(np.int64)
    digits = codes[:, _DIGITS] - ord("0")
    fast = ((digits >= 0) & (digits <= 9)).all(axis=1)
    for pos, sep in _SEPARATORS.items():
        fast &= codes[:, pos] == sep
    d = digits * np.array([10, 1, 10, 1, 1000, 100, 10, 1, 10, 1, 10, 1])
    day, month, year = d[:, 0] + d[:, 1], d[:, 2] + d[:, 3], d[:, 4:8].sum(axis=1)
    hour, minute = d[:, 8] + d[:, 9], d[:, 10] + d[:, 11]
    fast &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59)
    months = np.where(fast, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    fast &= day <= ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    local = first.astype("datetime64[s]") + ((day - 1) * 86400 + hour * 3600 + minute * 60) * SECOND
    return np.where(fast, local, NAT), fast


def _local_to_utc(local: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """Naive local wall times → naive UTC, the offset taken once per distinct local hour as
    ``values._local_to_utc`` takes it (the zone asked at the whole hour, first reading)."""
    hours, inverse = np.unique(local.astype("datetime64[h]"), return_inverse=True)
    offsets = np.array([int(h.item().replace(tzinfo=tz).utcoffset().total_seconds()) for h in hours],
                       dtype=np.int64)
    return local - offsets[inverse] * SECOND
