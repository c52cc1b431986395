"""Reporting periods: presets, parsing ("2026-Q3"), and the previous equal period. Pure logic."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
             "сентябрь", "октябрь", "ноябрь", "декабрь")

QUARTERS_RU = ("I", "II", "III", "IV")

# The filter's presets: the key is the code's name, the value the filter's label. The labels
# of the running month and quarter name them with the data's last day (preset_labels).
PRESETS = {
    "7d": "Последние 7 дней",
    "30d": "Последние 30 дней",
    "this_month": "Текущий месяц",
    "month": "Прошлый месяц",
    "this_quarter": "Текущий квартал",
    "quarter": "Прошлый квартал",
    "year": "Последние 12 месяцев",
    "custom": "Свой период",
}


# A series' buckets in words, on the screens' captions and in the report's titles.
GRAIN_LABELS = {"day": "по дням", "week": "по неделям", "month": "по месяцам"}
MIN_TREND_POINTS = 4  # buckets a trend needs: fewer are a comparison, not a trend (Period.grain_for)


@dataclass(frozen=True)
class Period:
    """Closed interval of local calendar days [start, end]."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Конец периода {self.end:%d.%m.%Y} раньше начала {self.start:%d.%m.%Y}.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period this one is compared with.

        Whole calendar months, quarters and years map to the previous month, quarter or
        year. Any other period maps to the same days shifted back by whole weeks — as
        few as clear it (7 days for 1–7 days, 35 for 30 days) — so both hold the same days
        of the week: residents write and pages answer by the week (weekend messages wait
        for Monday), and 30 days right before 30 days ending on a Sunday end on a Friday.
        """
        months = _whole_months(self)
        if months:
            start = _add_months(self.start, -months)
            return Period(start, self.start - timedelta(days=1))
        back = timedelta(days=7 * math.ceil(self.days / 7))
        return Period(self.start - back, self.end - back)

    def grain(self) -> str:
        """Time-series bucket that suits the period: days up to a month, weeks up to half a
        year, else months (the same on screens and in reports)."""
        if self.days <= 31:
            return "day"
        return "week" if self.days <= 184 else "month"

    def grain_for(self, count: int, per_bucket: int) -> str:
        """``grain()``, or a coarser one when ``count`` things over its buckets would average
        fewer than ``per_bucket`` a bucket — as long as the coarser grain still draws a trend
        (MIN_TREND_POINTS buckets at least): a district's 132 messages of 30 days are 4 a day,
        a share per day mostly «мало данных», and 26 a week; 7 days stay days (2 weeks are
        no trend), a quarter stays weeks (3 months are none)."""
        order = ("day", "week", "month")
        grain = self.grain()
        for coarser in order[order.index(grain) + 1:]:
            if count >= per_bucket * len(self.buckets(grain)) or len(self.buckets(coarser)) < MIN_TREND_POINTS:
                break
            grain = coarser
        return grain

    def buckets(self, grain: str) -> list["Bucket"]:
        """Every day, week (from Monday) or month touching the period, in order; a bucket
        the period cuts (a week starting before it, a month ending after it) is partial."""
        out, start = [], bucket_start(self.start, grain)
        while start <= self.end:
            nxt = _next_bucket(start, grain)
            inside = (min(nxt - timedelta(days=1), self.end) - max(start, self.start)).days + 1
            out.append(Bucket(start, inside, (nxt - start).days))
            start = nxt
        return out

    def label(self) -> str:
        """Russian label: 'III квартал 2026', 'октябрь 2026', '01.09.2026 – 30.09.2026'."""
        months = _whole_months(self)
        if months == 1:
            return f"{MONTHS_RU[self.start.month - 1]} {self.start.year}"
        if months == 3 and self.start.month in (1, 4, 7, 10):
            q = (self.start.month - 1) // 3
            return f"{QUARTERS_RU[q]} квартал {self.start.year}"
        if months == 12 and self.start.month == 1:
            return f"{self.start.year} год"
        return f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"


@dataclass(frozen=True)
class Bucket:
    """One bucket of a time series: its first day, its days inside the period, its length."""

    start: date
    days: int
    length: int

    @property
    def partial(self) -> bool:
        return self.days < self.length


def bucket_start(d: date, grain: str) -> date:
    """The day itself, the Monday of its week, or the 1st of its month."""
    if grain == "day":
        return d
    if grain == "week":
        return d - timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    raise ValueError(f"Неизвестная детализация {grain!r}: ожидается day, week или month.")


def _next_bucket(start: date, grain: str) -> date:
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    return _add_months(start, 1)


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _whole_months(p: Period) -> int:
    """Number of whole calendar months p covers exactly, else 0."""
    if p.start.day != 1 or (p.end + timedelta(days=1)).day != 1:
        return 0
    nxt = p.end + timedelta(days=1)
    return (nxt.year - p.start.year) * 12 + nxt.month - p.start.month


def month(year: int, month_: int) -> Period:
    start = date(year, month_, 1)
    return Period(start, _add_months(start, 1) - timedelta(days=1))


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * (q - 1) + 1, 1)
    return Period(start, _add_months(start, 3) - timedelta(days=1))


def year(year_: int) -> Period:
    return Period(date(year_, 1, 1), date(year_, 12, 31))


def preset(name: str, today: date) -> Period:
    """A preset period relative to ``today`` (the last day with data, usually)."""
    if name == "7d":
        return Period(today - timedelta(days=6), today)
    if name == "30d":
        return Period(today - timedelta(days=29), today)
    if name == "this_month":
        return month(today.year, today.month)
    if name == "this_quarter":
        return quarter(today.year, (today.month - 1) // 3 + 1)
    if name == "month":
        return month(*(_add_months(date(today.year, today.month, 1), -1).timetuple()[:2]))
    if name == "quarter":
        q = (today.month - 1) // 3  # current quarter index 0-3
        return quarter(today.year, q) if q else quarter(today.year - 1, 4)
    if name == "year":
        start = _add_months(date(today.year, today.month, 1), -11)
        return Period(start, today)
    raise ValueError(f"Неизвестный период: {name}")


def preset_labels(today: date) -> dict[str, str]:
    """The filter's labels of PRESETS for data up to ``today``: the running month and
    quarter are named with their dates, so nobody takes them for another on the 1st of a
    month — «Декабрь 2026 (по 01.12)» beside «Прошлый месяц»; «Ноябрь 2026 (по 29.11)»,
    «IV квартал 2026 (по 29.11)». Their periods are the whole calendar month and quarter
    (``preset``), compared with the previous ones at the same age, like the report's."""
    until = f"(по {today:%d.%m})"
    return {**PRESETS,
            "this_month": f"{MONTHS_RU[today.month - 1].capitalize()} {today.year} {until}",
            "this_quarter": f"{QUARTERS_RU[(today.month - 1) // 3]} квартал {today.year} {until}"}


