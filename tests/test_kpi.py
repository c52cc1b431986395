"""Pure modules: histogram helpers (kpi), periods, formatting, working-time arithmetic."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard.core import formatting as fmt
from dashboard.core import periods
from dashboard.core.metrics import (
    KPIS,
    RATING_WEIGHTS,
    bin_index,
    bins_below,
    grouped_median,
)
from dashboard.core.periods import Period
from dashboard.core.schema import N_BINS, RESPONSE_BIN_EDGES
from dashboard.core.settings import NORM_HOURS_ALLOWED
from dashboard.core.worktime import subtract_work_minutes, work_minutes
from tests.fixture_data import TZ, local_to_utc

NB = "\u00a0"


def hist(**bins) -> list[int]:
    counts = [0] * N_BINS
    for name, n in bins.items():
        counts[int(name[1:])] = n
    return counts


# -- kpi -----------------------------------------------------------------------

def test_grouped_median():
    assert grouped_median([0] * N_BINS) is None
    # One answer in [60, 90): half = 0.5 -> 60 + 0.5 / 1 × 30.
    assert grouped_median(hist(b07=1)) == pytest.approx(75.0)
    # Three answers, two in [5, 10): half = 1.5 -> 5 + 1.5 / 2 × 5.
    assert grouped_median(hist(b01=2, b02=1)) == pytest.approx(8.75)
    # Two answers in bins 0 and 2: half = 1 is reached at the end of bin 0.
    assert grouped_median(hist(b00=1, b02=1)) == pytest.approx(5.0)
    # Open last bin: its lower edge.
    assert grouped_median(hist(b20=3)) == 10080.0
    # Four answers: 1 in [0, 5), 3 in [1440, 2160): half 2 -> 1440 + 1 / 3 × 720.
    assert grouped_median(hist(b00=1, b16=3)) == pytest.approx(1680.0)


def test_bin_index():
    cases = {0: 0, 4: 0, 5: 1, 59: 6, 60: 7, 89: 7, 1439: 15, 1440: 16, 10079: 19, 10080: 20, 10 ** 6: 20}
    assert {m: bin_index(m) for m in cases} == cases
    for i, edge in enumerate(RESPONSE_BIN_EDGES):
        assert bin_index(edge) == i


def test_bins_below():
    assert (bins_below(60), bins_below(480), bins_below(1440)) == (7, 13, 16)
    for hours in NORM_HOURS_ALLOWED:   # every allowed norm is an edge
        assert RESPONSE_BIN_EDGES[bins_below(hours * 60)] == hours * 60
    with pytest.raises(ValueError, match="границей"):
        bins_below(61)


def test_kpi_catalogue():
    assert sum(RATING_WEIGHTS.values()) == pytest.approx(1.0)
    assert set(RATING_WEIGHTS) <= set(KPIS)
    assert KPIS["median_response"].better == "lower"


# -- periods -------------------------------------------------------------------

def test_period_previous_and_label():
    nov = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert (nov.days, nov.label()) == (30, "ноябрь 2026")
    assert nov.previous() == Period(date(2026, 10, 1), date(2026, 10, 31))
    # Whole months map to months, even of different length.
    assert periods.month(2026, 3).previous() == Period(date(2026, 2, 1), date(2026, 2, 28))
    jan_feb = Period(date(2026, 1, 1), date(2026, 2, 28))
    assert jan_feb.previous() == Period(date(2025, 11, 1), date(2025, 12, 31))
    q3 = periods.quarter(2026, 3)
    assert (q3.start, q3.end, q3.label()) == (date(2026, 7, 1), date(2026, 9, 30), "III квартал 2026")
    assert q3.previous() == periods.quarter(2026, 2)
    assert periods.year(2026).label() == "2026 год"
    assert periods.year(2026).previous() == periods.year(2025)
    # Any other period: the same days shifted back by whole weeks, as few as clear it, so
    # both hold the same days of the week.
    ten = Period(date(2026, 11, 10), date(2026, 11, 19))                 # Tue–Thu
    assert ten.previous() == Period(date(2026, 10, 27), date(2026, 11, 5))  # Tue–Thu, 14 days back
    week = Period(date(2026, 11, 23), date(2026, 11, 29))
    assert week.previous() == Period(date(2026, 11, 16), date(2026, 11, 22))
    thirty = Period(date(2026, 10, 31), date(2026, 11, 29))              # Sat–Sun
    assert thirty.previous() == Period(date(2026, 9, 26), date(2026, 10, 25))  # Sat–Sun, 35 days back
    assert thirty.previous().end.weekday() == thirty.end.weekday() == 6
    day = Period(date(2026, 11, 29), date(2026, 11, 29))
    assert day.previous() == Period(date(2026, 11, 22), date(2026, 11, 22))  # the same weekday
    assert ten.label() == "10.11.2026 – 19.11.2026"
    with pytest.raises(ValueError, match="раньше начала"):
        Period(date(2026, 11, 2), date(2026, 11, 1))


def test_presets():
    today = date(2026, 11, 28)
    assert periods.preset("7d", today) == Period(date(2026, 11, 22), today)
    assert periods.preset("30d", today) == Period(date(2026, 10, 30), today)
    assert periods.preset("month", today) == periods.month(2026, 10)
    assert periods.preset("quarter", today) == periods.quarter(2026, 3)
    assert periods.preset("quarter", date(2026, 2, 10)) == periods.quarter(2025, 4)
    assert periods.preset("month", date(2026, 1, 15)) == periods.month(2025, 12)
    assert periods.preset("year", today) == Period(date(2025, 12, 1), today)
    assert periods.last_full_quarter(today) == periods.quarter(2026, 3)
    with pytest.raises(ValueError):
        periods.preset("decade", today)


@pytest.mark.parametrize("last_day, month_label, quarter_label, month_, quarter_", [
    # The 1st of a month: the running month is the new one, a day old — never the one just over.
    (date(2026, 12, 1), "Декабрь 2026 (по 01.12)", "IV квартал 2026 (по 01.12)", (2026, 12), (2026, 4)),
    (date(2026, 11, 29), "Ноябрь 2026 (по 29.11)", "IV квартал 2026 (по 29.11)", (2026, 11), (2026, 4)),
    (date(2026, 9, 30), "Сентябрь 2026 (по 30.09)", "III квартал 2026 (по 30.09)", (2026, 9), (2026, 3)),
    (date(2027, 1, 1), "Январь 2027 (по 01.01)", "I квартал 2027 (по 01.01)", (2027, 1), (2027, 1)),
])
def test_running_month_and_quarter(last_day, month_label, quarter_label, month_, quarter_):
    """The running month and quarter: named with the data's last day, their period the
    whole calendar month and quarter, so they are compared as the report compares them
    (the previous month or quarter whole, at the same age)."""
    labels = periods.preset_labels(last_day)
    assert (labels["this_month"], labels["this_quarter"]) == (month_label, quarter_label)
    assert labels["month"] == "Прошлый месяц" and list(labels) == list(periods.PRESETS)
    assert periods.preset("this_month", last_day) == periods.month(*month_)
    assert periods.preset("this_quarter", last_day) == periods.quarter(*quarter_)
    assert periods.preset("this_month", last_day) == periods.parse(f"{month_[0]}-{month_[1]:02d}")
    assert periods.preset("this_month", last_day).previous() == periods.preset("month", last_day)
    assert periods.preset("this_quarter", last_day).previous() == periods.preset("quarter", last_day)
    assert periods.running_preset(month_label) == "this_month"
    assert periods.running_preset(quarter_label) == "this_quarter"


def test_running_preset_reads_labels_of_any_day():
    assert periods.running_preset("Октябрь 2026 (по 12.10)") == "this_month"
    assert periods.running_preset("II квартал 2025 (по 03.05)") == "this_quarter"
    for other in ("Прошлый месяц", "Свой период", "Ноябрище 2026 (по 29.11)", "V квартал 2026 (по 29.11)",
                  "Ноябрь 2026"):
        assert periods.running_preset(other) is None, other


def test_parse():
    assert periods.parse("2026-Q3") == periods.quarter(2026, 3)
    assert periods.parse(" 2026q4 ") == periods.quarter(2026, 4)
    assert periods.parse("2026-09") == periods.month(2026, 9)
    assert periods.parse("2026") == periods.year(2026)
    rng = Period(date(2026, 7, 1), date(2026, 9, 30))
    assert periods.parse("2026-07-01..2026-09-30") == rng
    assert periods.parse("2026-07-01/2026-09-30") == rng
    with pytest.raises(ValueError, match="Не удалось разобрать период"):
        periods.parse("прошлый месяц")


# -- formatting ----------------------------------------------------------------

def test_numbers_and_shares():
    assert fmt.num(1234567) == f"1{NB}234{NB}567"
    assert fmt.num(12.5, 1) == "12,5"
    assert fmt.num(999) == "999"
    assert fmt.num(None) == fmt.num(float("nan")) == "—"
    assert fmt.pct(0.125) == f"12,5{NB}%"
    assert fmt.pct(1) == f"100,0{NB}%"
    assert fmt.pct(None) == "—"
    assert fmt.signed(1234) == f"+1{NB}234"
    assert fmt.signed(-5, 1) == "−5,0"
    assert fmt.signed(0) == "±0"
    assert fmt.pp(0.021) == f"+2,1{NB}п.п."
    assert fmt.pp(-0.1) == f"−10,0{NB}п.п."


def test_dates_and_durations():
    assert fmt.d(date(2026, 11, 28)) == "28.11.2026"
    assert fmt.d(None) == "—"
    # a date column of a frame with an empty cell holds NaT: «—», as for None
    assert [fmt.d(pd.NaT), fmt.dt(pd.NaT), fmt.num(pd.NA), fmt.pct(float("nan"))] == ["—"] * 4
    assert fmt.dt(datetime(2026, 11, 28, 14, 5)) == "28.11.2026 14:05"
    assert fmt.duration(45) == f"45{NB}мин"
    assert fmt.duration(59.6) == f"1{NB}ч"
    assert fmt.duration(200) == f"3{NB}ч 20{NB}мин"
    assert fmt.duration(120) == f"2{NB}ч"
    assert fmt.duration(47 * 60 + 59) == f"47{NB}ч 59{NB}мин"
    assert fmt.duration(52 * 60) == f"2{NB}дн 4{NB}ч"
    assert fmt.duration(48 * 60) == f"2{NB}дн"
    assert fmt.duration(None) == "—"


def test_plural():
    forms = ("страница", "страницы", "страниц")
    got = {n: fmt.plural(n, *forms) for n in (0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112)}
    assert got == {0: "страниц", 1: "страница", 2: "страницы", 4: "страницы", 5: "страниц",
                   11: "страниц", 12: "страниц", 14: "страниц", 21: "страница", 22: "страницы",
                   25: "страниц", 101: "страница", 111: "страниц", 112: "страниц"}


# -- worktime (Asia/Novosibirsk, UTC+7; 2.11.2026 is a Monday) ------------------

def wm(a: str, b: str) -> int:
    return work_minutes(local_to_utc(a), local_to_utc(b), TZ)


def test_work_minutes():
    assert wm("2026-11-02 10:00", "2026-11-02 12:30") == 150
    assert wm("2026-11-02 07:00", "2026-11-02 20:00") == 540           # clipped to 9-18
    assert wm("2026-11-02 17:00", "2026-11-03 10:00") == 60 + 60
    assert wm("2026-11-06 17:00", "2026-11-09 11:40") == 60 + 160      # Fri -> Mon
    assert wm("2026-11-07 10:00", "2026-11-08 17:00") == 0             # weekend
    assert wm("2026-11-07 10:00", "2026-11-09 10:00") == 60            # Sat -> Mon
    assert wm("2026-11-02 10:00", "2026-11-16 10:00") == 10 * 540      # two weeks
    assert wm("2026-11-02 10:00", "2026-11-13 12:00") == 9 * 540 + 120
    assert wm("2026-11-02 12:00", "2026-11-02 11:00") == 0             # end before start


def test_subtract_work_minutes():
    sat_evening = local_to_utc("2026-11-28 19:00")
    # 24 working hours back from Saturday evening: Fri 9 h, Thu 9 h, Wed 18:00 − 6 h.
    assert subtract_work_minutes(sat_evening, 1440, TZ) == local_to_utc("2026-11-25 12:00")
    assert subtract_work_minutes(sat_evening, 480, TZ) == local_to_utc("2026-11-27 10:00")
    # The latest instant with exactly 60 working minutes before Mon 10:00 is Mon 09:00.
    assert subtract_work_minutes(local_to_utc("2026-11-23 10:00"), 60, TZ) == local_to_utc("2026-11-23 09:00")
    assert subtract_work_minutes(local_to_utc("2026-11-23 10:00"), 61, TZ) == local_to_utc("2026-11-20 17:59")
    assert subtract_work_minutes(local_to_utc("2026-11-25 12:00"), 0, TZ) == local_to_utc("2026-11-25 12:00")
    end = local_to_utc("2026-11-26 15:30")
    for minutes in (1, 60, 330, 331, 480, 1440, 2880, 4320):
        start = subtract_work_minutes(end, minutes, TZ)
        assert work_minutes(start, end, TZ) == minutes


def test_period_grain_follows_its_length():
    from dashboard.core.periods import Period, month, quarter, year

    assert month(2026, 2).grain() == "day"                                   # 28 days
    assert Period(date(2026, 1, 1), date(2026, 2, 1)).grain() == "week"      # 32 days
    assert quarter(2026, 3).grain() == "week"
    assert Period(date(2026, 1, 1), date(2026, 7, 3)).grain() == "week"      # 184 days
    assert year(2026).grain() == "month"
