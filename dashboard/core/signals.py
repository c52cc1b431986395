"""Signals: what needs attention today. Pure rules, no database and no Streamlit.

Each rule takes facts already read from the database (``queries.signals`` reads them)
and returns ``Signal`` objects: a kind, a severity, a Russian sentence with the numbers,
a link to the screen that shows the situation and a stable ``key`` — the same situation
gets the same key every day, so it is reported as new once and resolved when it ends.

Rules and their settings (``dashboard.core.settings``):

- ``overdue`` (per municipality; regional bodies together): messages of the last
  ``signal_overdue_days`` days still 'new'/'in_work' after the response norm; critical when
  the oldest has waited more than ``signal_escalation_days`` days.
- ``silent`` (per page): the last post is older than ``signal_silent_days`` days.
- ``unreachable`` (per page): collection could not read the page ``signal_collect_failures``
  runs in a row (closed, deleted, token).
- ``no_mark`` (per page): a mandatory page (an administration's or a regional body's VK/OK
  page) has no госметка — collection updates the mark daily, so a lost mark fires here.
- ``missing_page`` (per municipality and platform): the administration has no open page on
  a mandatory platform (VK, OK).
- ``spike`` (per municipality, and per topic over the oblast): messages received on the
  last full day against the same weekday of the previous ``signal_spike_weeks`` weeks:
  robust z = (x − median) / (1,4826 × MAD), the MAD scale taken as at least 1 message;
  fires when z ≥ ``signal_spike_z`` and x ≥ ``signal_spike_min``; critical at twice the z.
- ``norm_drop`` (per municipality): the share answered within the norm over the last
  7 full days fell by ``signal_norm_drop_pp`` п.п. or more against the 4 weeks before
  (at least ``NORM_DROP_MIN_DUE`` due messages in each).
- ``subs_drop`` (per page): subscribers fell by ``signal_subs_drop_pct`` % or more against
  the snapshot a week earlier (pages of at least ``SUBS_DROP_MIN`` subscribers); warning at
  twice the threshold.
- ``stale`` (the oblast): no import or collection for more than ``signal_stale_days`` days.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dashboard.core import formatting as fmt
from dashboard.core.localtime import to_local
from dashboard.core.platforms import label as platform_label

SEVERITIES = {"critical": "Критично", "warning": "Внимание", "info": "К сведению"}
SEVERITY_ICONS = {"critical": "🔴", "warning": "🟠", "info": "🔵"}

KINDS = {
    "overdue": "Обращения без ответа",
    "silent": "Нет публикаций",
    "unreachable": "Страница не собирается",
    "no_mark": "Нет госметки",
    "missing_page": "Нет обязательной страницы",
    "spike": "Всплеск обращений",
    "norm_drop": "Падение доли ответов в срок",
    "subs_drop": "Отток подписчиков",
    "stale": "Данные устарели",
}

MANDATORY_PLATFORMS = ("vk", "ok")
MANDATORY_WHERE = {"vk": "ВКонтакте", "ok": "в Одноклассниках"}
NORM_DROP_MIN_DUE = 20
SUBS_DROP_MIN = 100
MAD_SCALE = 1.4826  # MAD × 1.4826 estimates the standard deviation of normal data

# Screens the links open (url paths of dashboard/ui/app.py NAVIGATION; a test keeps them equal).
PATH_MESSAGES = "obrashcheniya"
PATH_MUNICIPALITY = "munitsipalitet"
PATH_PAGE = "stranitsa"
PATH_DATA = "dannye"
PATH_SIGNALS = "signaly"
PAGE_PARAM = "page"          # ?page=<page id> opens the page profile
WHERE_PARAM = "where"        # «Сигналы» ?where=<municipality name>: its signals only
REGIONAL_NAME = "Региональные органы власти"
WEEKDAYS_GEN = ("понедельников", "вторников", "сред", "четвергов", "пятниц", "суббот", "воскресений")


@dataclass(frozen=True)
class Signal:
    key: str
    kind: str
    severity: str
    text: str
    link: str                          # relative URL of the screen, e.g. "stranitsa?page=5"
    municipality_id: int | None = None  # None: regional bodies or the whole oblast
    page_id: int | None = None
    since: datetime | None = None      # naive UTC: when the situation began, if the data says
    weight: float = 0.0                # orders signals of one severity (bigger first)

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity]

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def local_date(utc: datetime, tz: ZoneInfo | None) -> date:
    """The local calendar date of a naive UTC time (UTC's own when tz is None)."""
    return to_local(utc, tz).date() if tz else utc.date()


def link(path: str, **params) -> str:
    """A relative in-app URL. The shared sidebar filters are bound to the URL by their shown
    value: ``mo`` takes a municipality's name, ``topic`` a topic's name (dashboard.ui.widgets);
    the municipality profile takes ``m=<id>``, the page profile ``page=<id>``."""
    params = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(params)}" if params else path


