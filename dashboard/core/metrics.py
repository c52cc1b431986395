"""The metric registry: every KPI defined once, and how it is shown.

Each ``KPI`` holds its code, Russian name and short name, unit, display format (with its
rounding), direction (better up or down), formula text, the stored sums it is computed
from, the sample that must be large enough to show it, and a slot for a target.
Everything that shows a KPI — headline cards, chart axes and tooltips, the map legend,
rating columns, «Методика», report cards and workbook columns — takes name, format and
change text/colour from here (``KPI.text``, ``KPI.change``), so a screen and a slide print
the same text for the same value. Queries in ``queries/`` compute the values (the KPI's
``column`` in their results; formulas in ``queries.aggregate.add_kpis``).

Adding a KPI computed from existing sums: add it to ``KPIS`` below (and to
``REPORT_CARDS`` if it belongs on the report's KPI slide) and compute its column in
``queries.aggregate.add_kpis``; nothing else lists KPIs. Pure logic, no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from dashboard.core import formatting as fmt
from dashboard.core.periods import Period
from dashboard.core.schema import CLOSED_AFTER_DAYS, RESPONSE_BIN_EDGES

LOW_DATA = "мало данных"
MIN_SAMPLE = 5  # default: fewer messages behind a share or a median -> «мало данных»


def messages_text(n: int) -> str:
    """«1 обращение», «12 обращений»: a count of messages in words."""
    return f"{fmt.num(n)} {fmt.plural(int(n), 'обращение', 'обращения', 'обращений')}"


def low_data_messages(n: int) -> str:
    """«мало данных: 12 обращений» — what a tooltip says of a value from too few messages
    (a trend's point, a map's area)."""
    return f"{LOW_DATA}: {messages_text(n)}"


def due_text(n: int, before: str = "из") -> str:
    """«из 30 обращений, срок ответа по которым наступил» («меньше 5 …», «из 1 обращения, …
    по которому …»): the messages a share of those already due (share_in_norm) rests on."""
    one = fmt.plural(int(n), True, False, False)
    return (f"{before} {fmt.num(n)} {'обращения' if one else 'обращений'}, "
            f"срок ответа по {'которому' if one else 'которым'} наступил")


# What a KPI's sample counts (KPI.sample), in the genitive plural: «меньше 5 оценок».
SAMPLE_WORDS = {"messages": "обращений", "due": "обращений со сроком ответа", "answered": "обращений с ответом",
                "rated": "оценок"}

# Display formats: how a value is rounded and written. ``scale`` turns a share into percent.
KINDS = ("int", "num1", "num2", "pct", "pct2", "minutes")
_DIGITS = {"int": 0, "num1": 1, "num2": 2, "pct": 1, "pct2": 2, "minutes": 0}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_value(x, kind: str) -> str:
    """A value in Russian format by display kind: int, num1, num2, pct, pct2, minutes."""
    if kind in ("pct", "pct2"):
        return fmt.pct(x, _DIGITS[kind])
    if kind == "minutes":
        return fmt.duration(x)
    return fmt.num(x, _DIGITS.get(kind, 0))


def shown_value(x, kind: str) -> float | None:
    """The number a formatted value actually shows, in display units (percent for shares,
    minutes for durations): 0.70004 as 'pct' -> 70.0; 2905.4 min ('2 дн') -> 2880."""
    if _missing(x):
        return None
    x = float(x)
    if kind in ("pct", "pct2"):
        return round(x * 100, _DIGITS[kind]) + 0.0
    if kind == "minutes":
        m = int(round(x))
        return float(m if m < 48 * 60 else m // 60 * 60)   # fmt.duration drops minutes from 2 days
    return round(x, _DIGITS.get(kind, 0)) + 0.0


@dataclass(frozen=True)
class Change:
    """A change of a KPI against a comparison value, decided once from the shown values.

    ``direction``: 'up', 'down' or 'flat' (the shown values are equal);
    ``tone``: 'good', 'bad' or 'neutral' (flat, a KPI without direction, or no data)."""

    text: str | None          # '+1 234 (+5,2 %)', '−2,1 п.п.', '±0,0 п.п.', '+25 мин'; None: no data
    delta: float | None       # shown(cur) − shown(prev) in display units
    direction: str = "flat"
    tone: str = "neutral"


NO_CHANGE = Change(None, None)


@dataclass(frozen=True)
class KPI:
    code: str
    name: str                   # Russian name: cards, headers, axes, «Методика»
    formula: str                # plain-Russian formula
    unit: str                   # "шт.", "%", "мин", "чел.", ...
    better: str                 # "higher" | "lower" | "neutral"
    source: str                 # where the data comes from
    kind: str = "int"           # display format and rounding: one of KINDS
    column: str = ""            # column in query results (queries.kpis.Headline, by_municipality)
    short: str = ""             # short name for narrow places (table headers, legends)
    sums: tuple[str, ...] = ()  # stored sums the formula needs (queries.aggregate)
    sample: str | None = None   # the sum counting the cases behind the value (None: a count)
    min_sample: int = 0         # fewer cases than this: «мало данных» instead of the value
    ages: bool = False          # still changes after the period ends: compared at the same age
    note: str = ""
    target: float | None = None  # default goal (green from here); KPI_TARGETS overrides, see core.targets
    amber: float | None = None   # default amber limit: between it and the goal the status is amber

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"KPI {self.code}: unknown display kind {self.kind!r}")
        if not self.column:
            object.__setattr__(self, "column", self.code)
        if not self.short:
            object.__setattr__(self, "short", self.name)

    # -- values ---------------------------------------------------------------
    @property
    def label(self) -> str:
        """The name, for axes, legends, selectors and headers."""
        return self.name

    @property
    def by_topic(self) -> bool:
        """Whether a topic filter narrows it: KPIs of residents' messages do; those of pages,
        their subscribers and posts have no topic (their cards say «все темы»)."""
        return self.source == SRC_MSG

    @property
    def with_unit(self) -> str:
        """The name with the unit where a bare number would not say it (workbook columns,
        whose cells hold minutes as numbers)."""
        return f"{self.name}, мин" if self.kind == "minutes" else self.name

    def format(self, x) -> str:
        """The value as shown (``text`` without the sample check)."""
        return format_value(x, self.kind)

    def too_small(self, sample) -> bool:
        """True when the value rests on fewer cases than ``min_sample`` (but on some)."""
        return (self.sample is not None and sample is not None and not _missing(sample)
                and 0 < sample < self.min_sample)

    def text(self, x, sample=None) -> str:
        """The value as shown: '12,5 %', '3 ч 20 мин', '1 234'; '—' when missing;
        «мало данных» when ``sample`` is below ``min_sample``."""
        if self.too_small(sample):
            return LOW_DATA
        return format_value(x, self.kind)

    def shown(self, x) -> float | None:
        """The number ``text(x)`` shows (display units, rounded as displayed)."""
        return shown_value(x, self.kind)

    def change(self, cur, prev, cur_sample=None, prev_sample=None) -> Change:
        """Change text, direction and tone, from the shown (rounded) values: two values
        that print the same give '±0…' in grey, never '+0,0' in green or '−0,0' in red."""
        if self.too_small(cur_sample) or self.too_small(prev_sample):
            return NO_CHANGE
        a, b = self.shown(cur), self.shown(prev)
        if a is None or b is None:
            return NO_CHANGE
        delta = round(a - b, _DIGITS[self.kind]) + 0.0
        direction = "up" if delta > 0 else ("down" if delta < 0 else "flat")
        if direction == "flat" or self.better == "neutral":
            tone = "neutral"
        else:
            tone = "good" if (delta > 0) == (self.better == "higher") else "bad"
        return Change(self._change_text(delta, b), delta, direction, tone)

    def _change_text(self, delta: float, prev: float) -> str:
        if self.kind in ("pct", "pct2"):
            return fmt.signed(delta, _DIGITS[self.kind], f"{fmt.NBSP}п.п.")
        if self.kind == "minutes":
            sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
            return sign + fmt.duration(abs(delta))
        if self.kind == "int":
            text = fmt.signed(delta)
            if prev:
                text += f" ({fmt.signed(round(delta / prev * 100, 1), 1, fmt.NBSP + '%')})"
            return text
        return fmt.signed(delta, _DIGITS[self.kind])


SRC_PAGES = "Реестр госпабликов (импорт ЦУР или сбор через API VK/OK)."
SRC_STATS = "Снимки статистики страниц: число подписчиков на дату, публикации и реакции между снимками."
SRC_MSG = ("Комментарии и сообщения жителей на официальных страницах (импорт выгрузок ЦУР "
           "или сбор комментариев через API VK).")
_HIST = tuple(f"bin{i:02d}" for i in range(len(RESPONSE_BIN_EDGES)))

KPIS: dict[str, KPI] = {k.code: k for k in [
    KPI("pages", "Госпаблики", "Число страниц, открытых на конец периода (дата открытия ≤ конца периода, "
        "страница не закрыта).", "шт.", "neutral", SRC_PAGES, kind="int", sums=("pages",)),
    KPI("subscribers", "Подписчики", "Сумма по страницам последнего известного числа подписчиков "
        "на конец периода (последний снимок не позже конца периода).", "чел.", "higher", SRC_STATS,
        kind="int", sums=("subscribers",),
        note="Один человек, подписанный на несколько страниц, учитывается несколько раз."),
    KPI("subscriber_growth", "Прирост подписчиков", "Подписчики на конец периода − подписчики на конец "
        "предыдущего равного периода.", "чел.", "higher", SRC_STATS, kind="int", sums=("subscribers",)),
    KPI("subs_per_1000", "Подписки на 1000 жителей", "Подписчики на конец периода / численность "
        "населения × 1000.", "на 1000 жит.", "higher", SRC_STATS + " Население: перепись 2021 г.",
        kind="num1", short="Подписки на 1000", sums=("subscribers", "population")),
    KPI("messages", "Обращения", "Число комментариев и сообщений жителей, поступивших за период "
        "(по местной дате поступления).", "шт.", "neutral", SRC_MSG, kind="int", sums=("messages",)),
    KPI("messages_per_1000", "Обращения на 1000 жителей", "Обращения за период / численность населения × 1000.",
        "на 1000 жит.", "neutral", SRC_MSG, kind="num2", short="Обращения на 1000",
        sums=("messages", "population")),
    KPI("share_answered", "Доля с ответом", "Обращения, на которые дан ответ / все обращения периода.",
        "%", "higher", SRC_MSG, kind="pct", sums=("answered", "messages"), sample="messages",
        min_sample=MIN_SAMPLE, ages=True),
    KPI("share_in_norm", "Ответ в срок", "Обращения с первым ответом не позже нормы / обращения периода, "
        "срок ответа по которым уже наступил. Без ответа после нормы — не в срок.", "%", "higher", SRC_MSG,
        kind="pct", sums=("in_norm", "messages", "not_due"), sample="due", min_sample=MIN_SAMPLE, ages=True,
        target=0.90, amber=0.75),
    KPI("median_response", "Медиана первого ответа", "Медиана времени от поступления до первого ответа "
        "страницы по обращениям с ответом; оценивается по интервалам гистограммы "
        "(5 мин до 20 мин, затем 10-15-30 мин, 1-2-4 ч …) с линейной интерполяцией внутри интервала.",
        "мин", "lower", SRC_MSG, kind="minutes", column="median_response_min", short="Медиана ответа",
        sums=_HIST, sample="answered", min_sample=MIN_SAMPLE, ages=True, target=8 * 60, amber=24 * 60),
    KPI("mean_response", "Среднее время первого ответа", "Сумма времени до первого ответа / число "
        "обращений с ответом.", "мин", "lower", SRC_MSG, kind="minutes", column="mean_response_min",
        short="Среднее время ответа", sums=("resp_sum", "answered"), sample="answered",
        min_sample=MIN_SAMPLE, ages=True),
    KPI("overdue", "Просрочено без ответа", "Обращения периода в статусе «новое» или «в работе», "
        "поступившие раньше, чем норма назад от текущего момента.", "шт.", "lower", SRC_MSG,
        kind="int", sums=("overdue",), ages=True, target=0, amber=10),
    KPI("photo_share", "Ответы с фотоотчётом", "Ответы с фотоотчётом о выполненной работе / обращения с ответом.",
        "%", "higher", SRC_MSG, kind="pct", short="С фотоотчётом", sums=("photo", "answered"),
        sample="answered", min_sample=MIN_SAMPLE),
    KPI("satisfaction", "Удовлетворённость", "Положительные оценки / (положительные + отрицательные) "
        "среди обращений с известной оценкой.", "%", "higher", SRC_MSG, kind="pct",
        sums=("sat_pos", "sat_neg"), sample="rated", min_sample=MIN_SAMPLE),
    KPI("posts_per_week", "Публикаций в неделю", "Публикации за период / число недель в периоде "
        "(дни / 7), в среднем на страницу.", "в нед.", "higher", SRC_STATS, kind="num1",
        sums=("posts", "pages")),
    KPI("er", "ER (вовлечённость)", "(Лайки + репосты + комментарии) за период / публикации за период / "
        "подписчики на конец периода × 100 % — вовлечённость на одну публикацию (как в Popsters).",
        "%", "higher", SRC_STATS, kind="pct2", short="ER",
        sums=("likes", "reposts", "comments", "posts", "subscribers")),
]}

# How a period is compared with the previous one (queries.kpis.headline_compare): the words
# under the cards, on «Методика» and in the report.
COMPARISON_RULE_SHORT = ("Предыдущий период взят в том виде, каким он был в том же «возрасте»: "
                         "учтены только обращения, ответы и закрытия, поступившие к такому же моменту.")
COMPARISON_RULE = (
    "Изменение считается к предыдущему равному периоду: прошлый месяц, квартал или год для целых "
    "календарных периодов, иначе — те же дни, сдвинутые назад на целое число недель (на 7 дней для "
    "7 дней, на 35 для 30 дней), чтобы в обоих были те же дни недели: жители пишут, а страницы "
    "отвечают по недельному ритму, и ответы на выходные обращения приходят в понедельник. Доля с ответом, "
    "ответ в срок, время первого ответа и просроченные обращения продолжают меняться и после конца "
    "периода, пока приходят ответы. Поэтому предыдущий период берётся таким, каким он был в том же "
    "«возрасте»: на момент «конец предыдущего периода + время, прошедшее с конца текущего» "
    "(для периода, который ещё не закончился, — «начало предыдущего периода + время, прошедшее с "
    "начала текущего»: в обоих прошло одинаковое время, хотя в октябре на день больше, чем в ноябре). "
    "Учитываются только обращения, поступившие к этому моменту, и ответы, данные к нему; "
    "обращения без ответа на тот момент считаются просроченными или ещё не наступившими по сроку так, "
    "как это было тогда: обращение, закрытое без ответа позже этого момента, тогда было открытым. "
    "Если время закрытия неизвестно (загружено без «Даты закрытия»), обращение считается закрытым с "
    "момента поступления; для закрытых до появления этого поля принято время поступления "
    f"+ {CLOSED_AFTER_DAYS} дней. "
    "«Просрочено без ответа» — остаток на момент, он зависит от дня недели; для целых месяцев, "
    "кварталов и лет его сравнивают с тем же окном, сдвинутым назад на целое число недель, — на тот же "
    "день недели и час. Для демонстрационных данных «сейчас» — момент, на котором они заканчиваются. "
    "Госпаблики и подписчики — значения на конец каждого периода. Так же сравниваются места в «Рейтинге»: "
    "изменение места — к предыдущему периоду в том же «возрасте». Если предыдущий период начинается "
    "раньше первого дня с данными, сравнивать не с чем: изменения и сдвиги мест не показываются "
    "(иначе год данных против года нулей дал бы рост на все подписчики и обращения).")


# The messages a trend's bucket should hold on average (trend_grain): the share's minimum sample.
TREND_MIN_PER_BUCKET = KPIS["share_in_norm"].min_sample


def trend_grain(period: Period, messages: int) -> str:
    """The buckets of a scope's trends (messages, «Ответ в срок», subscribers) on the pages
    and in the report: the period's own, or coarser where they would hold on average fewer
    than TREND_MIN_PER_BUCKET messages (Period.grain_for) — a district's 30 days read by
    weeks, the oblast's by days."""
    return period.grain_for(int(messages or 0), TREND_MIN_PER_BUCKET)


