"""The few SQL expressions that differ between SQLite and PostgreSQL.

Every function takes the dialect name (``conn.dialect.name``) and a column or
expression of type Date, and returns an expression that works on that backend.
SQLite keeps dates as ISO text, PostgreSQL (and DuckDB) as ``date``; results are typed
``Date``/``Integer`` so SQLAlchemy converts them back to Python values.

Constant arguments are rendered as SQL literals, not bound parameters, so the
same expression can appear in SELECT and GROUP BY (PostgreSQL compares them
textually).
"""

from __future__ import annotations

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    cast,
    extract,
    func,
    literal_column,
    type_coerce,
)

# Dialects with PostgreSQL-style date functions (DuckDB is used by bench/queries.py).
PG_LIKE = ("postgresql", "duckdb")
GRAINS = ("day", "week", "month")


def _lit(s: str):
    return literal_column(f"'{s}'")


def week_start(dialect: str, day):
    """Monday of ``day``'s ISO week."""
    if dialect in PG_LIKE:
        return cast(func.date_trunc(_lit("week"), cast(day, DateTime)), Date)
    # Go back six days, then forward to the next Monday (or stay on it).
    return type_coerce(func.date(day, _lit("-6 days"), _lit("weekday 1")), Date)


def month_start(dialect: str, day):
    """First day of ``day``'s month."""
    if dialect in PG_LIKE:
        return cast(func.date_trunc(_lit("month"), cast(day, DateTime)), Date)
    return type_coerce(func.date(day, _lit("start of month")), Date)


def period_start(dialect: str, day, grain: str):
    """``day`` itself, its week's Monday or its month's first day (grain: day|week|month)."""
    if grain == "day":
        return day
    if grain == "week":
        return week_start(dialect, day)
    if grain == "month":
        return month_start(dialect, day)
    raise ValueError(f"Неизвестная детализация {grain!r}: ожидается day, week или month.")


def weekday(dialect: str, day):
    """Weekday number, 0 = Monday … 6 = Sunday."""
    if dialect in PG_LIKE:
        return cast(extract("isodow", day), Integer) - 1
    # strftime('%w') is 0 = Sunday.
    return (cast(func.strftime(_lit("%w"), day), Integer) + 6) % 7
