"""Demo activity: weekly page statistics and residents' messages, vectorised with numpy.

Everything is drawn from one seeded ``numpy.random.Generator`` in a fixed order,
so the same seed and end date always give the same rows. Used by ``dashboard.writers.demo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dashboard.core.platforms import MESSAGE_PLATFORMS
from dashboard.core.schema import CLOSED_AFTER_DAYS
from dashboard.writers.demo.entities import MAX_LAUNCH, Pages
from dashboard.writers.demo.times import SECOND, Zone, add_work_minutes, message_times

DAY = np.timedelta64(1, "D")

# Topic mix (codes of reference.TOPICS) like the published H1 2024 figures:
# roads first, then ЖКХ, благоустройство, transport, health.
TOPIC_CODES = ("roads", "housing", "improvement", "transport", "health", "waste", "snow",
               "education", "social", "heat_water", "other")
TOPIC_MIX = np.array([0.22, 0.14, 0.11, 0.09, 0.085, 0.075, 0.07, 0.06, 0.055, 0.05, 0.045])
# Month (Jan..Dec) multipliers per topic: snow in winter, roads in spring, heat in autumn.
_SEASON = {
    "roads":       (0.8, 0.8, 1.1, 1.6, 1.5, 1.2, 1.0, 1.0, 0.9, 0.9, 0.8, 0.8),
    "improvement": (0.6, 0.6, 0.8, 1.2, 1.5, 1.4, 1.3, 1.2, 1.0, 0.9, 0.7, 0.6),
    "snow":        (2.4, 2.2, 1.6, 0.4, 0.05, 0.0, 0.0, 0.0, 0.05, 0.5, 1.8, 2.4),
    "heat_water":  (1.2, 1.0, 0.8, 0.6, 0.6, 0.8, 0.9, 0.9, 1.8, 1.7, 1.1, 1.1),
    "waste":       (1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 0.9, 0.9, 1.1),
}
SEASON = np.array([_SEASON.get(code, (1.0,) * 12) for code in TOPIC_CODES]).T  # [month, topic]
# Photo reports are typical for visible work.
_PHOTO_TOPICS = {"roads", "improvement", "snow", "waste", "heat_water", "housing"}
PHOTO_FACTOR = np.array([1.35 if code in _PHOTO_TOPICS else 0.6 for code in TOPIC_CODES])

MONTH_VOLUME = np.array([1.05, 1.0, 1.1, 1.2, 1.1, 0.95, 0.9, 0.9, 1.0, 1.05, 1.0, 1.0])
WEEKDAY_VOLUME = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.65, 0.6])
TREND_PER_YEAR = 0.08
HOURS_WEEKDAY = np.array([0.3, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.9, 1.5, 2.0, 2.2, 2.1,
                          2.0, 2.0, 1.9, 1.8, 1.7, 1.6, 1.6, 1.7, 1.8, 1.6, 1.1, 0.6])
HOURS_WEEKEND = np.array([0.5, 0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.3, 1.6, 1.8,
                          1.8, 1.7, 1.6, 1.6, 1.6, 1.6, 1.7, 1.8, 1.8, 1.6, 1.2, 0.8])

# Share of messages by platform; MAX reaches its full weight ten months after launch.
MESSAGE_WEIGHT = {"vk": 0.86, "ok": 0.10, "max": 0.12}
PLATFORM_WEIGHT = np.array([MESSAGE_WEIGHT[code] for code in MESSAGE_PLATFORMS])
MAX_RAMP_DAYS = 300
CAPITAL_SHARE = 0.60   # share of messages from the largest municipality (Novosibirsk)
REGIONAL_SHARE = 0.05  # messages on the pages of regional bodies


@dataclass
class Responder:
    """How fast each municipality answers (index 0: regional bodies, i: municipality id i)."""

    median_work_min: np.ndarray  # median delay in working minutes (office-hours answers)
    duty_share: np.ndarray       # share answered around the clock (calendar delay)
    unanswered: np.ndarray       # share never answered
    photo: np.ndarray            # base rate of photo reports


def build_responders(n_mun: int, capital: int, rng: np.random.Generator, *, excellent: int = 4,
                     slipping: int = 4) -> Responder:
    """A few excellent municipalities (median ~1-2 h), most at 3-10 h, a few slipping."""
    tier = np.ones(n_mun + 1, dtype=int)  # 0 excellent, 1 normal, 2 slipping
    others = rng.permutation([i for i in range(1, n_mun + 1) if i != capital])
    tier[others[:excellent]] = 0
    tier[others[excellent:excellent + slipping]] = 2
    low = np.array([35, 90, 700])[tier]
    high = np.array([70, 240, 1300])[tier]
    unans_low = np.array([0.005, 0.02, 0.06])[tier]
    unans_high = np.array([0.015, 0.035, 0.09])[tier]
    size = n_mun + 1
    return Responder(
        median_work_min=rng.uniform(low, high, size),
        duty_share=np.array([0.75, 0.45, 0.1])[tier] * rng.uniform(0.8, 1.2, size),
        unanswered=rng.uniform(unans_low, unans_high, size),
        photo=rng.uniform(0.18, 0.34, size),
    )


# -- page statistics -------------------------------------------------------------

@dataclass
class PageStats:
    page_index: np.ndarray  # index into Pages
    on: np.ndarray          # datetime64[D] (Mondays)
    subscribers: np.ndarray
    posts: np.ndarray
    views: np.ndarray
    likes: np.ndarray
    comments: np.ndarray
    reposts: np.ndarray

    def __len__(self) -> int:
        return len(self.on)


_GROWTH = {"vk": (0.10, 0.05), "ok": (0.01, 0.04), "tg": (0.12, 0.06), "max": (0.30, 0.10)}
_RAMP_DAYS = {"vk": 60, "ok": 60, "tg": 60, "max": 150}


def mondays(start: date, end: date) -> np.ndarray:
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    return np.arange(np.datetime64(first), np.datetime64(end) + DAY, 7)


def build_page_stats(pages: Pages, start: date, end: date, rng: np.random.Generator) -> PageStats:
    """Weekly (Monday) snapshots of every page from its opening: level and the week's flows."""
    weeks = mondays(start, end)
    n, w = len(pages), len(weeks)
    growth = np.empty(n)
    ramp_days = np.empty(n)
    for platform, (mu, sd) in _GROWTH.items():
        sel = pages.platform == platform
        growth[sel] = rng.normal(mu, sd, sel.sum())
        ramp_days[sel] = _RAMP_DAYS[platform]
    age = (weeks[None, :] - pages.opened_on[:, None]) / DAY          # days since opening
    years = ((weeks - np.datetime64(start)) / DAY / 365.0)[None, :]
    ramp = 1 - np.exp(-np.maximum(age, 0) / ramp_days[:, None])
    walk = np.cumsum(rng.normal(0, 0.004, (n, w)), axis=1)
    level = pages.base_subscribers[:, None] * ramp * np.exp(growth[:, None] * years + walk)
    subscribers = np.maximum(1, np.round(level)).astype(np.int64)

    live = age >= 0
    posts = rng.poisson(pages.posts_per_week[:, None] * live)
    reach = rng.uniform(0.15, 0.45, n)[:, None] * rng.lognormal(0, 0.2, (n, w))
    views = rng.poisson(posts * subscribers * reach)
    likes = rng.poisson(views * rng.uniform(0.02, 0.06, n)[:, None])
    comment_rate = np.where(pages.platform == "tg", 0.0, rng.uniform(0.05, 0.2, n))
    comments = rng.poisson(likes * comment_rate[:, None])
    reposts = rng.poisson(likes * rng.uniform(0.05, 0.15, n)[:, None])

    rows, cols = np.nonzero(live)  # row-major: grouped by page, dates ascending
    return PageStats(
        page_index=rows, on=weeks[cols], subscribers=subscribers[rows, cols],
        posts=posts[rows, cols], views=views[rows, cols], likes=likes[rows, cols],
        comments=comments[rows, cols], reposts=reposts[rows, cols],
    )