def before_the_data(previous: Period, first_day: date | None) -> date | None:
    """``first_day`` (the first day with data) when the previous period starts before it, else
    None: such a period is not a like-for-like base — «Последние 12 месяцев» of a year of data
    against a year of zeros read «Подписчики +3 862 415», «Обращения +54 986» — so no change is
    shown against it (queries.kpis.headline_compare, queries.rating.previous_rating)."""
    return first_day if first_day is not None and previous.start < first_day else None


def change_basis(previous: Period, until: date | None = None, data_from: date | None = None) -> str:
    """What the changes compare with, in the words of the line under the cards and of the
    report: «к периоду 01.10.2026 – 31.10.2026» — the previous period whole, once this one
    is over; while it runs, the days of the previous one up to ``until``, the local day at
    the same age (queries.kpis.compared_until): «к 01.10.2026 – 30.10.2026 (столько же дней)»;
    none before the data (``data_from``, before_the_data): «не показано: данные — только с
    01.12.2025»."""
    if data_from is not None:
        return f"не показано: данные — только с {fmt.d(data_from)}"
    if until is None:
        return f"к периоду {fmt.d(previous.start)} – {fmt.d(previous.end)}"
    return f"к {fmt.d(previous.start)} – {fmt.d(until)} (столько же дней)"


