"""Russian number, percent, date and duration formats. Pure logic."""

from __future__ import annotations

from datetime import date, datetime

NBSP = "\u00a0"  # narrow enough, and keeps "1 234" on one line
NA = "—"


def _missing(x) -> bool:
    """None, NaN, and pandas' NaT and NA (a date column with an empty cell holds NaT)."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN and NaT differ from themselves
    except TypeError:  # pandas.NA: its comparisons are NA, whose truth is ambiguous
        return True


def num(x, digits: int = 0) -> str:
    """1234567 -> '1 234 567'; 12.5 (digits=1) -> '12,5'."""
    if _missing(x):
        return NA
    s = f"{x:,.{digits}f}"
    return s.replace(",", NBSP).replace(".", ",")


def pct(share, digits: int = 1) -> str:
    """A share 0..1 as a percent: 0.125 -> '12,5 %'."""
    if _missing(share):
        return NA
    return f"{num(share * 100, digits)}{NBSP}%"


def signed(x, digits: int = 0, suffix: str = "") -> str:
    """Change with an explicit sign: '+1 234', '−5,0'."""
    if _missing(x):
        return NA
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    return f"{sign}{num(abs(x), digits)}{suffix}"


def pp(delta_share, digits: int = 1) -> str:
    """Change of a share in percentage points: 0.021 -> '+2,1 п.п.'."""
    if _missing(delta_share):
        return NA
    return signed(delta_share * 100, digits, f"{NBSP}п.п.")


def d(x: date | datetime | None) -> str:
    """28.11.2026"""
    return NA if _missing(x) else x.strftime("%d.%m.%Y")


def dt(x: datetime | None) -> str:
    """28.11.2026 14:05"""
    return NA if _missing(x) else x.strftime("%d.%m.%Y %H:%M")


def duration(minutes) -> str:
    """Minutes as '45 мин', '3 ч 20 мин', '2 дн 4 ч'."""
    if _missing(minutes):
        return NA
    m = int(round(minutes))
    if m < 60:
        return f"{m}{NBSP}мин"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}{NBSP}ч {m}{NBSP}мин" if m else f"{h}{NBSP}ч"
    dd, h = divmod(h, 24)
    return f"{dd}{NBSP}дн {h}{NBSP}ч" if h else f"{dd}{NBSP}дн"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: plural(5, 'страница', 'страницы', 'страниц') -> 'страниц'."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
