"""Everything a report shows, gathered from ``queries/`` in one read.

``gather`` runs the same query functions the pages run, with the same filters, so
every number in a deck, PDF or workbook equals the number on screen. Nothing here
counts or averages raw rows; the only arithmetic is the difference between two
periods' query results (rating score change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine

from dashboard.core import db
from dashboard.core import formatting as fmt
from dashboard.core.localtime import to_local, to_local_series
from dashboard.core.metrics import change_basis, previous_label, trend_grain
from dashboard.core.periods import Period, data_until_text, known_until
from dashboard.core.settings import get_settings
from dashboard.presentation.maps import Choropleth, map_classes
from dashboard.presentation.reports.theme import ReportError
from queries import breakdowns, kpis, pages, rating, reference, responses, series
from queries.filters import Filters, Norm
from queries.kpis import Headline
from queries.series import cut_by_the_data

OBLAST_NAME = "Новосибирская область"
PAGES_SHOWN = 14  # pages listed on the slide of a municipality report

@dataclass(frozen=True)
class ReportContent:
    """The query results behind one report."""

    period: Period
    previous: Period
    municipality_id: int | None      # None: the whole oblast
    scope_name: str
    data_date: date | None           # «Данные на …»
    last_day: date | None            # the last local day with data (messages or stats)
    today: date                      # the local date of ``now``
    is_demo: bool
    norm: Norm
    norm_label: str
    now: datetime
    grain: str                       # of the series: day | week | month
    headline: Headline               # scope, current period
    headline_prev: Headline          # scope, previous equal period
    oblast: Headline | None          # whole oblast, current period (municipality reports)
    municipalities: pd.DataFrame     # breakdowns.by_municipality, whole oblast
    rating: pd.DataFrame             # rating.rating + prev_score, score_change, prev_share_in_norm, prev_enough_data
    series: pd.DataFrame             # series.messages_series for the scope
    topics: pd.DataFrame             # breakdowns.by_topic for the scope
    responses: pd.DataFrame          # responses.response_distribution for the scope
    platforms: pd.DataFrame          # breakdowns.by_platform for the scope
    # Municipality reports: its open pages with the most subscribers (PAGES_SHOWN, for the
    # slide) and how many there are; the workbook streams the whole list (pages.registry_chunks).
    pages: pd.DataFrame | None
    pages_total: int | None
    targets: dict = field(default_factory=dict)  # KPI code -> dashboard.core.targets.Target
    # The last day of the previous period the headline counts while this one runs (the same
    # age, queries.kpis.compared_until); None: the previous period whole.
    compared_until: date | None = None
    # The first day with data when the previous period starts before it (queries.kpis.data_from):
    # the headline's previous figures are then blank and no change is shown.
    data_from: date | None = None
    # Municipality reports: series.messages_series of the whole oblast, the municipality's
    # «Ответ в срок» trend draws its share beside the municipality's (charts.timeliness_vs_oblast).
    oblast_series: pd.DataFrame | None = None
    # When the report was made, local time: the clock (``now`` when a caller pins it). Not
    # ``now``, which a demo database caps at its snapshot: a workbook made on 01.12 had said
    # «сформирован 29.11.2026 17:00», in UTC beside local dates.
    made_at: datetime | None = None

    @property
    def is_oblast(self) -> bool:
        return self.municipality_id is None

    @cached_property
    def map_classes(self) -> Choropleth:
        """The map slide's classes of the municipalities, as «Карта» draws them
        (maps.map_classes with the report's targets): its picture and its key read them."""
        return map_classes(self.municipalities, targets=self.targets)

    @property
    def change_basis(self) -> str:
        """What the headline's changes compare with, in the words of the line under the
        screen's cards (metrics.change_basis): «к периоду 01.10.2026 – 31.10.2026»; while the
        period runs, the previous one as far into it as this one is (queries.kpis.same_age):
        «к 01.10.2026 – 28.10.2026 (столько же дней)»."""
        return change_basis(self.previous, self.compared_until, self.data_from)

    @property
    def previous_label(self) -> str:
        """The previous period's values as far as they are compared (metrics.previous_label):
        «октябрь 2026», or «октябрь 2026 по 28.10» while this period runs."""
        return previous_label(self.previous, self.compared_until)

    @property
    def known_until(self) -> date | None:
        return known_until(self.last_day, self.today)

    @property
    def unfinished(self) -> str:
        """«Период ещё не закончился: …» when the period runs past the data, else ''."""
        return unfinished_note(self.period, self.last_day, self.today)

    def rating_row(self) -> pd.Series | None:
        """The municipality's row of the rating (municipality reports)."""
        if self.municipality_id is None:
            return None
        rows = self.rating[self.rating["municipality_id"] == self.municipality_id]
        return None if rows.empty else rows.iloc[0]


def local_pages(df: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """Page rows (queries.pages registry columns) with «последняя публикация» in local time,
    as the screens print it (the database keeps UTC)."""
    return df.assign(last_post_at=to_local_series(df["last_post_at"], tz))


def scope_filters(period: Period, municipality_id: int | None, norm: Norm) -> Filters:
    ids = () if municipality_id is None else (municipality_id,)
    return Filters(period.start, period.end, municipality_ids=ids, norm=norm)


def data_date(status: reference.DataStatus, tz: ZoneInfo) -> date | None:
    """The date the data is current to: last write (local date), else the last day with data."""
    if status.updated_at is not None:
        return to_local(status.updated_at, tz).date()
    return status.last_day


def unfinished_note(period: Period, last_day: date | None, today: date) -> str:
    """What the «Отчёт» page and every report file say of a period that is not over (it ends
    today or later) or runs past the last day with data: its figures are not final."""
    if last_day is None or (period.end < today and period.end <= last_day):
        return ""
    return f"Период ещё не закончился: {data_until_text(known_until(last_day, today))}."


def check_period(period: Period, status: reference.DataStatus) -> None:
    """A report on a period without any data would be all dashes: refuse with the data range."""
    if status.first_day is None or status.last_day is None:
        raise ReportError("В базе нет данных: загрузите выгрузки ЦУР, запустите сбор или демо-данные.")
    if period.end < status.first_day or period.start > status.last_day:
        raise ReportError(
            f"За период «{period.label()}» данных нет: данные есть с {fmt.d(status.first_day)} "
            f"по {fmt.d(status.last_day)}.")


def rating_with_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The current rating plus the previous period's score and share within the norm."""
    prev = previous[["municipality_id", "score", "share_in_norm", "enough_data"]].rename(
        columns={"score": "prev_score", "share_in_norm": "prev_share_in_norm", "enough_data": "prev_enough_data"})
    out = current.merge(prev, on="municipality_id", how="left")
    out["score_change"] = out["score"] - out["prev_score"]
    out["prev_enough_data"] = out["prev_enough_data"].fillna(False).astype(bool)
    return out


def gather(engine: Engine, period: Period, municipality_id: int | None = None,
           norm: Norm | None = None, now: datetime | None = None) -> ReportContent:
    """Run every query a report needs, in one connection."""
    settings = get_settings()
    norm = norm or Norm.from_settings(settings)
    f = scope_filters(period, municipality_id, norm)
    oblast_f = scope_filters(period, None, norm)
    made_at = to_local(now or db.utcnow(), settings.tz).replace(microsecond=0)
    with engine.connect() as conn:
        now = db.figures_now(conn, now)
        status = reference.data_status(conn)
        check_period(period, status)
        names = reference.municipalities(conn).set_index("id")["name"]
        cur, prev = kpis.headline_compare(conn, f, now)
        grain = trend_grain(period, cur.messages)  # as the pages: a district's month by weeks
        rating_df = rating_with_changes(*rating.rating_and_previous(conn, oblast_f, now))
        today = to_local(now, settings.tz).date()

        def trend(filters: Filters) -> pd.DataFrame:
            return cut_by_the_data(series.messages_series(conn, filters, grain, now), period, grain,
                                   known_until(status.last_day, today))

        return ReportContent(
            period=period,
            previous=period.previous(),
            municipality_id=municipality_id,
            scope_name=OBLAST_NAME if municipality_id is None else str(names[municipality_id]),
            data_date=data_date(status, settings.tz),
            last_day=status.last_day,
            today=today,
            is_demo=status.is_demo,
            norm=norm,
            norm_label=norm.label,
            now=now,
            grain=grain,
            headline=cur,
            headline_prev=prev,
            oblast=None if municipality_id is None else kpis.headline(conn, oblast_f, now),
            municipalities=breakdowns.by_municipality(conn, oblast_f, now),
            rating=rating_df,
            series=trend(f),
            topics=breakdowns.by_topic(conn, f),
            responses=responses.response_distribution(conn, f),
            platforms=breakdowns.by_platform(conn, f, now),
            pages=None if municipality_id is None else local_pages(pages.registry_page(
                conn, f, sort="subscribers", descending=True, limit=PAGES_SHOWN), settings.tz),
            pages_total=None if municipality_id is None else pages.registry_count(conn, f),
            targets=settings.targets,
            compared_until=kpis.compared_until(conn, f, now),
            data_from=kpis.data_from(conn, f),
            oblast_series=None if municipality_id is None else trend(oblast_f),
            made_at=made_at,
        )
