"""Reference data: the 35 municipalities (data/nso_municipalities.csv) and the topic catalogue.

Loading is idempotent: rows are matched by OKTMO and topic code.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.db import upsert
from dashboard.core.settings import DATA_DIR

MUNICIPALITIES_CSV = DATA_DIR / "nso_municipalities.csv"
BOUNDARIES_GEOJSON = DATA_DIR / "nso_municipalities.geojson"
BOUNDARIES_ATTRIBUTION = "© участники OpenStreetMap (ODbL 1.0)"

# (code, Russian name). Order is the display order; "other" stays last.
TOPICS = (
    ("roads", "Дороги"),
    ("housing", "ЖКХ"),
    ("improvement", "Благоустройство"),
    ("waste", "Вывоз мусора"),
    ("transport", "Общественный транспорт"),
    ("health", "Здравоохранение"),
    ("education", "Образование"),
    ("social", "Социальная защита"),
    ("snow", "Снег и уборка"),
    ("heat_water", "Тепло- и водоснабжение"),
    ("other", "Прочее"),
)


# A municipality's kind word and its usual abbreviation: the short names of every screen and
# file are derived from the full name by this one table (no short name is spelt elsewhere).
NAME_ABBREVIATIONS = (("рабочий посёлок ", "р. п. "), ("город ", "г. "), (" район", " р-н"))
SHORT_NAMES_NOTE = "г. — город, р. п. — рабочий посёлок, р-н — район"


def short_name(name: str) -> str:
    """«г. Бердск», «р. п. Кольцово», «Усть-Таркский р-н»: the name in a narrow column
    (at 1366 px «рабочий посёлок Кольцово» was cut). Other names are kept as they are."""
    for full, short in NAME_ABBREVIATIONS:
        name = name.replace(full, short)
    return name


def bare_name(name: str) -> str:
    """«Бердск», «Кольцово», «Усть-Таркский»: the name without its kind word, for the labels
    on the map's shapes (the shape says what it is)."""
    for full, _short in NAME_ABBREVIATIONS:
        name = name.replace(full, "")
    return name


class UnknownMunicipality(ValueError):
    """A municipality name that names none or several of them (message in Russian)."""


# Words that do not tell municipalities apart in close-match hints.
GENERIC_WORDS = {"город", "район", "рабочий", "поселок"}


def _norm_name(s: str) -> str:
    s = re.sub(r"\.(?=\S)", ". ", s.strip().lower().replace("ё", "е"))  # «р.п.» reads «р. п.»
    return re.sub(r"\s+", " ", s)


MIN_PREFIX = 4  # letters of a word's start that may name a municipality: fewer name several or a wrong one


def resolve_municipality(names: dict[int, str], query: str) -> int:
    """The id of the municipality called ``query``: case and ё/е do not matter, the screens'
    short names name it too ('г. Бердск', 'Коченёвский р-н', 'р.п. Кольцово': ``short_name``), and a
    unique whole-word part of a name is enough ('бердск' → 'город Бердск'), else the unique start of
    a word of at least MIN_PREFIX letters ('карасук' → 'Карасукский район'). Unknown or ambiguous
    names raise UnknownMunicipality listing the close matches."""
    q = _norm_name(query)
    normed = {mid: _norm_name(n) for mid, n in names.items()}
    exact = [mid for mid, n in names.items() if q in (normed[mid], _norm_name(short_name(n)))]
    if exact:
        return exact[0]
    pattern = re.compile(rf"(^|\s){re.escape(q)}(\s|$)")
    partial = [mid for mid, n in normed.items() if q and pattern.search(n)]
    if len(partial) == 1:
        return partial[0]
    if not partial and len(q) >= MIN_PREFIX:
        # The start of a word: 'карасук' → 'Карасукский район' (it had been «не найден»).
        starts = re.compile(rf"(^|\s){re.escape(q)}")
        partial = [mid for mid, n in normed.items() if starts.search(n)]
        if len(partial) == 1:
            return partial[0]
    if partial:
        hint = ", ".join(f"«{names[mid]}»" for mid in sorted(partial, key=names.get))
        raise UnknownMunicipality(f"Название «{query}» подходит к нескольким муниципалитетам: {hint}. "
                                  "Уточните название.")
    # Close matches against whole names and their distinctive words ('бердск', 'баганский').
    variants = {}
    for mid, n in normed.items():
        for v in [n, *(w for w in n.split() if w not in GENERIC_WORDS)]:
            variants.setdefault(v, mid)
    close = difflib.get_close_matches(q, list(variants), n=8, cutoff=0.6)
    options = list(dict.fromkeys(variants[v] for v in close))[:5]
    if options:
        hint = ", ".join(f"«{names[mid]}»" for mid in options)
        raise UnknownMunicipality(f"Муниципалитет «{query}» не найден. Возможно, имелось в виду: {hint}.")
    raise UnknownMunicipality(f"Муниципалитет «{query}» не найден. Название — как в справочнике, например "
                              "«город Бердск» или «Баганский район».")


def read_municipalities() -> list[dict]:
    """Rows of the municipality table from the CSV, in file order (ids 1..35)."""
    rows = []
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), start=1):
            rows.append({
                "id": i,
                "name": r["name"],
                "name_official": r["name_official"],
                "kind": r["kind"],
                "oktmo": r["oktmo"],
                "admin_center": r["admin_center"],
                "center_lat": float(r["center_lat"]),
                "center_lon": float(r["center_lon"]),
                "area_km2": float(r["area_km2"]) if r["area_km2"] else None,
                "population": int(r["population"]) if r["population"] else None,
                "population_year": int(r["population_year"]) if r["population_year"] else None,
            })
    return rows


@lru_cache(maxsize=1)
def boundaries() -> dict:
    """The boundaries GeoJSON (feature property `name` matches municipality.name)."""
    with BOUNDARIES_GEOJSON.open(encoding="utf-8") as f:
        return json.load(f)


def load_reference(conn: Connection) -> None:
    rows = read_municipalities()
    existing = dict(conn.execute(select(schema.municipality.c.oktmo, schema.municipality.c.id)).all())
    for r in rows:
        if r["oktmo"] in existing:
            r["id"] = existing[r["oktmo"]]
    upsert(conn, schema.municipality, rows, ["id"],
           [c for c in rows[0] if c not in ("id",)])
    topics = [{"id": i, "code": code, "name": name, "sort_order": i}
              for i, (code, name) in enumerate(TOPICS, start=1)]
    upsert(conn, schema.topic, topics, ["code"], ["name", "sort_order"])