def last_post_at(pages: Pages, stats: PageStats, end: date, zone: Zone, rng: np.random.Generator) -> np.ndarray:
    """UTC time of each page's latest post (NaT if none).

    A page that posted in its last snapshot week keeps posting up to ``end`` (the gap
    to the latest post follows its posting rate); otherwise the latest post falls in
    the week before its last snapshot with posts.
    """
    out = np.full(len(pages), np.datetime64("NaT"), dtype="datetime64[s]")
    last_snapshot = np.full(len(pages), np.datetime64("NaT"), dtype="datetime64[D]")
    last_snapshot[stats.page_index] = stats.on  # rows are sorted by page, then date
    with_posts = stats.posts > 0
    idx = stats.page_index[with_posts]
    on = stats.on[with_posts]
    last = np.flatnonzero(np.r_[idx[1:] != idx[:-1], True]) if len(idx) else idx
    page, on = idx[last], on[last]
    offset = rng.integers(3600, 7 * 86400, len(page))
    week_before = on.astype("datetime64[s]") - offset * SECOND
    gap = np.minimum(rng.exponential(7 * 86400 / pages.posts_per_week[page]), 14 * 86400).astype(np.int64)
    day_after_end = np.datetime64(end) + DAY
    # Not before the snapshot's day, and at a working hour of it (08:00–20:00, from the same
    # draw): clamped to the date itself, a rarely posting page read «30.11.2026 00:00».
    that_day = on.astype("datetime64[s]") + (8 * 3600 + offset % (12 * 3600)) * SECOND
    recent = np.maximum(day_after_end.astype("datetime64[s]") - gap * SECOND, that_day)
    local = np.where(on == last_snapshot[page], recent, week_before)
    out[page] = zone.to_utc(local)
    return out


