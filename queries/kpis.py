"""Headline KPIs for a period, and for the previous equal period."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from dashboard.core.db import figures_now
from dashboard.core.localtime import to_local
from dashboard.core.metrics import KPIS, before_the_data
from dashboard.core.settings import get_settings
from queries.aggregate import late_sums, measures, none_if_nan
from queries.filters import Filters
from queries.reference import first_day


@dataclass(frozen=True)
class Headline:
    """Formulas: dashboard.core.metrics.KPIS[<field name>]."""

    pages: int
    subscribers: int
    messages: int
    answered: int
    due: int                         # messages whose response deadline has passed or answered
    in_norm: int
    share_answered: float | None     # answered / messages
    share_in_norm: float | None      # in_norm / due
    median_response_min: float | None
    mean_response_min: float | None
    overdue: int
    photo_share: float | None        # photo / answered
    satisfaction: float | None       # pos / (pos + neg)
    posts: int
    posts_per_week: float | None     # per page
    er: float | None                 # share, 0.012 = 1,2 %
    rated: int = 0                   # messages with a known satisfaction mark (sat_pos + sat_neg)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # other sums/KPIs

    @classmethod
    def blank(cls) -> "Headline":
        """Every figure missing: the previous period when there is none to compare with."""
        return cls(**{f.name: None for f in fields(cls) if f.name not in ("rated", "extra")})

    def value(self, code: str):
        """The value of KPI ``code`` (dashboard.core.metrics.KPIS) — a field or, for a KPI
        added to the registry and its query only, the measure in ``extra``."""
        return self._get(KPIS[code].column)

    def has(self, code: str) -> bool:
        """True when the headline query computes KPI ``code``."""
        name = KPIS[code].column
        return (name in self.__dataclass_fields__ and name != "extra") or name in self.extra

    def sample(self, code: str):
        """The number of cases behind KPI ``code`` (None for counts)."""
        s = KPIS[code].sample
        return None if s is None else self._get(s)

    def _get(self, name: str):
        if name in self.__dataclass_fields__ and name != "extra":
            return getattr(self, name)
        return self.extra.get(name)


def headline(conn: Connection, f: Filters, now: datetime | None = None,
             as_of: datetime | None = None) -> Headline:
    """All headline KPIs for f's period and dimensions. ``now`` (UTC, naive) defaults to the
    current time and only matters for `due` and `overdue`.

    Formulas (dashboard.core.metrics.KPIS codes; details in queries.aggregate.add_kpis):

    - pages ('pages'): pages open on the period end (``page``: opened_on <= end, not
      closed by then); platform and municipality filters apply, topic does not.
    - subscribers ('subscribers'): sum of each page's latest subscriber level on or before
      the period end (``subs_daily`` at its last date <= end).
    - messages ('messages'), answered: received in the period / of those, with a first
      response (``msg_daily``, by local day of receipt).
    - due, in_norm, share_in_norm ('share_in_norm'): in_norm = answered faster than the
      norm (histogram bins below the norm, calendar or working minutes); due = messages
      minus the unanswered ones received after ``now`` − norm (their deadline has not
      come yet), i.e. answered + unanswered older than the norm; share = in_norm / due.
    - share_answered ('share_answered') = answered / messages.
    - median_response_min ('median_response'): kpi.grouped_median of the summed
      histogram; mean_response_min ('mean_response') = response minutes / answered;
      both in the norm's mode.
    - overdue ('overdue'): 'new'/'in_work', unanswered, received before ``now`` − norm.
    - photo_share ('photo_share') = answers with a photo report / answered.
    - satisfaction ('satisfaction') = positive / (positive + negative).
    - posts: posts of snapshots dated in the period; posts_per_week ('posts_per_week') =
      posts / pages / (days / 7).
    - er ('er') = (likes + reposts + comments) / posts / subscribers, a share.
    """
    row = {k: none_if_nan(v) for k, v in measures(conn, f, now, as_of=as_of).to_dict("records")[0].items()}
    row["rated"] = int((row.get("sat_pos") or 0) + (row.get("sat_neg") or 0))
    named = {fl.name for fl in fields(Headline)} - {"extra"}
    return Headline(**{n: row[n] for n in named}, extra={k: v for k, v in row.items() if k not in named})


def same_age(f: Filters, now: datetime) -> datetime:
    """The moment (UTC) at which the previous equal period was as old as f's period is at
    ``now``. A period that is over: the previous one's end + the time elapsed since f's end
    (``now`` shifted back by the distance between the two periods' last days). A period
    still running at ``now`` (its last local day not past): as long after the previous one's
    start as ``now`` is after f's (shifted back by the distance between their first days),
    so both count the same time of messages — a running November on 28.11 against October
    to 28.10, not to 29.10 (October has a day more: its messages would read 3 % higher)."""
    prev = f.previous()
    return now - ((f.start - prev.start) if _running(f, now) else (f.end - prev.end))


def _running(f: Filters, now: datetime) -> bool:
    """f's period still runs at ``now``: its last local day is not past."""
    return to_local(now, get_settings().tz).date() <= f.end


def compared_until(conn: Connection, f: Filters, now: datetime | None = None) -> date | None:
    """The last local day of the previous period that f's changes count (headline_compare,
    same moment): while f's period runs, the day of ``same_age`` — a running November seen on
    30.11 is compared with October to 30.10, as far into it; None once f's period is over
    (the previous one is then taken whole). The line under the cards and the report name
    it through metrics.change_basis."""
    now = figures_now(conn, now)
    return to_local(same_age(f, now), get_settings().tz).date() if _running(f, now) else None


def data_from(conn: Connection, f: Filters) -> date | None:
    """The first day with data when f's previous period starts before it (no change is then
    shown: metrics.before_the_data), else None. The line under the cards and the report say
    it through metrics.change_basis."""
    return before_the_data(f.previous(), first_day(conn))


def whole_weeks_back(f: Filters) -> timedelta:
    """How far back the overdue figure is compared (``headline_compare``): the distance
    between f's period and the previous one, rounded up to whole weeks — 7 days for 7
    days, 35 for 30 days or a month, 98 for a quarter."""
    return timedelta(days=7 * math.ceil((f.end - f.previous().end).days / 7))


def headline_compare(conn: Connection, f: Filters, now: datetime | None = None) -> tuple[Headline, Headline]:
    """(current period, previous equal period) with the same dimension filters, like for like.

    The previous period is ``f.previous()`` (previous month/quarter/year for whole calendar
    ones, else the same number of days before), taken as it stood at the same age
    (``same_age``): only messages received, and first responses given, by that moment
    count, and messages unanswered then are overdue or not yet due as they were then. So
    figures that keep changing after a period ends (share answered, share within the norm,
    response times, overdue) are compared with what the previous period showed at the
    same point, not with its settled values. Pages and subscribers are levels at the
    periods' ends and need no such rule.

    Overdue is a stock at a moment, and it follows the week (answers given in office hours
    wait over the weekend): a Sunday night holds about twice a Friday night's. So its
    previous value is the same window shifted back by whole weeks (``whole_weeks_back``),
    as it stood at ``now`` shifted back as far — the same weekday and hour.

    A previous period that starts before the data (``data_from``) is no base: its headline
    is blank (``Headline.blank``), so every change reads «—»."""
    now = figures_now(conn, now)
    if data_from(conn, f) is not None:
        return headline(conn, f, now), Headline.blank()
    prev = headline(conn, f.previous(), now, as_of=same_age(f, now))
    back = whole_weeks_back(f)
    weeks = f.with_(start=f.start - back, end=f.end - back)
    if weeks != f.previous():
        prev = replace(prev, overdue=int(late_sums(conn, weeks, now - back)["overdue"].fillna(0).iloc[0]))
    return headline(conn, f, now), prev
