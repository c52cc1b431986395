"""The recorded state of signals (``signal_state``): first seen, last seen, resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from dashboard.core import schema
from dashboard.core.signals import Signal


@dataclass(frozen=True)
class StoredSignal:
    key: str
    kind: str
    severity: str
    text: str
    link: str
    municipality_id: int | None
    page_id: int | None
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None


@dataclass
class Changes:
    """What a run found against the recorded state."""

    opened: list[str] = field(default_factory=list)    # keys new (or back) in this run
    still_open: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)  # keys that stopped firing in this run


def load(conn: Connection) -> dict[str, StoredSignal]:
    st = schema.signal_state
    return {r.key: StoredSignal(**r._mapping) for r in conn.execute(select(st))}


def compare(stored: dict[str, StoredSignal], signals: list[Signal]) -> Changes:
    firing = {s.key for s in signals}
    ch = Changes()
    for s in signals:
        old = stored.get(s.key)
        (ch.still_open if old is not None and old.resolved_at is None else ch.opened).append(s.key)
    ch.resolved = sorted(k for k, old in stored.items() if old.resolved_at is None and k not in firing)
    return ch


def apply(stored: dict[str, StoredSignal], signals: list[Signal], now: datetime) -> dict[str, StoredSignal]:
    """The state after a run at ``now`` that found ``signals`` (nothing is written)."""
    out = dict(stored)
    ch = compare(stored, signals)
    for s in signals:
        old = stored.get(s.key)
        first = old.first_seen if s.key in ch.still_open else now
        out[s.key] = StoredSignal(s.key, s.kind, s.severity, s.text, s.link, s.municipality_id, s.page_id,
                                  first, now, None)
    for key in ch.resolved:
        old = stored[key]
        out[key] = StoredSignal(**{**old.__dict__, "resolved_at": now})
    return out


def record(conn: Connection, signals: list[Signal], now: datetime) -> tuple[Changes, dict[str, StoredSignal]]:
    """Write the run's findings: new signals get first_seen = now, open ones keep theirs and
    take the new text and severity, those no longer firing get resolved_at = now. A resolved
    signal that fires again is reopened with a new first_seen."""
    stored = load(conn)
    ch = compare(stored, signals)
    after = apply(stored, signals, now)
    st = schema.signal_state
    for s in signals:
        row = after[s.key].__dict__
        if s.key in stored:
            conn.execute(update(st).where(st.c.key == s.key).values(**{k: v for k, v in row.items() if k != "key"}))
        else:
            conn.execute(st.insert().values(**row))
    if ch.resolved:
        conn.execute(update(st).where(st.c.key.in_(ch.resolved)).values(resolved_at=now))
    return ch, after
