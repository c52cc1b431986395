"""The text of a digest: new signals, those still open, those resolved since the last one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dashboard.core import formatting as fmt
from dashboard.core.signals import KINDS, PATH_SIGNALS, SEVERITIES, SEVERITY_ICONS, WHERE_PARAM, link
from dashboard.writers.alerts.state import StoredSignal

EVERYTHING = "вся область"


@dataclass(frozen=True)
class Digest:
    subject: str
    body: str
    new: int
    open: int
    resolved: int


def in_scope(x: StoredSignal, municipality_id: int | None) -> bool:
    """The ЦУР (None) gets everything; a municipality its own signals."""
    return municipality_id is None or x.municipality_id == municipality_id


def _order(x: StoredSignal):
    return (list(SEVERITIES).index(x.severity), list(KINDS).index(x.kind), x.key)


def select(state: dict[str, StoredSignal], municipality_id: int | None, last_sent: datetime | None,
           now: datetime, fallback_window) -> tuple[list, list, list]:
    """(new, still open, resolved) for one recipient. New: first seen after the last digest
    sent to this recipient on this channel; resolved: resolved after it (without one, within
    ``fallback_window`` before ``now``)."""
    mine = [x for x in state.values() if in_scope(x, municipality_id)]
    open_ = sorted((x for x in mine if x.resolved_at is None), key=_order)
    new = [x for x in open_ if last_sent is None or x.first_seen > last_sent]
    still = [x for x in open_ if x not in new]
    since = last_sent if last_sent is not None else now - fallback_window
    resolved = sorted((x for x in mine if x.resolved_at is not None and x.resolved_at > since), key=_order)
    return new, still, resolved


def compose(scope: str, day: date, new: list[StoredSignal], still: list[StoredSignal],
            resolved: list[StoredSignal], app_url: str) -> Digest:
    base = app_url.rstrip("/")

    def line(x: StoredSignal, mark: str | None = None) -> list[str]:
        head = f"{mark or SEVERITY_ICONS[x.severity]} {SEVERITIES[x.severity] if not mark else 'Решено'}: {x.text}"
        return [head, f"   {base}/{x.link}"]

    n_open = len(new) + len(still)
    subject = (f"Госпаблики НСО, сигналы на {fmt.d(day)} ({scope}): "
               f"новых {fmt.num(len(new))}, открыто {fmt.num(n_open)}, решено {fmt.num(len(resolved))}")
    lines = [f"Сводка сигналов на {fmt.d(day)} — {scope}.", ""]
    if not n_open and not resolved:
        lines += ["Открытых сигналов нет.", ""]
    for title, items, mark in (("Новые", new, None), ("Остаются открытыми", still, None),
                               ("Решены с прошлой сводки", resolved, "✅")):
        if not items:
            continue
        lines.append(f"{title} ({fmt.num(len(items))}):")
        for x in items:
            lines += line(x, mark)
        lines.append("")
    # a municipality's digest: «Сигналы» with its signals only, as «Все сигналы (N)» on the screens
    where = {} if scope == EVERYTHING else {WHERE_PARAM: scope}
    lines.append(f"Все сигналы: {base}/{link(PATH_SIGNALS, **where)}")
    return Digest(subject, "\n".join(lines), len(new), n_open, len(resolved))
