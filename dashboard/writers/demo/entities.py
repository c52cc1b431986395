"""Demo organisations and pages: who owns which official page, on which platform, since when.

Pure generation (no database): takes the municipality rows and a seeded
``numpy.random.Generator`` and returns plain column arrays, so the same seed
always gives the same registry. Used by ``dashboard.writers.demo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from dashboard.core.platforms import PLATFORMS

# The regional government and its ministries: (name, sector, slug).
REGIONAL_BODIES = (
    ("Правительство Новосибирской области", "other", "gov_nso"),
    ("Министерство здравоохранения Новосибирской области", "health", "minzdrav_nso"),
    ("Министерство образования Новосибирской области", "education", "minobr_nso"),
    ("Министерство культуры Новосибирской области", "culture", "minkult_nso"),
    ("Министерство труда и социального развития Новосибирской области", "social", "mintrud_nso"),
    ("Министерство транспорта и дорожного хозяйства Новосибирской области", "transport", "mintrans_nso"),
    ("Министерство жилищно-коммунального хозяйства и энергетики Новосибирской области", "housing",
     "mingkh_nso"),
    ("Министерство строительства Новосибирской области", "housing", "minstroy_nso"),
    ("Министерство природных ресурсов и экологии Новосибирской области", "other", "minprirody_nso"),
    ("Министерство сельского хозяйства Новосибирской области", "other", "minselhoz_nso"),
    ("Министерство экономического развития Новосибирской области", "other", "mineco_nso"),
    ("Министерство цифрового развития и связи Новосибирской области", "other", "mincifry_nso"),
    ("Министерство физической культуры и спорта Новосибирской области", "sport", "minsport_nso"),
    ("Министерство промышленности, торговли и развития предпринимательства Новосибирской области",
     "other", "minprom_nso"),
    ("Министерство региональной политики Новосибирской области", "other", "minregpol_nso"),
    ("Министерство финансов и налоговой политики Новосибирской области", "other", "minfin_nso"),
)

# Subordinate institution types: (sector, name pattern with {n}, slug prefix, share).
INSTITUTION_TYPES = (
    ("education", "МБОУ СОШ № {n}", "school", 0.26),
    ("education", "МБДОУ детский сад № {n}", "ds", 0.14),
    ("education", "МБУ ДО Дом детского творчества № {n}", "ddt", 0.03),
    ("culture", "МБУК Дом культуры № {n}", "dk", 0.12),
    ("culture", "МБУК Библиотека № {n}", "lib", 0.07),
    ("health", "ГБУЗ НСО Поликлиника № {n}", "polyclinic", 0.07),
    ("health", "ГБУЗ НСО Больница № {n}", "hospital", 0.05),
    ("social", "ГАУ НСО Комплексный центр социального обслуживания № {n}", "kcson", 0.09),
    ("sport", "МБУ Спортивная школа № {n}", "sport", 0.07),
    ("housing", "МУП Жилищно-коммунальное хозяйство № {n}", "zhkh", 0.04),
    ("transport", "МУП Пассажирское автотранспортное предприятие № {n}", "pat", 0.02),
    ("other", "МКУ Молодёжный центр № {n}", "molod", 0.04),
)

# Genitive forms that do not follow the adjective rule.
_CITY_GENITIVE = {
    "город Новосибирск": "города Новосибирска",
    "город Бердск": "города Бердска",
    "город Искитим": "города Искитима",
    "город Обь": "города Оби",
    "рабочий посёлок Кольцово": "рабочего посёлка Кольцово",
}
_CITY_SLUG = {
    "город Новосибирск": "nsk",
    "город Бердск": "berdsk",
    "город Искитим": "gorod_iskitim",
    "город Обь": "ob",
    "рабочий посёлок Кольцово": "koltsovo",
}
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
))

MAX_LAUNCH = date(2025, 8, 1)  # official MAX channels appear from August 2025


def genitive(name: str, kind: str) -> str:
    """'Баганский район' -> 'Баганского района' (or '… муниципального округа')."""
    if name in _CITY_GENITIVE:
        return _CITY_GENITIVE[name]
    adjective = name.split(" ")[0]
    stem = adjective[:-2] + "ого"
    return f"{stem} муниципального округа" if kind == "municipal_okrug" else f"{stem} района"


def admin_name(name: str, kind: str) -> str:
    """The municipal administration's name."""
    if name == "город Новосибирск":
        return "Мэрия города Новосибирска"
    return f"Администрация {genitive(name, kind)}"


