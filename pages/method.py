"""Методика: every KPI's formula, source and norm, generated from dashboard.core.metrics."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core.metrics import (
    COMPARISON_RULE,
    KPIS,
    LOW_DATA,
    RATING_WEIGHTS,
    RESPONSE_BUCKETS,
    SAMPLE_WORDS,
    UNANSWERED_LABEL,
    rating_method_text,
)
from dashboard.core.schema import RESPONSE_BIN_EDGES
from dashboard.core.settings import get_settings
from dashboard.ui import widgets

EXAMPLES = {"int": 1234, "num1": 12.34, "num2": 1.234, "pct": 0.1234, "pct2": 0.01234, "minutes": 200}
DIRECTION = {"higher": "чем больше, тем лучше", "lower": "чем меньше, тем лучше", "neutral": "не оценивается"}


def utc_offset(tz: ZoneInfo) -> str:
    """«UTC+7» for Asia/Novosibirsk now (a zone name alone is English to the reader)."""
    minutes = round(datetime.now(tz).utcoffset().total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes >= 0 else '−'}{hours}" + (f":{rest:02d}" if rest else "")


settings = get_settings()
widgets.page_header("Методика", subtitle="Как считается каждый показатель. Тексты формул — те же, "
                    "по которым считают запросы, отчёты и рейтинг.")

with widgets.section("Норма ответа"):
    mode = ("ночь и выходные считаются" if settings.norm_mode == "calendar" else
            "по местному времени; ночь и выходные не считаются")
    st.markdown(
        f"Текущая норма первого ответа: **{settings.norm_label}** ({mode}).  \n"
        "Обращение считается отвеченным в срок, если первый ответ страницы дан не позже нормы. "
        "Обращение без ответа, у которого срок уже истёк, — не в срок. Обращения, срок ответа по "
        "которым ещё не наступил, в долю «в срок» не входят."
    )
    st.caption(f"Время на экранах и в отчётах — {utc_offset(settings.tz)} (часовой пояс {settings.display_tz}, "
               "настройка DISPLAY_TZ). Норма задаётся настройками RESPONSE_NORM_HOURS и RESPONSE_NORM_MODE "
               "(README, раздел «Configuration»).")

with widgets.section("Сравнение с предыдущим периодом"):
    st.markdown(COMPARISON_RULE)

with widgets.section("Цели и статус"):
    st.markdown("Карточки показателей, рейтинг и карта отмечают, достигнута ли цель: "
                + widgets.status_legend() + ".  \n"
                + "  \n".join(f"- {t.description}." for t in settings.targets.values()))
    st.caption("Цели задаются настройкой KPI_TARGETS (переменная окружения или .streamlit/secrets.toml), "
               "например: KPI_TARGETS=\"share_in_norm=90%/75%; median_response=8ч/24ч; overdue=0/10\" — "
               "цель и граница жёлтого (README, раздел «Targets and status»).")

st.markdown("### Показатели")
columns = st.columns(2)
for i, k in enumerate(KPIS.values()):
    with columns[i % 2], widgets.section(k.name):
        lines = [f"**Формула.** {k.formula}",
                 f"**Единица:** {k.unit} · **пример записи:** {k.format(EXAMPLES[k.kind])} · "
                 f"**оценка:** {DIRECTION[k.better]}.",
                 f"**Источник.** {k.source}"]
        if k.min_sample:
            lines.append(f"Если за период меньше {k.min_sample} {SAMPLE_WORDS.get(k.sample, 'случаев')}, "
                         f"вместо значения — «{LOW_DATA}».")
        if k.note:
            lines.append(f"**Примечание.** {k.note}")
        st.markdown("  \n".join(lines))

left, right = st.columns(2)
with left, widgets.section("Сводный рейтинг муниципалитетов"):
    weights = pd.DataFrame({"Показатель": [KPIS[c].name for c in RATING_WEIGHTS],
                            "Вес": list(RATING_WEIGHTS.values()),
                            "Оценка": [DIRECTION[KPIS[c].better] for c in RATING_WEIGHTS]})
    widgets.table(weights, {"Показатель": st.column_config.TextColumn("Показатель"),
                            "Вес": widgets.number_column("Вес", "pct", width=70),
                            "Оценка": st.column_config.TextColumn("Оценка")})
    st.markdown(
        "Каждый показатель приводится к шкале 0–100 среди ранжируемых муниципалитетов "
        "(лучший — 100, худший — 0; для показателей «чем меньше, тем лучше» шкала обращена), "
        "затем баллы складываются с весами. Место 1 — лучший сводный балл."
    )
    st.markdown(rating_method_text())
with right, widgets.section("Интервалы времени ответа"):
    buckets = [label for _c, label, _lo, _hi in RESPONSE_BUCKETS] + [UNANSWERED_LABEL]
    st.markdown("Распределение времени первого ответа показывается по интервалам: "
                + ", ".join(f"«{b}»" for b in buckets) + ".")
    edges = ", ".join(fmt.duration(e) for e in RESPONSE_BIN_EDGES[1:])
    st.markdown(f"Медиана оценивается по гистограмме с границами {edges} с линейной интерполяцией "
                "внутри интервала; каждая допустимая норма — граница интервала, поэтому доля "
                "«в срок» считается точно.")

with widgets.section("Сигналы", "Что попадает в «Требует внимания», на страницу «Сигналы» и в ежедневные сводки"):
    from dashboard.core.signals import KINDS, rule_texts

    rules = rule_texts(settings)
    st.markdown("  \n".join(f"**{KINDS[k]}.** {rules[k]}" for k in KINDS))