def previous_label(previous: Period, until: date | None = None) -> str:
    """The name of the previous period's values beside this one's (the report's cards and
    workbook): «октябрь 2026» when it is taken whole; while this one runs, as far as it is
    taken (change_basis): «октябрь 2026 по 28.10», «16.11.2026 – 21.11.2026»."""
    if until is None:
        return previous.label()
    if previous.label() == f"{fmt.d(previous.start)} – {fmt.d(previous.end)}":
        return f"{fmt.d(previous.start)} – {fmt.d(until)}"
    return f"{previous.label()} по {until:%d.%m}"


# The eight KPIs on the report's «Главные показатели» slide, in order; the workbook and
# «Методика» list every KPI of the registry.
REPORT_CARDS = ("messages", "share_in_norm", "share_answered", "median_response", "subscribers",
                "pages", "overdue", "satisfaction")

# The composite rating's score: not a KPI of its own, but shown like one in rating tables.
SCORE = KPI("score", "Сводный рейтинг, баллы", "Взвешенная сумма баллов 0–100 по показателям рейтинга.",
            "балл", "higher", "Расчёт по показателям рейтинга.", kind="num1", short="Баллы")


def by_column(column: str) -> KPI:
    """The KPI (or the rating score) whose values are in ``column`` of query results."""
    if column == SCORE.column:
        return SCORE
    for k in KPIS.values():
        if k.column == column:
            return k
    raise KeyError(column)


