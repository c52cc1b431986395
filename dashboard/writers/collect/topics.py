"""A small keyword classifier: the topic (rubric) of a resident's comment.

Each topic has Russian word stems; a word matches a stem when it starts with it,
and a stem containing a space matches as a phrase. The topic with the most
matching words wins; ties go to the earlier topic in ``reference.TOPICS`` order;
no match gives ``other``. Pure: no database, no I/O.
"""

from __future__ import annotations

import re

from dashboard.core.reference_data import TOPICS

OTHER = "other"

KEYWORDS: dict[str, tuple[str, ...]] = {
    "roads": ("дорог", "яма", "ямы", "ямк", "ямам", "асфальт", "тротуар", "светофор", "разметк",
              "пешеходн", "обочин", "выбоин", "гравийк", "грейдер"),
    "housing": ("жкх", "управляющ", "подъезд", "крыш", "кровл", "лифт", "капремонт",
                "капитальный ремонт", "мкд", "квартплат", "тсж", "домофон", "подвал"),
    "improvement": ("благоустр", "двор", "площадк", "сквер", "парк", "освещени", "фонар",
                    "озеленен", "лавочк", "скамейк", "газон", "клумб"),
    "waste": ("мусор", "тко", "контейнер", "свалк", "отход", "помойк", "регоператор"),
    "transport": ("автобус", "маршрут", "трамва", "троллейбус", "остановк", "электричк",
                  "транспорт", "расписани"),
    "health": ("больниц", "поликлиник", "врач", "фап", "медицин", "скорая", "скорой", "скорую",
               "лекарств", "аптек", "здравоохр", "фельдшер", "терапевт", "педиатр"),
    "education": ("школ", "детсад", "садик", "детский сад", "детского сада", "детском саду",
                  "учител", "образовани", "ученик", "кружк"),
    "social": ("пенси", "пособи", "соцзащит", "социальн", "льгот", "многодетн", "инвалид",
               "субсиди", "выплат"),
    "snow": ("снег", "снеж", "сугроб", "гололед", "наледь", "наледи", "сосульк", "посыпк",
             "уборк"),
    "heat_water": ("отоплени", "батаре", "горячей вод", "холодной вод", "горячая вода",
                   "холодная вода", "нет воды", "водоснабж", "водопровод", "канализац",
                   "теплосет", "котельн", "теплоснабж"),
}

_ORDER = {code: i for i, (code, _name) in enumerate(TOPICS)}
_WORD = re.compile(r"[а-яa-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, ё→е, every non-letter run collapsed to one space."""
    return " ".join(_WORD.findall((text or "").lower().replace("ё", "е")))


def classify(text: str) -> str:
    """The topic code of a comment, ``other`` when no keyword matches."""
    norm = normalise(text)
    words = norm.split()
    padded = f" {norm} "
    best, best_score = OTHER, 0
    for code, stems in KEYWORDS.items():
        score = 0
        for stem in stems:
            if " " in stem:
                score += padded.count(f" {stem}")
            else:
                score += sum(1 for w in words if w.startswith(stem))
        if score > best_score or (score == best_score and score and _ORDER[code] < _ORDER[best]):
            best, best_score = code, score
    return best