def page_link(page_id: int) -> str:
    """``link(PATH_PAGE, page=page_id)`` without urlencode: a page id needs no quoting, and
    the silent rule makes thousands of these country-wide."""
    return f"{PATH_PAGE}?{PAGE_PARAM}={int(page_id)}"


def sort_key(s: Signal):
    """Critical first; within a severity by kind (KINDS order), weight (descending), key."""
    return (list(SEVERITIES).index(s.severity), list(KINDS).index(s.kind), -s.weight, s.key)


def place(municipality: str | None) -> str:
    return municipality or REGIONAL_NAME


def page_name(title: str, platform: str, municipality: str | None) -> str:
    """«Мэрия (ВКонтакте, город Новосибирск)»."""
    return f"«{title}» ({platform_label(platform)}, {place(municipality)})"


def _count(n: int, one: str, few: str, many: str) -> str:
    return f"{fmt.num(n)} {fmt.plural(n, one, few, many)}"


def days_text(n: int) -> str:
    """«5 дней»."""
    return _count(n, "день", "дня", "дней")


def _mun_key(mid: int | None) -> str:
    return f"m{mid or 0}"


# --- rules ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overdue:
    municipality_id: int | None
    municipality: str | None
    count: int
    oldest_received_at: datetime  # naive UTC


def overdue(rows: Iterable[Overdue], now: datetime, norm_label: str, escalation_days: int) -> list[Signal]:
    """``norm_label`` as it reads after «дольше» (settings.norm_short: «24 ч», «8 рабочих ч»).
    Waiting time is calendar time since receipt."""
    out = []
    for r in rows:
        if r.count <= 0:
            continue
        waited = (now - r.oldest_received_at).total_seconds() / 60
        critical = waited > escalation_days * 24 * 60
        text = (f"{place(r.municipality)}: {_count(r.count, 'обращение', 'обращения', 'обращений')} "
                f"без ответа дольше {norm_label}, самое старое — {fmt.duration(waited)}")
        if critical:
            text += f" (срок эскалации — {fmt.num(escalation_days)}\u00a0сут.)"
        out.append(Signal(
            key=f"overdue:{_mun_key(r.municipality_id)}", kind="overdue",
            severity="critical" if critical else "warning", text=text,
            link=link(PATH_MESSAGES, mo=place(r.municipality)), municipality_id=r.municipality_id,
            since=r.oldest_received_at, weight=r.count,
        ))
    return out


@dataclass(frozen=True)
class PageFact:
    page_id: int
    title: str
    platform: str
    municipality_id: int | None
    municipality: str | None
    last_post_at: datetime | None = None  # naive UTC
    fail_runs: int = 0
    reason: str | None = None             # why the last collection skipped it
    verified: bool = True
    mandatory: bool = False               # an administration's / regional body's VK or OK page


def silent_key(page_id: int) -> str:
    return f"silent:p{page_id}"


def silent_text(title: str, platform: str, municipality: str | None, quiet: int, last_day: date) -> str:
    """«Мэрия (ВКонтакте, город Новосибирск)»: нет публикаций 30 дней, последняя — 01.11.2026."""
    return f"{page_name(title, platform, municipality)}: нет публикаций {days_text(quiet)}, последняя — {fmt.d(last_day)}"


def silent(pages: Iterable[PageFact], now: datetime, days: int, tz: ZoneInfo | None = None) -> list[Signal]:
    """Pages whose last known post is older than ``days`` days (pages without any known post
    are left to ``unreachable``: nothing says they were ever read)."""
    out = []
    for p in pages:
        if p.last_post_at is None:
            continue
        quiet = (now - p.last_post_at).days
        if quiet < days:
            continue
        out.append(Signal(
            key=silent_key(p.page_id), kind="silent", severity="warning",
            text=silent_text(p.title, p.platform, p.municipality, quiet, local_date(p.last_post_at, tz)),
            link=page_link(p.page_id), municipality_id=p.municipality_id, page_id=p.page_id,
            since=p.last_post_at + timedelta(days=days), weight=quiet,
        ))
    return out