# -- messages --------------------------------------------------------------------

@dataclass
class Messages:
    page_index: np.ndarray
    topic: np.ndarray            # index into TOPIC_CODES
    private: np.ndarray          # bool: private message (else comment)
    received_at: np.ndarray      # datetime64[s] UTC
    first_response_at: np.ndarray  # datetime64[s] UTC, NaT when unanswered
    received_day: np.ndarray     # datetime64[D] local
    received_hour: np.ndarray
    response_minutes: np.ndarray       # -1 when unanswered
    response_work_minutes: np.ndarray  # -1 when unanswered
    status: np.ndarray           # str
    closed_at: np.ndarray        # datetime64[s] UTC, NaT unless closed without an answer
    photo_report: np.ndarray     # bool
    satisfaction: np.ndarray     # -1, 0, 1; -2 = unknown

    def __len__(self) -> int:
        return len(self.received_at)


def _daily_counts(start: date, end: date, per_year: float, rng: np.random.Generator) -> np.ndarray:
    days = np.arange(np.datetime64(start), np.datetime64(end) + DAY)
    months = days.astype("datetime64[M]").astype(int) % 12
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    month_day = (days - days.astype("datetime64[M]")) / DAY + 1
    holidays = (months == 0) & (month_day <= 8)
    trend = np.exp(TREND_PER_YEAR * ((days - days[-1]) / DAY) / 365.0)
    factor = MONTH_VOLUME[months] * WEEKDAY_VOLUME[weekday] * np.where(holidays, 0.6, 1.0) * trend
    expected = per_year * len(days) / 365.0 * factor / factor.sum()
    return days, rng.poisson(expected)