def kpi_codes(codes: Sequence[str] | None = None) -> list[KPI]:
    """KPIs by code, in the given order (all of the registry when None)."""
    return list(KPIS.values()) if codes is None else [KPIS[c] for c in codes]


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
# Small samples cannot win: a municipality is ranked only with at least rating_min_messages()
# messages in the period (setting RATING_MIN_MESSAGES, default 20, always more than 10), and
# its message-based components are shrunk toward the oblast value as if RATING_PRIOR
# messages at the oblast level were added to its own (a Bayesian estimate with a Beta prior
# for shares; the same weighting for the median): 12 messages at 100 % against an oblast
# 75 % rate (12 + 30 × 0,75) / (12 + 30) = 82 %, below 500 messages at 95 % (93,9 %).
RATING_PRIOR = 30
# A change of place is shown only when the score changed by more than this many standard
# errors of the change (about 95 %): otherwise the move is within the month-to-month noise
# of the message-based components (queries.rating.score_se). On the demo data this cut the
# median |change of place| of municipalities with 20–60 messages from 3 to 0 (README «KPIs»).
RATING_CHANGE_Z = 2.0
# Reliability mark of a ranked row: high from this many messages, else medium.
RATING_RELIABLE_MESSAGES = 100
# Message-based components: column -> (successes column, sample column) for shares,
# (None, sample column) for the median.
RATING_SHRUNK = {
    "share_in_norm": ("in_norm", "due"),
    "photo_share": ("photo", "answered"),
    "median_response_min": (None, "answered"),
}
RELIABILITY = {"high": "высокая", "medium": "средняя", "low": LOW_DATA}


