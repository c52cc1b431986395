"""Reference lists and the data status shown in the banner and footer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class DataStatus:
    is_demo: bool
    updated_at: datetime | None   # UTC, from meta.data_updated_at
    first_day: date | None        # first local day with messages or stats
    last_day: date | None         # last local day with messages or stats
    n_pages: int
    n_messages: int


def municipalities(conn: Connection) -> pd.DataFrame:
    """Columns: id, name, name_official, kind, oktmo, population, area_km2, center_lat, center_lon.
    Ordered: urban okrugs first (by population desc), then the rest by name."""
    raise NotImplementedError


def topics(conn: Connection) -> pd.DataFrame:
    """Columns: id, code, name; in sort_order."""
    raise NotImplementedError


def data_status(conn: Connection) -> DataStatus:
    raise NotImplementedError
