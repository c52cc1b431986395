"""Cell parsers for file imports: numbers, yes/no, dates and times, platforms, page URLs.

Every parser takes the raw cell (a string from CSV, or whatever openpyxl returns:
str, int, float, bool, datetime, date, None) and returns a Python value, ``None``
for an empty cell, or raises ``ValueError`` with a Russian message that the
importer shows next to the row and column. Pure logic, no database.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dashboard.core.platforms import PLATFORMS, PageRef, page_ref
from dashboard.core.schema import (
    MESSAGE_KINDS,
    MESSAGE_STATUSES,
    ORG_KINDS,
    ORG_SECTORS,
)

EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serial numbers accepted as dates: 32874 = 01.01.1990 ... 73051 = 31.12.2099.
_SERIAL_RANGE = (32874, 73051)
_EMPTY = {"", "-", "—", "–", "нет данных", "н/д", "n/a", "null", "none", "nan"}


def norm(s) -> str:
    """Lower-case, ё→е, punctuation to spaces, single spaces: the key used to compare names."""
    s = str(s).lower().replace("ё", "е")
    s = re.sub(r"[^0-9a-zа-я]+", " ", s)
    return " ".join(s.split())


@dataclass(frozen=True)
class Uncomputed:
    """A workbook cell holding a formula without its value: written by a program that does not
    compute formulas (Excel and LibreOffice store the value beside the formula). Read as
    empty, the cell would silently drop what the user sees in it (a topic, an answer's date);
    every parser refuses it instead (``text``), naming the formula."""

    formula: str

    def __str__(self) -> str:  # the value shown in the error list
        return self.formula or "формула"


UNCOMPUTED = ("в ячейке формула без сохранённого значения: откройте файл в Excel или LibreOffice и "
              "сохраните его — значения формул запишутся в файл")


def text(v) -> str | None:
    """The cell as stripped text, or None when it is empty (or a dash)."""
    if v is None:
        return None
    if v.__class__ is Uncomputed:
        raise ValueError(UNCOMPUTED)
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = " ".join(str(v).replace("\u00a0", " ").split())
    return None if s.lower() in _EMPTY else s


# --- numbers and flags -------------------------------------------------------------------------

def parse_int(v) -> int | None:
    """A non-negative whole number: 1234, '1 234', '1234.0'."""
    if isinstance(v, bool):
        raise ValueError("ожидалось целое число")
    if isinstance(v, int):
        n = v
    elif isinstance(v, float) and not math.isnan(v):
        if not v.is_integer():
            raise ValueError("ожидалось целое число, а не дробное")
        n = int(v)
    else:
        s = text(v)
        if s is None:
            return None
        s = s.replace(" ", "").replace("\u202f", "")
        m = re.fullmatch(r"(-?\d+)(?:[.,]0+)?", s)
        if not m:
            raise ValueError("ожидалось целое число")
        n = int(m.group(1))
    if n < 0:
        raise ValueError("число не может быть отрицательным")
    return n


_TRUE = {"да", "д", "1", "true", "yes", "y", "есть", "истина", "+", "v", "x", "х", "✓", "✔"}
_FALSE = {"нет", "н", "0", "false", "no", "n", "ложь"}


def parse_bool(v) -> bool | None:
    """Yes/no: да/нет, 1/0, true/false, yes/no, есть, +."""
    if isinstance(v, bool):
        return v
    s = text(v)
    if s is None:
        return None
    key = s.lower().replace("ё", "е").strip(". ")
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError("ожидалось «да» или «нет» (также 1/0, true/false)")


_SATISFACTION = {
    "1": 1, "+1": 1, "+": 1, "положительная": 1, "положительно": 1, "доволен": 1, "довольна": 1,
    "удовлетворен": 1, "удовлетворена": 1, "да": 1, "positive": 1, "like": 1,
    "0": 0, "нейтральная": 0, "нейтрально": 0, "neutral": 0,
    "-1": -1, "−1": -1, "отрицательная": -1, "отрицательно": -1, "не доволен": -1,
    "недоволен": -1, "не довольна": -1, "недовольна": -1, "не удовлетворен": -1, "нет": -1,
    "negative": -1, "dislike": -1,
}


def parse_satisfaction(v) -> int | None:
    """Resident's rating: 1 / 0 / -1 or положительная / нейтральная / отрицательная."""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v in (1, 0, -1):
        return int(v)
    s = text(v)
    if s is None:
        return None
    key = s.lower().replace("ё", "е")
    if key in _SATISFACTION:
        return _SATISFACTION[key]
    raise ValueError("ожидалось 1, 0 или -1 (положительная, нейтральная, отрицательная)")


# --- code lists ---------------------------------------------------------------------------------

def _lookup(table: dict[str, str]) -> dict[str, str]:
    return {norm(k): v for k, v in table.items()}


_STATUS = _lookup({
    **{code: code for code in MESSAGE_STATUSES},
    **{label: code for code, label in MESSAGE_STATUSES.items()},
    "новый": "new", "новое": "new", "не обработано": "new", "не обработан": "new", "open": "new",
    "в работе": "in_work", "в обработке": "in_work", "на рассмотрении": "in_work",
    "in work": "in_work", "in progress": "in_work",
    "дан ответ": "answered", "ответ дан": "answered", "отвечено": "answered", "есть ответ": "answered",
    "решено": "answered", "ответ": "answered", "answered": "answered", "resolved": "answered",
    "закрыто": "closed", "закрыто без ответа": "closed", "закрыт": "closed", "без ответа": "closed",
    "отклонено": "closed", "closed": "closed",
})


def parse_status(v) -> str | None:
    """Message status in Russian or English → new | in_work | answered | closed."""
    s = text(v)
    if s is None:
        return None
    try:
        return _STATUS[norm(s)]
    except KeyError:
        allowed = ", ".join(f"«{label}»" for label in MESSAGE_STATUSES.values())
        raise ValueError(f"неизвестный статус; допустимо: {allowed} (или new, in_work, answered, closed)") from None


_MSG_KIND = _lookup({
    **{code: code for code in MESSAGE_KINDS},
    **{label: code for code, label in MESSAGE_KINDS.items()},
    "коммент": "comment", "комментарий к записи": "comment", "комментарии": "comment",
    "лс": "private", "личка": "private", "личное": "private", "сообщение": "private",
    "сообщение сообщества": "private", "message": "private",
})


def parse_message_kind(v) -> str | None:
    s = text(v)
    if s is None:
        return None
    try:
        return _MSG_KIND[norm(s)]
    except KeyError:
        raise ValueError("ожидалось «комментарий» или «личное сообщение»") from None


_ORG_KIND = _lookup({
    **{code: code for code in ORG_KINDS},
    **{label: code for code, label in ORG_KINDS.items()},
    "региональный": "regional", "региональный орган": "regional", "орган власти области": "regional",
    "областной": "regional", "областной орган власти": "regional",
    "администрация": "municipal_admin", "администрация мо": "municipal_admin",
    "орган местного самоуправления": "municipal_admin", "омсу": "municipal_admin",
    "учреждение": "institution", "подведомственное": "institution", "подведомственная организация": "institution",
})


def parse_org_kind(v) -> str | None:
    s = text(v)
    if s is None:
        return None
    try:
        return _ORG_KIND[norm(s)]
    except KeyError:
        allowed = ", ".join(f"«{label}»" for label in ORG_KINDS.values())
        raise ValueError(f"неизвестный тип организации; допустимо: {allowed}") from None


_SECTOR = _lookup({
    **{code: code for code in ORG_SECTORS},
    **{label: code for code, label in ORG_SECTORS.items()},
    "соцзащита": "social", "социальная сфера": "social", "медицина": "health", "жилищно коммунальное хозяйство": "housing",
    "физкультура и спорт": "sport", "дороги и транспорт": "transport", "другое": "other",
})


def parse_sector(v) -> str | None:
    s = text(v)
    if s is None:
        return None
    try:
        return _SECTOR[norm(s)]
    except KeyError:
        allowed = ", ".join(f"«{label}»" for label in ORG_SECTORS.values())
        raise ValueError(f"неизвестная сфера; допустимо: {allowed}") from None


def infer_org_kind(name: str, municipality_id: int | None) -> str:
    """Organisation kind when the file has none: administrations by name, else by level."""
    if "администрац" in norm(name):
        return "municipal_admin" if municipality_id is not None else "regional"
    return "regional" if municipality_id is None else "institution"


_PLATFORM = _lookup({name: p.code for p in PLATFORMS.values() for name in (p.code, p.label, *p.aliases)})


def parse_platform(v) -> str | None:
    """Platform name (code, label or a usual alias) → its code."""
    s = text(v)
    if s is None:
        return None
    try:
        return _PLATFORM[norm(s)]
    except KeyError:
        allowed = ", ".join(p.label for p in PLATFORMS.values())
        raise ValueError(f"неизвестная площадка; допустимо: {allowed}") from None


def parse_page_url(v) -> PageRef | None:
    """A page URL → PageRef (see ``platforms.page_ref``); None for an empty cell."""
    s = text(v)
    return None if s is None else page_ref(s)


# --- dates and times ----------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def _from_serial(x: float) -> datetime:
    if not (_SERIAL_RANGE[0] <= x <= _SERIAL_RANGE[1]):
        raise ValueError("число не похоже на дату Excel (ожидалось от 32874 = 01.01.1990 до 73051 = 31.12.2099)")
    return EXCEL_EPOCH + timedelta(seconds=round(x * 86400))


def _number(s: str) -> float | None:
    m = re.fullmatch(r"\d+(?:[.,]\d+)?", s)
    return float(s.replace(",", ".")) if m else None


_DATE_HELP = "ожидалась дата вида 28.11.2026, 2026-11-28 или число Excel"
_DT_HELP = ("ожидались дата и время вида 28.11.2026 14:05, 28.11.2026 14:05:30, "
            "2026-11-28T14:05:30+07:00 или число Excel")


def _parse_text_moment(s: str, help_text: str) -> tuple[datetime, bool]:
    m = _DMY.fullmatch(s)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        year = int(y) + (2000 if len(y) == 2 else 0)
        try:
            return datetime(year, int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0)), False
        except ValueError:
            raise ValueError("такой даты или времени не бывает") from None
    n = _number(s)
    if n is not None:
        return _from_serial(n), False
    if re.match(r"\d{4}-\d{2}-\d{2}", s):
        try:
            parsed = datetime.fromisoformat(s)
        except ValueError:
            raise ValueError(f"{help_text} (ISO 8601: такой даты не бывает или формат нарушен)") from None
        return parsed, parsed.tzinfo is not None
    raise ValueError(help_text)