def unreachable(pages: Iterable[PageFact], runs: int) -> list[Signal]:
    out = []
    for p in pages:
        if p.fail_runs < runs:
            continue
        reason = f": {p.reason}" if p.reason else ""
        out.append(Signal(
            key=f"unreachable:p{p.page_id}", kind="unreachable", severity="critical",
            text=f"{page_name(p.title, p.platform, p.municipality)}: сбор данных не удался "
                 f"{_count(p.fail_runs, 'запуск', 'запуска', 'запусков')} подряд{reason}",
            link=page_link(p.page_id), municipality_id=p.municipality_id, page_id=p.page_id,
            weight=p.fail_runs,
        ))
    return out


def no_mark(pages: Iterable[PageFact]) -> list[Signal]:
    return [
        Signal(
            key=f"no_mark:p{p.page_id}", kind="no_mark", severity="warning",
            text=f"{page_name(p.title, p.platform, p.municipality)}: нет госметки на обязательной странице",
            link=page_link(p.page_id), municipality_id=p.municipality_id, page_id=p.page_id,
        )
        for p in pages if p.mandatory and not p.verified
    ]


@dataclass(frozen=True)
class Presence:
    municipality_id: int
    municipality: str
    has_vk: bool
    has_ok: bool


def missing_page(rows: Iterable[Presence]) -> list[Signal]:
    """One signal per municipality whose administration lacks an open VK or OK page."""
    out = []
    for r in rows:
        missing = [p for p, has in (("vk", r.has_vk), ("ok", r.has_ok)) if not has]
        if not missing:
            continue
        where = " и ".join(MANDATORY_WHERE[p] for p in missing)
        out.append(Signal(
            key=f"missing_page:{_mun_key(r.municipality_id)}", kind="missing_page", severity="critical",
            text=f"{r.municipality}: у администрации нет открытой страницы {where} "
                 f"(обязательные платформы)",
            link=link(PATH_MUNICIPALITY, m=r.municipality_id), municipality_id=r.municipality_id,
            weight=len(missing),
        ))
    return out


def robust_z(x: float, history: list[float]) -> tuple[float, float, float]:
    """(z, median, scale): z = (x − median) / scale, scale = max(1.4826 × MAD, 1)."""
    med = statistics.median(history)
    mad = statistics.median(abs(h - med) for h in history)
    scale = max(MAD_SCALE * mad, 1.0)
    return (x - med) / scale, med, scale


@dataclass(frozen=True)
class DailyCounts:
    """Messages of one group (a municipality or a topic) by local day of receipt."""

    group: str                  # "m" (municipality) or "t" (topic)
    group_id: int | None
    name: str
    counts: dict[date, int]     # missing days are zero


def spike(groups: Iterable[DailyCounts], day: date, weeks: int, z_min: float, n_min: int) -> list[Signal]:
    out = []
    weekday = WEEKDAYS_GEN[day.weekday()]
    for g in groups:
        x = g.counts.get(day, 0)
        if x < n_min:
            continue
        history = [g.counts.get(day - timedelta(weeks=k), 0) for k in range(1, weeks + 1)]
        z, med, _scale = robust_z(x, history)
        if z < z_min:
            continue
        who = place(g.name) if g.group == "m" else f"Тема «{g.name}» по области"
        params = {"mo": place(g.name)} if g.group == "m" else {"topic": g.name}
        out.append(Signal(
            key=f"spike:{g.group}{g.group_id or 0}", kind="spike",
            severity="critical" if z >= 2 * z_min else "warning",
            text=f"{who}: всплеск обращений — {fmt.num(x)} за {fmt.d(day)} при обычных "
                 f"{fmt.num(med, 0 if med == int(med) else 1)} (медиана {weeks} предыдущих {weekday}), "
                 f"робастный z = {fmt.num(z, 1)}",
            link=link(PATH_MESSAGES, **params), municipality_id=g.group_id if g.group == "m" else None,
            weight=z,
        ))
    return out


@dataclass(frozen=True)
class NormShare:
    municipality_id: int | None
    municipality: str | None
    share_recent: float | None
    due_recent: int
    share_before: float | None
    due_before: int


def norm_drop(rows: Iterable[NormShare], drop_pp: float, recent: tuple[date, date]) -> list[Signal]:
    out = []
    for r in rows:
        if r.share_recent is None or r.share_before is None or any(
                math.isnan(v) for v in (r.share_recent, r.share_before)):
            continue
        if r.due_recent < NORM_DROP_MIN_DUE or r.due_before < NORM_DROP_MIN_DUE:
            continue
        drop = (r.share_before - r.share_recent) * 100
        if drop < drop_pp:
            continue
        out.append(Signal(
            key=f"norm_drop:{_mun_key(r.municipality_id)}", kind="norm_drop", severity="warning",
            text=f"{place(r.municipality)}: ответ в срок {fmt.pct(r.share_recent)} за "
                 f"{fmt.d(recent[0])} – {fmt.d(recent[1])} против {fmt.pct(r.share_before)} за 4 недели "
                 f"до того ({fmt.pp(r.share_recent - r.share_before)})",
            link=link(PATH_MUNICIPALITY, m=r.municipality_id) if r.municipality_id
            else link(PATH_MESSAGES, mo=REGIONAL_NAME),
            municipality_id=r.municipality_id, weight=drop,
        ))
    return out