def slug(name: str) -> str:
    """Latin slug of a municipality for page addresses: 'Баганский район' -> 'bagan'."""
    if name in _CITY_SLUG:
        return _CITY_SLUG[name]
    word = name.split(" ")[0].lower()
    for suffix in ("ский", "ный"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return "".join(_TRANSLIT.get(ch, "_" if ch == "-" else ch) for ch in word)


@dataclass
class Organisations:
    """Organisation rows as parallel lists (index i has id i + 1)."""

    name: list[str]
    kind: list[str]
    sector: list[str | None]
    municipality_id: list[int | None]
    slug: list[str]

    def __len__(self) -> int:
        return len(self.name)


def build_organisations(municipalities: list[dict], n_institutions: int,
                        rng: np.random.Generator) -> Organisations:
    """Regional bodies, one administration per municipality, institutions spread by population."""
    orgs = Organisations([], [], [], [], [])

    def add(name, kind, sector, mun_id, slug_):
        orgs.name.append(name)
        orgs.kind.append(kind)
        orgs.sector.append(sector)
        orgs.municipality_id.append(mun_id)
        orgs.slug.append(slug_)

    for name, sector, slug_ in REGIONAL_BODIES:
        add(name, "regional", sector, None, slug_)
    for m in municipalities:
        add(admin_name(m["name"], m["kind"]), "municipal_admin", "other", m["id"], f"adm_{slug(m['name'])}")

    # Institutions per municipality: proportional to population^0.8, at least 3.
    pop = np.array([m["population"] or 10_000 for m in municipalities], dtype=float)
    share = pop ** 0.8 / (pop ** 0.8).sum()
    counts = np.maximum(3, np.round(share * n_institutions)).astype(int)
    type_p = np.array([t[3] for t in INSTITUTION_TYPES])
    type_p /= type_p.sum()
    for m, n in zip(municipalities, counts):
        where = genitive(m["name"], m["kind"])
        mslug = slug(m["name"])
        types = rng.choice(len(INSTITUTION_TYPES), size=n, p=type_p)
        numbers = np.zeros(len(INSTITUTION_TYPES), dtype=int)
        for t in types:
            numbers[t] += 1
            sector, pattern, prefix, _ = INSTITUTION_TYPES[t]
            k = int(numbers[t])
            add(f"{pattern.format(n=k)} {where}", "institution", sector, m["id"], f"{prefix}{k}_{mslug}")
    return orgs


@dataclass
class Pages:
    """Page rows as numpy columns (index i has id i + 1), plus generator-only attributes."""

    platform: np.ndarray        # str
    external_id: np.ndarray     # str
    url: np.ndarray             # str
    title: np.ndarray           # str
    organisation_id: np.ndarray  # int
    municipality_id: np.ndarray  # int, 0 for regional bodies
    org_kind: np.ndarray        # str
    head: np.ndarray            # bool: the government's or a municipal administration's own page
    verified: np.ndarray        # bool
    gospubliki: np.ndarray      # bool
    opened_on: np.ndarray       # datetime64[D]
    base_subscribers: np.ndarray  # float: level at the period start (or target level for MAX)
    posts_per_week: np.ndarray  # float

    def __len__(self) -> int:
        return len(self.platform)

    def take(self, keep: np.ndarray) -> "Pages":
        return Pages(**{k: v[keep] for k, v in self.__dict__.items()})


# Platforms in the order pages are generated (fixed: the seeded output depends on it).
GENERATION_ORDER = ("vk", "ok", "tg", "max")
# Probability that an organisation of each kind has a page on each platform.
_HAS_PAGE = {
    "regional": {"vk": 1.0, "ok": 1.0, "tg": 0.8, "max": 1.0},
    "municipal_admin": {"vk": 1.0, "ok": 1.0, "tg": 0.6, "max": 1.0},
    "institution": {"vk": 0.9, "ok": 0.4, "tg": 0.15, "max": 0.4},
}
# Probability of the госметка, by kind and platform (Telegram has no such mark).
_VERIFIED = {
    "regional": {"vk": 1.0, "ok": 1.0, "tg": 0.0, "max": 1.0},
    "municipal_admin": {"vk": 1.0, "ok": 1.0, "tg": 0.0, "max": 1.0},
    "institution": {"vk": 0.75, "ok": 0.55, "tg": 0.0, "max": 0.6},
}


def _opened_on(kind: str, platform: str, n: int, start: date, rng: np.random.Generator) -> np.ndarray:
    """Opening dates: VK/OK mostly years before the period, MAX from August 2025 onward."""
    if platform == "max":
        spread = 120 if kind != "institution" else 540  # institutions keep joining
        days = rng.exponential(spread / 2.5, size=n).clip(0, spread) if kind == "institution" \
            else rng.uniform(0, spread, size=n)
        return np.datetime64(MAX_LAUNCH) + days.astype(int)
    first = {"vk": date(2014, 1, 1), "ok": date(2016, 1, 1), "tg": date(2019, 1, 1)}[platform]
    span = (start - first).days
    days = rng.uniform(0, span, size=n).astype(int)
    opened = np.datetime64(first) + days
    if kind == "institution":  # a few institutions open their page during the period
        late = rng.random(n) < 0.05
        opened[late] = np.datetime64(start) + rng.integers(0, 300, size=late.sum())
    return opened


def _unique_ids(n: int, low: int, gap: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct integers above ``low`` in random order."""
    ids = low + np.cumsum(rng.integers(1, gap, size=n))
    return rng.permutation(ids)


def build_pages(orgs: Organisations, municipalities: list[dict], start: date, end: date,
                rng: np.random.Generator, *, weak_ok: int = 4, rare_posters: int = 3) -> Pages:
    """Every organisation's pages on VK, OK, Telegram and MAX that are open by ``end``.

    A few municipalities (``weak_ok``) lack the госметка on their administration's OK
    page and a few administrations (``rare_posters``) post rarely, so the compliance
    views have something to show.
    """
    pop = {m["id"]: (m["population"] or 10_000) for m in municipalities}
    oblast_pop = sum(pop.values())
    mun_ids = np.array(sorted(pop))
    weak = set(rng.choice(mun_ids, size=weak_ok, replace=False).tolist())
    rare = set(rng.choice(mun_ids, size=rare_posters, replace=False).tolist())

    kinds = np.array(orgs.kind)
    cols: dict[str, list] = {k: [] for k in Pages.__dataclass_fields__}
    for platform in GENERATION_ORDER:
        for kind in ("regional", "municipal_admin", "institution"):
            idx = np.flatnonzero(kinds == kind)
            has = rng.random(len(idx)) < _HAS_PAGE[kind][platform]
            idx = idx[has]
            n = len(idx)
            mun = np.array([orgs.municipality_id[i] or 0 for i in idx], dtype=int)
            verified = rng.random(n) < _VERIFIED[kind][platform]
            if kind == "municipal_admin" and platform == "ok":
                verified &= ~np.isin(mun, list(weak))
            people = np.array([pop.get(m, oblast_pop) for m in mun], dtype=float)
            base = _base_subscribers(kind, platform, people, rng)
            posts = _posts_per_week(kind, platform, n, rng)
            if kind == "municipal_admin" and platform in ("vk", "ok"):
                posts[np.isin(mun, list(rare))] = 0.3
            cols["platform"].append(np.full(n, platform))
            cols["organisation_id"].append(idx + 1)
            cols["municipality_id"].append(mun)
            cols["org_kind"].append(np.full(n, kind))
            cols["head"].append((kind == "municipal_admin") | (idx == 0))
            cols["verified"].append(verified)
            cols["gospubliki"].append(rng.random(n) < (0.9 if kind != "institution" else 0.5)
                                      if platform == "vk" else np.zeros(n, dtype=bool))
            cols["opened_on"].append(_opened_on(kind, platform, n, start, rng))
            cols["base_subscribers"].append(base)
            cols["posts_per_week"].append(posts)
            cols["title"].append(np.array([orgs.name[i] for i in idx], dtype=object))
            slugs = [orgs.slug[i] for i in idx]
            cols["external_id"].append(np.array(slugs, dtype=object))
            cols["url"].append(np.array(slugs, dtype=object))
        ext, url = _addresses(platform, np.concatenate(cols["external_id"][-3:]).tolist(), rng)
        cols["external_id"][-3:] = [ext]
        cols["url"][-3:] = [url]
    pages = Pages(**{k: np.concatenate(v) for k, v in cols.items()})
    return pages.take(pages.opened_on <= np.datetime64(end))


def _addresses(platform: str, slugs: list[str], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """External ids and URLs in each platform's usual form."""
    n = len(slugs)
    if platform == "vk":
        ids = _unique_ids(n, 20_000_000, 200, rng)
        ext = [str(i) for i in ids]
    elif platform == "ok":
        ids = _unique_ids(n, 70_000_000_000_000, 100_000, rng)
        ext = [str(i) for i in ids]
    else:
        ext = list(slugs)
    url = [PLATFORMS[platform].url_of_id(e) for e in ext]
    return np.array(ext, dtype=object), np.array(url, dtype=object)


def _base_subscribers(kind: str, platform: str, people: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Subscribers at the period start (MAX: the level a year after opening)."""
    n = len(people)
    if kind == "municipal_admin":
        rate = {"vk": (0.08, 0.25), "ok": (0.02, 0.08), "tg": (0.01, 0.05), "max": (0.03, 0.08)}[platform]
        return people * rng.uniform(*rate, size=n)
    if kind == "regional":
        rate = {"vk": (0.005, 0.03), "ok": (0.002, 0.01), "tg": (0.002, 0.01), "max": (0.003, 0.015)}[platform]
        return people * rng.uniform(*rate, size=n)
    factor = {"vk": 1.0, "ok": 0.4, "tg": 0.3, "max": 0.35}[platform]
    return factor * 700 * (people / 50_000) ** 0.3 * rng.lognormal(0, 0.7, size=n)


def _posts_per_week(kind: str, platform: str, n: int, rng: np.random.Generator) -> np.ndarray:
    low, high = {"regional": (6, 14), "municipal_admin": (4, 12), "institution": (1.5, 6)}[kind]
    if platform == "ok":
        low, high = low * 0.7, high * 0.7
    return rng.uniform(low, high, size=n)
