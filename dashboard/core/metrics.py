"""KPI definitions: the single source of names, formulas and units.

Queries in ``queries/`` compute these figures; the «Методика» page, the report
method slide and the query docstrings all read the texts below, so the formula
shown to users is the one the code implements. Pure logic, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dashboard.core.schema import RESPONSE_BIN_EDGES


@dataclass(frozen=True)
class KPI:
    code: str
    name: str            # short Russian name, for cards and table headers
    formula: str         # plain-Russian formula
    unit: str            # "шт.", "%", "мин", "чел.", ...
    better: str          # "higher" | "lower" | "neutral"
    source: str          # where the data comes from
    note: str = ""


SRC_PAGES = "Реестр госпабликов (импорт ЦУР или сбор через API VK/OK)."
SRC_STATS = "Снимки статистики страниц: число подписчиков на дату, публикации и реакции между снимками."
SRC_MSG = ("Комментарии и сообщения жителей на официальных страницах (импорт выгрузок ЦУР "
           "или сбор комментариев через API VK).")

KPIS: dict[str, KPI] = {k.code: k for k in [
    KPI("pages", "Госпаблики", "Число страниц, открытых на конец периода (дата открытия ≤ конца периода, "
        "страница не закрыта).", "шт.", "neutral", SRC_PAGES),
    KPI("subscribers", "Подписчики", "Сумма по страницам последнего известного числа подписчиков "
        "на конец периода (последний снимок не позже конца периода).", "чел.", "higher", SRC_STATS,
        "Один человек, подписанный на несколько страниц, учитывается несколько раз."),
    KPI("subscriber_growth", "Прирост подписчиков", "Подписчики на конец периода − подписчики на конец "
        "предыдущего равного периода.", "чел.", "higher", SRC_STATS),
    KPI("subs_per_1000", "Подписки на 1000 жителей", "Подписчики на конец периода / численность "
        "населения × 1000.", "на 1000 жит.", "higher", SRC_STATS + " Население: перепись 2021 г."),
    KPI("messages", "Обращения", "Число комментариев и сообщений жителей, поступивших за период "
        "(по местной дате поступления).", "шт.", "neutral", SRC_MSG),
    KPI("messages_per_1000", "Обращения на 1000 жителей", "Обращения за период / численность населения × 1000.",
        "на 1000 жит.", "neutral", SRC_MSG),
    KPI("share_answered", "Доля с ответом", "Обращения, на которые дан ответ / все обращения периода.",
        "%", "higher", SRC_MSG),
    KPI("share_in_norm", "Ответ в срок", "Обращения с первым ответом не позже нормы / обращения периода, "
        "срок ответа по которым уже наступил. Без ответа после нормы — не в срок.", "%", "higher", SRC_MSG),
    KPI("median_response", "Медиана первого ответа", "Медиана времени от поступления до первого ответа "
        "страницы по обращениям с ответом; оценивается по интервалам гистограммы "
        "(5 мин до 20 мин, затем 10-15-30 мин, 1-2-4 ч …) с линейной интерполяцией внутри интервала.",
        "мин", "lower", SRC_MSG),
    KPI("mean_response", "Среднее время первого ответа", "Сумма времени до первого ответа / число "
        "обращений с ответом.", "мин", "lower", SRC_MSG),
    KPI("overdue", "Просрочено без ответа", "Обращения периода в статусе «новое» или «в работе», "
        "поступившие раньше, чем норма назад от текущего момента.", "шт.", "lower", SRC_MSG),
    KPI("photo_share", "Ответы с фотоотчётом", "Ответы с фотоотчётом о выполненной работе / обращения с ответом.",
        "%", "higher", SRC_MSG),
    KPI("satisfaction", "Удовлетворённость", "Положительные оценки / (положительные + отрицательные) "
        "среди обращений с известной оценкой.", "%", "higher", SRC_MSG),
    KPI("posts_per_week", "Публикаций в неделю", "Публикации за период / число недель в периоде "
        "(дни / 7), в среднем на страницу.", "в нед.", "higher", SRC_STATS),
    KPI("er", "ER (вовлечённость)", "(Лайки + репосты + комментарии) за период / публикации за период / "
        "подписчики на конец периода × 100 % — вовлечённость на одну публикацию (как в Popsters).",
        "%", "higher", SRC_STATS),
]}

# Response-time buckets for the distribution chart: (code, label, from_min, to_min).
RESPONSE_BUCKETS = (
    ("lt1h", "до 1 ч", 0, 60),
    ("1_8h", "1–8 ч", 60, 480),
    ("8_24h", "8–24 ч", 480, 1440),
    ("gt24h", "более 24 ч", 1440, None),
)
UNANSWERED_LABEL = "без ответа"


def bins_below(minutes: int) -> int:
    """Number of histogram bins that lie wholly below ``minutes`` (an edge)."""
    if minutes not in RESPONSE_BIN_EDGES:
        raise ValueError(f"{minutes} мин не является границей интервала гистограммы")
    return RESPONSE_BIN_EDGES.index(minutes)


def grouped_median(counts: Sequence[int]) -> float | None:
    """Median of a histogram over RESPONSE_BIN_EDGES, interpolated inside its bin.

    For the open last bin the lower edge is returned. None when empty.
    """
    total = sum(counts)
    if total == 0:
        return None
    half = total / 2
    cum = 0
    for i, c in enumerate(counts):
        if c and cum + c >= half:
            lo = RESPONSE_BIN_EDGES[i]
            if i + 1 >= len(RESPONSE_BIN_EDGES):
                return float(lo)
            hi = RESPONSE_BIN_EDGES[i + 1]
            return lo + (half - cum) / c * (hi - lo)
        cum += c
    return float(RESPONSE_BIN_EDGES[-1])


def bin_index(minutes: int) -> int:
    """Histogram bin of a response time in minutes."""
    i = 0
    for k, edge in enumerate(RESPONSE_BIN_EDGES):
        if minutes >= edge:
            i = k
    return i


# Composite rating of municipalities: weights sum to 1; each component is
# scaled 0..100 across the municipalities ranked (min-max, direction-aware).
RATING_WEIGHTS = {
    "share_in_norm": 0.40,
    "median_response": 0.20,
    "subs_per_1000": 0.20,
    "photo_share": 0.10,
    "posts_per_week": 0.10,
}
RATING_MIN_MESSAGES = 10  # fewer messages in the period: "мало данных", not ranked
