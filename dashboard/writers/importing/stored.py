"""A chunk's clean messages against the stored rows of their keys, column by column.

ЦУР exports are cumulative: a monthly upload of «all messages of the year» repeats every
row of the months before, so most rows of a real file are stored already and unchanged.
The stored rows of a chunk's keys are read as arrays, one statement per platform
(``StoredMessages.read``); for the clean rows found there, ``compare`` builds column-wise
the row the per-row plan (``MessagesKind._plan_rows``) would build — the file's values over
the stored ones, the status derived from the stored row, the consistency rules, the closing
moment reset, the derived times — and compares it with the stored row field by field
(``MessagesKind.fields``).

The unchanged rows are counted, and no dict is built for them; the changed ones (moved to
another page too) are built from the arrays, as the per-row plan would build them, and kept
as arrays: the write stages them as they are and updates them in one statement
(``MessagesKind.write``). The rows that break a rule, and those stored with a value the
arrays do not hold exactly (a moment with a fraction of a second), go through the per-row
plan, which owns the rules' messages — as ``columnar.py`` only decides which rows are
certainly clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.message_fields import Zone, message_times_arrays
from dashboard.writers.importing import bulk

if TYPE_CHECKING:
    from dashboard.writers.importing.kinds import MessageBatch

NAT = np.datetime64("NaT", "s")
_MOMENTS = ("received_at", "first_response_at", "closed_at")
_INTS = ("id", "page_id", "topic_id", "received_hour")
_OBJECTS = ("municipality_id", "kind", "status", "satisfaction", "response_minutes", "response_work_minutes")
COLUMNS = ("platform", "external_id", *_INTS, *_MOMENTS, "received_day", "photo_report", *_OBJECTS)


@dataclass
class StoredMessages:
    """The stored messages of some keys: row ``index[key]`` of each array in ``columns``;
    ``exact``: the rows whose values the arrays hold as the database does."""

    index: dict[tuple[str, str], int]
    columns: dict[str, np.ndarray]
    exact: np.ndarray

    @classmethod
    def read(cls, conn: Connection, keys: list[tuple[str, str]]) -> "StoredMessages":
        """The stored messages of ``keys``: one statement per platform (per 5 000 keys on
        SQLite) — the usual answer for a new file is no row."""
        rows: list[tuple] = []
        for platform in {p for p, _ in keys}:
            ids = [e for p, e in keys if p == platform]
            rows += bulk.by_external_id(conn, schema.message, COLUMNS, platform, ids)
        values = dict(zip(COLUMNS, zip(*rows))) if rows else {name: () for name in COLUMNS}
        n = len(rows)
        columns: dict[str, np.ndarray] = {}
        exact = np.ones(n, dtype=bool)
        for name in _MOMENTS:  # SQLite: text; PostgreSQL: datetimes
            fine = _array(values[name], "datetime64[us]", exact)
            columns[name] = fine.astype("datetime64[s]")
            exact &= (fine == columns[name]) | np.isnat(fine)
        columns["received_day"] = _array(values["received_day"], "datetime64[D]", exact)
        columns["photo_report"] = np.array([bool(v) for v in values["photo_report"]], dtype=bool)
        for name in _INTS:
            columns[name] = np.array(values[name], dtype=np.int64)
        for name in _OBJECTS:
            columns[name] = _objects(values[name])
        index = {key: i for i, key in enumerate(zip(values["platform"], values["external_id"]))}
        return cls(index, columns, exact)

    def rows_of(self, keys: list[tuple[str, str]]) -> np.ndarray:
        """The stored row of each key, -1 where none."""
        get = self.index.get
        return np.fromiter((get(k, -1) for k in keys), dtype=np.int64, count=len(keys))


def _array(values, dtype: str, exact: np.ndarray) -> np.ndarray:
    """Stored dates or moments as numpy holds them (None: NaT); a column numpy cannot read
    (text of another form than SQLAlchemy writes) leaves every row to the per-row plan."""
    try:
        return np.array(values, dtype=dtype) if len(values) else np.empty(0, dtype)
    except ValueError:
        exact[:] = False
        return np.full(len(values), np.datetime64("NaT"), dtype=dtype)


def _objects(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass
class Compared:
    """The clean rows of a chunk against their stored rows (``compare``)."""

    same: np.ndarray     # stored and unchanged: counted
    changed: np.ndarray  # stored and changed, consistent: built as the per-row plan builds them
    columns: dict[str, np.ndarray]  # those rows, in the chunk's order, column-wise: ``id`` and the
    #                                 fields compared (empty: none)

    @classmethod
    def none(cls, n: int) -> "Compared":
        """No row decided here: every stored row goes through the per-row plan."""
        return cls(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), {})


def compare(fields: tuple[str, ...], batch: "MessageBatch", stored: StoredMessages, at: np.ndarray,
            tz: ZoneInfo) -> Compared:
    """The clean rows of ``batch`` found stored (``at[j]``: row ``j``'s stored row, -1: none)
    that the per-row plan would count unchanged — the stored row holds exactly what the plan
    would write in every one of ``fields`` and the row is consistent — and those it would
    write as changed (consistent, some field differs), built with the values it would write.
    Rows in neither (inconsistent, or stored with a value the arrays do not hold exactly) are
    left to the per-row plan."""
    out = Compared.none(len(at))
    take = np.flatnonzero(at >= 0)
    if not len(take):
        return out
    rows = at[take]
    take, rows = take[stored.exact[rows]], rows[stored.exact[rows]]
    old = {name: a[rows] for name, a in stored.columns.items()}
    cols, v = batch.columns, batch.values
    f = take.tolist()
    pages = [v["page"][j] for j in f]

    def given(name: str) -> bool:
        return cols.has(name)

    received = v["received_at"][take]
    response = v["first_response_at"][take] if given("first_response_at") else old["first_response_at"]
    closed = v["closed_at"][take] if given("closed_at") else old["closed_at"]
    new = {  # the row as the per-row plan builds it: the file's values over the stored ones
        "page_id": np.array([p.id for p in pages], dtype=np.int64),
        "municipality_id": _objects([p.municipality_id for p in pages]),
        "topic_id": v["topic_id"][take],
        "kind": _objects([v["kind"][j] or "comment" for j in f]) if given("kind") else old["kind"],
        "received_at": received,
        "first_response_at": response,
        "photo_report": (np.array([bool(v["photo_report"][j]) for j in f], dtype=bool)
                         if given("photo_report") else old["photo_report"]),
        "satisfaction": _objects([v["satisfaction"][j] for j in f]) if given("satisfaction") else old["satisfaction"],
    }
    answered, has_closed = ~np.isnat(response), ~np.isnat(closed)
    # MessagesKind._derived_status: answered, closed, else the stored status unless it was answered
    derived = np.where(answered, "answered", np.where(
        has_closed, "closed", np.where(old["status"] != "answered", old["status"], "new"))).astype(object)
    if "status" in v:
        status = _objects([v["status"][j] for j in f])
        status = np.where(status == None, derived, status)  # noqa: E711
    else:
        status = derived
    # MessagesKind._consistent: a row it rejects is neither (the per-row plan reports it)
    ok = ~((status == "answered") & ~answered)
    ok &= ~(answered & (response < received))
    if given("closed_at"):
        ok &= ~(has_closed & ((status != "closed") | answered | (closed < received)))
    new["status"] = status
    new["closed_at"] = np.where(status == "closed", closed, NAT)  # reopened or answered: no closing moment
    times = message_times_arrays(received, response, Zone.covering(tz, received, response))
    new["received_day"] = times["received_day"]
    new["received_hour"] = times["received_hour"]
    for name in ("response_minutes", "response_work_minutes"):
        new[name] = _objects([None if m == -1 else m for m in times[name].tolist()])
    same = ok.copy()
    for name in fields:
        if name in ("response_minutes", "response_work_minutes"):
            same &= _same_minutes(times[name], old[name])
        elif name in _MOMENTS:
            same &= (new[name] == old[name]) | (np.isnat(new[name]) & np.isnat(old[name]))
        else:
            same &= new[name] == old[name]
    out.same[take[same]] = True
    write = ok & ~same
    if write.any():
        out.changed[take[write]] = True
        out.columns = {"id": old["id"][write], **{name: new[name][write] for name in fields}}
    return out


def _same_minutes(derived: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """Derived minutes (-1: no response, NULL) equal to the stored ones (None: NULL)."""
    null = stored == None  # noqa: E711
    value = np.where(null, -1, stored).astype(np.int64)
    return (null == (derived == -1)) & ((derived == value) | null)
