"""Reference data: the 35 municipalities (data/nso_municipalities.csv) and the topic catalogue.

Loading is idempotent: rows are matched by OKTMO and topic code.
"""

from __future__ import annotations

import csv
import json
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