def rating_min_messages() -> int:
    """Fewer messages in the period: «мало данных», not ranked (setting RATING_MIN_MESSAGES)."""
    from dashboard.core.settings import get_settings

    return get_settings().rating_min_messages


RATING_METHOD = (
    "Место определяется не «сырой» долей, а оценкой, учитывающей число обращений: к обращениям "
    "муниципалитета добавляются {prior} условных обращений со средним по области значением "
    "(байесовская оценка со сжатием к среднему). Доля в срок = (ответы в срок + {prior} × доля по "
    "области) / (обращения со сроком + {prior}); так же — доля ответов с фотоотчётом, а медиана "
    "ответа — средневзвешенное медианы муниципалитета (вес — число ответов) и медианы по области "
    "(вес {prior}). У муниципалитета с 12 обращениями и долей 100 % при области 75 % оценка — 82 %, "
    "у муниципалитета с 500 обращениями и долей 95 % — 93,9 %: малые выборки не выигрывают "
    "случайно. Муниципалитеты, получившие меньше {min} обращений, не ранжируются («мало данных»). "
    "Надёжность: «высокая» — от {reliable} обращений, «средняя» — от {min}. Равные баллы "
    "(с точностью до показанного знака) делят одно место. Изменение места показывается, только если "
    "муниципалитет ранжирован в обоих периодах и его оценка изменилась больше, чем на {z:g} стандартные "
    "ошибки изменения (доли в срок и с фотоотчётом — биномиальная ошибка оценки при её числе "
    "обращений): иначе место сдвинулось в пределах случайных колебаний и изменение не показывается.")


def rating_method_text() -> str:
    """RATING_METHOD with the current numbers (for «Методика», the rating page and the README)."""
    return RATING_METHOD.format(prior=RATING_PRIOR, min=rating_min_messages(), reliable=RATING_RELIABLE_MESSAGES,
                                z=RATING_CHANGE_Z)