_RUNNING = re.compile(r"^(?:(?P<month>[А-Я][а-я]+)|(?:I{1,3}|IV) квартал) \d{4} \(по \d{2}\.\d{2}\)$")


def running_preset(label: str) -> str | None:
    """The preset a label of the running month or quarter names, whatever its last day
    («Ноябрь 2026 (по 28.11)» → "this_month"): a shared link keeps the label of the day it
    was made, and opens the running month of the day it is opened."""
    m = _RUNNING.match(label.strip())
    if not m:
        return None
    if m["month"] is not None:
        return "this_month" if m["month"].lower() in MONTHS_RU else None
    return "this_quarter"


def known_until(last_day: date | None, today: date) -> date | None:
    """The last day the figures cover: the last day with data, today at the latest."""
    return None if last_day is None else min(last_day, today)


def data_until_text(until: date) -> str:
    """«данные есть по 29.11.2026»: how the screens' period line and every report say how far
    a running period's figures go (one text for the same date on a screen and a slide)."""
    return f"данные есть по {until:%d.%m.%Y}"


def past_the_data(period: Period, grain: str, until: date | None) -> set[date]:
    """The first days of ``period``'s buckets (``Period.buckets``) that run past ``until``
    (``known_until``): a running period's last days have no data yet, and a bucket drawn
    whole with them reads as a fall. Empty when the data covers the period."""
    if until is None or until >= period.end:
        return set()
    return {b.start for b in period.buckets(grain)
            if min(b.start + timedelta(days=b.length - 1), period.end) > until}


_Q = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
_M = re.compile(r"^(\d{4})-(\d{2})$")
_Y = re.compile(r"^(\d{4})$")
_R = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|:|/)(\d{4}-\d{2}-\d{2})$")


def parse(text: str) -> Period:
    """Parse '2026-Q3', '2026-09', '2026' or '2026-07-01..2026-09-30'."""
    s = text.strip()
    if m := _Q.match(s):
        return quarter(int(m[1]), int(m[2]))
    if m := _M.match(s):
        return month(int(m[1]), int(m[2]))
    if m := _Y.match(s):
        return year(int(m[1]))
    if m := _R.match(s):
        return Period(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
    raise ValueError(
        f"Не удалось разобрать период {text!r}: ожидается 2026-Q3, 2026-09, 2026 "
        "или 2026-07-01..2026-09-30."
    )


def last_full_quarter(today: date) -> Period:
    return preset("quarter", today)