@dataclass(frozen=True)
class SubsChange:
    page_id: int
    title: str
    platform: str
    municipality_id: int | None
    municipality: str | None
    on: date
    subscribers: int
    before_on: date
    before: int


def subs_drop(rows: Iterable[SubsChange], pct: float) -> list[Signal]:
    out = []
    for r in rows:
        if r.before < SUBS_DROP_MIN or r.subscribers >= r.before:
            continue
        fall = (r.before - r.subscribers) / r.before * 100
        if fall < pct:
            continue
        out.append(Signal(
            key=f"subs_drop:p{r.page_id}", kind="subs_drop",
            severity="warning" if fall >= 2 * pct else "info",
            text=f"{page_name(r.title, r.platform, r.municipality)}: подписчиков {fmt.num(r.subscribers)} "
                 f"на {fmt.d(r.on)} против {fmt.num(r.before)} на {fmt.d(r.before_on)} "
                 f"(−{fmt.num(fall, 1)} %)",
            link=page_link(r.page_id), municipality_id=r.municipality_id, page_id=r.page_id, weight=fall,
        ))
    return out


def stale(last_write: datetime | None, now: datetime, days: int, tz: ZoneInfo | None = None) -> list[Signal]:
    if last_write is not None and now - last_write <= timedelta(days=days):
        return []
    text = ("Данные ни разу не загружались" if last_write is None else
            f"Данные не обновлялись {fmt.duration((now - last_write).total_seconds() / 60)}: "
            f"последний импорт или сбор — {fmt.d(local_date(last_write, tz))}")
    return [Signal(key="stale:data", kind="stale", severity="critical",
                   text=f"{text} (порог — {days_text(days)})", link=PATH_DATA,
                   since=None if last_write is None else last_write + timedelta(days=days))]


def rule_texts(s) -> dict[str, str]:
    """How each kind is decided, in Russian, with the thresholds of settings ``s`` (shown on
    «Методика» and «Сигналы»)."""
    return {
        "overdue": f"Обращения за последние {days_text(s.signal_overdue_days)} в статусе «новое» или «в работе» "
                   f"без ответа дольше нормы — по муниципалитету: число и время ожидания самого старого. "
                   f"«Критично», если самое старое ждёт дольше {fmt.num(s.signal_escalation_days)} сут.",
        "silent": f"Последняя публикация страницы — {days_text(s.signal_silent_days)} назад или раньше.",
        "unreachable": f"Ежедневный сбор не смог прочитать страницу {fmt.num(s.signal_collect_failures)} "
                       "запуска подряд (закрыта, удалена, нет доступа по токену).",
        "no_mark": "На обязательной странице (ВКонтакте или Одноклассники администрации муниципалитета "
                   "или регионального органа) нет госметки; сбор обновляет отметку ежедневно.",
        "missing_page": "У администрации муниципалитета нет открытой страницы ВКонтакте или в Одноклассниках.",
        "spike": f"Обращения за последний полный день против того же дня недели за "
                 f"{fmt.num(s.signal_spike_weeks)} предыдущих недель (по муниципалитету и по теме в области): "
                 f"робастный z = (x − медиана) / (1,4826 × MAD), знаменатель не меньше 1; сигнал при "
                 f"z ≥ {fmt.num(s.signal_spike_z, 1)} и x ≥ {fmt.num(s.signal_spike_min)}, «Критично» при "
                 f"вдвое большем z. MAD — медиана отклонений от медианы.",
        "norm_drop": f"Доля ответов в срок за последние 7 полных дней ниже, чем за 4 недели до них, на "
                     f"{fmt.num(s.signal_norm_drop_pp, 0)} п.п. и больше (не меньше {NORM_DROP_MIN_DUE} "
                     "обращений со сроком в каждом периоде).",
        "subs_drop": f"Подписчиков страницы меньше, чем неделю назад (снимок 7–14 дней назад), на "
                     f"{fmt.num(s.signal_subs_drop_pct, 0)} % и больше (страницы от {SUBS_DROP_MIN} "
                     "подписчиков); «Внимание» при вдвое большем оттоке.",
        "stale": f"Не было импорта или сбора данных дольше {fmt.num(s.signal_stale_days)} сут.",
    }
