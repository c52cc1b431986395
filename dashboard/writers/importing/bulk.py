"""Inserting many new rows at once, given column-wise (numpy arrays), inside the caller's
transaction; updating many rows at once by staging their new values the same way.

SQLite: one ``executemany`` of plain tuples, values already in the text forms SQLAlchemy
stores (``2026-11-28 14:05:00.000000``, ``2026-11-28``, 0/1). PostgreSQL: ``COPY … FROM STDIN``
(psycopg 3) straight into the table. Either way the rows are part of the import's one
transaction, so a later problem rolls them back with everything else; a key written meanwhile
by someone else fails the insert as an ``IntegrityError``, as the ORM-level insert would.

Column arrays: ``datetime64[s]`` (NaT = NULL), ``datetime64[D]``, bool, int64, or object
(str / int / None).

Updates (``changes_table``, ``stage_changes``, ``update_from``): the rows' ids and new values
are inserted as above into a temporary table of their own, and one ``UPDATE … FROM`` joined by
the primary key writes them all — not an ``executemany`` of one ``UPDATE`` per row, whose
parameters SQLAlchemy processes row by row (SQLite supports ``UPDATE … FROM`` since 3.33).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Column, Integer, MetaData, Table, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable

from dashboard.core.db import is_postgres, sql_text

_SQLITE_BATCH = 50_000
_SQLITE_IN = 5_000  # values in one IN list (SQLite allows 32 766 parameters)


def insert_columns(conn: Connection, table: Table, columns: dict[str, np.ndarray],
                   prepared: Prepared | None = None) -> None:
    """INSERT the rows given as equal-length arrays per column name (``table``'s integer
    primary key ``id``, if not among them, left to the database). ``prepared``: the same rows
    already turned into what the driver takes (``prepare``, e.g. by another thread ahead of time)."""
    prepared = prepared or prepare(is_postgres(conn), table, columns)
    if not prepared.n:
        return
    if is_postgres(conn):
        _copy(conn, prepared)
    else:
        _executemany(conn, prepared)


@dataclass(frozen=True)
class Prepared:
    """Rows ready for the driver: COPY's text (PostgreSQL) or a list of tuples (SQLite)."""

    table: Table
    names: tuple[str, ...]
    n: int
    payload: bytes | list[tuple]


def prepare(postgres: bool, table: Table, columns: dict[str, np.ndarray]) -> Prepared:
    """What ``insert_columns`` sends for these columns, built without the database: pure
    Python and numpy work that the importer does in its checking thread while the database
    writes the chunk before (kinds.MessagesKind.check_chunk)."""
    names = tuple(columns)
    n = len(next(iter(columns.values()), ()))
    if not n:
        return Prepared(table, names, 0, b"")
    if postgres:
        text = "\n".join(map("\t".join, zip(*(_copy_text(a) for a in columns.values())))) + "\n"
        return Prepared(table, names, n, text.encode("utf-8"))
    return Prepared(table, names, n, list(zip(*(_sqlite_values(a) for a in columns.values()))))


def by_external_id(conn: Connection, table: Table, columns: tuple[str, ...], platform: str,
                   ids: list[str]) -> list[tuple]:
    """``columns`` of ``table``'s rows of ``platform`` whose external_id is one of ``ids`` (the
    usual answer for a new file: none): on PostgreSQL one statement whose ids are one array
    literal, on SQLite driver-level IN lists of up to 5 000 — not SQLAlchemy's expanded lists
    of bound values, which cost more to compile and convert than the lookup (thousands of
    distinct pages in a national file)."""
    name, cols = _quoted(conn, table, columns)
    if is_postgres(conn):
        sql = f"SELECT {cols} FROM {name} WHERE platform = %(p)s AND external_id = ANY(%(ids)s::text[])"
        return [tuple(r) for r in conn.exec_driver_sql(sql, {"p": platform, "ids": _text_array(ids)}).fetchall()]
    out: list[tuple] = []
    for i in range(0, len(ids), _SQLITE_IN):
        part = ids[i:i + _SQLITE_IN]
        sql = f"SELECT {cols} FROM {name} WHERE platform = ? AND external_id IN ({', '.join('?' * len(part))})"
        out += [tuple(r) for r in conn.exec_driver_sql(sql, (platform, *part)).fetchall()]
    return out


