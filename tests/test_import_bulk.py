"""The importer's bulk path (dashboard/writers/importing/bulk.py): new rows given column-wise
reach the database value for value, on both engines — text that COPY's format must escape,
NULLs, text that looks like COPY's NULL marker, dates and moments — and the stored-key lookup
finds keys with the characters an array literal must quote."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, select

from dashboard.writers.importing import bulk

_ROWS = Table("tmp_bulk_rows", MetaData(),
              Column("id", Integer, primary_key=True), Column("name", String(64)), Column("n", Integer),
              Column("ref", Integer), Column("flag", Boolean), Column("on", Date), Column("at", DateTime),
              prefixes=["TEMPORARY"])

NAMES = ["plain", "tab\there", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "", None,
         "кириллица «ёлка»", 'quote"and,comma{}']


def test_new_rows_given_column_wise_arrive_value_for_value(engine):
    n = len(NAMES)
    refs = [None if i % 3 == 0 else i * 10 for i in range(n)]
    moments = np.array(["2026-11-28T14:05:07", "NaT"] * (n // 2), dtype="datetime64[s]")
    days = np.array(["2026-02-28", "2025-12-31"] * (n // 2), dtype="datetime64[D]")
    columns = {
        "name": np.array(NAMES, dtype=object),
        "n": np.arange(n, dtype=np.int64) * 1_000_000,
        "ref": np.array(refs, dtype=object),
        "flag": np.array([i % 2 == 0 for i in range(n)]),
        "on": days,
        "at": moments,
    }
    with engine.begin() as conn:
        _ROWS.create(conn)
        bulk.insert_columns(conn, _ROWS, columns)
        got = conn.execute(select(_ROWS.c.name, _ROWS.c.n, _ROWS.c.ref, _ROWS.c.flag, _ROWS.c.on, _ROWS.c.at)
                           .order_by(_ROWS.c.id)).all()
        _ROWS.drop(conn)
    assert [tuple(r) for r in got] == [
        (NAMES[i], i * 1_000_000, refs[i], i % 2 == 0,
         date(2026, 2, 28) if i % 2 == 0 else date(2025, 12, 31),
         datetime(2026, 11, 28, 14, 5, 7) if i % 2 == 0 else None)
        for i in range(n)]


def test_a_column_of_moments_that_are_all_missing_is_all_null(engine):
    with engine.begin() as conn:
        _ROWS.create(conn)
        bulk.insert_columns(conn, _ROWS, {"n": np.arange(3, dtype=np.int64),
                                          "at": np.full(3, np.datetime64("NaT"), dtype="datetime64[s]")})
        got = conn.execute(select(_ROWS.c.n, _ROWS.c.at).order_by(_ROWS.c.id)).all()
        _ROWS.drop(conn)
    assert [tuple(r) for r in got] == [(0, None), (1, None), (2, None)]


def test_stored_rows_are_found_by_exactly_their_keys_whatever_their_characters_the_stored_ones_whatever_their_characters(engine):
    stored = ["a", 'with"quote', "with\\backslash", "comma,and{braces}", "space and NULL", ""]
    absent = ["b", 'with"quote2', "NULL", "{}"]
    keys = Table("tmp_bulk_keys", MetaData(), Column("id", Integer, primary_key=True),
                 Column("platform", String(8)), Column("external_id", String(64)), prefixes=["TEMPORARY"])
    with engine.begin() as conn:
        keys.create(conn)
        bulk.insert_columns(conn, keys, {"platform": np.array(["vk"] * len(stored) + ["ok"], dtype=object),
                                         "external_id": np.array([*stored, "a"], dtype=object)})
        names = ("platform", "external_id")
        found = bulk.by_external_id(conn, keys, names, "vk", stored + absent) + \
            bulk.by_external_id(conn, keys, names, "ok", ["a", "b"])
        none = bulk.by_external_id(conn, keys, names, "max", ["a"])
        keys.drop(conn)
    assert sorted(found) == sorted([("vk", e) for e in stored] + [("ok", "a")])
    assert none == []


def test_whole_rows_by_key_are_typed_as_sqlalchemy_reads_them(engine):
    """``rows_by_key`` (the per-row plan's read of stored pages and messages) gives each row
    as SQLAlchemy's own select would: datetimes, dates and bools, not SQLite's text or 0/1."""
    table = Table("tmp_bulk_typed", MetaData(), Column("id", Integer, primary_key=True),
                  Column("platform", String(8)), Column("external_id", String(64)), Column("flag", Boolean),
                  Column("on", Date), Column("at", DateTime), prefixes=["TEMPORARY"])
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [
            {"platform": "vk", "external_id": "1", "flag": True, "on": date(2026, 11, 28),
             "at": datetime(2026, 11, 28, 14, 5, 7, 250)},
            {"platform": "vk", "external_id": "2", "flag": False, "on": None, "at": None},
            {"platform": "ok", "external_id": "1", "flag": None, "on": date(2025, 1, 1),
             "at": datetime(2025, 1, 1)},
        ])
        got = bulk.rows_by_key(conn, table, [("vk", "1"), ("vk", "2"), ("ok", "1"), ("ok", "2"), ("vk", "1")])
        expected = {(r.platform, r.external_id): dict(r._mapping) for r in conn.execute(select(table))}
        table.drop(conn)
    assert got == expected
    assert got["vk", "1"]["at"] == datetime(2026, 11, 28, 14, 5, 7, 250) and got["vk", "1"]["flag"] is True
    assert got["vk", "2"]["on"] is None and got["ok", "1"]["on"] == date(2025, 1, 1)