def _parse_moment(v, help_text: str) -> tuple[datetime, bool] | None:
    """(datetime, has_zone) from any accepted form; naive results are local wall time."""
    if isinstance(v, datetime):
        return v, v.tzinfo is not None
    if isinstance(v, date):
        return datetime.combine(v, time()), False
    if isinstance(v, time):
        raise ValueError(help_text + " (в ячейке только время)")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _from_serial(float(v)), False
    s = text(v)
    return None if s is None else _parse_text_moment(s, help_text)


def parse_date(v) -> date | None:
    """A calendar date: dd.mm.yyyy, yyyy-mm-dd, an Excel serial or a date cell (time part ignored)."""
    got = _parse_moment(v, _DATE_HELP)
    return None if got is None else got[0].date()


_USUAL_MOMENT = re.compile(r"(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)")  # 28.11.2026 14:05, as exports write it
_OFFSETS: dict[tuple, timedelta] = {}  # (zone, local date, hour) → UTC offset


def _local_to_utc(moment: datetime, tz: ZoneInfo) -> datetime:
    """Naive local wall time in ``tz`` → naive UTC, seconds kept, microseconds dropped.

    The offset is looked up once per local hour (zone transitions fall on whole hours), which
    makes a million-row import noticeably cheaper than asking the zone for every row.
    """
    key = (tz, moment.year, moment.month, moment.day, moment.hour)
    offset = _OFFSETS.get(key)
    if offset is None:
        if len(_OFFSETS) > 200_000:
            _OFFSETS.clear()
        offset = _OFFSETS[key] = moment.replace(minute=0, second=0, microsecond=0, tzinfo=tz).utcoffset()
    return (moment - offset).replace(microsecond=0)


def parse_datetime(v, tz: ZoneInfo) -> datetime | None:
    """A moment → naive UTC. Times without a zone are wall time in ``tz`` (Novosibirsk)."""
    if type(v) is str and (m := _USUAL_MOMENT.fullmatch(v)):  # the common case, without text()
        d, mo, y, hh, mm = m.groups()
        try:
            return _local_to_utc(datetime(int(y), int(mo), int(d), int(hh), int(mm)), tz)
        except ValueError:
            pass  # not a real date: the general path below says so in the user's words
    got = _parse_moment(v, _DT_HELP)
    if got is None:
        return None
    moment, aware = got
    if not aware:
        return _local_to_utc(moment, tz)
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
