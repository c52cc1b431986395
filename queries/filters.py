"""The filter every query takes, and how it becomes WHERE clauses."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import or_

from dashboard.core.periods import Period
from dashboard.core.settings import Settings, norm_label

# Pseudo municipality id for regional bodies (municipality_id IS NULL).
REGIONAL = 0


@dataclass(frozen=True)
class Norm:
    """The response norm: hours and whether they are calendar or working hours."""

    hours: int = 24
    mode: str = "calendar"  # or "working"

    @classmethod
    def from_settings(cls, s: Settings) -> "Norm":
        return cls(s.norm_hours, s.norm_mode)

    @property
    def minutes(self) -> int:
        return self.hours * 60

    @property
    def label(self) -> str:
        return norm_label(self.hours, self.mode)


@dataclass(frozen=True)
class Filters:
    """Period (local days, inclusive) and optional dimension filters; empty tuple = all."""

    start: date
    end: date
    platforms: tuple[str, ...] = ()
    municipality_ids: tuple[int, ...] = ()  # REGIONAL (0) selects regional bodies
    topic_ids: tuple[int, ...] = ()
    norm: Norm = field(default_factory=Norm)

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def previous(self) -> "Filters":
        """The same filters over the previous equal period."""
        p = self.period.previous()
        return replace(self, start=p.start, end=p.end)

    def with_(self, **changes) -> "Filters":
        return replace(self, **changes)

    # -- WHERE builders -------------------------------------------------
    def municipality_clause(self, col):
        """Clause for a municipality_id column (None when not filtered)."""
        if not self.municipality_ids:
            return None
        ids = [i for i in self.municipality_ids if i != REGIONAL]
        parts = []
        if ids:
            parts.append(col.in_(ids))
        if REGIONAL in self.municipality_ids:
            parts.append(col.is_(None))
        return or_(*parts) if len(parts) > 1 else parts[0]

    def dimension_clauses(self, table, *, topic: bool = True) -> list:
        """Platform / municipality / topic clauses for a table with those columns."""
        out = []
        if self.platforms:
            out.append(table.c.platform.in_(self.platforms))
        m = self.municipality_clause(table.c.municipality_id) if "municipality_id" in table.c else None
        if m is not None:
            out.append(m)
        if topic and self.topic_ids and "topic_id" in table.c:
            out.append(table.c.topic_id.in_(self.topic_ids))
        return out