def _local_times(days: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    day = np.repeat(days, counts)
    weekend = ~np.is_busday(day, weekmask="1111100")
    hour = np.empty(len(day), dtype=np.int64)
    for mask, profile in ((~weekend, HOURS_WEEKDAY), (weekend, HOURS_WEEKEND)):
        hour[mask] = rng.choice(24, size=mask.sum(), p=profile / profile.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, len(day))
    return day.astype("datetime64[s]") + seconds * SECOND


def _topics(local: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    months = local.astype("datetime64[M]").astype(int) % 12
    topic = np.empty(len(local), dtype=np.int64)
    for m in range(12):
        sel = months == m
        p = TOPIC_MIX * SEASON[m]
        topic[sel] = rng.choice(len(TOPIC_CODES), size=sel.sum(), p=p / p.sum())
    return topic


def _page_weights(pages: Pages, n_mun: int, capital: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per message-capable page: municipality index, platform index and weight within its group.

    Within a municipality and platform the administration's page takes ~55 % of
    messages, institutions share the rest by the square root of their audience.
    """
    plat = np.full(len(pages), -1)
    for i, p in enumerate(MESSAGE_PLATFORMS):
        plat[pages.platform == p] = i
    mun = pages.municipality_id.astype(np.int64)
    audience = np.sqrt(np.maximum(pages.base_subscribers, 1))
    head = pages.head
    inst_sum = np.bincount(mun, np.where(head, 0, audience), minlength=n_mun + 1)
    within = np.where(head, np.maximum(inst_sum[mun], 1) * 0.55 / 0.45, audience)
    return mun, plat, within


def municipality_shares(populations: np.ndarray, capital: int, rng: np.random.Generator) -> np.ndarray:
    """Share of messages per municipality index (0: regional bodies)."""
    n = len(populations)
    share = np.zeros(n + 1)
    rest = populations * rng.lognormal(0, 0.3, n)
    rest[capital - 1] = 0
    share[1:] = (1 - CAPITAL_SHARE - REGIONAL_SHARE) * rest / rest.sum()
    share[capital] = CAPITAL_SHARE
    share[0] = REGIONAL_SHARE
    return share


def _assign_pages(local: np.ndarray, pages: Pages, mun_share: np.ndarray, capital: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Page of each message, week by week among the pages already open that week."""
    n_mun = len(mun_share) - 1
    mun, plat, within = _page_weights(pages, n_mun, capital)
    capable = plat >= 0
    group = mun * len(MESSAGE_PLATFORMS) + np.maximum(plat, 0)
    day = local.astype("datetime64[D]")
    monday = day - ((day.astype(int) + 3) % 7) * DAY
    out = np.empty(len(local), dtype=np.int64)
    bounds = np.flatnonzero(np.r_[True, monday[1:] != monday[:-1], True])
    max_launch = np.datetime64(MAX_LAUNCH)
    for a, b in zip(bounds[:-1], bounds[1:]):
        week = monday[a]
        active = capable & (pages.opened_on <= week)
        w = within * active
        z = np.bincount(group, w, minlength=(n_mun + 1) * len(MESSAGE_PLATFORMS))
        ramp = np.clip((week - max_launch) / DAY / MAX_RAMP_DAYS, 0, 1)
        pw = PLATFORM_WEIGHT * np.array([ramp if code == "max" else 1.0 for code in MESSAGE_PLATFORMS])
        w = np.where(active, w / np.where(z[group] > 0, z[group], 1) * pw[np.maximum(plat, 0)], 0)
        per_mun = np.bincount(mun, w, minlength=n_mun + 1)
        w = np.where(active, w / np.where(per_mun[mun] > 0, per_mun[mun], 1) * mun_share[mun], 0)
        idx = np.flatnonzero(w)
        p = w[idx] / w[idx].sum()
        out[a:b] = idx[rng.choice(len(idx), size=b - a, p=p)]
    return out


def build_messages(pages: Pages, mun_share: np.ndarray, responders: Responder, capital: int,
                   start: date, end: date, per_year: float, zone: Zone,
                   rng: np.random.Generator) -> Messages:
    """Residents' messages over [start, end] and the pages' responses, as of the end of ``end``."""
    days, counts = _daily_counts(start, end, per_year, rng)
    local = _local_times(days, counts, rng)
    n = len(local)
    topic = _topics(local, rng)
    page = _assign_pages(local, pages, mun_share, capital, rng)
    mun = pages.municipality_id[page].astype(np.int64)
    platform = pages.platform[page]
    received = zone.to_utc(local)

    # Responses: office-hours answers wait for the working day, duty answers do not.
    delay = np.round(rng.lognormal(np.log(responders.median_work_min[mun]), 0.9)).astype(np.int64) + 1
    duty = rng.random(n) < responders.duty_share[mun]
    office_end = zone.to_utc(add_work_minutes(local, delay))
    response = np.where(duty, received + delay * 60 * SECOND, office_end)
    never = rng.random(n) < responders.unanswered[mun]
    as_of = zone.to_utc(np.array([np.datetime64(end) + DAY], dtype="datetime64[s]"))[0]
    answered = ~never & (response <= as_of)
    response = np.where(answered, response, np.datetime64("NaT"))
    times = message_times(received, response, zone)

    # Status of the unanswered: old ones mostly closed (CLOSED_AFTER_DAYS after receipt),
    # recent ones still new or in work.
    old = received < as_of - np.timedelta64(CLOSED_AFTER_DAYS, "D")
    draw = rng.random(n)
    status = np.where(draw < 0.55, "new", "in_work").astype(object)
    status[old & (draw < 0.8)] = "closed"
    status[old & (draw >= 0.8) & (draw < 0.92)] = "in_work"
    status[old & (draw >= 0.92)] = "new"
    status[answered] = "answered"
    closed_at = np.where(status == "closed", received + np.timedelta64(CLOSED_AFTER_DAYS, "D"),
                         np.datetime64("NaT")).astype("datetime64[s]")

    photo = answered & (rng.random(n) < responders.photo[mun] * PHOTO_FACTOR[topic])
    minutes = times["response_minutes"]
    p_pos = np.where(minutes < 480, 0.9, np.where(minutes < 1440, 0.75, 0.55)) + 0.05 * photo
    rated = answered & (rng.random(n) < 0.3)
    draw = rng.random(n)
    satisfaction = np.where(draw < p_pos, 1, np.where(draw < p_pos + (1 - p_pos) * 0.1, 0, -1))
    satisfaction = np.where(rated, satisfaction, -2)
    private = rng.random(n) < np.where(platform == "ok", 0.1, 0.25)

    order = np.argsort(received, kind="stable")
    return Messages(
        page_index=page[order], topic=topic[order], private=private[order],
        received_at=received[order], first_response_at=response[order],
        received_day=times["received_day"][order], received_hour=times["received_hour"][order],
        response_minutes=minutes[order], response_work_minutes=times["response_work_minutes"][order],
        status=status[order], closed_at=closed_at[order], photo_report=photo[order],
        satisfaction=satisfaction[order],
    )