def rows_by_key(conn: Connection, table: Table, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Whole stored rows of ``table`` by (platform, external_id), each a dict of its columns
    typed as SQLAlchemy reads them (datetimes, dates, bools: the per-row plan compares them
    with the file's values): ``by_external_id`` per platform, each value through its column
    type's result processor for this database (SQLite hands back text for moments)."""
    names = tuple(table.c.keys())
    convert = [c.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None) for c in table.c]
    ids: dict[str, set[str]] = defaultdict(set)
    for platform, external_id in keys:
        ids[platform].add(external_id)
    out = {}
    for platform, some in ids.items():
        for raw in by_external_id(conn, table, names, platform, sorted(some)):
            row = {name: f(v) if f else v for name, f, v in zip(names, convert, raw)}
            out[platform, row["external_id"]] = row
    return out


def changes_table(table: Table, names: tuple[str, ...]) -> Table:
    """A temporary table for new values of ``table``'s rows: ``id`` (the rows' primary key, its
    own too) and the columns ``names``, typed as ``table``'s."""
    return Table(f"tmp_{table.name}_changes", MetaData(), Column("id", Integer, primary_key=True),
                 *[Column(name, table.c[name].type) for name in names], prefixes=["TEMPORARY"])


def stage_changes(conn: Connection, changes: Table, columns: dict[str, np.ndarray],
                  rows: list[dict] = ()) -> None:
    """``changes`` (``changes_table``) created anew, holding the rows given column-wise
    (``insert_columns``) and those given as dicts (SQLAlchemy's insert, which converts each
    value by its column's type: for a few rows), its ids' statistics taken. Without them
    SQLite takes a new table for a large one and scans the table to update instead of looking
    the staged ids up (a region's 50 000 messages for each chunk); PostgreSQL estimates a
    fresh table's rows from its size but not how its ids spread. Created anew rather than
    emptied: PostgreSQL then plans the statements that read it afresh."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {changes.name}")
    conn.exec_driver_sql(sql_text(conn, ("create", changes.name), lambda: CreateTable(changes)))
    insert_columns(conn, changes, columns)
    if rows:
        conn.execute(insert(changes), [{c.name: r[c.name] for c in changes.c} for r in rows])
    conn.exec_driver_sql(f"ANALYZE {changes.name} (id)" if is_postgres(conn) else f"ANALYZE temp.{changes.name}")


def update_from(conn: Connection, table: Table, changes: Table) -> None:
    """Write the values staged in ``changes`` to ``table``'s rows of the same ids: one
    ``UPDATE … FROM``, every column of ``changes`` set (compiled once per dialect)."""
    names = [c.name for c in changes.c if c.name != "id"]
    conn.exec_driver_sql(sql_text(conn, ("update_from", table.name, changes.name), lambda: update(table).values(
        {name: changes.c[name] for name in names}).where(table.c.id == changes.c.id)))


def _quoted(conn: Connection, table: Table, names) -> tuple[str, str]:
    q = conn.dialect.identifier_preparer
    return q.format_table(table), ", ".join(q.quote(name) for name in names)


# --- SQLite -------------------------------------------------------------------------------------

def _sqlite_values(a: np.ndarray) -> list:
    if a.dtype.kind == "M":
        unit = np.datetime_data(a.dtype)[0]
        if unit == "D":
            text = np.datetime_as_string(a, unit="D")
        else:  # 2026-11-28T14:05:00.000000 with the T made a space in place (no string copies)
            text = np.datetime_as_string(a.astype("datetime64[s]"), unit="us")
            text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
        return np.where(np.isnat(a), None, text.astype(object)).tolist()
    if a.dtype.kind == "b":
        return a.astype(np.int64).tolist()
    return a.tolist()


def _executemany(conn: Connection, prepared: Prepared) -> None:
    name, names = _quoted(conn, prepared.table, prepared.names)
    sql = f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' * len(prepared.names))})"
    rows = prepared.payload
    for i in range(0, len(rows), _SQLITE_BATCH):
        conn.exec_driver_sql(sql, rows[i:i + _SQLITE_BATCH])


# --- PostgreSQL -----------------------------------------------------------------------------------

_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(a: np.ndarray) -> list[str]:
    """A column in COPY's text format. Whole columns at a time where the values allow: the
    writing thread builds these while the database waits for them (about a third of its
    time per chunk when done value by value)."""
    if a.dtype.kind == "M":
        nat = np.isnat(a)
        if nat.all():
            return [_NULL] * len(a)
        unit = np.datetime_data(a.dtype)[0]
        text = np.datetime_as_string(a, unit="D" if unit == "D" else "s").tolist()
        for i in np.flatnonzero(nat).tolist():
            text[i] = _NULL
        return text
    if a.dtype.kind == "b":
        return np.where(a, "t", "f").tolist()
    if a.dtype.kind in "iu":
        return list(map(str, a.tolist()))
    values = a.tolist()
    text = [v if type(v) is str else "" if v is None else str(v) for v in values]
    if _needs_escape("".join(text)):  # one scan of the column; rare: tabs, line breaks, backslashes
        text = [t.translate(_ESCAPES) for t in text]
    if None in values:
        text = [_NULL if v is None else t for v, t in zip(values, text)]
    return text


def _needs_escape(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _text_array(values: list[str]) -> str:
    """A PostgreSQL array literal of the strings (each quoted), built with one join: the
    driver's own adapter takes the list value by value in Python."""
    joined = '","'.join(values)
    if '"' in joined or "\\" in joined:
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}' if values else "{}"


def _copy(conn: Connection, prepared: Prepared) -> None:
    import psycopg

    name, names = _quoted(conn, prepared.table, prepared.names)
    sql = f"COPY {name} ({names}) FROM STDIN"
    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            copy.write(prepared.payload)
    except psycopg.Error as e:
        raise DBAPIError.instance(sql, None, e, psycopg.Error) from e
